"""Log-rank (Mantel-Haenszel) test of equal survival across groups, optionally stratified."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .. import fmt
from ..i18n import Message
from ._common import _prep, _warn


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """Log-rank test of equal survival across groups (stratified when ``strata`` is given).

    ``table``: per group ``n, observed, expected, o_e_ratio`` (observed / expected churn).
    """

    statistic: float
    df: int
    pvalue: float
    table: pd.DataFrame
    stratified: bool = False
    warnings: tuple = ()   # kamlib.i18n.Message or text

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return (f"<p>log-rank χ² = {self.statistic:.3f}, df = {self.df}, p = {fmt.pvalue(self.pvalue)}</p>"
                + self.table.to_html(escape=True))


def logrank(durations, events, groups, strata=None, entry=None) -> LogrankResult:
    """Log-rank (Mantel-Haenszel) test that all groups share one survival curve.

    Parameters
    ----------
    durations, events : array-like
        As for :func:`kaplan_meier`.
    groups : array-like
        Group of each account (two or more groups).
    strata : array-like, optional
        Stratified test: observed - expected and its variance are summed over strata (R ``survdiff`` with
        ``strata()``).
    entry : array-like, optional
        Late-entry times.

    Returns
    -------
    LogrankResult
        ``.statistic`` (chi-square), ``.df`` (groups - 1), ``.pvalue``, ``.table`` (observed / expected).
        With a single group the test is undefined: NaN statistic and p-value, ``df`` 0, and a warning.
    """
    df, notes = _prep(durations, events, entry, groups, strata)
    warn: list = []
    for m in notes:
        _warn(m, warn)
    if "stratum" not in df:
        df["stratum"] = 0
    levels = sorted(df["group"].unique(), key=lambda x: (str(type(x)), x))
    k = len(levels)
    gi = pd.Categorical(df["group"], categories=levels).codes
    obs = np.zeros(k)
    E = np.zeros(k)
    V = np.zeros((k, k))
    for _, sub in df.groupby("stratum", sort=False):
        idx = sub.index.to_numpy()
        tm, ev, en, g = df.loc[idx, "time"].to_numpy(), df.loc[idx, "event"].to_numpy(), \
            df.loc[idx, "entry"].to_numpy(), gi[idx]
        ut = np.unique(tm[ev == 1])
        if len(ut) == 0:
            continue
        # at risk per group and time: entry < t <= time
        nrisk = np.zeros((len(ut), k))
        dg = np.zeros((len(ut), k))
        for j in range(k):
            tj, ej, enj = np.sort(tm[g == j]), tm[(g == j) & (ev == 1)], np.sort(en[g == j])
            nrisk[:, j] = (len(tj) - np.searchsorted(tj, ut, side="left")) - \
                          (len(enj) - np.searchsorted(enj, ut, side="left"))
            te = np.sort(ej)
            dg[:, j] = np.searchsorted(te, ut, side="right") - np.searchsorted(te, ut, side="left")
        n = nrisk.sum(1)
        d = dg.sum(1)
        ok = n > 0
        nrisk, dg, n, d = nrisk[ok], dg[ok], n[ok], d[ok]
        obs += dg.sum(0)
        E += (nrisk * (d / n)[:, None]).sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(n > 1, d * (n - d) / (n * n * (n - 1)), 0.0)
        V += np.einsum("t,ti,tj->ij", c, nrisk, -nrisk) + np.diag((c * n * nrisk.T).sum(1))
    counts = pd.Series(gi).value_counts().reindex(range(k), fill_value=0).to_numpy()
    table = pd.DataFrame({"n": counts, "observed": obs, "expected": E}, index=pd.Index(levels, name="group"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["o_e_ratio"] = table["observed"] / table["expected"]
    if k < 2:
        _warn(Message("survival.w.logrank_one_group"), warn)
        return LogrankResult(float("nan"), 0, float("nan"), table, strata is not None, tuple(warn))
    if obs.sum() == 0:
        _warn(Message("survival.w.logrank_no_events"), warn)
        return LogrankResult(float("nan"), k - 1, float("nan"), table, strata is not None, tuple(warn))
    u = (obs - E)[:-1]
    Vs = V[:-1, :-1]
    stat = float(u @ np.linalg.pinv(Vs) @ u)
    dof = int(np.linalg.matrix_rank(Vs))
    p = float(stats.chi2.sf(stat, dof)) if dof > 0 else float("nan")
    return LogrankResult(stat, dof, p, table, strata is not None, tuple(warn))

