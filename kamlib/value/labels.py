"""Report texts of the value assessment: headings, column names, indicator and RFM segment names."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import KamlibError
from ..fmt import Lang

LABELS: dict[str, dict[str, str]] = {
    "value.title": {"zh": "客户价值评估", "en": "Customer value assessment"},
    "value.headline": {"zh": "核心数字", "en": "Headline numbers"},
    "value.pareto": {"zh": "帕累托分析与收入集中度", "en": "Pareto analysis and revenue concentration"},
    "value.abc": {"zh": "ABC 分类", "en": "ABC classification"},
    "value.double_abc": {"zh": "收入 × 利润双 ABC 矩阵", "en": "Revenue × profit double-ABC grid"},
    "value.loss_making": {"zh": "高收入但亏损的客户", "en": "High-revenue, loss-making accounts"},
    "value.rfm": {"zh": "RFM 客户分群", "en": "RFM segments"},
    "value.scorecard": {"zh": "多指标综合评分", "en": "Multi-indicator scorecard"},
    "value.weights": {"zh": "指标权重", "en": "Indicator weights"},
    "value.top_accounts": {"zh": "得分最高的客户及各指标贡献", "en": "Top accounts and indicator contributions"},
    "value.tiers": {"zh": "客户分级", "en": "Customer tiers"},
    "value.tiers_by": {"zh": "各分组的客户分级与收入", "en": "Tiers and revenue by group"},
    "value.migration": {"zh": "客户分级迁移（与上期相比）", "en": "Tier migration (vs. previous period)"},
    "value.implied_mix": {"zh": "按迁移概率推算的下期分级结构", "en": "Implied next-period tier mix (Markov)"},
    "value.new_key": {"zh": "新晋重点/核心客户", "en": "New key/core accounts"},
    "value.lost_key": {"zh": "降级或流失的重点/核心客户", "en": "Key/core accounts lost or downgraded"},
    # table column labels
    "value.col.class": {"zh": "类别", "en": "Class"},
    "value.col.accounts": {"zh": "客户数", "en": "Accounts"},
    "value.col.account_share": {"zh": "客户占比", "en": "Share of accounts"},
    "value.col.value": {"zh": "金额", "en": "Value"},
    "value.col.value_share": {"zh": "金额占比", "en": "Share of value"},
    "value.col.cum_value_share": {"zh": "累计金额占比", "en": "Cumulative share"},
    "value.col.segment": {"zh": "分群", "en": "Segment"},
    "value.col.revenue": {"zh": "收入", "en": "Revenue"},
    "value.col.revenue_share": {"zh": "收入占比", "en": "Share of revenue"},
    "value.col.gross_profit": {"zh": "毛利", "en": "Gross profit"},
    "value.col.weight": {"zh": "权重", "en": "Weight"},
    "value.col.direction": {"zh": "方向", "en": "Direction"},
    "value.col.group": {"zh": "指标组", "en": "Indicator group"},
    "value.col.score": {"zh": "综合得分", "en": "Score"},
    "value.col.tier": {"zh": "分级", "en": "Tier"},
    "value.col.name": {"zh": "客户名称", "en": "Account"},
    "value.col.previous": {"zh": "上期", "en": "Previous"},
    "value.col.current": {"zh": "本期", "en": "Current"},
    "value.col.next": {"zh": "下期（推算）", "en": "Next (implied)"},
    "value.col.core": {"zh": "核心", "en": "Core"},
    "value.col.key": {"zh": "重点", "en": "Key"},
    "value.col.ordinary": {"zh": "一般", "en": "Ordinary"},
    "value.col.core_revenue_share": {"zh": "核心客户收入占比", "en": "Core share of revenue"},
    "value.col.new": {"zh": "新增", "en": "New"},
    "value.col.rank": {"zh": "排名", "en": "Rank"},
    "value.col.lost": {"zh": "流失", "en": "Lost"},
    "value.groups": {"zh": "集团汇总（按母公司合并）", "en": "Group roll-up (subsidiaries merged into parents)"},
    "value.col.core_revenue": {"zh": "核心客户收入", "en": "Core revenue"},
    "value.col.key_revenue": {"zh": "重点客户收入", "en": "Key revenue"},
    "value.col.ordinary_revenue": {"zh": "一般客户收入", "en": "Ordinary revenue"},
    "value.col.current_share": {"zh": "本期占比", "en": "Current share"},
    "value.col.next_share": {"zh": "下期占比（推算）", "en": "Next share (implied)"},
    "value.col.indicator": {"zh": "指标", "en": "Indicator"},
    "value.col.region": {"zh": "区域", "en": "Region"},
    "value.col.business_unit": {"zh": "事业部", "en": "Business unit"},
    "value.col.industry": {"zh": "行业", "en": "Industry"},
    "value.col.size_band": {"zh": "规模", "en": "Size band"},
    "value.col.customer_id": {"zh": "客户编号", "en": "Account id"},
    "value.col.loss_making": {"zh": "亏损", "en": "Loss-making"},
    "value.col.RFM": {"zh": "RFM 得分", "en": "RFM"},
    "value.col.revenue_class": {"zh": "收入类别", "en": "Revenue class"},
    "value.col.profit_class": {"zh": "利润类别", "en": "Profit class"},
    "value.higher_better": {"zh": "越高越好", "en": "higher is better"},
    "value.lower_better": {"zh": "越低越好", "en": "lower is better"},
    "value.group.transaction": {"zh": "交易", "en": "transaction"},
    "value.group.financial": {"zh": "财务", "en": "financial"},
    "value.group.characteristic": {"zh": "客户特征", "en": "characteristic"},
    "value.group.demand": {"zh": "需求匹配", "en": "demand match"},
    "value.lorenz_x": {"zh": "客户累计占比（按收入从高到低）", "en": "Cumulative share of accounts (largest first)"},
    "value.lorenz_y": {"zh": "收入累计占比", "en": "Cumulative share of revenue"},
    "value.equality": {"zh": "完全平均", "en": "Perfect equality"},
    "value.contribution": {"zh": "得分贡献（分）", "en": "Contribution to score (points)"},
    "value.warnings": {"zh": "注意事项", "en": "Warnings"},
    # warnings (kamlib.i18n.Message; {indicator} is an IndicatorName, rendered through indicator_label)
    "value.w.unknown_ids": {
        "zh": "有 {n} 条订单行的客户编号不在客户表中，未计入指标（可用 kam validate 检查账本）。",
        "en": "{n} order lines reference customer ids missing from the customers table; they are left out of the "
              "indicators (validate the ledger with `kam validate`)."},
    "value.w.no_profit": {"zh": "订单中没有毛利或成本字段：毛利、毛利率和毛利占比无法计算。",
                          "en": "the orders have no gross_profit or cost column: gross profit, margin and profit "
                                "share are unavailable"},
    "value.w.growth_short": {
        "zh": "{indicator}只用到 {periods} 个季度中的 {used} 个：账本从 {start} 开始，晚于增长计算窗口的起点。",
        "en": "{indicator} uses {used} of {periods} quarters: the ledger starts {start}, after the start of the "
              "growth window."},
    "value.w.yoy_short": {
        "zh": "{indicator}需要 {as_of} 之前 24 个月的订单；账本从 {start} 开始，因此无法计算。",
        "en": "{indicator} needs 24 months of orders before {as_of}; the ledger starts {start}, so it is "
              "unavailable."},
    "value.w.no_invoices": {
        "zh": "没有发票表：回款天数、应收账款周转天数、逾期金额、未收金额和逾期付款占比等财务指标无法计算，"
              "未纳入评分卡。",
        "en": "no invoices table: financial indicators (days to pay, DSO, overdue, outstanding, late share) are "
              "unavailable and left out of the scorecard"},
    "value.w.profit_not_positive": {"zh": "总毛利为零或负数：毛利占比没有意义（记为空值）。",
                                    "en": "total gross profit is zero or negative: profit shares are not meaningful "
                                          "(NaN)"},
    # tier rule, reasons, boundaries, forecast
    "value.tier_rule": {"zh": "分级规则", "en": "Tier rule"},
    "value.demoted": {"zh": "被降级的前 {n} 大客户及原因", "en": "Demoted top-{n} accounts and why"},
    "value.boundary": {"zh": "临近分级边界的客户（差多少会升降级）",
                       "en": "Accounts near a tier boundary (what would move them)"},
    "value.forecast": {"zh": "分级结构预测（马尔可夫链，流失为吸收状态）",
                       "en": "Tier mix forecast (Markov chain, lost is absorbing)"},
    "value.backtest": {"zh": "回测：上一期预测与实际对比", "en": "Backtest: last period forecast vs actual"},
    "value.reason.core": {"zh": "{basis}进入核心区间", "en": "core band on {basis}"},
    "value.reason.key": {"zh": "{basis}进入重点区间", "en": "key band on {basis}"},
    "value.reason.below_key": {"zh": "未进入重点区间", "en": "below the key band"},
    "value.reason.shrinking": {"zh": "收入萎缩", "en": "shrinking revenue"},
    "value.reason.margin_below": {"zh": "毛利率低于平均", "en": "margin below average"},
    "value.reason.late_payment": {"zh": "长期逾期付款", "en": "chronic late payment"},
    "value.reason.inactive": {"zh": "期末已不再合作", "en": "not active at period end"},
    "value.reason.score": {"zh": "综合得分分位", "en": "score quantiles"},
    "value.reason.rule_of_thumb": {"zh": "经验规则", "en": "rule of thumb"},
    "value.up": {"zh": "升级", "en": "up"},
    "value.down": {"zh": "降级", "en": "down"},
    "value.col.tier_reason": {"zh": "分级原因", "en": "Reason"},
    "value.col.candidate": {"zh": "按价值应属", "en": "Tier by value"},
    "value.col.boundary": {"zh": "边界", "en": "Boundary"},
    "value.col.basis": {"zh": "口径", "en": "Basis"},
    "value.col.basis_value": {"zh": "当前值", "en": "Value"},
    "value.col.threshold": {"zh": "门槛", "en": "Threshold"},
    "value.col.gap": {"zh": "差额", "en": "Gap"},
    "value.col.forecast": {"zh": "预测", "en": "Forecast"},
    "value.col.actual": {"zh": "实际", "en": "Actual"},
    "value.col.error": {"zh": "误差", "en": "Error"},
    "value.col.period": {"zh": "期数", "en": "Periods ahead"},
    "value.col.margin": {"zh": "毛利率", "en": "Margin"},
    "value.col.revenue_yoy": {"zh": "收入同比", "en": "Revenue YoY"},
    "value.col.late_share": {"zh": "逾期付款发票占比", "en": "Share of invoices paid late"},
    "value.warn.weight_cap": {"zh": "综合评分中「{indicator}」一个指标占了 {share} 的权重（超过 {cap}），"
                                    "得分主要由它决定；请复核权重，或在参数文件中把评分方法改为人工权重。",
                              "en": "One indicator, '{indicator}', takes {share} of the scorecard weight (more than "
                                    "{cap}) and decides most of the score; review the weights or set "
                                    "value.scorecard_method: manual."},
    "value.warn.weights_ignored": {"zh": "参数中设置了人工权重，但评分方法为熵权法，人工权重未被使用"
                                         "（如需使用，请在参数文件中把评分方法改为人工权重）。",
                                   "en": "value.weights is set but value.scorecard_method is 'entropy'; the "
                                         "weights are ignored (set scorecard_method: manual to use them)."},
    "value.warn.no_data": {"zh": "以下指标没有数据，未纳入评分：{indicators}。",
                           "en": "Indicators without data left out of the scorecard: {indicators}."},
    # warnings of the scorecard, tiers, concentration, double ABC and migration (kamlib.i18n.Message)
    "value.w.entropy_few": {"zh": "评分卡：客户少于 2 家，无法计算熵权，改用等权重。",
                            "en": "scorecard: fewer than 2 accounts, entropy weights undefined: equal weights used"},
    "value.w.negative_values": {"zh": "集中度：{n} 个负值按 0 计（基尼系数要求金额非负）。",
                                "en": "concentration: {n} negative values set to 0 (Gini needs non-negative "
                                      "amounts)"},
    "value.w.zero_total": {"zh": "集中度：合计为零，基尼系数无定义。",
                           "en": "concentration: total is zero, Gini undefined"},
    "value.w.no_active": {"zh": "客户分级：期末没有在册客户，所有客户均列为一般客户。",
                          "en": "assign_tiers: no account is active at the period end; every account is 'ordinary'"},
    "value.w.no_spread": {"zh": "客户分级：各客户得分没有差异，所有客户均列为一般客户。",
                          "en": "assign_tiers: scores do not differ between accounts; every account is 'ordinary'"},
    "value.w.no_margin": {"zh": "客户分级：没有毛利率数据，经验规则只按收入分级。",
                          "en": "assign_tiers: no margin data; the rule of thumb uses revenue only"},
    "value.w.bases_missing": {"zh": "客户分级：以下分级依据不在指标中，未使用：{bases}。",
                              "en": "value_tiers: bases not in the indicators left out: {bases}"},
    "value.w.no_backtest": {"zh": "等级预测：只有一次期间之间的变化，无法回测（回测需要三个期末）。",
                            "en": "markov_forecast: only one period-to-period transition; no backtest (it needs "
                                  "three period ends)"},
    "value.w.few_transitions": {"zh": "等级预测：只观察到 {n} 次客户等级变化，预测结果较粗略。",
                                "en": "markov_forecast: only {n} account transitions observed: the forecast is "
                                      "rough"},
    "value.w.no_previous": {"zh": "上一期末 {date} 没有在册客户：账本不够长，无法做期间对比。",
                            "en": "no active accounts at the previous period end {date}: the ledger does not reach "
                                  "back far enough for a period comparison"},
    "value.w.tiers_unobserved": {"zh": "上一期没有{tiers}客户：推算下期结构时假定这些等级的客户保持不变。",
                                 "en": "no previous-period accounts in tier(s) {tiers}: they are assumed to stay put "
                                       "in the implied next-period mix"},
    "value.w.few_previous": {"zh": "上一期末只有 {n} 家在册客户：等级转移概率较粗略。",
                             "en": "only {n} accounts at the previous period end: transition probabilities are "
                                   "rough"},
    "value.w.loss_making_a": {"zh": "{n} 家收入 A 类客户毛利为负。",
                              "en": "{n} class-A revenue accounts make a gross loss"},
}

#: display names of the indicator columns
_INDICATOR_NAMES: dict[str, tuple[str, str]] = {
    "revenue": ("收入", "Revenue"),
    "gross_profit": ("毛利", "Gross profit"),
    "margin": ("毛利率", "Margin"),
    "order_count": ("订单数", "Orders"),
    "avg_order_value": ("平均订单金额", "Average order value"),
    "recency_days": ("距上次下单天数", "Days since last order"),
    "tenure_days": ("合作天数", "Tenure (days)"),
    "frequency": ("年均订单数", "Orders per year"),
    "revenue_growth": ("收入增长趋势", "Revenue growth (trend)"),
    "revenue_yoy": ("收入同比", "Revenue YoY"),
    "revenue_last_12m": ("近12个月收入", "Revenue, last 12 months"),
    "days_to_pay": ("平均回款天数", "Days to pay"),
    "dso": ("应收账款周转天数", "DSO"),
    "overdue_amount": ("逾期金额", "Overdue amount"),
    "outstanding_amount": ("应收余额", "Outstanding amount"),
    "late_share": ("逾期付款发票占比", "Share of invoices paid late"),
    "revenue_share": ("收入贡献占比", "Share of revenue"),
    "profit_share": ("利润贡献占比", "Share of profit"),
    "size_score": ("企业规模", "Company size"),
    "value_fit": ("价值需求匹配度", "Value fit"),
    "procurement_fit": ("采购流程匹配度", "Procurement fit"),
    "n_members": ("成员企业数", "Member accounts"),
    "score": ("综合得分", "Score"),
    "expected_revenue_12m": ("未来12个月预期收入", "Expected revenue, next 12 months"),
    "expected_purchases_12m": ("未来12个月预期购买次数", "Expected purchases, next 12 months"),
    "clv": ("客户终身价值", "Customer lifetime value"),
    "p_alive": ("存活概率", "P(alive)"),
    "growth_potential": ("增长潜力", "Growth potential"),
}
for _k, (_zh, _en) in _INDICATOR_NAMES.items():
    LABELS[f"value.ind.{_k}"] = {"zh": _zh, "en": _en}

#: RFM segment codes -> display names
_RFM_NAMES: dict[str, tuple[str, str]] = {
    "champions": ("明星客户", "Champions"),
    "loyal": ("忠诚客户", "Loyal"),
    "potential_loyalists": ("潜力客户", "Potential loyalists"),
    "new": ("新客户", "New"),
    "promising": ("有望客户", "Promising"),
    "need_attention": ("需关注客户", "Need attention"),
    "about_to_sleep": ("即将沉睡客户", "About to sleep"),
    "at_risk": ("流失风险客户", "At risk"),
    "cannot_lose": ("不能失去的客户", "Can't lose"),
    "hibernating": ("休眠客户", "Hibernating"),
    "lost": ("已流失客户", "Lost"),
}
for _k, (_zh, _en) in _RFM_NAMES.items():
    LABELS[f"value.rfm.{_k}"] = {"zh": _zh, "en": _en}


def indicator_label(name: str, lang: str = "zh") -> str:
    """Display name of an indicator column (unknown names pass through).

    Parameters
    ----------
    name : str
        Indicator column name (``revenue``, ``margin``, ``late_share``...).
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    key = f"value.ind.{name}"
    return LABELS[key][lang] if key in LABELS else name



@dataclass(frozen=True)
class IndicatorName:
    """An indicator named in a message: rendered as its label in the message's language (never the code name)."""

    code: str

    def render(self, lang: str = "zh") -> str:
        return indicator_label(self.code, lang)


_LANGS: dict[str, Lang] = {"zh": "zh", "en": "en"}


def check_lang(lang: str) -> Lang:
    """``lang`` as a report language (KamlibError when it is not one)."""
    try:
        return _LANGS[lang]
    except KeyError:
        raise KamlibError(f"unknown report language {lang!r}; use 'zh' or 'en' ('language:' in the params file)"
                          ) from None


def rfm_label(code: str, lang: str = "zh") -> str:
    """Display name of an RFM segment code (custom segment names from params pass through).

    Parameters
    ----------
    code : str
        RFM segment code (``champions``, ``at_risk``...) or a custom segment name.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    key = f"value.rfm.{code}"
    return LABELS[key][lang] if key in LABELS else str(code)


def reason_text(reason: str, lang: str = "zh", values=None) -> str:
    """A ``tier_reason`` (``"core:revenue;margin_below"``) in words; with the account's ``values`` (a mapping
    with revenue_yoy / margin / late_share) the demotion reasons carry their numbers.

    Parameters
    ----------
    reason : str
        ``;``-separated reason codes ``<reason>[:<basis>]``; unknown codes are kept as they are, empty ones
        dropped.
    lang : {"zh", "en"}
        Report language.
    values : mapping, optional
        The account's ``revenue_yoy``, ``margin`` and ``late_share`` (missing or NaN: no number shown).

    Returns
    -------
    str
        The reasons joined with '；' (zh) or '; ' (en).
    """
    from .. import fmt

    parts = []
    for code in str(reason).split(";"):
        if not code:
            continue
        head, _, basis = code.partition(":")
        key = f"value.reason.{head}"
        if key not in LABELS:
            parts.append(code)
            continue
        text = LABELS[key][lang].format(basis=indicator_label(basis, lang))
        v = values if values is not None else {}
        extra = {"shrinking": ("revenue_yoy", "同比 " if lang == "zh" else "YoY "),
                 "margin_below": ("margin", "毛利率 " if lang == "zh" else "margin "),
                 "late_payment": ("late_share", "逾期 " if lang == "zh" else "late ")}.get(head)
        if extra and extra[0] in v and v[extra[0]] is not None and v[extra[0]] == v[extra[0]]:
            num = fmt.pct(float(v[extra[0]]))
            text += f"（{extra[1]}{num}）" if lang == "zh" else f" ({extra[1]}{num})"
        parts.append(text)
    return ("；" if lang == "zh" else "; ").join(parts)
