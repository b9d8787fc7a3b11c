"""The satisfaction texts (LABELS) and the Likert point labels."""
from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "satisfaction.title": {"zh": "客户满意度分析", "en": "Customer satisfaction"},
    "satisfaction.overview": {"zh": "概览：CSAT 与 NPS", "en": "Overview: CSAT and NPS"},
    "satisfaction.likert": {"zh": "各题项答案分布", "en": "Answer distribution per item"},
    "satisfaction.items": {"zh": "题项与维度：满意率（前两项）与均值",
                           "en": "Items and constructs: top-2-box and mean"},
    "satisfaction.reliability": {"zh": "信度：Cronbach's α", "en": "Reliability: Cronbach's alpha"},
    "satisfaction.item_total": {"zh": "题项-总分相关与删除该题后的 α",
                                "en": "Item-total correlations and alpha if item deleted"},
    "satisfaction.groups": {"zh": "分组比较", "en": "Group comparisons"},
    "satisfaction.waves": {"zh": "各期变化", "en": "Change between waves"},
    "satisfaction.drivers": {"zh": "满意度驱动因素", "en": "Drivers of overall satisfaction"},
    "satisfaction.ipa": {"zh": "重要性 × 表现 矩阵", "en": "Importance × performance"},
    "satisfaction.accounts": {"zh": "客户层面满意度（并入客户表）",
                              "en": "Account-level satisfaction (joined to the customer frame)"},
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


def likert_label(level: int, lang: str = "zh") -> str:
    """Label of a 1-5 Likert point: 5 -> 非常满意 (zh) / Very satisfied (en)."""
    return LABELS[f"satisfaction.likert_{int(level)}"][lang]


def _t(key: str, lang: str) -> str:
    return LABELS[f"satisfaction.{key}"][lang]

