"""Core / key / ordinary tiers (核心 / 重点 / 一般) and per-tier summaries."""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import KamlibError, StatisticalWarning
from ..i18n import Message
from .catalog import TIERS
from .labels import IndicatorName
from .ranking import order_desc


def assign_tiers(indicators: pd.DataFrame, scores: pd.Series,
                 rule: Literal["score", "rule_of_thumb", "value"] = "score",
                 quantiles: Sequence[float] = (0.8, 0.95), *, head_share: float = 0.30,
                 tail_share: float = 0.05, growth_floor: float = -0.05, margin_band: float = 0.10) -> pd.Series:
    """Core / key / ordinary (核心 / 重点 / 一般) tiers.

    Parameters
    ----------
    rule : {"score", "rule_of_thumb", "value"}
        "value": :func:`value_tiers` with its defaults (the workbook default; use :func:`classify_tiers` for
        the reasons and params).
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
    if rule == "value":
        return value_tiers(indicators, shares=(head_share, 0.80)).tiers
    full_idx = indicators.index
    if "active" in indicators:
        act = indicators["active"].fillna(False).astype(bool)
        if not act.any():
            warnings.warn(StatisticalWarning(Message("value.w.no_active")), stacklevel=2)
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
            warnings.warn(StatisticalWarning(Message("value.w.no_spread")), stacklevel=2)
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
            warnings.warn(StatisticalWarning(Message("value.w.no_margin")), stacklevel=2)
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
    raise KamlibError(f"assign_tiers: rule must be 'value', 'score' or 'rule_of_thumb', got {rule!r} "
                      "(params value.tier_rule)")


def tier_summary(frame: pd.DataFrame, by: str | None = None, value: str = "revenue") -> pd.DataFrame:
    """Accounts and revenue per tier, optionally per group (region, business_unit, industry...).

    Returns one row per group value with columns ``accounts``, ``core``, ``key``, ``ordinary`` (account
    counts), ``revenue``, ``core_revenue``, ``key_revenue``, ``ordinary_revenue``, ``core_revenue_share``.
    Without ``by``, one row per tier: accounts, account_share, revenue, revenue_share.

    Parameters
    ----------
    frame : DataFrame
        Customer frame with ``tier`` and ``value`` (and ``by``).
    by : str, optional
        Grouping column (missing values grouped as '—').
    value : str
        Column summed as revenue.

    Returns
    -------
    DataFrame
        Grouped: indexed by ``by``, largest revenue first. Without ``by``: indexed by tier, all three tiers.

    Raises
    ------
    KamlibError
        ``by`` is not a column of ``frame``.
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


# ------------------------------------------------------------------------------------- value-led tiers

#: limits of the demotion rules of the value tier rule (``params.value.demotion`` overrides them):
#: shrinking_yoy - last-12-month revenue below this change on the 12 months before (-0.20 = fell by more
#: than 20%); shrinking_trend - the growth slope limit used when the year-on-year change is unknown;
#: margin_band - relative tolerance around the book's revenue-weighted margin (0.10: "below average" means
#: under 90% of it); late_share - share of invoices paid late from which late payment is chronic
DEMOTION_DEFAULTS: dict[str, float] = {"shrinking_yoy": -0.20, "shrinking_trend": -0.05, "margin_band": 0.10,
                                       "late_share": 0.50}

#: value bases of the relative value rule: an account's level is its best on any of them
DEFAULT_TIER_BASES: tuple[str, ...] = ("revenue", "revenue_last_12m", "gross_profit")

_LEVEL_TIER = {2: "core", 1: "key", 0: "ordinary"}


@dataclass(frozen=True, eq=False)
class TierResult:
    """Tiers with the reasons that put each account there.

    Attributes
    ----------
    tiers : Series
        "core" / "key" / "ordinary" per account (name ``tier``).
    candidate : Series
        The tier the value boundaries alone give, before any demotion.
    reasons : Series
        ``tier_reason``: ";"-joined reason codes (``value.reason.<code>`` in LABELS), e.g.
        ``"core:revenue;margin_below"``: core on revenue share, demoted one level for a below-average margin.
    boundaries : DataFrame
        basis × (core, key): the value an account needs on that basis to reach the tier.
    values : DataFrame
        account × basis: the values the boundaries apply to.
    rule : str
        "value", "score" or "rule_of_thumb"; ``absolute`` is True when the boundaries are fixed amounts.
    limits : dict
        The demotion limits applied (:data:`DEMOTION_DEFAULTS` with overrides); ``shares`` the cumulative
        shares of the core and key bands.
    book_margin : float
        Revenue-weighted margin of the active accounts (NaN without profit data).
    """

    tiers: pd.Series
    candidate: pd.Series
    reasons: pd.Series
    boundaries: pd.DataFrame
    values: pd.DataFrame
    rule: str
    absolute: bool
    book_margin: float
    limits: dict[str, float]
    shares: tuple[float, float] = (0.30, 0.80)
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"tier": self.tiers, "candidate": self.candidate, "tier_reason": self.reasons})

    def demoted(self, indicators: pd.DataFrame | None = None, n: int | None = None,
                top: int | None = None) -> pd.DataFrame:
        """Accounts whose tier is below their candidate tier, largest first: tier, candidate, reason and
        the indicators behind the demotion rules (when ``indicators`` is given); with ``top``, only those
        among the ``top`` largest active accounts by revenue (:meth:`top_accounts`)."""
        ids = self.tiers.index[self.tiers.map(_TIER_LEVEL) < self.candidate.map(_TIER_LEVEL)]
        if top is not None:
            ids = ids[ids.isin(self.top_accounts(top, indicators))]
        out = self.to_frame().loc[ids]
        if indicators is not None:
            cols = [c for c in ("name", *self.values.columns, "margin", "revenue_yoy", "revenue_growth",
                                "late_share") if c in indicators and c not in out]
            out = indicators.loc[ids, cols].join(out)
        if len(out) and self.values.shape[1]:
            out = out.loc[order_desc(self.values.iloc[:, 0].reindex(ids)).index]
        return out.head(n) if n else out

    def top_accounts(self, n: int, indicators: pd.DataFrame | None = None) -> pd.Index:
        """The ``n`` largest active accounts by revenue over the window (``indicators``), else by the first
        value basis (ties by id)."""
        active = self.reasons.index[self.reasons != "inactive"]
        if indicators is not None and "revenue" in indicators:
            return order_desc(indicators["revenue"].reindex(active)).index[:n]
        if self.values.shape[1] == 0:
            return pd.Index([])
        return order_desc(self.values.iloc[:, 0]).index[:n]

    def near_boundary(self, within: float = 0.10, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
        """Accounts within ``within`` (relative) of a tier boundary and what would move them.

        One row per account and boundary: ``direction`` "up" (the account is below the boundary: ``gap``
        is the amount it lacks on ``basis``) or "down" (above it: ``gap`` is how much it can lose before it
        drops; counted on its best basis). The boundaries act on the candidate tier (``candidate``): a
        demoted account that crosses one still drops one level below it.
        """
        rows = []
        level = self.candidate.map(_TIER_LEVEL).reindex(self.values.index)
        for tier, lvl in (("core", 2), ("key", 1)):
            b = self.boundaries[tier].astype("float64")
            if not len(b):
                continue
            V = self.values[list(b.index)]
            rel = ((V - b) / b.abs().replace(0, np.nan)).fillna(-np.inf)   # >= 0: at or above the boundary
            # below the boundary every basis is negative: the best one is the closest; above it, the best
            # basis is the one that holds the account there
            j = rel.to_numpy().argmax(axis=1)
            best = rel.to_numpy()[np.arange(len(rel)), j]
            for k, cid in enumerate(rel.index):
                direction = "down" if level[cid] == lvl else "up" if level[cid] == lvl - 1 else None
                if direction is None or not np.isfinite(best[k]) or abs(best[k]) > within:
                    continue
                basis = str(rel.columns[j[k]])
                v, t = float(V.loc[cid, basis]), float(b[basis])
                rows.append({"customer_id": cid, "tier": self.tiers[cid], "candidate": self.candidate[cid],
                             "boundary": tier, "direction": direction,
                             "basis": basis, "basis_value": v, "threshold": t,
                             "gap": t - v if direction == "up" else v - t})
        cols = ["tier", "candidate", "boundary", "direction", "basis", "basis_value", "threshold", "gap"]
        if not rows:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="customer_id"))
        out = pd.DataFrame(rows).set_index("customer_id")[cols]
        out = out.sort_values(["boundary", "direction", "basis_value"], ascending=[True, False, False],
                              kind="mergesort")
        if indicators is not None and "name" in indicators:
            out.insert(0, "name", indicators["name"].reindex(out.index).to_numpy())
        return out

    def _repr_html_(self) -> str:
        return self.to_frame().to_html()


_TIER_LEVEL = {"core": 2, "key": 1, "ordinary": 0}


def _share_boundaries(values: pd.DataFrame, shares: Sequence[float]) -> pd.DataFrame:
    """The value an account needs on each basis to fall inside the largest accounts that together carry
    ``shares`` (key, core) of the positive total; equal values share the boundary."""
    out = {}
    for b in values.columns:
        v = values[b].astype("float64")
        pos = v[v > 0]
        tot = float(pos.sum())
        if tot <= 0:
            continue
        s = np.sort(pos.to_numpy())[::-1]
        before = np.cumsum(s) - s
        # ties: an account's share "before" counts only strictly larger accounts
        before = pd.Series(before).groupby(s).transform("min").to_numpy() / tot
        out[b] = {tier: float(s[before < share].min()) if (before < share).any() else float(s[0])
                  for tier, share in (("core", shares[0]), ("key", shares[1]))}
    return pd.DataFrame.from_dict(out, orient="index", columns=["core", "key"]).rename_axis("basis")


def _demotion_flags(ind: pd.DataFrame, limits: dict[str, float], book_margin: float) -> dict[str, pd.Series]:
    idx = ind.index
    nan = pd.Series(np.nan, index=idx)
    yoy = ind["revenue_yoy"].astype("float64") if "revenue_yoy" in ind else nan
    trend = ind["revenue_growth"].astype("float64") if "revenue_growth" in ind else nan
    shrinking = (yoy < limits["shrinking_yoy"]) | (yoy.isna() & (trend < limits["shrinking_trend"]))
    margin = ind["margin"].astype("float64") if "margin" in ind else nan
    below = (margin < book_margin - abs(book_margin) * limits["margin_band"]) if np.isfinite(book_margin) else nan > 0
    late = ind["late_share"].astype("float64") if "late_share" in ind else nan
    return {"shrinking": shrinking.fillna(False).astype(bool), "margin_below": below.fillna(False).astype(bool),
            "late_payment": (late >= limits["late_share"]).fillna(False).astype(bool)}


def value_tiers(indicators: pd.DataFrame, *, shares: Sequence[float] = (0.30, 0.80),
                bases: Sequence[str] = DEFAULT_TIER_BASES, thresholds: Mapping[str, float] | None = None,
                basis: str = "revenue_last_12m", demotion: Mapping[str, float] | None = None) -> TierResult:
    """Value-led core / key / ordinary tiers (the practice rule of the value-assessment articles).

    1. **Candidate tier by value.** Relative (default): on each of ``bases`` (revenue over the window,
       revenue of the last 12 months, gross profit; any other numeric column such as a CLV
       ``expected_revenue_12m`` can be added), the largest accounts that together carry the first
       ``shares[0]`` (30%) of the total are core candidates, down to the cumulative ``shares[1]`` (80%) key
       candidates; an account's candidate tier is its best over the bases. Absolute: with ``thresholds``
       (``{"core": amount, "key": amount}``) the candidate tier compares ``basis`` with fixed amounts, so
       that tier migration between periods reflects the accounts, not the book's distribution.
    2. **Named demotions** (limits in :data:`DEMOTION_DEFAULTS`, overridden by ``demotion``): *shrinking
       revenue* (last-12-month revenue down more than 20% on the year before, or a negative growth trend when
       there is no year-on-year figure), *margin below average* (under the book's revenue-weighted margin by
       more than the band; only with profit data), *chronic late payment* (at least half the invoices paid
       late). Any of them drops a core or key candidate exactly one level; the reason is kept per account.

    Accounts not active at the period end (``active`` column) are ordinary with reason "inactive".

    Parameters
    ----------
    indicators : DataFrame
        Customer indicators indexed by ``customer_id`` (:func:`customer_indicators`).
    shares : (float, float)
        Cumulative value shares closing the core and key candidates (relative rule).
    bases : sequence of str
        Value columns of the relative rule; absent or empty ones are skipped (noted unless the defaults).
    thresholds : mapping, optional
        ``{"core": amount, "key": amount}`` with core > key: the absolute rule on ``basis``.
    basis : str
        Numeric column of the absolute rule.
    demotion : mapping, optional
        Limits overriding :data:`DEMOTION_DEFAULTS` (same keys).

    Returns
    -------
    TierResult

    Raises
    ------
    KamlibError
        An unknown demotion rule, ``thresholds`` without core > key, a ``basis`` that is not a numeric
        column, or none of ``bases`` available.
    """
    limits = {**DEMOTION_DEFAULTS, **(demotion or {})}
    unknown = set(limits) - set(DEMOTION_DEFAULTS)
    if unknown:
        raise KamlibError(f"value_tiers: unknown demotion rule(s) {sorted(unknown)}; known: "
                          f"{', '.join(DEMOTION_DEFAULTS)} (params value.demotion)")
    notes: list[Message] = []
    idx = indicators.index
    act = (indicators["active"].fillna(False).astype(bool) if "active" in indicators
           else pd.Series(True, index=idx))
    ind = indicators.loc[act]
    if thresholds is not None:
        if set(thresholds) != {"core", "key"} or not float(thresholds["core"]) > float(thresholds["key"]):
            raise KamlibError(f"value_tiers: thresholds need core > key, got {dict(thresholds)} "
                              "(params value.tier_thresholds)")
        if basis not in indicators or not pd.api.types.is_numeric_dtype(indicators[basis]):
            raise KamlibError(f"value_tiers: the threshold basis {basis!r} is not a numeric indicator "
                              "(params value.tier_basis)")
        values = ind[[basis]].astype("float64")
        bounds = pd.DataFrame({"core": [float(thresholds["core"])], "key": [float(thresholds["key"])]},
                              index=pd.Index([basis], name="basis"))
    else:
        missing = [b for b in bases if b not in indicators]
        use = [b for b in bases if b in indicators and pd.api.types.is_numeric_dtype(indicators[b])
               and indicators[b].notna().any()]
        if not use:
            raise KamlibError(f"value_tiers: none of the value bases {list(bases)} is available "
                              "(params value.indicators / tier rule)")
        if missing and list(bases) != list(DEFAULT_TIER_BASES):
            notes.append(Message("value.w.bases_missing", {"bases": [IndicatorName(b) for b in missing]}))
        values = ind[use].astype("float64")
        bounds = _share_boundaries(values, shares)
        values = values[list(bounds.index)] if len(bounds) else values
    lvl = pd.Series(0, index=ind.index, dtype="int64")
    why = pd.Series("", index=ind.index, dtype="object")
    for b in bounds.index:
        v = values[b]
        lb = np.where((v >= bounds.loc[b, "core"]) & (v > 0), 2, np.where((v >= bounds.loc[b, "key"]) & (v > 0), 1, 0))
        better = lb > lvl.to_numpy()
        why[better] = [f"{_LEVEL_TIER[int(x)]}:{b}" for x in lb[better]]
        lvl = lvl.where(~better, pd.Series(lb, index=ind.index))
    why[lvl == 0] = "below_key"

    has_profit = "gross_profit" in ind and ind["gross_profit"].notna().any() and "revenue" in ind
    rev = ind["revenue"].astype("float64") if "revenue" in ind else pd.Series(np.nan, index=ind.index)
    book_margin = (float(ind["gross_profit"].sum() / rev[rev > 0].sum())
                   if has_profit and rev[rev > 0].sum() > 0 else float("nan"))
    flags = _demotion_flags(ind, limits, book_margin)
    final = lvl.copy()
    demote = pd.Series(False, index=ind.index)
    for code, f in flags.items():
        hit = f & (lvl > 0)
        why[hit] = why[hit] + ";" + code
        demote |= hit
    final[demote] = lvl[demote] - 1

    tiers = final.map(_LEVEL_TIER).reindex(idx).fillna("ordinary").astype("str").rename("tier")
    cand = lvl.map(_LEVEL_TIER).reindex(idx).fillna("ordinary").astype("str").rename("candidate")
    reasons = why.reindex(idx).fillna("inactive").astype("str").rename("tier_reason")
    for n in notes:
        warnings.warn(StatisticalWarning(n), stacklevel=2)
    return TierResult(tiers=tiers, candidate=cand, reasons=reasons, boundaries=bounds, values=values,
                      rule="value", absolute=thresholds is not None, book_margin=book_margin, limits=limits,
                      shares=(float(shares[0]), float(shares[1])), warnings=tuple(notes))


#: classify_tiers keyword -> its ``params.value`` field
_TIER_OPTIONS = {"rule": "tier_rule", "shares": "tier_shares", "thresholds": "tier_thresholds",
                 "basis": "tier_basis", "demotion": "demotion", "quantiles": "tier_quantiles"}


def tier_options(value_params) -> dict:
    """The :func:`classify_tiers` keywords of a ``params.value`` section.

    Parameters
    ----------
    value_params : ValueSection
        ``params.value``.

    Returns
    -------
    dict
        ``rule``, ``shares``, ``thresholds``, ``basis``, ``demotion``, ``quantiles``.
    """
    return {k: getattr(value_params, f) for k, f in _TIER_OPTIONS.items()}


def value_section(settings, given: Mapping[str, object], names: Mapping[str, str], where: str):
    """A ``params.value`` section from explicit keywords (``given``, named per ``names`` -> field) over the
    deprecated ``settings`` object over the defaults, validated like a params file."""
    from pydantic import ValidationError

    from ..params import ValueSection

    if settings is not None:
        warnings.warn(f"{where}: passing a settings object is deprecated and will be removed in the next release; "
                      "pass the options as keywords instead (see value.tier_options / value.dynamic_options).",
                      DeprecationWarning, stacklevel=3)
    explicit = {names[k]: v for k, v in given.items() if v is not None}
    if not explicit:
        return settings if settings is not None else ValueSection.model_validate({})
    base = {f: getattr(settings, f) for f in names.values()} if settings is not None else {}
    try:
        return ValueSection.model_validate({**base, **explicit})
    except ValidationError as e:
        bad = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
        raise KamlibError(f"{where}: invalid option ({bad})") from None


def classify_tiers(indicators: pd.DataFrame, scores: pd.Series, settings=None, *,
                   rule: Literal["value", "score", "rule_of_thumb"] | None = None,
                   shares: Sequence[float] | None = None, thresholds: Mapping[str, float] | None = None,
                   basis: str | None = None, demotion: Mapping[str, float] | None = None,
                   quantiles: Sequence[float] | None = None) -> TierResult:
    """Tiers by the workbook's tier rule: the value rule (:func:`value_tiers`), or the scorecard quantiles /
    rule of thumb of :func:`assign_tiers`, as a :class:`TierResult` with reasons and boundaries.

    Omitted options take the ``params.value`` defaults; :func:`tier_options` gives all of them from a
    params section (``classify_tiers(ind, scores, **tier_options(params.value))``).

    Parameters
    ----------
    indicators : DataFrame
        :func:`customer_indicators` output (``active`` and the tier bases).
    scores : Series
        Scorecard score per account (read by the ``score`` and ``rule_of_thumb`` rules).
    settings : ValueSection, optional
        Deprecated: pass the options below as keywords.
    rule : {"value", "score", "rule_of_thumb"}, optional
        Tier rule (``params.value.tier_rule``); default ``value``.
    shares : (float, float), optional
        Cumulative value shares of core and key under the value rule; default (0.30, 0.80).
    thresholds : dict, optional
        Absolute thresholds ``{"core": ..., "key": ...}`` on ``basis`` (value rule) or on the score (score
        rule) instead of shares / quantiles.
    basis : str, optional
        Indicator the absolute thresholds apply to; default ``revenue_last_12m``.
    demotion : dict, optional
        Demotion limits of the value rule (:data:`DEMOTION_DEFAULTS` keys).
    quantiles : (float, float), optional
        Score quantiles of key and core under the score rule; default (0.80, 0.95).

    Returns
    -------
    TierResult
    """
    vs = value_section(settings, {"rule": rule, "shares": shares, "thresholds": thresholds, "basis": basis,
                                  "demotion": demotion, "quantiles": quantiles}, _TIER_OPTIONS, "value.classify_tiers")
    thresholds = None if vs.tier_thresholds is None else {str(k): float(v) for k, v in vs.tier_thresholds.items()}
    if vs.tier_rule == "value":
        return value_tiers(indicators, shares=vs.tier_shares, thresholds=thresholds, basis=vs.tier_basis,
                           demotion=vs.demotion)
    idx = indicators.index
    act = (indicators["active"].fillna(False).astype(bool) if "active" in indicators
           else pd.Series(True, index=idx))
    s = scores.reindex(idx).astype("float64")
    if vs.tier_rule == "score" and thresholds is not None:
        # absolute score thresholds: the same bar in every period
        vt = value_tiers(indicators.assign(score=s), thresholds=thresholds, basis="score",
                         demotion={"shrinking_yoy": -np.inf, "shrinking_trend": -np.inf, "margin_band": np.inf,
                                   "late_share": np.inf})
        return replace(vt, rule="score", reasons=vt.reasons.str.split(";").str[0])
    t = assign_tiers(indicators, s, rule=vs.tier_rule, quantiles=vs.tier_quantiles)
    sa = s[act]
    if vs.tier_rule == "score" and sa.notna().any():
        bounds = pd.DataFrame({"core": [float(sa.quantile(vs.tier_quantiles[1]))],
                               "key": [float(sa.quantile(vs.tier_quantiles[0]))]},
                              index=pd.Index(["score"], name="basis"))
        values = s[act].to_frame("score")
    else:
        bounds = pd.DataFrame(columns=["core", "key"], index=pd.Index([], name="basis"), dtype="float64")
        values = pd.DataFrame(index=sa.index)
    reasons = pd.Series(vs.tier_rule, index=idx, dtype="object").where(act, "inactive").astype("str")
    return TierResult(tiers=t, candidate=t.rename("candidate"), reasons=reasons.rename("tier_reason"),
                      boundaries=bounds, values=values, rule=vs.tier_rule, absolute=False,
                      book_margin=float("nan"), limits={}, warnings=())
