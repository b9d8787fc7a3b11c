"""Array helpers of the demo simulation: integer days <-> dates, Arrow id columns, canonical dtypes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..ledger import TABLES

_EPOCH = np.datetime64("1970-01-01", "D")


def _days(ts) -> int:
    """A date as integer days since 1970-01-01."""
    return int((np.datetime64(pd.Timestamp(ts).date(), "D") - _EPOCH) // np.timedelta64(1, "D"))


def _dates(days: np.ndarray) -> np.ndarray:
    """Integer days (NaN/negative sentinel -> NaT) to datetime64[ns]."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(days)
    out[ok] = (_EPOCH + days[ok].astype(np.int64)).astype("datetime64[ns]")
    return out


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Vectorised ``prefix + zero-padded number`` as an Arrow string array (no Python objects)."""
    s = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    s = pc.utf8_lpad(s, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, s, "")


def _str_series(values, index=None) -> pd.Series:
    """A pandas ``string`` series (pyarrow-backed, missing = <NA>), the canonical id/str dtype."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values]) if isinstance(values, pa.Array)
                                                    else values), index=index)
    return pd.Series(values, index=index, dtype="string")


def _canonical(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Enforce the canonical dtypes of ``table`` on the columns present (ids/str: string, dates, floats)."""
    spec = TABLES[table]
    out = {}
    for col in df.columns:
        kind = spec.column(col).kind if col in spec.names else "float"
        s = df[col]
        if kind in ("id", "str"):
            out[col] = s if isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is pd.NA \
                else s.astype("string")
        elif kind == "date":
            out[col] = s.astype("datetime64[ns]")
        else:
            out[col] = s.astype("float64")
    return pd.DataFrame(out)


def _group_rank(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element by ``keys`` within its group."""
    order = np.lexsort((keys, groups))
    g = groups[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    pos = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty_like(pos)
    rank[order] = pos
    return rank

