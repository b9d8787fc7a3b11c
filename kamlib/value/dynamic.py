"""Dynamic identification: tiers compared with the previous period, migration and the implied next mix."""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import AnalysisError, KamlibWarning, StatisticalWarning
from ..i18n import Message, unique_messages
from ..ledger import Ledger
from .catalog import TIERS
from .indicators import customer_indicators
from .markov import TierForecast, markov_forecast
from .ranking import order_desc
from .scoring import scorecard
from .tiers import _TIER_OPTIONS, classify_tiers, tier_options, value_section


def tier_migration(previous: pd.Series, current: pd.Series) -> pd.DataFrame:
    """Transition counts between two periods' tiers.

    Rows = previous tier (core, key, ordinary, then "new" for accounts absent before), columns = current
    tier (core, key, ordinary, then "lost" for accounts absent now). Missing tiers (NaN) count as absent.

    Parameters
    ----------
    previous, current : Series
        Tier per account (index ``customer_id``, compared as text) at the two period ends.

    Returns
    -------
    DataFrame of int
        Index ``previous``, columns ``current``; other tier values come after the three tiers.
    """
    prev = previous.dropna().astype("str")
    cur = current.dropna().astype("str")
    prev.index = prev.index.astype("str")
    cur.index = cur.index.astype("str")
    ids = prev.index.union(cur.index)
    p = prev.reindex(ids).fillna("new")
    c = cur.reindex(ids).fillna("lost")
    rows = list(TIERS) + sorted(set(p) - set(TIERS) - {"new"}) + ["new"]
    cols = list(TIERS) + sorted(set(c) - set(TIERS) - {"lost"}) + ["lost"]
    m = pd.crosstab(p, c).reindex(index=rows, columns=cols, fill_value=0).astype("int64")
    m.index.name, m.columns.name = "previous", "current"
    return m


@dataclass(frozen=True, eq=False)
class DynamicResult:
    """Comparison of tiers with the previous period.

    Attributes
    ----------
    previous_as_of, as_of : Timestamp
    previous, current : Series
        Tier per active account at each date.
    matrix : DataFrame
        :func:`tier_migration` counts.
    transition : DataFrame
        Row-normalised probabilities over current tiers + lost, for previous core/key/ordinary.
    new_key : DataFrame
        Accounts core/key now that were not core/key before (incl. new accounts).
    lost_key : DataFrame
        Accounts core/key before that are now ordinary or lost.
    implied_mix : DataFrame
        Current counts and the Markov-implied next-period counts per tier (same transition
        probabilities, same inflow of new accounts as this period).
    """

    previous_as_of: pd.Timestamp
    as_of: pd.Timestamp
    previous: pd.Series
    current: pd.Series
    matrix: pd.DataFrame
    transition: pd.DataFrame
    new_key: pd.DataFrame
    lost_key: pd.DataFrame
    implied_mix: pd.DataFrame
    warnings: tuple = ()   # kamlib.i18n.Message (or text)
    forecast: TierForecast | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.matrix

    def _repr_html_(self) -> str:
        return self.matrix.to_html()


#: dynamic_identification's own options -> ``params.value`` fields (besides the tier options)
_DYNAMIC_OPTIONS = {"period": "period", "growth_periods": "growth_periods", "forecast_periods": "forecast_periods",
                    "scorecard_method": "scorecard_method", "scorecard_weights": "weights", "indicators": "indicators"}


def dynamic_options(value_params) -> dict:
    """The :func:`dynamic_identification` options of a ``params.value`` section: :func:`tier_options` plus
    ``period``, ``growth_periods``, ``forecast_periods``, ``scorecard_method``, ``scorecard_weights`` and
    ``indicators`` (``dynamic_identification(ledger, as_of, **dynamic_options(params.value))``).

    Parameters
    ----------
    value_params : ValueParams
        The ``value`` section of the params file.

    Returns
    -------
    dict
        Keyword arguments of :func:`dynamic_identification`.
    """
    return {**tier_options(value_params), **{k: getattr(value_params, f) for k, f in _DYNAMIC_OPTIONS.items()}}


def dynamic_identification(ledger: Ledger, as_of, settings=None, *, current_tiers: pd.Series | None = None,
                           weights: Mapping[str, float] | None = None, inactive_days: int = 365,
                           max_list: int = 50, current_indicators: pd.DataFrame | None = None,
                           history_periods: int = 3,
                           period: Literal["month", "quarter", "year"] | None = None,
                           growth_periods: int | None = None, forecast_periods: int | None = None,
                           scorecard_method: Literal["entropy", "manual"] | None = None,
                           scorecard_weights: Mapping[str, float] | None = None,
                           indicators: Sequence[str] | None = None,
                           rule: Literal["value", "score", "rule_of_thumb"] | None = None,
                           shares: Sequence[float] | None = None, thresholds: Mapping[str, float] | None = None,
                           basis: str | None = None, demotion: Mapping[str, float] | None = None,
                           quantiles: Sequence[float] | None = None) -> DynamicResult:
    """Compare this period's tiers with the previous period's (``as_of`` minus one ``period``).

    Omitted options take the ``params.value`` defaults; :func:`dynamic_options` gives all of them from a
    params section.

    Parameters
    ----------
    ledger : Ledger
    as_of : date-like
        Current period end.
    settings : ValueSection, optional
        Deprecated: pass the options below (``**dynamic_options(params.value)``) as keywords.
    current_tiers : Series, optional
        This period's tiers (e.g. ``wb.customers["tier"]``) to stay consistent with the workbook; computed
        when omitted.
    weights : mapping, optional
        Scorecard weights used at *both* dates (e.g. ``wb.scorecard.weights``) so that a tier change
        reflects the account, not re-estimated weights. Default: estimate per ``settings``, then reuse.
    inactive_days : int
        Without ``customers.churn_date``, an account counts as lost after this many days without orders.
    current_indicators : DataFrame, optional
        :func:`customer_indicators` of ``ledger`` at ``as_of`` with the same ``growth_periods`` and
        ``inactive_days``, when the caller has them already (the workbook does): saves computing them again.
    history_periods : int
        Period-to-period transitions for the Markov forecast and its backtest (tiers at ``history_periods``
        + 1 period ends, fewer when the ledger does not reach back).

    period, growth_periods, forecast_periods : optional
        ``params.value`` period length, quarters of the growth slope, periods of the Markov forecast.
    scorecard_method, scorecard_weights, indicators : optional
        How scores are estimated when ``weights`` is not given (``params.value.scorecard_method``,
        ``weights`` and ``indicators``).
    rule, shares, thresholds, basis, demotion, quantiles : optional
        The :func:`classify_tiers` options (``rule``, ``shares``, ``thresholds``, ``basis``, ``demotion``,
        ``quantiles``).

    Tiers at every date follow the same options (with ``thresholds`` the same absolute thresholds).
    """
    names = {**_DYNAMIC_OPTIONS, **_TIER_OPTIONS}
    given = {"period": period, "growth_periods": growth_periods, "forecast_periods": forecast_periods,
             "scorecard_method": scorecard_method, "scorecard_weights": scorecard_weights, "indicators": indicators,
             "rule": rule, "shares": shares, "thresholds": thresholds, "basis": basis, "demotion": demotion,
             "quantiles": quantiles}
    vs = value_section(settings, given, names, "value.dynamic_identification")
    as_of = pd.Timestamp(as_of).normalize()
    months = {"month": 1, "quarter": 3, "year": 12}[vs.period]
    prev_as_of = (as_of - pd.DateOffset(months=months)).normalize()
    notes: list[Message | str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # indicator warnings were already reported for the current period
        cur_ind = (current_indicators if current_indicators is not None else
                   customer_indicators(ledger, as_of, growth_periods=vs.growth_periods, inactive_days=inactive_days))
        prev_ind = customer_indicators(ledger, prev_as_of, growth_periods=vs.growth_periods,
                                       inactive_days=inactive_days)
    cur_act = cur_ind.index[cur_ind["active"]]
    prev_act = prev_ind.index[prev_ind["active"]]
    if len(prev_act) == 0:
        raise AnalysisError(Message("value.w.no_previous", {"date": str(prev_as_of.date())}))

    def tiers_at(ind: pd.DataFrame, act: pd.Index, w) -> tuple[pd.Series, pd.Series]:
        # scored exactly as the workbook does (all accounts, tiers among the active ones), then restricted
        # to the active accounts: inactive ones are "new" / "lost" in the migration, not "ordinary"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if vs.tier_rule == "value":   # the value rule reads no score
                scores, sw = pd.Series(np.nan, index=ind.index), w
            elif w is None:
                sc = scorecard(ind, weights=vs.weights, method=vs.scorecard_method, indicators_used=vs.indicators)
                scores, sw = sc.scores, sc.weights
            else:
                sc = scorecard(ind, weights=dict(w), method="manual", indicators_used=list(w.keys()))
                scores, sw = sc.scores, sc.weights
            t = classify_tiers(ind, scores, **tier_options(vs)).tiers
        # keyed messages stay keyed, so the report shows them in its own language
        notes.extend(c.message.note if isinstance(c.message, KamlibWarning) else str(c.message)
                     for c in caught if issubclass(c.category, StatisticalWarning))
        return t.reindex(act), sw

    if current_tiers is not None:
        cur = current_tiers.reindex(cur_act)
        if weights is None and vs.scorecard_method == "entropy":
            _, weights = tiers_at(cur_ind, cur_act, None)
    else:
        cur, w_est = tiers_at(cur_ind, cur_act, weights)
        weights = weights if weights is not None else w_est
    prev, _ = tiers_at(prev_ind, prev_act, weights)

    history = [(prev_as_of, prev), (as_of, cur)]
    for k in range(2, history_periods + 1):
        d = (as_of - pd.DateOffset(months=months * k)).normalize()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ind_k = customer_indicators(ledger, d, growth_periods=vs.growth_periods, inactive_days=inactive_days)
        act_k = ind_k.index[ind_k["active"]]
        if len(act_k) == 0:
            break
        history.insert(0, (d, tiers_at(ind_k, act_k, weights)[0]))
    forecast = markov_forecast(history, vs.forecast_periods)
    notes.extend(forecast.warnings)

    m = tier_migration(prev, cur)
    core_rows = m.loc[list(TIERS)]
    trans = core_rows.div(core_rows.sum(axis=1).replace(0, np.nan), axis=0)
    trans = trans.drop(columns=[c for c in trans.columns if c not in list(TIERS) + ["lost"]])

    keyish = {"core", "key"}
    was = prev.isin(keyish).reindex(prev.index.union(cur.index), fill_value=False)
    now = cur.isin(keyish).reindex(was.index, fill_value=False)
    cols = [c for c in ("name", "region", "business_unit", "industry", "revenue", "revenue_growth") if c in cur_ind]
    new_ids = was.index[now & ~was]
    lost_ids = was.index[was & ~now]
    new_key = cur_ind.loc[new_ids, cols].assign(previous=prev.reindex(new_ids).fillna("new").to_numpy(),
                                               current=cur.reindex(new_ids).to_numpy())
    lost_key = cur_ind.loc[lost_ids, cols].assign(previous=prev.reindex(lost_ids).to_numpy(),
                                                 current=cur.reindex(lost_ids).fillna("lost").to_numpy())
    new_key = new_key.loc[order_desc(new_key["revenue"]).index] if len(new_key) else new_key
    lost_key = lost_key.loc[order_desc(lost_key["revenue"]).index] if len(lost_key) else lost_key

    # Markov: next = current counts @ transition (+ this period's inflow of new accounts, held constant)
    cur_counts = cur.value_counts().reindex(list(TIERS), fill_value=0).astype("float64")
    T = trans.reindex(columns=list(TIERS) + ["lost"]).fillna(0.0)
    rows_missing = [t for t in TIERS if core_rows.loc[t].sum() == 0 and cur_counts[t] > 0]
    if rows_missing:
        notes.append(Message("value.w.tiers_unobserved", {"tiers": [Message(f"i18n.{t}") for t in rows_missing]}))
        for t in rows_missing:
            T.loc[t] = 0.0
            T.loc[t, t] = 1.0
    nxt = cur_counts @ T
    inflow = m.loc["new", list(TIERS)].astype("float64")
    nxt_tiers = nxt[list(TIERS)] + inflow
    mix = pd.DataFrame({"current": cur_counts, "next": nxt_tiers})
    mix["current_share"] = mix["current"] / mix["current"].sum()
    mix["next_share"] = mix["next"] / mix["next"].sum()
    mix.loc["lost"] = [np.nan, float(nxt["lost"]), np.nan, np.nan]
    mix.index.name = "tier"
    if len(prev_act) < 30:
        notes.append(Message("value.w.few_previous", {"n": len(prev_act)}))
    return DynamicResult(previous_as_of=prev_as_of, as_of=as_of, previous=prev, current=cur, matrix=m,
                         transition=trans, new_key=new_key.head(max_list) if max_list else new_key,
                         lost_key=lost_key.head(max_list) if max_list else lost_key, implied_mix=mix,
                         warnings=unique_messages(notes), forecast=forecast)


