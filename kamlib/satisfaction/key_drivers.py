"""Drivers of overall satisfaction: ordinal logit and Johnson's relative weights."""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import AnalysisError, DataError
from ._stats import _frame_html, _msg, _warn, _z
from .labels import item_label


@dataclass(frozen=True, eq=False)
class DriversResult:
    """Key-driver analysis of an ordinal outcome.

    ``summary`` is indexed by item, sorted by importance (strongest first), with ``coef`` (ordinal-logit
    log-odds per scale point), ``se``, ``p``, ``odds_ratio``, ``ci_lower``/``ci_upper`` (of coef),
    ``importance`` (Johnson relative weight, sums to 1), ``performance`` (item mean), ``quadrant`` (code
    keep / focus / low / overkill relative to the mean importance and mean performance).
    """

    summary: pd.DataFrame
    outcome: str
    n: int
    r2: float = float("nan")
    pseudo_r2: float = float("nan")
    thresholds: tuple[float, ...] = ()
    converged: bool = True
    estimable: bool = True
    warnings: tuple = ()
    cov_type: str = "model-based"

    def to_frame(self) -> pd.DataFrame:
        return self.summary.copy()

    def _repr_html_(self) -> str:
        return (f"<p>Ordinal logit of {self.outcome}: n = {self.n}, McFadden pseudo-R² = "
                f"{fmt.number(self.pseudo_r2, digits=3)}; relative weights of a linear R² = "
                f"{fmt.number(self.r2, digits=3)}</p>"
                + _frame_html(self.summary))


def relative_weights(x: pd.DataFrame, y: pd.Series) -> tuple[pd.Series, float]:
    """Johnson's (2000) relative weights: each predictor's share of the linear-regression R².

    Correlated predictors are replaced by their closest orthogonal counterparts (via the symmetric square
    root of the correlation matrix), so shared variance is apportioned instead of double counted.

    Parameters
    ----------
    x : DataFrame
        Predictors (complete rows).
    y : Series
        Outcome, aligned with ``x``.

    Returns
    -------
    (Series, float)
        The weights per predictor, normalised to sum to 1, and the R².
    """
    r = np.corrcoef(np.column_stack([x.to_numpy(float), y.to_numpy(float)]), rowvar=False)
    rxx, rxy = r[:-1, :-1], r[:-1, -1]
    ev, q = np.linalg.eigh(rxx)
    ev = np.clip(ev, 1e-12, None)
    lam = q @ np.diag(np.sqrt(ev)) @ q.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam ** 2) @ (beta ** 2)
    r2 = float(raw.sum())
    return pd.Series(raw / r2 if r2 > 0 else raw * np.nan, index=x.columns), r2


def drivers(data: pd.DataFrame, outcome: str, items: list[str], ci: float = 0.95, min_n: int | None = None,
            cluster: str | None = "customer_id", max_n: int | None = None,
            random_state: int = 0) -> DriversResult:
    """Which items drive an ordinal outcome (e.g. ``overall`` 1-5): ordinal logit + relative importance.

    Parameters
    ----------
    data : DataFrame
        One row per response (respondent level: the model explains each respondent's overall rating).
    outcome : str
        Ordinal outcome column (integer-valued scores).
    items : list of str
        Predictor item columns (Likert 1-5), entered linearly (one coefficient per scale point).
    ci : float, default 0.95
    min_n : int, optional
        Minimum complete responses; default ``10 * (len(items) + 1)`` (a common events-per-parameter rule).
    cluster : str or None, default "customer_id"
        Column identifying the account. When present, standard errors are cluster-robust by account
        (respondents of one account are not independent); otherwise (or ``None``) model-based.
    max_n : int, optional
        Fit the ordinal logit on a seeded random sample of at most ``max_n`` complete responses (the
        numerical likelihood fit costs about a second per 10,000 responses; params
        ``satisfaction.drivers_max_responses``). Importance (relative weights) and performance always use
        every response; a note on the result says when a sample was used.
    random_state : int, default 0
        Seed of that sample.

    Returns
    -------
    DriversResult
        ``summary`` indexed by item (coef, se, p, odds_ratio, ci_lower, ci_upper, importance, performance,
        quadrant). Fitted by maximum likelihood with statsmodels ``OrderedModel(distr="logit")`` on
        complete cases; SEs are cluster-robust by account when ``cluster`` is a column of ``data``, else
        model-based (``cov_type`` on the result says which). Below ``min_n`` responses or without variation
        in the outcome the result is not estimable (NaN summary + warning).
    """

    items = list(items)
    missing = [c for c in [outcome, *items] if c not in data.columns]
    if missing:
        raise DataError(f"drivers: column(s) {missing} not in the data (columns: {list(data.columns)}).")
    if not items:
        raise AnalysisError("drivers: give at least one item column")
    _z(ci)
    msgs: list = []
    d = data[[outcome, *items]].apply(lambda c: pd.to_numeric(c, errors="coerce")).astype("float64").dropna()
    groups = None
    if cluster is not None and cluster in data.columns:
        gcol = data.loc[d.index, cluster]
        d = d[gcol.notna()]
        groups = pd.factorize(gcol[gcol.notna()])[0]
    n = int(len(d))
    need = min_n if min_n is not None else 10 * (len(items) + 1)
    cols = ["coef", "se", "p", "odds_ratio", "ci_lower", "ci_upper", "importance", "performance", "quadrant"]
    empty = pd.DataFrame(np.nan, index=pd.Index(items, name="item"), columns=cols)
    empty["quadrant"] = ""
    if n < need or d[outcome].nunique() < 2:
        _warn(msgs, _msg("drivers_ne_n", n=n, need=need) if n < need else _msg("drivers_ne_const", outcome=outcome))
        return DriversResult(empty, outcome, n, estimable=False, warnings=tuple(msgs))
    const = [c for c in items if d[c].nunique() < 2]
    if const:
        _warn(msgs, _msg("drivers_const_items", items_zh="、".join(item_label(c, "zh") for c in const),
                         items_en=", ".join(item_label(c, "en") for c in const)))
    use = [c for c in items if c not in const]
    if not use:
        return DriversResult(empty, outcome, n, estimable=False, warnings=tuple(msgs))
    y = d[outcome].round().astype("int64")
    x = d[use]
    fit_rows = np.arange(n)
    if max_n is not None and n > max_n:
        fit_rows = np.sort(np.random.default_rng(random_state).choice(n, size=int(max_n), replace=False))
        msgs.append(_msg("drivers_sample", max_n=f"{max_n:,}", n=f"{n:,}", seed=random_state))
        if groups is not None:
            groups = groups[fit_rows]
    y_fit = y.to_numpy()[fit_rows]
    if len(np.unique(y_fit)) < len(np.unique(y)):   # a rare outcome level missed by the sample: use all
        fit_rows, y_fit = np.arange(n), y.to_numpy()
        groups = None if groups is None else pd.factorize(data.loc[d.index, cluster])[0]
        msgs.pop()
    model = _logit_ordered_model()(y_fit, x.to_numpy()[fit_rows], distr="logit")
    model.exog_names[:] = use  # readable parameter names
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if groups is not None and len(np.unique(groups)) > 1:
            res = model.fit(method="bfgs", disp=False, maxiter=2000, cov_type="cluster",
                            cov_kwds={"groups": groups})
            cov_type = f"cluster-robust by {cluster} ({len(np.unique(groups))} clusters)"
        else:
            res = model.fit(method="bfgs", disp=False, maxiter=2000)
            cov_type = "model-based"
    converged = bool(res.mle_retvals.get("converged", True))
    if not converged:
        _warn(msgs, _msg("logit_no_converge"))
    for w in caught:
        if "Hessian" in str(w.message) or "singular" in str(w.message).lower():
            _warn(msgs, _msg("logit_hessian", message=str(w.message)))
    k = len(use)
    coef = np.asarray(res.params[:k], float)
    se = np.asarray(res.bse[:k], float)
    p = np.asarray(res.pvalues[:k], float)
    zq = _z(ci)
    imp, r2 = relative_weights(x, d[outcome])
    perf = x.mean()
    summ = pd.DataFrame({"coef": coef, "se": se, "p": p, "odds_ratio": np.exp(coef), "ci_lower": coef - zq * se,
                         "ci_upper": coef + zq * se, "importance": imp.to_numpy(),
                         "performance": perf.to_numpy()}, index=pd.Index(use, name="item"))
    hi_imp = summ["importance"] >= summ["importance"].mean()
    hi_perf = summ["performance"] >= summ["performance"].mean()
    summ["quadrant"] = np.select([hi_imp & hi_perf, hi_imp & ~hi_perf, ~hi_imp & ~hi_perf],
                                 ["keep", "focus", "low"], "overkill")
    summ = summ.reindex(columns=cols).sort_values("importance", ascending=False)
    if const:
        summ = pd.concat([summ, empty.loc[const]])
    llnull = _ordinal_null_llf(pd.Series(y_fit))   # on the rows the model was fitted to
    pseudo = float(1 - res.llf / llnull) if llnull < 0 else np.nan
    thr = tuple(float(t) for t in model.transform_threshold_params(res.params)[1:-1])
    return DriversResult(summ, outcome, n, r2, pseudo, thr, converged, True, tuple(msgs), cov_type)


@functools.cache
def _logit_ordered_model():
    """statsmodels' ordinal logit with the logistic cdf/pdf from ``scipy.special`` and an analytic score.

    ``OrderedModel`` differentiates the likelihood numerically: ~1,600 likelihood evaluations per fit, most
    of them in the BFGS gradients and the Hessian.
    The analytic score (below) and a Hessian differentiated from it make a fit ~10 times cheaper; the
    estimates are the same maximum (tested against the numerical-gradient fit and against Stata's
    ``ologit``). ``expit`` is what the generic ``scipy.stats.logistic`` wrapper computes.
    """
    from scipy.special import expit
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_fprime

    class LogitOrderedModel(OrderedModel):
        def cdf(self, x):
            return expit(x)

        def pdf(self, x):
            e = expit(x)
            return e * (1.0 - e)

        def score_obs(self, params):
            """d log L_i / d params. Parameters: slopes b, then the first threshold t0 and the log increments
            d_1.. of the others (t_m = t0 + sum_{l<=m} exp(d_l)). Response c lies between thresholds c-1
            and c (infinite at the ends, where the pdf is 0)."""
            params = np.asarray(params, dtype="float64")
            low, upp = self._bounds(params)
            prob = self.prob(low, upp) + 1e-20   # as in loglikeobs
            f_low, f_upp = self.pdf(low) / prob, self.pdf(upp) / prob
            c = np.asarray(self.endog)
            k_th = self.k_levels - 1
            d = params[-k_th:]
            out = np.empty((len(c), len(params)))
            out[:, :-k_th] = -(f_upp - f_low)[:, None] * np.asarray(self.exog)
            out[:, -k_th] = f_upp - f_low
            for m in range(1, k_th):   # d_m moves every threshold from t_m upwards by exp(d_m)
                out[:, -k_th + m] = np.exp(d[m]) * (f_upp * (c >= m) - f_low * (c - 1 >= m))
            return out

        def score(self, params):
            return self.score_obs(params).sum(0)

        def hessian(self, params):
            # central differences of the analytic score: 2p score evaluations instead of ~p^2 likelihoods
            h = approx_fprime(np.asarray(params, dtype="float64"), self.score, centered=True)
            return (h + h.T) / 2

    return LogitOrderedModel


def _ordinal_null_llf(y: pd.Series) -> float:
    """Log-likelihood of the thresholds-only ordinal model (= multinomial with the observed shares)."""
    c = y.value_counts().to_numpy(float)
    return float((c * np.log(c / c.sum())).sum())

