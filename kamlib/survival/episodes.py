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
    cid = events["customer_id"].astype(str)
    pos = ids.get_indexer(cid)
    keep = (pos >= 0) & events[date].notna().to_numpy(dtype=bool)
    pos = pos[keep]
    day = pd.to_datetime(events[date]).to_numpy()[keep].astype("datetime64[D]")
    st = start.to_numpy().astype("datetime64[D]")[pos]
    return pos, (day - st).astype("int64").astype(float)


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


def episodes(data: pd.DataFrame, events: Mapping[str, pd.DataFrame], *, since=None, start: str = "start_date",
             duration: str = "duration_days", event: str = "churned", entry: str = "entry_days",
             date: str = "interaction_date", window_days: int = WINDOW_DAYS) -> pd.DataFrame:
    """Split each account's follow-up into episodes on which its trailing interaction counts are constant.

    Parameters
    ----------
    data : DataFrame
        One row per account (index ``customer_id``): the churn clock of :func:`churn_durations`
        (``start``, ``duration``, ``event``, ``entry`` columns) and any fixed covariates, copied to every
        episode.
    events : mapping of str to DataFrame
        Term name -> its dated interactions (``customer_id`` and ``date`` columns), e.g.
        ``{"complaints_per_year": kamlib.accounts.complaints(ledger)}``. The term's column in the result is
        the number of those interactions in the ``window_days`` before the episode start, i.e. known before
        any churn the episode can end with (an interaction on the churn day itself does not count for it).
    since : date-like, optional
        First date the interaction records cover. Follow-up before it is left out (the counts are unknown
        then: the episodes start at the later of the account's entry and ``since``); in the first
        ``window_days`` after it the window is only partly covered, which understates the counts a little for
        everyone alike. Default: no limit.
    start, duration, event, entry : str
        Columns of ``data``: clock start date, time at risk (days since the start), churn flag, late entry.
    date : str
        Date column of the interaction frames.
    window_days : int, default 365
        Length of the trailing window.

    Returns
    -------
    DataFrame
        One row per episode, indexed by ``customer_id`` (repeated), with the columns of ``data``: ``entry``
        and ``duration`` are the episode's start and stop (days since the clock start), ``event`` is True only
        on the last episode of a lost account, and each term of ``events`` holds the trailing count. Fit it
        with ``cox(..., entry=entry, id="customer_id")``. Accounts without follow-up after ``since`` have no
        episode.
    """
    need = [c for c in (start, duration, event, entry) if c not in data]
    if need:
        raise KamlibError(f"episodes: column(s) {need} not in the data; pass the churn_durations columns")
    if window_days <= 0:
        raise KamlibError(f"episodes: window_days must be a positive number of days, got {window_days!r}")
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
    offs = {}
    for term, ev in events.items():
        pos, off = _offsets(ev, ids, st, date)
        offs[term] = (pos, off)
        for shift in (0.0, W):   # the count changes the day after an event and window_days later
            c = off + shift
            inside = usable[pos] & (c > lo[pos]) & (c < hi[pos])
            acc_parts.append(pos[inside])
            cut_parts.append(c[inside])
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
    out.index = pd.Index(ids[ep_acc], name=data.index.name or "customer_id")
    return out

