"""DuckDB plumbing of the reader: the connection, SQL quoting, error messages, column type families and
Arrow results as canonical pandas frames."""
from __future__ import annotations

import contextlib
import os
import tempfile

import pandas as pd
import pyarrow as pa

from ..errors import KamlibError
from ..validation import sql_ident as q
from ..validation import sql_str as lit

__all__ = ["q", "lit", "connect", "duck_msg", "type_family", "arrow_to_pandas"]


def connect():
    """A DuckDB connection set up for reading ledgers (file order kept, own spill folder, no progress bar)."""
    import duckdb

    con = duckdb.connect()
    # keep file order (row numbers in messages) and let DuckDB use every core it is given
    con.execute("SET preserve_insertion_order = true")
    # large scans spill to a temp folder of their own (never the notebook's working directory); the memory
    # limit can be lowered on a shared machine (KAMLIB_DUCKDB_MEMORY, e.g. "2GB"; DuckDB's default: 80 % of RAM)
    con.execute(f"SET temp_directory = {lit(os.path.join(tempfile.gettempdir(), 'kamlib-duckdb'))}")
    limit = os.environ.get("KAMLIB_DUCKDB_MEMORY")
    if limit:
        try:
            con.execute(f"SET memory_limit = {lit(limit)}")
        except duckdb.Error as e:
            con.close()
            raise KamlibError(f"KAMLIB_DUCKDB_MEMORY={limit!r} is not a memory size DuckDB understands "
                              f"({duck_msg(e)}). Fix: use e.g. 2GB or 512MB, or unset it.") from None
    # kam validate prints its own summary; a Jupyter kernel without ipywidgets refuses the setting, and the
    # default there (no bar for short scans) is fine
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    return con


def duck_msg(e: Exception) -> str:
    """The informative head of a DuckDB error (up to its 'Possible Solution' hints), on one line."""
    lines: list[str] = []
    for line in str(e).splitlines():
        if line.startswith("Possible Solution") or (not line.strip() and lines):
            break
        if line.strip():
            text = line.strip()
            lines.append(text if len(text) <= 200 else text[:200] + f"... ({len(text):,} characters)")
    return " / ".join(lines[:4])


def type_family(duck_type: str) -> str:
    """The family of a DuckDB column type: text, int, float, date or other.

    Parameters
    ----------
    duck_type : str
        A DuckDB type name as DESCRIBE shows it.

    Returns
    -------
    str

    Examples
    --------
    >>> [type_family(t) for t in ("VARCHAR", "BIGINT", "DECIMAL(18,2)", "TIMESTAMP_NS", "BOOLEAN")]
    ['text', 'int', 'float', 'date', 'other']
    """
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


def arrow_to_pandas(tbl: pa.Table) -> pd.DataFrame:
    """Arrow → pandas with canonical dtypes: strings as pandas ``string`` (pyarrow), dates datetime64[ns].

    ``tbl`` is consumed: do not use it afterwards."""
    strings = pd.StringDtype("pyarrow")
    mapper = {pa.string(): strings, pa.large_string(): strings}
    if hasattr(pa, "string_view"):
        mapper[pa.string_view()] = strings
    # Arrow batches exported by DuckDB keep their whole result alive while any column of them is referenced
    # (a zero-copy string column would hold the numeric ones too): copy into one chunk per column first,
    # which frees DuckDB's batches, then convert one block per column, numeric columns without NULLs in
    # place (read-only, as pandas' copy-on-write expects), so that a large result is not held twice.
    tbl = tbl.combine_chunks()
    df = tbl.to_pandas(types_mapper=mapper.get, split_blocks=True, self_destruct=True)
    del tbl
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]) and df[c].dtype != "datetime64[ns]":
            df[c] = df[c].astype("datetime64[ns]")
        elif df[c].dtype == object:   # all-NULL columns come back as object
            df[c] = df[c].astype(strings)
    return df
