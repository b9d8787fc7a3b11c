"""Typing a mapped table as SQL: every canonical column gets one vectorised DuckDB expression (ids stay
text, amounts become doubles, text dates are parsed, Likert labels become scores) plus a flag for the
values that could not be typed."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import validation as V
from ..ledger import LIKERT_LABELS, TABLES, likert_key
from ..params import Params
from ._sql import duck_msg, lit, q, type_family
from .files import _csv_problem, _open, _Source
from .mapping import _extra_items, _map_columns, _missing_column_problems, _required_missing

#: text date formats tried (after ISO 8601) when data.date_format is not set
_DATE_FORMATS = ["%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y.%m.%d",
                 "%Y%m%d", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月"]
_SLASH_MDY = ["%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m-%d-%Y"]
_SLASH_DMY = ["%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y", "%d-%m-%Y"]

#: text date columns whose sampled values are all numbers in this range are Excel serial day numbers
#: (1950-01-01 .. 2099-12-31); 8-digit numbers stay yyyymmdd
_SERIAL_RANGE = (18264, 73050)
EXCEL_SERIAL = "excel-serial"

#: code points DuckDB's trim() removes (Unicode category Zs; tests/test_scan.py checks the whole BMP)
_TRIMMED = ", ".join(str(c) for c in (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000))


def answer_labels(params: Params) -> dict[str, int]:
    """Answer wording -> score: the built-in wordings, then ``satisfaction.answer_labels`` (which win)."""
    out = {likert_key(k): v for k, v in LIKERT_LABELS.items()}
    out.update({likert_key(k): int(v) for k, v in params.satisfaction.answer_labels.items()})
    return out


def _likert_case(text_sql: str, labels: dict[str, int]) -> str:
    whens = " ".join(f"WHEN {lit(k)} THEN {float(v)}" for k, v in labels.items())
    key = f"lower(regexp_replace({text_sql}, '\\s', '', 'g'))"
    return (f"CASE {key} {whens} ELSE TRY_CAST(regexp_replace({text_sql}, '[分\\s]', '', 'g') "
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
    for col_sql in text_cols.values():
        v = f"NULLIF(trim(CAST({col_sql} AS VARCHAR)), '')"
        parts.append(f"max(TRY_CAST(regexp_extract({v}, {rx}, 1) AS INT))")
        parts.append(f"max(TRY_CAST(regexp_extract({v}, {rx}, 2) AS INT))")
        parts.append(f"count({v})")
        parts.append(f"count(*) FILTER (WHERE regexp_full_match({v}, '\\d{{5}}(\\.\\d+)?') AND "
                     f"TRY_CAST({v} AS DOUBLE) BETWEEN {_SERIAL_RANGE[0]} AND {_SERIAL_RANGE[1]})")
    row = con.sql(f"SELECT {', '.join(parts)} FROM (SELECT * FROM {src.scan} LIMIT 50000)").fetchall()[0]
    out = {}
    for i, canon in enumerate(text_cols):
        first, second, n, serial = row[4 * i:4 * i + 4]
        label = f"{table}.{canon}"
        if n and serial == n:
            notes.append(f"{label}: every value is a number between {_SERIAL_RANGE[0]} and {_SERIAL_RANGE[1]}: "
                         "read as Excel serial dates (days since 1899-12-30)")
            out[canon] = [EXCEL_SERIAL]
        elif first is None:
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


def _text_expr(kind: str, col_sql: str, family: str) -> str:
    """SQL typing one source column as an id or text (``kind`` "id" or "str")."""
    text = f"NULLIF(trim(CAST({col_sql} AS VARCHAR)), '')"
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
    # Most ids of a clean export need no cleaning: kept as they are unless empty, holding a dot, or starting
    # or ending with a character DuckDB's trim() removes (_TRIMMED). Skipping trim() and the regular
    # expression on them makes typing an id column about 1.5x faster; the result is the same (tested).
    return (f"CASE WHEN {raw} = '' OR contains({raw}, '.') OR ascii({raw}) IN ({_TRIMMED}) "
            f"OR ascii(right({raw}, 1)) IN ({_TRIMMED}) THEN {clean} ELSE {raw} END")


def _number_expr(col_sql: str, family: str, likert: dict[str, int] | None) -> str:
    """SQL typing one source column as a float (amounts, quantities, survey scores)."""
    if family in ("int", "float"):
        return f"CAST({col_sql} AS DOUBLE)"
    if family not in ("text", "other"):
        return "CAST(NULL AS DOUBLE)"
    text = f"NULLIF(trim(CAST({col_sql} AS VARCHAR)), '')"
    if likert is not None:
        return _likert_case(text, likert)
    cleaned = rf"regexp_replace({text}, '[,\s¥￥$€£元]', '', 'g')"
    # slow path: thousands separators, currency signs, accounting negatives (1,234.50)
    # "1,5" / "12,50" look like decimal commas (European exports): refuse them rather than read
    # 15 / 1250; thousands separators always group three digits ("1,234.50")
    slow = (rf"CASE WHEN regexp_matches({text}, '^-?\d+,\d{{1,2}}$') THEN NULL "
            f"WHEN {cleaned} LIKE '(%)' THEN -TRY_CAST(trim({cleaned}, '()') AS DOUBLE) "
            f"ELSE TRY_CAST({cleaned} AS DOUBLE) END")
    return f"COALESCE(TRY_CAST({col_sql} AS DOUBLE), {slow})"


def _date_expr(col_sql: str, family: str, formats: list[str] | None) -> str:
    """SQL typing one source column as a date: day precision (the analyses count days), naive, nanosecond
    unit (pandas' canonical dtype)."""
    if family == "date":
        return f"CAST(CAST({col_sql} AS DATE) AS TIMESTAMP_NS)"
    if family in ("int", "float"):
        # numeric dates: 20240305 (yyyymmdd) or Excel serial day numbers
        return (f"CASE WHEN {col_sql} BETWEEN 18000101 AND 22001231 "
                f"THEN CAST(CAST(try_strptime(CAST(CAST({col_sql} AS BIGINT) AS VARCHAR), '%Y%m%d') AS DATE) "
                f"AS TIMESTAMP_NS) WHEN {col_sql} BETWEEN 1 AND 2958465 "
                f"THEN CAST(DATE '1899-12-30' + CAST(floor({col_sql}) AS INTEGER) AS TIMESTAMP_NS) END")
    text = f"NULLIF(trim(CAST({col_sql} AS VARCHAR)), '')"
    if formats == [EXCEL_SERIAL]:
        num = f"TRY_CAST({text} AS DOUBLE)"
        return (f"CASE WHEN {num} BETWEEN 1 AND 2958465 "
                f"THEN CAST(DATE '1899-12-30' + CAST(floor({num}) AS INTEGER) AS TIMESTAMP_NS) END")
    fmts = "[" + ", ".join(lit(f) for f in (formats or _DATE_FORMATS)) + "]"
    return (f"CAST(COALESCE(TRY_CAST({col_sql} AS DATE), CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), "
            f"CAST(try_strptime({text}, {fmts}) AS DATE)) AS TIMESTAMP_NS)")


def _typed_expr(kind: str, col_sql: str, family: str, formats: list[str] | None,
                likert: dict[str, int] | None) -> str:
    """SQL expression typing one source column as canonical ``kind``.

    Fast paths first (a plain cast succeeds for almost every value of a clean export); the slower
    cleaning (regular expressions, format lists) runs only for the values the fast path rejects.
    """
    if kind in ("id", "str"):
        return _text_expr(kind, col_sql, family)
    if kind == "float":
        return _number_expr(col_sql, family, likert)
    return _date_expr(col_sql, family, formats)


@dataclass
class _Typed:
    """One table file opened, mapped and typed as SQL (nothing read yet beyond the header and a sample)."""

    src: _Source
    sql: str                   # SELECT of the canonical columns plus one __bad__<col> flag per column
    mapped: dict[str, str]     # canonical -> source column (every mapped column)
    flags: list[str]           # canonical columns with a __bad__ flag (those whose typing can fail)
    columns: list[str]         # canonical columns the SQL selects (mapped order)
    dup: bool = False          # the SQL has __dup__: an exact duplicate of an earlier row (every mapped column)
    rows_sql: str = ""         # the SQL without __dup__, rows in file order (for examples by position)


def _typed(con, table: str, path: Path, params: Params, problems: list, notes: list,
           position: bool = False, only: set[str] | None = None, dup: bool = False) -> _Typed | None:
    """Open, map and type one table: the SQL every reader of the table runs (None after a problem).

    With ``position``, the SQL also has ``__pos__``, the 0-based data-row position in the file (for row
    numbers in messages): Parquet's own row numbers, which keep the scan parallel, else ``row_number()``.
    ``only`` restricts the typed columns (the rest are not read at all). With ``dup`` (and ``position``), the
    SQL also has ``__dup__``: true on each later copy of a row identical in every mapped source column (the
    first copy, in file order, is false). The caller must call ``src.cleanup()`` when done.
    """
    import duckdb

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
            _missing_column_problems(src, missing, params, problems)
            return None
        try:   # the date sample reads up to 50,000 rows: a malformed row there is a problem of the file
            typed = _typed_sql(con, src, mapped, params, notes, position, only, dup and position)
        except duckdb.Error as e:
            retry = _reader_error(e, src, table, path, params, problems)
            if retry is None:
                return None
            src.cleanup()
            ok = True   # cleaned up above
            return _typed(con, table, path, retry, problems, notes, position, only, dup)
        ok = True
        return typed
    finally:
        if not ok:
            src.cleanup()


def _typed_sql(con, src: _Source, mapped: dict[str, str], params: Params, notes: list, position: bool,
               only: set[str] | None, dup: bool = False) -> _Typed:
    """The typing SELECT of a mapped table: typed columns, then one __bad__ flag per column that can fail."""
    table = src.table
    spec = TABLES[table]
    items = set(_extra_items(table, params))
    kinds = {c: (spec.column(c).kind if c in spec.names else "float") for c in mapped}
    families = {c: type_family(src.types[s]) for c, s in mapped.items()}
    formats = _date_formats(con, src, {c: q(src.columns[s]) for c, s in mapped.items()
                                       if kinds[c] == "date" and families[c] in ("text", "other")},
                            params, notes, table)
    selects, bads, flags, columns = [], [], [], []
    labels = answer_labels(params) if table == "surveys" else {}
    for canon, source in mapped.items():
        if only is not None and canon not in only:
            continue
        col_sql = q(src.columns[source])
        likert = table == "surveys" and (canon in items or canon == "overall" or canon not in spec.names)
        typed = _typed_expr(kinds[canon], col_sql, families[canon], formats.get(canon),
                            labels if likert else None)
        selects.append(f"{typed} AS {q(canon)}")
        columns.append(canon)
        if kinds[canon] in ("id", "str"):
            continue   # any value can be read as text: no typing failure to flag (and no cost)
        raw = q("__raw__" + canon)
        selects.append(f"{col_sql} AS {raw}")
        # a value was there but could not be typed; AND evaluates left to right on the surviving rows,
        # so the trim runs only where typing failed
        blank = f" AND trim(CAST({raw} AS VARCHAR)) <> ''" if families[canon] in ("text", "other") else ""
        bads.append(f"({q(canon)} IS NULL AND {raw} IS NOT NULL{blank}) AS {q('__bad__' + canon)}")
        flags.append(canon)
    scan = src.scan
    if position and src.fmt == "parquet":
        scan = f"read_parquet({lit(src.path)}, file_row_number = true)"
        selects.append("file_row_number AS __pos__")
    elif position:
        selects.append("row_number() OVER () - 1 AS __pos__")
    # exact duplicates compare the source values of every mapped column (also those the day grain does not
    # type), as text so that 1 and 1.0 in a mixed Excel column stay different
    dups = [f"CAST({q(src.columns[s])} AS VARCHAR) AS {q(f'__d{i}__')}" for i, s in enumerate(mapped.values())]
    if dup:
        selects += dups
    sql = f"SELECT {', '.join(selects)} FROM {scan}"
    if flags:
        drop = ", ".join(q("__raw__" + c) for c in flags)
        sql = f"SELECT * EXCLUDE ({drop}), {', '.join(bads)} FROM ({sql})"
    rows_sql = sql
    if dup:
        keys = ", ".join(q(f"__d{i}__") for i in range(len(dups)))
        sql = (f"SELECT * EXCLUDE ({keys}), row_number() OVER (PARTITION BY {keys} ORDER BY __pos__) > 1 "
               f"AS __dup__ FROM ({sql})")
    return _Typed(src, sql, mapped, flags, columns, dup, rows_sql)


def _on_scan_error(e: Exception, typed: _Typed, table: str, path: Path, params: Params,
                   problems: list) -> Params | None:
    """Handle a DuckDB error met while scanning: the params to retry with (a CSV that looked like UTF-8 in
    its first megabyte but is GB18030 further down), or None after recording the problem."""
    return _reader_error(e, typed.src, table, path, params, problems)


def _reader_error(e: Exception, src: _Source, table: str, path: Path, params: Params,
                  problems: list) -> Params | None:
    msg = duck_msg(e)
    if "unicode" in msg.lower() and src.fmt == "csv" and params.data.encoding == "auto" \
            and src.encoding == "utf-8":
        return params.model_copy(update={"data": params.data.model_copy(update={"encoding": "gb18030"})})
    if "unicode" in msg.lower():
        problems.append(V.problem(table, None, "encoding", 0, (), f"{src.fmt} reader: {msg}", path=path))
    elif src.fmt == "csv":
        problems.append(_csv_problem(table, path, msg, src.temp, src.encoding))
    else:
        problems.append(V.problem(table, None, "unreadable", 0, (), f"{src.fmt} reader: {msg}", path=path))
    return None


def _typing_problems(con, typed: _Typed, table: str, counts: dict[str, int], path: Path, problems: list) -> None:
    """One wrong_type / unparseable_date problem per column with values that could not be typed; a survey
    answer column names the answer wordings it did not recognise."""
    spec = TABLES[table]
    sql = typed.rows_sql or typed.sql
    for c in typed.flags:
        nbad = counts.get(c, 0)
        if not nbad:
            continue
        kind = spec.column(c).kind if c in spec.names else "float"
        check = "unparseable_date" if kind == "date" else "wrong_type"
        detail = (f"values in {typed.mapped[c]!r} cannot be read as "
                  f"{'dates' if kind == 'date' else 'numbers'}")
        fix = None
        if table == "surveys" and kind == "float" and c != "nps":
            found = _bad_values(con, typed.src, typed.mapped[c], c, sql)
            detail = (f"answers in {typed.mapped[c]!r} are neither scores 1-5 nor a known wording; "
                      f"unknown labels found: {', '.join(f'{v!r} ({n:,})' for v, n in found)}")
            fix = ("map your wording to scores under satisfaction.answer_labels in the params file, e.g. "
                   f"answer_labels: {{{found[0][0] if found else '很好'}: 5}} (5 best); built-in wordings "
                   "are listed in docs/ledger.md")
        problems.append(V.problem(table, c, check, int(nbad), _bad_examples(con, typed.src, typed.mapped[c], c, sql),
                                  detail, fix=fix, path=path))


def _bad_values(con, src: _Source, source: str, canon: str, sql: str, k: int = 12) -> list[tuple[str, int]]:
    """The distinct raw values whose ``canon`` value could not be typed, most frequent first."""
    raw = q(src.columns[source])
    return [(str(v), int(n)) for v, n in con.sql(
        f"SELECT raw, count(*) AS n FROM (SELECT trim(CAST(r.{raw} AS VARCHAR)) AS raw, "
        f"t.{q('__bad__' + canon)} AS bad FROM ({sql}) t POSITIONAL JOIN (SELECT {raw} FROM {src.scan}) r) "
        f"WHERE bad GROUP BY raw ORDER BY n DESC, raw LIMIT {k}").fetchall()]


def _bad_examples(con, src: _Source, source: str, canon: str, sql: str) -> tuple[str, ...]:
    """'row N: value' for the first rows whose ``canon`` value could not be typed (error path only)."""
    raw = q(src.columns[source])
    got = con.sql(
        f"SELECT rn, raw FROM (SELECT row_number() OVER () AS rn, CAST(r.{raw} AS VARCHAR) AS raw, "
        f"t.{q('__bad__' + canon)} AS bad FROM ({sql}) t POSITIONAL JOIN (SELECT {raw} FROM {src.scan}) r) "
        f"WHERE bad ORDER BY rn LIMIT 5").fetchall()
    return tuple(f"row {rn + 1}: {raw!r}" for rn, raw in got)
