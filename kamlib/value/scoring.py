"""Multi-indicator scorecard: entropy or manual weights, explainable 0-100 scores."""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import AnalysisError, KamlibError, StatisticalWarning
from ..i18n import Message
from ..ledger import isin_mask
from .catalog import DEFAULT_SCORECARD_INDICATORS, DIRECTIONS, DISCRETE_INDICATORS, INDICATOR_GROUPS, LOG_SCALE
from .labels import IndicatorName
from .ranking import order_desc


def entropy_weights(matrix: pd.DataFrame, directions: Mapping[str, int] | None = None,
                    normalise: bool = True) -> pd.Series:
    """Entropy-weight method (Shannon entropy of each indicator's distribution over alternatives).

    For each indicator j over n alternatives: min-max normalise (``(x-min)/(max-min)``, or
    ``(max-x)/(max-min)`` when lower is better), ``p_ij = x_ij / Σ_i x_ij``,
    ``e_j = -Σ_i p_ij ln p_ij / ln n`` (0 ln 0 = 0), ``d_j = 1 - e_j``, ``w_j = d_j / Σ_j d_j``.

    Parameters
    ----------
    matrix : DataFrame
        Alternatives × indicators, no missing values.
    directions : mapping, optional
        indicator -> +1 (higher is better) or -1; default +1.
    normalise : bool, default True
        False when ``matrix`` is already normalised to [0, 1] with direction applied.

    Returns
    -------
    Series of weights summing to 1. A constant indicator (no information) gets weight 0; when every
    indicator is constant, or n < 2, the weights are equal.
    """
    X = matrix.astype("float64")
    if X.isna().any().any():
        raise KamlibError("entropy_weights: the matrix has missing values; impute or drop them first")
    n = len(X)
    if n < 2 or X.shape[1] == 0:
        return pd.Series(1.0 / max(X.shape[1], 1), index=X.columns)
    if normalise:
        X = _minmax(X, directions or {})
    colsum = X.sum(axis=0)
    P = X / colsum.replace(0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = pd.Series(-plogp.sum(axis=0) / np.log(n), index=X.columns)
    e[colsum <= 0] = 1.0  # a constant column normalises to all zeros: no information
    d = (1.0 - e).clip(lower=0)
    if d.sum() <= 0:
        return pd.Series(1.0 / X.shape[1], index=X.columns)
    return d / d.sum()


def _minmax(X: pd.DataFrame, directions: Mapping[str, int]) -> pd.DataFrame:
    lo, hi = X.min(), X.max()
    rng = (hi - lo).replace(0, np.nan)
    Z = (X - lo) / rng
    for c in X.columns:
        if directions.get(c, 1) < 0:
            Z[c] = 1.0 - Z[c]
    return Z


@dataclass(frozen=True, eq=False)
class ScorecardResult:
    """Multi-indicator composite score.

    Attributes
    ----------
    scores : Series
        0-100 per account (name ``score``).
    contributions : DataFrame
        Account × indicator points; each row sums to the account's score.
    weights : Series
        Indicator weights (sum 1).
    normalised : DataFrame
        Account × indicator values scaled to [0, 1], 1 = best (direction applied).
    directions : Series
        +1 higher is better / -1 lower is better.
    method : str
        "entropy" or "manual".
    """

    scores: pd.Series
    contributions: pd.DataFrame
    weights: pd.Series
    normalised: pd.DataFrame
    directions: pd.Series
    method: str
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def weights_frame(self) -> pd.DataFrame:
        """Indicator, group, direction and weight, heaviest first."""
        w = self.weights.sort_values(ascending=False)
        return pd.DataFrame({"group": [INDICATOR_GROUPS.get(i, "") for i in w.index],
                             "direction": self.directions.reindex(w.index).to_numpy(),
                             "weight": w.to_numpy()}, index=w.index.rename("indicator"))

    def top(self, n: int = 20, among=None) -> pd.DataFrame:
        """The ``n`` highest-scoring accounts with score and contributions (ties by id), optionally only
        ``among`` the given account ids (e.g. the active accounts)."""
        # isin_mask: pandas' isin on an Arrow string index converts every allowed id in Python
        s = self.scores if among is None else self.scores[isin_mask(self.scores.index.to_series(), among)]
        order = order_desc(s).index[:n]
        return pd.concat([self.scores.loc[order], self.contributions.loc[order]], axis=1)

    def explain(self, customer_id) -> pd.DataFrame:
        """Why an account scores what it scores: normalised value, weight and points per indicator."""
        cid = str(customer_id)
        if cid not in self.scores.index:
            raise KamlibError(f"scorecard: account {cid!r} is not in the scored accounts")
        return pd.DataFrame({"normalised": self.normalised.loc[cid], "weight": self.weights,
                             "points": self.contributions.loc[cid]}).sort_values("points", ascending=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([self.scores, self.contributions], axis=1)

    def _repr_html_(self) -> str:
        return self.weights_frame().to_html()


def _scorecard_matrix(indicators: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    X = pd.DataFrame(index=indicators.index)
    for c in cols:
        x = indicators[c].astype("float64")
        if c in LOG_SCALE:
            x = np.sign(x) * np.log1p(x.abs())
        # winsorise at the 1st / 99th percentile so a single outlier does not define the scale
        if x.notna().sum() >= 20:
            lo, hi = x.quantile(0.01), x.quantile(0.99)
            x = x.clip(lo, hi)
        X[c] = x
    return X


def scorecard(indicators: pd.DataFrame, weights: Mapping[str, float] | None = None,
              method: Literal["manual", "entropy"] = "entropy", *,
              indicators_used: Sequence[str] | None = None,
              directions: Mapping[str, int] | None = None, discrete_weight: float = 0.05,
              weight_cap: float = 0.35, lang: str = "en") -> ScorecardResult:
    """Composite 0-100 score from indicators of the four groups, each account's score explainable.

    Parameters
    ----------
    indicators : DataFrame
        Output of :func:`customer_indicators`.
    weights : mapping indicator -> weight, optional
        ``method="manual"``: the indicators and their weights (rescaled to sum 1). Without weights,
        manual scoring gives each available indicator group an equal share, split equally within it.
        Ignored (with a warning) by ``method="entropy"``.
    method : {"entropy", "manual"}
        "entropy": objective weights from the entropy-weight method (:func:`entropy_weights`) on the
        normalised indicators: indicators that separate accounts more get more weight.
    indicators_used : sequence, optional
        Indicators to score (default: the keys of ``weights``, else :data:`DEFAULT_SCORECARD_INDICATORS`
        that are available). ``params.value.indicators``.
    directions : mapping, optional
        Overrides of :data:`DIRECTIONS` (+1 higher is better, -1 lower is better).
    discrete_weight : float, default 0.05
        ``method="entropy"``: the fixed weight of each categorical or ordinal indicator (size band, the 1-5 fit
        scores of :data:`DISCRETE_INDICATORS`, any indicator with at most 5 distinct values). Entropy rewards
        dispersion, not importance: a discrete or heavily skewed indicator would otherwise take the weight
        from revenue and profit. The continuous indicators share the rest by the entropy method.
    weight_cap : float, default 0.35
        A warning is recorded when one indicator takes more than this share of the weight.
    lang : {"en", "zh"}
        Unused: the warnings are keyed messages (``.warnings``) that the report renders in its own language.
        Kept so that existing calls still work.

    Any numeric column of ``indicators`` can be scored (e.g. a CLV ``expected_revenue_12m``; higher is better
    unless ``directions`` says otherwise).

    Notes
    -----
    Amounts and counts (revenue, gross profit, overdue, order frequency...) are put on a signed log scale,
    every indicator is winsorised at its 1st/99th percentile and min-max scaled to [0, 1] with direction applied
    (1 = best).
    Missing values score the indicator's median (an account without paid invoices is neither rewarded nor
    punished on days to pay), except accounts with no orders, which score 0 on recency.
    Score = 100 × Σ_j w_j z_ij; contribution_ij = 100 w_j z_ij.
    """
    notes: list[Message] = []
    if method not in ("manual", "entropy"):
        raise KamlibError(f"scorecard: method must be 'manual' or 'entropy', got {method!r} "
                          "(params value.scorecard_method)")
    dirs = {**DIRECTIONS, **(directions or {})}
    if weights is not None and method == "entropy":
        msg = Message("value.warn.weights_ignored")
        notes.append(msg)
        warnings.warn(StatisticalWarning(msg), stacklevel=2)
    if indicators_used is not None:
        cols = list(indicators_used)
    elif weights is not None and method == "manual":
        cols = list(weights)
    else:
        cols = [c for c in DEFAULT_SCORECARD_INDICATORS if c in indicators]
    missing = [c for c in cols if c not in indicators]
    if missing:
        raise KamlibError(f"scorecard: unknown indicator(s) {missing}; available: "
                          f"{', '.join(c for c in indicators.columns if c in INDICATOR_GROUPS)}")
    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(indicators[c])]
    if bad:
        raise KamlibError(f"scorecard: indicator(s) {bad} are not numeric; score numeric indicators only")
    empty = [c for c in cols if indicators[c].isna().all()]
    if empty:
        msg = Message("value.warn.no_data", {"indicators": [IndicatorName(c) for c in empty]})
        notes.append(msg)
        warnings.warn(StatisticalWarning(msg), stacklevel=2)
        cols = [c for c in cols if c not in empty]
    if not cols:
        raise AnalysisError("scorecard: no indicator with data to score; check the ledger and value.indicators")
    if len(indicators) == 0:
        raise AnalysisError("scorecard: no accounts to score")

    X = _scorecard_matrix(indicators, cols)
    Z = _minmax(X, dirs)
    const = [c for c in cols if X[c].nunique(dropna=True) <= 1]
    for c in const:
        Z[c] = 0.5  # no variation: every account is average on it
    no_orders = indicators["order_count"].fillna(0) <= 0 if "order_count" in indicators else None
    for c in cols:
        if Z[c].isna().any():
            fill = 0.0 if (c == "recency_days") else Z[c].median()
            if c == "recency_days" and no_orders is not None:
                Z[c] = Z[c].where(~(Z[c].isna() & no_orders), 0.0)
            Z[c] = Z[c].fillna(fill if pd.notna(fill) else 0.5)

    if method == "entropy":
        w = _guarded_entropy(X, Z, cols, const, discrete_weight, notes)
    else:
        if weights is not None:
            w = pd.Series({c: float(weights.get(c, 0.0)) for c in cols})
            if (w < 0).any():
                raise KamlibError(f"scorecard: weights must be >= 0, got {w[w < 0].to_dict()} (params value.weights)")
            if w.sum() <= 0:
                raise KamlibError("scorecard: the manual weights sum to 0 (params value.weights)")
        else:
            groups = pd.Series({c: INDICATOR_GROUPS.get(c, "other") for c in cols})
            w = 1.0 / groups.map(groups.value_counts())
        w = w / w.sum()
    top = w.idxmax()
    if len(cols) >= 4 and w[top] > weight_cap:
        msg = Message("value.warn.weight_cap", {"indicator": IndicatorName(str(top)), "share": fmt.pct(w[top]),
                                                "cap": fmt.pct(weight_cap)})
        notes.append(msg)
        warnings.warn(StatisticalWarning(msg), stacklevel=2)
    contrib = Z[cols].mul(w * 100.0, axis=1)
    scores = contrib.sum(axis=1).rename("score")
    return ScorecardResult(scores=scores, contributions=contrib, weights=w.rename("weight"), normalised=Z[cols],
                           directions=pd.Series({c: dirs.get(c, 1) for c in cols}), method=method,
                           warnings=tuple(notes))


def _is_discrete(x: pd.Series, name: str) -> bool:
    return name in DISCRETE_INDICATORS or x.nunique(dropna=True) <= 5


def _guarded_entropy(X: pd.DataFrame, Z: pd.DataFrame, cols: list[str], const: list[str], discrete_weight: float,
                     notes: list[Message]) -> pd.Series:
    """Entropy weights on the continuous indicators, a fixed ``discrete_weight`` for each categorical or
    ordinal one (constant indicators get 0)."""
    if not 0 <= discrete_weight < 1:
        raise KamlibError(f"scorecard: discrete_weight must be in [0, 1), got {discrete_weight}")
    live = [c for c in cols if c not in const]
    discrete = [c for c in live if _is_discrete(X[c], c)]
    cont = [c for c in live if c not in discrete]
    w = pd.Series(0.0, index=cols)
    if not live:
        return pd.Series(1.0 / len(cols), index=cols)
    if not cont:
        w[discrete] = 1.0 / len(discrete)
        return w
    fixed = min(discrete_weight * len(discrete), 0.5)   # discrete indicators never hold the majority
    if discrete:
        w[discrete] = fixed / len(discrete)
    if len(Z) < 2:
        notes.append(Message("value.w.entropy_few"))
        w[cont] = (1.0 - fixed) / len(cont)
    else:
        we = entropy_weights(Z[cont], normalise=False)
        we = we / we.sum() if we.sum() > 0 else pd.Series(1.0 / len(cont), index=cont)
        w[cont] = we * (1.0 - fixed)
    return w


def top_accounts(customers: pd.DataFrame, result: ScorecardResult, n: int = 20,
                 columns: Sequence[str] = ("name", "tier", "region", "revenue")) -> pd.DataFrame:
    """The ``n`` highest-scoring *active* accounts (all accounts when there is no ``active`` column):
    selected customer columns, ``score`` and one ``pts:<indicator>`` column per indicator (points
    contributed), so each tier is explainable account by account.

    Parameters
    ----------
    customers : DataFrame
        Customer frame indexed by ``customer_id`` (``active`` used when present).
    result : ScorecardResult
        Scorecard of these accounts.
    n : int
        Number of accounts.
    columns : sequence of str
        Customer columns to show (those absent are skipped).

    Returns
    -------
    DataFrame
        Highest score first, indexed by ``customer_id``.
    """
    among = customers.index[customers["active"].fillna(False).astype(bool)] if "active" in customers else None
    top = result.top(n, among=among)
    cols = [c for c in columns if c in customers]
    pts = top.drop(columns="score").add_prefix("pts:")
    return customers.loc[top.index, cols].join(top[["score"]]).join(pts)
