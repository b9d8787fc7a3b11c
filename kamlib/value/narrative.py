"""Narrative text for the value results, numbers formatted with :mod:`kamlib.fmt`."""
from __future__ import annotations

import math

import pandas as pd

from .. import fmt
from ..errors import KamlibError
from .catalog import TIERS
from .dynamic import DynamicResult
from .inequality import ConcentrationResult, concentration
from .labels import indicator_label, rfm_label
from .pareto import DoubleABCResult
from .scoring import ScorecardResult


def headline(frame: pd.DataFrame, conc: ConcentrationResult | None = None, as_of=None) -> dict:
    """Headline numbers: accounts (all / active at period end), window, revenue, gross profit,
    last-12-month revenue, top-20% share, Gini, accounts making 80% of revenue, core/key counts and
    their share of revenue."""
    conc = conc if conc is not None else concentration(frame["revenue"])
    has_gp = "gross_profit" in frame and frame["gross_profit"].notna().any()
    out = {
        "accounts": int(len(frame)),
        "active_accounts": int(frame["active"].sum()) if "active" in frame else int(len(frame)),
        "start": frame["first_order_date"].min() if "first_order_date" in frame else pd.NaT,
        "as_of": pd.Timestamp(as_of) if as_of is not None else frame.attrs.get("as_of", pd.NaT),
        "revenue": float(frame["revenue"].sum()),
        "revenue_last_12m": float(frame["revenue_last_12m"].sum()) if "revenue_last_12m" in frame else float("nan"),
        "gross_profit": float(frame["gross_profit"].sum()) if has_gp else float("nan"),
        "top20_share": conc.top_share(0.2),
        "gini": conc.gini,
        "accounts_for_80pct": conc.accounts_for_share(0.8),
    }
    if pd.isna(out["as_of"]) and "last_order_date" in frame:
        out["as_of"] = frame["last_order_date"].max()
    if "tier" in frame:
        for t in TIERS:
            sel = frame["tier"] == t
            out[f"{t}_accounts"] = int(sel.sum())
            out[f"{t}_revenue_share"] = (float(frame.loc[sel, "revenue"].sum() / out["revenue"])
                                         if out["revenue"] > 0 else float("nan"))
    return out


def headline_sentences(frame: pd.DataFrame, lang: str = "zh", conc: ConcentrationResult | None = None,
                       as_of=None) -> str:
    """Narrative for the headline numbers, built from :func:`headline` (``as_of``: the period end, e.g.
    ``wb.as_of``; default the one recorded by :func:`customer_indicators`)."""
    h = headline(frame, conc, as_of)
    m, p, i, d = fmt.money, fmt.pct, fmt.integer, fmt.date
    gp_known = not math.isnan(h["gross_profit"])
    has_12m = not math.isnan(h["revenue_last_12m"])
    if lang == "zh":
        s = (f"统计期（{d(h['start'], 'zh')}至{d(h['as_of'], 'zh')}）内共有 **{i(h['accounts'])}** 个客户下单或在册，"
             f"期末仍在合作的 **{i(h['active_accounts'])}** 个；合计收入 **{m(h['revenue'], 'zh')}**"
             + (f"，毛利 **{m(h['gross_profit'], 'zh')}**" if gp_known else "")
             + (f"，其中近 12 个月收入 {m(h['revenue_last_12m'], 'zh')}" if has_12m else "")
             + "。"
             f"收入最高的 20% 客户贡献了 **{p(h['top20_share'])}** 的收入（基尼系数 {fmt.number(h['gini'])}），"
             f"前 **{i(h['accounts_for_80pct'])}** 个客户即占收入的 80%。")
        if "core_accounts" in h:
            s += (f"按分级规则，核心客户 **{i(h['core_accounts'])}** 个、重点客户 **{i(h['key_accounts'])}** 个，"
                  f"二者合计贡献 **{p(h['core_revenue_share'] + h['key_revenue_share'])}** 的收入。")
        return s
    s = (f"From {d(h['start'], 'en')} to {d(h['as_of'], 'en')} the book holds **{i(h['accounts'])}** accounts, "
         f"**{i(h['active_accounts'])}** of them still active at period end, "
         f"with revenue of **{m(h['revenue'], 'en')}**"
         + (f" and gross profit of **{m(h['gross_profit'], 'en')}**" if gp_known else "")
         + (f" ({m(h['revenue_last_12m'], 'en')} in the last 12 months)" if has_12m else "")
         + ". "
         f"The top 20% of accounts carry **{p(h['top20_share'])}** of revenue (Gini {fmt.number(h['gini'])}); "
         f"the largest **{i(h['accounts_for_80pct'])}** accounts make up 80% of it. ")
    if "core_accounts" in h:
        s += (f"The tiering identifies **{i(h['core_accounts'])}** core and **{i(h['key_accounts'])}** key "
              f"accounts, together **{p(h['core_revenue_share'] + h['key_revenue_share'])}** of revenue.")
    return s


def sentences(result, lang: str = "zh") -> str:
    """Narrative for a value result (ConcentrationResult, DoubleABCResult, ScorecardResult, DynamicResult,
    or an :func:`abc_summary` / :func:`rfm_summary` frame), numbers formatted with :mod:`kamlib.fmt`."""
    zh = lang == "zh"
    p, i, m = fmt.pct, fmt.integer, fmt.money
    if isinstance(result, ConcentrationResult):
        if zh:
            return (f"{i(result.n)} 个客户中，前 20% 贡献 **{p(result.top_share(0.2))}**，前 10% 贡献 "
                    f"{p(result.top_share(0.1))}；基尼系数 **{fmt.number(result.gini)}**"
                    f"（0 表示完全平均，越接近 1 越集中），{i(result.accounts_for_share(0.8))} 个客户即占 80%。")
        return (f"Of {i(result.n)} accounts, the top 20% carry **{p(result.top_share(0.2))}** and the top 10% "
                f"{p(result.top_share(0.1))}; the Gini coefficient is **{fmt.number(result.gini)}** (0 = perfectly "
                f"even, closer to 1 = more concentrated); {i(result.accounts_for_share(0.8))} accounts make up 80%.")
    if isinstance(result, DoubleABCResult):
        nA = int(result.grid.loc["A"].sum())
        nf = len(result.flagged)
        lost = float(result.flagged["gross_profit"].sum()) if nf else 0.0
        if zh:
            s = f"收入 A 类客户 {i(nA)} 个，其中利润同为 A 类的 {i(result.grid.loc['A', 'A'])} 个。"
            return s + (f"**{i(nf)}** 个收入 A 类客户毛利为负，合计亏损 {m(-lost, 'zh')}，需要复核定价与成本。"
                        if nf else "没有收入 A 类客户处于亏损状态。")
        s = f"{i(nA)} accounts are class A on revenue, {i(result.grid.loc['A', 'A'])} of them also class A on profit. "
        return s + (f"**{i(nf)}** class-A revenue accounts make a gross loss (together {m(-lost, 'en')}): "
                    "review their pricing and cost to serve." if nf else "No class-A revenue account is loss-making.")
    if isinstance(result, ScorecardResult):
        w = result.weights.sort_values(ascending=False)
        top3 = [f"{indicator_label(k, lang)} {p(v)}" for k, v in w.head(3).items()]
        meth = ({"entropy": "由熵权法确定", "manual": "为人工设定"} if zh
                else {"entropy": "entropy-method", "manual": "manually set"})[result.method]
        if zh:
            return (f"综合评分使用 {i(len(w))} 个指标，权重{meth}，权重最高的是：{'、'.join(top3)}。"
                    f"得分中位数 {fmt.number(result.scores.median(), 1)} 分，"
                    f"最高 {fmt.number(result.scores.max(), 1)} 分。")
        return (f"The scorecard uses {i(len(w))} indicators with {meth} weights; the heaviest are "
                f"{', '.join(top3)}. Median score {fmt.number(result.scores.median(), 1)}, highest "
                f"{fmt.number(result.scores.max(), 1)}.")
    if isinstance(result, DynamicResult):
        mm = result.matrix
        up = int(mm.loc["key", "core"] + mm.loc["ordinary", ["core", "key"]].sum())
        down = int(mm.loc["core", ["key", "ordinary"]].sum() + mm.loc["key", "ordinary"])
        nk, lk = len(result.new_key), len(result.lost_key)
        lost_k = int(mm.loc[["core", "key"], "lost"].sum())
        nxt = result.implied_mix
        if zh:
            return (f"与上期末（{fmt.date(result.previous_as_of, 'zh')}）相比，{i(up)} 个客户升级、{i(down)} 个降级；"
                    f"新晋重点/核心客户 **{i(nk)}** 个，"
                    f"重点/核心客户降级或流失 **{i(lk)}** 个（其中流失 {i(lost_k)} 个）。"
                    f"若迁移概率保持不变，下期核心客户约 {fmt.number(nxt.loc['core', 'next'], 0)} 个、重点客户约 "
                    f"{fmt.number(nxt.loc['key', 'next'], 0)} 个。")
        return (f"Compared with the previous period end ({fmt.date(result.previous_as_of, 'en')}), {i(up)} accounts "
                f"moved up and {i(down)} moved down; **{i(nk)}** accounts became key/core and **{i(lk)}** key/core "
                f"accounts were downgraded or lost ({i(lost_k)} lost). If transition rates hold, next period has about "
                f"{fmt.number(nxt.loc['core', 'next'], 0)} core and "
                f"{fmt.number(nxt.loc['key', 'next'], 0)} key accounts.")
    if isinstance(result, pd.DataFrame) and "cum_value_share" in result:
        a = result.loc["A"]
        if zh:
            return (f"A 类客户 {i(a['accounts'])} 个（占客户数 {p(a['account_share'])}），贡献 {p(a['value_share'])}；"
                    f"C 类客户 {i(result.loc['C', 'accounts'])} 个，仅贡献 {p(result.loc['C', 'value_share'])}。")
        return (f"{i(a['accounts'])} class-A accounts ({p(a['account_share'])} of accounts) carry "
                f"{p(a['value_share'])}; {i(result.loc['C', 'accounts'])} class-C accounts carry only "
                f"{p(result.loc['C', 'value_share'])}.")
    if isinstance(result, pd.DataFrame) and {"accounts", "revenue_share", "R"} <= set(result.columns):
        top = result.index[0]
        risky = [s for s in ("at_risk", "cannot_lose") if s in result.index]
        risk_rev = float(result.loc[risky, "revenue_share"].sum()) if risky else 0.0
        if zh:
            return (f"收入最高的分群是「{rfm_label(top, 'zh')}」（{i(result.loc[top, 'accounts'])} 个客户，"
                    f"占收入 {p(result.loc[top, 'revenue_share'])}）；"
                    f"「流失风险」与「不能失去」分群合计占收入 {p(risk_rev)}。")
        return (f"The largest segment by revenue is '{rfm_label(top, 'en')}' ({i(result.loc[top, 'accounts'])} "
                f"accounts, {p(result.loc[top, 'revenue_share'])} of revenue); 'At risk' and 'Can't lose' together "
                f"hold {p(risk_rev)} of revenue.")
    raise KamlibError(f"sentences: no narrative for {type(result).__name__}")
