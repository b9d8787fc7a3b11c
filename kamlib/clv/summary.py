"""Order ledger -> per-account RFM summary (the sufficient statistics of BG/NBD and Gamma-Gamma), and a
seeded simulator of ledgers drawn from those models."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AnalysisError, DataError
from ._common import unit_days

SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")


def rfm_summary(orders: pd.DataFrame, as_of, time_unit: str = "W") -> pd.DataFrame:
    """Frequency, recency, age and mean repeat spend of every account that ordered on or before ``as_of``.

    A purchase is an order *day*: several orders of one account on one calendar date count once (their
    revenue adds up), as in Fader, Hardie & Lee's CDNOW data.

    Parameters
    ----------
    orders : DataFrame
        ``customer_id``, ``order_date``, ``revenue``; rows dated after ``as_of`` are ignored.
    as_of : date-like
        End of the observation period (inclusive).
    time_unit : {"D", "W", "M"}
        Unit of ``recency`` and ``T``: days, weeks (days / 7) or months (days / (365.25 / 12)).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``frequency`` (repeat purchase days: distinct order days after the first),
        ``recency`` (first to last order day), ``T`` (first order day to ``as_of``), ``monetary_value`` (mean
        revenue per repeat purchase day, the first day excluded; 0 when frequency is 0). ``attrs`` carry
        ``time_unit`` and ``as_of``.
    """
    days_per_unit = unit_days(time_unit)
    missing = [c for c in ("customer_id", "order_date", "revenue") if c not in orders.columns]
    if missing:
        raise DataError(f"rfm_summary: orders lack column(s) {', '.join(missing)}")
    as_of = pd.Timestamp(as_of).normalize()
    day = orders["order_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    end = np.datetime64(as_of.date(), "D").astype(np.int64)
    keep = day <= end
    if np.isnat(orders["order_date"].to_numpy(dtype="datetime64[ns]")[keep]).any():
        raise DataError("rfm_summary: order_date has missing values")
    codes, ids = pd.factorize(orders["customer_id"].to_numpy()[keep], sort=True)
    if codes.size == 0:
        out = pd.DataFrame({c: np.zeros(0) for c in SUMMARY_COLUMNS}, index=pd.Index(ids, name="customer_id"))
        out.attrs.update(time_unit=time_unit, as_of=as_of)
        return out
    day = day[keep]
    revenue = orders["revenue"].to_numpy(dtype=float)[keep]
    revenue = np.where(np.isnan(revenue), 0.0, revenue)
    order = np.lexsort((day, codes))
    codes, day, revenue = codes[order], day[order], revenue[order]
    # one row per (account, day): the first row of each run of equal (code, day)
    new_day = np.ones(codes.size, dtype=bool)
    new_day[1:] = (codes[1:] != codes[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(new_day)
    day_rev = np.add.reduceat(revenue, starts) if starts.size else revenue[:0]
    day_code, day_day = codes[starts], day[starts]
    n_days = np.bincount(day_code, minlength=len(ids))
    first_pos = np.concatenate([[0], np.cumsum(n_days)[:-1]]).astype(np.int64)
    last_pos = first_pos + n_days - 1
    first, last = day_day[first_pos], day_day[last_pos]
    total = np.bincount(day_code, weights=day_rev, minlength=len(ids))
    frequency = (n_days - 1).astype(float)
    repeat_rev = total - day_rev[first_pos]
    monetary = np.divide(repeat_rev, frequency, out=np.zeros_like(repeat_rev), where=frequency > 0)
    out = pd.DataFrame({"frequency": frequency, "recency": (last - first) / days_per_unit,
                        "T": (end - first) / days_per_unit, "monetary_value": monetary},
                       index=pd.Index(ids, name="customer_id"))
    out.attrs.update(time_unit=time_unit, as_of=as_of)
    return out


def simulate_orders(n: int, bgnbd: dict, gamma_gamma: dict | None = None, T: float | tuple[float, float] = 52.0,
                    as_of="2025-12-31", time_unit: str = "W", random_state: int = 0) -> pd.DataFrame:
    """A ledger drawn from the BG/NBD purchase process and, optionally, Gamma-Gamma spend.

    Each account makes its first purchase at time 0 of its own clock, then buys at Poisson rate
    ``lambda ~ Gamma(r, rate alpha)`` and after every repeat purchase drops out with probability
    ``p ~ Beta(a, b)``. Spend per purchase is ``Gamma(p, rate nu)`` with ``nu ~ Gamma(q, rate v)`` (Fader &
    Hardie's Gamma-Gamma); without ``gamma_gamma`` each purchase is worth 1. ``T`` is each account's
    observation length in ``time_unit`` (a number, or a (low, high) range drawn uniformly: staggered
    acquisition). Purchase times are placed on calendar days ending at ``as_of``.

    Parameters
    ----------
    n : int
        Number of accounts (ids ``C0``, ``C1``... zero-padded), at least 1.
    bgnbd : mapping
        BG/NBD parameters ``r``, ``alpha`` (rate per ``time_unit``), ``a``, ``b``.
    gamma_gamma : mapping, optional
        Gamma-Gamma parameters ``p``, ``q``, ``v``.
    T : float or (float, float)
        Observation length of each account in ``time_unit``, or the range it is drawn from.
    as_of : date-like
        Last calendar day of the observation.
    time_unit : str
        Unit of ``T`` and of the rates (``"D"``, ``"W"`` or ``"M"``).
    random_state : int
        Seed; the same arguments give the same ledger.

    Returns
    -------
    DataFrame
        ``customer_id, order_date, revenue``, one row per purchase.

    Raises
    ------
    AnalysisError
        ``n`` is below 1 or ``time_unit`` is unknown.
    """
    if n < 1:
        raise AnalysisError("simulate_orders: n must be at least 1")
    rng = np.random.default_rng(random_state)
    days_per_unit = unit_days(time_unit)
    r, alpha, a, b = (float(bgnbd[k]) for k in ("r", "alpha", "a", "b"))
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    age = rng.uniform(T[0], T[1], n) if isinstance(T, tuple) else np.full(n, float(T))
    # whole days so that the first purchase falls on a calendar day and T is that day's distance to as_of
    age = np.floor(age * days_per_unit) / days_per_unit
    cust, times = [np.arange(n)], [np.zeros(n)]
    t = np.zeros(n)
    active = np.arange(n)
    while active.size:
        t_next = t[active] + rng.exponential(1.0, active.size) / lam[active]
        bought = t_next <= age[active]
        active = active[bought]
        t[active] = t_next[bought]
        cust.append(active)
        times.append(t[active])
        active = active[rng.random(active.size) >= drop[active]]
    cid = np.concatenate(cust)
    tt = np.concatenate(times)
    if gamma_gamma is not None:
        p, q, v = (float(gamma_gamma[k]) for k in ("p", "q", "v"))
        nu = rng.gamma(q, 1.0 / v, n)
        revenue = rng.gamma(p, 1.0 / nu[cid])
    else:
        revenue = np.ones(cid.size)
    end = pd.Timestamp(as_of).normalize()
    offset_days = np.floor((age[cid] - tt) * days_per_unit).astype(np.int64)
    dates = end.to_datetime64().astype("datetime64[D]") - offset_days.astype("timedelta64[D]")
    width = len(str(n))
    ids = np.char.add("C", np.char.zfill(cid.astype(str), width))
    out = pd.DataFrame({"customer_id": pd.array(ids, dtype="string[pyarrow]"),
                        "order_date": dates.astype("datetime64[ns]"), "revenue": revenue})
    return out.sort_values(["customer_id", "order_date"], ignore_index=True)
