"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)):
purchases of a live account follow a Poisson process with rate lambda ~ Gamma(r, alpha); after every repeat
purchase the account drops out for good with probability p ~ Beta(a, b). Fitted by maximum likelihood on the
closed-form likelihood (FHL eq. 6)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from ..errors import AnalysisError
from ._common import MLE, Note, fit_mle, fit_notes, params_frame, summary_columns

NAMES = ("r", "alpha", "a", "b")
#: below this many repeat buyers the dropout parameters rest on too few accounts to mean anything
MIN_REPEATERS = 20

#: parameter -> key of the hint a warning gives when the parameter runs to the edge (``clv.w.<key>``)
_HINTS = {"a": "clv.w.hint_dropout", "b": "clv.w.hint_dropout", "r": "clv.w.hint_rate", "alpha": "clv.w.hint_rate"}


def _xtT(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = summary_columns(summary, ("frequency", "recency", "T"), "BG/NBD")
    x, tx, T = c["frequency"], c["recency"], c["T"]
    if np.any(tx > T + 1e-9):
        raise AnalysisError("BG/NBD: recency exceeds T for some accounts; recency and T must come from one "
                            "as_of date (rfm_summary)")
    return x, tx, T


class _Data:
    """Arrays of a fit. Purchase counts are integers with few distinct values, so the special functions of x
    are evaluated once per distinct count and gathered (the fit's cost is then a few logs per account)."""

    def __init__(self, x, tx, T):
        self.x, self.tx, self.T = x, tx, T
        self.ux, self.inv = np.unique(x, return_inverse=True)
        self.count = np.bincount(self.inv).astype(float)
        self.pos = x > 0
        self.xm1 = np.maximum(x, 1) - 1


def _negll(theta: np.ndarray, d: _Data) -> tuple[float, np.ndarray]:
    """Negative log-likelihood (FHL 2005 eq. 6) and its gradient in theta = log(r, alpha, a, b)."""
    r, alpha, a, b = np.exp(theta)
    x, tx, T, ux, cnt = d.x, d.tx, d.T, d.ux, d.count
    # terms that depend on x alone, summed with the multiplicity of each distinct x
    A12 = gammaln(r + ux) - gammaln(r) + betaln(a, b + ux) - betaln(a, b)
    ll_x = float(cnt @ A12) + x.size * r * np.log(alpha)
    rx = r + x
    lT, ltx = np.log(alpha + T), np.log(alpha + tx)
    A3 = -rx * lT
    # B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1): the dropped-out term relative to A2
    A4 = np.where(d.pos, np.log(a) - np.log(b + d.xm1) - rx * ltx, -np.inf)
    m = np.logaddexp(A3, A4)
    w = np.exp(A4 - m)  # posterior weight of "dropped out after the last purchase"
    dg_rx = (digamma(r + ux) - digamma(r)) @ cnt
    dab = (digamma(a + b) - digamma(a + b + ux)) @ cnt
    dbx = (digamma(b + ux) - digamma(b)) @ cnt
    d_r = dg_rx + x.size * np.log(alpha) - np.sum(lT + w * (ltx - lT))
    d_alpha = x.size * r / alpha - np.sum(rx * ((1 - w) / (alpha + T) + w / (alpha + tx)))
    d_a = dab + w.sum() / a
    d_b = dab + dbx - np.sum(np.where(d.pos, w / (b + d.xm1), 0.0))
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -(ll_x + float(m.sum())), -grad


def log_odds_dead(params, x, tx, T) -> np.ndarray:
    """log P(dropped out) / P(alive) given (x, t_x, T); -inf for accounts with no repeat purchase."""
    r, alpha, a, b = (params[k] for k in NAMES)
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(x > 0, lo, -np.inf)


def p_alive_values(params, x, tx, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + (x>0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), overflow-free."""
    return expit(-log_odds_dead(params, x, tx, T))


def expected_purchases_values(params, t, x, tx, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] (FHL 2005 eq. 10) for an array of accounts.

    The term ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) is rewritten by Euler's transformation
    as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), z = t/(alpha+T+t), which stays bounded for accounts with
    many purchases where the original factors over- and underflow.
    """
    r, alpha, a, b = (params[k] for k in NAMES)
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    t = float(t)
    if t <= 0:
        return np.zeros(np.broadcast(x, tx, T).shape)
    if abs(a - 1) < 1e-7:  # removable singularity of eq. 10 at a = 1
        a = 1 + 1e-7
    z = t / (alpha + T + t)
    term = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - term) * p_alive_values(params, x, tx, T)


def expected_purchases_new(params, t) -> np.ndarray:
    """E[X(t)] for a just-acquired account (FHL 2005 eq. 9): repeat purchases in its first t units."""
    r, alpha, a, b = (params[k] for k in NAMES)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


@dataclass(frozen=True, eq=False)
class BGNBDResult:
    """A fitted BG/NBD model.

    Attributes
    ----------
    params, se : Series
        Estimates and standard errors of r, alpha (time scale: the summary's ``time_unit``), a, b.
    table : DataFrame
        estimate, se and 95% interval per parameter (interval from the log scale: always positive).
    loglik : float
        Maximised log-likelihood (FHL eq. 6 summed over accounts).
    n, n_repeaters : int
        Accounts fitted, and those with at least one repeat purchase.
    converged : bool
        The optimiser converged to an interior maximum with a positive-definite information matrix.
    warnings : tuple of Note
        Keyed texts (``note.key``): ``at_bound``, ``not_converged``, ``no_se``, ``few_repeaters``.
    """

    params: pd.Series
    se: pd.Series
    table: pd.DataFrame
    loglik: float
    n: int
    n_repeaters: int
    converged: bool
    time_unit: str = "W"
    warnings: tuple[Note, ...] = ()

    def _p(self) -> dict[str, float]:
        return {k: float(self.params[k]) for k in NAMES}

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each account is still alive at the end of its observation period."""
        x, tx, T = _xtT(summary)
        return pd.Series(p_alive_values(self._p(), x, tx, T), index=summary.index, name="p_alive")

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> pd.Series:
        """Expected purchases of each account over the next ``t`` time units (FHL eq. 10)."""
        x, tx, T = _xtT(summary)
        return pd.Series(expected_purchases_values(self._p(), t, x, tx, T), index=summary.index,
                         name="expected_purchases")

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected repeat purchases of a newly acquired account in its first ``t`` time units (FHL eq. 9)."""
        return expected_purchases_new(self._p(), t)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        head = (f"<p>BG/NBD: n = {self.n:,} accounts ({self.n_repeaters:,} repeat buyers), "
                f"log-likelihood {self.loglik:,.1f}, time unit {self.time_unit}"
                f"{'' if self.converged else ' — NOT CONVERGED'}</p>")
        return head + self.table.to_html(float_format=lambda v: f"{v:.4g}", na_rep="—")


def fit_bgnbd(summary: pd.DataFrame) -> BGNBDResult:
    """Fit BG/NBD by maximum likelihood on an RFM summary (:func:`kamlib.clv.rfm_summary`).

    Parameters
    ----------
    summary : DataFrame
        RFM summary: ``frequency`` (repeat purchases), ``recency`` and ``T`` in one time unit (its
        ``attrs["time_unit"]``, default weeks), one row per account.

    Returns
    -------
    BGNBDResult
        Parameters ``r``, ``alpha``, ``a``, ``b`` with standard errors, log-likelihood and warnings.

    Raises
    ------
    AnalysisError
        When the model is not estimable: no accounts, no account with a positive observation period, or
        fewer than ``MIN_REPEATERS`` repeat buyers (the dropout process would rest on a handful of accounts).
        A fit that runs to the edge of the parameter space (e.g. nobody ever drops out) or does not converge
        returns a result with ``converged=False`` and a keyed warning instead.
    """
    x, tx, T = _xtT(summary)
    n = x.size
    if n == 0:
        raise AnalysisError("BG/NBD not estimable: the summary has no accounts")
    if not np.any(T > 0):
        raise AnalysisError("BG/NBD not estimable: every account was first seen on the as_of date (T = 0)")
    n_rep = int(np.count_nonzero(x > 0))
    if n_rep < MIN_REPEATERS:
        raise AnalysisError(f"BG/NBD not estimable: fewer than {MIN_REPEATERS} repeat buyers ({n_rep} of {n:,} "
                            "accounts bought again); lengthen the window or pool regions")
    mean_rate = max(x.sum() / max(T.sum(), 1e-12), 1e-6)
    starts = [np.log([1.0, 1.0 / mean_rate, 1.0, 1.0]), np.zeros(4), np.log([0.5, 0.5 / mean_rate, 0.5, 3.0])]
    data = _Data(x, tx, T)
    fit: MLE = fit_mle(lambda th: _negll(th, data), starts, n)
    notes: list[Note] = []
    fit_notes("BG/NBD", NAMES, fit, _HINTS, notes)
    unit = str(summary.attrs.get("time_unit", "W"))
    table = params_frame(NAMES, fit)
    return BGNBDResult(params=table["estimate"].rename("params"), se=table["se"].rename("se"), table=table,
                       loglik=fit.loglik, n=n, n_repeaters=n_rep, converged=fit.converged, time_unit=unit,
                       warnings=tuple(notes))


__all__ = ["BGNBDResult", "fit_bgnbd", "MIN_REPEATERS"]
