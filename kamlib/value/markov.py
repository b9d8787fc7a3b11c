"""Markov view of dynamic identification: tier mix forecast n periods ahead ("lost" absorbing) and its
one-period backtest."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..i18n import Message
from .catalog import TIERS

STATES = (*TIERS, "lost")


@dataclass(frozen=True, eq=False)
class TierForecast:
    """Tier mix forecast from the period-to-period tier transitions.

    Attributes
    ----------
    dates : tuple of Timestamp
        The period ends whose tiers were compared (oldest first).
    transition : DataFrame
        Pooled transition probabilities, rows core/key/ordinary/lost (lost is absorbing), columns the same.
    inflow : Series
        New accounts per period and tier (mean over the observed transitions), added every period.
    forecast : DataFrame
        Rows 0 (now) .. n periods ahead, columns core/key/ordinary (accounts) and lost (accounts lost since
        now, cumulative).
    backtest : DataFrame or None
        Transitions fitted up to one period back, applied to the previous period's tiers, against this
        period's actual mix: rows core/key/ordinary/lost, columns forecast, actual, error (forecast - actual).
        None with fewer than three period ends.
    """

    dates: tuple[pd.Timestamp, ...]
    transition: pd.DataFrame
    inflow: pd.Series
    forecast: pd.DataFrame
    backtest: pd.DataFrame | None
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def to_frame(self) -> pd.DataFrame:
        return self.forecast

    def _repr_html_(self) -> str:
        return self.forecast.to_html()


def _counts(pairs: Sequence[tuple[pd.Series, pd.Series]]) -> tuple[pd.DataFrame, pd.Series]:
    from .dynamic import tier_migration

    counts = pd.DataFrame(0.0, index=list(TIERS), columns=list(STATES))
    inflow = pd.Series(0.0, index=list(TIERS))
    for prev, cur in pairs:
        m = tier_migration(prev, cur)
        counts += m.reindex(index=list(TIERS), columns=list(STATES), fill_value=0).astype("float64")
        inflow += m.reindex(columns=list(TIERS), fill_value=0).loc["new"].astype("float64")
    return counts, inflow / max(len(pairs), 1)


def _transition(counts: pd.DataFrame) -> pd.DataFrame:
    rows = counts.sum(axis=1)
    T = counts.div(rows.replace(0, np.nan), axis=0)
    for t in TIERS:
        if rows[t] == 0:   # a tier nobody was in: assume it keeps its accounts
            T.loc[t] = 0.0
            T.loc[t, t] = 1.0
    T.loc["lost"] = 0.0
    T.loc["lost", "lost"] = 1.0
    T.index.name, T.columns.name = "from", "to"
    return T


def _step(state: pd.Series, T: pd.DataFrame, inflow: pd.Series) -> pd.Series:
    nxt = state.reindex(list(STATES)).fillna(0.0) @ T
    return nxt + inflow.reindex(list(STATES)).fillna(0.0)


def _mix(tiers: pd.Series) -> pd.Series:
    return tiers.dropna().astype("str").value_counts().reindex(list(STATES), fill_value=0).astype("float64")


def markov_forecast(history: Sequence[tuple[object, pd.Series]], n_periods: int = 4) -> TierForecast:
    """Forecast the tier mix ``n_periods`` ahead and backtest it one period back.

    Parameters
    ----------
    history : sequence of (period end, tiers)
        Tiers of the accounts active at each period end, oldest first, at least two periods (e.g. from
        :func:`dynamic_identification`, which computes them with the same rule and thresholds).
    n_periods : int
        Periods ahead.

    Notes
    -----
    States core / key / ordinary / lost; an account absent at the next period end is lost, and lost is
    absorbing (a returning account counts as new). Transition probabilities are pooled over all observed
    period pairs; new accounts arrive at the mean observed rate per tier. The backtest refits on the pairs
    before the last one and forecasts the last period end from the one before it.
    """
    if len(history) < 2:
        raise AnalysisError("markov_forecast: needs the tiers of at least two period ends")
    if n_periods < 1:
        raise AnalysisError(f"markov_forecast: n_periods must be >= 1, got {n_periods}")
    dates = tuple(pd.Timestamp(d) for d, _ in history)
    tiers = [t for _, t in history]
    pairs = list(zip(tiers[:-1], tiers[1:], strict=True))
    notes: list[Message] = []
    counts, inflow = _counts(pairs)
    T = _transition(counts)
    state = _mix(tiers[-1])
    state["lost"] = 0.0
    rows = [state]
    for _ in range(n_periods):
        rows.append(_step(rows[-1], T, inflow))
    fc = pd.DataFrame(rows, index=pd.RangeIndex(0, n_periods + 1, name="period"))[list(STATES)]
    backtest = None
    if len(pairs) >= 2:
        c0, i0 = _counts(pairs[:-1])
        start = _mix(tiers[-2])
        start["lost"] = 0.0
        pred = _step(start, _transition(c0), i0)
        actual = _mix(tiers[-1])
        actual["lost"] = float(len(set(tiers[-2].dropna().index) - set(tiers[-1].dropna().index)))
        backtest = pd.DataFrame({"forecast": pred, "actual": actual})
        backtest["error"] = backtest["forecast"] - backtest["actual"]
        backtest.index.name = "tier"
    else:
        notes.append(Message("value.w.no_backtest"))
    if int(counts.to_numpy().sum()) < 30:
        notes.append(Message("value.w.few_transitions", {"n": int(counts.to_numpy().sum())}))
    return TierForecast(dates=dates, transition=T, inflow=inflow, forecast=fc, backtest=backtest,
                        warnings=tuple(notes))
