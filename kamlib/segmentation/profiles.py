"""Segment profiles: sizes, revenue, feature medians and over-represented categories."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import fmt
from .constants import CONTEXT_ATTRIBUTES, MISSING_LEVEL
from .features import Prepared
from .result import SegmentationResult


def _lift_top(values: pd.Series, labels: pd.Series, k_labels: Iterable[int], lang: str) -> dict:
    """Most over-represented level per segment: 'level (share in segment, lift x)' when lift >= 1.25."""
    s = values.astype("string").fillna(MISSING_LEVEL)
    overall = s.value_counts(normalize=True)
    tab = pd.crosstab(labels, s, normalize="index")
    counts = pd.crosstab(labels, s)
    out = {}
    for j in k_labels:
        if j not in tab.index:
            out[j] = ""
            continue
        lift = tab.loc[j] / overall.reindex(tab.columns)
        lift = lift[(counts.loc[j] >= 5) & (lift >= 1.25) & (lift.index != MISSING_LEVEL)]
        if lift.empty:
            out[j] = ""
            continue
        top = lift.sort_values(ascending=False, kind="stable").index[0]
        out[j] = f"{top} ({fmt.pct(tab.loc[j, top], digits=0)}, {lift[top]:.1f}×)"
    return out


def overrepresented(result: SegmentationResult, context: pd.DataFrame, columns: Sequence[str] | None = None,
                    min_lift: float = 1.25, min_count: int = 5) -> pd.DataFrame:
    """Categories over-represented in each segment, long format.

    Parameters
    ----------
    result : SegmentationResult
    context : DataFrame
        Customer attributes indexed like ``result.labels`` (e.g. ``wb.customers``).
    columns : sequence of str, optional
        Attributes to check (default: industry, region, size_band, business_unit when present).
    min_lift, min_count : float, int
        Keep levels whose share in the segment is at least ``min_lift`` times their overall share and that
        hold at least ``min_count`` of the segment's customers.

    Returns
    -------
    DataFrame
        Columns segment, name, attribute, level, customers, share_in_segment, overall_share, lift; sorted by
        segment and descending lift.
    """
    cols = [c for c in (columns or CONTEXT_ATTRIBUTES) if c in context.columns]
    lab = result.labels
    rows = []
    for c in cols:
        s = context[c].reindex(lab.index).astype("string").fillna(MISSING_LEVEL)
        overall = s.value_counts(normalize=True)
        counts = pd.crosstab(lab, s)
        share = counts.div(counts.sum(axis=1), axis=0)
        for j in counts.index:
            for lev in counts.columns:
                lift = share.loc[j, lev] / overall[lev]
                if lev != MISSING_LEVEL and counts.loc[j, lev] >= min_count and lift >= min_lift:
                    rows.append({"segment": int(j), "name": result.names.get(int(j), ""), "attribute": c,
                                 "level": lev, "customers": int(counts.loc[j, lev]),
                                 "share_in_segment": float(share.loc[j, lev]),
                                 "overall_share": float(overall[lev]), "lift": float(lift)})
    out = pd.DataFrame(rows, columns=["segment", "name", "attribute", "level", "customers", "share_in_segment",
                                      "overall_share", "lift"])
    return out.sort_values(["segment", "lift"], ascending=[True, False], kind="stable").reset_index(drop=True)


def profile_segments(features: pd.DataFrame, prep: Prepared, labels: pd.Series, k: int,
                     revenue: pd.Series | None, context: pd.DataFrame | None, names: dict, lang: str) -> pd.DataFrame:
    """One row per segment: name, size, revenue, feature medians and over-represented categories.

    Parameters
    ----------
    features : DataFrame
        The segmentation input.
    prep : Prepared
        Its preprocessing (which features were used).
    labels : Series
        Segment 1..k per customer.
    k : int
        Number of segments.
    revenue : Series, optional
        Revenue per customer.
    context : DataFrame, optional
        Customer attributes profiled with the categorical features.
    names : dict
        Segment number -> name.
    lang : {"zh", "en"}
        Language of the over-representation text.

    Returns
    -------
    DataFrame
        The ``profiles`` of :class:`SegmentationResult`.
    """
    segs = list(range(1, k + 1))
    g = labels.groupby(labels)
    prof = pd.DataFrame(index=pd.Index(segs, name="segment"))
    prof["name"] = [names[j] for j in segs]
    prof["customers"] = g.size().reindex(segs, fill_value=0).astype("int64")
    prof["customer_share"] = prof["customers"] / max(len(labels), 1)
    if revenue is not None:
        rev = revenue.groupby(labels).sum().reindex(segs, fill_value=0.0)
        prof["revenue"] = rev.astype("float64")
        total = float(revenue.sum())
        prof["revenue_share"] = rev / total if total else np.nan
    for c in prep.numeric:
        prof[c] = features[c].astype("float64").groupby(labels).median().reindex(segs)
    sources = {c: features[c] for c in prep.categorical}
    if context is not None:
        sources.update({c: context[c].reindex(labels.index) for c in CONTEXT_ATTRIBUTES
                        if c in context.columns and c not in sources})
    for c, src in sources.items():
        top = _lift_top(src, labels, segs, lang)
        prof[f"top_{c}"] = [top[j] for j in segs]
    return prof
