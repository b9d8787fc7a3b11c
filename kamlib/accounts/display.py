"""Display of the account-management tables: headers in the report language, tiers translated, and a
sentence saying which data would enable a table that is not available."""
from __future__ import annotations

import pandas as pd

from ..i18n import column_label, render, tier_label, tr
from .analyses import TableResult


def reason_markdown(result: TableResult, lang: str = "zh") -> str:
    """Why ``result`` is not available ('' when it is)."""
    return "" if result.available or result.reason is None else render(result.reason, lang)


def display_frame(result: TableResult, lang: str = "zh", head: int | None = None) -> pd.DataFrame | str:
    """The table with translated headers (and tier names), or the reason it is missing."""
    table = result.table
    if table is None:
        return reason_markdown(result, lang)
    df = table if head is None else table.head(head)
    if "tier" in df:
        df = df.assign(tier=df["tier"].map(lambda t: tier_label(t, lang)))
    if "level" in df:
        df = df.assign(level=df["level"].map(lambda v: tr(f"accounts.level.{v}", lang)))
    names = {}
    for c in df.columns:
        prefix, _, rest = str(c).partition(":")
        if rest and prefix == "tier":
            names[c] = tier_label(rest, lang)
        elif rest:
            names[c] = rest
        else:
            names[c] = column_label(str(c), lang, domain="accounts", default=str(c))
    return df.rename(columns=names)


def facts_markdown(result: TableResult, key: str, lang: str = "zh") -> str:
    """A bullet list of one facts mapping (complaint categories, lost reasons, open value by stage)."""
    items = result.facts.get(key) or {}
    if not items:
        return tr("accounts.none", lang)
    return "\n".join(f"- {k}: {v:,.0f}" for k, v in items.items())
