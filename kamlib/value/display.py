"""Leadership-readable copies of value tables: formatted numbers, translated codes and columns."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .. import fmt
from .._deprecation import renamed
from ..i18n import tier_label, tr
from .catalog import TIERS
from .labels import LABELS, check_lang, indicator_label, reason_text, rfm_label


def display_table(df: pd.DataFrame, lang: str = "zh", formats: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A leadership-readable copy of a value table: numbers formatted (万/亿 in zh), tier and RFM codes
    and column names translated. Known columns get sensible formats; pass ``formats`` to override.

    Parameters
    ----------
    df : DataFrame
        A table of :mod:`kamlib.value` (indicators, tiers, RFM, ABC, migration...).
    lang : {"zh", "en"}
        Report language.
    formats : mapping column -> kind, optional
        Formats of :func:`kamlib.fmt.format_frame` ('money', 'int', 'number', 'pct', 'p', 'date') that
        replace the defaults.

    Returns
    -------
    DataFrame
        Strings with translated headers.

    Raises
    ------
    KamlibError
        ``lang`` is not a report language.
    """
    known = {"revenue": "money", "gross_profit": "money", "value": "money", "avg_order_value": "money",
             "revenue_last_12m": "money", "overdue_amount": "money", "outstanding_amount": "money",
             "core_revenue": "money", "key_revenue": "money", "ordinary_revenue": "money",
             "accounts": "int", "core": "int", "key": "int", "ordinary": "int", "order_count": "int",
             "new": "int", "lost": "int", "recency_days": "int", "tenure_days": "int", "days_to_pay": "number",
             "dso": "number", "frequency": "number", "score": "number", "R": "number", "F": "number", "M": "number",
             "margin": "pct", "revenue_share": "pct", "profit_share": "pct", "account_share": "pct",
             "value_share": "pct", "cum_value_share": "pct", "core_revenue_share": "pct", "weight": "pct",
             "late_share": "pct", "revenue_growth": "pct", "revenue_yoy": "pct", "current_share": "pct",
             "next_share": "pct", "current": "int", "next": "int", "n_members": "int",
             "first_order_date": "date", "last_order_date": "date", "rank": "int", "churn_date": "date",
             "forecast": "number", "actual": "number", "error": "number", "period": "int",
             "basis_value": "money", "threshold": "money", "gap": "money"}
    f = {c: k for c, k in known.items() if c in df.columns}
    if "basis" in df.columns and len(df) and (df["basis"] == "score").all():
        f.update({c: "number" for c in ("basis_value", "threshold", "gap") if c in df.columns})
    f.update({c: "number" for c in df.columns if isinstance(c, str) and c.startswith("pts:")})
    f.update(formats or {})
    out = df.copy()
    if "tier_reason" in out:
        vals = [c for c in ("revenue_yoy", "margin", "late_share") if c in df.columns]
        out["tier_reason"] = [reason_text(r, lang, df.iloc[k][vals].to_dict() if vals else None)
                              for k, r in enumerate(df["tier_reason"])]
    if "basis" in out:
        out["basis"] = [indicator_label(str(b), lang) for b in out["basis"]]
    for col in ("tier", "previous", "current", "candidate", "boundary"):
        if col in out and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = [tier_label(v, lang) for v in out[col]]
            f.pop(col, None)
    if "segment" in out:
        out["segment"] = [rfm_label(v, lang) for v in out["segment"]]
    if "direction" in out:
        out["direction"] = [tr(f"value.{d}", lang) if isinstance(d, str) and d in ("up", "down")
                            else tr("value.higher_better" if d > 0 else "value.lower_better", lang)
                            for d in out["direction"]]
    if "group" in out:
        out["group"] = [tr(f"value.group.{g}", lang) if f"value.group.{g}" in LABELS else g for g in out["group"]]
    res = fmt.format_frame(out, f, lang=check_lang(lang))
    res = res.rename(columns={c: _col_label(c, lang) for c in res.columns})
    res.columns.name = _col_label(res.columns.name, lang) if res.columns.name else None
    axis = res.index.name
    if not pd.api.types.is_numeric_dtype(res.index):
        if axis == "segment":
            res.index = pd.Index([rfm_label(v, lang) for v in res.index])
        elif axis in ("indicator",):
            res.index = pd.Index([indicator_label(v, lang) for v in res.index])
        else:
            res.index = pd.Index([_col_label(v, lang) if v in TIERS or v in ("new", "lost") else str(v)
                                  for v in res.index])
    res.index.name = _col_label(axis, lang) if axis else None
    return res


def _col_label(c, lang: str) -> str:
    if isinstance(c, str) and c.startswith("pts:"):
        return indicator_label(c[4:], lang) + ("（分）" if lang == "zh" else " (pts)")
    if f"value.col.{c}" in LABELS:
        return tr(f"value.col.{c}", lang)
    if f"value.ind.{c}" in LABELS:
        return indicator_label(c, lang)
    return str(c)


# former name, kept for one release
display_frame = renamed(display_table, "display_frame")
