"""Report tables of a segmentation, formatted with :mod:`kamlib.fmt`."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .. import fmt
from .constants import MISSING_LEVEL, MONEY_COLUMNS
from .labels import check_lang, feature_label, text
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
    tab.index.name = text("segmentation.segment", lang)
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
    labels = {c: text(f"segmentation.{c}", lang) for c in ("name", "customers", "customer_share", "revenue",
                                                         "revenue_share") if c in p.columns}
    for c in feats:
        if c not in labels:
            labels[c] = feature_label(c, lang) + (" (中位数)" if lang == "zh" else " (median)")
    for c in top:
        labels[c] = f"{text('segmentation.overrepresented', lang)}: {feature_label(c[4:], lang)}"
    out = fmt.format_frame(p, formats, lang=check_lang(lang), labels=labels)
    out.index.name = text("segmentation.segment", lang)
    return out


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
        out[text(f"segmentation.{c}", lang)] = [fmt.number(v, digits, check_lang(lang)) for v in s[c]]
    out[text("segmentation.chosen", lang)] = ["✓" if c else "" for c in chosen]
    out.index.name = "k"
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
    o = o.assign(attribute=[feature_label(a, lang) for a in o["attribute"]])
    zh = lang == "zh"
    labels = {"segment": text("segmentation.segment", lang), "name": text("segmentation.name", lang),
              "attribute": "属性" if zh else "Attribute", "level": "类别" if zh else "Category",
              "customers": text("segmentation.customers", lang),
              "share_in_segment": "细分内占比" if zh else "Share in segment",
              "overall_share": "整体占比" if zh else "Overall share", "lift": "倍数" if zh else "Lift"}
    out = fmt.format_frame(o, {"customers": "int", "share_in_segment": "pct", "overall_share": "pct",
                               "lift": "number"}, lang=check_lang(lang), labels=labels)
    out[labels["segment"]] = [str(v) for v in o["segment"]]
    return out.reset_index(drop=True)


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
    p["used"] = [("是" if u else "否") if zh else ("yes" if u else "no") for u in p["used"]]
    if zh:
        p["kind"] = p["kind"].map({"numeric": "数值", "categorical": "类别"})
        p["transform"] = [t.replace("one-hot", "独热编码").replace("levels", "类") .replace("none", "无")
                          for t in p["transform"]]
    labels = {"kind": "类型" if zh else "Kind", "transform": "变换" if zh else "Transform",
              "center": "中心（中位数）" if zh else "Centre (median)", "scale": "尺度（IQR）" if zh else "Scale (IQR)",
              "weight": "权重" if zh else "Weight", "n_imputed": "中位数填补数" if zh else "Imputed (median)",
              "used": "使用" if zh else "Used"}
    out = fmt.format_frame(p, {"n_imputed": "int"}, lang=check_lang(lang), labels=labels)
    out.index.name = "特征" if zh else "Feature"
    return out
