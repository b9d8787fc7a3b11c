"""Recency, frequency, monetary scores and named RFM segments."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import KamlibError

#: default RFM segments on the (R, F) scores rescaled to 1-5: segment -> regexes on "RF", first match wins
RFM_SEGMENTS: dict[str, list[str]] = {
    "champions": ["5[4-5]"],
    "loyal": ["[3-4][4-5]"],
    "cannot_lose": ["[1-2]5"],
    "at_risk": ["[1-2][3-4]"],
    "potential_loyalists": ["[4-5][2-3]"],
    "new": ["51"],
    "promising": ["41"],
    "need_attention": ["33"],
    "about_to_sleep": ["3[1-2]"],
    "hibernating": ["2[1-2]"],
    "lost": ["1[1-2]"],
}


def _quantile_score(x: pd.Series, bins: int, higher_better: bool = True) -> pd.Series:
    # percentile rank with ties averaged: equal values always get the same score, and the score does not
    # depend on row order
    r = x.rank(method="average", pct=True, ascending=higher_better)
    return np.ceil(r * bins).clip(1, bins)


def rfm_scores(indicators: pd.DataFrame, bins: int = 5,
               segments: Mapping[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """Recency, frequency, monetary scores (1..bins, ``bins`` = best) and named segments.

    R from ``recency_days`` (fewer days = higher score), F from ``frequency`` (orders per year of tenure),
    M from ``revenue``. Scores are quantile ranks among accounts with orders; accounts without orders in
    the window get 1/1/1.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Customer indicator frame with ``order_count``, ``recency_days``, ``frequency`` and ``revenue``.
    bins : int, default 5
        Number of score levels (at least 2).
    segments : mapping, optional
        Segment name -> regex patterns matched against the two-character "RF" string on the 1-5 scale
        (scores rescaled when ``bins`` != 5); first match wins. Default :data:`RFM_SEGMENTS` (Champions,
        Loyal, Can't lose, At risk, ..., Hibernating, Lost); ``params.value.rfm_segments`` overrides it.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``indicators``: ``R``, ``F``, ``M`` (int), ``RFM`` ("545"), ``rfm_total`` (R + F + M),
        ``segment`` (segment code; display with :func:`rfm_label`), ``revenue``.
    """
    if bins < 2:
        raise KamlibError(f"rfm_scores: bins must be >= 2, got {bins}")
    active = indicators["order_count"].fillna(0) > 0
    sub = indicators[active]
    out = pd.DataFrame(index=indicators.index)
    for col, src, hb in (("R", "recency_days", False), ("F", "frequency", True), ("M", "revenue", True)):
        sc = pd.Series(1.0, index=indicators.index)
        if len(sub):
            sc.loc[sub.index] = _quantile_score(sub[src].astype("float64"), bins, hb).fillna(1.0)
        out[col] = sc.astype("int64")
    out["RFM"] = out["R"].astype("str") + out["F"].astype("str") + out["M"].astype("str")
    out["rfm_total"] = out["R"] + out["F"] + out["M"]
    seg_map = {k: list(v) for k, v in (segments or RFM_SEGMENTS).items()}
    scale = (lambda s: np.ceil(s * 5.0 / bins).clip(1, 5).astype("int64")) if bins != 5 else (lambda s: s)
    rf = scale(out["R"]).astype("str") + scale(out["F"]).astype("str")
    seg = pd.Series(pd.NA, index=out.index, dtype="object")
    for name, pats in seg_map.items():
        rx = re.compile("|".join(f"(?:{p})" for p in pats))
        hit = seg.isna() & rf.str.fullmatch(rx).fillna(False).astype(bool)
        seg[hit] = name
    out["segment"] = seg.fillna("other").astype("str")
    out["revenue"] = indicators["revenue"]
    return out


def rfm_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Accounts and revenue per RFM segment (largest revenue first).

    Parameters
    ----------
    rfm : pandas.DataFrame
        The frame of :func:`rfm_scores`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``segment``: ``accounts``, ``account_share``, ``revenue``, ``revenue_share`` and the mean
        ``R``, ``F``, ``M`` scores.
    """
    g = rfm.groupby("segment").agg(accounts=("R", "size"), revenue=("revenue", "sum"),
                                   R=("R", "mean"), F=("F", "mean"), M=("M", "mean"))
    n, tot = g["accounts"].sum(), g["revenue"].sum()
    g["account_share"] = g["accounts"] / n
    g["revenue_share"] = g["revenue"] / tot if tot > 0 else np.nan
    g = g.sort_values(["revenue", "accounts"], ascending=False)
    return g[["accounts", "account_share", "revenue", "revenue_share", "R", "F", "M"]]
