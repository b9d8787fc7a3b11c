"""Interaction counts as time-varying churn covariates: counting-process episodes.

A complaint count taken over an account's whole observed time, up to its churn, looks ahead: complaints
that pile up in the months before a loss are used as if they had been known from the start, so the hazard
ratio mixes cause and symptom and says nothing about when an account could have been flagged. Here the
covariate is what was known at each moment: the number of complaints in the ``window_days`` (365) before
it. Each account's follow-up is split into episodes ``(entry, stop]`` at every date on which that count
changes (a complaint enters the window the day after it, and leaves it ``window_days`` later); only the last
episode of a lost account carries the churn. The Cox partial likelihood with late entry
(:func:`kamlib.survival.cox` with ``entry=``) then uses, at each churn, every account's count as of that
day, which is ``Surv(start, stop, event)`` with a time-dependent covariate in R.

Survey answers enter the same way as states rather than counts (:func:`survey_states`): an account's
satisfaction as of a day is what its answers dated before that day said, so an answer given after a loss
cannot explain it, and an account lost before a survey wave is "not yet surveyed" only while it is at risk,
not for ever.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import KamlibError

#: trailing window of the time-varying counts, in days
WINDOW_DAYS = 365


def _offsets(events: pd.DataFrame, ids: pd.Index, start: pd.Series, date: str) -> tuple[np.ndarray, np.ndarray]:
    """(account position, day offset from the account's clock start) of the events of accounts in ``ids``."""
    keep = _known(events, ids, date)
    pos = ids.get_indexer(events["customer_id"].astype(str))[keep]
    day = pd.to_datetime(events[date]).to_numpy()[keep].astype("datetime64[D]")
    st = start.to_numpy().astype("datetime64[D]")[pos]
    return pos, (day - st).astype("int64").astype(float)


def _known(events: pd.DataFrame, ids: pd.Index, date: str) -> np.ndarray:
    """Rows of ``events`` that :func:`_offsets` keeps (an account of ``ids``, a date)."""
    pos = ids.get_indexer(events["customer_id"].astype(str))
    return (pos >= 0) & events[date].notna().to_numpy(dtype=bool)


def _trailing_counts(pos: np.ndarray, off: np.ndarray, q_pos: np.ndarray, q_at: np.ndarray,
                     window: float) -> np.ndarray:
    """For each query (account, time a): events of that account with offset in ``(a - window, a]``."""
    if len(pos) == 0:
        return np.zeros(len(q_pos))
    span = float(max(np.abs(off).max(), np.abs(q_at).max())) + window + 2.0
    key = np.sort(pos * 2 * span + off)
    base = q_pos * 2 * span
    hi = np.searchsorted(key, base + q_at, side="right")
    lo = np.searchsorted(key, base + q_at - window, side="right")
    return (hi - lo).astype(float)


def _last_values(pos: np.ndarray, off: np.ndarray, val: np.ndarray, q_pos: np.ndarray, q_at: np.ndarray,
                 initial: float) -> np.ndarray:
    """For each query (account, time a): the value of that account's latest record with offset <= a, else
    ``initial``; of records on the same day the last one given wins."""
    out = np.full(len(q_pos), float(initial))
    if len(pos) == 0:
        return out
    span = float(max(np.abs(off).max(), np.abs(q_at).max())) + 2.0
    key = pos * 2 * span + off
    order = np.argsort(key, kind="stable")
    key, val = key[order], val[order]
    at = np.searchsorted(key, q_pos * 2 * span + q_at, side="right") - 1
    hit = at >= 0
    hit[hit] = pos[order][at[hit]] == q_pos[hit]
    out[hit] = val[at[hit]]
    return out


def episodes(data: pd.DataFrame, events: Mapping[str, pd.DataFrame] | None = None, *, since=None,
             states: Mapping[str, pd.DataFrame] | None = None, initial: Mapping[str, float] | None = None,
             start: str = "start_date", duration: str = "duration_days", event: str = "churned",
             entry: str = "entry_days", date: str = "interaction_date", state_date: str = "survey_date",
             window_days: int = WINDOW_DAYS) -> pd.DataFrame:
    """Split each account's follow-up into episodes on which its time-varying covariates are constant.

    Parameters
    ----------
    data : DataFrame
        One row per account (index ``customer_id``): the churn clock of :func:`churn_durations`
        (``start``, ``duration``, ``event``, ``entry`` columns) and any fixed covariates, copied to every
        episode.
    events : mapping of str to DataFrame, optional
        Term name -> its dated interactions (``customer_id`` and ``date`` columns), e.g.
        ``{"complaints_per_year": kamlib.accounts.complaints(ledger)}``. The term's column in the result is
        the number of those interactions in the ``window_days`` before the episode start, i.e. known before
        any churn the episode can end with (an interaction on the churn day itself does not count for it).
    since : date-like, optional
        First date the interaction records cover. Follow-up before it is left out (the counts are unknown
        then: the episodes start at the later of the account's entry and ``since``); in the first
        ``window_days`` after it the window is only partly covered, which understates the counts a little for
        everyone alike. Default: no limit.
    states : mapping of str to DataFrame, optional
        Term name -> dated values of a state (``customer_id``, ``state_date`` and a column named like the
        term), e.g. :func:`survey_states`. The term's column in the result is the value of the account's
        latest record dated before the episode (a record on the churn day does not count for it; of records
        of one day the last wins); before its first record, ``initial[term]``.
    initial : mapping of str to float, optional
        Value of a state before the account's first record (default 0.0; NaN leaves that follow-up out of a
        Cox fit).
    start, duration, event, entry : str
        Columns of ``data``: clock start date, time at risk (days since the start), churn flag, late entry.
    date, state_date : str
        Date columns of the interaction and the state frames.
    window_days : int, default 365
        Length of the trailing window.

    Returns
    -------
    DataFrame
        One row per episode, indexed by ``customer_id`` (repeated), with the columns of ``data``: ``entry``
        and ``duration`` are the episode's start and stop (days since the clock start), ``event`` is True only
        on the last episode of a lost account, each term of ``events`` holds the trailing count and each
        term of ``states`` its value. Fit it with ``cox(..., entry=entry, id="customer_id")``. Accounts
        without follow-up after ``since`` have no episode.
    """
    events, states, initial = events or {}, states or {}, initial or {}
    need = [c for c in (start, duration, event, entry) if c not in data]
    if need:
        raise KamlibError(f"episodes: column(s) {need} not in the data; pass the churn_durations columns")
    if window_days <= 0:
        raise KamlibError(f"episodes: window_days must be a positive number of days, got {window_days!r}")
    bad = [t for t, f in states.items() if t not in f or state_date not in f or "customer_id" not in f]
    if bad:
        raise KamlibError(f"episodes: state frame(s) {bad} need customer_id, {state_date} and a column named "
                          "like the term")
    ids = pd.Index(data.index.astype(str))
    st = pd.to_datetime(data[start])
    lo = data[entry].astype(float).to_numpy().copy()
    hi = data[duration].astype(float).to_numpy()
    if since is not None:
        since_off = (pd.Timestamp(since).normalize() - st).dt.days.astype(float).to_numpy()
        lo = np.fmax(lo, since_off)
    usable = st.notna().to_numpy() & np.isfinite(lo) & np.isfinite(hi) & (hi > lo)
    W = float(window_days)
    acc_parts, cut_parts = [np.flatnonzero(usable)] * 2, [lo[usable], hi[usable]]

    def cut_at(pos: np.ndarray, c: np.ndarray) -> None:
        inside = usable[pos] & (c > lo[pos]) & (c < hi[pos])
        acc_parts.append(pos[inside])
        cut_parts.append(c[inside])

    offs = {}
    for term, ev in events.items():
        pos, off = _offsets(ev, ids, st, date)
        offs[term] = (pos, off)
        for shift in (0.0, W):   # the count changes the day after an event and window_days later
            cut_at(pos, off + shift)
    vals = {}
    for term, fr in states.items():
        pos, off = _offsets(fr, ids, st, state_date)
        v = fr[term].astype(float).to_numpy()[_known(fr, ids, state_date)]
        vals[term] = (pos, off, v)
        cut_at(pos, off)
    cuts = pd.DataFrame({"acc": np.concatenate(acc_parts), "t": np.concatenate(cut_parts)})
    cuts = cuts.drop_duplicates().sort_values(["acc", "t"], kind="stable")
    acc, t = cuts["acc"].to_numpy(), cuts["t"].to_numpy()
    last = np.r_[acc[1:] != acc[:-1], True]
    first = np.r_[True, acc[1:] != acc[:-1]]
    ep_acc = acc[~last]
    ep_start = t[~last]
    ep_stop = t[~first]
    out = data.iloc[ep_acc].copy()
    out[entry] = ep_start
    out[duration] = ep_stop
    is_last = ep_stop >= hi[ep_acc]
    out[event] = data[event].astype(bool).to_numpy()[ep_acc] & is_last
    for term, (pos, off) in offs.items():
        out[term] = _trailing_counts(pos, off, ep_acc, ep_start, W)
    for term, (pos, off, v) in vals.items():
        out[term] = _last_values(pos, off, v, ep_acc, ep_start, initial.get(term, 0.0))
    out.index = pd.Index(ids[ep_acc], name=data.index.name or "customer_id")
    return out


#: overall satisfaction (1-5) below which an account is dissatisfied
DISSATISFIED_BELOW = 3.0


def survey_states(surveys: pd.DataFrame, dissatisfied_below: float = DISSATISFIED_BELOW, overall: str = "overall",
                  date: str = "survey_date") -> pd.DataFrame:
    """An account's satisfaction terms after each day it answered a survey: the states of :func:`episodes`.

    * ``dissatisfied``: 1.0 when the mean ``overall`` of the account's latest wave so far (its answers of
      that wave dated on or before the day) is below ``dissatisfied_below``, else 0.0. The latest wave
      rather than all answers: satisfaction moves, and an account that recovered in the last wave should not
      stay flagged for an old one; the wave mean rather than the last single answer, so that one respondent
      does not outvote the others of the same round.
    * ``not_surveyed``: 0.0 (the account has answered by then; before its first answer the state is 1.0).

    Answers without an ``overall`` score are left out (as in :func:`churn_covariates`, they say nothing
    about satisfaction). On the last record of an account the values equal ``sat_overall_last_wave <
    dissatisfied_below`` of :func:`kamlib.satisfaction.account_satisfaction`, which is what
    :func:`churn_covariates` gives an active account.

    Parameters
    ----------
    surveys : DataFrame
        Canonical ``surveys`` table (``customer_id``, ``date``, ``overall``, optional ``wave``).
    dissatisfied_below : float, default 3.0
        Threshold of the latest wave's mean overall score.
    overall, date : str
        Columns of the overall score (1-5) and of the answer date.

    Returns
    -------
    DataFrame
        One row per account and answer day: ``customer_id``, ``date``, ``dissatisfied``, ``not_surveyed``.
    """
    from ..satisfaction import wave_labels  # satisfaction defines the waves (year-half when unlabelled)

    need = [c for c in ("customer_id", date, overall) if c not in surveys]
    if need:
        raise KamlibError(f"survey_states: column(s) {need} not in the surveys table")
    s = pd.DataFrame({"customer_id": surveys["customer_id"].astype("string"),
                      date: pd.to_datetime(surveys[date]).dt.normalize(),
                      "_o": pd.to_numeric(surveys[overall], errors="coerce").astype("float64"),
                      "_w": wave_labels(surveys).astype("string").fillna("")})
    s = s[s["customer_id"].notna() & s[date].notna() & s["_o"].notna()]
    s = s.sort_values(["customer_id", date], kind="stable")
    g = s.groupby(["customer_id", "_w"], sort=False)["_o"]
    mean = g.cumsum() / (g.cumcount() + 1)   # the wave's mean over its answers so far
    out = s[["customer_id", date]].assign(dissatisfied=(mean < float(dissatisfied_below)).astype("float64"),
                                          not_surveyed=0.0)
    # one row per account and day: the state after all of that day's answers
    out = out.drop_duplicates(["customer_id", date], keep="last")
    return out.reset_index(drop=True)
