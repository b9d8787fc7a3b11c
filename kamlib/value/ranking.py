"""Deterministic ordering of accounts by a value."""
from __future__ import annotations

import pandas as pd


def order_desc(values: pd.Series) -> pd.Series:
    """``values`` sorted largest first, ties broken by index (so the result ignores row order)."""
    v = values.astype("float64")
    key = pd.DataFrame({"v": v.to_numpy(), "id": v.index.astype("str")}, index=v.index)
    key = key.sort_values(["v", "id"], ascending=[False, True], na_position="last", kind="mergesort")
    return v.loc[key.index]
