"""NPS and top-box shares with their intervals."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ._stats import _as_float, _check_range, _frame_html, _msg, _warn, _wilson, _z


@dataclass(frozen=True, eq=False)
class NPSResult:
    """Net Promoter Score with its standard error (all in points, -100..100).

    ``aggregate`` says how it was computed: ``"respondent"`` (every response once, multinomial standard
    error) or ``"account"`` (each account's NPS first, then the mean over accounts with a t interval; the
    shares are the mean shares of the accounts, so ``nps == 100 * (promoters - detractors)`` either way).
    """

    nps: float
    se: float
    ci_lower: float
    ci_upper: float
    promoters: float
    passives: float
    detractors: float
    n: int
    ci: float = 0.95
    estimable: bool = True
    warnings: tuple = ()
    aggregate: str = "respondent"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in ("nps", "se", "ci_lower", "ci_upper", "promoters",
                                                            "passives", "detractors", "n", "estimable")}])

    def _repr_html_(self) -> str:
        return _frame_html(self.to_frame())


def nps(scores, ci: float = 0.95, min_n: int = 2) -> NPSResult:
    """Net Promoter Score of 0-10 answers with a closed-form standard error and confidence interval.

    Parameters
    ----------
    scores : array-like of float
        Likelihood-to-recommend answers 0-10; missing values are dropped.
    ci : float, default 0.95
        Confidence level.
    min_n : int, default 2
        Fewer non-missing answers make the NPS not estimable (NaN, ``estimable=False``, a warning).

    Returns
    -------
    NPSResult
        ``nps`` = 100 (p_P - p_D); ``se`` = 100 sqrt((p_P + p_D - (p_P - p_D)^2) / n), the standard error of
        a difference of two multinomial shares; Wald interval ``nps ± z se`` clipped to [-100, 100].

    Raises
    ------
    DataError
        When a score is outside 0-10 or not numeric.
    """
    z = _z(ci)
    x = _as_float(scores, "nps")
    x = x[~np.isnan(x)]
    _check_range(x, 0, 10, "nps")
    n = int(len(x))
    msgs: list = []
    if n < max(1, min_n):
        _warn(msgs, _msg("nps_ne", n=n, min_n=min_n))
        nan = float("nan")
        return NPSResult(nan, nan, nan, nan, nan, nan, nan, n, ci, False, tuple(msgs))
    pp = float(np.mean(x >= 9))
    pd_ = float(np.mean(x <= 6))
    pa = 1.0 - pp - pd_
    score = 100.0 * (pp - pd_)
    se = 100.0 * float(np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / n))
    if se == 0.0:
        _warn(msgs, _msg("nps_one_category", n=n))
    elif n < 30:
        _warn(msgs, _msg("nps_small", n=n))
    lo = max(-100.0, score - z * se)
    hi = min(100.0, score + z * se)
    return NPSResult(score, se, lo, hi, pp, pa, pd_, n, ci, True, tuple(msgs))


@dataclass(frozen=True, eq=False)
class TopBoxResult:
    """Share of answers in the top ``box`` categories (e.g. CSAT = top-2-box of a 5-point item)."""

    share: float
    ci_lower: float
    ci_upper: float
    n: int
    box: int = 2
    scale: int = 5
    ci: float = 0.95
    estimable: bool = True
    warnings: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in ("share", "ci_lower", "ci_upper", "n", "box",
                                                            "scale", "estimable")}])

    def _repr_html_(self) -> str:
        return _frame_html(self.to_frame())


def top_box(responses, box: int = 2, scale: int = 5, ci: float = 0.95, min_n: int = 2) -> TopBoxResult:
    """Share of answers in the top ``box`` points of a 1..``scale`` item, with a Wilson interval.

    Parameters
    ----------
    responses : array-like of float
        Answers 1..scale; missing values are dropped.
    box : int, default 2
        How many top points count as satisfied (2: 4 and 5 on a 5-point scale).
    scale : int, default 5
    ci : float, default 0.95
    min_n : int, default 2
        Fewer answers make the share not estimable (NaN + warning).

    Returns
    -------
    TopBoxResult
        ``share`` in [0, 1] with the Wilson score interval (well behaved at 0 % and 100 %, unlike Wald).
    """
    z = _z(ci)
    if not (1 <= box < scale):
        raise AnalysisError(f"top_box: box must be between 1 and scale - 1 ({scale - 1}), got {box}")
    x = _as_float(responses, "top_box responses")
    x = x[~np.isnan(x)]
    _check_range(x, 1, scale, f"top_box (1-{scale} scale)")
    n = int(len(x))
    msgs: list = []
    if n < max(1, min_n):
        _warn(msgs, _msg("topbox_ne", box=box, n=n, min_n=min_n))
        nan = float("nan")
        return TopBoxResult(nan, nan, nan, n, box, scale, ci, False, tuple(msgs))
    k = float(np.sum(x >= scale - box + 1))
    lo, hi = _wilson(k, n, z)
    if n < 30:
        _warn(msgs, _msg("topbox_small", box=box, n=n))
    return TopBoxResult(k / n, lo, hi, n, box, scale, ci, True, tuple(msgs))

