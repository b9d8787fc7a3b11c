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


#: warnings (kamlib.i18n.Message keys); parameters ending in _zh / _en are already in that language
LABELS.update({
    "satisfaction.w.not_estimable": {
        "zh": '{what_zh}：样本不足，无法估计（{n} 个{unit_zh}，少于最低要求 {min_n}）。',
        "en": '{what_en}: not estimable ({n} {unit_en} < minimum {min_n}).'},
    "satisfaction.w.degenerate": {
        "zh": '{what_zh}：全部 {n} 个{unit_zh}取值相同，置信区间退化为一点；真实值仍有不确定性。',
        "en": '{what_en}: all {n} {unit_en} have the same value, so the interval is degenerate; the true'
              ' value is still uncertain.'},
    "satisfaction.w.group_missing": {
        "zh": '按“{by_zh}”分组的比较已跳过：调查表和客户表中都没有该列。',
        "en": 'Group comparison by {by_en} skipped: no such column in the surveys or customer frame.'},
    "satisfaction.w.group_small": {
        "zh": '{by_zh}：{groups_zh} 组的{unit_zh}数少于 {min_n}，未参与检验（显示为无法估计）。',
        "en": '{by_en}: group(s) {groups_en} have fewer than {min_n} {unit_en} and are left out of the'
              ' tests (shown as not estimable).'},
    "satisfaction.w.group_constant": {
        "zh": '{by_zh} / {measure_zh}：所有单位取值相同，无法检验。',
        "en": '{by_en} / {measure_en}: every unit has the same value; no test is possible.'},
    "satisfaction.w.chi2_approx": {
        "zh": '{by_zh}：部分满意率的期望频数小于 5，卡方检验的 p 值为近似值。',
        "en": '{by_en}: some expected top-2-box counts are below 5, so the chi-square p-values are'
              ' approximate.'},
    "satisfaction.w.one_wave": {
        "zh": '无法比较各期变化：调查只有 {k} 期（{waves}），至少需要两期。',
        "en": 'Wave comparison not possible: the surveys hold {k} wave(s) ({waves}); at least two are'
              ' needed.'},
    "satisfaction.w.wave_few": {
        "zh": '{measure_zh} {wa}→{wb}：单位太少（{na}、{nb}；配对 {npaired}），无法检验（最少 {min_n}）。',
        "en": '{measure_en} {wa}→{wb}: too few units ({na}, {nb}; {npaired} paired) for a test (minimum'
              ' {min_n}).'},
    "satisfaction.w.alpha_one_item": {
        "zh": "{prefix_zh}Cronbach's α 至少需要 2 个题项，该维度只有 {k} 个：单题维度无法衡量内部一致性。",
        "en": "{prefix_en}Cronbach's alpha needs at least 2 items; got {k} ({items}). A single-item"
              ' construct has no internal consistency to measure.'},
    "satisfaction.w.alpha_ne_n": {
        "zh": "{prefix_zh}Cronbach's α 无法估计：只有 {n} 位受访者，少于最低要求 {min_n}。",
        "en": "{prefix_en}Cronbach's alpha not estimable: {n} respondent(s), fewer than the minimum of"
              ' {min_n}.'},
    "satisfaction.w.alpha_no_var": {
        "zh": "{prefix_zh}Cronbach's α 无法估计：题项没有变异（所有受访者答案相同）或共同作答太少。",
        "en": "{prefix_en}Cronbach's alpha not estimable: the items have no variance (every respondent"
              ' gave the same answers) or too few overlapping answers.'},
    "satisfaction.w.alpha_small": {
        "zh": "{prefix_zh}Cronbach's α 仅基于 {n} 位受访者：区间 [{lo}, {hi}] 较宽。",
        "en": "{prefix_en}Cronbach's alpha from only {n} respondents: the interval [{lo}, {hi}] is wide."},
    "satisfaction.w.alpha_negative": {
        "zh": "{prefix_zh}Cronbach's α 为负（{a}）：题项平均呈负相关，请检查反向计分题或维度定义。",
        "en": "{prefix_en}Cronbach's alpha is negative ({a}): the items are negatively correlated on"
              ' average; check for reverse-coded items or a wrong construct definition.'},
    "satisfaction.w.drivers_ne_n": {
        "zh": '驱动因素分析无法估计：完整答卷 {n} 份，少于最低要求 {need}。',
        "en": 'Driver analysis not estimable: {n} complete responses, fewer than the minimum of {need}.'},
    "satisfaction.w.drivers_ne_const": {
        "zh": '驱动因素分析无法估计：总体满意度没有变化。',
        "en": 'Driver analysis not estimable: the outcome {outcome} does not vary.'},
    "satisfaction.w.drivers_const_items": {
        "zh": '驱动因素分析：{items_zh} 只有一个答案值，已排除。',
        "en": 'Driver analysis: item(s) {items_en} have a single answer value and are left out.'},
    "satisfaction.w.drivers_sample": {
        "zh": '驱动因素模型在 {n} 份完整答卷中随机抽取 {max_n} 份拟合（随机种子 {seed}）；重要性与表现使用全部答卷。',
        "en": 'Driver model fitted on a random sample of {max_n} of {n} complete responses (seed {seed};'
              ' satisfaction.drivers_max_responses); importance and performance use every response.'},
    "satisfaction.w.logit_no_converge": {
        "zh": '有序 logit 模型未收敛，系数不可靠（请检查是否存在完全分离：某题项能完美预测总体满意度）。',
        "en": 'Ordinal logit did not converge; coefficients are unreliable (check for separation: an'
              ' item that perfectly predicts the outcome).'},
    "satisfaction.w.logit_hessian": {
        "zh": '有序 logit：信息矩阵近似奇异，标准误可能不可靠。',
        "en": 'Ordinal logit: {message}'},
    "satisfaction.w.nps_ne": {
        "zh": 'NPS 无法估计：只有 {n} 个答案，少于最低要求 {min_n}。',
        "en": 'NPS not estimable: {n} answer(s), fewer than the minimum of {min_n}.'},
    "satisfaction.w.nps_one_category": {
        "zh": 'NPS：全部 {n} 个答案落在同一类别，标准误为 0、区间退化；答案这么少，真实 NPS 仍不确定。',
        "en": 'NPS: all {n} answers fall in one category, so the standard error is 0 and the interval is'
              ' degenerate; the true NPS is still uncertain with this few answers.'},
    "satisfaction.w.nps_small": {
        "zh": 'NPS 仅基于 {n} 个答案：Wald 区间为近似值且较宽。',
        "en": 'NPS from only {n} answers: the Wald interval is approximate and wide.'},
    "satisfaction.w.topbox_ne": {
        "zh": '前 {box} 项满意率无法估计：只有 {n} 个答案，少于最低要求 {min_n}。',
        "en": 'Top-{box}-box share not estimable: {n} answer(s), fewer than the minimum of {min_n}.'},
    "satisfaction.w.topbox_small": {
        "zh": '前 {box} 项满意率仅基于 {n} 个答案：区间较宽。',
        "en": 'Top-{box}-box share from only {n} answers: the interval is wide.'},
    "satisfaction.w.nps_ne_accounts": {
        "zh": 'NPS 无法估计（{n} 个客户，少于最低要求 {min_n}）。',
        "en": 'NPS: not estimable ({n} accounts < minimum {min_n}).'},
    "satisfaction.w.nps_degenerate_accounts": {
        "zh": 'NPS：全部 {n} 个客户的 NPS 相同，置信区间退化。',
        "en": 'NPS: all {n} accounts have the same NPS, so the interval is degenerate.'},
    "satisfaction.w.headline_small": {
        "zh": '核心指标基于不足 30 个{unit_zh}：置信区间较宽。',
        "en": 'Headline figures rest on fewer than 30 {unit_en}: intervals are wide.'},
})


def likert_label(level: int, lang: str = "zh") -> str:
    """Label of a 1-5 Likert point: 5 -> 非常满意 (zh) / Very satisfied (en).

    Parameters
    ----------
    level : int
        Answer 1-5.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str

    Examples
    --------
    >>> likert_label(5, "en"), likert_label(1, "zh")
    ('Very satisfied', '非常不满意')
    """
    return LABELS[f"satisfaction.likert_{int(level)}"][lang]


def _t(key: str, lang: str) -> str:
    """``satisfaction.<key>`` through the one registry (kamlib.i18n.tr)."""
    from ..i18n import tr

    return tr(f"satisfaction.{key}", lang)



def _has(key: str, lang: str) -> bool:
    return key in LABELS and lang in LABELS[key]


def construct_label(name, lang: str = "zh") -> str:
    """Display name of a construct: the registered one (产品 -> Product in en), else the name as configured.

    Parameters
    ----------
    name : str
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
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

    Parameters
    ----------
    code : str
        Item column, ``overall``, ``nps`` or a construct name.
    lang : {"zh", "en"}, default "zh"
    constructs : mapping of str to sequence of str, optional
        Construct name -> its item columns, to name unregistered items by position.

    Returns
    -------
    str

    Examples
    --------
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
    """Display name of every item and construct of ``constructs`` (``params.satisfaction.constructs``).

    Parameters
    ----------
    constructs : mapping of str to sequence of str
        Construct name -> its item columns.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    dict of str to str
        Item or construct code -> display name (:func:`item_label`).
    """
    out = {c: construct_label(c, lang) for c in constructs}
    out.update({i: item_label(i, lang, constructs) for items in constructs.values() for i in items})
    return out
