"""Reliability: Cronbach's alpha with the Feldt interval, per construct."""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .. import fmt
from ..errors import AnalysisError, StatisticalWarning
from ..i18n import Message
from ._stats import _frame_html, _msg, _numeric, _warn, _z
from .labels import construct_label
from .surveys import _item_columns, _options, _prepare

#: the alpha warnings start with the construct they concern; cronbach_alpha alone does not know it
_NO_PREFIX = {"prefix_zh": "", "prefix_en": ""}


def _prefixed(m, construct) -> Message | str:
    """An alpha warning of one construct, naming it in front."""
    if isinstance(m, Message):
        return Message(m.key, {**dict(m.params), "prefix_zh": f"{construct_label(construct, 'zh')}：",
                               "prefix_en": f"{construct_label(construct, 'en')}: "})
    return f"{construct}: {m}"


@dataclass(frozen=True, eq=False)
class AlphaResult:
    """Cronbach's alpha of one set of items with a Feldt confidence interval and item statistics.

    ``items`` has one row per item: ``n``, ``mean``, ``sd``, ``item_total_r`` (corrected item-total
    correlation: the item against the sum of the *other* items) and ``alpha_if_deleted``.
    """

    alpha: float
    ci_lower: float
    ci_upper: float
    n: int
    k: int
    missing: str = "pairwise"
    ci: float = 0.95
    method: str = "Feldt"
    items: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    estimable: bool = True
    warnings: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.items.copy()

    def _repr_html_(self) -> str:
        head = (f"<p>alpha = {fmt.number(self.alpha, digits=3)} [{fmt.number(self.ci_lower, digits=3)}, "
                f"{fmt.number(self.ci_upper, digits=3)}] ({self.method} {int(self.ci * 100)}% CI, n = {self.n}, "
                f"k = {self.k}, {self.missing})</p>")
        return head + _frame_html(self.items)


def _alpha_from_cov(c: np.ndarray) -> float:
    k = c.shape[0]
    total = c.sum()
    if k < 2 or not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(c) / total))


def cronbach_alpha(items: pd.DataFrame, missing: Literal["pairwise", "listwise"] = "pairwise",
                   ci: float = 0.95, min_n: int = 3) -> AlphaResult:
    """Cronbach's alpha with a Feldt (1965) confidence interval, item-total correlations and alpha if deleted.

    Parameters
    ----------
    items : DataFrame
        One column per item, one row per respondent (numeric; NaN = not answered).
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``pairwise``: each covariance uses every respondent who answered both items (keeps data, the
        matrix may be slightly inconsistent); ``listwise``: only respondents who answered every item.
    ci : float, default 0.95
    min_n : int, default 3
        Fewer respondents make alpha not estimable (NaN + warning).

    Returns
    -------
    AlphaResult
        ``alpha = k/(k-1) (1 - tr(C) / sum(C))`` from the item covariance matrix C. Interval (Feldt):
        ``1 - (1 - alpha) F_{1-a/2}(n-1, (n-1)(k-1))`` to ``1 - (1 - alpha) F_{a/2}(...)``, where ``n`` is
        the number of respondents used (listwise: complete rows; pairwise: rows with any answer), as in
        ``psych::alpha.ci`` and ``pingouin.cronbach_alpha``.
    """
    _z(ci)
    if missing not in ("pairwise", "listwise"):
        raise AnalysisError(f"cronbach_alpha: missing must be 'pairwise' or 'listwise', got {missing!r}")
    if not isinstance(items, pd.DataFrame):
        raise AnalysisError(f"cronbach_alpha: items must be a DataFrame (one column per item), got "
                            f"{type(items).__name__}")
    x = items.apply(lambda c: pd.to_numeric(c, errors="coerce")).astype("float64")
    x = x.dropna(how="all")
    if missing == "listwise":
        x = x.dropna(how="any")
    k = x.shape[1]
    n = int(len(x))
    msgs: list = []
    nan = float("nan")
    empty = pd.DataFrame(index=pd.Index(list(items.columns), name="item"),
                         columns=["n", "mean", "sd", "item_total_r", "alpha_if_deleted"], dtype="float64")
    if k < 2:
        _warn(msgs, _msg("alpha_one_item", k=k, items=", ".join(map(str, items.columns)), **_NO_PREFIX))
        return AlphaResult(nan, nan, nan, n, k, missing, ci, "Feldt", empty, False, tuple(msgs))
    if n < min_n:
        _warn(msgs, _msg("alpha_ne_n", n=n, min_n=min_n, **_NO_PREFIX))
        return AlphaResult(nan, nan, nan, n, k, missing, ci, "Feldt", empty, False, tuple(msgs))
    c = x.cov().to_numpy()  # pandas uses pairwise-complete observations
    a = _alpha_from_cov(c)
    if not np.isfinite(a) or np.isnan(c).any():
        _warn(msgs, _msg("alpha_no_var", **_NO_PREFIX))
        a = nan
    rows = []
    total = x.sum(axis=1, min_count=1)
    for j, col in enumerate(x.columns):
        rest = total - x[col].fillna(0.0)
        rest = rest.where(x.drop(columns=col).notna().any(axis=1))
        ok = x[col].notna() & rest.notna()
        r = (float(np.corrcoef(x.loc[ok, col], rest[ok])[0, 1])
             if ok.sum() > 2 and x.loc[ok, col].std() > 0 and rest[ok].std() > 0 else nan)
        keep = [i for i in range(k) if i != j]
        rows.append({"item": col, "n": int(x[col].notna().sum()), "mean": float(x[col].mean()),
                     "sd": float(x[col].std()), "item_total_r": r,
                     "alpha_if_deleted": _alpha_from_cov(c[np.ix_(keep, keep)]) if k > 2 else nan})
    table = pd.DataFrame(rows).set_index("item")
    if not np.isfinite(a):
        return AlphaResult(nan, nan, nan, n, k, missing, ci, "Feldt", table, False, tuple(msgs))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * stats.f.isf((1 - ci) / 2, df1, df2)
    hi = 1 - (1 - a) * stats.f.isf(1 - (1 - ci) / 2, df1, df2)
    if n < 30:
        _warn(msgs, _msg("alpha_small", n=n, lo=f"{lo:.2f}", hi=f"{hi:.2f}", **_NO_PREFIX))
    if a < 0:
        _warn(msgs, _msg("alpha_negative", a=f"{a:.2f}", **_NO_PREFIX))
    return AlphaResult(float(a), float(lo), float(hi), n, k, missing, ci, "Feldt", table, True, tuple(msgs))


@dataclass(frozen=True, eq=False)
class ReliabilityResult:
    """Cronbach's alpha per construct (``table``) and the per-construct :class:`AlphaResult` objects."""

    table: pd.DataFrame
    alphas: dict = field(default_factory=dict, repr=False)
    missing: str = "pairwise"
    warnings: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def item_table(self) -> pd.DataFrame:
        """Item-total correlation and alpha-if-deleted of every item, with its construct."""
        parts = [a.items.assign(construct=c) for c, a in self.alphas.items() if len(a.items)]
        return pd.concat(parts) if parts else pd.DataFrame()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def reliability(surveys: pd.DataFrame, settings=None, *, constructs: Mapping[str, Sequence[str]] | None = None,
                missing: Literal["pairwise", "listwise"] | None = None, ci: float | None = None,
                min_n: int | None = None) -> ReliabilityResult:
    """Cronbach's alpha (Feldt interval) of every construct in ``constructs``, respondent level.

    Reliability describes how consistently *respondents* answer a construct's items, so it is always
    computed on responses (not account means).

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    settings : SatisfactionSection, optional
        Deprecated: pass the options below as keywords (``params.satisfaction.<option>``).
    constructs : dict of str to list of str, optional
        Construct name -> its Likert item columns (``params.satisfaction.constructs``); default none.
    missing : {"pairwise", "listwise"}, optional
        Handling of unanswered items (:func:`cronbach_alpha`); default ``pairwise``.
    ci : float, optional
        Confidence level of the Feldt interval; default 0.95.
    min_n : int, optional
        Fewest responses for an alpha; default 10.

    Returns
    -------
    ReliabilityResult
        ``table`` indexed by construct: ``k``, ``alpha``, ``ci_lower``, ``ci_upper``, ``n``, ``estimable``;
        ``alphas``: construct -> :class:`AlphaResult`.
    """
    st = _options("reliability", settings, constructs=constructs, missing=missing, ci=ci, min_n=min_n)
    s = _prepare(surveys, "reliability")
    items_of = _item_columns(s, st.constructs, "reliability")
    msgs: list = []
    rows, alphas = [], {}
    for cname, items in items_of.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatisticalWarning)
            a = cronbach_alpha(_numeric(s, items), missing=st.missing, ci=st.ci, min_n=st.min_n)
        for m in a.warnings:
            _warn(msgs, _prefixed(m, cname))
        del caught
        alphas[cname] = a
        rows.append({"construct": cname, "k": a.k, "alpha": a.alpha, "ci_lower": a.ci_lower,
                     "ci_upper": a.ci_upper, "n": a.n, "estimable": a.estimable})
    t = pd.DataFrame(rows, columns=["construct", "k", "alpha", "ci_lower", "ci_upper", "n", "estimable"])
    return ReliabilityResult(t.set_index("construct"), alphas, st.missing, tuple(msgs))

