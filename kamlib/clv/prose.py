"""The value still to come in words and leadership-readable tables: what the book still holds, by tier and
segment, the top accounts by CLV and the large accounts slipping away.

Pure functions of a :class:`~kamlib.clv.book.BookValue` and the workbook's customer frame (the columns
:func:`~kamlib.clv.book.indicator_columns` joined to it). Tables come back formatted (money in 万/亿 for zh,
percentages), with translated headers and the account name or group as the index.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from .. import fmt
from ..errors import AnalysisError
from ..i18n import column_label, tier_label, tr
from .book import BookValue
from .holdout import holdout_sentence

#: P(alive) below this marks an account as probably gone
SLIPPING_P_ALIVE = 0.5

_TIER_ORDER = ("core", "key", "ordinary")


def _lang(lang: str) -> fmt.Lang:
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise AnalysisError(f"unknown report language {lang!r}; use 'zh' or 'en'")


def _months(h: float) -> str:
    return f"{h:g}"


def _header(name: str, lang: str, horizon_months: float) -> str:
    """Table header of a column; the ``_12m`` forecast columns carry the horizon the params chose."""
    if name in ("expected_revenue_12m", "expected_purchases_12m") and not math.isclose(horizon_months, 12):
        key = "clv.expected_revenue_next" if name == "expected_revenue_12m" else "clv.expected_purchases_next"
        return tr(key, lang, n=_months(horizon_months))
    return column_label(name, lang, domain="clv")


def _reason_text(reason: str, lang: str) -> str:
    """The reason a book is not estimable, in the report language (the fit's own text is English)."""
    m = re.search(r"\((\d[\d,]*) of ([\d,]+) accounts bought again\)", reason)
    if m:
        return tr("clv.s.few_repeaters", lang, n_rep=m.group(1), n=m.group(2))
    if lang == "en":
        return reason.rstrip(".") + "."
    return tr("clv.s.no_data", lang)


def book_sentences(book: BookValue, customers: pd.DataFrame, lang: str = "zh") -> str:
    """What the book still holds, or why the models were not used, in a short paragraph (markdown).

    Parameters
    ----------
    book : BookValue
        ``Workbook.clv``.
    customers : DataFrame
        The workbook's customer frame (``revenue_last_12m`` for the comparison with the past year).
    lang : {"zh", "en"}
    """
    L = _lang(lang)
    if book.status == "not_applicable":
        return tr("clv.s.not_applicable", L)
    if not book.estimable:
        return tr("clv.s.not_estimable", L, reason=_reason_text(str(book.reason or ""), L))
    tot = book.totals()
    parts = [tr("clv.s.ok", L, n=f"{len(book.accounts):,}", h=_months(book.horizon_months),
                revenue=fmt.money(tot["expected_revenue_12m"], L), clv=fmt.money(tot["clv"], L),
                rate=fmt.pct(book.discount_rate, digits=0))]
    if "revenue_last_12m" in customers:
        last = float(customers["revenue_last_12m"].sum())
        if last > 0:
            per_year = tot["expected_revenue_12m"] * 12.0 / book.horizon_months
            parts.append(tr("clv.s.vs_last", L, last=fmt.money(last, L), ratio=fmt.pct(per_year / last, digits=0)))
    if book.spend_model == "observed_mean":
        parts.append(tr("clv.s.observed_spend", L))
    if not book.p_alive_informative:
        parts.append(tr("clv.s.no_dropout", L))
    return ("" if L == "zh" else " ").join(parts)


def _has_forecast(customers: pd.DataFrame) -> bool:
    return "expected_revenue_12m" in customers and bool(customers["expected_revenue_12m"].notna().any())


def _money_cols(df: pd.DataFrame, cols, lang: fmt.Lang) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        if c in out:
            out[c] = [fmt.money(v, lang) for v in out[c]]
    return out


def _labelled(df: pd.DataFrame, lang: str, horizon_months: float) -> pd.DataFrame:
    return df.rename(columns={c: _header(c, lang, horizon_months) for c in df.columns})


def held_by_group(customers: pd.DataFrame, by: str = "tier", lang: str = "zh",
                  horizon_months: float = 12) -> pd.DataFrame:
    """Accounts, last 12 months' revenue, expected revenue over the horizon and CLV per group, with a total.

    Parameters
    ----------
    customers : DataFrame
        The workbook's customer frame.
    by : str
        ``"tier"`` (core / key / ordinary, in that order) or ``"segment_name"`` (largest CLV first).
    lang : {"zh", "en"}
    horizon_months : float
        ``BookValue.horizon_months`` (the header of the expected revenue).

    Returns
    -------
    DataFrame
        Formatted, indexed by the group's name; empty when the frame holds no forecast or no groups.
    """
    L = _lang(lang)
    if not _has_forecast(customers) or by not in customers or customers[by].isna().all():
        return pd.DataFrame()
    cols = [c for c in ("revenue_last_12m", "expected_revenue_12m", "clv") if c in customers]
    key = customers[by].astype("object").where(customers[by].notna(), tr("clv.unassigned", L))
    g = customers[cols].astype(float).groupby(key, sort=False).sum(min_count=1)
    g.insert(0, "accounts", customers.groupby(key, sort=False).size())
    if by == "tier":
        order = [t for t in _TIER_ORDER if t in g.index] + [t for t in g.index if t not in _TIER_ORDER]
        g = g.reindex(order)
        g.index = pd.Index([tier_label(t, L).capitalize() for t in g.index])
    else:
        g = g.sort_values("clv" if "clv" in g else cols[-1], ascending=False)
        g.index = pd.Index([str(v) for v in g.index])
    total = pd.DataFrame([g.sum(min_count=1)], index=[tr("clv.total", L)])
    g = pd.concat([g, total])
    out = _money_cols(g, cols, L)
    out["accounts"] = [fmt.integer(v) for v in g["accounts"]]
    return _corner(_labelled(out, L, horizon_months), column_label(by, L, domain="clv"))


def _corner(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Name the index in the header's corner cell (``columns.name``): an ``index.name`` would make HTML
    tables grow a second, nearly empty header row."""
    df.index.name = None
    df.columns.name = label
    return df


def _account_index(frame: pd.DataFrame) -> pd.Index:
    if "name" in frame:
        names = frame["name"].astype("object")
        return pd.Index([str(n) if pd.notna(n) and str(n) else str(i) for i, n in zip(frame.index, names,
                                                                                       strict=True)])
    return pd.Index([str(i) for i in frame.index])


def _account_table(rows: pd.DataFrame, cols: list[str], lang: fmt.Lang, horizon_months: float) -> pd.DataFrame:
    out = rows[[c for c in cols if c in rows]].copy()
    if "tier" in out:
        out["tier"] = [tier_label(t, lang) if pd.notna(t) else "—" for t in out["tier"]]
    if "account_manager" in out:
        out["account_manager"] = [str(v) if pd.notna(v) else "—" for v in out["account_manager"]]
    if "p_alive" in out:
        out["p_alive"] = [fmt.pct(v, digits=0) for v in out["p_alive"]]
    out = _money_cols(out, ("revenue", "revenue_last_12m", "expected_revenue_12m", "clv", "at_stake"), lang)
    out.index = _account_index(rows)
    return _corner(_labelled(out, lang, horizon_months), column_label("name", lang, domain="clv"))


def top_by_clv(customers: pd.DataFrame, n: int = 20, lang: str = "zh", horizon_months: float = 12) -> pd.DataFrame:
    """The ``n`` accounts with the largest CLV: tier, account manager, P(alive) (when it separates
    accounts), last 12 months' revenue, expected revenue and CLV. Empty without a forecast.

    Parameters
    ----------
    customers : DataFrame
        Customer frame with the CLV forecast columns (``clv``, ``expected_revenue_12m``, ``p_alive``...).
    n : int
        Number of accounts listed.
    lang : {"zh", "en"}
        Report language.
    horizon_months : float
        Forecast horizon, named in the headers.

    Returns
    -------
    DataFrame
        Formatted strings, largest CLV first.

    Raises
    ------
    AnalysisError
        ``lang`` is not a report language.
    """
    L = _lang(lang)
    if not _has_forecast(customers) or "clv" not in customers:
        return pd.DataFrame()
    rows = customers[customers["clv"].notna()].sort_values("clv", ascending=False).head(n)
    cols = ["tier", "account_manager", "p_alive", "revenue_last_12m", "expected_revenue_12m", "clv"]
    return _account_table(rows, cols, L, horizon_months)


@dataclass(frozen=True, eq=False)
class SlippingAway:
    """Large accounts the model thinks may have left: ``table`` (formatted, possibly empty) and the
    ``sentence`` that says how they were picked, or why none could be."""

    table: pd.DataFrame
    sentence: str
    n: int


def slipping_away(customers: pd.DataFrame, n: int = 20, lang: str = "zh", p_alive_below: float = SLIPPING_P_ALIVE,
                  horizon_months: float = 12) -> SlippingAway:
    """Accounts in the top half by last 12 months' revenue whose P(alive) is below ``p_alive_below``,
    ranked by revenue at stake = ``revenue_last_12m × (1 − p_alive)``; the first ``n`` are listed.

    Without a ``p_alive`` column (contractual ledger, model not estimable, or no sign of dropout: the
    workbook joins P(alive) only when it separates accounts) the table is empty and the sentence says so.

    Parameters
    ----------
    customers : DataFrame
        Customer frame with ``revenue_last_12m`` and ``p_alive`` (and the forecast columns shown).
    n : int
        Number of accounts listed.
    lang : {"zh", "en"}
        Report language.
    p_alive_below : float
        P(alive) under which a large account counts as slipping away.
    horizon_months : float
        Forecast horizon, named in the headers.

    Returns
    -------
    SlippingAway
        ``n`` is the number of accounts picked (the table lists at most ``n`` of them).

    Raises
    ------
    AnalysisError
        ``lang`` is not a report language.
    """
    L = _lang(lang)
    cut = fmt.pct(p_alive_below, digits=0)
    if "p_alive" not in customers or customers["p_alive"].isna().all() or "revenue_last_12m" not in customers:
        return SlippingAway(pd.DataFrame(), tr("clv.s.slipping_unavailable", L), 0)
    last = customers["revenue_last_12m"].astype(float)
    buying = last[last > 0]
    high = last >= buying.median() if len(buying) else pd.Series(False, index=customers.index)
    p = customers["p_alive"].astype(float)
    pick = customers[high & (last > 0) & (p < p_alive_below)].copy()
    if pick.empty:
        return SlippingAway(pd.DataFrame(), tr("clv.s.slipping_none", L, cut=cut), 0)
    pick["at_stake"] = pick["revenue_last_12m"].astype(float) * (1.0 - pick["p_alive"].astype(float))
    pick = pick.sort_values("at_stake", ascending=False)
    cols = ["tier", "account_manager", "p_alive", "revenue_last_12m", "expected_revenue_12m", "at_stake"]
    table = _account_table(pick.head(n), cols, L, horizon_months)
    return SlippingAway(table, tr("clv.s.slipping", L, cut=cut, n=f"{len(pick):,}"), len(pick))


def holdout_text(book: BookValue, lang: str = "zh") -> str:
    """The holdout check in words, or why there is none (empty when the models were not used).

    Parameters
    ----------
    book : BookValue
        Result of :func:`kamlib.clv.book_value`.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str

    Raises
    ------
    AnalysisError
        ``lang`` is not a report language.
    """
    L = _lang(lang)
    if not book.estimable:
        return ""
    if book.holdout is not None:
        return holdout_sentence(book.holdout, L)
    key = getattr(book.holdout_reason, "key", None)
    if key == "holdout_short":
        return tr("clv.s.holdout_short", L)
    if key == "holdout_not_estimable":
        return tr("clv.s.holdout_failed", L)
    return tr("clv.s.holdout_off", L)


__all__ = ["book_sentences", "held_by_group", "top_by_clv", "slipping_away", "SlippingAway", "holdout_text",
           "SLIPPING_P_ALIVE"]
