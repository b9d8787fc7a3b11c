"""Satisfaction result tables formatted for display."""
from __future__ import annotations

import pandas as pd

from .. import fmt
from ..fmt import Lang
from .labels import _t

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


def format_table(df: pd.DataFrame, lang: Lang = "zh", formats: dict | None = None) -> pd.DataFrame:
    """A satisfaction result table ready for display: shares as %, p-values, counts, money, tier and quadrant
    names and (zh) Chinese column labels. ``formats`` overrides the per-column choice (see kamlib.fmt)."""
    from ..i18n import tier_label

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

