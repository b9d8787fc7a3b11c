"""Report tables of a segmentation, formatted with :mod:`kamlib.fmt`."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .. import fmt
from ..errors import KamlibError
from ..i18n import column_label
from .constants import MISSING_LEVEL, MONEY_COLUMNS
from .labels import LABELS, check_lang, feature_label, text
from .profiles import overrepresented
from .result import SegmentationResult


def crosstab(result: SegmentationResult, other: pd.Series, normalize: bool | str = False,
             lang: str | None = None, margins: bool = True) -> pd.DataFrame:
    """Segment x another grouping (e.g. value tier) of the same customers.

    Parameters
    ----------
    result : SegmentationResult
    other : Series
        Indexed like ``result.labels`` (e.g. ``wb.customers["tier"]``); tier codes core/key/ordinary are
        shown in the report language and ordered core, key, ordinary.
    normalize : False, "index" or "columns"
        Counts, or shares within each segment (``"index"``) or within each column group (``"columns"``).
    lang : {"zh", "en"}, optional
        Display language (default: the result's).
    margins : bool
        Add a total row and column (counts only).

    Returns
    -------
    DataFrame
        Rows ``"<number> <name>"`` per segment, columns the groups.
    """
    from ..i18n import TIERS, tier_label

    lang = lang or result.lang
    o = other.reindex(result.labels.index)
    tab = pd.crosstab(result.labels, o.astype("string").fillna(MISSING_LEVEL))
    cols = [c for c in TIERS if c in tab.columns] + [c for c in tab.columns if c not in TIERS]
    tab = tab[cols]
    if normalize == "index":
        tab = tab.div(tab.sum(axis=1), axis=0)
    elif normalize == "columns":
        tab = tab.div(tab.sum(axis=0), axis=1)
    elif margins:
        tab.loc["__total__"] = tab.sum(axis=0)
        tab[text("segmentation.total", lang)] = tab.sum(axis=1)
    tab.index = [text("segmentation.total", lang) if j == "__total__" else f"{j} {result.names.get(int(j), '')}"
                 for j in tab.index]
    tab.index.name = _col("segment", lang)
    tab.columns = [tier_label(c, lang) for c in tab.columns]
    tab.columns.name = None
    return tab


def segment_table(result: SegmentationResult, lang: str | None = None, formatted: bool = True,
                  max_features: int | None = None) -> pd.DataFrame:
    """Segment table for reports: name, customers, shares, revenue, feature medians, over-representation.

    With ``formatted`` the numbers are display strings (:func:`kamlib.fmt.format_frame`) and the columns
    carry labels in ``lang``.

    Parameters
    ----------
    result : SegmentationResult
    lang : {"zh", "en"}, optional
        Display language (default: the result's).
    formatted : bool, default True
        Display strings and labelled columns; False returns the numbers with column names.
    max_features : int, optional
        Feature median columns shown (default: all).

    Returns
    -------
    DataFrame
        One row per segment.
    """
    lang = lang or result.lang
    p = result.profiles.copy()
    feats = list(result.features)[:max_features] if max_features else list(result.features)
    top = [c for c in p.columns if c.startswith("top_") and (p[c] != "").any()]   # skip empty columns
    base = ["name", "customers", "customer_share"] + [c for c in ("revenue", "revenue_share") if c in p.columns]
    p = p[base + [c for c in feats if c not in base] + top]
    if not formatted:
        return p
    formats = {"customers": "int", "customer_share": "pct", "revenue": "money", "revenue_share": "pct"}
    for c in feats:
        if c in MONEY_COLUMNS:
            formats[c] = "money"
        elif c in ("margin", "late_share", "revenue_growth", "revenue_yoy", "revenue_share", "profit_share"):
            formats[c] = "pct"
        elif c in ("order_count", "recency_days", "tenure_days", "days_to_pay", "dso"):
            formats[c] = "int"
    labels = {c: _col(c, lang) for c in ("name", "customers", "customer_share", "revenue", "revenue_share")
              if c in p.columns}
    for c in feats:
        if c not in labels:
            labels[c] = LABELS["segmentation.median_of"][lang].format(feature=_feature_col(c, lang))
    for c in top:
        f = _feature_col(c[4:], lang)
        labels[c] = LABELS["segmentation.overrepresented_of"][lang].format(feature=f, feature_lower=f.lower())
    out = fmt.format_frame(p, formats, lang=check_lang(lang), labels=labels)
    out.index.name = _col("segment", lang)
    return out


def _col(name: str, lang: str) -> str:
    return column_label(name, lang, "segmentation")


def _feature_col(name: str, lang: str) -> str:
    """A feature's header: the registered one, else the feature label (a column the params file added)."""
    try:
        return _col(name, lang)
    except KamlibError:   # a custom feature column has no registered header; its label is the best name
        return feature_label(name, lang)


def scores_table(result: SegmentationResult, lang: str | None = None) -> pd.DataFrame:
    """The k-selection indices side by side, formatted, with the chosen k marked.

    Parameters
    ----------
    result : SegmentationResult
    lang : {"zh", "en"}, optional
        Display language (default: the result's).

    Returns
    -------
    DataFrame
        One row per k fitted.
    """
    lang = lang or result.lang
    s = result.scores.copy()
    chosen = s.pop("chosen")
    out = pd.DataFrame(index=s.index)
    for c in s.columns:
        digits = 3 if c in ("silhouette", "davies_bouldin") else 0
        out[_col(c, lang)] = [fmt.number(v, check_lang(lang), digits=digits) for v in s[c]]
    out[_col("chosen", lang)] = ["✓" if c else "" for c in chosen]
    out.index.name = _col("k", lang)
    return out


def overrepresented_table(result: SegmentationResult, context: pd.DataFrame, columns: Sequence[str] | None = None,
                          lang: str | None = None, top: int = 3) -> pd.DataFrame:
    """:func:`overrepresented`, at most ``top`` levels per segment and attribute, formatted for reports.

    Parameters
    ----------
    result : SegmentationResult
    context : DataFrame
        Customer attributes indexed like ``result.labels``.
    columns : sequence of str, optional
        Attributes to check (default: industry, region, size_band, business_unit when present).
    lang : {"zh", "en"}, optional
        Display language (default: the result's).
    top : int, default 3
        Levels kept per segment and attribute (largest lift first).

    Returns
    -------
    DataFrame
        Display strings, one row per over-represented level.
    """
    lang = lang or result.lang
    o = overrepresented(result, context, columns)
    o = o.groupby(["segment", "attribute"], sort=False).head(top)
    o = o.assign(attribute=[_feature_col(a, lang) for a in o["attribute"]],
                 segment=[f"{j} {n}" for j, n in zip(o["segment"], o["name"], strict=True)]).drop(columns="name")
    # the segment (number and name) is the row label: no positional index
    o = o.set_index("segment")
    labels = {c: _col(c, lang) for c in o.columns}
    out = fmt.format_frame(o, {"customers": "int", "share_in_segment": "pct", "overall_share": "pct",
                               "lift": "number"}, lang=check_lang(lang), labels=labels)
    out.index.name = _col("segment", lang)
    return out


def preprocessing_table(result: SegmentationResult, lang: str | None = None) -> pd.DataFrame:
    """How each input column entered the clustering: transform, robust centre and scale, weight, imputed.

    Parameters
    ----------
    result : SegmentationResult
    lang : {"zh", "en"}, optional
        Display language (default: the result's).

    Returns
    -------
    DataFrame
        One row per input column, display strings.
    """
    lang = lang or result.lang
    zh = lang == "zh"
    p = result.preprocessing.copy()
    p.index = [feature_label(c, lang) for c in p.index]
    p["used"] = [text("segmentation.yes" if u else "segmentation.no", lang) for u in p["used"]]
    p["kind"] = [text(f"segmentation.{k}", lang) if f"segmentation.{k}" in LABELS else k for k in p["kind"]]
    if zh:
        p["transform"] = [t.replace("one-hot", "独热编码").replace("levels", "类").replace("none", "无")
                          .replace("log1p", "对数 log(1+x)") for t in p["transform"]]
    labels = {c: _col(c, lang) for c in p.columns}
    out = fmt.format_frame(p, {"n_imputed": "int"}, lang=check_lang(lang), labels=labels)
    out.index.name = _col("feature", lang)
    return out
