"""Plain-language sentences (zh/en) for survival results, and the survival texts (LABELS)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import KamlibError
from ..i18n import tier_label
from ._common import _check_lang, _t
from .cox_model import CoxResult
from .durations import SensitivityResult
from .km import KaplanMeierResult
from .log_rank import LogrankResult
from .risk import METHODS, RiskRanking

LABELS: dict[str, dict[str, str]] = {
    "survival.title": {"zh": "客户流失与留存分析", "en": "Account churn and retention"},
    "survival.definition": {"zh": "流失定义", "en": "Churn definition"},
    "survival.km_tier": {"zh": "按客户等级的留存曲线", "en": "Retention curves by tier"},
    "survival.km_segment": {"zh": "按客户细分的留存曲线", "en": "Retention curves by segment"},
    "survival.km_overall": {"zh": "整体留存曲线", "en": "Overall retention curve"},
    "survival.median": {"zh": "中位留存时间", "en": "Median retention time"},
    "survival.logrank": {"zh": "组间差异检验（Log-rank）", "en": "Group differences (log-rank test)"},
    "survival.cox": {"zh": "流失风险因素（Cox 回归）", "en": "Churn risk factors (Cox regression)"},
    "survival.ph": {"zh": "比例风险假设检验", "en": "Proportional-hazards check"},
    "survival.sensitivity": {"zh": "流失阈值敏感性", "en": "Churn threshold sensitivity"},
    "survival.at_risk": {"zh": "高流失风险客户清单", "en": "Accounts at risk of churning"},
    "survival.warnings": {"zh": "注意事项", "en": "Warnings"},
    # warnings (kamlib.i18n.Message; {group} is a GroupName)
    "survival.w.bad_rows": {"zh": "{n} 行的时长、事件、进入时间或分组缺失或为负，未纳入分析。",
                            "en": "{n} row(s) with a missing or negative duration, event, entry or group were left "
                                  "out."},
    "survival.w.late_entry": {"zh": "{n} 行在事件或删失时间当时或之后才进入风险集，未纳入分析。",
                              "en": "{n} row(s) enter the risk set at or after their event/censoring time and were "
                                    "left out."},
    "survival.w.no_events_group": {"zh": "分组“{group}”的 {n} 家客户中没有观察到流失：留存率保持 100%，"
                                         "中位留存时间未达到。",
                                   "en": "group '{group}': no churn observed among {n} accounts; survival stays at "
                                         "100% and the median is not reached."},
    "survival.w.no_events_groups": {"zh": "{k} 个分组（共 {n} 家客户）没有观察到流失：{groups}。"
                                          "这些分组的留存率保持 100%，中位留存时间未达到。",
                                    "en": "no churn observed in {k} groups ({n} accounts in all): {groups}. Their "
                                          "survival stays at 100% and the median is not reached."},
    "survival.w.logrank_one_group": {"zh": "对数秩检验至少需要两个分组；目前只有一个分组，未做检验。",
                                     "en": "log-rank test needs at least two groups; only one group is present, so "
                                           "no test was run."},
    "survival.w.logrank_no_events": {"zh": "对数秩检验：所有分组都没有观察到流失，无法比较留存曲线。",
                                     "en": "log-rank test: no churn observed in any group, so survival curves cannot "
                                           "be compared."},
    # Cox warnings ({terms} / {term} are TermNames: a covariate's label, a factor as "covariate: level")
    "survival.w.cox_rows_dropped": {
        "zh": "Cox 模型：{total} 行中有 {n} 行未纳入（协变量、时长或事件缺失，或进入时间不早于流失/删失时间）。",
        "en": "cox: {n} of {total} rows left out (missing covariate, duration or event, or entry not before the "
              "churn/censoring time)."},
    "survival.w.cox_rows_dropped_why": {
        "zh": "Cox 模型：{total} 行中有 {n} 行未纳入（协变量、时长或事件缺失，或进入时间不早于流失/删失时间；{why}）。",
        "en": "cox: {n} of {total} rows left out (missing covariate, duration or event, or entry not before the "
              "churn/censoring time; {why})."},
    "survival.w.cox_missing": {"zh": "「{term}」缺失 {n} 行", "en": "{term} missing for {n}"},
    "survival.w.cox_constant": {"zh": "Cox 模型：「{terms}」在可用数据中只有一个取值，已从模型中去掉。",
                                "en": "cox: {terms} have a single value among the usable rows and were dropped."},
    "survival.w.cox_no_events": {"zh": "Cox 模型：可用数据中没有流失事件，无法估计风险比。",
                                 "en": "cox: no churn events among the usable rows, so no hazard ratio can be "
                                       "estimated."},
    "survival.w.cox_no_terms": {"zh": "Cox 模型：可用数据中没有取值变化的协变量，无可估计的因素。",
                                "en": "cox: no covariate varies among the usable rows; nothing to estimate."},
    "survival.w.cox_few_events": {
        "zh": "Cox 模型：{terms} 个因素只有 {events} 个流失事件（每个因素不足 10 个）；风险比不稳定，可能偏离 1 过远。",
        "en": "cox: only {events} churn events for {terms} terms (fewer than 10 per term); hazard ratios are "
              "unstable and may be biased away from 1."},
    "survival.w.cox_failed": {
        "zh": "Cox 模型无法拟合；请检查是否有因素在流失客户或在册客户中取值完全相同（完全分离）。",
        "en": "cox: the model could not be fitted ({error}); check for covariates that are constant within the "
              "churned or the active accounts (separation)."},
    "survival.w.cox_not_converged": {
        "zh": "Cox 模型：偏似然最大化未收敛，估计结果不可靠（常见原因是完全分离：某组客户全部流失或全部未流失）。",
        "en": "cox: the partial-likelihood maximisation did not converge; estimates are unreliable (often "
              "separation: a group in which every account churned, or none did)."},
    "survival.w.cox_separation": {
        "zh": "Cox 模型：「{terms}」的估计值极端或无法确定（单调似然/完全分离：其中某组客户全部流失或全部未流失）。"
              "请合并稀疏的类别或去掉这些因素。",
        "en": "cox: {terms} have extreme or undetermined estimates (monotone likelihood / separation: in one of "
              "their groups all or none of the accounts churned). Merge sparse levels or drop them."},
    "survival.w.cox_ph": {
        "zh": "Cox 模型：「{terms}」未通过比例风险检验（Schoenfeld 残差检验 p < 0.05）：其影响随合作年限变化，"
              "风险比是整个期间的平均效应。",
        "en": "cox: proportional-hazards check fails for {terms} (Schoenfeld test p < 0.05): their effect changes "
              "with account age, so the hazard ratio is an average over time."},
    "survival.w.no_start": {
        "zh": "流失时长：{n} 家客户没有起始日期（既无首份合同日期也无订单）或起始日期晚于 {as_of}，未纳入留存分析。",
        "en": "churn durations: {n} account(s) have no start date (no first_contract_date and no order) or start "
              "after {as_of}; they are left out of the survival analysis."},
    "survival.survival": {"zh": "留存概率", "en": "Share of accounts retained"},
    "survival.time_years": {"zh": "合作时长（年）", "en": "Time since start (years)"},
    "survival.time_days": {"zh": "合作时长（天）", "en": "Time since start (days)"},
    "survival.number_at_risk": {"zh": "在册客户数", "en": "Number at risk"},
    "survival.hazard_ratio": {"zh": "风险比（HR，对数刻度）", "en": "Hazard ratio (log scale)"},
    "survival.inactivity_days": {"zh": "无订单天数阈值", "en": "Inactivity threshold (days)"},
    "survival.churn_rate": {"zh": "流失率", "en": "Churn rate"},
    "survival.all": {"zh": "全部客户", "en": "All accounts"},
    "survival.other_groups": {"zh": "其他（不足 {n} 个客户的 {k} 组合并）",
                              "en": "Other ({k} groups of fewer than {n} accounts, pooled)"},
    "survival.group": {"zh": "分组", "en": "Group"},
    "survival.n": {"zh": "客户数", "en": "Accounts"},
    "survival.events": {"zh": "流失数", "en": "Churned"},
    "survival.median_col": {"zh": "中位数（天）", "en": "Median (days)"},
    "survival.ci_lower": {"zh": "95%置信下限", "en": "95% CI lower"},
    "survival.ci_upper": {"zh": "95%置信上限", "en": "95% CI upper"},
    "survival.covariate": {"zh": "因素", "en": "Factor"},
    "survival.hr": {"zh": "风险比", "en": "Hazard ratio"},
    "survival.p": {"zh": "p 值", "en": "p-value"},
    "survival.col.hr_ci": {"zh": "风险比 95% 置信区间", "en": "HR 95% CI"},
    "survival.col.coef": {"zh": "系数", "en": "Coefficient"},
    "survival.col.se": {"zh": "标准误", "en": "Std. error"},
    "survival.col.ph_p": {"zh": "比例风险检验 p 值", "en": "Proportional-hazards test p"},
    "survival.col.chisq": {"zh": "卡方统计量", "en": "Chi-square"},
    "survival.col.df": {"zh": "自由度", "en": "Degrees of freedom"},
    "survival.ph_global": {"zh": "整体检验（全部因素）", "en": "All factors together (global test)"},
    "survival.probability": {"zh": "流失概率", "en": "Churn probability"},
    "survival.revenue_at_stake": {"zh": "风险收入", "en": "Revenue at stake"},
    "survival.expected_loss": {"zh": "预期损失收入", "en": "Expected revenue loss"},
    "survival.tier_caveat": {
        "zh": "等级取自基准日（见上文）：只比较基准日时已开始合作且尚未流失的客户，等级按基准日之前的数据计算，"
              "之后发生的流失不会反过来决定等级。",
        "en": "Tiers are taken at the landmark date above: only accounts already started and not yet lost then are "
              "compared, with tiers computed from data up to that date, so churn after it cannot decide the tier."},
    "survival.landmark": {
        "zh": "分组基准日为 {date}：等级按该日之前的订单计算；参与比较的是该日已开始合作且尚未流失的 {n} 家客户，"
              "从该日起计入风险集。{excluded} 家客户在基准日之后才开始或在此之前已流失，不参与分组比较。",
        "en": "Groups are taken at the landmark date {date}: tiers are computed from orders up to that date, and the "
              "{n} accounts already started and not yet lost then are compared from that date on. {excluded} "
              "accounts that started later or were lost earlier are not in the group comparison."},
    "survival.no_tier": {"zh": "尚无等级", "en": "No tier yet"},
    "survival.segment_note": {
        "zh": "客户细分按整个观察期的购买行为划定，其中包含流失本身（流失客户的购买自然少），因此不用于流失分组比较。",
        "en": "Segments are assigned from behaviour over the whole window, churn included (lost accounts buy less), "
              "so they are not used as churn groups."},
    "survival.no_model": {
        "zh": "无法拟合 Cox 模型：账本中没有可用的风险因素（发票、满意度调查、客户规模），或流失/未流失客户少于 10 家。"
              "高风险客户清单改用下述替代方法排序。",
        "en": "No Cox model could be fitted: the ledger has no usable risk factors (invoices, satisfaction surveys, "
              "size bands), or fewer than 10 accounts churned or stayed. The at-risk list below is ranked by the "
              "fallback method it names."},
    "survival.method.cox": {
        "zh": "Cox 回归模型预测的未来 {h} 天流失概率",
        "en": "probability of churning within {h} days predicted by the Cox regression"},
    "survival.method.p_alive": {
        "zh": "BG/NBD 模型：1 − 客户仍“存活”的概率",
        "en": "BG/NBD model: 1 − probability that the account is still alive"},
    "survival.method.recency": {
        "zh": "按最近一次下单时间与客户自身下单节奏估算：若距上次下单已满 {days} 天前不再下单即视为流失，"
              "假设客户按其以往频率下单（只下过一次单的客户用全部回头客的平均频率），"
              "概率 = exp(−下单频率 × 距流失判定所剩天数)",
        "en": "recency and the account's own order rhythm: the account is lost if it places no order before {days} "
              "days have passed since its last one; orders are assumed to come at its past rate (one-time buyers: "
              "the pooled rate of repeat buyers), so probability = exp(−rate × days left before the loss is "
              "declared)"},
    "survival.method_short.cox": {"zh": "Cox 模型", "en": "Cox model"},
    "survival.method_short.p_alive": {"zh": "BG/NBD", "en": "BG/NBD"},
    "survival.method_short.recency": {"zh": "下单节奏", "en": "Order rhythm"},
    "survival.rank": {"zh": "排名", "en": "Rank"},
    "survival.account": {"zh": "客户", "en": "Account"},
    "survival.tier_col": {"zh": "等级", "en": "Tier"},
    "survival.manager": {"zh": "客户经理", "en": "Account manager"},
    "survival.method_col": {"zh": "方法", "en": "Method"},
    "survival.revenue_horizon": {"zh": "未来 {h} 天预期收入", "en": "Expected revenue, next {h} days"},
    "survival.loss_horizon": {"zh": "风险收入（概率 × 预期收入）", "en": "Revenue at risk (probability × revenue)"},
    "survival.term.late_payer": {"zh": "逾期付款客户（半数以上发票逾期）",
                                 "en": "Accounts that pay late (half or more of invoices overdue)"},
    "survival.term.dissatisfied": {"zh": "不满意客户（截至当天最近一轮满意度调查的总体评分低于 3 分）",
                                   "en": "Dissatisfied accounts (overall satisfaction below 3 in their latest survey "
                                         "wave as of each day)"},
    "survival.term.large": {"zh": "大型客户", "en": "Large accounts"},
    "survival.contractual": {"zh": "合同制流失：以流失日期/合同终止日期为准，客户从首份合同（或首次下单）起计入风险。"
                                   "在册客户即未流失的客户",
                             "en": "Contractual churn: from churn / contract end dates; an account is at risk from "
                                   "its first contract (or first order). Active means not churned"},
    "survival.inactivity": {
        "zh": "非合同制流失：客户从首次下单起计入风险；最后一次下单后满 {days} 天仍无新订单即视为流失，"
              "流失时间记在这 {days} 天期满之日（只下过一次单的客户在第 {days} 天流失，而不是第 0 天）；"
              "到期末尚未满 {days} 天的客户视为仍在合作（删失）。在册客户即未流失的客户",
        "en": "Non-contractual churn: an account is at risk from its first order and is lost once {days} days have "
              "passed after its last order without a new one; the loss is dated on the day that gap closes (a "
              "one-time buyer is lost at day {days}, not day 0). Accounts whose gap has not reached {days} days by "
              "the period end are still active (censored). Active means not churned"},
    "survival.term.no_invoices": {"zh": "无发票记录的客户", "en": "Accounts without invoices"},
    "survival.term.not_surveyed": {"zh": "尚未参加满意度调查的客户（截至当天满意度未知，与已知满意的客户相比）",
                                   "en": "Accounts not yet surveyed (satisfaction not known as of each day, vs "
                                         "accounts known to be satisfied)"},
    "survival.term.complaints_per_year": {"zh": "近 12 个月多一次投诉的客户（每天按此前 12 个月的投诉次数计）",
                                          "en": "Accounts with one more complaint in the last 12 months "
                                                "(counted each day over the 12 months before it)"},
    "survival.term.contacts_per_year": {"zh": "近 12 个月多一次拜访/联系的客户"
                                              "（每天按此前 12 个月的拜访、电话、会议次数计）",
                                        "en": "Accounts with one more contact in the last 12 months (visits, "
                                              "calls, meetings, counted each day over the 12 months before it)"},
}


def _p(p: float, lang: str) -> str:
    """'p = 0.012' or 'p < 0.001'."""
    return fmt.p_statement(p, _check_lang(lang))


def _days_text(d: float, lang: str) -> str:
    if pd.isna(d):
        return _t("i18n.not_reached", lang)
    if d >= 365:
        y = d / 365.25
        return f"{y:.1f}年" if lang == "zh" else f"{y:.1f} years"
    return f"{d:.0f}天" if lang == "zh" else f"{d:.0f} days"


def _term_phrase(result: CoxResult, term: str, lang: str, labels: dict | None) -> str:
    if labels and term in labels:
        return labels[term]
    if f"survival.term.{term}" in LABELS:
        return LABELS[f"survival.term.{term}"][lang]
    if "[" in term and term.endswith("]"):
        cov, lvl = term[:-1].split("[", 1)
        ref = result.reference.get(cov)
        lv, rf = tier_label(lvl, lang), tier_label(ref, lang)
        return (f"{cov} 为「{lv}」（相对于「{rf}」）的客户" if lang == "zh"
                else f"accounts with {cov} = {lv} (vs {rf})")
    if term in result.binary_terms:
        return f"「{term}」客户" if lang == "zh" else f"Accounts flagged {term}"
    return f"{term} 每增加 1 个单位" if lang == "zh" else f"Each one-unit increase in {term}"


def sentences(result, lang: str = "zh", labels: dict | None = None, group_name: str | None = None) -> str:
    """Plain-language Markdown sentences for a survival result, numbers formatted with :mod:`kamlib.fmt`.

    Parameters
    ----------
    result : KaplanMeierResult, LogrankResult, CoxResult or SensitivityResult
    lang : {"zh", "en"}
    labels : dict, optional
        Cox term -> phrase, e.g. ``{"late_payer": "accounts that pay late"}``.
    group_name : str, optional
        What the groups are (e.g. "tier"), for log-rank sentences.

    Returns
    -------
    str
        Markdown paragraphs.
    """
    _check_lang(lang)
    zh = lang == "zh"
    out: list[str] = []
    lvl = f"{round(100 * result.ci, 6):g}%" if isinstance(result, (KaplanMeierResult, CoxResult)) else ""
    if isinstance(result, KaplanMeierResult):
        for g, r in result.median.iterrows():
            name = _t("survival.all", lang) if g == "all" else tier_label(g, lang)
            n_, k_ = int(r["n"]), int(r["events"])
            if pd.isna(r["median"]):
                out.append(f"- **{name}**：{n_:,} 家客户中 {k_:,} 家已流失，过半客户仍在合作，中位留存时间未达到。"
                           if zh else f"- **{name}**: {k_:,} of {n_:,} accounts churned; more than half "
                           "are still active, so the median retention time is not reached.")
            else:
                ci = f"{_days_text(r['ci_lower'], lang)}–{_days_text(r['ci_upper'], lang)}"
                out.append(f"- **{name}**：一半客户在{_days_text(r['median'], lang)}内流失（{lvl} 置信区间 {ci}）。"
                           if zh else f"- **{name}**: half of the accounts are lost within "
                           f"{_days_text(r['median'], lang)} ({lvl} CI {ci}).")
    elif isinstance(result, LogrankResult):
        what = group_name or ("各组" if zh else "the groups")
        if not np.isfinite(result.statistic) or result.df < 1 or not np.isfinite(result.pvalue):
            out.append("组间差异无法检验（只有一个组或没有流失）。" if zh
                       else "No test was possible (a single group or no churn).")
        else:
            sig = result.pvalue < 0.05
            p = _p(result.pvalue, lang)
            if result.stratified:
                p = ("分层检验，" if zh else "stratified, ") + p
            worst = result.table["o_e_ratio"].idxmax()
            wl = tier_label(worst, lang)
            if zh:
                out.append(f"{what}的留存曲线{'存在' if sig else '没有'}显著差异"
                           f"（log-rank χ² = {result.statistic:.1f}，"
                           f"自由度 {result.df}，{p}）。" + (f"流失最多的是「{wl}」：实际流失为预期的 "
                           f"{result.table.loc[worst, 'o_e_ratio']:.1f} 倍。" if sig else ""))
            else:
                out.append(f"Retention {'differs' if sig else 'does not differ significantly'} between {what} "
                           f"(log-rank χ² = {result.statistic:.1f}, df = {result.df}, {p})."
                           + (f" Most churn is in “{wl}”: {result.table.loc[worst, 'o_e_ratio']:.1f} times the "
                              "churn expected if all groups were alike." if sig else ""))
    elif isinstance(result, CoxResult):
        s = result.summary
        for term, r in s.iterrows():
            who = _term_phrase(result, term, lang, labels)
            if not np.isfinite(r["hr"]) or term in result.separated:
                out.append(f"- {who}：无法估计（这类客户全部流失或全部未流失，样本不足）。" if zh
                           else f"- {who}: not estimable (all or none of these accounts churned; too few data).")
                continue
            ci = f"{r['hr_lower']:.2f}–{r['hr_upper']:.2f}"
            p = _p(r["p"], lang)
            if r["p"] >= result.alpha:
                out.append(f"- {who}：与流失没有显著关系（风险比 {r['hr']:.2f}，{lvl} CI {ci}，{p}）。" if zh
                           else f"- {who}: no significant link with churn (HR {r['hr']:.2f}, {lvl} CI {ci}, {p}).")
            elif r["hr"] >= 1:
                out.append(f"- {who}：流失速度是其他客户的 **{r['hr']:.1f} 倍**"
                           f"（风险比 {r['hr']:.2f}，{lvl} CI {ci}，{p}）。"
                           if zh else f"- {who} leave **{r['hr']:.1f} times as fast** (HR {r['hr']:.2f}, "
                           f"{lvl} CI {ci}, {p}).")
            else:
                out.append(f"- {who}：流失风险低 **{fmt.pct(1 - r['hr'], digits=0)}**"
                           f"（风险比 {r['hr']:.2f}，{lvl} CI {ci}，{p}）。"
                           if zh else f"- {who} churn **{fmt.pct(1 - r['hr'], digits=0)} less** "
                           f"(HR {r['hr']:.2f}, {lvl} CI "
                           f"{ci}, {p}).")
        out.append(ph_note(result, lang))
        if not np.isfinite(result.concordance):
            out.append("模型区分度（C 指数）无法计算。" if zh else "The concordance (C-index) could not be computed.")
            return "\n".join(out)
        out.append(f"模型区分度（C 指数）为 {result.concordance:.2f}：随机抽取一对客户，模型判断谁先流失的准确率约为 "
                   f"{fmt.pct(result.concordance, digits=0)}。" if zh else
                   f"Concordance (C-index) {result.concordance:.2f}: for a random pair of accounts the model ranks "
                   f"the one that churns first correctly {fmt.pct(result.concordance, digits=0)} of the time.")
    elif isinstance(result, SensitivityResult):
        t = result.table
        if len(t):
            lo, hi = t.iloc[0], t.iloc[-1]
            out.append(f"无订单阈值从 {int(lo['inactivity_days'])} 天放宽到 {int(hi['inactivity_days'])} 天，流失率从 "
                       f"{fmt.pct(lo['churn_rate'])} 降到 {fmt.pct(hi['churn_rate'])}。" if zh else
                       f"Moving the inactivity threshold from {int(lo['inactivity_days'])} to "
                       f"{int(hi['inactivity_days'])} days "
                       f"moves the churn rate from {fmt.pct(lo['churn_rate'])} to {fmt.pct(hi['churn_rate'])}.")
            r = t.set_index("inactivity_days").loc[result.chosen] if result.chosen in set(t["inactivity_days"]) \
                else None
            if r is not None and "precision" in t and not int(r["churned"]):
                out.append(f"以 {result.chosen} 天为阈值时，没有客户被判为流失。" if zh else
                           f"At {result.chosen} days no account is flagged as churned by inactivity.")
            elif r is not None and "precision" in t:
                out.append(f"以 {result.chosen} 天为阈值时，被判为流失的客户中 {fmt.pct(r['precision'])} "
                           "确实已终止合同，"
                           f"真实流失客户中有 {fmt.pct(r['recall'])} 被识别。" if zh else
                           f"At {result.chosen} days, {fmt.pct(r['precision'])} of the accounts flagged as churned had "
                           f"really ended their contract, and {fmt.pct(r['recall'])} of real churn was caught.")
    else:
        raise KamlibError(f"sentences: no sentences for {type(result).__name__}")
    return "\n".join(out)


def ph_note(result: CoxResult, lang: str = "zh") -> str:
    """One plain-language sentence on the proportional-hazards check of a Cox fit.

    Parameters
    ----------
    result : CoxResult
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    _check_lang(lang)
    ph = result.ph_test.drop(index="GLOBAL", errors="ignore")
    bad = [t for t in ph.index if ph.loc[t, "p"] < 0.05 and t not in result.separated]
    if not len(ph) or not np.isfinite(ph["p"]).any():
        return "比例风险假设无法检验。" if lang == "zh" else "The proportional-hazards assumption could not be checked."
    if not bad:
        return ("比例风险假设检验通过（Schoenfeld 残差检验各因素 p ≥ 0.05）：各因素的影响在合作期内大致稳定。"
                if lang == "zh" else "Proportional-hazards check passed (Schoenfeld residual test p ≥ 0.05 for every "
                "factor): each factor's effect is roughly constant over the relationship.")
    bad = [term_label(result, t, lang) for t in bad]
    names = "、".join(bad) if lang == "zh" else ", ".join(bad)
    return (f"注意：{names} 未通过比例风险检验（p < 0.05），其影响随合作年限变化，表中风险比是整个期间的平均效应；"
            "可按该因素分层（strata）或分时段分析。" if lang == "zh" else
            f"Note: {names} fail the proportional-hazards check (p < 0.05): their effect changes with account age, "
            "so the hazard ratio shown is an average over time; consider stratifying on them or splitting time.")


def term_label(result: CoxResult, term: str, lang: str = "zh") -> str:
    """Short display label of a Cox term (LABELS ``survival.term.<name>`` or ``covariate: level``).

    Parameters
    ----------
    result : CoxResult
        The fit the term belongs to (for factor levels).
    term : str
        A row of ``result.summary``.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    key = f"survival.term.{term}"
    if key in LABELS:
        return LABELS[key][lang].split("（")[0].split(" (")[0]
    if "[" in term and term.endswith("]"):
        cov, lvl = term[:-1].split("[", 1)
        return f"{cov}: {tier_label(lvl, lang)} vs {tier_label(result.reference.get(cov), lang)}"
    return term


def describe_churn(churn: pd.DataFrame, lang: str = "zh") -> str:
    """Markdown paragraph: churn definition used, accounts, churned share, late-entry note.

    Parameters
    ----------
    churn : DataFrame
        :func:`churn_durations` output.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    _check_lang(lang)
    if churn is None or not len(churn):
        return "没有可用于流失分析的客户。" if lang == "zh" else "No accounts available for churn analysis."
    definition = str(churn["definition"].iloc[0])
    days = churn.attrs.get("inactivity_days", "")
    head = _t(f"survival.{definition}", lang).format(days=days)
    n, k = len(churn), int(churn["churned"].sum())
    late = int((churn["entry_days"] > 0).sum())
    ws = churn.attrs.get("window_start", "")
    one = int(churn["one_time"].sum()) if "one_time" in churn else None
    if lang == "zh":
        txt = (f"{head}。共 {n:,} 家客户，其中 {k:,} 家（{fmt.pct(k / n)}）在 {churn.attrs.get('as_of', '')} 前流失，"
               f"{n - k:,} 家仍在册。")
        if one is not None:
            txt += f" {fmt.pct(one / n)} 的客户（{one:,} 家）从未再次下单（只在一天下过单）。"
        if late:
            txt += (f" {late:,} 家客户的合作早于数据起始日 {ws}：它们能出现在数据中，本身就说明已经“存活”到该日，"
                    "因此分析采用延迟进入（左截断）处理，只从数据起始日起把它们计入风险集，避免高估留存。")
        return txt
    txt = (f"{head}. {n:,} accounts, of which {k:,} ({fmt.pct(k / n)}) churned by {churn.attrs.get('as_of', '')} "
           f"and {n - k:,} are active.")
    if one is not None:
        txt += f" {fmt.pct(one / n)} of accounts ({one:,}) never ordered a second time (orders on one day only)."
    if late:
        txt += (f" {late:,} accounts started before the data window ({ws}); they are in the data only because they "
                "survived to that date, so they enter the risk set late (left truncation) rather than from their "
                "start, which would overstate retention.")
    return txt


def at_risk_sentence(table: pd.DataFrame, horizon_days: float, lang: str = "zh") -> str:
    """One sentence on the at-risk list: how many accounts, expected revenue loss, the top account.

    Parameters
    ----------
    table : DataFrame
        The at-risk list (``RiskRanking.table`` or a head of it).
    horizon_days : float
        Horizon of its probabilities.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    _check_lang(lang)
    if table is None or not len(table):
        return "没有可评估流失风险的在册客户。" if lang == "zh" else "No active account could be scored."
    n = len(table)
    loss = float(table["expected_loss"].sum(skipna=True))
    stake = float(table["revenue_at_stake"].sum(skipna=True))
    top = table.iloc[0]
    name = top["name"] if "name" in table and pd.notna(top.get("name")) else str(table.index[0])
    if lang == "zh":
        return (f"未来 {int(horizon_days)} 天流失风险最高的 {n} 家客户合计近 12 个月收入 {fmt.money(stake, 'zh')}，"
                f"按流失概率折算的预期损失约 {fmt.money(loss, 'zh')}；风险最高的是 {name}"
                f"（流失概率 {fmt.pct(top['churn_probability'])}）。")
    return (f"The {n} accounts most likely to churn in the next {int(horizon_days)} days bought "
            f"{fmt.money(stake, 'en')} in the last 12 months; weighted by churn probability about "
            f"{fmt.money(loss, 'en')} is expected to be lost. Highest risk: {name} "
            f"({fmt.pct(top['churn_probability'])}).")



def landmark_sentence(frame: pd.DataFrame, lang: str = "zh") -> str:
    """What the landmark comparison is: date, accounts compared, accounts left out (:func:`landmark_frame`).

    Parameters
    ----------
    frame : DataFrame
        :func:`landmark_frame` output.
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    _check_lang(lang)
    return _t("survival.landmark", lang).format(date=frame.attrs.get("landmark", ""), n=f"{len(frame):,}",
                                                excluded=f"{int(frame.attrs.get('excluded', 0)):,}")


def method_sentence(ranking: RiskRanking, lang: str = "zh") -> str:
    """How the churn probabilities of the at-risk list were obtained (the method is always named).

    Parameters
    ----------
    ranking : RiskRanking
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    _check_lang(lang)
    h, d = int(ranking.horizon_days), ranking.inactivity_days or ""
    used = [m for m in METHODS if (ranking.table["method"] == m).any()] or [ranking.method]
    parts = [_t(f"survival.method.{m}", lang).format(h=h, days=d) for m in used]
    if lang == "zh":
        return "流失概率的估算方法：" + "；".join(parts) + "。"
    return "Churn probability: " + "; ".join(parts) + "."


def ranking_sentence(ranking: RiskRanking, top: int | None = None, lang: str = "zh") -> str:
    """Coverage and money: accounts scored of those active, revenue at risk, the account to call first.

    Parameters
    ----------
    ranking : RiskRanking
    top : int, optional
        Length of the list shown (all accounts when omitted).
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    _check_lang(lang)
    zh = lang == "zh"
    t = ranking.table
    h = int(ranking.horizon_days)
    cov = (f"已为 {ranking.active:,} 家在册客户中的 {ranking.scored:,} 家评分。" if zh
           else f"Scored {ranking.scored:,} of {ranking.active:,} active accounts.")
    if not len(t):
        return cov + ("没有在册客户需要评估。" if zh else " No active account to rank.")
    shown = t.head(top) if top else t
    loss, total = float(shown["expected_loss"].sum()), float(t["expected_loss"].sum())
    first = shown.iloc[0]
    name = first["name"] if "name" in t and pd.notna(first.get("name")) else str(t.index[0])
    if zh:
        return (cov + f"按“流失概率 × 未来 {h} 天预期收入”排序；下表前 {len(shown):,} 家客户的风险收入合计 "
                f"{fmt.money(loss, 'zh')}（全部在册客户合计 {fmt.money(total, 'zh')}）。首先应跟进：{name}"
                f"（流失概率 {fmt.pct(first['churn_probability'])}）。")
    return (cov + f" Ranked by churn probability × expected revenue over the next {h} days; the {len(shown):,} "
            f"accounts below carry {fmt.money(loss, 'en')} of revenue at risk ({fmt.money(total, 'en')} across all "
            f"active accounts). Call first: {name} ({fmt.pct(first['churn_probability'])}).")
