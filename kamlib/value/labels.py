"""Report texts of the value assessment: headings, column names, indicator and RFM segment names."""
from __future__ import annotations

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
    """Display name of an indicator column (unknown names pass through)."""
    key = f"value.ind.{name}"
    return LABELS[key][lang] if key in LABELS else name


_LANGS: dict[str, Lang] = {"zh": "zh", "en": "en"}


def check_lang(lang: str) -> Lang:
    """``lang`` as a report language (KamlibError when it is not one)."""
    try:
        return _LANGS[lang]
    except KeyError:
        raise KamlibError(f"unknown report language {lang!r}; use 'zh' or 'en' ('language:' in the params file)"
                          ) from None


def rfm_label(code: str, lang: str = "zh") -> str:
    """Display name of an RFM segment code (custom segment names from params pass through)."""
    key = f"value.rfm.{code}"
    return LABELS[key][lang] if key in LABELS else str(code)
