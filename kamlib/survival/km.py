"""Kaplan-Meier curves with confidence bands, medians and the number at risk."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import AnalysisError, KamlibError
from ..i18n import Message, tr
from ._common import CONF_TYPES, ConfType, GroupName, _prep, _significance, _warn


def _km_one(time: np.ndarray, event: np.ndarray, entry: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier with delayed entry: one row per distinct event time.

    ``censored`` counts the subjects censored from this event time up to (not including) the next one, so
    that without late entry ``at_risk[i+1] == at_risk[i] - events[i] - censored[i]`` (R's printed layout).
    """
    ev_times = np.unique(time[event == 1])
    if len(ev_times) == 0:
        return pd.DataFrame({"time": [], "at_risk": [], "events": [], "censored": [], "survival": [],
                             "var_log": []}).astype(float)
    # at risk at t: t <= time, and entry < t for late entrants (entry > 0); an account observed from
    # the start (entry 0) is at risk at t = 0 too, so events at time 0 have a risk set
    st, sen = np.sort(time), np.sort(entry[entry > 0])
    at_risk = (len(time) - np.searchsorted(st, ev_times, side="left")) - \
              (len(sen) - np.searchsorted(sen, ev_times, side="left"))
    te = np.sort(time[event == 1])
    d = np.searchsorted(te, ev_times, side="right") - np.searchsorted(te, ev_times, side="left")
    tc = np.sort(time[event == 0])
    nxt = np.r_[ev_times[1:], np.inf]
    cens = np.searchsorted(tc, nxt, side="left") - np.searchsorted(tc, ev_times, side="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        # every event time has its own event in the risk set, so at_risk >= d >= 1 here
        surv = np.clip(np.cumprod(1.0 - d / np.maximum(at_risk, d)), 0.0, 1.0)
        # Greenwood on the log scale (what R calls std.err for survfit): sum d / (n (n - d))
        var_log = np.cumsum(np.where(at_risk > d, d / (at_risk * (at_risk - d)), np.inf))
    return pd.DataFrame({"time": ev_times, "at_risk": at_risk.astype(int), "events": d.astype(int),
                         "censored": cens.astype(int), "survival": surv, "var_log": var_log})


def _ci(surv: np.ndarray, var_log: np.ndarray, conf_type: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise confidence band of S(t) as in R survfit (conf.type = log-log / log / plain)."""
    z = stats.norm.ppf(1 - alpha / 2)
    se = np.sqrt(var_log)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "log":
            xx = np.where(surv > 0, surv, np.nan)
            lo, hi = np.exp(np.log(xx) - z * se), np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        elif conf_type == "log-log":
            xx = np.where((surv > 0) & (surv < 1), surv, np.nan)
            ll = np.log(-np.log(xx))
            # log(S) < 0, so "+" on the log(-log) scale gives the upper limit
            hi = np.exp(-np.exp(ll + z * se / np.log(xx)))
            lo = np.exp(-np.exp(ll - z * se / np.log(xx)))
        else:  # plain
            lo = np.clip(surv - z * se * surv, 0.0, 1.0)
            hi = np.clip(surv + z * se * surv, 0.0, 1.0)
            lo = np.where(np.isfinite(se), lo, np.nan)
            hi = np.where(np.isfinite(se), hi, np.nan)
    # where the estimate is 1 (no events yet) the band is the point itself
    lo = np.where(surv >= 1, 1.0, lo)
    hi = np.where(surv >= 1, 1.0, hi)
    return lo, hi


def _quantile_time(times: np.ndarray, curve: np.ndarray, p: float = 0.5, tol: float = 1e-8,
                   tmax: float = float("nan")) -> float:
    """First time the step curve is <= p; midpoint of the flat segment when it sits exactly at p (R rule).

    The last flat segment ends at the end of follow-up ``tmax`` (R's curve runs to the last censoring).
    """
    ok = ~np.isnan(curve)
    times, curve = times[ok], curve[ok]
    if len(times) == 0:
        return float("nan")
    keep = np.r_[True, np.abs(np.diff(curve)) > tol]   # times at which the curve changes
    times, curve = times[keep], curve[keep]
    hit = np.flatnonzero(curve <= p + tol)
    if len(hit) == 0:
        return float("nan")
    i = hit[0]
    if abs(curve[i] - p) < tol:
        if i + 1 < len(times):
            return float((times[i] + times[i + 1]) / 2)
        if curve[i] > 0 and np.isfinite(tmax) and tmax > times[i]:
            return float((times[i] + tmax) / 2)
        return float(times[i])
    return float(times[i])


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier estimates per group.

    Attributes
    ----------
    table : DataFrame
        One row per distinct event time per group: ``group, time, at_risk, events, censored, survival,
        std_err`` (standard error of the survival, Greenwood), ``ci_lower, ci_upper``.
    median : DataFrame
        Indexed by group: ``n, events, median, ci_lower, ci_upper, max_time`` (NaN median = not reached;
        NaN ci_upper = the upper confidence limit is not reached either).
    risk_table : DataFrame
        Number at risk per group (rows) at the times in its columns (for the table under a plot).
    """

    table: pd.DataFrame
    median: pd.DataFrame
    risk_table: pd.DataFrame
    conf_type: str = "log-log"
    #: significance level of the bands, ``1 - ci``
    alpha: float = 0.05
    groups: tuple = ()
    warnings: tuple = ()   # kamlib.i18n.Message or text
    notes: tuple = ()   # kamlib.i18n.Message

    @property
    def ci(self) -> float:
        """Confidence level of the bands and the median's interval."""
        return round(1 - self.alpha, 12)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def survival_at(self, times: Sequence[float]) -> pd.DataFrame:
        """Survival (and band) per group at given times, carried forward from the last event time."""
        rows = []
        for g in self.groups:
            tab = self.table[self.table["group"] == g]
            mx = self.median.loc[g, "max_time"]
            for t in times:
                k = np.searchsorted(tab["time"].to_numpy(), t, side="right") - 1
                if t > mx and not (len(tab) and tab["survival"].iloc[-1] <= 0):
                    s = lo = hi = float("nan")   # past the follow-up: unknown, unless everyone is already lost
                elif k < 0:
                    s = lo = hi = 1.0
                else:
                    r = tab.iloc[k]
                    s, lo, hi = r["survival"], r["ci_lower"], r["ci_upper"]
                rows.append({"group": g, "time": float(t), "survival": s, "ci_lower": lo, "ci_upper": hi})
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return self.median.to_html(escape=True, na_rep="—")


def _nice_times(tmax: float, n: int = 6) -> np.ndarray:
    if not np.isfinite(tmax) or tmax <= 0:
        return np.array([0.0])
    raw = tmax / (n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    # durations are in days: use whole years when the span is long
    if tmax >= 730:
        step = 365.25 * max(1, round(step / 365.25))
    return np.arange(0, tmax + 1e-9, step)


def kaplan_meier(durations, events, groups=None, conf_type: ConfType = "log-log", ci: float = 0.95,
                 entry=None, risk_times: Sequence[float] | None = None, *,
                 alpha: float | None = None) -> KaplanMeierResult:
    """Kaplan-Meier survival curves, overall or per group, with confidence bands and medians.

    Parameters
    ----------
    durations : array-like
        Time from the clock start to churn or censoring (e.g. ``duration_days``).
    events : array-like of bool / 0-1
        True / 1 when the account churned at ``durations``.
    groups : array-like, optional
        Group of each account (tier, segment, region ...); one curve per group. ``None``: one curve
        labelled ``"all"``.
    conf_type : {"log-log", "log", "plain"}
        Pointwise confidence band: ``log-log`` (default; never leaves [0, 1]), ``log`` (R survival's
        default) or ``plain`` (linear, clipped). Variances are Greenwood's.
    ci : float
        Confidence level of the bands and of the median's interval (default 0.95).
    entry : array-like, optional
        Late-entry (left-truncation) times: an account is in the risk set only on ``(entry, duration]``.
    risk_times : sequence of float, optional
        Times for the number-at-risk table (default: about six round times over the follow-up).
    alpha : float, optional
        Deprecated: ``1 - ci``. Still accepted for one release, with a DeprecationWarning.

    Returns
    -------
    KaplanMeierResult
        ``.table`` and ``.median`` as documented there. The median and its CI follow R ``survival``: the
        first time the curve (resp. the lower / upper band) is at or below 0.5, the midpoint of a flat
        segment lying exactly at 0.5.

    Notes
    -----
    Empty result rows for a group with no events; its median is NaN ("not reached"), and a warning is
    recorded. Cross-checked against :class:`statsmodels.duration.survfunc.SurvfuncRight` and published R
    output (``tests/data/survival``).
    """
    if conf_type not in CONF_TYPES:
        raise KamlibError(f"conf_type must be one of {', '.join(CONF_TYPES)}, got {conf_type!r}")
    alpha = _significance(ci, alpha, "kaplan_meier")
    df, notes = _prep(durations, events, entry, groups)
    warn: list = []
    for m in notes:
        _warn(m, warn)
    if "group" not in df:
        df["group"] = "all"
    if len(df) == 0:
        raise AnalysisError("kaplan_meier: no usable rows (all durations/events missing). Check the inputs.")
    g_in = pd.Series(groups) if groups is not None else None
    if g_in is not None and isinstance(g_in.dtype, pd.CategoricalDtype):
        order = [c for c in g_in.cat.categories if c in set(df["group"])]
    else:
        order = sorted(df["group"].unique(), key=lambda x: (str(type(x)), x))
    tabs, meds = [], []
    tmax_all = float(df["time"].max())
    rt = np.asarray(risk_times, dtype=float) if risk_times is not None else _nice_times(tmax_all)
    risk_rows = {}
    quiet: list[tuple] = []   # groups without a churn: one warning for all, not a line each
    for g in order:
        sub = df[df["group"] == g]
        tm, ev, en = (sub[c].to_numpy() for c in ("time", "event", "entry"))
        tab = _km_one(tm, ev.astype(int), en)
        lo, hi = _ci(tab["survival"].to_numpy(), tab["var_log"].to_numpy(), conf_type, alpha)
        tab["std_err"] = tab["survival"] * np.sqrt(tab["var_log"])
        tab["ci_lower"], tab["ci_upper"] = lo, hi
        tab.insert(0, "group", g)
        tabs.append(tab.drop(columns="var_log"))
        times, s = tab["time"].to_numpy(), tab["survival"].to_numpy()
        tm_max = float(tm.max())
        med = _quantile_time(times, s, tmax=tm_max)
        meds.append({"group": g, "n": int(len(sub)), "events": int(ev.sum()), "median": med,
                     "ci_lower": _quantile_time(times, lo, tmax=tm_max),
                     "ci_upper": _quantile_time(times, hi, tmax=tm_max),
                     "max_time": float(tm.max())})
        if ev.sum() == 0:
            quiet.append((g, len(sub)))
        risk_rows[g] = [int(((en < t) & (tm >= t)).sum()) if t > 0 else int((tm >= 0).sum() - (en > 0).sum())
                        for t in rt]
    if len(quiet) == 1:
        _warn(Message("survival.w.no_events_group", {"group": GroupName(quiet[0][0]), "n": quiet[0][1]}), warn)
    elif quiet:
        _warn(Message("survival.w.no_events_groups", {"k": len(quiet), "n": sum(n for _, n in quiet),
                                                      "groups": [GroupName(g) for g, _ in quiet]}), warn)
    table = pd.concat(tabs, ignore_index=True) if tabs else pd.DataFrame()
    table = table[["group", "time", "at_risk", "events", "censored", "survival", "std_err", "ci_lower",
                   "ci_upper"]]
    median = pd.DataFrame(meds).set_index("group")
    risk_table = pd.DataFrame(risk_rows, index=rt).T
    risk_table.index.name = "group"
    return KaplanMeierResult(table=table, median=median, risk_table=risk_table, conf_type=conf_type,
                             alpha=alpha, groups=tuple(order), warnings=tuple(warn),
                             notes=tuple(notes))


#: fewest accounts for a group of its own in a by-attribute survival comparison
MIN_GROUP_SIZE = 20


def pool_small_groups(groups: pd.Series, min_size: int = MIN_GROUP_SIZE, lang: str = "zh",
                      other: str | None = None) -> pd.Series:
    """Groups with fewer than ``min_size`` accounts merged into one ``other`` group.

    A curve of a handful of accounts says nothing and a log-rank test over thirty tiny groups has no power;
    pooled, the small groups still count, as one comparison group.

    Parameters
    ----------
    groups : Series
        Group of each account (missing values stay missing).
    min_size : int, default 20
        Fewest accounts a group needs to stay on its own.
    lang : {"zh", "en"}, default "zh"
        Language of the pooled group's name ('其他（不足 20 个客户的 27 组合并）' / 'Other (27 groups of fewer
        than 20 accounts, pooled)').
    other : str, optional
        A name of your own for the pooled group instead.

    Returns
    -------
    Series
        Like ``groups``; unchanged when fewer than two groups are small.

    >>> pool_small_groups(pd.Series(["a"] * 25 + ["b", "c"]), lang="en").value_counts().to_dict()
    {'a': 25, 'Other (2 groups of fewer than 20 accounts, pooled)': 2}
    """
    counts = groups.value_counts()
    small = counts.index[counts < min_size]
    if len(small) < 2:
        return groups
    name = other if other is not None else tr("survival.other_groups", lang, k=len(small), n=min_size)
    return groups.where(~groups.isin(small), name)

