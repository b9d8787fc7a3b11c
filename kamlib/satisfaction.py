"""Satisfaction statistics for key-account surveys: Likert items, CSAT, NPS, reliability, group and wave
tests, drivers, and the account-level frame that joins the customer table.

Key-account surveys are small and answered by several people per account (decision makers, users,
procurement). Every statistic here therefore comes with its sample size and a confidence interval, and a
statistic computed from fewer than ``min_n`` units is *not estimable*: it is NaN, flagged
(``estimable=False``) and explained in ``warnings`` -- never a number that looks precise.

Aggregation
-----------
``aggregate="account"`` (the default, ``params.satisfaction.aggregate``) first summarises the respondents
of each account (mean score, share in the top box, NPS of the account's respondents) and then treats each
account as one observation: an account that sends ten questionnaires weighs as much as one that sends one.
Confidence intervals are then t intervals over the account values (n = accounts). ``aggregate="respondent"``
treats every response as one observation (Wilson interval for shares, closed-form multinomial standard
error for NPS, t interval for means; n = responses).

Methods stated
--------------
* NPS: promoters 9-10, detractors 0-6; SE from the multinomial closed form
  ``sqrt((p_P + p_D - (p_P - p_D)**2) / n)``; Wald interval, clipped to [-100, 100].
* Top-box / CSAT: share of answers in the top ``box`` categories of a ``scale``-point item (CSAT = top-2-box
  of ``overall``); Wilson score interval.
* Cronbach's alpha: from the (pairwise or listwise) item covariance matrix; Feldt (1965) F-distribution
  interval, as in R ``psych::alpha.ci`` and ``pingouin.cronbach_alpha``.
* Groups: Kruskal-Wallis (epsilon-squared) for 3+ groups, Mann-Whitney U (rank-biserial r) for 2;
  chi-square test of the top-2-box share (Cramér's V); Holm (default) or Benjamini-Hochberg correction
  across all tests of one table.
* Waves: paired t-test on account-level values for accounts surveyed in both waves (when at least
  ``min_n`` such accounts exist), otherwise Welch's t-test on the two waves' accounts.
* Drivers: ordinal logistic regression (statsmodels ``OrderedModel``, logit link) of the outcome on the
  items, fitted on responses with complete answers; relative importance by Johnson's (2000) relative
  weights (share of the linear R² attributable to each item, correlated items handled).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import fmt
from .errors import AnalysisError, DataError, StatisticalWarning

__all__ = ["LABELS", "LIKERT_LEVELS", "NPSResult", "TopBoxResult", "nps", "top_box", "account_satisfaction",
           "likert_label"]

#: Likert scale points 5..1 with their labels
LIKERT_LEVELS = (5, 4, 3, 2, 1)

LABELS: dict[str, dict[str, str]] = {
    "satisfaction.title": {"zh": "客户满意度分析", "en": "Customer satisfaction"},
    "satisfaction.overview": {"zh": "概览：CSAT 与 NPS", "en": "Overview: CSAT and NPS"},
    "satisfaction.likert": {"zh": "各题项答案分布", "en": "Answer distribution per item"},
    "satisfaction.items": {"zh": "题项与维度：满意率（前两项）与均值", "en": "Items and constructs: top-2-box and mean"},
    "satisfaction.reliability": {"zh": "信度：Cronbach's α", "en": "Reliability: Cronbach's alpha"},
    "satisfaction.item_total": {"zh": "题项-总分相关与删除该题后的 α", "en": "Item-total correlations and alpha if item deleted"},
    "satisfaction.groups": {"zh": "分组比较", "en": "Group comparisons"},
    "satisfaction.waves": {"zh": "各期变化", "en": "Change between waves"},
    "satisfaction.drivers": {"zh": "满意度驱动因素", "en": "Drivers of overall satisfaction"},
    "satisfaction.ipa": {"zh": "重要性 × 表现 矩阵", "en": "Importance × performance"},
    "satisfaction.accounts": {"zh": "客户层面满意度（并入客户表）", "en": "Account-level satisfaction (joined to the customer frame)"},
    "satisfaction.no_surveys": {"zh": "本区域没有满意度调查数据，本报告其余部分从略。",
                                "en": "This region has no survey data; the rest of this report is skipped."},
    "satisfaction.likert_5": {"zh": "非常满意", "en": "Very satisfied"},
    "satisfaction.likert_4": {"zh": "比较满意", "en": "Satisfied"},
    "satisfaction.likert_3": {"zh": "无意见", "en": "Neutral"},
    "satisfaction.likert_2": {"zh": "不太满意", "en": "Dissatisfied"},
    "satisfaction.likert_1": {"zh": "非常不满意", "en": "Very dissatisfied"},
    "satisfaction.share": {"zh": "占比", "en": "Share"},
    "satisfaction.promoters": {"zh": "推荐者", "en": "Promoters"},
    "satisfaction.passives": {"zh": "中立者", "en": "Passives"},
    "satisfaction.detractors": {"zh": "贬损者", "en": "Detractors"},
    "satisfaction.importance": {"zh": "重要性（相对权重）", "en": "Importance (relative weight)"},
    "satisfaction.performance": {"zh": "表现（均值）", "en": "Performance (mean)"},
    "satisfaction.coef": {"zh": "有序 logit 系数", "en": "Ordinal logit coefficient"},
    "satisfaction.q_keep": {"zh": "继续保持", "en": "Keep up the good work"},
    "satisfaction.q_focus": {"zh": "重点改进", "en": "Concentrate here"},
    "satisfaction.q_low": {"zh": "次要", "en": "Low priority"},
    "satisfaction.q_overkill": {"zh": "可能过度投入", "en": "Possible overkill"},
    "satisfaction.change": {"zh": "变化", "en": "Change"},
    "satisfaction.warnings": {"zh": "注意事项", "en": "Warnings"},
}

_Aggregate = Literal["account", "respondent"]


def likert_label(level: int, lang: str = "zh") -> str:
    """Label of a 1-5 Likert point: 5 -> 非常满意 (zh) / Very satisfied (en)."""
    return LABELS[f"satisfaction.likert_{int(level)}"][lang]


def _t(key: str, lang: str) -> str:
    return LABELS[f"satisfaction.{key}"][lang]


def _warn(msgs: list[str], msg: str) -> None:
    """Emit a StatisticalWarning and keep it for the result's ``warnings`` tuple."""
    warnings.warn(msg, StatisticalWarning, stacklevel=3)
    msgs.append(msg)


def _z(ci: float) -> float:
    if not 0 < ci < 1:
        raise AnalysisError(f"ci must be a confidence level strictly between 0 and 1 (e.g. 0.95), got {ci!r}")
    return float(stats.norm.ppf(0.5 + ci / 2))


def _as_float(values, what: str) -> np.ndarray:
    """Values as a 1-d float array with NaN for missing (accepts Series, lists, arrays, nullable dtypes)."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    try:
        return pd.to_numeric(s, errors="raise").astype("float64").to_numpy()
    except (TypeError, ValueError) as e:
        raise DataError(f"{what}: expected numeric scores, got values such as "
                        f"{list(s.dropna().astype(str).unique()[:3])} ({e}). Map text answers to numbers first "
                        "(kamlib.ledger.LIKERT_LABELS lists the accepted Likert words).") from None


def _check_range(x: np.ndarray, lo: float, hi: float, what: str) -> None:
    bad = x[~np.isnan(x) & ((x < lo) | (x > hi))]
    if len(bad):
        raise DataError(f"{what}: {len(bad)} score(s) outside {lo:g}-{hi:g}, e.g. {sorted(set(bad.tolist()))[:5]}. "
                        f"Check the column mapping or the scale of the survey export.")


def _wilson(k: float, n: int, z: float) -> tuple[float, float]:
    if n <= 0:
        return float("nan"), float("nan")
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _frame_html(df: pd.DataFrame) -> str:
    return df.to_html(escape=True, na_rep="—", float_format=lambda v: f"{v:.3f}")


# --------------------------------------------------------------------------------------------- NPS


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score with its multinomial standard error (all in points, -100..100)."""

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
    warnings: tuple[str, ...] = ()

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
    msgs: list[str] = []
    if n < max(1, min_n):
        _warn(msgs, f"NPS not estimable: {n} answer(s), fewer than the minimum of {min_n}.")
        nan = float("nan")
        return NPSResult(nan, nan, nan, nan, nan, nan, nan, n, ci, False, tuple(msgs))
    pp = float(np.mean(x >= 9))
    pd_ = float(np.mean(x <= 6))
    pa = 1.0 - pp - pd_
    score = 100.0 * (pp - pd_)
    se = 100.0 * float(np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / n))
    if se == 0.0:
        _warn(msgs, f"NPS: all {n} answers fall in one category, so the standard error is 0 and the interval "
                    "is degenerate; the true NPS is still uncertain with this few answers.")
    elif n < 30:
        _warn(msgs, f"NPS from only {n} answers: the Wald interval is approximate and wide.")
    lo = max(-100.0, score - z * se)
    hi = min(100.0, score + z * se)
    return NPSResult(score, se, lo, hi, pp, pa, pd_, n, ci, True, tuple(msgs))


# ----------------------------------------------------------------------------------------- top box


@dataclass(frozen=True)
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
    warnings: tuple[str, ...] = ()

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
    msgs: list[str] = []
    if n < max(1, min_n):
        _warn(msgs, f"Top-{box}-box share not estimable: {n} answer(s), fewer than the minimum of {min_n}.")
        nan = float("nan")
        return TopBoxResult(nan, nan, nan, n, box, scale, ci, False, tuple(msgs))
    k = float(np.sum(x >= scale - box + 1))
    lo, hi = _wilson(k, n, z)
    if n < 30:
        _warn(msgs, f"Top-{box}-box share from only {n} answers: the interval is wide.")
    return TopBoxResult(k / n, lo, hi, n, box, scale, ci, True, tuple(msgs))


# ------------------------------------------------------------------------------ account-level frame


def _settings_fields(settings):
    """(constructs, overall column, nps column, min_n) from a SatisfactionSection or None."""
    if settings is None:
        from .params import SatisfactionSection

        settings = SatisfactionSection()
    return settings


def _check_surveys(surveys: pd.DataFrame, where: str) -> None:
    if not isinstance(surveys, pd.DataFrame):
        raise DataError(f"{where}: expected the surveys table as a DataFrame, got {type(surveys).__name__}")
    if "customer_id" not in surveys.columns:
        raise DataError(f"{where}: the surveys table has no 'customer_id' column; map the account column onto "
                        "customer_id in the params file (columns: surveys: {your column: customer_id}).")


def _item_columns(surveys: pd.DataFrame, constructs: dict[str, list[str]], where: str) -> dict[str, list[str]]:
    """Constructs restricted to items present in ``surveys``; a wholly absent construct is an error."""
    out = {}
    for name, items in constructs.items():
        missing = [i for i in items if i not in surveys.columns]
        if missing:
            raise DataError(f"{where}: construct {name!r} names item column(s) {missing} that are not in the "
                            f"surveys table (columns: {list(surveys.columns)}). Fix satisfaction.constructs in "
                            "the params file or the surveys column mapping.")
        out[name] = list(items)
    return out


def _waves(surveys: pd.DataFrame) -> pd.Series:
    """The wave label of each response; derived from the survey date's year-half when absent."""
    if "wave" in surveys.columns and surveys["wave"].notna().any():
        w = surveys["wave"].astype("string")
        if w.isna().any() and "survey_date" in surveys.columns:
            d = pd.to_datetime(surveys["survey_date"])
            w = w.fillna((d.dt.year.astype("string") + "H" + ((d.dt.month > 6) + 1).astype("string")))
        return w
    if "survey_date" in surveys.columns:
        d = pd.to_datetime(surveys["survey_date"])
        return (d.dt.year.astype("Int64").astype("string") + "H"
                + ((d.dt.month > 6).astype("Int64") + 1).astype("string"))
    return pd.Series(pd.NA, index=surveys.index, dtype="string")


def account_satisfaction(surveys: pd.DataFrame, settings=None) -> pd.DataFrame:
    """One row per surveyed account: the account-level satisfaction that joins the customer frame.

    Respondents of an account are averaged first (so an account weighs once, whatever its number of
    respondents). ``kamlib.workbook`` joins this frame onto ``wb.customers`` with the prefix ``sat_``.

    Parameters
    ----------
    surveys : DataFrame
        Canonical ``surveys`` table (``customer_id``, ``survey_date``, ``wave``, ``overall``, ``nps`` and the
        Likert items named in ``settings.constructs``).
    settings : SatisfactionSection, optional
        ``params.satisfaction``; defaults when omitted.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with columns

    * ``n_responses`` (int), ``n_waves`` (int), ``first_survey_date``, ``last_survey_date``, ``last_wave``
    * ``overall``: mean overall satisfaction (1-5) over all the account's responses
    * ``overall_last_wave``: the same within the account's latest wave
    * ``csat``: share of the account's responses with overall 4-5
    * ``nps``: the account's NPS in points (share of promoters - detractors among its respondents, ×100)
    * ``nps_score``: mean 0-10 likelihood to recommend
    * ``dissatisfied``: 1.0 when ``overall`` < 3 (the survival covariate), else 0.0
    * ``construct_<name>``: mean of the construct's items (each response's items averaged first)

    Columns whose source column is absent are NaN. Accounts with one respondent are kept: the frame
    describes accounts, it does not claim precision (use the summary functions for intervals).
    """
    _check_surveys(surveys, "account_satisfaction")
    st = _settings_fields(settings)
    constructs = _item_columns(surveys, st.constructs, "account_satisfaction")
    s = surveys.copy()
    s["customer_id"] = s["customer_id"].astype("string")
    s = s[s["customer_id"].notna()]
    s["_wave"] = _waves(s)
    cols: dict[str, pd.Series] = {}
    g = s.groupby("customer_id", sort=True)
    cols["n_responses"] = g.size().astype("int64")
    cols["n_waves"] = g["_wave"].nunique().astype("int64")
    if "survey_date" in s.columns:
        d = pd.to_datetime(s["survey_date"])
        cols["first_survey_date"] = d.groupby(s["customer_id"]).min()
        cols["last_survey_date"] = d.groupby(s["customer_id"]).max()
        # latest wave = wave of the latest response (wave labels need not sort as strings)
        last = s.assign(_d=d).sort_values(["customer_id", "_d"]).groupby("customer_id")["_wave"].last()
    else:
        last = s.sort_values(["customer_id", "_wave"]).groupby("customer_id")["_wave"].last()
    cols["last_wave"] = last.astype("string")
    idx = cols["n_responses"].index
    ov = st.overall
    if ov in s.columns:
        o = pd.to_numeric(s[ov], errors="coerce").astype("float64")
        _check_range(o.to_numpy(), 1, 5, f"surveys.{ov}")
        cols["overall"] = o.groupby(s["customer_id"]).mean()
        in_last = s["_wave"] == s["customer_id"].map(last)
        cols["overall_last_wave"] = o[in_last].groupby(s["customer_id"][in_last]).mean().reindex(idx)
        sat = (o >= 4).astype("float64").where(o.notna())
        cols["csat"] = sat.groupby(s["customer_id"]).mean()
        cols["dissatisfied"] = (cols["overall"] < 3).astype("float64").where(cols["overall"].notna())
    else:
        for c in ("overall", "overall_last_wave", "csat", "dissatisfied"):
            cols[c] = pd.Series(np.nan, index=idx)
    nc = st.nps
    if nc in s.columns:
        x = pd.to_numeric(s[nc], errors="coerce").astype("float64")
        _check_range(x.to_numpy(), 0, 10, f"surveys.{nc}")
        cat = pd.Series(np.select([x >= 9, x <= 6], [100.0, -100.0], 0.0), index=s.index).where(x.notna())
        cols["nps"] = cat.groupby(s["customer_id"]).mean()
        cols["nps_score"] = x.groupby(s["customer_id"]).mean()
    else:
        cols["nps"] = pd.Series(np.nan, index=idx)
        cols["nps_score"] = pd.Series(np.nan, index=idx)
    for name, items in constructs.items():
        resp = s[items].apply(pd.to_numeric, errors="coerce").astype("float64").mean(axis=1)
        cols[f"construct_{name}"] = resp.groupby(s["customer_id"]).mean()
    out = pd.DataFrame({k: v.reindex(idx) for k, v in cols.items()})
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    return out
