"""Opening a table file for one DuckDB scan: CSV (encoding sniffed or declared, transcoded to UTF-8 when
needed), Parquet and Excel; a missing, empty, unsupported or unreadable file is a problem, not an error."""
from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import validation as V
from ..params import Params
from ._sql import duck_msg, lit, q

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES + EXCEL_SUFFIXES

#: encodings tried in order when data.encoding is "auto" (GB18030 is a superset of GBK and GB2312)
AUTO_ENCODINGS = ("utf-8", "gb18030")


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

    def cleanup(self) -> None:
        """Remove the temporary (transcoded) copies of the file."""
        for t in self.temp:
            t.unlink(missing_ok=True)


def _where(params: Params, key: str | None = None) -> str:
    """The params file named in messages: the one that set ``key`` (a base it extends, or the file itself)."""
    return params.where(key)


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

    Parameters
    ----------
    path : Path

    Returns
    -------
    str or None
        A Python codec name; ``None`` when none of them decodes the sample (an unreadable file).
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
        detail = "the file is neither UTF-8, UTF-8 with BOM nor GB18030/GBK"
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

    scan = f"read_csv({lit(target)}, all_varchar = true, header = true)"
    # sniff the dialect once: the explicit read_csv call it returns binds without re-sniffing the file (on a
    # sniffer error the plain call, described below, reports the problem)
    with contextlib.suppress(duckdb.Error):
        prompt = con.sql(f"SELECT Prompt FROM sniff_csv({lit(target)}, all_varchar = true, header = true)"
                         ).fetchall()[0][0].strip()
        if prompt.startswith("FROM ") and prompt.endswith(";"):
            scan = prompt[5:-1]
    return _describe_source(con, table, path, scan, "csv", enc, temp, problems)


def _open_parquet(con, table: str, path: Path, problems: list) -> _Source | None:
    return _describe_source(con, table, path, f"read_parquet({lit(path)})", "parquet", None, [], problems)


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


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Compound File: Excel 97-2003 .xls (or an encrypted .xlsx)
_CONVERT = "open it in Excel or WPS and save it as .xlsx (Excel Workbook) or CSV UTF-8, then point data.{table} at it"


def _workbook_problem(table: str, path: Path) -> str | None:
    """What an Excel-named file really seems to be when it cannot be a workbook; None when it may be one."""
    import zipfile

    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return "a damaged or truncated zip archive, not a readable workbook (was the download or copy cut short?)"
        if "xl/workbook.xml" not in names and path.suffix.lower() != ".xls":
            return (f"a zip archive that is not an Excel workbook (no xl/workbook.xml; it holds "
                    f"{', '.join(sorted(names)[:4]) or 'nothing'})")
        return None
    if head.startswith(_OLE):
        return None if path.suffix.lower() == ".xls" else \
            "an old Excel 97-2003 (.xls) or password-protected workbook under an .xlsx name"
    if b"\x00" not in head[:1024]:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = head.decode(enc)
            except UnicodeDecodeError:
                continue
            if text.lstrip().startswith("<"):
                return "an HTML or XML page saved under an Excel name (some systems export tables this way)"
            sep = next((c for c in ",;\t|" if c in text.split("\n", 1)[0]), None)
            kind = f"CSV text ({sep!r}-separated)" if sep else "plain text"
            return f"{kind} saved under an Excel name; rename it to .csv (and point data.{table} at it)"
    if path.suffix.lower() == ".xls":
        return None
    return f"not an Excel workbook (it starts with bytes {head[:8].hex(' ')})"


def _open_excel(con, table: str, path: Path, sheet, problems: list) -> _Source | None:
    what = _workbook_problem(table, path)
    if what is not None:
        problems.append(V.problem(table, None, "unreadable", 0, (), f"{path.name} is {what}",
                                  fix=(f"re-export the table as .xlsx or CSV, or {_CONVERT.format(table=table)}"
                                       if "rename" not in what else f"rename {path.name} to .csv"),
                                  path=path))
        return None
    try:
        df = _excel_frame(path, sheet)
    except (ValueError, KeyError, IndexError) as e:
        sheets = ""
        with contextlib.suppress(ValueError, OSError):
            sheets = ", ".join(map(str, pd.ExcelFile(path, engine=_excel_engine()).sheet_names))
        problems.append(V.problem(table, None, "unreadable", 0, (),
                                  f"cannot read sheet {sheet!r}: {e}" + (f"; sheets: {sheets}" if sheets else ""),
                                  fix="set data.sheet to one of the sheet names (or its 0-based index)",
                                  path=path))
        return None
    except Exception as e:   # any reader failure on a user's file is that file's problem, never a traceback
        old = path.suffix.lower() == ".xls"
        problems.append(V.problem(
            table, None, "unreadable", 0, (),
            f"cannot read {path.name} as {'an Excel 97-2003 (.xls)' if old else 'an Excel'} workbook "
            f"({type(e).__name__}: {str(e)[:200] or 'no detail'})",
            fix=_CONVERT.format(table=table) if old else f"re-export it, or {_CONVERT.format(table=table)}",
            path=path))
        return None
    if df.shape[1] == 0 or len(df.columns) == 0:
        problems.append(V.problem(table, None, "empty_table", 0, (),
                                  f"sheet {sheet if sheet is not None else 0!r} of {path.name} is empty", path=path))
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
    return _describe_source(con, table, path, q(view), "xlsx", None, [], problems)


_MAX_LINE = 2_000_000   # DuckDB's default max_line_size (bytes)


def _long_line(path: Path, limit: int = _MAX_LINE) -> tuple[int, int] | None:
    """(1-based line number, length in bytes) of the first line longer than ``limit``; None when none is."""
    line, length = 1, 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            start = 0
            while (nl := chunk.find(b"\n", start)) >= 0:
                length += nl - start
                if length > limit:
                    return line, length
                line, length, start = line + 1, 0, nl + 1
            length += len(chunk) - start
            if length > limit:   # keep counting to report the whole size
                rest = fh.read(1 << 26)
                return line, length + (rest.find(b"\n") if b"\n" in rest else len(rest))
    return None


def _ragged_line(path: Path, encoding: str) -> tuple[int, int, int, str] | None:
    """(line, fields, header fields, delimiter) of the first row whose number of fields differs from the
    header's, read with Python's csv module (quotes respected); None when every row matches."""
    import csv
    import sys

    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        header = fh.readline()
        delim = max(",;\t|", key=header.count)
        fh.seek(0)
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))   # error path only: huge cells must not stop the count
        reader = csv.reader(fh, delimiter=delim)
        try:
            width = len(next(reader))
            for row in reader:
                if row and len(row) != width:
                    return reader.line_num, len(row), width, delim
        except (csv.Error, StopIteration):
            return None
    return None


def _csv_problem(table: str, path: Path, msg: str, src_temp: list[Path], encoding: str | None) -> dict:
    """A CSV parsing problem at the true line of the file, with a fix for what went wrong there (the file is
    read from its UTF-8 copy when it was transcoded)."""
    read, encoding = (src_temp[0], "utf-8") if src_temp else (path, encoding)
    if "maximum line size" in msg.lower():
        hit = _long_line(read)
        if hit:
            line, size = hit
            return V.problem(table, None, "unreadable", 0, (),
                             f"line {line} of {path.name} is {size / 2**20:,.1f} MB long (the reader's limit is "
                             f"{_MAX_LINE / 2**20:.0f} MB per line)",
                             fix=f"open the file at line {line}: a cell that large is usually an unclosed quote "
                                 "(the rest of the file read as one cell) or pasted binary data; fix or delete that "
                                 "line, or leave the long text column out of the export", path=path)
    ragged = _ragged_line(read, encoding or "utf-8")
    if ragged:
        line, n, width, delim = ragged
        return V.problem(table, None, "unreadable", 0, (),
                         f"line {line} of {path.name} has {n} fields where the header has {width} "
                         f"(delimiter {delim!r})",
                         fix=f"at line {line}, put quotes around values that contain {delim!r} (or remove the "
                             "stray delimiters), then export again", path=path)
    return V.problem(table, None, "unreadable", 0, (), f"csv reader: {msg}", path=path)


def _describe_source(con, table: str, path: Path, scan: str, fmt: str, enc: str | None, temp: list[Path],
                     problems: list) -> _Source | None:
    import duckdb

    try:
        desc = con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as e:
        msg = duck_msg(e)
        if "unicode" in msg.lower():
            problems.append(V.problem(table, None, "encoding", 0, (), f"{fmt} reader: {msg}", path=path))
        elif fmt == "csv":
            problems.append(_csv_problem(table, path, msg, temp, enc))
        else:
            problems.append(V.problem(table, None, "unreadable", 0, (), f"{fmt} reader: {msg}", path=path))
        for t in temp:
            t.unlink(missing_ok=True)
        return None
    # one column whose name holds a delimiter: the sniffer fell back because rows disagree on their fields
    if fmt == "csv" and len(desc) == 1 and any(ch in str(desc[0][0]) for ch in ",;\t|") \
            and _ragged_line(temp[0] if temp else path, "utf-8" if temp else (enc or "utf-8")):
        problems.append(_csv_problem(table, path, "", temp, enc))
        for t in temp:
            t.unlink(missing_ok=True)
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
    """Open one table file (None after recording a problem)."""
    if not path.exists():
        where = f"data.{table} in {_where(params, f'data.{table}')}"
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
    if suffix not in EXCEL_SUFFIXES:
        with open(path, "rb") as fh:
            head = fh.read(8)
        is_zip, is_ole = head.startswith(b"PK\x03\x04"), head.startswith(_OLE)
        if is_zip or is_ole or (suffix in PARQUET_SUFFIXES and not head.startswith(b"PAR1")):
            seems = ("an Excel workbook (.xlsx, a zip archive)" if is_zip else "an old Excel (.xls) workbook"
                     if is_ole else "not a Parquet file (no PAR1 magic bytes)")
            problems.append(V.problem(table, None, "unreadable", 0, (),
                                      f"{path.name} is {seems}, not the {suffix} its name says",
                                      fix=(f"rename it to {'.xlsx' if is_zip else '.xls'} (and fix data.{table})"
                                           if is_zip or is_ole else "export the table again as Parquet or CSV"),
                                      path=path))
            return None
    if suffix in CSV_SUFFIXES:
        return _open_csv(con, table, path, params.data.encoding, problems)
    if suffix in PARQUET_SUFFIXES:
        return _open_parquet(con, table, path, problems)
    return _open_excel(con, table, path, params.data.sheet, problems)
