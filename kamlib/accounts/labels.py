"""Texts of the account-management report (domain ``accounts``), both languages: headers, section titles,
the sentences of :mod:`.prose` and the survey-planning texts."""
from __future__ import annotations

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
    "accounts.needs_table": {"zh": "此部分需要{what}：在参数文件的 data: 下加入 {table} 表即可生成"
                                   "（列名见 README 的“Your data”一节）。",
                             "en": "This part needs {what}: add the {table} table under data: in the params file "
                                   "(columns: see \"Your data\" in the README)."},
    "accounts.needs_column": {"zh": "此部分需要{what}：{table} 表的 {column} 列。",
                              "en": "This part needs {what}: column {column} of the {table} table."},
    "accounts.what.interactions": {"zh": "客户互动记录（拜访、电话、会议、投诉）",
                                   "en": "a record of contacts with accounts (visits, calls, meetings, complaints)"},
    "accounts.what.opportunities": {"zh": "商机记录（金额、阶段、赢单或输单）",
                                    "en": "the sales opportunities (amount, stage, won or lost)"},
    "accounts.what.targets": {"zh": "收入目标（按期间，分客户经理或客户）",
                              "en": "revenue targets (per period, per account manager or account)"},
    "accounts.what.customers.account_manager": {"zh": "每个客户的客户经理", "en": "each account's account manager"},
    "accounts.what.customers.churn_reason": {"zh": "流失客户的流失原因", "en": "the reason each lost account left"},
    "accounts.what.customers.credit_rating": {"zh": "客户的资信级别", "en": "each account's credit rating"},
    "accounts.what.orders.product_line": {"zh": "订单的产品线或品类", "en": "the product line of each order"},
    "accounts.inputs.none": {
        "zh": "这一地区的数据没有客户经营所需的任何信息（{missing}），所以下面各部分都是空的，各自说明需要什么数据。",
        "en": "This region's data has none of what account management needs ({missing}), so every part below is "
              "empty and says which data would fill it."},
    "accounts.inputs.some": {
        "zh": "本页依据：{present}。缺少：{missing}，相关部分说明需要什么数据。",
        "en": "This page uses {present}. Missing: {missing}; the parts that need them say so."},
    "accounts.inputs.all": {"zh": "本页依据：{present}。", "en": "This page uses {present}."},
    "accounts.col.core_accounts": {"zh": "核心客户", "en": "Core accounts"},
    "accounts.col.key_accounts": {"zh": "重点客户", "en": "Key accounts"},
    "accounts.col.ordinary_accounts": {"zh": "一般客户", "en": "Ordinary accounts"},
    "accounts.col.revenue_change": {"zh": "同比变化", "en": "Revenue change"},
    "accounts.col.churned_accounts": {"zh": "流失客户数", "en": "Churned accounts"},
    "accounts.col.churned_revenue": {"zh": "流失客户年收入", "en": "Lost accounts' annual revenue"},
    "accounts.col.churn_rate": {"zh": "流失率", "en": "Churn rate"},
    "accounts.col.satisfaction": {"zh": "满意度", "en": "Satisfaction"},
    "accounts.col.contacts_per_account": {"zh": "户均年联系次数", "en": "Contacts per account a year"},
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
    "accounts.total": {"zh": "合计", "en": "total"},
    "accounts.col.population": {"zh": "客户数", "en": "Accounts"},
    "accounts.col.variance": {"zh": "方差", "en": "Variance"},
    "accounts.col.required": {"zh": "所需样本量", "en": "Required"},
    "accounts.col.allocated": {"zh": "按比例分配", "en": "Proportional share"},
    "accounts.col.drawn": {"zh": "抽取数", "en": "Drawn"},
    # column labels added for the report's tables
    "accounts.col.at_risk_revenue": {"zh": "预计流失收入", "en": "Revenue at risk"},
    "accounts.col.target_attainment": {"zh": "目标达成率", "en": "Target attained"},
    "accounts.credit": {"zh": "资信级别", "en": "Credit rating"},
    "accounts.col.credit_rating": {"zh": "资信级别", "en": "Credit rating"},
    "accounts.col.revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "accounts.col.late_share": {"zh": "逾期发票占比", "en": "Invoices paid late"},
    "accounts.say.credit": {
        "zh": "流失率最高的资信级别是 {high}（{high_rate}），最低的是 {low}（{low_rate}）{test}；"
              "只比较至少有 10 个客户的级别。",
        "en": "Churn is highest at rating {high} ({high_rate}) and lowest at {low} ({low_rate}), among ratings "
              "with at least 10 accounts{test}."},
    "accounts.col.top_churn_reason": {"zh": "主要流失原因", "en": "Main churn reason"},
    "accounts.col.name": {"zh": "客户名称", "en": "Account"},
    # one line under a cut table
    "accounts.shown": {"zh": "（按上述顺序列出前 {shown} 个，共 {total} 个。）",
                       "en": "(The first {shown} of {total}, in the order above.)"},
    "accounts.no_targets": {"zh": "{period} 期间没有这一层级的目标。", "en": "No targets of this level for {period}."},
    "accounts.plan.managers": {"zh": "客户经理：{period}", "en": "Account managers, {period}"},
    "accounts.plan.accounts": {"zh": "有单独目标的客户：{period}（达成率从低到高）",
                               "en": "Accounts with their own target, {period} (furthest behind plan first)"},
    # the sentences of kamlib.accounts.prose
    "accounts.say.portfolios.count": {
        "zh": "{managers} 位客户经理。流失收入为流失客户在最后一次下单前 12 个月的收入，即这些客户一年的业务量。",
        "en": "{managers} account managers. Lost revenue is what the lost accounts bought in the 12 months before "
              "their last order: a year of their business."},
    "accounts.say.portfolios.at_risk": {
        "zh": "预计流失收入为流失模型对在册客户未来 {months} 个月的预计收入损失（流失概率 × 收入），合计 {total}，"
              "与客户流失报告的高风险客户清单一致。",
        "en": "Revenue at risk is what the churn model expects to lose from active accounts over the next {months} "
              "months (churn probability times revenue), {total} in all, as in the churn report's at-risk list."},
    "accounts.say.portfolios.churn": {
        "zh": "流失率最高的是{manager}的客户组合：{rate} 的客户已流失，其他客户经理合计为 {others}{test}。",
        "en": "{manager}'s book loses the most: {rate} of its accounts are lost, against {others} for the other "
              "managers together{test}."},
    "accounts.say.portfolios.contacts": {
        "zh": "联系最少的是{manager}：每个在册客户每年 {contacts} 次拜访、电话或会议，"
              "客户经理的中位数为 {median} 次。",
        "en": "{manager} contacts accounts least: {contacts} visits, calls or meetings a year per active account, "
              "against a median of {median} across managers."},
    "accounts.say.portfolios.both": {
        "zh": "流失率最高的是{manager}的客户组合：{rate} 的客户已流失，其他客户经理合计为 {others}{test}；"
              "{manager}也是联系客户最少的客户经理：每个在册客户每年 {contacts} 次拜访、电话或会议，"
              "客户经理的中位数为 {median} 次。",
        "en": "{manager}'s book loses the most: {rate} of its accounts are lost, against {others} for the other "
              "managers together{test}. {manager} is also the manager who contacts accounts least: {contacts} visits, "
              "calls or meetings a year per active account, against a median of {median}."},
    "accounts.say.chance": {"zh": "（差异在随机波动范围内，卡方检验 {p}）",
                            "en": " (differences within chance: chi-square test {p})"},
    "accounts.say.real": {"zh": "（差异超出随机波动，卡方检验 {p}）",
                          "en": " (differences beyond chance: chi-square test {p})"},
    "accounts.say.portfolios.compared": {
        "zh": "（比较只包括至少有 {min_accounts} 个客户的 {compared} 位客户经理：客户太少时流失率不稳定。）",
        "en": "(Compared: the {compared} managers with at least {min_accounts} accounts; a smaller book gives an "
              "unstable rate.)"},
    "accounts.say.not_contacted": {
        "zh": "{of} 个在册核心与重点客户中，有 {accounts} 个超过 {days} 天没有拜访、电话或会议{never}，"
              "近 12 个月收入合计 {revenue}。名单按未联系时间从长到短排列：请客户经理本月内逐一联系。",
        "en": "{accounts} of {of} active core and key accounts have had no visit, call or meeting for more than "
              "{days} days{never}, with {revenue} of revenue in the last 12 months. The list runs "
              "longest gap first: these are the accounts for their managers to call this month."},
    "accounts.say.not_contacted.none": {
        "zh": "{of} 个在册核心与重点客户在 {days} 天内都有拜访、电话或会议。",
        "en": "All {of} active core and key accounts had a visit, call or meeting within {days} days."},
    "accounts.say.not_contacted.no_key": {"zh": "没有在册的核心或重点客户。",
                                          "en": "There is no active core or key account."},
    "accounts.say.summary": {
        "zh": "**{accounts}** 个在册核心与重点客户超过 {days} 天没有拜访、电话或会议（近 12 个月收入 {revenue}），"
              "名单见“{title}”。",
        "en": "**{accounts}** active core and key accounts have had no visit, call or meeting for over {days} days "
              "({revenue} of revenue in the last 12 months); the list is in '{title}'."},
    "accounts.say.complaints": {
        "zh": "{years} 年内共 {complaints} 条投诉，最多的类别是{category}（{share}）；解决天数的中位数为 {median} 天，"
              "{open} 条仍未解决。",
        "en": "{complaints} complaints over {years} years; the most common category is {category} ({share}). "
              "Complaints take a median of {median} days to resolve; still open: {open}."},
    "accounts.say.complaints.none": {"zh": "期间没有投诉记录。", "en": "No complaint was recorded in the period."},
    "accounts.say.churn_reasons": {
        "zh": "{lost} 个流失客户中 {with_reason} 个记录了流失原因。最常见的原因是{top}（{share}）；流失收入最多的原因是"
              "{top_revenue}（{revenue}，占流失收入的 {revenue_share}）。",
        "en": "{with_reason} of {lost} lost accounts have a recorded reason. The most common is {top} ({share}); "
              "the most lost revenue went with {top_revenue} ({revenue}, {revenue_share} of the lost revenue)."},
    "accounts.say.churn_reasons.tiers": {
        "zh": "等级列为客户流失之前（{date}）的等级：按期末等级，流失客户几乎都会是一般客户。"
              "“{new}”为当时尚未下单的客户。",
        "en": "The tier columns give each account's tier before it left (as of {date}): by period-end tiers nearly "
              "every lost account would be ordinary. \"{new}\" accounts had not ordered yet."},
    "accounts.say.pipeline": {
        "zh": "已结束的 {closed} 个商机签约成功率为 {win_rate}；在谈商机 {open} 个，金额 {value}。",
        "en": "{closed} closed opportunities were won at a rate of {win_rate}; {open} are open, worth {value}."},
    "accounts.say.pipeline.lost": {"zh": "输单最多的原因是{reason}（{share}）。",
                                   "en": "The most common lost reason is {reason} ({share})."},
    "accounts.say.plan.managers": {
        "zh": "{period}{state}：{met}/{targets} 位客户经理达成收入目标；"
              "合计目标 {target}，实际 {actual}（达成率 {attainment}）。"
              "达成率最低的是{lowest}（{lowest_attainment}）。",
        "en": "{period}{state}: {met} of {targets} account managers met their revenue target; together "
              "{actual} against {target} ({attainment}). Lowest attainment: {lowest} ({lowest_attainment})."},
    "accounts.say.plan.accounts": {
        "zh": "有单独目标的 {targets} 个客户中 {met} 个达成目标。",
        "en": "{met} of {targets} accounts with their own target met it."},
    "accounts.say.plan.lost": {
        "zh": "其中 {lost} 个客户已流失，收入停止，目标已无法完成；"
              "仍在下单的客户中达成率最低的是{lowest}（{attainment}）。",
        "en": "{lost} of them are lost (their revenue stopped, so the target cannot be met); among the accounts "
              "still buying, the furthest behind is {lowest} ({attainment})."},
    "accounts.say.never": {"zh": "（其中 {never} 个从未联系）", "en": " ({never} never)"},
    "accounts.col.churned": {"zh": "已流失", "en": "Lost"},
    "accounts.col.tier_mix": {"zh": "核心/重点/一般", "en": "Core / key / ordinary"},
    "accounts.yes": {"zh": "是", "en": "yes"},
    "accounts.no": {"zh": "否", "en": "no"},
    "accounts.say.plan.open": {"zh": "（期间未结束）", "en": " (period not over yet)"},
    "accounts.say.breadth": {
        "zh": "客户平均购买 {mean} 个品类（共 {lines} 个品类）。"
              "{with_gap} 个客户至少缺一个同群（{peer}）多数客户都在买的品类："
              "这些是交叉销售的机会。名单只列有空白的客户，先列核心与重点客户，再按空白品类数从多到少排列。",
        "en": "Accounts buy {mean} of {lines} product lines on average. {with_gap} accounts lack at least one line "
              "that most of their peers ({peer}) buy: cross-sell openings. The list shows them, core and key accounts "
              "first, then most gaps first."},
    "accounts.say.breadth.none": {
        "zh": "客户平均购买 {mean} 个品类（共 {lines} 个品类），没有客户缺少同群（{peer}）多数客户都在买的品类。",
        "en": "Accounts buy {mean} of {lines} product lines on average; none lacks a line that most of its peers "
              "({peer}) buy."},
    "accounts.peer.segment": {"zh": "同一客户细分", "en": "the same segment"},
    "accounts.peer.all": {"zh": "全部在册客户", "en": "all active accounts"},
}
