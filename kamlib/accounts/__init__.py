"""Account management (客户经营, issue 22): account managers' books, contacts and complaints, why accounts
left, the pipeline, plan vs actual and product breadth. Computation in :mod:`.analyses`, display in
:mod:`.display`; texts in :data:`LABELS` (domain ``accounts``)."""
from __future__ import annotations

from .analyses import (
    TableResult,
    breadth,
    churn_reasons,
    complaints,
    complaints_by_tier,
    contact_covariates,
    contact_stats,
    contacts,
    manager_portfolios,
    not_contacted,
    period_bounds,
    pipeline,
    plan_vs_actual,
)
from .display import display_frame, display_table, facts_markdown, reason_markdown
from .sampling import SampleResult, sample_size, survey_sample

__all__ = ["LABELS", "TableResult", "breadth", "churn_reasons", "complaints", "complaints_by_tier",
           "contact_covariates", "contact_stats", "contacts", "display_frame", "display_table", "facts_markdown",
           "manager_portfolios", "not_contacted", "period_bounds", "pipeline", "plan_vs_actual", "reason_markdown",
           "SampleResult", "sample_size", "survey_sample"]

LABELS: dict[str, dict[str, str]] = {
    "accounts.title": {"zh": "客户经营", "en": "Account management"},
    "accounts.portfolios": {"zh": "客户经理的客户组合", "en": "Account-manager portfolios"},
    "accounts.not_contacted": {"zh": "超过 {days} 天未联系的核心与重点客户",
                               "en": "Core and key accounts not contacted for more than {days} days"},
    "accounts.complaints": {"zh": "投诉与服务", "en": "Complaints and service"},
    "accounts.complaint_categories": {"zh": "投诉类别", "en": "Complaint categories"},
    "accounts.churn_reasons": {"zh": "客户流失的真正原因", "en": "Why accounts left"},
    "accounts.pipeline": {"zh": "商机与签约成功率", "en": "Pipeline and win rate"},
    "accounts.lost_reasons": {"zh": "输单原因", "en": "Lost reasons"},
    "accounts.stages": {"zh": "在谈商机金额（按阶段）", "en": "Open pipeline value by stage"},
    "accounts.plan": {"zh": "目标与实际", "en": "Plan vs actual"},
    "accounts.breadth": {"zh": "购买品类与交叉销售空白", "en": "Product breadth and cross-sell gaps"},
    "accounts.level.account": {"zh": "客户", "en": "Account"},
    "accounts.level.account_manager": {"zh": "客户经理", "en": "Account manager"},
    "accounts.none": {"zh": "无。", "en": "None."},
    "accounts.needs_table": {"zh": "需要 {table} 表（在参数文件 data: 下提供）才能生成此表。",
                             "en": "Needs the {table} table (add it under data: in the params file)."},
    "accounts.needs_column": {"zh": "需要 {table}.{column} 列才能生成此表。",
                              "en": "Needs the column {table}.{column}."},
    "accounts.col.core_accounts": {"zh": "核心客户", "en": "Core accounts"},
    "accounts.col.key_accounts": {"zh": "重点客户", "en": "Key accounts"},
    "accounts.col.ordinary_accounts": {"zh": "一般客户", "en": "Ordinary accounts"},
    "accounts.col.revenue_change": {"zh": "收入同比变化", "en": "Revenue change"},
    "accounts.col.churned_accounts": {"zh": "流失客户数", "en": "Churned accounts"},
    "accounts.col.churned_revenue": {"zh": "流失客户收入", "en": "Churned revenue"},
    "accounts.col.churn_rate": {"zh": "流失率", "en": "Churn rate"},
    "accounts.col.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "accounts.col.contacts_per_account": {"zh": "年均联系次数/客户", "en": "Contacts per account a year"},
    "accounts.col.days_since_contact": {"zh": "距上次联系天数", "en": "Days since last contact"},
    "accounts.col.complaints": {"zh": "投诉数", "en": "Complaints"},
    "accounts.col.complaints_per_account_year": {"zh": "年均投诉/客户", "en": "Complaints per account a year"},
    "accounts.col.accounts_with_complaint": {"zh": "有投诉客户占比", "en": "Accounts with a complaint"},
    "accounts.col.median_resolution_days": {"zh": "解决天数中位数", "en": "Median days to resolve"},
    "accounts.col.open_complaints": {"zh": "未解决投诉", "en": "Open complaints"},
    "accounts.col.churn_reason": {"zh": "流失原因", "en": "Churn reason"},
    "accounts.col.opportunities": {"zh": "商机数", "en": "Opportunities"},
    "accounts.col.won": {"zh": "赢单", "en": "Won"},
    "accounts.col.lost": {"zh": "输单", "en": "Lost"},
    "accounts.col.open": {"zh": "在谈", "en": "Open"},
    "accounts.col.win_rate": {"zh": "签约成功率", "en": "Win rate"},
    "accounts.col.won_amount": {"zh": "赢单金额", "en": "Won amount"},
    "accounts.col.pipeline_value": {"zh": "在谈金额", "en": "Pipeline value"},
    "accounts.col.period": {"zh": "期间", "en": "Period"},
    "accounts.col.level": {"zh": "层级", "en": "Level"},
    "accounts.col.owner": {"zh": "对象", "en": "Owner"},
    "accounts.col.revenue_target": {"zh": "收入目标", "en": "Revenue target"},
    "accounts.col.actual": {"zh": "实际收入", "en": "Actual revenue"},
    "accounts.col.complete": {"zh": "期间已结束", "en": "Period complete"},
    "accounts.col.attainment": {"zh": "达成率", "en": "Attainment"},
    "accounts.col.product_lines": {"zh": "购买品类数", "en": "Product lines bought"},
    "accounts.col.gap_lines": {"zh": "空白品类数", "en": "Cross-sell gaps"},
    "accounts.col.gaps": {"zh": "同群多数购买而未购买的品类", "en": "Lines most peers buy, not this account"},
    # survey planning (kam sample)
    "accounts.sample.sentence": {
        "zh": "在 {population} 个在册客户中抽取 {drawn} 个进行{measure}调查：每个等级各自的误差不超过 ±{margin}"
              "（置信度 {confidence}，{variance}；按等级规模比例分配，小等级提高到其自身所需样本量；"
              "已按预计回复率 {response} 放大）。",
        "en": "Draw {drawn} of {population} active accounts for the {measure} survey: each tier on its own within "
              "±{margin} at {confidence} confidence ({variance}; allocated in proportion to tier size, each tier "
              "raised to its own minimum; grossed up for an expected response rate of {response})."},
    "accounts.sample.measure.csat": {"zh": "满意度（CSAT）", "en": "CSAT"},
    "accounts.sample.measure.nps": {"zh": "净推荐值（NPS）", "en": "NPS"},
    "accounts.sample.variance.expected_share": {"zh": "按预期满意比例计算方差",
                                                "en": "variance from the expected share"},
    "accounts.sample.variance.worst_case": {"zh": "按最不利情形（方差最大）计算",
                                            "en": "worst-case variance"},
    "accounts.sample.variance.past_surveys": {"zh": "方差取自以往调查", "en": "variance from past surveys"},
    "accounts.col.population": {"zh": "客户数", "en": "Accounts"},
    "accounts.col.variance": {"zh": "方差", "en": "Variance"},
    "accounts.col.required": {"zh": "所需样本量", "en": "Required"},
    "accounts.col.allocated": {"zh": "按比例分配", "en": "Proportional share"},
    "accounts.col.drawn": {"zh": "抽取数", "en": "Drawn"},
}
