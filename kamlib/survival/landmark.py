"""Groups taken before churn: tiers as of a landmark date, and the landmark risk set.

Tiers assigned at the period end describe what an account became, churn included: an account that left
early bought little and lands in the lowest tier, so "core accounts never churn" by construction (reverse
causation). The churn report therefore compares groups measured at a **landmark date** L: only accounts
already started and not yet lost at L take part, each with the tier computed from the ledger up to L, and
they enter the risk set at L (late entry), so that everything after L is outcome and nothing after L
decides the group.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import KamlibError, KamlibWarning


def landmark_date(churn: pd.DataFrame, landmark=None) -> pd.Timestamp:
    """The landmark date of the group comparisons.

    ``landmark`` when given (``params.survival.landmark_date``); otherwise one year after the window start,
    but no later than halfway between the window start and the last date at which a loss can still be seen
    (the period end, less the inactivity threshold for non-contractual churn), so that losses after the
    landmark are observable.

    Parameters
    ----------
    churn : DataFrame
        :func:`churn_durations` output (its ``attrs``: ``as_of``, ``window_start``, ``definition``,
        ``inactivity_days``).
    landmark : date-like, optional
        An explicit landmark date.

    Returns
    -------
    Timestamp

    Examples
    --------
    >>> import pandas as pd
    >>> churn = pd.DataFrame()
    >>> churn.attrs.update(as_of="2025-12-31", window_start="2023-01-01", definition="contractual")
    >>> landmark_date(churn)
    Timestamp('2024-01-01 00:00:00')
    >>> churn.attrs.update(as_of="2024-06-30", definition="inactivity", inactivity_days=180)
    >>> landmark_date(churn)   # halfway to the last date a loss can be seen
    Timestamp('2023-07-03 00:00:00')
    """
    if landmark is not None:
        return pd.Timestamp(landmark).normalize()
    ws = pd.Timestamp(churn.attrs["window_start"])
    as_of = pd.Timestamp(churn.attrs["as_of"])
    last_seen = as_of
    if churn.attrs.get("definition") == "inactivity":
        last_seen = as_of - pd.Timedelta(days=int(churn.attrs.get("inactivity_days", 0)))
    half = ws + (last_seen - ws) / 2 if last_seen > ws else ws
    return min(ws + pd.Timedelta(days=365), half).normalize()


def tiers_as_of(ledger, when, value_params=None, *, growth_periods: int | None = None,
                scorecard_method: Literal["entropy", "manual"] | None = None,
                scorecard_weights: Mapping[str, float] | None = None, indicators: Sequence[str] | None = None,
                rule: Literal["value", "score", "rule_of_thumb"] | None = None,
                quantiles: Sequence[float] | None = None) -> pd.Series:
    """Each account's tier computed from the ledger up to ``when`` (the value workbook's scorecard and rule).

    Parameters
    ----------
    ledger : Ledger
    when : date-like
        The landmark date.
    value_params : ValueSection, optional
        Deprecated: pass the options below as keywords (the ``params.value`` fields of the same meaning).
    growth_periods, scorecard_method, scorecard_weights, indicators : optional
        ``params.value.growth_periods``, ``scorecard_method``, ``weights``, ``indicators``.
    rule, quantiles : optional
        ``params.value.tier_rule`` and ``tier_quantiles``.

    Returns
    -------
    Series
        ``tier_at_landmark`` per account; NaN for accounts without an order by ``when``.
    """
    from .. import value
    from ..value.tiers import value_section

    names = {"growth_periods": "growth_periods", "scorecard_method": "scorecard_method",
             "scorecard_weights": "weights", "indicators": "indicators", "rule": "tier_rule",
             "quantiles": "tier_quantiles"}
    vs = value_section(value_params, {"growth_periods": growth_periods, "scorecard_method": scorecard_method,
                                      "scorecard_weights": scorecard_weights, "indicators": indicators,
                                      "rule": rule, "quantiles": quantiles}, names, "survival.tiers_as_of")
    when = pd.Timestamp(when)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KamlibWarning)   # a thin early book warns; the report notes the landmark
        ind = value.customer_indicators(ledger, when, growth_periods=vs.growth_periods)
        sc = value.scorecard(ind, weights=vs.weights, method=vs.scorecard_method, indicators_used=vs.indicators)
        tier = value.assign_tiers(ind, sc.scores, rule=vs.tier_rule, quantiles=vs.tier_quantiles)
    ordered = ind["order_count"] > 0 if "order_count" in ind else pd.Series(True, index=ind.index)
    return tier.where(ordered).rename("tier_at_landmark")


def landmark_frame(churn: pd.DataFrame, groups: pd.Series, landmark) -> pd.DataFrame:
    """The accounts at risk at ``landmark`` with their group as of then, entering the risk set at it.

    Parameters
    ----------
    churn : DataFrame
        :func:`churn_durations` output.
    groups : Series
        Group of each account as of the landmark (e.g. :func:`tiers_as_of`).
    landmark : date-like

    Returns
    -------
    DataFrame
        ``duration_days``, ``churned``, ``entry_days`` (the later of the account's own entry and the
        landmark, in days since its clock start) and ``group``, for accounts started on or before the landmark
        and not lost by then; ``attrs["landmark"]`` holds the date and ``attrs["excluded"]`` how many accounts
        were left out (started after, or lost before, the landmark). Accounts at risk but without a group get
        ``None`` as group.
    """
    if not {"start_date", "end_date", "duration_days", "churned", "entry_days"} <= set(churn.columns):
        raise KamlibError("landmark_frame needs the output of churn_durations")
    L = pd.Timestamp(landmark).normalize()
    start = pd.to_datetime(churn["start_date"])
    end = pd.to_datetime(churn["end_date"])
    at_risk = (start <= L) & (end > L)
    sub = churn[at_risk]
    since = (L - start[at_risk]).dt.days.astype("float64")
    out = pd.DataFrame({"duration_days": sub["duration_days"].astype(float),
                        "churned": sub["churned"].astype(bool),
                        "entry_days": np.maximum(sub["entry_days"].astype(float), since),
                        "group": groups.reindex(sub.index).astype(object).where(lambda s: s.notna(), None)},
                       index=sub.index)
    out.attrs.update({"landmark": str(L.date()), "excluded": int((~at_risk).sum()), "accounts": int(len(churn))})
    return out


def active_flags(churn: pd.DataFrame, index: pd.Index) -> pd.Series:
    """``active`` for every account of ``index``: on the churn clock and not churned (one definition).

    Accounts without a churn clock (no order and no contract start) are not active.

    Parameters
    ----------
    churn : DataFrame
        :func:`churn_durations` output (``churned``).
    index : Index
        The accounts to flag (e.g. the customer frame's index).

    Returns
    -------
    Series of bool
        Named ``active``, indexed by ``index``.

    Examples
    --------
    >>> import pandas as pd
    >>> churn = pd.DataFrame({"churned": [False, True]}, index=["C1", "C2"])
    >>> active_flags(churn, pd.Index(["C1", "C2", "C3"])).tolist()
    [True, False, False]
    """
    ch = churn["churned"].reindex(index)
    return (ch.notna() & ~ch.fillna(True).astype(bool)).astype(bool).rename("active")
