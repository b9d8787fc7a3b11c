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

import functools
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import fmt
from .errors import AnalysisError, DataError, KamlibError, StatisticalWarning

__all__ = [
    "LABELS", "LIKERT_LEVELS", "NPSResult", "TopBoxResult", "AlphaResult", "LikertResult", "SummaryResult",
    "ReliabilityResult", "GroupTestResult", "WaveChangeResult", "DriversResult",
    "nps", "top_box", "cronbach_alpha", "account_satisfaction", "likert_distribution", "item_summary",
    "headline", "reliability", "group_tests", "wave_change", "drivers", "sentences", "likert_label",
    "relative_weights", "resolve_settings", "wave_labels", "format_table", "item_list", "coverage_sentence", "latest_wave",
]

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
    if not pd.api.types.is_numeric_dtype(s):
        from .ledger import LIKERT_LABELS

        words = s.dropna().astype(str).str.strip().str.lower()
        if len(words) and words.isin(list(LIKERT_LABELS)).all():
            # Likert answers exported as words (非常满意 / satisfied ...): map them onto 1-5
            return s.astype("string").str.strip().str.lower().map(LIKERT_LABELS).astype("float64").to_numpy()
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


# ------------------------------------------------------------------------------------ Cronbach alpha


@dataclass(frozen=True)
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
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.items.copy()

    def _repr_html_(self) -> str:
        head = (f"<p>alpha = {fmt.number(self.alpha, 3)} [{fmt.number(self.ci_lower, 3)}, "
                f"{fmt.number(self.ci_upper, 3)}] ({self.method} {int(self.ci * 100)}% CI, n = {self.n}, "
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
    msgs: list[str] = []
    nan = float("nan")
    empty = pd.DataFrame(index=pd.Index(list(items.columns), name="item"),
                         columns=["n", "mean", "sd", "item_total_r", "alpha_if_deleted"], dtype="float64")
    if k < 2:
        _warn(msgs, f"Cronbach's alpha needs at least 2 items; got {k} ({list(items.columns)}). "
                    "A single-item construct has no internal consistency to measure.")
        return AlphaResult(nan, nan, nan, n, k, missing, ci, "Feldt", empty, False, tuple(msgs))
    if n < min_n:
        _warn(msgs, f"Cronbach's alpha not estimable: {n} respondent(s), fewer than the minimum of {min_n}.")
        return AlphaResult(nan, nan, nan, n, k, missing, ci, "Feldt", empty, False, tuple(msgs))
    c = x.cov().to_numpy()  # pandas uses pairwise-complete observations
    a = _alpha_from_cov(c)
    if not np.isfinite(a) or np.isnan(c).any():
        _warn(msgs, "Cronbach's alpha not estimable: the items have no variance (every respondent gave the "
                    "same answers) or too few overlapping answers.")
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
        _warn(msgs, f"Cronbach's alpha from only {n} respondents: the interval [{lo:.2f}, {hi:.2f}] is wide.")
    if a < 0:
        _warn(msgs, f"Cronbach's alpha is negative ({a:.2f}): the items are negatively correlated on average; "
                    "check for reverse-coded items or a wrong construct definition.")
    return AlphaResult(float(a), float(lo), float(hi), n, k, missing, ci, "Feldt", table, True, tuple(msgs))


# -------------------------------------------------------------------- aggregation helpers and tables


def _numeric(s: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    return s[list(cols)].apply(lambda c: pd.to_numeric(c, errors="coerce")).astype("float64")


def _account_codes(ids: pd.Series) -> pd.Series:
    """Account ids as float codes (NaN where missing), for the many per-account groupbys of one table:
    grouping on Arrow-string ids factorizes them every time (20 ms per call on 179,000 responses)."""
    codes = pd.factorize(ids)[0]
    return pd.Series(np.where(codes >= 0, codes, np.nan), index=ids.index)


def _unit_values(values: pd.Series, accounts: pd.Series, aggregate: str) -> pd.Series:
    """Per-unit values: the account mean of ``values`` (account) or the non-missing values (respondent)."""
    if aggregate == "account":
        return values.groupby(accounts).mean().dropna()
    if aggregate != "respondent":
        raise AnalysisError(f"aggregate must be 'account' or 'respondent', got {aggregate!r} "
                            "(satisfaction.aggregate in the params file)")
    return values.dropna()


def _mean_ci(v: pd.Series | np.ndarray, ci: float, lo_b: float = -np.inf, hi_b: float = np.inf):
    """Mean with a t interval (clipped to the scale bounds); (mean, lo, hi, se, n)."""
    v = np.asarray(v, dtype=float)
    n = len(v)
    if n == 0:
        return (np.nan,) * 4 + (0,)
    m = float(v.mean())
    if n < 2:
        return m, np.nan, np.nan, np.nan, n
    se = float(v.std(ddof=1) / np.sqrt(n))
    h = float(stats.t.ppf(0.5 + ci / 2, n - 1)) * se
    return m, max(lo_b, m - h), min(hi_b, m + h), se, n


def _top_flag(v: pd.Series, box: int, scale: int) -> pd.Series:
    return (v >= scale - box + 1).astype("float64").where(v.notna())


def _nps_points(v: pd.Series) -> pd.Series:
    return pd.Series(np.select([v >= 9, v <= 6], [100.0, -100.0], 0.0), index=v.index).where(v.notna())


def _share_stat(flags: pd.Series, accounts: pd.Series, aggregate: str, ci: float, min_n: int,
                what: str, msgs: list[str]) -> dict:
    """Share of 1s in ``flags`` per aggregation, with interval: Wilson (respondent) or t over accounts."""
    if aggregate == "respondent":
        v = flags.dropna()
        n = int(len(v))
        if n < min_n:
            _warn(msgs, f"{what}: not estimable ({n} responses < minimum {min_n}).")
            return {"estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "n": n, "estimable": False}
        lo, hi = _wilson(float(v.sum()), n, _z(ci))
        p = float(v.mean())
        return {"estimate": p, "se": float(np.sqrt(p * (1 - p) / n)), "ci_lower": lo, "ci_upper": hi, "n": n,
                "estimable": True}
    v = _unit_values(flags, accounts, "account")
    n = int(len(v))
    if n < min_n:
        _warn(msgs, f"{what}: not estimable ({n} accounts < minimum {min_n}).")
        return {"estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "n": n, "estimable": False}
    m, lo, hi, se, _ = _mean_ci(v, ci, 0.0, 1.0)
    if se == 0 and m in (0.0, 1.0):
        # every account all-in or all-out: a t interval collapses to a point; Wilson over accounts does not
        lo, hi = _wilson(m * n, n, _z(ci))
    return {"estimate": m, "se": se, "ci_lower": lo, "ci_upper": hi, "n": n, "estimable": True}


def _mean_stat(values: pd.Series, accounts: pd.Series, aggregate: str, ci: float, min_n: int,
               what: str, msgs: list[str], bounds=(-np.inf, np.inf)) -> dict:
    v = _unit_values(values, accounts, aggregate)
    n = int(len(v))
    unit = "accounts" if aggregate == "account" else "responses"
    if n < min_n:
        _warn(msgs, f"{what}: not estimable ({n} {unit} < minimum {min_n}).")
        return {"estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "n": n, "estimable": False}
    m, lo, hi, se, _ = _mean_ci(v, ci, *bounds)
    if se == 0:
        _warn(msgs, f"{what}: all {n} {unit} have the same value, so the interval is degenerate; the true "
                    "value is still uncertain.")
    return {"estimate": m, "se": se, "ci_lower": lo, "ci_upper": hi, "n": n, "estimable": True}


@dataclass(frozen=True)
class SummaryResult:
    """A table of estimates with intervals (``estimate``, ``ci_lower``, ``ci_upper``, ``n``, ``estimable``)."""

    table: pd.DataFrame
    aggregate: str = "account"
    ci: float = 0.95
    kind: str = "summary"
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def _settings(settings):
    return _settings_fields(settings)


def _prepare(surveys: pd.DataFrame, where: str, wave=None) -> pd.DataFrame:
    _check_surveys(surveys, where)
    s = surveys.copy()
    s["customer_id"] = s["customer_id"].astype("string")
    s["_wave"] = _waves(s)
    if wave is not None:
        if wave == "latest":
            wave = _sorted_waves(s["_wave"])[-1] if s["_wave"].notna().any() else None
        s = s[s["_wave"] == wave]
    return s


def wave_labels(surveys: pd.DataFrame) -> pd.Series:
    """Wave label of each response (the ``wave`` column, else the survey date's year-half, e.g. 2025H2)."""
    return _waves(surveys)


def _sorted_waves(w: pd.Series) -> list[str]:
    return sorted(str(v) for v in w.dropna().unique())


def headline(surveys: pd.DataFrame, settings=None, aggregate: str | None = None, wave=None) -> SummaryResult:
    """CSAT (top-2-box of overall), NPS and mean overall satisfaction, each with interval and n.

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    settings : SatisfactionSection, optional
    aggregate : {"account", "respondent"}, optional
        Default ``settings.aggregate`` (account: respondents averaged within an account first).
    wave : str or "latest", optional
        Restrict to one wave (``"latest"``: the last wave label); default all responses.

    Returns
    -------
    SummaryResult
        Rows ``csat`` (share), ``nps`` (points), ``overall`` (1-5 mean); columns ``estimate``, ``se``,
        ``ci_lower``, ``ci_upper``, ``n``, ``unit``, ``estimable``.
    """
    st = _settings(settings)
    agg = aggregate or st.aggregate
    s = _prepare(surveys, "headline", wave)
    msgs: list[str] = []
    acc = s["customer_id"]
    rows = {}
    unit = "accounts" if agg == "account" else "responses"
    if st.overall in s.columns:
        o = pd.to_numeric(s[st.overall], errors="coerce").astype("float64")
        rows["csat"] = _share_stat(_top_flag(o, 2, 5), acc, agg, st.ci, st.min_n, "CSAT", msgs)
        rows["overall"] = _mean_stat(o, acc, agg, st.ci, st.min_n, "Mean overall satisfaction", msgs, (1, 5))
    if st.nps in s.columns:
        x = pd.to_numeric(s[st.nps], errors="coerce").astype("float64")
        if agg == "respondent":
            r = nps(x, ci=st.ci, min_n=st.min_n)
            msgs.extend(r.warnings)
            rows["nps"] = {"estimate": r.nps, "se": r.se, "ci_lower": r.ci_lower, "ci_upper": r.ci_upper,
                           "n": r.n, "estimable": r.estimable}
        else:
            v = _unit_values(_nps_points(x), acc, "account")
            if len(v) < st.min_n:
                _warn(msgs, f"NPS: not estimable ({len(v)} accounts < minimum {st.min_n}).")
                rows["nps"] = {"estimate": np.nan, "se": np.nan, "ci_lower": np.nan, "ci_upper": np.nan,
                               "n": int(len(v)), "estimable": False}
            else:
                m, lo, hi, se, n = _mean_ci(v, st.ci, -100.0, 100.0)
                if se == 0:
                    _warn(msgs, f"NPS: all {n} accounts have the same NPS, so the interval is degenerate.")
                rows["nps"] = {"estimate": m, "se": se, "ci_lower": lo, "ci_upper": hi, "n": n,
                               "estimable": True}
    t = pd.DataFrame.from_dict(rows, orient="index",
                               columns=["estimate", "se", "ci_lower", "ci_upper", "n", "estimable"])
    t["unit"] = unit
    t.index.name = "measure"
    if len(t) and (t["n"] < 30).any() and t["estimable"].all():
        _warn(msgs, f"Headline figures rest on fewer than 30 {unit}: intervals are wide.")
    return SummaryResult(t, agg, st.ci, "headline", tuple(msgs))


@dataclass(frozen=True)
class LikertResult:
    """Answer distribution per item: ``shares`` (rows = items, columns = 1..scale, rows sum to 1),
    ``counts`` (responses) and ``n`` (units: accounts or responses)."""

    shares: pd.DataFrame
    counts: pd.DataFrame
    n: pd.Series
    aggregate: str = "account"
    scale: int = 5
    warnings: tuple[str, ...] = ()

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        out = self.shares.copy()
        if self.scale == 5:
            out.columns = [likert_label(c, lang) for c in out.columns]
        out["n"] = self.n
        return out

    def _repr_html_(self) -> str:
        return _frame_html(self.to_frame())


def likert_distribution(surveys: pd.DataFrame, items: Sequence[str], aggregate: str = "account",
                        scale: int = 5, wave=None) -> LikertResult:
    """Distribution of answers (1..scale) per item.

    With ``aggregate="account"`` each account carries weight 1 per item, split evenly over its respondents
    who answered the item, so a chatty account does not dominate; with ``"respondent"`` every answer counts
    once. ``wave`` restricts to one wave (``"latest"``: the last wave label).
    """
    s = _prepare(surveys, "likert_distribution", wave)
    missing = [i for i in items if i not in s.columns]
    if missing:
        raise DataError(f"likert_distribution: item column(s) {missing} not in the surveys table.")
    x = _numeric(s, items)
    _check_range(x.to_numpy().ravel(), 1, scale, f"Likert items (1-{scale})")
    levels = list(range(1, scale + 1))
    shares, counts, ns = {}, {}, {}
    for it in items:
        v = x[it]
        ok = v.notna()
        r = v[ok].round()
        acc = s["customer_id"][ok]
        counts[it] = r.value_counts().reindex(levels, fill_value=0).astype("int64")
        if aggregate == "account":
            w = 1.0 / acc.map(acc.value_counts())
            tot = w.groupby(r).sum().reindex(levels, fill_value=0.0)
            ns[it] = int(acc.nunique())
        else:
            tot = counts[it].astype("float64")
            ns[it] = int(ok.sum())
        shares[it] = tot / tot.sum() if tot.sum() > 0 else tot * np.nan
    sh = pd.DataFrame(shares).T
    sh.columns = levels
    ct = pd.DataFrame(counts).T
    ct.columns = levels
    return LikertResult(sh, ct, pd.Series(ns, name="n"), aggregate, scale, ())


def item_summary(surveys: pd.DataFrame, settings=None, aggregate: str | None = None, box: int = 2,
                 scale: int = 5, wave=None) -> SummaryResult:
    """Top-box share and mean (each with interval) per item and per construct.

    A construct's score for a response is the mean of its answered items. Rows are indexed by name with a
    ``level`` column ("item" / "construct") and the ``construct`` each item belongs to; columns
    ``mean``, ``mean_lower``, ``mean_upper``, ``top_box``, ``top_box_lower``, ``top_box_upper``, ``n``,
    ``estimable``. Units below ``settings.min_n`` give NaN with ``estimable=False``.
    """
    st = _settings(settings)
    agg = aggregate or st.aggregate
    s = _prepare(surveys, "item_summary", wave)
    constructs = _item_columns(s, st.constructs, "item_summary")
    msgs: list[str] = []
    acc = s["customer_id"]
    rows = []

    def one(name, level, construct, v):
        m = _mean_stat(v, acc, agg, st.ci, st.min_n, f"Mean of {name}", msgs, (1, scale))
        tb = _share_stat(_top_flag(v, box, scale), acc, agg, st.ci, st.min_n, f"Top-{box}-box of {name}", msgs)
        rows.append({"name": name, "level": level, "construct": construct, "mean": m["estimate"],
                     "mean_lower": m["ci_lower"], "mean_upper": m["ci_upper"], "top_box": tb["estimate"],
                     "top_box_lower": tb["ci_lower"], "top_box_upper": tb["ci_upper"], "n": m["n"],
                     "estimable": bool(m["estimable"] and tb["estimable"])})

    for cname, items in constructs.items():
        x = _numeric(s, items)
        _check_range(x.to_numpy().ravel(), 1, scale, f"construct {cname}")
        for it in items:
            one(it, "item", cname, x[it])
        if len(items) > 1:
            one(cname, "construct", cname, x.mean(axis=1))
    if st.overall in s.columns:
        one(st.overall, "overall", "", pd.to_numeric(s[st.overall], errors="coerce").astype("float64"))
    t = pd.DataFrame(rows, columns=["name", "level", "construct", "mean", "mean_lower", "mean_upper", "top_box",
                                    "top_box_lower", "top_box_upper", "n", "estimable"]).set_index("name")
    return SummaryResult(t, agg, st.ci, "items", tuple(dict.fromkeys(msgs)))


# ---------------------------------------------------------------------------------------- reliability


@dataclass(frozen=True)
class ReliabilityResult:
    """Cronbach's alpha per construct (``table``) and the per-construct :class:`AlphaResult` objects."""

    table: pd.DataFrame
    alphas: dict = field(default_factory=dict, repr=False)
    missing: str = "pairwise"
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def item_table(self) -> pd.DataFrame:
        """Item-total correlation and alpha-if-deleted of every item, with its construct."""
        parts = [a.items.assign(construct=c) for c, a in self.alphas.items() if len(a.items)]
        return pd.concat(parts) if parts else pd.DataFrame()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def reliability(surveys: pd.DataFrame, settings=None) -> ReliabilityResult:
    """Cronbach's alpha (Feldt interval) of every construct in ``settings.constructs``, respondent level.

    Reliability describes how consistently *respondents* answer a construct's items, so it is always
    computed on responses (not account means).
    """
    st = _settings(settings)
    s = _prepare(surveys, "reliability")
    constructs = _item_columns(s, st.constructs, "reliability")
    msgs: list[str] = []
    rows, alphas = [], {}
    for cname, items in constructs.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatisticalWarning)
            a = cronbach_alpha(_numeric(s, items), missing=st.missing, ci=st.ci, min_n=st.min_n)
        for m in a.warnings:
            _warn(msgs, f"{cname}: {m}")
        del caught
        alphas[cname] = a
        rows.append({"construct": cname, "k": a.k, "alpha": a.alpha, "ci_lower": a.ci_lower,
                     "ci_upper": a.ci_upper, "n": a.n, "estimable": a.estimable})
    t = pd.DataFrame(rows, columns=["construct", "k", "alpha", "ci_lower", "ci_upper", "n", "estimable"])
    return ReliabilityResult(t.set_index("construct"), alphas, st.missing, tuple(msgs))


# -------------------------------------------------------------------------------------- group tests


@dataclass(frozen=True)
class GroupTestResult:
    """Group comparisons: one row per (grouping, measure) in ``table``; group levels in ``groups``.

    ``table`` columns: ``by``, ``measure``, ``test`` (Kruskal-Wallis / Mann-Whitney), ``k`` (groups
    compared), ``n``, ``statistic``, ``p``, ``p_adj``, ``effect`` and ``effect_name`` (epsilon² or
    rank-biserial r), ``chi2``, ``chi2_p``, ``chi2_p_adj``, ``cramers_v`` (top-2-box share by group),
    ``unit``. ``correction`` names the multiple-testing method, applied across all rank tests of the table
    and, separately, across all chi-square tests.
    """

    table: pd.DataFrame
    groups: pd.DataFrame
    correction: str = "holm"
    aggregate: str = "account"
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def _measures(s: pd.DataFrame, st, constructs) -> dict[str, tuple[pd.Series, int | None]]:
    """measure name -> (response-level values, scale for top-box or None)."""
    out: dict[str, tuple[pd.Series, int | None]] = {}
    if st.overall in s.columns:
        out[st.overall] = (pd.to_numeric(s[st.overall], errors="coerce").astype("float64"), 5)
    if st.nps in s.columns:
        out[st.nps] = (pd.to_numeric(s[st.nps], errors="coerce").astype("float64"), None)
    for cname, items in constructs.items():
        out[cname] = (_numeric(s, items).mean(axis=1), 5)
    return out


def adjust_pvalues(p, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values: Holm's step-down ("holm") or Benjamini-Hochberg ("fdr_bh").

    The same values as ``statsmodels.stats.multitest.multipletests(p, method=...)[1]`` (tested), without
    its full garbage collection per Holm call (~0.1 s each in a notebook kernel holding a large book).
    """
    p = np.asarray(p, dtype="float64")
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ps * np.arange(m, 0, -1))
    elif method == "fdr_bh":
        adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
    else:
        raise KamlibError(f"adjust_pvalues: method must be 'holm' or 'fdr_bh', got {method!r}")
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def group_tests(surveys: pd.DataFrame, customers: pd.DataFrame | None = None, by: Sequence[str] | None = None,
                settings=None, aggregate: str | None = None, wave=None) -> GroupTestResult:
    """Compare satisfaction across groups (tier, segment, region, respondent role ...).

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    customers : DataFrame, optional
        Account attributes indexed by ``customer_id`` (e.g. ``wb.customers`` with ``tier``, ``segment``).
        A grouping column found in ``surveys`` (e.g. ``respondent_role``) is taken from there instead.
    by : list of str, optional
        Grouping columns; default ``settings.group_by``. Missing columns are skipped with a warning.
    aggregate : {"account", "respondent"}, optional
        Account: the unit is the account (respondents of one account in one group averaged first); for a
        respondent attribute such as role, the unit is (account, role).

    Notes
    -----
    Rank tests compare the measure's distribution (Kruskal-Wallis with epsilon² = H / (n - 1) for 3+ groups;
    Mann-Whitney U with rank-biserial r = 2 U / (n1 n2) - 1 for 2, positive when the first group listed is
    higher). The chi-square test compares the share in the top-2-box (unit mean ≥ 4 for account units).
    Groups with fewer than ``min_n`` units are left out of the test (warning). P-values are adjusted with
    ``settings.correction`` (Holm or Benjamini-Hochberg) across every rank test of the table, and separately
    across every chi-square test.
    """

    st = _settings(settings)
    agg = aggregate or st.aggregate
    s = _prepare(surveys, "group_tests", wave)
    constructs = _item_columns(s, st.constructs, "group_tests")
    msgs: list[str] = []
    by = list(st.group_by if by is None else by)
    meas = _measures(s, st, constructs)
    acc = _account_codes(s["customer_id"])
    rows, grows = [], []
    warned: set[str] = set()
    for b in by:
        respondent_attr = b in s.columns
        if respondent_attr:
            g = s[b].astype("string")
        elif customers is not None and b in customers.columns:
            g = s["customer_id"].map(customers[b].astype("string"))
        else:
            _warn(msgs, f"Group comparison by {b!r} skipped: no such column in the surveys or customer frame.")
            continue
        for mname, (v, scale) in meas.items():
            d = pd.DataFrame({"acc": acc, "g": g, "v": v}).dropna()
            if agg == "account":
                d = d.groupby(["acc", "g"], as_index=False)["v"].mean()
            sizes = d.groupby("g")["v"].size()
            small = sizes[sizes < st.min_n]
            if len(small) and b not in warned:
                warned.add(b)  # one warning per grouping, not per measure
                _warn(msgs, f"{b}: group(s) {[str(x) for x in small.index]} have fewer than {st.min_n} "
                            f"{'accounts' if agg == 'account' else 'responses'} and are left out of the tests "
                            "(shown as not estimable).")
            keep = [k for k in sizes.index if sizes[k] >= st.min_n]
            for lvl in sizes.index:
                vv = d.loc[d["g"] == lvl, "v"]
                m, lo, hi, _, n = _mean_ci(vv, st.ci)
                grows.append({"by": b, "measure": mname, "group": str(lvl), "n": n,
                              "mean": m if n >= st.min_n else np.nan,
                              "ci_lower": lo if n >= st.min_n else np.nan,
                              "ci_upper": hi if n >= st.min_n else np.nan,
                              "top_box": float((vv >= 4).mean()) if scale and n >= st.min_n else np.nan,
                              "estimable": n >= st.min_n})
            row = {"by": b, "measure": mname, "test": "", "k": len(keep), "n": 0, "statistic": np.nan,
                   "unit": ("responses" if agg == "respondent" else f"account×{b}" if respondent_attr
                            else "accounts"),
                   "p": np.nan, "effect": np.nan, "effect_name": "", "chi2": np.nan, "chi2_p": np.nan,
                   "cramers_v": np.nan}
            if len(keep) < 2:
                row["test"] = "not estimable"
                rows.append(row)
                continue
            d = d[d["g"].isin(keep)]
            samples = [d.loc[d["g"] == k_, "v"].to_numpy() for k_ in keep]
            n = int(len(d))
            row["n"] = n
            if np.ptp(d["v"].to_numpy()) == 0:
                _warn(msgs, f"{b} / {mname}: every unit has the same value; no test is possible.")
                row["test"] = "not estimable"
                rows.append(row)
                continue
            if len(keep) == 2:
                u = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
                row.update(test=f"Mann-Whitney ({keep[0]} vs {keep[1]})", statistic=float(u.statistic),
                           p=float(u.pvalue), effect=float(2 * u.statistic / (len(samples[0]) * len(samples[1])) - 1),
                           effect_name="rank-biserial r")
            else:
                h = stats.kruskal(*samples)
                row.update(test="Kruskal-Wallis", statistic=float(h.statistic), p=float(h.pvalue),
                           effect=float(h.statistic / (n - 1)), effect_name="epsilon²")
            if scale:
                top = (d["v"] >= 4)
                tab = pd.crosstab(d["g"], top)
                if tab.shape == (len(keep), 2):
                    chi2, p, _, expected = stats.chi2_contingency(tab.to_numpy(), correction=False)
                    if (expected < 5).any() and f"chi2:{b}" not in warned:
                        warned.add(f"chi2:{b}")
                        _warn(msgs, f"{b}: some expected top-2-box counts are below 5, so the chi-square "
                                    "p-values are approximate.")
                    row.update(chi2=float(chi2), chi2_p=float(p), cramers_v=float(np.sqrt(chi2 / n)))
            rows.append(row)
    cols = ["by", "measure", "test", "k", "n", "statistic", "p", "p_adj", "effect", "effect_name", "chi2",
            "chi2_p", "chi2_p_adj", "cramers_v"]
    t = pd.DataFrame(rows)
    if len(t):
        for pc in ("p", "chi2_p"):
            adj = np.full(len(t), np.nan)
            ok = t[pc].notna().to_numpy()
            if ok.any():
                adj[ok] = adjust_pvalues(t.loc[ok, pc].to_numpy(), st.correction)
            t[pc + "_adj" if pc == "chi2_p" else "p_adj"] = adj
    t = t.reindex(columns=cols + ["unit"])
    gt = pd.DataFrame(grows, columns=["by", "measure", "group", "n", "mean", "ci_lower", "ci_upper", "top_box",
                                      "estimable"])
    return GroupTestResult(t, gt, st.correction, agg, tuple(dict.fromkeys(msgs)))


# ---------------------------------------------------------------------------------------------- waves


@dataclass(frozen=True)
class WaveChangeResult:
    """Change of each measure between consecutive waves (``table``) and the level per wave (``levels``).

    ``table`` columns: ``measure``, ``wave_a``, ``wave_b``, ``level_a``, ``level_b``, ``change``
    (level_b - level_a over all units), ``n_a``, ``n_b``, ``n_paired``, ``test``, ``diff`` (the difference
    the test estimates: mean within-account change for the paired test), ``ci_lower``, ``ci_upper``, ``p``,
    ``p_adj``, ``estimable``.
    """

    table: pd.DataFrame
    levels: pd.DataFrame
    waves: tuple[str, ...] = ()
    aggregate: str = "account"
    correction: str = "holm"
    warnings: tuple[str, ...] = ()
    overall: str = "overall"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def wave_change(surveys: pd.DataFrame, settings=None, aggregate: str | None = None) -> WaveChangeResult:
    """Change in CSAT, NPS, mean overall and each construct between consecutive survey waves.

    Accounts surveyed in both waves are compared with themselves: a paired t-test on the account-level
    values (mean score, top-2-box share, account NPS) when at least ``min_n`` accounts answered both waves.
    Otherwise the two waves are compared as independent samples (Welch's t-test on the units chosen by
    ``aggregate``). P-values are adjusted across the table with ``settings.correction``. With fewer than two
    waves the table is empty and a warning says so.
    """

    st = _settings(settings)
    agg = aggregate or st.aggregate
    s = _prepare(surveys, "wave_change")
    constructs = _item_columns(s, st.constructs, "wave_change")
    msgs: list[str] = []
    waves = _sorted_waves(s["_wave"])
    meas: dict[str, tuple[pd.Series, tuple[float, float]]] = {}
    if st.overall in s.columns:
        o = pd.to_numeric(s[st.overall], errors="coerce").astype("float64")
        meas["csat"] = (_top_flag(o, 2, 5), (0.0, 1.0))
        meas[st.overall] = (o, (1.0, 5.0))
    if st.nps in s.columns:
        meas["nps"] = (_nps_points(pd.to_numeric(s[st.nps], errors="coerce").astype("float64")), (-100.0, 100.0))
    for cname, items in constructs.items():
        meas[cname] = (_numeric(s, items).mean(axis=1), (1.0, 5.0))
    cols = ["measure", "wave_a", "wave_b", "level_a", "level_b", "change", "n_a", "n_b", "n_paired", "test",
            "diff", "ci_lower", "ci_upper", "p", "p_adj", "estimable"]
    lvl_rows = []
    acc = _account_codes(s["customer_id"])
    for mname, (v, bounds) in meas.items():
        for w in waves:
            sel = s["_wave"] == w
            m, lo, hi, _, n = _mean_ci(_unit_values(v[sel], acc[sel], agg), st.ci, *bounds)
            ok = n >= st.min_n
            lvl_rows.append({"measure": mname, "wave": w, "estimate": m if ok else np.nan,
                             "ci_lower": lo if ok else np.nan, "ci_upper": hi if ok else np.nan, "n": n,
                             "estimable": ok})
    levels = pd.DataFrame(lvl_rows, columns=["measure", "wave", "estimate", "ci_lower", "ci_upper", "n", "estimable"])
    if len(waves) < 2:
        _warn(msgs, f"Wave comparison not possible: the surveys hold {len(waves)} wave(s) "
                    f"({', '.join(waves) or 'none'}); at least two are needed.")
        return WaveChangeResult(pd.DataFrame(columns=cols), levels, tuple(waves), agg, st.correction, tuple(msgs),
                                st.overall)
    rows = []
    for mname, (v, bounds) in meas.items():
        for wa, wb_ in zip(waves[:-1], waves[1:]):
            sa, sb = s["_wave"] == wa, s["_wave"] == wb_
            ua = _unit_values(v[sa], acc[sa], agg)
            ub = _unit_values(v[sb], acc[sb], agg)
            aa = v[sa].groupby(acc[sa]).mean().dropna()
            ab = v[sb].groupby(acc[sb]).mean().dropna()
            both = aa.index.intersection(ab.index)
            row = {"measure": mname, "wave_a": wa, "wave_b": wb_, "level_a": ua.mean() if len(ua) else np.nan,
                   "level_b": ub.mean() if len(ub) else np.nan, "n_a": len(ua), "n_b": len(ub),
                   "n_paired": len(both), "test": "not estimable", "diff": np.nan, "ci_lower": np.nan,
                   "ci_upper": np.nan, "p": np.nan, "estimable": False}
            row["change"] = row["level_b"] - row["level_a"]
            tq = 0.5 + st.ci / 2
            if len(both) >= st.min_n:
                dd = (ab[both] - aa[both]).to_numpy()
                m, lo, hi, se, n = _mean_ci(dd, st.ci)
                p = float(stats.ttest_1samp(dd, 0.0).pvalue) if se > 0 else (1.0 if m == 0 else 0.0)
                row.update(test="paired t (accounts in both waves)", diff=m, ci_lower=lo, ci_upper=hi, p=p,
                           estimable=True)
            elif len(ua) >= st.min_n and len(ub) >= st.min_n:
                r = stats.ttest_ind(ub, ua, equal_var=False)
                va, vb = ua.var(ddof=1) / len(ua), ub.var(ddof=1) / len(ub)
                se = float(np.sqrt(va + vb))
                dfw = (va + vb) ** 2 / (va ** 2 / (len(ua) - 1) + vb ** 2 / (len(ub) - 1)) if se > 0 else 1.0
                h = float(stats.t.ppf(tq, dfw)) * se
                diff = float(ub.mean() - ua.mean())
                row.update(test="Welch t (independent waves)", diff=diff, ci_lower=diff - h, ci_upper=diff + h,
                           p=float(r.pvalue) if se > 0 else np.nan, estimable=se > 0)
            else:
                _warn(msgs, f"{mname} {wa}→{wb_}: too few units ({len(ua)}, {len(ub)}; {len(both)} paired) for "
                            f"a test (minimum {st.min_n}).")
            rows.append(row)
    t = pd.DataFrame(rows)
    ok = t["p"].notna().to_numpy()
    adj = np.full(len(t), np.nan)
    if ok.any():
        adj[ok] = adjust_pvalues(t.loc[ok, "p"].to_numpy(), st.correction)
    t["p_adj"] = adj
    return WaveChangeResult(t.reindex(columns=cols), levels, tuple(waves), agg, st.correction,
                            tuple(dict.fromkeys(msgs)), st.overall)


# -------------------------------------------------------------------------------------------- drivers


@dataclass(frozen=True)
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
    warnings: tuple[str, ...] = ()
    cov_type: str = "model-based"

    def to_frame(self) -> pd.DataFrame:
        return self.summary.copy()

    def _repr_html_(self) -> str:
        return (f"<p>Ordinal logit of {self.outcome}: n = {self.n}, McFadden pseudo-R² = "
                f"{fmt.number(self.pseudo_r2, 3)}; relative weights of a linear R² = {fmt.number(self.r2, 3)}</p>"
                + _frame_html(self.summary))


def relative_weights(x: pd.DataFrame, y: pd.Series) -> tuple[pd.Series, float]:
    """Johnson's (2000) relative weights: each predictor's share of the linear-regression R².

    Correlated predictors are replaced by their closest orthogonal counterparts (via the symmetric square
    root of the correlation matrix), so shared variance is apportioned instead of double counted.
    Returns (weights normalised to sum to 1, R²).
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
        model-based (``cov_type`` on the result says which). Below ``min_n`` responses or without variation in the outcome the result is not estimable
        (NaN summary + warning).
    """

    items = list(items)
    missing = [c for c in [outcome, *items] if c not in data.columns]
    if missing:
        raise DataError(f"drivers: column(s) {missing} not in the data (columns: {list(data.columns)}).")
    if not items:
        raise AnalysisError("drivers: give at least one item column")
    _z(ci)
    msgs: list[str] = []
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
        why = (f"{n} complete responses, fewer than the minimum of {need}" if n < need
               else f"the outcome {outcome!r} does not vary")
        _warn(msgs, f"Driver analysis not estimable: {why}.")
        return DriversResult(empty, outcome, n, estimable=False, warnings=tuple(msgs))
    const = [c for c in items if d[c].nunique() < 2]
    if const:
        _warn(msgs, f"Driver analysis: item(s) {const} have a single answer value and are left out.")
    use = [c for c in items if c not in const]
    if not use:
        return DriversResult(empty, outcome, n, estimable=False, warnings=tuple(msgs))
    y = d[outcome].round().astype("int64")
    x = d[use]
    fit_rows = np.arange(n)
    if max_n is not None and n > max_n:
        fit_rows = np.sort(np.random.default_rng(random_state).choice(n, size=int(max_n), replace=False))
        msgs.append(f"Driver model fitted on a random sample of {max_n:,} of {n:,} complete responses "
                    f"(seed {random_state}; satisfaction.drivers_max_responses); importance and performance "
                    "use every response.")
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
        _warn(msgs, "Ordinal logit did not converge; coefficients are unreliable (check for separation: an "
                    "item that perfectly predicts the outcome).")
    for w in caught:
        if "Hessian" in str(w.message) or "singular" in str(w.message).lower():
            _warn(msgs, f"Ordinal logit: {w.message}")
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


@functools.lru_cache(maxsize=None)
def _logit_ordered_model():
    """statsmodels' ordinal logit with the logistic cdf/pdf from ``scipy.special`` and an analytic score.

    ``OrderedModel`` differentiates the likelihood numerically: ~1,600 likelihood evaluations per fit
    (0.9 s on 20,000 responses and 7 items, half of it in the BFGS gradients, a quarter in the Hessian).
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


# ------------------------------------------------------------------------------------------ sentences


def _n_unit(n: int, unit: str, lang: str) -> str:
    if lang == "zh":
        return f"{fmt.integer(n)} 个{'客户' if unit == 'accounts' else '答卷'}"
    return f"{fmt.integer(n)} {'accounts' if unit == 'accounts' else 'responses'}"


def _agg_note(agg: str, lang: str) -> str:
    if lang == "zh":
        return ("按客户汇总：先对同一客户的多位受访者取平均，每个客户计一次，避免答卷多的客户主导结果。"
                if agg == "account" else "按答卷汇总：每份答卷计一次。")
    return ("Aggregated by account: respondents of one account are averaged first, so every account counts "
            "once and no chatty account dominates." if agg == "account"
            else "Aggregated by response: every response counts once.")


def _ci_txt(lo, hi, f, lang: str, ci: float = 0.95) -> str:
    lvl = f"{int(round(ci * 100))}%"
    return (f"{lvl} 置信区间 {f(lo)} 至 {f(hi)}" if lang == "zh" else f"{lvl} CI {f(lo)} to {f(hi)}")


def _sent_nps(r: NPSResult, lang: str) -> str:
    ne = tr_ne(lang)
    if not r.estimable:
        return f"NPS：{ne}（n = {r.n}）。" if lang == "zh" else f"NPS: {ne} (n = {r.n})."
    num = lambda v: fmt.number(v, 1)  # noqa: E731
    if lang == "zh":
        return (f"NPS 为 {num(r.nps)}（{_ci_txt(r.ci_lower, r.ci_upper, num, lang, r.ci)}，标准误 {num(r.se)}，"
                f"n = {r.n}）：推荐者 {fmt.pct(r.promoters)}，中立者 {fmt.pct(r.passives)}，贬损者 "
                f"{fmt.pct(r.detractors)}。")
    return (f"NPS is {num(r.nps)} ({_ci_txt(r.ci_lower, r.ci_upper, num, lang, r.ci)}, SE {num(r.se)}, n = {r.n}): "
            f"{fmt.pct(r.promoters)} promoters, {fmt.pct(r.passives)} passives, {fmt.pct(r.detractors)} detractors.")


def tr_ne(lang: str) -> str:
    from .i18n import tr

    return tr("i18n.not_estimable", lang)


def _sent_headline(r: SummaryResult, lang: str) -> str:
    t = r.table
    out = []
    for m, row in t.iterrows():
        unit = _n_unit(int(row["n"]), row["unit"], lang)
        if not row["estimable"]:
            out.append(f"{m.upper() if m != 'overall' else ('总体满意度' if lang == 'zh' else 'Overall')}："
                       f"{tr_ne(lang)}（{unit}）" if lang == "zh" else f"{m}: {tr_ne(lang)} ({unit})")
            continue
        if m == "csat":
            f = fmt.pct
            name = "CSAT（总体满意度为“比较满意”或“非常满意”的比例）" if lang == "zh" else "CSAT (share rating overall 4-5)"
        elif m == "nps":
            f = lambda v: fmt.number(v, 1)  # noqa: E731
            name = "NPS"
        else:
            f = lambda v: fmt.number(v, 2)  # noqa: E731
            name = "总体满意度均值（1-5 分）" if lang == "zh" else "Mean overall satisfaction (1-5)"
        ci_t = _ci_txt(row["ci_lower"], row["ci_upper"], f, lang, r.ci)
        out.append(f"{name}为 {f(row['estimate'])}（{ci_t}，{unit}）" if lang == "zh"
                   else f"{name} is {f(row['estimate'])} ({ci_t}, {unit})")
    sep = "；" if lang == "zh" else "; "
    end = "。" if lang == "zh" else "."
    text = sep.join(out) + end if out else ""
    small = t["estimable"].astype(bool) & (t["n"] < 30)
    if small.any():
        text += (" 样本较小（少于 30），置信区间较宽，解读需谨慎。" if lang == "zh"
                 else " The sample is small (under 30), so the intervals are wide; read with care.")
    return text + " " + _agg_note(r.aggregate, lang)


def _sent_items(r: SummaryResult, lang: str) -> str:
    if not (r.table["level"] == "item").any():
        return _NO_ITEMS[lang]
    t = r.table[r.table["estimable"].astype(bool) & (r.table["level"] == "item")]
    if not len(t):
        return tr_ne(lang)
    lo, hi = t["top_box"].idxmin(), t["top_box"].idxmax()
    if lang == "zh":
        return (f"满意率（前两项）最高的是 {hi}（{fmt.pct(t.loc[hi, 'top_box'])}，{_ci_txt(t.loc[hi, 'top_box_lower'], t.loc[hi, 'top_box_upper'], fmt.pct, lang, r.ci)}），"
                f"最低的是 {lo}（{fmt.pct(t.loc[lo, 'top_box'])}，{_ci_txt(t.loc[lo, 'top_box_lower'], t.loc[lo, 'top_box_upper'], fmt.pct, lang, r.ci)}）。"
                + _agg_note(r.aggregate, lang))
    return (f"The highest top-2-box share is {hi} ({fmt.pct(t.loc[hi, 'top_box'])}, "
            f"{_ci_txt(t.loc[hi, 'top_box_lower'], t.loc[hi, 'top_box_upper'], fmt.pct, lang, r.ci)}), the lowest "
            f"{lo} ({fmt.pct(t.loc[lo, 'top_box'])}, "
            f"{_ci_txt(t.loc[lo, 'top_box_lower'], t.loc[lo, 'top_box_upper'], fmt.pct, lang, r.ci)}). "
            + _agg_note(r.aggregate, lang))


_NO_ITEMS = {
    "zh": "没有 Likert 题项：参数文件未配置 satisfaction.constructs，调查表中也没有题项列。",
    "en": "No Likert items: the Likert items are neither named in satisfaction.constructs nor found in the "
          "surveys table.",
}


def _sent_reliability(r: ReliabilityResult, lang: str) -> str:
    if not len(r.table):
        return _NO_ITEMS[lang]
    parts = []
    for c, row in r.table.iterrows():
        if not row["estimable"]:
            why = ("单题维度" if row["k"] < 2 else tr_ne(lang)) if lang == "zh" else (
                "single item" if row["k"] < 2 else tr_ne(lang))
            parts.append(f"{c}：{why}" if lang == "zh" else f"{c}: {why}")
            continue
        n3 = lambda v: fmt.number(v, 2)  # noqa: E731
        parts.append(f"{c} α = {n3(row['alpha'])}（{_ci_txt(row['ci_lower'], row['ci_upper'], n3, lang)}）"
                     if lang == "zh" else f"{c} alpha = {n3(row['alpha'])} ({_ci_txt(row['ci_lower'], row['ci_upper'], n3, lang)})")
    weak = r.table[r.table["estimable"].astype(bool) & (r.table["alpha"] < 0.7)].index.tolist()
    if lang == "zh":
        s = "；".join(parts) + "。置信区间采用 Feldt 方法，缺失答案按" + ("成对删除" if r.missing == "pairwise" else "列表删除") + "处理。"
        s += (f"α 低于 0.7 的维度：{'、'.join(map(str, weak))}，其题项可能不宜合并为一个得分。" if weak
              else "所有可估计维度的 α 均不低于 0.7，题项合并为维度得分是合理的。")
        return s
    s = "; ".join(parts) + f". Feldt intervals; missing answers handled {r.missing}."
    s += (f" Constructs with alpha below 0.7: {', '.join(map(str, weak))}; their items may not form one score."
          if weak else " Every estimable construct has alpha of at least 0.7, so averaging its items is reasonable.")
    return s


_NAMES_ZH = {"tier": "客户等级", "segment": "细分群", "segment_name": "细分群", "respondent_role": "受访者角色",
             "region": "区域", "size_band": "规模", "industry": "行业", "business_unit": "事业部",
             "overall": "总体满意度", "nps": "NPS", "csat": "CSAT"}


def _p_eq(p) -> str:
    """'= 0.012' or '< 0.001', to follow 'p ' in a sentence."""
    s = fmt.pvalue(p)
    return s.replace("<", "< ") if s.startswith("<") else f"= {s}"


def _name(code, lang: str) -> str:
    """Display name of a grouping or measure code in ``lang`` (construct names pass through)."""
    return _NAMES_ZH.get(str(code), str(code)) if lang == "zh" else str(code)


def _sent_groups(r: GroupTestResult, lang: str) -> str:
    t = r.table
    corr = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}.get(r.correction, r.correction)
    sig = t[(t["p_adj"] < 0.05) | (t["chi2_p_adj"] < 0.05)]
    if lang == "zh":
        head = f"共 {len(t)} 项分组比较（多重检验校正：{corr}）。"
        if not len(sig):
            return head + "校正后没有显著差异（p < 0.05）。"
        items = [f"{_name(row['by'], lang)}间的{_name(row['measure'], lang)}（校正后 p {_p_eq(min(row['p_adj'], row['chi2_p_adj']) if pd.notna(row['chi2_p_adj']) else row['p_adj'])}，"
                 f"{row['effect_name']} = {fmt.number(row['effect'], 3)}）" for _, row in sig.iterrows()]
        return head + "校正后存在显著差异：" + "；".join(items) + "。"
    head = f"{len(t)} group comparisons ({corr} correction)."
    if not len(sig):
        return head + " No difference is significant after correction (p < 0.05)."
    items = [f"{_name(row['measure'], lang)} by {_name(row['by'], lang)} (adjusted p = "
             f"{fmt.pvalue(min(row['p_adj'], row['chi2_p_adj']) if pd.notna(row['chi2_p_adj']) else row['p_adj'])}, "
             f"{row['effect_name']} = {fmt.number(row['effect'], 3)})" for _, row in sig.iterrows()]
    return head + " Significant after correction: " + "; ".join(items) + "."


def _sent_waves(r: WaveChangeResult, lang: str) -> str:
    t = r.table
    if not len(t):
        return ("只有一期调查，无法比较各期变化。" if lang == "zh"
                else "Only one survey wave: no change between waves can be tested.")
    out = []
    for _, row in t.iterrows():
        if not row["estimable"]:
            continue
        if row["p_adj"] < 0.05:
            f = fmt.pct if row["measure"] == "csat" else (lambda v: fmt.number(v, 2))
            d = row["diff"]
            if lang == "zh":
                out.append(f"{_name(row['measure'], lang)} 从 {row['wave_a']} 到 {row['wave_b']} {'上升' if d > 0 else '下降'} "
                           f"{f(abs(d))}（校正后 p {_p_eq(row['p_adj'])}，{row['test']}）")
            else:
                out.append(f"{_name(row['measure'], lang)} {'rose' if d > 0 else 'fell'} by {f(abs(d))} from {row['wave_a']} "
                           f"to {row['wave_b']} (adjusted p {_p_eq(row['p_adj'])}, {row['test']})")
    npair = int(t["n_paired"].max())
    # the level of all surveyed accounts mixes real change with a change of who answered; say both
    ov = t[(t["measure"] == r.overall) & t["estimable"].astype(bool)]
    detail = ""
    if len(ov):
        o = ov.iloc[-1]
        n2 = lambda v: fmt.number(v, 2)  # noqa: E731
        paired = str(o["test"]).startswith("paired")
        if lang == "zh":
            detail = (f"总体满意度均值 {o['wave_a']} 为 {n2(o['level_a'])}，{o['wave_b']} 为 {n2(o['level_b'])}（全部受访客户，"
                      f"含受访客户构成的变化）；" + (f"同一批 {int(o['n_paired'])} 个客户的平均变化为 " if paired
                                                  else "两期独立比较的差值为 ")
                      + f"{n2(o['diff'])}（{_ci_txt(o['ci_lower'], o['ci_upper'], n2, lang)}，p {_p_eq(o['p'])}）。")
        else:
            detail = (f"Mean overall satisfaction was {n2(o['level_a'])} in {o['wave_a']} and {n2(o['level_b'])} in "
                      f"{o['wave_b']} (all surveyed accounts, including a change in who answered); "
                      + (f"within the same {int(o['n_paired'])} accounts it changed by " if paired
                         else "comparing the waves as independent samples the difference is ")
                      + f"{n2(o['diff'])} ({_ci_txt(o['ci_lower'], o['ci_upper'], n2, lang)}, p {_p_eq(o['p'])}). ")
    if lang == "zh":
        base = f"两期都参与调查的客户 {npair} 个，用于配对比较。" + detail
        return base + ("校正后显著的变化：" + "；".join(out) + "。" if out else "各指标在校正后均无显著变化。")
    base = f"{npair} accounts answered both waves and are compared with themselves. " + detail
    return base + ("Significant after correction: " + "; ".join(out) + "." if out
                   else "No measure changed significantly after correction.")


def _sent_drivers(r: DriversResult, lang: str) -> str:
    if not r.estimable:
        return (f"驱动因素分析：{tr_ne(lang)}（n = {r.n}）。" if lang == "zh"
                else f"Driver analysis: {tr_ne(lang)} (n = {r.n}).")
    s = r.summary.dropna(subset=["importance"])
    top = s.index[:3].tolist()
    focus = s.index[s["quadrant"] == "focus"].tolist()
    if lang == "zh":
        txt = (f"基于 {fmt.integer(r.n)} 份答卷的有序 logit 模型（McFadden 伪 R² = {fmt.number(r.pseudo_r2, 2)}），"
               f"对总体满意度影响最大的题项依次为 {'、'.join(top)}；"
               f"其中 {top[0]} 每提高 1 分，总体满意度更高一级的几率乘以 {fmt.number(s.loc[top[0], 'odds_ratio'], 2)}"
               f"（相对重要性 {fmt.pct(s.loc[top[0], 'importance'])}）。")
        txt += (f"重要但表现偏低、应优先改进的题项：{'、'.join(focus)}。" if focus else "没有“重要但表现偏低”的题项。")
        if r.cov_type.startswith("cluster"):
            txt += "标准误按客户聚类稳健估计（同一客户的多位受访者不视为独立）。"
        return txt
    txt = (f"An ordinal logit on {fmt.integer(r.n)} responses (McFadden pseudo-R² {fmt.number(r.pseudo_r2, 2)}) "
           f"ranks {', '.join(top)} as the strongest drivers of overall satisfaction; one point more on {top[0]} "
           f"multiplies the odds of a higher overall rating by {fmt.number(s.loc[top[0], 'odds_ratio'], 2)} "
           f"(relative importance {fmt.pct(s.loc[top[0], 'importance'])}).")
    txt += (f" Important but under-performing (concentrate here): {', '.join(focus)}." if focus
            else " No item is both important and under-performing.")
    if r.cov_type.startswith("cluster"):
        txt += " Standard errors are cluster-robust by account (respondents of one account are not independent)."
    return txt


def sentences(result, lang: str = "zh") -> str:
    """Narrative for a satisfaction result in ``lang`` ("zh"/"en"); every number comes from ``result``."""
    if lang not in ("zh", "en"):
        from .i18n import tr

        tr("i18n.core", lang)  # raises the standard unknown-language error
    if isinstance(result, NPSResult):
        return _sent_nps(result, lang)
    if isinstance(result, TopBoxResult):
        if not result.estimable:
            return tr_ne(lang)
        ci_t = _ci_txt(result.ci_lower, result.ci_upper, fmt.pct, lang, result.ci)
        return (f"前 {result.box} 项满意率为 {fmt.pct(result.share)}（{ci_t}，n = {result.n}）。" if lang == "zh"
                else f"Top-{result.box}-box share is {fmt.pct(result.share)} ({ci_t}, n = {result.n}).")
    if isinstance(result, SummaryResult):
        return _sent_headline(result, lang) if result.kind == "headline" else _sent_items(result, lang)
    if isinstance(result, ReliabilityResult):
        return _sent_reliability(result, lang)
    if isinstance(result, AlphaResult):
        if not result.estimable:
            return tr_ne(lang)
        n3 = lambda v: fmt.number(v, 2)  # noqa: E731
        return f"Cronbach's α = {n3(result.alpha)}（{_ci_txt(result.ci_lower, result.ci_upper, n3, lang, result.ci)}，n = {result.n}）。" \
            if lang == "zh" else f"Cronbach's alpha = {n3(result.alpha)} ({_ci_txt(result.ci_lower, result.ci_upper, n3, lang, result.ci)}, n = {result.n})."
    if isinstance(result, GroupTestResult):
        return _sent_groups(result, lang)
    if isinstance(result, WaveChangeResult):
        return _sent_waves(result, lang)
    if isinstance(result, DriversResult):
        return _sent_drivers(result, lang)
    raise AnalysisError(f"sentences: no narrative for {type(result).__name__}")


# ------------------------------------------------------------------------------- notebook conveniences


def resolve_settings(settings, surveys: pd.DataFrame | None, survey_items: Sequence[str] = ()):
    """``settings`` with constructs filled in when the params file names none.

    Without ``satisfaction.constructs`` every Likert item column of the ledger (``ledger.survey_items``, or
    the survey columns that are neither canonical nor ``overall``/``nps``) becomes its own one-item
    construct, so the item analyses still run; reliability then has nothing to measure and says so.
    """
    st = _settings(settings)
    if st.constructs or surveys is None:
        return st
    from .ledger import SURVEYS

    items = [c for c in survey_items if c in surveys.columns] or [
        c for c in surveys.columns if c not in SURVEYS.names and c not in (st.overall, st.nps)
        and c != "_wave" and pd.api.types.is_numeric_dtype(surveys[c])]
    return st.model_copy(update={"constructs": {c: [c] for c in items}})


def item_list(settings) -> list[str]:
    """Every Likert item named in ``settings.constructs``, in order, without repeats."""
    return list(dict.fromkeys(i for items in _settings(settings).constructs.values() for i in items))


def latest_wave(surveys: pd.DataFrame | None) -> str | None:
    """The last survey wave label (waves derived from the survey date when the column is absent)."""
    if surveys is None or not len(surveys):
        return None
    w = _sorted_waves(_waves(surveys))
    return w[-1] if w else None


def coverage_sentence(customers: pd.DataFrame, lang: str = "zh") -> str:
    """How much of the book the survey covers, from the customer frame's ``sat_`` columns and revenue."""
    n = len(customers)
    if "sat_n_responses" not in customers.columns:
        return LABELS["satisfaction.no_surveys"][lang]
    surveyed = customers["sat_n_responses"].fillna(0) > 0
    rev = customers["revenue"] if "revenue" in customers.columns else pd.Series(np.nan, index=customers.index)
    share = float(rev[surveyed].sum() / rev.sum()) if rev.sum() > 0 else float("nan")
    dis = int((customers.get("sat_dissatisfied", pd.Series(dtype=float)) == 1.0).sum())
    dis_rev = (float(rev[customers.get("sat_dissatisfied", pd.Series(0.0, index=customers.index)) == 1.0].sum())
               if "sat_dissatisfied" in customers.columns else float("nan"))
    if lang == "zh":
        return (f"{fmt.integer(n)} 个客户中有 {fmt.integer(int(surveyed.sum()))} 个参与过满意度调查，覆盖收入的 "
                f"{fmt.pct(share)}；其中 {dis} 个客户的总体满意度均值低于 3 分（“不满意”），涉及收入 "
                f"{fmt.money(dis_rev, 'zh')}。满意度字段以 sat_ 前缀并入客户表，供价值与流失分析使用。")
    return (f"{fmt.integer(int(surveyed.sum()))} of {fmt.integer(n)} accounts answered a satisfaction survey, "
            f"covering {fmt.pct(share)} of revenue; {dis} of them have a mean overall rating below 3 "
            f"(dissatisfied), carrying {fmt.money(dis_rev, 'en')} of revenue. The satisfaction columns join the "
            "customer frame with the prefix sat_ for the value and churn analyses.")


#: display names of result columns (zh); English keeps the column names
_COLUMNS_ZH = {
    "estimate": "估计值", "se": "标准误", "ci_lower": "置信下限", "ci_upper": "置信上限", "n": "样本数",
    "estimable": "可估计", "unit": "单位", "level": "层级", "construct": "维度", "mean": "均值",
    "mean_lower": "均值下限", "mean_upper": "均值上限", "top_box": "满意率", "top_box_lower": "满意率下限",
    "top_box_upper": "满意率上限", "k": "题数/组数", "alpha": "α", "sd": "标准差", "item_total_r": "题项-总分相关",
    "alpha_if_deleted": "删除该题后 α", "by": "分组变量", "measure": "指标", "test": "检验", "statistic": "统计量",
    "p": "p 值", "p_adj": "校正 p 值", "effect": "效应量", "effect_name": "效应量类型", "chi2": "卡方",
    "chi2_p": "卡方 p 值", "chi2_p_adj": "卡方校正 p 值", "cramers_v": "Cramér's V", "group": "组",
    "wave_a": "前一期", "wave_b": "后一期", "level_a": "前一期水平", "level_b": "后一期水平", "change": "变化",
    "n_a": "前一期样本", "n_b": "后一期样本", "n_paired": "配对客户数", "diff": "检验差值", "coef": "系数",
    "odds_ratio": "优势比", "importance": "重要性", "performance": "表现", "quadrant": "象限", "name": "客户名称",
    "tier": "客户等级", "segment_name": "细分群", "revenue": "收入", "sat_n_responses": "答卷数",
    "sat_last_wave": "最近一期", "sat_overall": "总体满意度", "sat_csat": "CSAT", "sat_nps": "NPS",
}
_QUADRANTS = {"keep": "q_keep", "focus": "q_focus", "low": "q_low", "overkill": "q_overkill"}
_PCT = {"top_box", "top_box_lower", "top_box_upper", "importance", "csat", "sat_csat", "promoters", "passives",
        "detractors", "share"}
_P = {"p", "p_adj", "chi2_p", "chi2_p_adj"}
_INT = {"n", "k", "n_a", "n_b", "n_paired", "sat_n_responses", "n_responses"}


def format_table(df: pd.DataFrame, lang: str = "zh", formats: dict | None = None) -> pd.DataFrame:
    """A satisfaction result table ready for display: shares as %, p-values, counts, money, tier and quadrant
    names and (zh) Chinese column labels. ``formats`` overrides the per-column choice (see kamlib.fmt)."""
    from .i18n import tier_label

    out = df.copy()
    f = {c: "pct" for c in out.columns if c in _PCT}
    f.update({c: "p" for c in out.columns if c in _P})
    f.update({c: "int" for c in out.columns if c in _INT})
    if "revenue" in out.columns:
        f["revenue"] = "money"
    f.update(formats or {})
    for c in ("tier", "group"):
        if c in out.columns:
            out[c] = [tier_label(v, lang) if isinstance(v, str) else v for v in out[c]]
    if "quadrant" in out.columns:
        out["quadrant"] = [_t(_QUADRANTS[v], lang) if v in _QUADRANTS else v for v in out["quadrant"]]
    if "estimable" in out.columns:
        yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
        out["estimable"] = [yes if bool(v) else no for v in out["estimable"]]
    labels = _COLUMNS_ZH if lang == "zh" else None
    return fmt.format_frame(out, f, lang=lang, labels=labels)
