"""Reading the ledger: files → column mapping → canonical dtypes → contracts → soft rules (``kam validate``).

:func:`load_ledger` turns the tables named in a params file's ``data:`` section into a validated
:class:`~kamlib.ledger.Ledger`:

1. **Read** each file once: CSV through DuckDB (encoding detected among UTF-8, UTF-8 with BOM and
   GB18030/GBK, or ``data.encoding``; other encodings are transcoded), Parquet through DuckDB, Excel
   (.xlsx) through calamine (openpyxl as fallback), sheet ``data.sheet``.
2. **Map** the export's column names onto the canonical ones with ``columns:`` (table → {source: canonical}),
   e.g. ``客户编号: customer_id``.
3. **Type** every canonical column in one vectorised DuckDB query: ids stay strings ("007" stays "007";
   a float-looking id like 17850.0 from Excel becomes "17850"), amounts become float64 (thousands
   separators, ¥/$ signs allowed), text dates are parsed (ISO, 2024/3/5, 20240305, 2024年3月5日, 3/5/2024,
   or ``data.date_format``), Likert word labels (非常满意 ... 非常不满意) become 1-5 scores.
4. **Derive** revenue = quantity × unit_price when absent, gross_profit = revenue − cost, the survey wave,
   and the ``customers`` table from the order lines when it is absent.
5. **Exclude** rows hit by the documented soft rules and count them (:mod:`kamlib.validation`), then check
   the hard contracts (pandera, lazy). Every hard problem of every table is reported at once in one
   :class:`~kamlib.errors.DataError`.

Row numbers in messages are as in the file: the header is row 1, the first data row is row 2.
"""
from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from . import validation as V
from .errors import DataError, KamlibError, ParamsError
from .ledger import (CUSTOMER_ATTRIBUTES, LIKERT_LABELS, TABLES, DataQualityReport, Exclusion, Ledger, isin_mask)
from .params import Params

__all__ = ["load_ledger", "load_full_ledger", "filter_ledger", "ledger_key", "read_table", "format_quality",
           "add_arguments", "cli", "SUPPORTED_SUFFIXES"]

#: bump when reading, checking or reducing the tables, or the stored scan's format, changes, so that stored
#: scans (ledger-<key>.pkl.lz4 in a run cache) and cached workbooks are rebuilt (4: LZ4-compressed scans)
IO_VERSION = "4"

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES + EXCEL_SUFFIXES

#: encodings tried in order when data.encoding is "auto" (GB18030 is a superset of GBK and GB2312)
AUTO_ENCODINGS = ("utf-8", "gb18030")

#: text date formats tried (after ISO 8601) when data.date_format is not set
_DATE_FORMATS = ["%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y.%m.%d",
                 "%Y%m%d", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月"]
_SLASH_MDY = ["%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m-%d-%Y"]
_SLASH_DMY = ["%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y", "%d-%m-%Y"]

_DATE_COLS = {"orders": "order_date", "invoices": "invoice_date", "surveys": "survey_date"}


# ------------------------------------------------------------------------------------------ helpers

def _q(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(s: str) -> str:
    """A SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def _did_you_mean(near: list[str]) -> str:
    """' (did you mean 'a', 'b'?)' for close matches of a misspelt name, '' when there are none."""
    return f" (did you mean {', '.join(map(repr, near))}?)" if near else ""


def _connect():
    import duckdb

    con = duckdb.connect()
    # keep file order (row numbers in messages) and let DuckDB use every core it is given
    con.execute("SET preserve_insertion_order = true")
    # large scans spill to a temp folder of their own (never the notebook's working directory); the memory
    # limit can be lowered on a shared machine (KAMLIB_DUCKDB_MEMORY, e.g. "2GB"; DuckDB's default: 80 % of RAM)
    con.execute(f"SET temp_directory = {_lit(os.path.join(tempfile.gettempdir(), 'kamlib-duckdb'))}")
    limit = os.environ.get("KAMLIB_DUCKDB_MEMORY")
    if limit:
        try:
            con.execute(f"SET memory_limit = {_lit(limit)}")
        except duckdb.Error as e:
            con.close()
            raise KamlibError(f"KAMLIB_DUCKDB_MEMORY={limit!r} is not a memory size DuckDB understands "
                              f"({_duck_msg(e)}). Fix: use e.g. 2GB or 512MB, or unset it.") from None
    try:  # kam validate prints its own summary; a Jupyter kernel without ipywidgets refuses the setting
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass  # the default (no bar for short scans) is fine there
    return con


def _duck_msg(e: Exception) -> str:
    """The informative head of a DuckDB error (up to its 'Possible Solution' hints), on one line."""
    lines = []
    for line in str(e).splitlines():
        if line.startswith("Possible Solution") or (not line.strip() and lines):
            break
        if line.strip():
            lines.append(line.strip())
    return " / ".join(lines[:4])


def _family(duck_type: str) -> str:
    t = duck_type.upper()
    if t in ("VARCHAR", "STRING", "TEXT") or t.startswith("VARCHAR"):
        return "text"
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT"):
        return "int"
    if t in ("FLOAT", "DOUBLE", "REAL") or t.startswith("DECIMAL"):
        return "float"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    return "other"


@dataclass
class _Source:
    """A table file opened for one DuckDB scan."""

    table: str
    path: Path
    scan: str                      # FROM-clause expression
    columns: dict[str, str]        # stripped header name -> DuckDB column name
    types: dict[str, str]          # stripped header name -> DuckDB type
    fmt: str
    encoding: str | None = None
    temp: list[Path] = field(default_factory=list)


def _where(params: Params) -> str:
    return str(params.source) if params.source else "params"


# ------------------------------------------------------------------------------------------ encodings

def _decode_error_line(path: Path, offset: int) -> int:
    """1-based line number of byte ``offset`` (for the error message)."""
    n, pos = 1, 0
    with open(path, "rb") as fh:
        while pos < offset:
            chunk = fh.read(min(1 << 22, offset - pos))
            if not chunk:
                break
            n += chunk.count(b"\n")
            pos += len(chunk)
    return n


def sniff_encoding(path: Path) -> str | None:
    """Encoding of a CSV file from its first megabyte: BOMs first, then strict UTF-8, then GB18030.

    Returns ``None`` when none of them decodes the sample (an unreadable file).
    """
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in AUTO_ENCODINGS:
        try:
            codecs.getincrementaldecoder(enc)("strict").decode(head, final=False)
            return enc
        except UnicodeDecodeError:
            continue
    return None


def _transcode(path: Path, encoding: str) -> Path:
    """Stream ``path`` from ``encoding`` into a temporary UTF-8 file (DuckDB reads UTF-8 natively).

    Raises UnicodeDecodeError with ``start`` set to the absolute byte offset of the bad bytes.
    """
    fd, tmp = tempfile.mkstemp(prefix="kam-", suffix=".csv")
    dec = codecs.getincrementaldecoder(encoding)("strict")
    pos = 0
    try:
        with open(path, "rb") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while True:
                chunk = src.read(1 << 23)
                try:
                    dst.write(dec.decode(chunk, final=not chunk))
                except UnicodeDecodeError as e:
                    raise UnicodeDecodeError(e.encoding, e.object, pos + e.start, pos + e.end, e.reason) from None
                if not chunk:
                    break
                pos += len(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _encoding_problem(table: str, path: Path, enc: str | None, err: UnicodeDecodeError | None = None) -> dict:
    if err is not None:
        line = _decode_error_line(path, err.start)
        bad = err.object[err.start:err.start + 4] if isinstance(err.object, (bytes, bytearray)) else b""
        detail = (f"cannot decode the file as {enc} at line {line} (bytes {bytes(bad)!r}: {err.reason})")
    else:
        detail = f"the file is neither UTF-8, UTF-8 with BOM nor GB18030/GBK"
    return V.problem(table, None, "encoding", 0, (), detail, path=path)


# ------------------------------------------------------------------------------------------ opening

def _open_csv(con, table: str, path: Path, encoding: str, problems: list) -> _Source | None:
    enc = sniff_encoding(path) if encoding == "auto" else encoding
    if enc is None:
        problems.append(_encoding_problem(table, path, None))
        return None
    temp: list[Path] = []
    target = path
    if codecs.lookup(enc).name not in ("utf-8", "utf-8-sig"):
        try:
            target = _transcode(path, enc)
        except UnicodeDecodeError as e:
            problems.append(_encoding_problem(table, path, enc, e))
            return None
        temp.append(target)
    import duckdb

    scan = f"read_csv({_lit(target)}, all_varchar = true, header = true)"
    try:
        # sniff the dialect once: the explicit read_csv call it returns binds without re-sniffing the file
        prompt = con.sql(f"SELECT Prompt FROM sniff_csv({_lit(target)}, all_varchar = true, header = true)"
                         ).fetchall()[0][0].strip()
        if prompt.startswith("FROM ") and prompt.endswith(";"):
            scan = prompt[5:-1]
    except duckdb.Error:
        pass   # the plain call below reports the problem
    return _describe_source(con, table, path, scan, "csv", enc, temp, problems)


def _open_parquet(con, table: str, path: Path, problems: list) -> _Source | None:
    return _describe_source(con, table, path, f"read_parquet({_lit(path)})", "parquet", None, [], problems)


def _excel_engine() -> str:
    try:
        import python_calamine  # noqa: F401  (5-10x faster than openpyxl on large sheets)
        return "calamine"
    except ImportError:
        return "openpyxl"


def _excel_frame(path: Path, sheet) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine=_excel_engine())


def _stringify(s: pd.Series) -> pa.Array:
    """A mixed-type Excel column (ints and text, e.g. InvoiceNo 536365 / C536379) as an Arrow string array;
    integral floats lose their '.0' so ids survive."""
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
            return v.isoformat()
        return str(v)
    # object columns of Excel sheets are bounded by the sheet size (≤ 1,048,576 rows)
    return pa.array([one(v) for v in s.to_numpy(dtype=object)], type=pa.string())


def _open_excel(con, table: str, path: Path, sheet, problems: list) -> _Source | None:
    try:
        df = _excel_frame(path, sheet)
    except (ValueError, KeyError, IndexError) as e:
        sheets = ""
        try:
            sheets = ", ".join(map(str, pd.ExcelFile(path, engine=_excel_engine()).sheet_names))
        except (ValueError, OSError):
            pass
        problems.append(V.problem(table, None, "unreadable", 0, (),
                                  f"cannot read sheet {sheet!r}: {e}" + (f"; sheets: {sheets}" if sheets else ""),
                                  fix="set data.sheet to one of the sheet names (or its 0-based index)",
                                  path=path))
        return None
    except OSError as e:
        problems.append(V.problem(table, None, "unreadable", 0, (), f"cannot open the workbook: {e}", path=path))
        return None
    arrays, names = [], []
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            arrays.append(_stringify(s))
        else:
            arrays.append(pa.Array.from_pandas(s))
        names.append(str(col))
    view = f"xl_{table}"
    con.register(view, pa.table(arrays, names=names))
    return _describe_source(con, table, path, _q(view), "xlsx", None, [], problems)


def _describe_source(con, table, path, scan, fmt, enc, temp, problems) -> _Source | None:
    import duckdb

    try:
        desc = con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as e:
        for t in temp:
            t.unlink(missing_ok=True)
        msg = _duck_msg(e)
        check = "encoding" if "unicode" in msg.lower() else "unreadable"
        problems.append(V.problem(table, None, check, 0, (), f"{fmt} reader: {msg}", path=path))
        return None
    columns, types = {}, {}
    for name, typ, *_ in desc:
        key = str(name).replace("\ufeff", "").strip()
        if key in columns:   # two headers equal after stripping spaces: keep the first, keep the other raw
            key = str(name)
        columns[key] = name
        types[key] = typ
    return _Source(table, path, scan, columns, types, fmt, enc, temp)


def _open(con, table: str, path: Path, params: Params, problems: list) -> _Source | None:
    if not path.exists():
        where = f"data.{table} in {_where(params)}"
        hint = ""
        if path.parent.exists():
            near = get_close_matches(path.name, [p.name for p in path.parent.iterdir()], n=3)
            if near:
                hint = f"; files with similar names in {path.parent}: {', '.join(near)}"
        problems.append(V.problem(table, None, "file_not_found", 0, (), f"{path} does not exist{hint}",
                                  fix=f"fix {where} (relative paths are relative to the params file's folder)"
                                      + ("; run `kam demo` to create the demo ledger" if "demo" in str(path)
                                         else ""),
                                  path=path))
        return None
    suffix = path.suffix.lower()
    if path.is_dir() or suffix not in SUPPORTED_SUFFIXES:
        problems.append(V.problem(table, None, "unsupported_format", 0, (),
                                  f"{path.name}: supported are {', '.join(SUPPORTED_SUFFIXES)}", path=path))
        return None
    if path.stat().st_size == 0:
        problems.append(V.problem(table, None, "empty_table", 0, (), "the file is empty (0 bytes)", path=path))
        return None
    if suffix in CSV_SUFFIXES:
        return _open_csv(con, table, path, params.data.encoding, problems)
    if suffix in PARQUET_SUFFIXES:
        return _open_parquet(con, table, path, problems)
    return _open_excel(con, table, path, params.data.sheet, problems)


# ------------------------------------------------------------------------------------------ mapping

def _extra_items(table: str, params: Params) -> list[str]:
    if table != "surveys":
        return []
    items = [it for group in params.satisfaction.constructs.values() for it in group]
    return list(dict.fromkeys(it for it in items if it not in TABLES["surveys"].names))


def _map_columns(src: _Source, params: Params, problems: list) -> dict[str, str] | None:
    """canonical name -> source header name, after the ``columns:`` mapping; None when a problem is fatal."""
    table = src.table
    spec = TABLES[table]
    mapping = params.columns.get(table, {})
    items = _extra_items(table, params)
    allowed = set(spec.names) | set(items)
    present = list(src.columns)
    ok = True
    out: dict[str, str] = {}
    sources_for: dict[str, list[str]] = {}
    for source, target in mapping.items():
        source_s = str(source).strip()
        if source_s not in src.columns:
            near = get_close_matches(source_s, present, n=3, cutoff=0.5)
            problems.append(V.problem(
                table, str(target), "unmapped_column", 0, (),
                f"columns.{table} maps {source_s!r} → {target}, but {src.path.name} has no column {source_s!r}"
                + _did_you_mean(near)
                + f"; its columns are: {', '.join(present)}",
                path=src.path))
            ok = False
            continue
        if target not in allowed and table != "surveys":
            near = get_close_matches(str(target), sorted(allowed), n=3, cutoff=0.5)
            problems.append(V.problem(
                table, str(target), "unknown_target", 0, (),
                f"columns.{table} maps {source_s!r} onto {target!r}, which is not a {table} column"
                + _did_you_mean(near)
                + f"; canonical columns: {', '.join(spec.names)}",
                path=src.path))
            ok = False
            continue
        sources_for.setdefault(target, []).append(source_s)
    mapped_sources = {s for v in sources_for.values() for s in v}
    exact = set(present)
    for name in present:
        if name in mapped_sources:
            continue
        if name in allowed or (table == "surveys" and name in mapping.values()):
            sources_for.setdefault(name, []).append(name)
        elif name.lower() in allowed and name.lower() not in exact and name.lower() not in sources_for:
            # 'Customer_ID' / 'ORDER_DATE' are the canonical names in another case: use them
            sources_for.setdefault(name.lower(), []).append(name)
    for target, sources in sources_for.items():
        if len(sources) > 1:
            problems.append(V.problem(table, target, "duplicate_target", 0, (),
                                      f"{' and '.join(map(repr, sources))} both become {target!r}", path=src.path))
            ok = False
        out[target] = sources[0]
    # surveys: targets outside the canonical names are Likert items (named in satisfaction.constructs)
    return out if ok else None


def _required_missing(table: str, mapped: dict[str, str]) -> list[str]:
    spec = TABLES[table]
    missing = [c for c in spec.required_names if c not in mapped]
    if table == "orders" and "revenue" in missing and {"quantity", "unit_price"} <= set(mapped):
        missing.remove("revenue")   # derived as quantity × unit_price
    return missing


# ------------------------------------------------------------------------------------------ typing

def _likert_case(text_sql: str) -> str:
    whens = " ".join(f"WHEN {_lit(k.lower())} THEN {float(v)}" for k, v in LIKERT_LABELS.items())
    return (f"CASE lower({text_sql}) {whens} ELSE TRY_CAST(regexp_replace({text_sql}, '[分\\s]', '', 'g') "
            f"AS DOUBLE) END")


def _date_formats(con, src: _Source, text_cols: dict[str, str], params: Params, notes: list,
                  table: str) -> dict[str, list[str]]:
    """Text formats to try per date column; settles 3/4/2024 (month or day first) from the data.

    One query over the first 50,000 rows for all text date columns of the table.
    """
    if not text_cols:
        return {}
    if params.data.date_format:
        return {c: [params.data.date_format] for c in text_cols}
    rx = r"'^(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}'"
    parts = []
    for canon, col_sql in text_cols.items():
        v = f"trim(CAST({col_sql} AS VARCHAR))"
        parts.append(f"max(TRY_CAST(regexp_extract({v}, {rx}, 1) AS INT))")
        parts.append(f"max(TRY_CAST(regexp_extract({v}, {rx}, 2) AS INT))")
    row = con.sql(f"SELECT {', '.join(parts)} FROM (SELECT * FROM {src.scan} LIMIT 50000)").fetchall()[0]
    out = {}
    for i, canon in enumerate(text_cols):
        first, second = row[2 * i], row[2 * i + 1]
        label = f"{table}.{canon}"
        if first is None:
            out[canon] = _DATE_FORMATS + _SLASH_MDY
        elif first > 12:
            notes.append(f"{label}: dates like {first}/... read as day/month/year")
            out[canon] = _DATE_FORMATS + _SLASH_DMY
        elif second is not None and second > 12:
            out[canon] = _DATE_FORMATS + _SLASH_MDY
        else:
            notes.append(f"{label}: dates like 3/4/2024 are ambiguous; read as month/day/year. Set "
                         "data.date_format: '%d/%m/%Y' if they are day first")
            out[canon] = _DATE_FORMATS + _SLASH_MDY
    return out


#: code points DuckDB's trim() removes (Unicode category Zs; tests/test_scan.py checks the whole BMP)
_TRIMMED = ", ".join(str(c) for c in (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000))


def _typed_expr(kind: str, col_sql: str, family: str, formats: list[str] | None, likert: bool) -> str:
    """SQL expression typing one source column as canonical ``kind``.

    Fast paths first (a plain cast succeeds for almost every value of a clean export); the slower
    cleaning (regular expressions, format lists) runs only for the values the fast path rejects.
    """
    text = f"NULLIF(trim(CAST({col_sql} AS VARCHAR)), '')"
    if kind in ("id", "str"):
        if family == "int":
            return f"CAST({col_sql} AS VARCHAR)"
        if family == "float":
            return (f"CASE WHEN isfinite({col_sql}) AND {col_sql} = trunc({col_sql}) AND abs({col_sql}) < 1e18 "
                    f"THEN CAST(CAST({col_sql} AS BIGINT) AS VARCHAR) ELSE CAST({col_sql} AS VARCHAR) END")
        if family == "date":
            return f"strftime(CAST({col_sql} AS TIMESTAMP), '%Y-%m-%d')"
        if kind == "str":
            return text
        raw = f"CAST({col_sql} AS VARCHAR)"
        # "17850.0" (an id that went through a float) -> "17850"; "007" stays "007"
        clean = (f"CASE WHEN contains({raw}, '.') "
                 rf"THEN NULLIF(regexp_replace({text}, '^(-?\d+)\.0+$', '\1'), '') ELSE {text} END")
        # Most ids of a clean export need no cleaning: kept as they are unless empty, holding a dot, or
        # starting or ending with a character DuckDB's trim() removes (_TRIMMED). Skipping trim() and the
        # regular expression on them makes typing an id column ~1.5x faster (10M order lines: ~0.3 s less
        # per id column); the result is the same (tested).
        return (f"CASE WHEN {raw} = '' OR contains({raw}, '.') OR ascii({raw}) IN ({_TRIMMED}) "
                f"OR ascii(right({raw}, 1)) IN ({_TRIMMED}) THEN {clean} ELSE {raw} END")
    if kind == "float":
        if family in ("int", "float"):
            return f"CAST({col_sql} AS DOUBLE)"
        if family in ("text", "other"):
            if likert:
                return _likert_case(text)
            cleaned = rf"regexp_replace({text}, '[,\s¥￥$€£元]', '', 'g')"
            # slow path: thousands separators, currency signs, accounting negatives (1,234.50)
            # "1,5" / "12,50" look like decimal commas (European exports): refuse them rather than read
            # 15 / 1250; thousands separators always group three digits ("1,234.50")
            slow = (rf"CASE WHEN regexp_matches({text}, '^-?\d+,\d{{1,2}}$') THEN NULL "
                    f"WHEN {cleaned} LIKE '(%)' THEN -TRY_CAST(trim({cleaned}, '()') AS DOUBLE) "
                    f"ELSE TRY_CAST({cleaned} AS DOUBLE) END")
            return f"COALESCE(TRY_CAST({col_sql} AS DOUBLE), {slow})"
        return "CAST(NULL AS DOUBLE)"
    # dates: day precision (the analyses count days), naive, nanosecond unit (pandas' canonical dtype)
    if family == "date":
        return f"CAST(CAST({col_sql} AS DATE) AS TIMESTAMP_NS)"
    if family in ("int", "float"):
        # numeric dates: 20240305 (yyyymmdd) or Excel serial day numbers
        return (f"CASE WHEN {col_sql} BETWEEN 18000101 AND 22001231 "
                f"THEN CAST(CAST(try_strptime(CAST(CAST({col_sql} AS BIGINT) AS VARCHAR), '%Y%m%d') AS DATE) "
                f"AS TIMESTAMP_NS) WHEN {col_sql} BETWEEN 1 AND 2958465 "
                f"THEN CAST(DATE '1899-12-30' + CAST(floor({col_sql}) AS INTEGER) AS TIMESTAMP_NS) END")
    fmts = "[" + ", ".join(_lit(f) for f in (formats or _DATE_FORMATS)) + "]"
    return (f"CAST(COALESCE(TRY_CAST({col_sql} AS DATE), CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), "
            f"CAST(try_strptime({text}, {fmts}) AS DATE)) AS TIMESTAMP_NS)")


def _arrow_to_pandas(tbl: pa.Table) -> pd.DataFrame:
    """Arrow → pandas with canonical dtypes: strings as pandas ``string`` (pyarrow), dates datetime64[ns].

    ``tbl`` is consumed: do not use it afterwards."""
    strings = pd.StringDtype("pyarrow")
    mapper = {pa.string(): strings, pa.large_string(): strings}
    if hasattr(pa, "string_view"):
        mapper[pa.string_view()] = strings
    # Arrow batches exported by DuckDB keep their whole result alive while any column of them is referenced
    # (a zero-copy string column would hold the numeric ones too): copy into one chunk per column first,
    # which frees DuckDB's batches, then convert one block per column, numeric columns without NULLs in
    # place (read-only, as pandas' copy-on-write expects). Loading the day grain of 100M order lines (a
    # 2.9 GiB frame) then leaves the process at 3.7 GiB instead of 6.0.
    tbl = tbl.combine_chunks()
    df = tbl.to_pandas(types_mapper=mapper.get, split_blocks=True, self_destruct=True)
    del tbl
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]) and df[c].dtype != "datetime64[ns]":
            df[c] = df[c].astype("datetime64[ns]")
        elif df[c].dtype == object:   # all-NULL columns come back as object
            df[c] = df[c].astype(strings)
    return df


@dataclass
class _ReadResult:
    frame: pd.DataFrame | None
    rows: int = 0
    fmt: str = ""
    encoding: str | None = None
    unused: tuple[str, ...] = ()


def read_table(table: str, path, params: Params, problems: list | None = None,
               notes: list | None = None) -> pd.DataFrame:
    """Read, map and type one table file (no soft rules, no contract checks).

    Useful to inspect an export: ``read_table("orders", "export.csv", params)``. Rows whose values cannot
    be typed are reported in ``problems`` (a DataError is raised when ``problems`` is not given).
    """
    own = problems is None
    problems = [] if own else problems
    con = _connect()
    try:
        res = _read(con, table, Path(path), params, problems, [] if notes is None else notes)
    finally:
        con.close()
    if own:
        V.raise_problems(problems, f"{path}")
    return res.frame


@dataclass
class _Typed:
    """One table file opened, mapped and typed as SQL (nothing read yet beyond the header and a sample)."""

    src: _Source
    sql: str                   # SELECT of the canonical columns plus one __bad__<col> flag per column
    mapped: dict[str, str]     # canonical -> source column (every mapped column)
    flags: list[str]           # canonical columns with a __bad__ flag (those whose typing can fail)
    columns: list[str]         # canonical columns the SQL selects (mapped order)


def _typed(con, table: str, path: Path, params: Params, problems: list, notes: list,
           position: bool = False, only: set[str] | None = None) -> _Typed | None:
    """Open, map and type one table: the SQL every reader of the table runs (None after a problem).

    With ``position``, the SQL also has ``__pos__``, the 0-based data-row position in the file (for row
    numbers in messages): Parquet's own row numbers, which keep the scan parallel, else ``row_number()``.
    ``only`` restricts the typed columns (the rest are not read at all). The caller must unlink
    ``src.temp`` when done.
    """
    src = _open(con, table, path, params, problems)
    if src is None:
        return None
    ok = False
    try:
        mapped = _map_columns(src, params, problems)
        if mapped is None:
            return None
        missing = _required_missing(table, mapped)
        if missing:
            for m in missing:
                hint = ""
                near = get_close_matches(m, list(src.columns), n=1, cutoff=0.6)
                if near:
                    hint = f" (maybe {near[0]!r}?)"
                extra = (" (or quantity and unit_price, from which it is derived)" if m == "revenue" else "")
                problems.append(V.problem(
                    table, m, "missing_column", 0, (),
                    f"required column {m!r}{extra} is missing from {src.path.name}; its columns are: "
                    f"{', '.join(src.columns)}{hint}",
                    fix=f"map the column that holds it under columns: {table}: {{<your column>: {m}}} in "
                        f"{_where(params)}",
                    path=path))
            return None
        spec = TABLES[table]
        items = set(_extra_items(table, params))
        kinds = {c: (spec.column(c).kind if c in spec.names else "float") for c in mapped}
        families = {c: _family(src.types[s]) for c, s in mapped.items()}
        formats = _date_formats(con, src, {c: _q(src.columns[s]) for c, s in mapped.items()
                                           if kinds[c] == "date" and families[c] in ("text", "other")},
                                params, notes, table)
        selects, bads, flags, columns = [], [], [], []
        for canon, source in mapped.items():
            if only is not None and canon not in only:
                continue
            col_sql = _q(src.columns[source])
            likert = table == "surveys" and (canon in items or canon == "overall" or canon not in spec.names)
            typed = _typed_expr(kinds[canon], col_sql, families[canon], formats.get(canon), likert)
            selects.append(f"{typed} AS {_q(canon)}")
            columns.append(canon)
            if kinds[canon] in ("id", "str"):
                continue   # any value can be read as text: no typing failure to flag (and no cost)
            raw = _q("__raw__" + canon)
            selects.append(f"{col_sql} AS {raw}")
            # a value was there but could not be typed; AND evaluates left to right on the surviving rows,
            # so the trim runs only where typing failed
            blank = f" AND trim(CAST({raw} AS VARCHAR)) <> ''" if families[canon] in ("text", "other") else ""
            bads.append(f"({_q(canon)} IS NULL AND {raw} IS NOT NULL{blank}) AS {_q('__bad__' + canon)}")
            flags.append(canon)
        drop = ", ".join(_q("__raw__" + c) for c in flags)
        scan = src.scan
        if position and src.fmt == "parquet":
            scan = f"read_parquet({_lit(src.path)}, file_row_number = true)"
            selects.append("file_row_number AS __pos__")
        elif position:
            selects.append("row_number() OVER () - 1 AS __pos__")
        sql = f"SELECT {', '.join(selects)} FROM {scan}"
        if flags:
            sql = f"SELECT * EXCLUDE ({drop}), {', '.join(bads)} FROM ({sql})"
        ok = True
        return _Typed(src, sql, mapped, flags, columns)
    finally:
        if not ok:
            for t in src.temp:
                t.unlink(missing_ok=True)


def _on_scan_error(e: Exception, typed: _Typed, table: str, path: Path, params: Params,
                   problems: list) -> Params | None:
    """Handle a DuckDB error met while scanning: the params to retry with (a CSV that looked like UTF-8 in
    its first megabyte but is GB18030 further down), or None after recording the problem."""
    msg = _duck_msg(e)
    src = typed.src
    if "unicode" in msg.lower() and src.fmt == "csv" and params.data.encoding == "auto" \
            and src.encoding == "utf-8":
        return params.model_copy(update={"data": params.data.model_copy(update={"encoding": "gb18030"})})
    check = "encoding" if "unicode" in msg.lower() else "unreadable"
    problems.append(V.problem(table, None, check, 0, (), f"{src.fmt} reader: {msg}", path=path))
    return None


def _typing_problems(con, typed: _Typed, table: str, counts: dict[str, int], path: Path, problems: list) -> None:
    """One wrong_type / unparseable_date problem per column with values that could not be typed."""
    spec = TABLES[table]
    for c in typed.flags:
        nbad = counts.get(c, 0)
        if nbad:
            kind = spec.column(c).kind if c in spec.names else "float"
            check = "unparseable_date" if kind == "date" else "wrong_type"
            problems.append(V.problem(table, c, check, int(nbad),
                                      _bad_examples(con, typed.src, typed.mapped[c], c, typed.sql),
                                      f"values in {typed.mapped[c]!r} cannot be read as "
                                      f"{'dates' if kind == 'date' else 'numbers'}"
                                      + (" (Likert 1-5 or labels like 非常满意)" if table == "surveys"
                                         and kind == "float" and c != "nps" else ""),
                                      path=path))


def _read(con, table: str, path: Path, params: Params, problems: list, notes: list) -> _ReadResult:
    import duckdb
    import pyarrow.compute as pc

    typed = _typed(con, table, path, params, problems, notes)
    if typed is None:
        return _ReadResult(None)
    src, flags = typed.src, typed.flags
    try:
        try:
            tbl = con.sql(typed.sql).to_arrow_table()
        except duckdb.Error as e:
            retry = _on_scan_error(e, typed, table, path, params, problems)
            if retry is None:
                return _ReadResult(None)
            for t in src.temp:
                t.unlink(missing_ok=True)
            return _read(con, table, path, retry, problems, notes)
        n = tbl.num_rows
        if n == 0:
            problems.append(V.problem(table, None, "empty_table", 0, (), f"{path.name} has a header but no rows",
                                      path=path))
            return _ReadResult(None)
        counts = {c: int(pc.sum(tbl.column("__bad__" + c)).as_py() or 0) for c in flags}
        _typing_problems(con, typed, table, counts, path, problems)
        bad_any = None
        for c in flags:
            if counts[c]:
                col = tbl.column("__bad__" + c)
                bad_any = col if bad_any is None else pc.or_(bad_any, col)
        unused = tuple(c for c in src.columns if c not in set(typed.mapped.values()))
    finally:
        for t in src.temp:
            t.unlink(missing_ok=True)
    keep_cols = [c for c in tbl.column_names if not c.startswith("__bad__")]
    bad_mask = None if bad_any is None else bad_any.to_numpy(zero_copy_only=False).astype(bool)
    df = _arrow_to_pandas(tbl.select(keep_cols))
    del tbl
    if bad_mask is not None:
        df = V.take_rows(df, ~bad_mask)   # reported as hard problems; keep them out of the other checks
    return _ReadResult(df, rows=n, fmt=src.fmt, encoding=src.encoding, unused=unused)


def _bad_examples(con, src: _Source, source: str, canon: str, sql: str) -> tuple[str, ...]:
    """'row N: value' for the first rows whose ``canon`` value could not be typed (error path only)."""
    raw = _q(src.columns[source])
    got = con.sql(
        f"SELECT rn, raw FROM (SELECT row_number() OVER () AS rn, CAST(r.{raw} AS VARCHAR) AS raw, "
        f"t.{_q('__bad__' + canon)} AS bad FROM ({sql}) t POSITIONAL JOIN (SELECT {raw} FROM {src.scan}) r) "
        f"WHERE bad ORDER BY rn LIMIT 5").fetchall()
    return tuple(f"row {rn + 1}: {raw!r}" for rn, raw in got)


# ------------------------------------------------------------------------------------------ large-table scan

#: grains of Ledger.orders: one row per order line, or one row per account and order date
GRAINS = ("line", "day")

_KEY = {"orders": "order_id", "invoices": "invoice_id"}
_MASK_BITS = 62   # flags per BIGINT mask column in the scan (bit 63 would be the sign)


@dataclass
class _Scan:
    frame: pd.DataFrame | None           # kept rows (orders: at the requested grain); None after a problem
    attributes: pd.DataFrame | None = None   # orders: customer attributes on the kept lines (mode per account)
    rows: int = 0
    kept: int = 0
    exclusions: list = field(default_factory=list)
    fmt: str = ""
    encoding: str | None = None
    unused: tuple[str, ...] = ()


def _py(v):
    """A value fetched from DuckDB as pandas would show it (dates as Timestamps, NULL as <NA>)."""
    if v is None:
        return pd.NA
    if isinstance(v, (dt.datetime, dt.date)):
        return pd.Timestamp(v)
    return v


def _scan_table(con, table: str, path: Path, params: Params, cutoff: dt.date, known: pd.Series | None,
                grain: str, problems: list, notes: list, fetch: bool = True) -> _Scan:
    """Type, rule-check, contract-check and fetch a large table (orders, invoices) inside DuckDB.

    Each typed row gets its soft rule and a bit per typing flag and hard check. Invoices and order lines
    (``grain='line'``) are then materialised once inside DuckDB (compressed; spilled to its temp folder
    beyond the memory limit); orders at ``grain='day'`` are instead reduced to one row per account, order
    date and rule in one streaming pass (excluded lines stay rows of their own), so a ledger larger than
    memory still loads. One grouped pass over that relation counts every soft rule (rows, amount) and every
    hard check, example rows are fetched for the rules and checks that fired, and a last query returns the
    kept rows: lines or invoices in file order, or the day grain. Nothing is loaded whole into pandas first.

    Parameters
    ----------
    known : Series, optional
        Valid customer ids (customers table given): rows naming another id are a hard problem.
    fetch : bool
        False when other tables already have hard problems: count and report, but fetch nothing.
    """
    import duckdb

    only = None
    if table == "orders" and grain == "day":   # type only what the rules, the checks and the day grain use
        r = params.rules
        only = {"order_id", "customer_id", "order_date", "revenue", "gross_profit", "cost", "quantity",
                "unit_price", *r.exclude_values, *r.exclude_patterns, *(("status",) if r.cancelled_status else ())}
        if known is None:   # no customers table: the attributes on the lines make the accounts
            only |= set(CUSTOMER_ATTRIBUTES)
    typed = _typed(con, table, path, params, problems, notes, position=True, only=only)
    if typed is None:
        return _Scan(None)
    src = typed.src
    rel = f"__{table}"

    def retry_or_fail(e: Exception) -> _Scan:
        retry = _on_scan_error(e, typed, table, path, params, problems)
        if retry is None:
            return _Scan(None)
        for t in src.temp:
            t.unlink(missing_ok=True)
        return _scan_table(con, table, path, retry, cutoff, known, grain, problems, notes, fetch)

    try:
        cols = list(typed.columns)
        derived = []
        if table == "orders":
            if "revenue" not in cols and {"quantity", "unit_price"} <= set(cols):
                derived.append(f"{_q('quantity')} * {_q('unit_price')} AS {_q('revenue')}")
                cols.append("revenue")
                notes.append("orders: revenue derived as quantity × unit_price")
            if "gross_profit" not in cols and "cost" in cols:
                rev = _q("revenue") if "revenue" in typed.mapped else f"({_q('quantity')} * {_q('unit_price')})"
                derived.append(f"{rev} - {_q('cost')} AS {_q('gross_profit')}")
                cols.append("gross_profit")
                notes.append("orders: gross_profit derived as revenue − cost")

        def pattern_error(pat: str) -> str | None:
            try:
                con.execute("SELECT regexp_matches('', ?)", [pat]).fetchall()
            except duckdb.Error as e:
                return _duck_msg(e)
            return None

        rules = V.soft_rules_sql(table, cols, params.rules, cutoff, problems, pattern_error)
        known_rel = None
        if known is not None:
            known_rel = "__known_customers"
            con.register(known_rel, pa.table({"customer_id": pa.array(
                known.dropna().astype(V.STRING_DTYPE).unique().astype(str))}))
        checks = V.hard_checks_sql(table, cols, params.rules, cutoff, known_rel)
        bad_any = " OR ".join(_q("__bad__" + c) for c in typed.flags) or "false"
        case = " ".join(f"WHEN {cond} THEN {i}" for i, (_, cond, _, _) in enumerate(rules, start=1))
        # Every typing flag and hard check of a row is one bit of a mask column (__m0__, __m1__, ...;
        # _MASK_BITS each). Counting the rows per rule and masks gives every count at once, and the masks
        # survive the day-grain reduction below, where a count(*) FILTER per check costs a hash-aggregate
        # column each (10M lines, 10 checks: 3.7 s -> 7.0 s; as masks 4.4 s). The unknown-customer check, an
        # anti-join against the customers, runs on the reduced rows instead (per account, day and mask).
        row_checks = [j for j, ch in enumerate(checks) if ch[1] != "unknown_customer"]
        conds = [_q("__bad__" + c) for c in typed.flags] + [f"({checks[j][2]})" for j in row_checks]
        chunks = [conds[i:i + _MASK_BITS] for i in range(0, len(conds), _MASK_BITS)]
        masks = [f"__m{k}__" for k in range(len(chunks))]
        mask_sel = "".join(
            f", CAST({' | '.join(f'(CASE WHEN {c} THEN {1 << j} ELSE 0 END)' for j, c in enumerate(ch))} AS BIGINT)"
            f" AS {m}" for m, ch in zip(masks, chunks))
        typed_rows = f"SELECT *{''.join(', ' + d for d in derived)} FROM ({typed.sql})"
        # the typed rows of the file, each with its rule (-1 = cannot be typed, 0 = kept) and masks
        lines = f"SELECT *, CASE WHEN {bad_any} THEN -1 {case} ELSE 0 END AS __rule__{mask_sel} FROM ({typed_rows})"
        day = table == "orders" and grain == "day"
        money = [c for c in ("revenue", "gross_profit") if c in cols]
        try:
            if not day:   # the typed rows materialised once (compressed; spilled beyond the memory limit)
                con.execute(f"CREATE OR REPLACE TEMP TABLE {rel} AS {lines}")
                line_src, value_src, pos, n_rows = rel, rel, "__pos__", "count(*)"
            else:
                # One streaming pass reduces the lines to the day grain: per order id (the kept lines of an
                # order count as one order), then per account and day. An excluded line stays a group of its
                # own, keyed by its row position (__xpos__), for examples. 10M lines: ~4.5 s, where
                # materialising the lines and then grouping them took 2.3 + 2.4 s.
                keys = ", ".join(["__rule__", *masks, "customer_id", "order_date"])
                sums = "".join(f", sum({_q(c)}) AS {_q(c)}" for c in money)
                con.execute(f"CREATE OR REPLACE TEMP TABLE {rel} AS SELECT {keys}, __xpos__{sums}, "
                            f"count(*) AS n_orders, CAST(sum(n_lines) AS BIGINT) AS n_lines FROM ("
                            f"SELECT {keys}, order_id, CASE WHEN __rule__ <> 0 THEN __pos__ END AS __xpos__{sums}, "
                            f"count(*) AS n_lines FROM ({lines}) GROUP BY ALL) GROUP BY ALL")
                # the lines are read again only for what is rare: examples, failed checks, derived accounts
                line_src, value_src = f"({lines})", f"({typed_rows})"
                pos, n_rows = "__xpos__", "CAST(sum(n_lines) AS BIGINT)"
        except duckdb.Error as e:
            return retry_or_fail(e)

        # pass 1: every count at once, from the rows per rule and masks
        amount = {"orders": "revenue", "invoices": "amount"}[table]
        stats = con.sql(f"SELECT __rule__{''.join(', ' + m for m in masks)}, {n_rows}, "
                        f"sum(CASE WHEN __rule__ <> 0 THEN CAST({_q(amount)} AS DECIMAL(38, 6)) END) "
                        f"FROM {rel} GROUP BY ALL").fetchall()
        rule_rows: dict[int, int] = {}
        # amounts of the excluded rows: exact decimal sums (each row to 1e-6), so that they depend neither on
        # the order DuckDB's threads add them up in nor on the grain
        rule_amount: dict[int, Decimal] = {}
        bits_all = [0] * len(conds)    # rows with the bit set, any rule (typing flags)
        bits_kept = [0] * len(conds)   # ... among the kept rows (hard checks)
        for rule_id, *ms, count, total in stats:
            rule_rows[rule_id] = rule_rows.get(rule_id, 0) + count
            rule_amount[rule_id] = rule_amount.get(rule_id, Decimal(0)) + (total or Decimal(0))
            for i in range(len(conds)):
                if ms[i // _MASK_BITS] >> (i % _MASK_BITS) & 1:
                    bits_all[i] += count
                    if rule_id == 0:
                        bits_kept[i] += count
        n = sum(rule_rows.values())
        unused = tuple(c for c in src.columns if c not in set(typed.mapped.values()))
        if n == 0:
            problems.append(V.problem(table, None, "empty_table", 0, (), f"{path.name} has a header but no rows",
                                      path=path))
            return _Scan(None)
        nf = len(typed.flags)
        bad_counts = {c: bits_all[i] for i, c in enumerate(typed.flags)}
        _typing_problems(con, typed, table, bad_counts, path, problems)
        kept = rule_rows.get(0, 0)
        failed = {j: bits_kept[nf + i] for i, j in enumerate(row_checks)}
        for j, ch in enumerate(checks):
            if j not in failed:   # the unknown-customer check: counted on the reduced rows
                failed[j] = con.sql(f"SELECT coalesce({n_rows}, 0) FROM {rel} WHERE __rule__ = 0 AND ({ch[2]})"
                                    ).fetchall()[0][0] if kept else 0
        key = _KEY[table]

        # pass 2: examples of the rules that fired (three each: their positions, then their values) ...
        exclusions = []
        fired = [i for i in range(1, len(rules) + 1) if i in rule_rows]
        if fired:
            ex_cols = sorted({c for (_, _, _, c) in rules if c} - {key})
            names = [key, *ex_cols]
            first = con.sql(f"SELECT __rule__, {pos} FROM {rel} WHERE __rule__ > 0 QUALIFY row_number() "
                            f"OVER (PARTITION BY __rule__ ORDER BY {pos}) <= 3").fetchall()
            # (day grain: a filter on positions reaches the Parquet reader, which reads only their row groups)
            values = {r[0]: r[1:] for r in con.sql(
                f"SELECT __pos__, {', '.join(_q(c) for c in names)} FROM {value_src} "
                f"WHERE __pos__ IN ({', '.join(str(int(p)) for _, p in first)})").fetchall()}
            examples: dict[int, list[str]] = {}
            for rule_id, p in sorted(first):
                row = dict(zip(names, map(_py, values[p])))
                col = rules[rule_id - 1][3]
                text = f"row {p + 2}: {V._fmt_value(row[key])}"
                if col:
                    text += f" ({col} {V._fmt_value(row[col])})"
                examples.setdefault(rule_id, []).append(text)
            for i in fired:
                rule, _, desc, _ = rules[i - 1]
                exclusions.append(Exclusion(table=table, rule=rule, rows=int(rule_rows[i]), description=desc,
                                            amount=float(rule_amount[i]), examples=tuple(examples.get(i, ()))))
        # ... and of the hard checks that failed (error path)
        for j, (col, check, cond, ex, detail) in enumerate(checks):
            count = failed[j]
            if not count:
                continue
            sel = "".join(f", {_q(c)}" for c in ex)
            got = con.sql(f"SELECT __pos__{sel} FROM {line_src} WHERE __rule__ = 0 AND ({cond}) "
                          f"ORDER BY __pos__ LIMIT 5").fetchall()
            if check == "due_before_invoice":
                exs = tuple(f"row {r[0] + 2}: invoice {_py(r[1]).date()} due {_py(r[2]).date()}" for r in got)
            else:
                exs = tuple(f"row {r[0] + 2}" + (f": {V._fmt_value(_py(r[1]))}" if ex else "") for r in got)
            if check == "unknown_customer":
                distinct = con.sql(f"SELECT count(DISTINCT customer_id) FROM {line_src} WHERE __rule__ = 0 "
                                   f"AND ({cond})").fetchall()[0][0]
                detail = f"{distinct:,} customer id(s) not in customers"
            problems.append(V.problem(table, col, check, int(count), exs, detail, path=path))
        if TABLES[table].key and key in cols:   # the key must be unique among the kept rows (not orders)
            dup = f"SELECT {_q(key)} FROM {line_src} WHERE __rule__ = 0 AND {_q(key)} IS NOT NULL " \
                  f"GROUP BY {_q(key)} HAVING count(*) > 1"
            # one grouped pass gives both counts (a semi-join back to the rows only for the examples)
            rows_dup, n_dup = con.sql(f"SELECT coalesce(sum(n), 0), count(*) FROM (SELECT count(*) AS n FROM "
                                      f"{line_src} WHERE __rule__ = 0 AND {_q(key)} IS NOT NULL GROUP BY {_q(key)} "
                                      f"HAVING count(*) > 1)").fetchall()[0]
            if rows_dup:
                got = con.sql(f"SELECT __pos__, {_q(key)} FROM {line_src} WHERE __rule__ = 0 AND {_q(key)} IN "
                              f"({dup}) ORDER BY __pos__ LIMIT 5").fetchall()
                problems.append(V.problem(table, key, "duplicate_key", int(rows_dup),
                                          tuple(f"row {p + 2}: {V._fmt_value(_py(v))}" for p, v in got),
                                          f"{n_dup:,} value(s) appear more than once", path=path))
        if kept == 0:
            problems.append(V.problem(table, None, "all_excluded", n, (),
                                      f"all {n:,} rows were excluded "
                                      f"({', '.join(f'{e.rule} {e.rows:,}' for e in exclusions)})", path=path))

        # pass 3: the kept rows (orders at the requested grain)
        frame = attributes = None
        if fetch and not problems:
            if not day:
                frame = _arrow_to_pandas(con.sql(f"SELECT {', '.join(_q(c) for c in cols)}, __pos__ FROM {rel} "
                                                 f"WHERE __rule__ = 0 ORDER BY __pos__").to_arrow_table())
                # index = data-row position in the file, as for the pandas-read tables (row numbers in flags)
                frame.index = pd.Index(frame.pop("__pos__").to_numpy(dtype="int64"))
            else:
                # no problem, so no kept row has a mask bit set: one row per account and day
                frame = _arrow_to_pandas(con.sql(
                    f"SELECT customer_id, order_date{''.join(', ' + _q(c) for c in money)}, n_orders, n_lines "
                    f"FROM {rel} WHERE __rule__ = 0 ORDER BY customer_id, order_date").to_arrow_table())
                frame["n_orders"] = frame["n_orders"].astype("int64")
                frame["n_lines"] = frame["n_lines"].astype("int64")
            attrs = [a for a in CUSTOMER_ATTRIBUTES if a in cols]
            if table == "orders" and known is None:   # no customers table: accounts come from the lines
                sel = "".join(f", mode({_q(a)}) AS {_q(a)}" for a in attrs)
                attributes = _arrow_to_pandas(con.sql(
                    f"SELECT customer_id{sel} FROM {line_src} WHERE __rule__ = 0 "
                    f"GROUP BY customer_id").to_arrow_table())
        return _Scan(frame, attributes, rows=int(n), kept=int(kept), exclusions=exclusions, fmt=src.fmt,
                     encoding=src.encoding, unused=unused)
    finally:
        for t in src.temp:
            t.unlink(missing_ok=True)
        con.execute(f"DROP TABLE IF EXISTS {rel}")


# ------------------------------------------------------------------------------------------ derivations

def _derive(tables: dict[str, pd.DataFrame], notes: list) -> None:
    # orders derive revenue / gross_profit inside the scan (_scan_table)
    inv = tables.get("invoices")
    if inv is not None and "paid_date" in inv:
        paid = inv["paid_date"].notna()
        amount = inv["amount"]
        if "paid_amount" not in inv:
            inv = inv.assign(paid_amount=amount.where(paid, 0.0))
            notes.append("invoices: paid_amount derived (amount when paid_date is set, else 0)")
        else:
            inv = inv.assign(paid_amount=inv["paid_amount"].fillna(amount.where(paid, 0.0)))
        tables["invoices"] = inv
    s = tables.get("surveys")
    if s is not None and "wave" not in s and "survey_date" in s:
        d = s["survey_date"]
        wave = d.dt.year.astype("Int64").astype("string") + "H" + np.where(d.dt.month <= 6, "1", "2")
        tables["surveys"] = s.assign(wave=wave.where(d.notna()).astype(V.STRING_DTYPE))
        notes.append("surveys: wave derived from the survey date (year + H1/H2)")


def _derive_customers(attributes: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Customers from the kept order lines (``attributes``: one row per account with the customer attributes
    carried on its lines, most frequent value, e.g. a retail export's Country) plus ids seen on invoices /
    surveys."""
    cust = attributes
    attrs = [a for a in CUSTOMER_ATTRIBUTES if a in cust.columns]
    extra = []
    for t in ("invoices", "surveys"):
        df = tables.get(t)
        if df is not None and "customer_id" in df:
            extra.append(df["customer_id"].dropna())
    if extra:
        more = pd.concat(extra).drop_duplicates()
        more = more[~isin_mask(more, cust["customer_id"])]   # pandas' isin on Arrow strings loops in Python
        if len(more):
            cust = pd.concat([cust, pd.DataFrame({"customer_id": more.astype(V.STRING_DTYPE)})], ignore_index=True)
    cust = cust.sort_values("customer_id", kind="stable").reset_index(drop=True)
    for a in attrs:
        cust[a] = cust[a].astype(V.STRING_DTYPE)
    return cust


# ------------------------------------------------------------------------------------------ public API

def _fingerprint(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]


def _table_paths(params: Params) -> dict[str, Path]:
    return {t: Path(getattr(params.data, t)) for t in TABLES if getattr(params.data, t, None) is not None}


def period_cutoff(params: Params) -> dt.date:
    """The date after which rows are 'future' rows: params.as_of, or today when it is not set."""
    return params.as_of or dt.date.today()


def ledger_key(params: Params) -> str:
    """Fingerprint of everything the full (unfiltered) ledger depends on.

    Covers the data section, the column mapping, the rules, the survey constructs, the period cutoff and
    each file's path, size and modification time (not the filter: regions that share data and reading rules
    share one key, so a batch reads each distinct ledger once).
    """
    files = {}
    for t, p in _table_paths(params).items():
        try:
            st = p.stat()
            files[t] = [str(p.resolve()), st.st_size, st.st_mtime_ns]
        except OSError:
            files[t] = [str(p), None, None]
    payload = {
        "io": IO_VERSION,
        "data": params.data.model_dump(mode="json"),
        "columns": params.columns,
        "rules": params.rules.model_dump(mode="json"),
        "constructs": params.satisfaction.constructs,
        "cutoff": period_cutoff(params).isoformat(),
        "files": files,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:20]


def load_full_ledger(params: Params, grain: str = "line") -> Ledger:
    """Read, map, type and validate every table of ``params.data`` (all regions: no filter).

    Parameters
    ----------
    params : Params
        Validated params (:func:`kamlib.params.load_params`).
    grain : {"line", "day"}, default "line"
        Grain of ``Ledger.orders``: one row per kept order line (every canonical column), or one row per
        account and order date (``customer_id``, ``order_date``, ``revenue``, ``gross_profit``,
        ``n_orders`` = distinct order ids, ``n_lines``). Every analysis gives the same result on both; the
        day grain is what ``kam run`` uses, since it is several times smaller and is reduced inside the
        scan (a ledger larger than memory still loads). Validation and data-quality counts are identical.

    Returns
    -------
    Ledger
        Canonical tables, ``quality`` (rows read / excluded by rule / kept per table, notes, flags),
        ``sources`` (path, fingerprint, rows, format, encoding per table) and ``survey_items``.

    Raises
    ------
    DataError
        Listing every hard problem of every table at once (``.problems``: table, column, check, rows,
        examples, fix).
    """
    if grain not in GRAINS:
        raise KamlibError(f"load_full_ledger: grain must be one of {GRAINS}, got {grain!r}")
    where = _where(params)
    problems: list[dict] = []
    notes: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, dict] = {}
    rows_read: dict[str, int] = {}
    paths = _table_paths(params)
    cutoff = period_cutoff(params)
    con = _connect()
    try:
        # the small tables in pandas (pandera contracts), then the large ones (orders, invoices) checked
        # inside the DuckDB scan, against the customers kept
        for table, path in paths.items():
            if table in V.SQL_TABLES:
                continue
            res = _read(con, table, path, params, problems, notes)
            if res.frame is None:
                continue
            tables[table] = res.frame
            rows_read[table] = res.rows
            sources[table] = {"path": str(path), "fingerprint": _fingerprint(path), "rows": res.rows,
                              "format": res.fmt, "encoding": res.encoding, "unused": res.unused}
        _derive(tables, notes)
        kept, exclusions = V.apply_soft_rules(tables, params.rules, cutoff, problems)
        for table, df in kept.items():
            if len(df) == 0 and rows_read.get(table):
                problems.append(V.problem(table, None, "all_excluded", rows_read[table], (),
                                          f"all {rows_read[table]:,} rows were excluded "
                                          f"({', '.join(f'{e.rule} {e.rows:,}' for e in exclusions if e.table == table)})",
                                          path=sources[table]["path"]))
        customers_given = "customers" in kept
        items = tuple(it for it in _extra_items("surveys", params) if "surveys" in kept and it in kept["surveys"])
        problems += V.check_tables(kept, items, customers_given=customers_given,
                                   negative_revenue=params.rules.negative_revenue,
                                   paths={t: s["path"] for t, s in sources.items()})
        known = kept["customers"]["customer_id"] if customers_given else None
        scans: dict[str, _Scan] = {}
        for table in V.SQL_TABLES:
            if table in paths:
                mine: list[dict] = []
                scans[table] = _scan_table(con, table, paths[table], params, cutoff, known, grain, mine, notes,
                                           fetch=not problems)
                problems += mine
    finally:
        con.close()
    for table, scan in scans.items():
        if scan.rows:
            rows_read[table] = scan.rows
            sources[table] = {"path": str(paths[table]), "fingerprint": _fingerprint(paths[table]),
                              "rows": scan.rows, "format": scan.fmt, "encoding": scan.encoding, "unused": scan.unused}
            exclusions = scan.exclusions + exclusions
            if scan.frame is not None:
                kept[table] = scan.frame
    for table in TABLES:   # notes in table order
        src = sources.get(table)
        if src is None:
            continue
        unused = src.pop("unused", None)
        if unused is None:
            continue
        if src["encoding"] and src["encoding"] not in ("utf-8",):
            notes.append(f"{table}: read as {src['encoding']}")
        if unused:
            notes.append(f"{table}: columns not used: {', '.join(unused)}")
    order = {t: i for i, t in enumerate(TABLES)}
    problems.sort(key=lambda p: order.get(p["table"], len(order)))   # table order; stable within a table
    V.raise_problems(problems, where)
    if "orders" not in kept:   # orders absent without a problem cannot happen (params requires it)
        raise DataError(f"{where}: no orders table was loaded", [])
    _derive(kept, notes)   # invoices: paid_amount
    kept = {t: kept[t] for t in TABLES if t in kept}
    if not customers_given:
        kept["customers"] = _derive_customers(scans["orders"].attributes, kept)
        notes.append(f"customers: derived from orders ({len(kept['customers']):,} accounts"
                     + (f"; attributes {', '.join(a for a in CUSTOMER_ATTRIBUTES if a in kept['customers'])}"
                        " taken from the order lines" if kept["customers"].shape[1] > 1 else "") + ")")
    missing_items = [it for it in _extra_items("surveys", params) if it not in items]
    if "surveys" in kept and missing_items:
        notes.append(f"surveys: items named in satisfaction.constructs but not in the file: "
                     f"{', '.join(missing_items)}")
    flags = []
    inv = kept.get("invoices")
    if inv is not None and "paid_date" in inv:
        unpaid = inv["paid_date"].isna().to_numpy()
        if unpaid.any():
            flags.append(Exclusion("invoices", "unpaid", int(unpaid.sum()),
                                   "kept: no paid_date yet (outstanding at the period end)",
                                   amount=float(inv["amount"].to_numpy()[unpaid].sum()),
                                   examples=V.row_examples(inv.index[unpaid], inv["invoice_id"][unpaid], 3)))
    quality = DataQualityReport(
        rows_read=rows_read,
        rows_kept={t: (scans[t].kept if t in scans else len(df)) for t, df in kept.items() if t in rows_read},
        exclusions=V.merge_exclusions(exclusions),
        notes=tuple(notes),
        flags=tuple(flags),
    )
    out = {t: df.reset_index(drop=True) for t, df in kept.items()}
    return Ledger(orders=out["orders"], customers=out["customers"], invoices=out.get("invoices"),
                  surveys=out.get("surveys"), quality=quality, sources=sources, survey_items=items, grain=grain)


def filter_ledger(full: Ledger, params: Params) -> Ledger:
    """Restrict a full ledger to the customers matching ``params.filter`` (attribute -> allowed values).

    Raises
    ------
    DataError
        When a filter column is not a customer attribute, or no customer matches; the message names the
        params file, the values present and how to fix it.
    """
    if not params.filter:
        return full
    where = _where(params)
    cust = full.customers
    mask = np.ones(len(cust), dtype=bool)
    problems = []
    for col, values in params.filter.items():
        if col not in cust:
            problems.append(V.problem(
                "customers", col, "unknown_filter_column", 0, (),
                f"filter.{col} in {where}: customers has no column {col!r}; filterable columns: "
                f"{', '.join(c for c in cust.columns)}",
                fix=f"filter on one of those columns, or map your export's column onto {col!r} under columns: "
                    f"(customers, or orders when customers is derived from the order lines)"))
            continue
        vals = [str(v) for v in values]
        m = cust[col].astype(V.STRING_DTYPE).isin(vals).to_numpy(dtype=bool)
        if not m.any():
            present = cust[col].astype(V.STRING_DTYPE).value_counts().head(20)
            problems.append(V.problem(
                "customers", col, "no_matching_customer", 0, (),
                f"filter.{col}: {vals} in {where} matches no customer; values present: "
                + ", ".join(f"{k} ({v:,})" for k, v in present.items()),
                fix=f"use one of the values present (exact spelling) under filter.{col} in {where}"))
        mask &= m
    V.raise_problems(problems, where)
    if not mask.any():
        raise DataError(f"{where}: the filter {params.filter} matches no customer (each value exists, but not "
                        "together). Fix: relax the filter.",
                        [V.problem("customers", ",".join(params.filter), "no_matching_customer", 0, (),
                                   f"{params.filter} matches no customer", fix="relax the filter")])
    return full.subset(cust.loc[mask, "customer_id"])


def load_ledger(params: Params, cache: dict | None = None, grain: str = "line") -> Ledger:
    """The validated ledger of one region: :func:`filter_ledger` of :func:`load_full_ledger`.

    Parameters
    ----------
    params : Params
    cache : dict, optional
        In-process memo ``{(ledger_key, grain): full Ledger}``; regions sharing data are then read once.
    grain : {"line", "day"}
        Grain of ``orders`` (see :func:`load_full_ledger`).
    """
    if cache is None:
        return filter_ledger(load_full_ledger(params, grain), params)
    key = (ledger_key(params), grain)
    if key not in cache:
        cache[key] = load_full_ledger(params, grain)
    return filter_ledger(cache[key], params)


# ------------------------------------------------------------------------------------------ kam validate

def format_quality(quality: DataQualityReport, sources: dict | None = None) -> str:
    """The data-quality summary as plain text: per table rows read, each exclusion rule, rows kept."""
    lines = []
    sources = sources or {}
    for table, n in quality.rows_read.items():
        src = sources.get(table, {})
        lines.append(f"  {table}: {n:,} rows read" + (f" from {src['path']}" if src.get("path") else "")
                     + (f" ({src['encoding']})" if src.get("encoding") else ""))
        for e in quality.exclusions:
            if e.table == table:
                amt = f", amount {e.amount:,.2f}" if e.amount else ""
                ex = f" (e.g. {', '.join(e.examples[:2])})" if e.examples else ""
                lines.append(f"    - excluded {e.rule}: {e.rows:,} rows{amt} - {e.description}{ex}")
        for f in quality.flags:
            if f.table == table:
                lines.append(f"    * flagged {f.rule}: {f.rows:,} rows, amount {f.amount:,.2f} - {f.description}")
        excl = sum(e.rows for e in quality.exclusions if e.table == table)
        lines.append(f"    = kept {quality.rows_kept.get(table, n):,} rows ({excl:,} excluded)")
    for t in quality.rows_kept:
        if t not in quality.rows_read:
            lines.append(f"  {t}: {quality.rows_kept[t]:,} rows derived")
    if quality.notes:
        lines.append("  notes:")
        lines += [f"    - {n}" for n in quality.notes]
    return "\n".join(lines)


def add_arguments(parser) -> None:
    """Arguments of ``kam validate``."""
    import argparse

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "For each params file: read every table named under data:, apply the columns: mapping, check the\n"
        "data contracts and the soft-exclusion rules, and print the data-quality summary (rows read,\n"
        "rows excluded by each rule with counts and amounts, rows kept) and the region filter's result.\n"
        "Hard problems (missing or unmapped columns, wrong types, unparseable dates, duplicate keys,\n"
        "unknown customers, out-of-range scores, unreadable files ...) are all listed with the table,\n"
        "column, rows and how to fix them. Exit status 0 when every file is valid, 1 otherwise.\n\n"
        "examples:\n  kam validate                         # every params/*.yaml region file\n"
        "  kam validate params/east.yaml\n  kam validate params/examples/online_retail.yaml\n\n"
        "See docs/ledger.md for the tables, columns, rules and checks.")
    parser.add_argument("params", nargs="*", metavar="PARAMS",
                        help="params files or globs (default: every region file params/*.yaml)")
    parser.add_argument("--folder", default="params",
                        help="folder searched when no PARAMS are given (default: params)")


def cli(args) -> int:
    """Run ``kam validate``; returns 0 when every params file is valid, 1 when any has a hard problem."""
    from .params import discover, load_params

    files = discover(args.params or None, folder=args.folder)
    cache: dict[str, Ledger | DataError] = {}
    failed = 0
    for f in files:
        print(f"== {f}")
        try:
            params = load_params(f)
        except ParamsError as e:
            print(f"  params error:\n    {str(e).replace(chr(10), chr(10) + '    ')}")
            failed += 1
            continue
        key = ledger_key(params)
        if key not in cache:
            try:
                cache[key] = load_full_ledger(params, grain="day")   # validation and counts need no order lines
            except DataError as e:
                cache[key] = e
        res = cache[key]
        if isinstance(res, DataError):
            print(f"  INVALID: {len(res.problems)} problem(s):")
            for p in res.problems:
                print(f"    - {V.format_problem(p)}")
            failed += 1
            continue
        print(format_quality(res.quality, res.sources))
        try:
            sub = filter_ledger(res, params)
        except DataError as e:
            print(f"  INVALID filter:\n    {str(e).replace(chr(10), chr(10) + '    ')}")
            failed += 1
            continue
        o = sub.orders
        span = (f", {o['order_date'].min():%Y-%m-%d} to {o['order_date'].max():%Y-%m-%d}" if len(o) else "")
        what = f"filter {params.filter}" if params.filter else "no filter"
        print(f"  region {params.region} ({what}): {len(sub.customers):,} customers, {sub.order_lines:,} order lines"
              f"{span}")
        print("  OK")
    print(f"{len(files) - failed} of {len(files)} params file(s) valid")
    return 1 if failed else 0
