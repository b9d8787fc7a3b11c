"""Reading a small table (customers, surveys) whole into pandas: typed in DuckDB, rows that cannot be
typed reported and dropped; the soft rules and contracts then run in pandas (:mod:`kamlib.validation`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import validation as V
from ..params import Params
from ._sql import arrow_to_pandas, connect
from .typed import _on_scan_error, _typed, _typing_problems


@dataclass
class _ReadResult:
    frame: pd.DataFrame | None
    rows: int = 0
    fmt: str = ""
    encoding: str | None = None
    unused: tuple[str, ...] = ()


def read_table(table: str, path, params: Params, problems: list | None = None,
               notes: list | None = None) -> pd.DataFrame | None:
    """Read, map and type one table file (no soft rules, no contract checks).

    Useful to inspect an export: ``read_table("orders", "export.csv", params)``.

    Parameters
    ----------
    table : str
        Canonical table the file holds (``orders``, ``customers``, ``invoices``, ``surveys``).
    path : str or Path
        CSV, Parquet or Excel file.
    params : Params
        For the column mapping, encoding, date format and survey items.
    problems : list, optional
        Collects the hard problems (rows whose values cannot be typed, unreadable file). When omitted, a
        :class:`DataError` is raised instead.
    notes : list, optional
        Collects notes on how the file was read (encoding, derived columns).

    Returns
    -------
    DataFrame or None
        The table in canonical columns and dtypes; None when ``problems`` is given and the file could not
        be read.
    """
    found: list = [] if problems is None else problems
    con = connect()
    try:
        res = _read(con, table, Path(path), params, found, [] if notes is None else notes)
    finally:
        con.close()
    if problems is None:
        V.raise_problems(found, f"{path}")
    return res.frame


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
            src.cleanup()
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
        src.cleanup()
    keep_cols = [c for c in tbl.column_names if not c.startswith("__bad__")]
    bad_mask = None if bad_any is None else bad_any.to_numpy(zero_copy_only=False).astype(bool)
    df = arrow_to_pandas(tbl.select(keep_cols))
    del tbl
    if bad_mask is not None:
        df = V.take_rows(df, ~bad_mask)   # reported as hard problems; keep them out of the other checks
    return _ReadResult(df, rows=n, fmt=src.fmt, encoding=src.encoding, unused=unused)
