"""Survival results as display tables (formatted strings, readable labels)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import fmt
from .._deprecation import renamed
from ..i18n import column_label, tier_label
from ._common import _check_lang, _t
from .cox_model import CoxResult
from .durations import SensitivityResult
from .km import KaplanMeierResult
from .prose import term_label
from .risk import RiskRanking


def median_table(result: KaplanMeierResult, lang: str = "zh", label: str | None = None) -> pd.DataFrame:
    """The median table as display strings ("not reached" where the curve stays above 50%).

    Parameters
    ----------
    result : KaplanMeierResult
    lang : {"zh", "en"}, default "zh"
    label : str, optional
        Header of the group column.

    Returns
    -------
    DataFrame
        Indexed by the group label.
    """
    _check_lang(lang)
    nr = _t("i18n.not_reached", lang)
    m = result.median.reset_index()
    out = pd.DataFrame({
        label or _t("survival.group", lang): [_t("survival.all", lang) if g == "all" else tier_label(g, lang)
                                              for g in m["group"]],
        _t("survival.n", lang): [fmt.integer(v) for v in m["n"]],
        _t("survival.events", lang): [fmt.integer(v) for v in m["events"]],
    })
    for col, key in (("median", "survival.median_col"), ("ci_lower", "survival.ci_lower"),
                     ("ci_upper", "survival.ci_upper")):
        out[_t(key, lang)] = [nr if pd.isna(v) else fmt.integer(v) for v in m[col]]
    return _indexed(out)


def _indexed(out: pd.DataFrame) -> pd.DataFrame:
    """The table indexed by its first (label) column, so that no positional 0, 1, 2 column is shown."""
    return out.set_index(out.columns[0])


def cox_table(result: CoxResult, lang: str = "zh") -> pd.DataFrame:
    """The Cox summary as display strings with readable term labels.

    Parameters
    ----------
    result : CoxResult
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    DataFrame
        Indexed by the term label: hazard ratio with its interval, p-value and the proportional-hazards check.
    """
    _check_lang(lang)
    s = result.summary.copy()
    s.loc[list(result.separated), ["hr", "hr_lower", "hr_upper", "coef", "se", "p"]] = np.nan
    return _indexed(pd.DataFrame({
        _t("survival.covariate", lang): [term_label(result, t, lang) for t in s.index],
        _t("survival.hr", lang): [fmt.number(v, digits=2) for v in s["hr"]],
        column_label("hr_ci", lang, "survival"): [f"{fmt.number(a, digits=2)}–{fmt.number(b, digits=2)}"
                                                  for a, b in zip(s["hr_lower"], s["hr_upper"], strict=True)],
        column_label("coef", lang, "survival"): [fmt.number(v, digits=3) for v in s["coef"]],
        column_label("se", lang, "survival"): [fmt.number(v, digits=3) for v in s["se"]],
        _t("survival.p", lang): [fmt.pvalue(v) for v in s["p"]],
        column_label("ph_p", lang, "survival"): [fmt.pvalue(result.ph_test.loc[t, "p"])
                                                 if t in result.ph_test.index else "—" for t in s.index],
    }))


def ph_table(result: CoxResult, lang: str = "zh") -> pd.DataFrame:
    """The proportional-hazards check (Schoenfeld residuals) with readable factor names and headers.

    Parameters
    ----------
    result : CoxResult
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    DataFrame
        Indexed by the factor label (the global test last): chi-square, degrees of freedom, p-value.
    """
    _check_lang(lang)
    ph = result.ph_test
    names = [_t("survival.ph_global", lang) if t == "GLOBAL" else term_label(result, t, lang) for t in ph.index]
    return _indexed(pd.DataFrame({
        _t("survival.covariate", lang): names,
        column_label("chisq", lang, "survival"): [fmt.number(v, digits=2) for v in ph["chisq"]],
        column_label("df", lang, "survival"): [fmt.integer(v) for v in ph["df"]],
        _t("survival.p", lang): [fmt.pvalue(v) for v in ph["p"]],
    }))


def at_risk_table(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The at-risk list formatted for display (probabilities as %, money in 万 / k).

    Parameters
    ----------
    table : DataFrame
        The at-risk list (``RiskRanking.table`` or a head of it).
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    DataFrame
    """
    lg = _check_lang(lang)
    t = table.reset_index()
    if "tier" in t:
        t["tier"] = [tier_label(v, lang) for v in t["tier"]]
    t["beyond_follow_up"] = ["*" if v else "" for v in t["beyond_follow_up"]]
    zh = lang == "zh"
    return _indexed(fmt.format_frame(t, {"churn_probability": "pct", "revenue_at_stake": "money",
                                         "expected_loss": "money",
                                "relative_risk": "number"}, lang=lg,
                            labels={"customer_id": "客户编号" if zh else "Account",
                                    "name": "客户名称" if zh else "Name",
                                    "tier": "等级" if zh else "Tier", "segment_name": "细分" if zh else "Segment",
                                    "account_manager": "客户经理" if zh else "Account manager",
                                    "churn_probability": _t("survival.probability", lang),
                                    "relative_risk": "相对风险" if zh else "Relative risk",
                                    "revenue_at_stake": _t("survival.revenue_at_stake", lang),
                                    "expected_loss": _t("survival.expected_loss", lang),
                                    "beyond_follow_up": "超出观测期*" if zh else "Beyond follow-up*"}))


def sensitivity_table(result: SensitivityResult, lang: str = "zh") -> pd.DataFrame:
    """The threshold-sensitivity table formatted for display.

    Parameters
    ----------
    result : SensitivityResult
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    DataFrame
    """
    lg = _check_lang(lang)
    zh = lang == "zh"
    labels = {"inactivity_days": _t("survival.inactivity_days", lang), "accounts": _t("survival.n", lang),
              "churned": _t("survival.events", lang), "churn_rate": _t("survival.churn_rate", lang),
              "churned_revenue_share": "流失客户收入占比" if zh else "Revenue share of churned accounts",
              "precision": "判定准确率（合同口径）" if zh else "Precision vs contracts",
              "recall": "流失识别率（合同口径）" if zh else "Recall vs contracts"}
    return _indexed(fmt.format_frame(result.table, {"inactivity_days": "int", "accounts": "int", "churned": "int",
                                                    "churn_rate": "pct", "churned_revenue_share": "pct",
                                                    "precision": "pct", "recall": "pct"}, lang=lg, labels=labels))


def retention_table(result: KaplanMeierResult, years: Sequence[float] = (1, 2, 3), lang: str = "zh") -> pd.DataFrame:
    """Share of accounts retained 1, 2, 3 ... years after the start, per group, with the confidence interval.

    "—" beyond the longest follow-up of a group (the curve is not estimated there).

    Parameters
    ----------
    result : KaplanMeierResult
    years : sequence of float, default (1, 2, 3)
        Years after the start.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    DataFrame
        One row per group, one column per year.
    """
    _check_lang(lang)
    at = result.survival_at([365.25 * y for y in years])
    rows = []
    for g in result.groups:
        sub = at[at["group"] == g]
        row = {_t("survival.group", lang): _t("survival.all", lang) if g == "all" else tier_label(g, lang)}
        for y, (_, r) in zip(years, sub.iterrows(), strict=True):
            key = f"{y:g} 年留存" if lang == "zh" else f"{y:g}-year retention"
            if pd.isna(r["survival"]):
                row[key] = "—"
            elif pd.isna(r["ci_lower"]) or pd.isna(r["ci_upper"]):
                row[key] = fmt.pct(r["survival"])   # no band where the curve is 0 (as R prints NA)
            else:
                band = f"{fmt.pct(r['ci_lower'], digits=0)}–{fmt.pct(r['ci_upper'], digits=0)}"
                row[key] = f"{fmt.pct(r['survival'])} ({band})"
        rows.append(row)
    return _indexed(pd.DataFrame(rows))



def ranking_table(ranking: RiskRanking, top: int | None = None, lang: str = "zh") -> pd.DataFrame:
    """The ranked at-risk list for account managers: rank, account, tier, manager, probability, money, method.

    Parameters
    ----------
    ranking : RiskRanking
    top : int, optional
        Number of accounts shown; default all.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    DataFrame
    """
    lg = _check_lang(lang)
    t = ranking.top(top).reset_index()
    h = int(ranking.horizon_days)
    acct = t["name"].astype(object).where(t["name"].notna(), t["customer_id"]) if "name" in t else t["customer_id"]
    out = pd.DataFrame({_t("survival.rank", lang): [fmt.integer(v) for v in t["rank"]],
                        _t("survival.account", lang): [str(v) for v in acct]})
    if "tier" in t:
        out[_t("survival.tier_col", lang)] = [tier_label(v, lang) if pd.notna(v) else "—" for v in t["tier"]]
    if "account_manager" in t:
        out[_t("survival.manager", lang)] = [str(v) if pd.notna(v) else "—" for v in t["account_manager"]]
    out[_t("survival.probability", lang)] = [fmt.pct(v) for v in t["churn_probability"]]
    out[_t("survival.revenue_horizon", lang).format(h=h)] = [fmt.money(v, lg) for v in t["revenue_at_stake"]]
    out[_t("survival.loss_horizon", lang)] = [fmt.money(v, lg) for v in t["expected_loss"]]
    out[_t("survival.method_col", lang)] = [_t(f"survival.method_short.{m}", lang) for m in t["method"]]
    return _indexed(out)


# former names, kept for one release
median_display = renamed(median_table, "median_display")
cox_display = renamed(cox_table, "cox_display")
at_risk_display = renamed(at_risk_table, "at_risk_display")
sensitivity_display = renamed(sensitivity_table, "sensitivity_display")
retention_display = renamed(retention_table, "retention_display")
ranking_display = renamed(ranking_table, "ranking_display")
