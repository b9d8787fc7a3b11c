"""Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"; Colombo & Jiang
1999): the spend of one purchase is Gamma(p, nu) with the account's own nu ~ Gamma(q, v), independent of the
purchase process. Fitted by maximum likelihood on the density of each repeat buyer's mean spend."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import digamma, gammaln

from ..errors import AnalysisError
from ._common import MLE, Note, fit_mle, fit_notes, params_frame, summary_columns, warn

NAMES = ("p", "q", "v")
MIN_REPEATERS = 20
#: |correlation| of frequency and mean spend above which independence is called into doubt
CORR_WARN = 0.3


def _negll(theta: np.ndarray, x, m, ux, cnt) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of mean spends m over x purchases and its gradient in log(p, q, v).

    Special functions of p x depend on the integer x alone: evaluated once per distinct x (``ux``, with
    multiplicities ``cnt``)."""
    p, q, v = np.exp(theta)
    n = x.size
    pux = p * ux
    lxm = np.log(x * m + v)
    lm, lx = np.log(m), np.log(x)
    ll = (cnt @ (gammaln(pux + q) - gammaln(pux)) - n * gammaln(q) + n * q * np.log(v)
          + np.sum((p * x - 1) * lm + p * x * lx - (p * x + q) * lxm))
    dpq = digamma(pux + q)
    d_p = cnt @ (ux * (dpq - digamma(pux))) + np.sum(x * (lm + lx - lxm))
    d_q = cnt @ dpq - n * digamma(q) + n * np.log(v) - lxm.sum()
    d_v = n * q / v - np.sum((p * x + q) / (x * m + v))
    return -float(ll), -np.array([d_p * p, d_q * q, d_v * v])


def expected_spend_values(params, x, m) -> np.ndarray:
    """E[mean spend | x, m] = p (v + x m) / (p x + q - 1): a weighted mean of the population mean p v/(q-1)
    and the account's own mean m; accounts with x = 0 get the population mean."""
    p, q, v = (params[k] for k in NAMES)
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p * (v + x * m) / (p * x + q - 1)
    return np.where((p * x + q - 1) > 0, out, np.inf)


@dataclass(frozen=True, eq=False)
class GammaGammaResult:
    """A fitted Gamma-Gamma spend model.

    Attributes
    ----------
    params, se : Series
        p (shape of spend per purchase), q and v (shape and scale of the accounts' spend rates).
    table : DataFrame
        estimate, se and 95% interval per parameter.
    loglik : float
        Maximised log-likelihood of the repeat buyers' mean spends.
    n : int
        Repeat buyers fitted (frequency > 0, monetary_value > 0).
    corr, corr_pvalue : float
        Pearson correlation of frequency and mean spend over the repeat buyers and its p-value. The model
        assumes they are independent; a warning (key ``dependence``) says when that looks broken.
    population_mean : float
        Expected spend per purchase of an account with no repeat purchase yet, p v / (q - 1) (inf if q <= 1).
    """

    params: pd.Series
    se: pd.Series
    table: pd.DataFrame
    loglik: float
    n: int
    corr: float
    corr_pvalue: float
    converged: bool
    warnings: tuple[Note, ...] = ()

    @property
    def population_mean(self) -> float:
        p, q, v = (float(self.params[k]) for k in NAMES)
        return p * v / (q - 1) if q > 1 else float("inf")

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected revenue per future purchase of each account (its mean shrunk toward the population)."""
        c = summary_columns(summary, ("frequency", "monetary_value"), "Gamma-Gamma")
        x, m = c["frequency"], c["monetary_value"]
        m = np.where(x > 0, m, 0.0)
        vals = expected_spend_values({k: float(self.params[k]) for k in NAMES}, x, m)
        return pd.Series(vals, index=summary.index, name="expected_spend")

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        head = (f"<p>Gamma-Gamma: n = {self.n:,} repeat buyers, log-likelihood {self.loglik:,.1f}, "
                f"corr(frequency, spend) = {self.corr:.2f}{'' if self.converged else ' — NOT CONVERGED'}</p>")
        return head + self.table.to_html(float_format=lambda v: f"{v:.4g}", na_rep="—")


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaResult:
    """Fit the Gamma-Gamma spend model on the repeat buyers of an RFM summary.

    Rows with frequency 0 carry no spend information (the first purchase is excluded from
    ``monetary_value``) and are skipped; repeat buyers with a mean spend of 0 are skipped with a warning.

    Parameters
    ----------
    summary : DataFrame
        RFM summary with ``frequency`` (repeat purchases) and ``monetary_value`` (mean spend of the repeat
        purchases), one row per account.

    Returns
    -------
    GammaGammaResult
        Parameters ``p``, ``q``, ``v`` with standard errors, the frequency-spend correlation and warnings.

    Raises
    ------
    AnalysisError
        Fewer than ``MIN_REPEATERS`` repeat buyers with positive spend, or all of them with the same mean spend
        (no spread to estimate the heterogeneity from).
    """
    c = summary_columns(summary, ("frequency", "monetary_value"), "Gamma-Gamma")
    notes: list[Note] = []
    rep = c["frequency"] > 0
    zero = rep & (c["monetary_value"] <= 0)
    if zero.any():
        warn("zero_spend", {"n": int(zero.sum())}, notes)
    keep = rep & ~zero
    x, m = c["frequency"][keep], c["monetary_value"][keep]
    n = x.size
    if n < MIN_REPEATERS:
        raise AnalysisError(f"Gamma-Gamma not estimable: fewer than {MIN_REPEATERS} repeat buyers with positive "
                            f"spend ({n})")
    if np.ptp(np.log(m)) < 1e-9:
        raise AnalysisError("Gamma-Gamma not estimable: every repeat buyer has the same mean spend "
                            f"({m[0]:,.2f}), so the spread of spend across accounts cannot be estimated; "
                            "use that value as the expected spend")
    if np.ptp(x) > 0 and np.ptp(m) > 0:
        cr = stats.pearsonr(x, m)
        corr, corr_p = float(cr.statistic), float(cr.pvalue)
    else:
        corr, corr_p = float("nan"), float("nan")
    if np.isfinite(corr) and abs(corr) >= CORR_WARN and corr_p < 0.05:
        warn("dependence", {"r": corr, "p": corr_p}, notes)
    # moment start: per-purchase spend CV^2 ~ 1/p; spread of the accounts' means gives q; v from the mean
    mean, var = float(m.mean()), float(m.var())
    q0 = min(max(2.0 + mean**2 / max(var, 1e-12), 2.5), 100.0)
    p0 = 3.0
    starts = [np.log([p0, q0, mean * (q0 - 1) / p0]), np.log([1.0, 3.0, 2 * mean / 1.0])]
    ux, inv = np.unique(x, return_inverse=True)
    cnt = np.bincount(inv).astype(float)
    fit: MLE = fit_mle(lambda th: _negll(th, x, m, ux, cnt), starts, n)
    fit_notes("Gamma-Gamma", NAMES, fit, {}, notes)
    table = params_frame(NAMES, fit)
    if np.isfinite(fit.params[1]) and fit.params[1] <= 1:
        warn("heavy_tail", {"q": float(fit.params[1])}, notes)
    return GammaGammaResult(params=table["estimate"].rename("params"), se=table["se"].rename("se"), table=table,
                            loglik=fit.loglik, n=n, corr=corr, corr_pvalue=corr_p, converged=fit.converged,
                            warnings=tuple(notes))


__all__ = ["GammaGammaResult", "fit_gamma_gamma"]
