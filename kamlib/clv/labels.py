"""Report texts of the value-still-to-come section (BG/NBD + Gamma-Gamma), in both report languages."""
from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "clv.title": {"zh": "客户终身价值", "en": "Customer lifetime value"},
    "clv.section": {"zh": "未来价值", "en": "Value still to come"},
    "clv.held_by_tier": {"zh": "各客户等级仍持有的价值", "en": "Value still held, by tier"},
    "clv.held_by_segment": {"zh": "各细分群仍持有的价值", "en": "Value still held, by segment"},
    "clv.top": {"zh": "客户终身价值最高的客户", "en": "Top accounts by customer lifetime value"},
    "clv.slipping": {"zh": "正在悄悄流失的大客户",
                     "en": "Slipping away: large accounts the model thinks may have left"},
    "clv.holdout": {"zh": "模型验证：预测与实际复购", "en": "Holdout check: predicted vs actual repeat purchases"},
    "clv.frequency_bucket": {"zh": "校准期复购次数", "en": "Repeat purchases in calibration"},
    "clv.mean_holdout": {"zh": "验证期人均复购次数", "en": "Mean repeat purchases in holdout"},
    "clv.actual": {"zh": "实际", "en": "actual"},
    "clv.predicted": {"zh": "预测 (BG/NBD)", "en": "predicted (BG/NBD)"},
    "clv.p_alive": {"zh": "存活概率 P(alive)", "en": "P(alive)"},
    "clv.accounts": {"zh": "客户数", "en": "accounts"},
    "clv.value": {"zh": "价值", "en": "value"},
    "clv.total": {"zh": "合计", "en": "Total"},
    "clv.unassigned": {"zh": "未分群", "en": "not segmented"},
    "clv.expected_revenue_next": {"zh": "未来 {n} 个月预期收入", "en": "Expected revenue, next {n} months"},
    "clv.expected_purchases_next": {"zh": "未来 {n} 个月预期购买次数", "en": "Expected purchases, next {n} months"},
    # table headers (kamlib.i18n.column_label(name, lang, domain="clv"))
    "clv.col.accounts": {"zh": "客户数", "en": "Accounts"},
    "clv.col.name": {"zh": "客户名称", "en": "Account"},
    "clv.col.tier": {"zh": "客户等级", "en": "Tier"},
    "clv.col.segment_name": {"zh": "细分群", "en": "Segment"},
    "clv.col.account_manager": {"zh": "客户经理", "en": "Account manager"},
    "clv.col.revenue": {"zh": "累计收入", "en": "Revenue to date"},
    "clv.col.revenue_last_12m": {"zh": "近 12 个月收入", "en": "Revenue, last 12 months"},
    "clv.col.expected_revenue_12m": {"zh": "未来 12 个月预期收入", "en": "Expected revenue, next 12 months"},
    "clv.col.expected_purchases_12m": {"zh": "未来 12 个月预期购买次数", "en": "Expected purchases, next 12 months"},
    "clv.col.clv": {"zh": "客户终身价值（折现）", "en": "CLV (discounted)"},
    "clv.col.p_alive": {"zh": "存活概率", "en": "P(alive)"},
    "clv.col.growth_potential": {"zh": "增长潜力", "en": "Growth potential"},
    "clv.col.at_stake": {"zh": "面临流失的收入", "en": "Revenue at stake"},
    "clv.col.frequency": {"zh": "校准期复购次数", "en": "Repeat purchases in calibration"},
    "clv.col.n": {"zh": "客户数", "en": "Accounts"},
    "clv.col.predicted": {"zh": "人均预测复购", "en": "Predicted per account"},
    "clv.col.actual": {"zh": "人均实际复购", "en": "Actual per account"},
    # sentences
    "clv.s.ok": {"zh": "按购买过程（BG/NBD）与客单金额（Gamma-Gamma）模型，这 **{n}** 个客户未来 {h} 个月预计带来收入 "
                       "**{revenue}**，折现后（年折现率 {rate}）的客户终身价值为 **{clv}**。",
                 "en": "By the purchase model (BG/NBD) and the spend model (Gamma-Gamma), these **{n}** accounts are "
                       "expected to bring **{revenue}** of revenue over the next {h} months; discounted at {rate} a "
                       "year, their customer lifetime value is **{clv}**."},
    "clv.s.vs_last": {"zh": "近 12 个月实际收入为 **{last}**，未来 12 个月的预期收入相当于它的 **{ratio}**。",
                      "en": "Revenue over the last 12 months was **{last}**; the expected revenue of the next 12 "
                            "months is **{ratio}** of it."},
    "clv.s.observed_spend": {"zh": "客单金额模型（Gamma-Gamma）无法拟合，每次购买金额按各客户自己的历史平均值计。",
                             "en": "The spend model (Gamma-Gamma) could not be fitted, so each account's spend per "
                                   "purchase is its own past average."},
    "clv.s.not_applicable": {"zh": "**不适用**：本账本记录了合同终止或流失日期，客户的离开是直接观测到的，无需用 "
                                   "BG/NBD 推断，因此未估计未来价值；客户流失请见客户流失报告（生存分析）。",
                             "en": "**Not applicable**: this ledger records contract ends or churn dates, so "
                                   "departures are observed rather than inferred and BG/NBD does not apply; see the "
                                   "churn report (survival analysis)."},
    "clv.s.not_estimable": {"zh": "**无法估计**：{reason}",
                            "en": "**Not estimable**: {reason}"},
    "clv.s.few_repeaters": {"zh": "复购客户太少（{n_rep} / {n} 个客户有过复购），模型无法拟合；"
                                  "可延长时间窗口或合并区域。",
                            "en": "too few repeat buyers ({n_rep} of {n} accounts bought again) to fit the model; "
                                  "lengthen the window or pool regions."},
    "clv.s.no_data": {"zh": "账本中没有可用于拟合的订单，模型无法拟合。",
                      "en": "the ledger has no orders the model can be fitted on."},
    "clv.s.no_dropout": {"zh": "存活概率（P(alive)）无法用来区分客户：模型在本账本中没有发现客户离开的迹象，"
                               "每个客户的存活概率都接近 100%。",
                         "en": "P(alive) cannot rank accounts here: the model finds no sign of accounts leaving, so "
                               "every account's P(alive) is close to 100%."},
    "clv.s.slipping": {"zh": "以下是近 12 个月收入位于前一半、但存活概率低于 {cut} 的客户（共 {n} 个），按面临流失的"
                             "收入（近 12 个月收入 ×（1 − 存活概率））排序：应尽快由客户经理联系。",
                       "en": "Accounts in the top half by revenue over the last 12 months whose P(alive) is below "
                             "{cut} ({n} in all), ranked by revenue at stake (last 12 months' revenue × "
                             "(1 − P(alive))): their account managers should call them first."},
    "clv.s.slipping_none": {"zh": "近 12 个月收入位于前一半的客户中，没有存活概率低于 {cut} 的客户。",
                            "en": "No account in the top half by revenue over the last 12 months has a P(alive) "
                                  "below {cut}."},
    "clv.s.slipping_unavailable": {"zh": "无法列出：本报告没有可用的存活概率（见上文说明）。",
                                   "en": "Not available: this report has no usable P(alive) (see above)."},
    "clv.s.holdout_short": {"zh": "账本覆盖的时间太短，无法留出验证期来检验预测。",
                            "en": "The ledger covers too short a period to hold out a test period and check the "
                                  "forecast."},
    "clv.s.holdout_failed": {"zh": "验证期之前的订单不足以拟合模型，未检验预测。",
                             "en": "The orders before the holdout period are too few to fit the model, so the "
                                   "forecast was not checked."},
    "clv.s.holdout_off": {"zh": "未做验证期检验（参数 clv.holdout 已关闭）。",
                          "en": "The forecast was not checked on a holdout period (clv.holdout is off)."},
    # warnings (kamlib.clv.Note, key "clv.w.<key>")
    "clv.w.at_bound": {
        "zh": "{model}：参数 {which} 趋于 0 或无穷大（似然最大值落在参数空间边界），这些数据无法识别该参数。{hint}",
        "en": "{model}: {which} ran to 0 or infinity (the maximum lies on the edge of the parameter space), so it is "
              "not identified by these data. {hint}"},
    "clv.w.hint_dropout": {"zh": "流失参数 (a, b) 无法识别：账本中看不到客户离开的迹象，因此存活概率约为 1。",
                           "en": "Dropout (a, b) is not identified: the book shows no sign of accounts leaving, so "
                                 "P(alive) is ~1."},
    "clv.w.hint_rate": {"zh": "购买频率异质性参数 (r, α) 无法识别。",
                        "en": "Purchase-rate heterogeneity (r, α) is not identified."},
    "clv.w.not_converged": {"zh": "{model}：优化算法未报告收敛，估计值需谨慎使用。",
                            "en": "{model}: the optimiser did not report convergence ({message}); treat the estimates "
                                  "with caution"},
    "clv.w.no_se": {"zh": "{model}：信息矩阵在估计点不是正定的，无法给出标准误；该估计可能不是最大值。",
                    "en": "{model}: the information matrix is not positive definite at the estimate, so standard "
                          "errors are not available; the estimate may not be a maximum"},
    "clv.w.zero_spend": {"zh": "Gamma-Gamma：{n} 家复购客户的平均消费额为 0，未纳入模型（模型要求消费额为正）。",
                         "en": "Gamma-Gamma: {n} repeat buyer(s) with zero mean spend are left out (the model needs "
                               "positive spend)"},
    "clv.w.dependence": {
        "zh": "Gamma-Gamma：购买频率与平均消费额相关（r = {r:.2f}，p = {p:.2g}）；模型假设二者独立，"
              "因此购买最频繁和最不频繁客户的预期消费额与客户终身价值有偏差。",
        "en": "Gamma-Gamma: frequency and mean spend are correlated (r = {r:.2f}, p = {p:.2g}); the model assumes they "
              "are independent, so expected spend and CLV are biased for the most and least frequent buyers"},
    "clv.w.heavy_tail": {
        "zh": "Gamma-Gamma：q = {q:.2f} ≤ 1，总体平均消费额为无穷大；没有复购的客户的预期消费额无法定义。",
        "en": "Gamma-Gamma: q = {q:.2f} <= 1, so the population mean spend is infinite; expected spend of accounts "
              "without a repeat purchase is not defined"},
    "clv.w.holdout_short": {"zh": "账本只覆盖 {weeks:.0f} 周：不足以留出 {min} 周验证期后仍能拟合模型。",
                            "en": "the ledger covers {weeks:.0f} weeks: too short to hold out {min} weeks and still "
                                  "fit the model"},
    "clv.w.holdout_not_estimable": {"zh": "验证期之前的订单太少，无法拟合模型，预测未做检验。", "en": "{detail}"},
    "clv.w.contractual": {"zh": "账本记录了合同终止或流失日期，客户离开是可观测的，由生存分析处理。",
                          "en": "the ledger records contract ends or churn dates, so departures are observed; the "
                                "survival model covers them"},
    "clv.w.not_estimable": {"zh": "BG/NBD 模型无法估计（复购客户太少或数据不满足模型要求）。", "en": "{detail}"},
    "clv.w.no_dropout": {
        "zh": "BG/NBD 看不到客户流失的迹象（每次购买后的流失概率为 {p:.1e}）：每家客户的存活概率都约为 1，"
              "无法指出哪些客户正在悄悄流失。",
        "en": "BG/NBD finds no sign of accounts dropping out (dropout probability per purchase {p:.1e}): P(alive) is "
              "about 1 for every account and cannot show who is slipping away"},
    "clv.w.spend_observed_mean": {"zh": "Gamma-Gamma 模型无法估计，每次购买的消费额取各客户自身的平均值。",
                                  "en": "spend per purchase is each account's own mean ({detail})"},
}
