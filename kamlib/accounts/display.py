"""Display of the account-management tables: headers in the report language, tiers translated, and a
sentence saying which data would enable a table that is not available."""
from __future__ import annotations

import pandas as pd

from .. import fmt
from .._deprecation import renamed
from ..i18n import column_label, render, tier_label, tr
from ._common import TableResult

#: how each column of the account-management tables is shown (money in 万/亿 or k/M, shares as %)
FORMATS: dict[str, str] = {
    **dict.fromkeys(("revenue", "churned_revenue", "won_amount", "pipeline_value", "revenue_target", "actual",
                     "revenue_last_12m", "amount", "at_risk_revenue"), "money"),
    **dict.fromkeys(("revenue_change", "churn_rate", "accounts_with_complaint", "win_rate", "attainment", "share",
                     "target_attainment", "revenue_share", "late_share"),
                    "pct"),
    **dict.fromkeys(("accounts", "core_accounts", "key_accounts", "ordinary_accounts", "churned_accounts",
                     "complaints", "open_complaints", "opportunities", "won", "lost", "open", "product_lines",
                     "gap_lines", "days_since_contact", "median_resolution_days"), "int"),
}
TIERS = ("core", "key", "ordinary")
#: columns kept in a result's table but not shown
HIDDEN: dict[str, tuple[str, ...]] = {"portfolios": ("churned_accounts",), "credit_ratings": ("churned_accounts",)}
#: facts that are amounts (the others are counts)
MONEY_FACTS = ("stages",)
#: shown with one decimal
ONE_DECIMAL = ("satisfaction", "contacts_per_account", "complaints_per_account_year")


def reason_markdown(result: TableResult, lang: str = "zh") -> str:
    """Why ``result`` is not available ('' when it is).

    Parameters
    ----------
    result : TableResult
        An account-management table.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    return "" if result.available or result.reason is None else render(result.reason, lang)


def display_table(result: TableResult, lang: str = "zh", head: int | None = None,
                  currency: str | None = None) -> pd.DataFrame | str:
    """The table with translated headers (and tier names), or the reason it is missing.

    Parameters
    ----------
    result : TableResult
        An account-management table.
    lang : {"zh", "en"}
        Report language.
    head : int, optional
        Show only the first ``head`` rows (:func:`shown_note` says how many there are).
    currency : str, optional
        ISO code of the amounts: money headers carry the unit, '收入（元）' / 'Revenue (CNY)'.

    Returns
    -------
    DataFrame or str
        Formatted strings indexed by the first column, or the reason text when not available.
    """
    table = result.table
    if table is None:
        return reason_markdown(result, lang)
    df = table if head is None else table.head(head)
    # the manager table is wide: its lost-account count is accounts x churn rate, so it is left to the data
    df = df.drop(columns=list(HIDDEN.get(result.name, ())), errors="ignore")
    if "tier" in df:
        df = df.assign(tier=df["tier"].map(lambda t: tier_label(t, lang)))
    if "level" in df:
        df = df.assign(level=df["level"].map(lambda v: tr(f"accounts.level.{v}", lang)))
    if "gaps" in df and lang != "zh":
        df = df.assign(gaps=df["gaps"].astype("string").str.replace("、", ", ", regex=False))
    for c in ("complete", "churned"):
        if c in df:
            df = df.assign(**{c: df[c].map(lambda v: tr("accounts.yes" if v else "accounts.no", lang))})
    if all(f"{t}_accounts" in df for t in TIERS):
        # one compact column instead of three: the manager table stays readable on a laptop screen
        # no-break spaces: the three counts stay on one line when the table is squeezed
        mix = df[[f"{t}_accounts" for t in TIERS]].astype(int).astype(str).agg("\u00a0/\u00a0".join, axis=1)
        pos = list(df.columns).index("core_accounts")
        df = df.drop(columns=[f"{t}_accounts" for t in TIERS])
        df.insert(pos, "tier_mix", mix)
    lg = fmt.lang_of(lang)
    df = fmt.format_frame(df, {c: k for c, k in FORMATS.items() if c in df}, lang=lg)
    for c in ONE_DECIMAL:
        if c in table:
            df[c] = [fmt.number(v, lg, digits=1) for v in (table[c] if head is None else table[c].head(head))]
    names = {}
    for c in df.columns:
        prefix, _, rest = str(c).partition(":")
        if rest and prefix == "tier":
            names[c] = tier_label(rest, lang)
        elif rest:
            names[c] = rest
        else:
            names[c] = column_label(str(c), lang, domain="accounts", default=str(c))
        if FORMATS.get(str(c)) == "money":
            names[c] = fmt.money_header(names[c], lg, currency)
    df = df.rename(columns=names)
    # the first column names the row (manager, tier, reason, account): no positional 0, 1, 2 index
    return df.set_index(df.columns[0])


def shown_note(result: TableResult, head: int, lang: str = "zh") -> str:
    """'(The first 30 of 112, in the order above.)' when ``head`` cuts the table, else ''.

    Parameters
    ----------
    result : TableResult
        An account-management table.
    head : int
        Rows shown.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    total = 0 if result.table is None else len(result.table)
    if total <= head:
        return ""
    return tr("accounts.shown", lang, shown=fmt.integer(head, fmt.lang_of(lang)),
              total=fmt.integer(total, fmt.lang_of(lang)))


def facts_markdown(result: TableResult, key: str, lang: str = "zh") -> str:
    """A bullet list of one facts mapping (complaint categories, lost reasons, open value by stage).

    Parameters
    ----------
    result : TableResult
        An account-management table.
    key : str
        Key of ``result.facts`` (e.g. ``categories``, ``lost_reasons``, ``stages``).
    lang : {"zh", "en"}
        Report language of the "none" text.

    Returns
    -------
    str
        One ``- name: value`` line per item, or the "none" text.
    """
    items = result.facts.get(key) or {}
    if not items:
        return tr("accounts.none", lang)
    lg = fmt.lang_of(lang)
    show = fmt.money if key in MONEY_FACTS else fmt.integer
    return "\n".join(f"- {k}: {show(v, lg)}" for k, v in items.items())


# former name, kept for one release
display_frame = renamed(display_table, "display_frame")
