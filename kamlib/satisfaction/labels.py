"""The satisfaction texts (LABELS), the Likert point labels and the display names of survey items."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

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
    "satisfaction.nps_definition_account": {
        "zh": "按客户汇总的 NPS（先对每个客户的受访者取平均，每个客户计一次）",
        "en": "account-level NPS (each account's responses averaged first)"},
    "satisfaction.nps_definition_respondent": {"zh": "按答卷计算的 NPS（每份答卷计一次）",
                                               "en": "response-level NPS (every response counts once)"},
    "satisfaction.nps_short_account": {"zh": "按客户汇总的 NPS", "en": "Account-level NPS"},
    "satisfaction.nps_short_respondent": {"zh": "按答卷计算的 NPS", "en": "Response-level NPS"},
    "satisfaction.top_2_box": {"zh": "满意率（前两项）", "en": "Top-2-box share"},
    "satisfaction.yes": {"zh": "是", "en": "yes"},
    "satisfaction.no": {"zh": "否", "en": "no"},
    # measures, levels, units, tests and effect sizes shown in table cells
    "satisfaction.measure.overall": {"zh": "总体满意度", "en": "Overall satisfaction"},
    "satisfaction.measure.csat": {"zh": "CSAT（满意率）", "en": "CSAT"},
    "satisfaction.measure.nps": {"zh": "NPS", "en": "NPS"},
    "satisfaction.measure.ltr": {"zh": "推荐意愿（0–10 分）", "en": "Likelihood to recommend (0–10)"},
    "satisfaction.level.item": {"zh": "题项", "en": "Item"},
    "satisfaction.level.construct": {"zh": "维度", "en": "Construct"},
    "satisfaction.level.overall": {"zh": "总体", "en": "Overall"},
    "satisfaction.unit.accounts": {"zh": "客户", "en": "Accounts"},
    "satisfaction.unit.responses": {"zh": "答卷", "en": "Responses"},
    "satisfaction.unit.account_by": {"zh": "客户 × {by}", "en": "Account × {by}"},
    "satisfaction.test.kruskal": {"zh": "Kruskal-Wallis 检验", "en": "Kruskal-Wallis"},
    "satisfaction.test.mannwhitney": {"zh": "Mann-Whitney U 检验（{a} 与 {b}）", "en": "Mann-Whitney U ({a} vs {b})"},
    "satisfaction.test.paired": {"zh": "配对 t 检验（两期均受访的客户）",
                                 "en": "Paired t-test (accounts in both waves)"},
    "satisfaction.test.welch": {"zh": "Welch t 检验（两期视为独立样本）", "en": "Welch t-test (independent waves)"},
    "satisfaction.effect.epsilon2": {"zh": "ε²（秩效应量）", "en": "ε² (rank effect size)"},
    "satisfaction.effect.rank_biserial": {"zh": "秩二列相关 r", "en": "Rank-biserial r"},
    # respondent roles of the demo surveys
    "satisfaction.role.decision_maker": {"zh": "决策者", "en": "Decision maker"},
    "satisfaction.role.procurement": {"zh": "采购", "en": "Procurement"},
    "satisfaction.role.user": {"zh": "使用者", "en": "User"},
    # survey items of the demo ledger and the usual constructs; other items get "<construct> <number>"
    "satisfaction.item.q_product_quality": {"zh": "产品质量", "en": "Product quality"},
    "satisfaction.item.q_product_reliability": {"zh": "产品可靠性", "en": "Product reliability"},
    "satisfaction.item.q_service_response": {"zh": "服务响应速度", "en": "Service responsiveness"},
    "satisfaction.item.q_service_expertise": {"zh": "服务专业度", "en": "Service expertise"},
    "satisfaction.item.q_delivery_ontime": {"zh": "准时交付", "en": "On-time delivery"},
    "satisfaction.item.q_delivery_accuracy": {"zh": "交付准确性", "en": "Delivery accuracy"},
    "satisfaction.item.q_price_value": {"zh": "性价比", "en": "Value for money"},
    "satisfaction.item.overall": {"zh": "总体满意度", "en": "Overall satisfaction"},
    "satisfaction.item.nps": {"zh": "推荐意愿", "en": "Likelihood to recommend"},
    # table headers (kamlib.i18n.column_label(name, lang, 'satisfaction'))
    "satisfaction.col.estimable": {"zh": "可估计", "en": "Estimable"},
    "satisfaction.col.unit": {"zh": "统计单位", "en": "Unit"},
    "satisfaction.col.level": {"zh": "层级", "en": "Level"},
    "satisfaction.col.construct": {"zh": "维度", "en": "Construct"},
    "satisfaction.col.item": {"zh": "题项", "en": "Item"},
    "satisfaction.col.mean": {"zh": "均值", "en": "Mean"},
    "satisfaction.col.mean_lower": {"zh": "均值 95% 下限", "en": "Mean, 95% CI lower"},
    "satisfaction.col.mean_upper": {"zh": "均值 95% 上限", "en": "Mean, 95% CI upper"},
    "satisfaction.col.top_box": {"zh": "满意率", "en": "Top-2-box"},
    "satisfaction.col.top_box_lower": {"zh": "满意率 95% 下限", "en": "Top-2-box, 95% CI lower"},
    "satisfaction.col.top_box_upper": {"zh": "满意率 95% 上限", "en": "Top-2-box, 95% CI upper"},
    "satisfaction.col.k": {"zh": "题数", "en": "Items"},
    "satisfaction.col.k_groups": {"zh": "比较组数", "en": "Groups compared"},
    "satisfaction.col.alpha": {"zh": "α", "en": "α"},
    "satisfaction.col.sd": {"zh": "标准差", "en": "SD"},
    "satisfaction.col.item_total_r": {"zh": "题项-总分相关", "en": "Item-total r"},
    "satisfaction.col.alpha_if_deleted": {"zh": "删除该题后 α", "en": "α if deleted"},
    "satisfaction.col.by": {"zh": "分组变量", "en": "Grouped by"},
    "satisfaction.col.measure": {"zh": "指标", "en": "Measure"},
    "satisfaction.col.test": {"zh": "检验", "en": "Test"},
    "satisfaction.col.statistic": {"zh": "检验统计量", "en": "Statistic"},
    "satisfaction.col.effect": {"zh": "效应量", "en": "Effect size"},
    "satisfaction.col.effect_name": {"zh": "效应量类型", "en": "Effect size measure"},
    "satisfaction.col.chi2": {"zh": "卡方", "en": "χ²"},
    "satisfaction.col.chi2_p": {"zh": "卡方 p 值", "en": "χ² p"},
    "satisfaction.col.chi2_p_adj": {"zh": "卡方校正后 p 值", "en": "χ² adjusted p"},
    "satisfaction.col.cramers_v": {"zh": "Cramér V", "en": "Cramér's V"},
    "satisfaction.col.group": {"zh": "组", "en": "Group"},
    "satisfaction.col.wave": {"zh": "调查期", "en": "Wave"},
    "satisfaction.col.wave_a": {"zh": "前一期", "en": "Earlier wave"},
    "satisfaction.col.wave_b": {"zh": "后一期", "en": "Later wave"},
    "satisfaction.col.level_a": {"zh": "前一期水平", "en": "Earlier level"},
    "satisfaction.col.level_b": {"zh": "后一期水平", "en": "Later level"},
    "satisfaction.col.change": {"zh": "变化", "en": "Change"},
    "satisfaction.col.n_a": {"zh": "前一期样本数", "en": "n, earlier"},
    "satisfaction.col.n_b": {"zh": "后一期样本数", "en": "n, later"},
    "satisfaction.col.n_paired": {"zh": "配对客户数", "en": "Paired accounts"},
    "satisfaction.col.diff": {"zh": "检验差值", "en": "Tested difference"},
    "satisfaction.col.coef": {"zh": "系数", "en": "Coefficient"},
    "satisfaction.col.odds_ratio": {"zh": "优势比", "en": "Odds ratio"},
    "satisfaction.col.importance": {"zh": "重要性", "en": "Importance"},
    "satisfaction.col.performance": {"zh": "表现（均值）", "en": "Performance (mean)"},
    "satisfaction.col.quadrant": {"zh": "象限", "en": "Quadrant"},
    "satisfaction.col.sat_n_responses": {"zh": "答卷数", "en": "Responses"},
    "satisfaction.col.sat_last_wave": {"zh": "最近一期", "en": "Latest wave"},
    "satisfaction.col.sat_overall": {"zh": "总体满意度", "en": "Overall satisfaction"},
    "satisfaction.col.sat_csat": {"zh": "CSAT", "en": "CSAT"},
    "satisfaction.col.sat_nps": {"zh": "客户 NPS", "en": "Account NPS"},
    "satisfaction.col.promoters": {"zh": "推荐者", "en": "Promoters"},
    "satisfaction.col.passives": {"zh": "中立者", "en": "Passives"},
    "satisfaction.col.detractors": {"zh": "贬损者", "en": "Detractors"},
    "satisfaction.col.se": {"zh": "标准误", "en": "Std. error"},
    "satisfaction.item_number": {"zh": "题项 {number}", "en": "Item {number}"},
    "satisfaction.item_fallback": {"zh": "{construct} 第 {number} 题", "en": "{construct} item {number}"},
    "satisfaction.construct.产品": {"zh": "产品", "en": "Product"},
    "satisfaction.construct.服务": {"zh": "服务", "en": "Service"},
    "satisfaction.construct.交付": {"zh": "交付", "en": "Delivery"},
    "satisfaction.construct.价格": {"zh": "价格", "en": "Price"},
    "satisfaction.construct.product": {"zh": "产品", "en": "Product"},
    "satisfaction.construct.service": {"zh": "服务", "en": "Service"},
    "satisfaction.construct.delivery": {"zh": "交付", "en": "Delivery"},
    "satisfaction.construct.price": {"zh": "价格", "en": "Price"},
}


def likert_label(level: int, lang: str = "zh") -> str:
    """Label of a 1-5 Likert point: 5 -> 非常满意 (zh) / Very satisfied (en)."""
    return LABELS[f"satisfaction.likert_{int(level)}"][lang]


def _t(key: str, lang: str) -> str:
    return LABELS[f"satisfaction.{key}"][lang]



def _has(key: str, lang: str) -> bool:
    return key in LABELS and lang in LABELS[key]


def construct_label(name, lang: str = "zh") -> str:
    """Display name of a construct: the registered one (产品 -> Product in en), else the name as configured."""
    key = f"satisfaction.construct.{name}"
    return LABELS[key][lang] if _has(key, lang) else str(name)


def _readable(code: str) -> str:
    """'q_product_quality' -> 'Product quality' (English pages only: never shown on a zh page)."""
    words = re.sub(r"^(q|item|sat)_", "", code).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else code


def item_label(code, lang: str = "zh", constructs: Mapping[str, Sequence[str]] | None = None) -> str:
    """Display name of a survey item, the overall question or a construct.

    Registered items (the demo survey, ``overall``, ``nps``) have their label; another item is named by its
    construct and position (``"产品 第 2 题"`` / ``"Product item 2"``) when ``constructs`` holds it, an
    unknown construct name passes through, and on English pages a code becomes words.

    >>> item_label("q_price_value", "en"), item_label("q_x2", "zh", {"产品": ["q_x1", "q_x2"]})
    ('Value for money', '产品 第 2 题')
    """
    code = str(code)
    key = f"satisfaction.item.{code}"
    if _has(key, lang):
        return LABELS[key][lang]
    every = list(dict.fromkeys(i for items in (constructs or {}).values() for i in items))
    for cname, items in (constructs or {}).items():
        items = list(items)
        if code not in items:
            continue
        if cname == code:   # a one-item construct named after its column (no constructs configured)
            return _readable(code) if lang == "en" else LABELS["satisfaction.item_number"][lang].format(
                number=every.index(code) + 1)
        if len(items) == 1:
            return construct_label(cname, lang)
        return LABELS["satisfaction.item_fallback"][lang].format(construct=construct_label(cname, lang),
                                                                  number=items.index(code) + 1)
    if f"satisfaction.construct.{code}" in LABELS or (constructs and code in constructs):
        return construct_label(code, lang)
    return _readable(code) if lang == "en" else code


def item_labels(constructs: Mapping[str, Sequence[str]], lang: str = "zh") -> dict[str, str]:
    """Display name of every item and construct of ``constructs`` (``settings.constructs``)."""
    out = {c: construct_label(c, lang) for c in constructs}
    out.update({i: item_label(i, lang, constructs) for items in constructs.values() for i in items})
    return out
