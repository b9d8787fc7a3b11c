"""Shared machinery of the CLV models: time units, keyed notes, maximum likelihood with standard errors."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..errors import AnalysisError, StatisticalWarning
from ..i18n import Message, tr

#: days per time unit of an RFM summary ("M" is an average calendar month)
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}

#: log-parameters are kept inside this box: a fit that ends on its edge has a parameter running to 0 or infinity
LOG_BOUND = 15.0

Z95 = 1.959963984540054

#: how a warning names a model parameter
_SYMBOLS = {"alpha": "α"}


class Note(str):
    """A warning with a stable ``key`` (e.g. ``"not_converged"``), rendered from ``clv.w.<key>`` in each language.

    It is a ``str`` (the English text), so ``"\\n".join(result.warnings)`` and ``"converge" in note`` work as for
    plain texts; :meth:`render` gives it in a report's language (``kamlib.i18n.render`` calls it). A note built
    with an explicit ``text`` has no template and renders as that text in every language.
    """

    key: str
    params: dict[str, Any] | None

    def __new__(cls, key: str, text: str | None = None, params: dict[str, Any] | None = None) -> Note:
        keyed = text is None
        obj = super().__new__(cls, tr(f"clv.w.{key}", "en", **(params or {})) if keyed else text)
        obj.key = key
        obj.params = dict(params or {}) if keyed else None
        return obj

    def render(self, lang: str = "zh") -> str:
        return str(self) if self.params is None else tr(f"clv.w.{self.key}", lang, **self.params)

    def __reduce__(self):  # keep the key and parameters when a result is pickled into the run cache
        return (Note, (self.key, str(self) if self.params is None else None, self.params))


def warn(key: str, params: dict[str, Any], sink: list[Note]) -> None:
    """Issue a StatisticalWarning carrying the keyed note and keep the note for the result's ``.warnings``."""
    note = Note(key, params=params)
    warnings.warn(StatisticalWarning(note), stacklevel=3)
    sink.append(note)


def unit_days(time_unit: str) -> float:
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise AnalysisError(f"time_unit {time_unit!r} is not one of {', '.join(TIME_UNITS)} "
                            "(D = days, W = weeks, M = months)") from None


def summary_columns(summary: pd.DataFrame, columns: tuple[str, ...], who: str) -> dict[str, np.ndarray]:
    """The named columns of an RFM summary as float arrays, checked for presence and finiteness."""
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise AnalysisError(f"{who}: the summary lacks column(s) {', '.join(missing)}; "
                            "build it with kamlib.clv.rfm_summary(orders, as_of)")
    out = {c: summary[c].to_numpy(dtype=float) for c in columns}
    for c, v in out.items():
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise AnalysisError(f"{who}: column {c!r} has missing, infinite or negative values")
    return out


@dataclass(frozen=True, eq=False)
class MLE:
    """Outcome of :func:`fit_mle` on the natural scale of the parameters."""

    params: np.ndarray
    se: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    loglik: float
    converged: bool
    message: str
    at_bound: tuple[int, ...]


def _hessian(grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Central differences of the analytic gradient, symmetrised."""
    k = theta.size
    h = 1e-4 * np.maximum(1.0, np.abs(theta))
    H = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        H[i] = (grad(theta + e) - grad(theta - e)) / (2 * h[i])
    return (H + H.T) / 2


def fit_mle(negll: Callable[[np.ndarray], tuple[float, np.ndarray]], starts: list[np.ndarray],
            n: int) -> MLE:
    """Minimise a negative log-likelihood over log-parameters from several starts; SEs by the delta method.

    ``negll(theta)`` returns the negative log-likelihood summed over customers and its gradient in
    ``theta = log(params)``. Optimising in log space keeps every parameter positive; the covariance is the
    inverse Hessian in log space, so ``se(param) = param * se(log param)`` and the 95% interval
    ``exp(theta +- 1.96 se)`` stays positive.
    """
    def scaled(theta):
        f, g = negll(theta)
        return f / n, g / n

    bounds = [(-LOG_BOUND, LOG_BOUND)] * starts[0].size
    best = None
    for x0 in starts:
        with np.errstate(all="ignore"):
            res = optimize.minimize(scaled, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        # the likelihoods are smooth with one interior maximum when it exists: further starts only guard
        # against a start that failed or wandered to the edge
        if best is not None and best.success and np.all(np.abs(best.x) < LOG_BOUND - 1.0):
            break
    if best is None:
        k = starts[0].size
        nan = np.full(k, np.nan)
        return MLE(nan, nan, nan, nan, float("nan"), False, "the likelihood is not finite at any start", ())
    theta = best.x
    # within e^1 of the box edge the optimiser was still walking toward 0 or infinity
    at_bound = tuple(int(i) for i in np.flatnonzero(np.abs(theta) > LOG_BOUND - 1.0))
    with np.errstate(all="ignore"):
        H = _hessian(lambda t: negll(t)[1], theta)
    se_log = np.full(theta.size, np.nan)
    if np.all(np.isfinite(H)) and not at_bound:
        try:
            cov = np.linalg.inv(H)
            diag = np.diag(cov)
            if np.all(diag > 0) and np.all(np.linalg.eigvalsh(H) > 0):
                se_log = np.sqrt(diag)
        except np.linalg.LinAlgError:
            pass
    params = np.exp(theta)
    return MLE(params=params, se=params * se_log, ci_lower=np.exp(theta - Z95 * se_log),
               ci_upper=np.exp(theta + Z95 * se_log), loglik=float(-best.fun * n),
               converged=bool(best.success) and not at_bound and bool(np.all(np.isfinite(se_log))),
               message=str(best.message), at_bound=at_bound)


def params_frame(names: tuple[str, ...], fit: MLE) -> pd.DataFrame:
    return pd.DataFrame({"estimate": fit.params, "se": fit.se, "ci_lower": fit.ci_lower,
                         "ci_upper": fit.ci_upper}, index=pd.Index(names, name="parameter"))


def fit_notes(model: str, names: tuple[str, ...], fit: MLE, hints: dict[str, str], sink: list[Note]) -> None:
    """Keyed warnings for a fit that ran to a parameter's edge, did not converge or has no standard errors."""
    if fit.at_bound:
        which = ", ".join(_SYMBOLS.get(names[i], names[i]) for i in fit.at_bound)
        keys = list(dict.fromkeys(hints[names[i]] for i in fit.at_bound if names[i] in hints))
        warn("at_bound", {"model": model, "which": which, "hint": [Message(k) for k in keys]}, sink)
    elif not fit.converged:
        if np.all(np.isfinite(fit.se)):
            warn("not_converged", {"model": model, "message": fit.message}, sink)
        else:
            warn("no_se", {"model": model}, sink)
