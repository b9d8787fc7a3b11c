"""Core / key / ordinary tiers (核心 / 重点 / 一般) and per-tier summaries."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import KamlibError, StatisticalWarning
from .catalog import TIERS
from .ranking import order_desc


def assign_tiers(indicators: pd.DataFrame, scores: pd.Series, rule: Literal["score", "rule_of_thumb"] = "score",
                 quantiles: Sequence[float] = (0.8, 0.95), *, head_share: float = 0.30,
                 tail_share: float = 0.05, growth_floor: float = -0.05, margin_band: float = 0.10) -> pd.Series:
    """Core / key / ordinary (核心 / 重点 / 一般) tiers.

    Parameters
    ----------
    rule : {"score", "rule_of_thumb"}
        "score": key = score at or above its ``quantiles[0]`` quantile, core = at or above ``quantiles[1]``
        (default top 20% key-or-core, top 5% core). Equal scores always get the same tier.
        "rule_of_thumb" (practice rule): *high value* = the largest accounts that together carry the first
        ``head_share`` (30%) of revenue, or margin above the book's average with stable growth
        (``revenue_growth >= growth_floor``); *low value* = accounts in the last ``tail_share`` (5%) of
        revenue, or with margin below average. High → core, low → ordinary, the rest → key.
        "Above / below average" means outside a ``margin_band`` (±10%, relative) around the book's
        revenue-weighted margin, so accounts with an average margin - and above-average-margin accounts
        whose revenue is shrinking - form the key tier instead of being forced to an extreme.
    quantiles : (float, float)
        ``params.value.tier_quantiles``.

    Returns
    -------
    Series of "core"/"key"/"ordinary" indexed like ``indicators`` (name ``tier``).

    Notes
    -----
    Tiers rank the accounts still in the book: when ``indicators`` has the ``active`` column of
    :func:`customer_indicators`, quantiles and revenue shares are taken over active accounts only, and
    accounts that churned or never ordered are "ordinary" whatever their cumulative history.
    """
    full_idx = indicators.index
    if "active" in indicators:
        act = indicators["active"].fillna(False).astype(bool)
        if not act.any():
            warnings.warn("assign_tiers: no account is active at the period end; every account is 'ordinary'",
                          StatisticalWarning, stacklevel=2)
            return pd.Series("ordinary", index=full_idx, dtype="str", name="tier")
        tier = assign_tiers(indicators.loc[act].drop(columns="active"), scores, rule=rule, quantiles=quantiles,
                            head_share=head_share, tail_share=tail_share, growth_floor=growth_floor,
                            margin_band=margin_band)
        return tier.reindex(full_idx).fillna("ordinary").astype("str").rename("tier")
    idx = indicators.index
    if rule == "score":
        s = scores.reindex(idx).astype("float64")
        q_key, q_core = float(quantiles[0]), float(quantiles[1])
        tier = pd.Series("ordinary", index=idx, dtype="object")
        if s.notna().sum() == 0 or float(s.max() - s.min()) <= 1e-9:
            msg = "assign_tiers: scores do not differ between accounts; every account is 'ordinary'"
            warnings.warn(msg, StatisticalWarning, stacklevel=2)
            return tier.astype("str").rename("tier")
        t_key, t_core = s.quantile(q_key), s.quantile(q_core)
        tier[s >= t_key - 1e-9] = "key"
        tier[s >= t_core - 1e-9] = "core"
        return tier.astype("str").rename("tier")
    if rule == "rule_of_thumb":
        rev = indicators["revenue"].astype("float64")
        s = order_desc(rev)
        pos = s.clip(lower=0)
        tot = float(pos.sum())
        before = ((pos.cumsum() - pos) / tot) if tot > 0 else pos * 0 + 1
        head = (before < head_share).reindex(idx) & (rev > 0)
        tail = (before >= 1 - tail_share).reindex(idx) | (rev <= 0)
        margin = indicators["margin"] if "margin" in indicators else pd.Series(np.nan, index=idx)
        if margin.notna().any():
            avg = float(indicators["gross_profit"].sum() / rev.sum()) if rev.sum() > 0 else float(margin.mean())
            above = margin > avg + abs(avg) * margin_band
            below = margin < avg - abs(avg) * margin_band
        else:
            warnings.warn("assign_tiers: no margin data; the rule of thumb uses revenue only",
                          StatisticalWarning, stacklevel=2)
            above = pd.Series(False, index=idx)
            below = pd.Series(False, index=idx)
        growth = indicators.get("revenue_growth", pd.Series(np.nan, index=idx))
        stable = growth >= growth_floor
        high = head | (above & stable & ~tail)
        low = (tail | below) & ~high
        tier = pd.Series("key", index=idx, dtype="object")
        tier[low] = "ordinary"
        tier[high] = "core"
        return tier.astype("str").rename("tier")
    raise KamlibError(f"assign_tiers: rule must be 'score' or 'rule_of_thumb', got {rule!r} (params value.tier_rule)")


def tier_summary(frame: pd.DataFrame, by: str | None = None, value: str = "revenue") -> pd.DataFrame:
    """Accounts and revenue per tier, optionally per group (region, business_unit, industry...).

    Returns one row per group value with columns ``accounts``, ``core``, ``key``, ``ordinary`` (account
    counts), ``revenue``, ``core_revenue``, ``key_revenue``, ``ordinary_revenue``, ``core_revenue_share``.
    Without ``by``, one row per tier: accounts, account_share, revenue, revenue_share.
    """
    if by is None:
        g = frame.groupby("tier").agg(accounts=(value, "size"), revenue=(value, "sum")).reindex(list(TIERS)).fillna(0)
        g["accounts"] = g["accounts"].astype("int64")
        g["account_share"] = g["accounts"] / max(int(g["accounts"].sum()), 1)
        tot = g["revenue"].sum()
        g["revenue_share"] = g["revenue"] / tot if tot > 0 else np.nan
        return g[["accounts", "account_share", "revenue", "revenue_share"]]
    if by not in frame:
        raise KamlibError(f"tier_summary: column {by!r} not in the customer frame")
    key = frame[by].astype("object").fillna("—")
    cnt = pd.crosstab(key, frame["tier"]).reindex(columns=list(TIERS), fill_value=0)
    rev = frame.pivot_table(index=key, columns="tier", values=value, aggfunc="sum",
                            observed=False).reindex(columns=list(TIERS)).fillna(0.0)
    out = pd.DataFrame({"accounts": cnt.sum(axis=1)})
    for t in TIERS:
        out[t] = cnt[t]
    out["revenue"] = rev.sum(axis=1)
    for t in TIERS:
        out[f"{t}_revenue"] = rev[t]
    out["core_revenue_share"] = (out["core_revenue"] / out["revenue"]).where(out["revenue"] > 0)
    out.index.name = by
    return out.sort_values("revenue", ascending=False)
