"""Cox proportional-hazards regression: partial likelihood, fit, PH test, Breslow baseline, concordance."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import KamlibError
from ..i18n import Message
from ._common import TermName, _significance, _warn
from .km import _km_one


@dataclass(frozen=True, eq=False)
class CoxResult:
    """Cox proportional-hazards fit.

    Attributes
    ----------
    summary : DataFrame
        Indexed by model term: ``coef, se, hr, hr_lower, hr_upper, z, p``.
    concordance : float
        Harrell's C (pairs tied on the predictor count 1/2; with late entry only pairs in a common risk set).
    loglik : float
        Log partial likelihood at the estimate (``loglik_null`` at zero).
    ph_test : DataFrame
        Schoenfeld-residual test of proportional hazards per term plus ``GLOBAL``: ``chisq, df, p``.
    reference : dict
        Categorical covariate -> reference level of its dummy coding.
    """

    summary: pd.DataFrame
    concordance: float
    loglik: float
    loglik_null: float
    ph_test: pd.DataFrame
    #: accounts in the fit (rows, unless ``cox(..., id=)`` names the account of episode rows)
    n: int
    n_events: int
    ties: str
    strata: str | None
    reference: dict
    terms: tuple[str, ...]
    covariates: tuple[str, ...]
    baseline: dict = field(repr=False)          # stratum -> DataFrame(time, cumhaz)
    encoding: dict = field(repr=False)          # covariate -> list of levels (categorical) or None
    converged: bool = True
    #: significance level, ``1 - ci``
    alpha: float = 0.05
    warnings: tuple = ()   # kamlib.i18n.Message
    #: terms coded 0/1 (read as "accounts with ..." rather than "per unit")
    binary_terms: tuple[str, ...] = ()
    #: terms with extreme / undetermined estimates (separation): not interpretable
    separated: tuple[str, ...] = ()
    #: rows in the fit: episodes when the covariates vary over time (``n`` counts accounts)
    n_rows: int | None = None

    @property
    def ci(self) -> float:
        """Confidence level of the hazard-ratio intervals."""
        return round(1 - self.alpha, 12)

    @property
    def lr_test(self) -> tuple[float, int, float]:
        """Likelihood-ratio test against the null model: (chi-square, df, p)."""
        if not np.isfinite(self.loglik):
            return float("nan"), len(self.terms), float("nan")
        stat = 2 * (self.loglik - self.loglik_null)
        return stat, len(self.terms), float(stats.chi2.sf(stat, len(self.terms)))

    def to_frame(self) -> pd.DataFrame:
        return self.summary

    def _repr_html_(self) -> str:
        return self.summary.to_html(escape=True, float_format=lambda v: f"{v:.3f}")

    # -------------------------------------------------------------------------------- prediction
    def design(self, data: pd.DataFrame) -> pd.DataFrame:
        """The model matrix of ``data`` with this fit's coding (unknown categories -> reference)."""
        return _design_apply(data, self.covariates, self.encoding)[list(self.terms)]

    def churn_probability(self, data: pd.DataFrame, duration: str, horizon_days: float,
                          strata: str | None = None) -> pd.Series:
        """P(churn within ``horizon_days`` | still active at ``duration``), from the Breslow baseline.

        Beyond the last observed time the baseline hazard is flat, so predictions that reach past the
        follow-up understate the risk (the at-risk list says so).
        """
        X = self.design(data).to_numpy(dtype=float)
        lp = X @ self.summary.loc[list(self.terms), "coef"].to_numpy()
        t0 = data[duration].to_numpy(dtype=float)
        col = strata or self.strata
        st = data[col].to_numpy() if col else np.zeros(len(data))
        out = np.full(len(data), np.nan)   # accounts in a stratum without churn get NaN (no baseline)
        for key, base in self.baseline.items():
            m = (st == key) if col else np.ones(len(data), bool)
            bt, bh = base["time"].to_numpy(), base["cumhaz"].to_numpy()
            h0 = np.r_[0.0, bh][np.searchsorted(bt, t0[m], side="right")]
            h1 = np.r_[0.0, bh][np.searchsorted(bt, t0[m] + horizon_days, side="right")]
            out[m] = 1 - np.exp(-(h1 - h0) * np.exp(lp[m]))
        return pd.Series(out, index=data.index, name="churn_probability")


def _is_categorical(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


def _design_fit(data: pd.DataFrame, covariates: Sequence[str],
                reference: dict | None) -> tuple[pd.DataFrame, dict, dict]:
    """Dummy-code categorical covariates (reference = most frequent level unless given)."""
    enc: dict = {}
    ref: dict = {}
    for c in covariates:
        s = data[c]
        if _is_categorical(s):
            counts = s.dropna().astype(str).value_counts()
            if isinstance(s.dtype, pd.CategoricalDtype):
                levels = [str(x) for x in s.cat.categories if str(x) in counts.index]
            else:
                levels = sorted(counts.index)
            r = (reference or {}).get(c)
            if r is None:
                r = counts.index[0] if len(counts) else None  # most frequent: most stable contrasts
            elif str(r) not in levels:
                raise KamlibError(f"cox: reference level {r!r} of {c!r} is not among its values {levels}")
            r = str(r) if r is not None else None
            enc[c] = [r] + [lv for lv in levels if lv != r]
            ref[c] = r
        else:
            enc[c] = None
    return _design_apply(data, covariates, enc), enc, ref


def _design_apply(data: pd.DataFrame, covariates: Sequence[str], enc: dict) -> pd.DataFrame:
    cols = {}
    for c in covariates:
        s = data[c]
        if enc.get(c) is None:
            cols[c] = s.astype("float64") if not pd.api.types.is_bool_dtype(s) else s.astype(float)
        else:
            sv = s.astype(object).where(s.notna(), None)
            sv = pd.Series([None if v is None else str(v) for v in sv], index=data.index, dtype=object)
            for lv in enc[c][1:]:
                cols[f"{c}[{lv}]"] = (sv == lv).astype(float).where(sv.notna(), np.nan)
    return pd.DataFrame(cols, index=data.index)


def _prefix_rank_counts(keys: np.ndarray, ranks: np.ndarray, q_t: np.ndarray, q_rank: np.ndarray,
                        inclusive: bool) -> tuple[np.ndarray, np.ndarray]:
    """For each query (t, r): #{j: key_j > t (>= t when inclusive) and rank_j < r}, and the same with == r.

    Offline 2-D dominance count: queries by decreasing t, elements added by decreasing key into a Fenwick
    tree over ranks (O((n + q) log n)).
    """
    R = int(ranks.max()) if len(ranks) else 0
    tree = np.zeros(R + 1, dtype=np.int64)
    order_j = np.argsort(-keys, kind="stable")
    order_q = np.argsort(-q_t, kind="stable")
    less = np.zeros(len(q_t))
    eq = np.zeros(len(q_t))
    p = 0
    nj = len(order_j)
    for qi in order_q:
        t = q_t[qi]
        while p < nj and (keys[order_j[p]] >= t if inclusive else keys[order_j[p]] > t):
            k = int(ranks[order_j[p]])
            while k <= R:
                tree[k] += 1
                k += k & -k
            p += 1
        r = int(q_rank[qi])
        below = 0
        k = r - 1
        while k > 0:
            below += tree[k]
            k -= k & -k
        upto = 0
        k = r
        while k > 0:
            upto += tree[k]
            k -= k & -k
        less[qi], eq[qi] = below, upto - below
    return less, eq


def concordance_index(time, event, risk, entry=None, strata=None) -> float:
    """Harrell's C: share of comparable pairs in which the account with the higher risk score churned first.

    A pair (i, j) is comparable when i churned at t_i while j was still in the risk set (t_j > t_i, or j
    censored at t_i, and entry_j < t_i); pairs of accounts churning at the same time are not comparable.
    Ties in the risk score count 1/2, as in R ``survival::concordance``. Computed per stratum in
    O(n log n).

    Parameters
    ----------
    time : array-like of float
        Duration of each account.
    event : array-like of bool or 0/1
        Whether the account churned at ``time`` (else censored).
    risk : array-like of float
        Risk score (higher = expected to churn sooner), e.g. the Cox linear predictor.
    entry : array-like of float, optional
        Late-entry time of each account; default 0.
    strata : array-like, optional
        Pairs are compared only within a stratum.

    Returns
    -------
    float
        In [0, 1]; 0.5 is chance, NaN without a comparable pair.

    Examples
    --------
    >>> concordance_index([1, 2, 3, 4], [1, 1, 0, 1], [4, 3, 2, 1])
    1.0
    >>> concordance_index([1, 2, 3, 4], [1, 1, 0, 1], [1, 3, 2, 4])
    0.2
    """
    t = np.asarray(time, float)
    e = np.asarray(event).astype(int)
    r = np.asarray(risk, float)
    en = np.zeros(len(t)) if entry is None else np.asarray(entry, float)
    st = np.zeros(len(t), dtype=int) if strata is None else pd.factorize(pd.Series(np.asarray(strata)))[0]
    conc = tied = total = 0.0
    for s in np.unique(st):
        m = st == s
        ts, es, rs, ens = t[m], e[m], r[m], en[m]
        ev = np.flatnonzero(es == 1)
        if len(ev) == 0:
            continue
        ranks = np.unique(rs, return_inverse=True)[1] + 1
        # j "outlives" i: t_j > t_i, or t_j == t_i with j censored (censoring after the event at t_i)
        eps = 1e-9 * max(1.0, float(np.abs(ts).max()))
        key = ts + np.where(es == 0, eps, 0.0)
        less_a, eq_a = _prefix_rank_counts(key, ranks, ts[ev], ranks[ev], inclusive=False)
        # ... minus those that had not yet entered at t_i (entry_j >= t_i)
        less_b, eq_b = _prefix_rank_counts(ens, ranks, ts[ev], ranks[ev], inclusive=True)
        n_a = (len(key) - np.searchsorted(np.sort(key), ts[ev], side="right")).astype(float)
        n_b = (len(ens) - np.searchsorted(np.sort(ens), ts[ev], side="left")).astype(float)
        conc += (less_a - less_b).sum()
        tied += (eq_a - eq_b).sum()
        total += (n_a - n_b).sum()
    return float((conc + 0.5 * tied) / total) if total > 0 else float("nan")


def _ph_test(res, X: np.ndarray, time: np.ndarray, status: np.ndarray, terms: Sequence[str],
             transform: str = "km", entry: np.ndarray | None = None) -> pd.DataFrame:
    """Grambsch-Therneau (1994) test of proportional hazards from Schoenfeld residuals.

    Regresses the scaled Schoenfeld residuals on g(t) (``km``: 1 - KM(t-); ``rank``; ``identity``) using
    the one-step approximation of R ``cox.zph`` before survival 3.0: per term
    ``chisq_j = d (V U)_j^2 / (V_jj S_gg)`` and globally ``d U' V U / S_gg`` with ``U = R' (g - mean g)``,
    R the unscaled Schoenfeld residuals of the d events and V the covariance of the coefficients.
    """
    sch = np.asarray(res.schoenfeld_residuals)
    ev = (status == 1) & np.all(np.isfinite(sch), axis=1)
    R = sch[ev]
    t = time[ev]
    d = len(t)
    if d < 3:
        return pd.DataFrame({"chisq": np.nan, "df": 1, "p": np.nan}, index=list(terms) + ["GLOBAL"])
    if transform == "km":
        # with the risk sets of the fit: episodes and late entries join at their entry time
        km = _km_one(time, status.astype(int), np.zeros(len(time)) if entry is None else entry)
        # left-continuous KM at each event time
        k = np.searchsorted(km["time"].to_numpy(), t, side="left") - 1
        s_prev = np.r_[1.0, km["survival"].to_numpy()][k + 1]
        g = 1 - s_prev
    elif transform == "rank":
        g = stats.rankdata(t)
    else:
        g = t.astype(float)
    gc = g - g.mean()
    sgg = float((gc ** 2).sum())
    V = np.asarray(res.cov_params())
    U = R.T @ gc
    VU = V @ U
    with np.errstate(divide="ignore", invalid="ignore"):
        per = d * VU ** 2 / (np.diag(V) * sgg)
    glob = float(d * U @ V @ U / sgg) if sgg > 0 else float("nan")
    p = len(terms)
    out = pd.DataFrame({"chisq": np.r_[per, glob], "df": [1] * p + [p]}, index=list(terms) + ["GLOBAL"])
    out["p"] = stats.chi2.sf(out["chisq"], out["df"])
    out.index.name = "term"
    return out


def _breslow_baseline(time, status, entry, lp, strata) -> dict:
    """Breslow cumulative baseline hazard at x = 0 per stratum (counting-process risk sets)."""
    out = {}
    for s in pd.unique(strata):
        m = strata == s
        t, e, en, r = time[m], status[m], entry[m], np.exp(lp[m])
        ut = np.unique(t[e == 1])
        if len(ut) == 0:
            out[s] = pd.DataFrame({"time": [], "cumhaz": []})
            continue
        o = np.argsort(t)
        ts, rs = t[o], r[o]
        csum_from_end = np.r_[np.cumsum(rs[::-1])[::-1], 0.0]
        risk_t = csum_from_end[np.searchsorted(ts, ut, side="left")]
        oe = np.argsort(en)
        ens, re_ = en[oe], r[oe]
        cen = np.r_[np.cumsum(re_[::-1])[::-1], 0.0]
        risk_t = risk_t - cen[np.searchsorted(ens, ut, side="left")]
        te = np.sort(t[e == 1])
        d = np.searchsorted(te, ut, side="right") - np.searchsorted(te, ut, side="left")
        out[s] = pd.DataFrame({"time": ut, "cumhaz": np.cumsum(d / risk_t)})
    return out


class _CoxPartialLikelihood:
    """Cox partial likelihood with Efron or Breslow ties, late entry and strata, vectorised with numpy.

    Same risk sets as statsmodels' ``PHReg`` (an account is at risk at failure time ``u`` when
    ``entry <= u <= time``; strata without events are left out), so estimates, covariance and Schoenfeld
    residuals agree with it to rounding (tested). ``PHReg`` loops over the distinct failure times in
    Python, which is slow on large books with thousands of distinct churn days; here the sums are a
    handful of ``np.bincount`` calls per Newton step.

    Per stratum and distinct failure time ``k``: risk-set sums ``S0, S1, S2`` of ``w = exp(x'b)``,
    ``w x``, ``w x x'``, obtained from per-account difference arrays (enter at the last failure time
    ``<= time``, leave before the first ``>= entry``), and the same sums ``F0, F1, F2`` over the ``d``
    accounts failing at ``k``. Efron's ``j``-th of ``d`` tied terms uses ``S - (j/d) F``; Breslow's
    uses ``S`` for all ``d``.
    """

    def __init__(self, time, status, entry, strata, Z, ties: str):
        self.Z = np.asarray(Z, dtype="float64")
        self.efron = ties == "efron"
        self.n, self.p = self.Z.shape
        self.strata = []
        for s in pd.unique(strata):
            rows = np.flatnonzero(strata == s)
            ev = status[rows] == 1
            if not ev.any():
                continue   # no failure time: no term in the likelihood
            uft = np.unique(time[rows][ev])
            enter = np.searchsorted(uft, time[rows], side="right") - 1   # last failure time <= time
            leave = np.searchsorted(uft, entry[rows], side="left")         # first failure time >= entry
            at_risk = enter >= leave   # at risk at one failure time at least
            rows, enter, leave = rows[at_risk], enter[at_risk], leave[at_risk]
            ev = status[rows] == 1
            ev_rows = rows[ev]
            k_ev = np.searchsorted(uft, time[ev_rows])   # the failure time of each event
            order = np.argsort(k_ev, kind="stable")
            ev_rows, k_ev = ev_rows[order], k_ev[order]
            d = np.bincount(k_ev, minlength=len(uft))
            j = np.arange(len(k_ev)) - np.repeat(np.cumsum(d) - d, d)   # rank within its tie group
            frac = j / d[k_ev] if self.efron else np.zeros(len(k_ev))
            self.strata.append((rows, enter, leave, len(uft), ev_rows, k_ev, frac))

    @staticmethod
    def _risk_sums(enter, leave, K, vals):
        # sum of vals over accounts with leave <= k <= enter, for every k: difference array, then a
        # cumulative sum from the last failure time backwards
        add = np.bincount(enter, weights=vals, minlength=K)
        drop = np.bincount(leave, weights=vals, minlength=K + 1)[1:]   # leave = k + 1: not at risk at k
        return np.cumsum((add - drop)[::-1])[::-1]

    def _stratum(self, beta, st, order: int):
        rows, enter, leave, K, ev_rows, k_ev, frac = st
        X = self.Z[rows]
        lp = X @ beta
        lp_max = lp.max()
        w = np.exp(lp - lp_max)
        Xe = self.Z[ev_rows]
        we = np.exp(Xe @ beta - lp_max)
        S0 = self._risk_sums(enter, leave, K, w)
        F0 = np.bincount(k_ev, weights=we, minlength=K)
        den = S0[k_ev] - frac * F0[k_ev]
        ll = float((Xe @ beta).sum() - (np.log(den) + lp_max).sum())
        if order == 0:
            return ll, None, None
        S1 = np.column_stack([self._risk_sums(enter, leave, K, w * X[:, a]) for a in range(self.p)])
        F1 = np.column_stack([np.bincount(k_ev, weights=we * Xe[:, a], minlength=K) for a in range(self.p)])
        num1 = S1[k_ev] - frac[:, None] * F1[k_ev]
        m1 = num1 / den[:, None]
        grad = Xe.sum(0) - m1.sum(0)
        # Hessian: - sum over tied terms of (S2 - f F2) / den - m1 m1'
        inv = np.bincount(k_ev, weights=1.0 / den, minlength=K)
        finv = np.bincount(k_ev, weights=frac / den, minlength=K)
        hess = m1.T @ m1
        for a in range(self.p):
            for b in range(a, self.p):
                s2 = self._risk_sums(enter, leave, K, w * X[:, a] * X[:, b])
                f2 = np.bincount(k_ev, weights=we * Xe[:, a] * Xe[:, b], minlength=K)
                h = float(s2 @ inv - f2 @ finv)
                hess[a, b] -= h
                if b != a:
                    hess[b, a] -= h
        return ll, grad, hess

    def loglike(self, beta) -> float:
        return sum(self._stratum(np.asarray(beta, dtype="float64"), st, 0)[0] for st in self.strata)

    def derivatives(self, beta):
        """Log partial likelihood, gradient and Hessian at ``beta``."""
        beta = np.asarray(beta, dtype="float64")
        ll, grad, hess = 0.0, np.zeros(self.p), np.zeros((self.p, self.p))
        for st in self.strata:
            a, g, h = self._stratum(beta, st, 2)
            ll, grad, hess = ll + a, grad + g, hess + h
        return ll, grad, hess

    def fit(self, maxiter: int = 100, tol: float = 1e-8):
        """Newton-Raphson from 0. Stops when no coefficient moves by more than ``tol`` (``PHReg``'s rule) or
        when a step changes the log likelihood by less than 1e-12 relative (R ``coxph``'s rule, with a
        tighter epsilon): on a flat likelihood (separation: a coefficient drifting to infinity while the
        likelihood converges) the Hessian becomes singular and further steps are numerical noise. A step
        that lowers the likelihood is halved. Returns ``(beta, cov, converged, gradient)``."""
        beta = np.zeros(self.p)
        ll, grad, hess = self.derivatives(beta)
        for _ in range(maxiter):
            step = np.linalg.solve(hess, grad)
            for _halving in range(30):
                new = beta - step
                new_ll, new_grad, new_hess = self.derivatives(new)
                if np.isfinite(new_ll) and new_ll >= ll - 1e-12 * abs(ll):
                    break
                step = step / 2
            else:
                return beta, np.linalg.inv(-hess), False, grad   # no step improves: stuck
            moved = np.max(np.abs(new - beta))
            flat = abs(new_ll - ll) <= 1e-12 * max(abs(new_ll), 1.0)
            beta, ll, grad, hess = new, new_ll, new_grad, new_hess
            if moved <= tol or flat:
                return beta, np.linalg.inv(-hess), True, grad
        return beta, np.linalg.inv(-hess), False, grad

    def schoenfeld(self, beta) -> np.ndarray:
        """Schoenfeld residuals (``x`` minus the risk-set weighted mean at its failure time) per row; NaN for
        censored rows, as ``PHRegResults.schoenfeld_residuals``."""
        beta = np.asarray(beta, dtype="float64")
        out = np.full((self.n, self.p), np.nan)
        for rows, enter, leave, K, ev_rows, k_ev, _frac in self.strata:
            X = self.Z[rows]
            lp = X @ beta
            w = np.exp(lp - lp.max())
            S0 = self._risk_sums(enter, leave, K, w)
            S1 = np.column_stack([self._risk_sums(enter, leave, K, w * X[:, a]) for a in range(self.p)])
            out[ev_rows] = self.Z[ev_rows] - S1[k_ev] / S0[k_ev][:, None]
        return out


def cox(data: pd.DataFrame, duration: str, event: str, covariates: list[str], ties: str = "efron",
        strata: str | None = None, entry: str | None = None, ci: float = 0.95,
        reference: dict | None = None, ph_transform: str = "km", *, id: str | None = None,
        alpha: float | None = None) -> CoxResult:
    """Cox proportional-hazards regression with checks (Newton-Raphson on the partial likelihood; the same
    estimates as statsmodels ``PHReg`` and R's ``coxph``, tested, several times faster on large books).

    Parameters
    ----------
    data : DataFrame
        One row per account, or, for covariates that change over time, one row per episode ``(entry,
        duration]`` of an account (:func:`kamlib.survival.episodes`): with ``entry`` the risk sets are those
        of the counting process, so each churn is compared with every account's covariates as of that day.
    duration, event : str
        Columns with the time at risk and the churn flag (bool or 0/1).
    covariates : list of str
        Numeric / boolean columns enter as they are; text or categorical columns are dummy-coded against a
        reference level (``reference`` or, by default, the most frequent level; stated in ``.reference``
        and the term names ``col[level]``).
    ties : {"efron", "breslow"}
        Handling of tied churn times (R's default is Efron; SAS's Breslow).
    strata : str, optional
        Column whose levels get their own baseline hazard.
    entry : str, optional
        Column with late-entry times (left truncation).
    ci : float
        Confidence level of the hazard-ratio intervals (default 0.95); a term is called significant in the
        sentences and the forest plot when its p-value is below ``1 - ci``.
    reference : dict, optional
        Covariate -> reference level.
    ph_transform : {"km", "rank", "identity"}
        Time transform of the proportional-hazards test.
    id : str, optional
        Column (or index name) identifying the account of each row when ``data`` has episodes. An episode
        starting where the account's previous one stops is then not at risk at its start (the previous one
        is), and ``n`` counts accounts rather than rows. Pass it with episodes: without it an account is
        counted twice at churns that fall on its split days.
    alpha : float, optional
        Deprecated: ``1 - ci``. Still accepted for one release, with a DeprecationWarning.

    Returns
    -------
    CoxResult
        Problems that do not prevent a fit (rows dropped for missing values, constant covariates dropped,
        few events per term, non-convergence, separation / monotone likelihood, PH violations) are issued as
        :class:`StatisticalWarning` and kept in ``.warnings``. A model that cannot be fitted at all (no
        events, no usable rows) returns NaN estimates with a warning instead of raising.
    """
    if ties not in ("efron", "breslow"):
        raise KamlibError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    alpha = _significance(ci, alpha, "cox")
    covariates = list(covariates)
    missing = [c for c in [duration, event, *covariates, *(x for x in (strata, entry) if x)] if c not in data]
    if missing:
        raise KamlibError(f"cox: column(s) {missing} not in the data; available: {list(data.columns)}")
    warn: list[Message] = []
    X, enc, ref = _design_fit(data, covariates, reference)
    def _num(col: str) -> pd.Series:
        # nullable booleans / integers (pd.NA) become NaN instead of raising
        return pd.Series(pd.to_numeric(data[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan),
                         index=data.index)

    if id is not None and id not in data and id != data.index.name:
        raise KamlibError(f"cox: id column {id!r} not in the data")
    account = (data[id] if id in data else data.index.to_series()) if id is not None else None
    time = _num(duration)
    status = _num(event)
    ent = _num(entry) if entry else pd.Series(0.0, index=data.index)
    strat = data[strata] if strata else pd.Series(0, index=data.index)
    ok = X.notna().all(axis=1) & time.notna() & status.notna() & ent.notna() & strat.notna() & (time >= 0)
    ok &= ~((ent >= time) & (ent > 0))
    if (~ok).any():
        miss = {c: int(data[c].isna().sum()) for c in covariates if data[c].isna().any()}
        why = [Message("survival.w.cox_missing", {"term": TermName(c), "n": k}) for c, k in miss.items()]
        _warn(Message("survival.w.cox_rows_dropped_why" if why else "survival.w.cox_rows_dropped",
                      {"n": int((~ok).sum()), "total": len(data), "why": why}), warn)
    X, time, status, ent, strat = X[ok], time[ok].to_numpy(), status[ok].to_numpy(), ent[ok].to_numpy(), \
        strat[ok].to_numpy()
    if account is not None:
        # an episode that starts where the same account's previous one stops continues its time at risk: it
        # must not join the risk set of a churn on that very day as well (it would count the account twice),
        # so its entry moves just past the day, as the open start of R's (start, stop] intervals
        acc = account.to_numpy()[ok.to_numpy()]
        cont = pd.MultiIndex.from_arrays([acc, ent]).isin(pd.MultiIndex.from_arrays([acc, time]))
        ent = np.where(cont, np.nextafter(ent, np.inf), ent)
    const = [c for c in X.columns if X[c].nunique() <= 1]
    if const:
        _warn(Message("survival.w.cox_constant", {"terms": [TermName(t) for t in const]}), warn)
        X = X.drop(columns=const)
    terms = tuple(X.columns)
    n_rows, n_ev = len(time), int(status.sum())
    n = int(pd.Series(account.to_numpy()[ok.to_numpy()]).nunique()) if account is not None else n_rows

    def _empty(reason: Message) -> CoxResult:
        _warn(reason, warn)
        summ = pd.DataFrame(np.nan, index=pd.Index(terms, name="term"),
                            columns=["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"])
        ph = pd.DataFrame({"chisq": np.nan, "df": 1, "p": np.nan}, index=list(terms) + ["GLOBAL"])
        return CoxResult(summ, float("nan"), float("nan"), float("nan"), ph, n, n_ev, ties, strata, ref,
                         terms, tuple(covariates), {}, enc, False, alpha, tuple(warn), n_rows=n_rows)

    if n_ev == 0:
        return _empty(Message("survival.w.cox_no_events"))
    if not terms:
        return _empty(Message("survival.w.cox_no_terms"))
    if n_ev < 10 * len(terms):
        _warn(Message("survival.w.cox_few_events", {"events": n_ev, "terms": len(terms)}), warn)
    Xa = X.to_numpy(dtype=float)
    # standardise for the optimiser (separation shows up as ever-growing coefficients), back-transform after
    mu, sd = Xa.mean(0), Xa.std(0)
    sd[sd == 0] = 1.0
    Z = (Xa - mu) / sd
    model = _CoxPartialLikelihood(time, Z=Z, status=status, entry=ent, strata=strat, ties=ties)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            params_z, cov_z, newton_converged, score = model.fit(maxiter=100)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as e:
        return _empty(Message("survival.w.cox_failed", {"error": f"{type(e).__name__}: {e}"}))
    converged = bool(np.all(np.isfinite(params_z)) and np.max(np.abs(score)) < 1e-3 * max(1, n_ev)
                     and newton_converged)
    coef = params_z / sd
    cov = cov_z / np.outer(sd, sd)
    se = np.sqrt(np.diag(cov))
    if not converged:
        _warn(Message("survival.w.cox_not_converged"), warn)
    sep = [t for t, b, s in zip(terms, coef * sd, se * sd, strict=True) if abs(b) > 8 or not np.isfinite(s) or s > 50]
    if sep:
        _warn(Message("survival.w.cox_separation", {"terms": [TermName(t) for t in sep]}), warn)
    z = stats.norm.ppf(1 - alpha / 2)
    summary = pd.DataFrame({"coef": coef, "se": se}, index=pd.Index(terms, name="term"))
    with np.errstate(over="ignore"):   # separated terms: exp of a huge number is inf, flagged above
        summary["hr"] = np.exp(summary["coef"])
        summary["hr_lower"] = np.exp(summary["coef"] - z * summary["se"])
        summary["hr_upper"] = np.exp(summary["coef"] + z * summary["se"])
    summary["z"] = summary["coef"] / summary["se"]
    summary["p"] = 2 * stats.norm.sf(np.abs(summary["z"]))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # separated fits: flagged above
        loglik = float(model.loglike(params_z))
        loglik_null = float(model.loglike(np.zeros(len(terms))))
        schoenfeld = model.schoenfeld(params_z)
    lp = Xa @ coef
    conc = concordance_index(time, status, lp, ent, strat if strata else None)

    class _Res:  # the residuals on the original scale: R = R_z * sd, V = V_z / sd sd'
        schoenfeld_residuals = schoenfeld * sd

        @staticmethod
        def cov_params():
            return cov
    ph = _ph_test(_Res, Xa, time, status, terms, ph_transform, ent)
    bad_ph = [t for t in terms if ph.loc[t, "p"] < 0.05]
    if bad_ph:
        _warn(Message("survival.w.cox_ph", {"terms": [TermName(t) for t in bad_ph]}), warn)
    base = _breslow_baseline(time, status, ent, lp - 0.0, strat)
    return CoxResult(summary=summary, concordance=conc, loglik=loglik, loglik_null=loglik_null, ph_test=ph,
                     n=n, n_events=n_ev, ties=ties, strata=strata, reference=ref, terms=terms,
                     covariates=tuple(covariates), baseline=base, encoding=enc, converged=converged,
                     alpha=alpha, warnings=tuple(warn),
                     binary_terms=tuple(t for t in terms if set(np.unique(X[t])) <= {0.0, 1.0}),
                     separated=tuple(sep), n_rows=n_rows)

