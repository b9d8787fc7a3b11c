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
from .markov import TierForecast
from .pareto import DoubleABCResult
from .scoring import ScorecardResult
from .tiers import TierResult


def headline(frame: pd.DataFrame, conc: ConcentrationResult | None = None, as_of=None) -> dict:
    """Headline numbers: accounts (all / active at period end), window, revenue, gross profit,
    last-12-month revenue, top-20% share, Gini, accounts making 80% of revenue, core/key counts and
    their share of revenue.

    Parameters
    ----------
    frame : DataFrame
        Customer frame with ``revenue`` (``active``, ``first_order_date``, ``last_order_date``,
        ``revenue_last_12m``, ``gross_profit``, ``tier`` used when present).
    conc : ConcentrationResult, optional
        Concentration of revenue (computed from ``frame`` when None).
    as_of : date-like, optional
        Period end (default ``frame.attrs["as_of"]``, else the last order date).

    Returns
    -------
    dict
        ``accounts``, ``active_accounts``, ``start``, ``as_of``, ``revenue``, ``revenue_last_12m``,
        ``gross_profit`` (NaN when unknown), ``top20_share``, ``gini``, ``accounts_for_80pct``; with ``tier``
        also ``<tier>_accounts`` and ``<tier>_revenue_share``.
    """
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
    ``wb.as_of``; default the one recorded by :func:`customer_indicators`).

    Parameters
    ----------
    frame : DataFrame
        Customer frame, as in :func:`headline`.
    lang : {"zh", "en"}
        Report language (anything but "zh" is English).
    conc : ConcentrationResult, optional
        As in :func:`headline`.
    as_of : date-like, optional
        As in :func:`headline`.

    Returns
    -------
    str
        Markdown.
    """
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
    or an :func:`abc_summary` / :func:`rfm_summary` frame), numbers formatted with :mod:`kamlib.fmt`.

    Parameters
    ----------
    result : result object or DataFrame
        A value result, or an ABC summary (``cum_value_share`` column) or RFM summary frame.
    lang : {"zh", "en"}
        Report language (anything but "zh" is English).

    Returns
    -------
    str
        Markdown.

    Raises
    ------
    KamlibError
        ``result`` is of a kind with no narrative.
    """
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
                    f"得分中位数 {fmt.number(result.scores.median(), digits=1)} 分，"
                    f"最高 {fmt.number(result.scores.max(), digits=1)} 分。")
        return (f"The scorecard uses {i(len(w))} indicators with {meth} weights; the heaviest are "
                f"{', '.join(top3)}. Median score {fmt.number(result.scores.median(), digits=1)}, highest "
                f"{fmt.number(result.scores.max(), digits=1)}.")
    if isinstance(result, TierResult):
        return _tier_rule_sentence(result, lang)
    if isinstance(result, TierForecast):
        return _forecast_sentence(result, lang)
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
                    f"若迁移概率保持不变，下期核心客户约 "
                    f"{fmt.number(nxt.loc['core', 'next'], digits=0)} 个、重点客户约 "
                    f"{fmt.number(nxt.loc['key', 'next'], digits=0)} 个。")
        return (f"Compared with the previous period end ({fmt.date(result.previous_as_of, 'en')}), {i(up)} accounts "
                f"moved up and {i(down)} moved down; **{i(nk)}** accounts became key/core and **{i(lk)}** key/core "
                f"accounts were downgraded or lost ({i(lost_k)} lost). If transition rates hold, next period has about "
                f"{fmt.number(nxt.loc['core', 'next'], digits=0)} core and "
                f"{fmt.number(nxt.loc['key', 'next'], digits=0)} key accounts.")
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


def _tier_rule_sentence(r: TierResult, lang: str) -> str:
    """The tier rule in words, with its numbers."""
    zh = lang == "zh"
    p = fmt.pct
    if r.rule != "value":
        q = {"score": ("按综合得分分位划分：得分前 20% 为重点及以上、前 5% 为核心。",
                       "Tiers by score quantiles: the top 20% of scores are key or core, the top 5% core."),
             "rule_of_thumb": ("按经验规则划分（收入占比、毛利率与增长）。",
                               "Tiers by the practice rule of thumb (revenue share, margin and growth).")}
        if r.absolute:
            b = r.boundaries.iloc[0]
            core, key = fmt.number(b["core"], digits=1), fmt.number(b["key"], digits=1)
            return (f"按综合得分的固定门槛划分：得分 ≥ {core} 为核心，≥ {key} 为重点。" if zh
                    else f"Tiers by fixed score thresholds: core from {core}, key from {key}.")
        return q[r.rule][0 if zh else 1]
    names = ("、" if zh else ", ").join(indicator_label(b, lang) for b in r.boundaries.index)
    if r.absolute:
        b = r.boundaries.iloc[0]
        basis = indicator_label(str(r.boundaries.index[0]), lang)
        head = (f"分级按固定门槛：{basis}达到 {fmt.money(b['core'], 'zh')} 为核心候选，"
                f"达到 {fmt.money(b['key'], 'zh')} 为重点候选"
                "（各期使用同一门槛，分级迁移反映客户自身变化）。" if zh else
                f"Tiers by fixed thresholds: {basis} of at least {fmt.money(b['core'], 'en')} makes a core candidate, "
                f"at least {fmt.money(b['key'], 'en')} a key candidate (the same thresholds in every period, so tier "
                "migration reflects the accounts themselves). ")
    else:
        head = (f"分级以价值为准：在{names}任一口径上，合计贡献前 **{p(r.shares[0])}** 的最大客户为核心候选，"
                f"累计至 **{p(r.shares[1])}** 的为重点候选，其余为一般客户。" if zh else
                f"Tiers follow value: on any of {names}, the largest accounts that together carry the first "
                f"**{p(r.shares[0])}** are core candidates, down to the cumulative **{p(r.shares[1])}** key "
                "candidates; the rest are ordinary. ")
    lim = r.limits
    margin = ("" if not math.isfinite(r.book_margin) else
              (f"毛利率低于全区加权平均毛利率（{p(r.book_margin)}）的 "
               f"{p(1 - lim['margin_band'], digits=0)}、" if zh else
               f"a margin under {p(1 - lim['margin_band'], digits=0)} of the book's revenue-weighted margin "
               f"({p(r.book_margin)}), "))
    if zh:
        tail = (f"候选客户若出现收入萎缩（近 12 个月收入同比下降超过 {p(-lim['shrinking_yoy'], digits=0)}，"
                "无同比数据时看增长趋势）、"
                f"{margin}或长期逾期付款（逾期付款发票占比 ≥ {p(lim['late_share'], digits=0)}），降一级（最多降一级），"
                "原因逐户列出。")
        demoted = int((r.tiers != r.candidate).sum())
        return head + tail + f"本期共有 {fmt.integer(demoted)} 个候选客户因此降级。"
    tail = (f"A candidate drops one level (never more) for shrinking revenue (last-12-month revenue down more than "
            f"{p(-lim['shrinking_yoy'], digits=0)} year on year, or a negative trend without a year-on-year figure), "
            f"{margin}or chronic late payment (at least {p(lim['late_share'], digits=0)} of invoices paid late); the "
            "reason is listed per account. ")
    return head + tail + f"{fmt.integer(int((r.tiers != r.candidate).sum()))} candidates are demoted this period."


def _forecast_sentence(f: TierForecast, lang: str) -> str:
    zh = lang == "zh"
    n = len(f.forecast) - 1
    last = f.forecast.iloc[-1]
    num = fmt.number
    if zh:
        s = (f"按 {fmt.integer(len(f.dates) - 1)} 次期间迁移估计的转移概率（流失为吸收状态），{fmt.integer(n)} 期后预计"
             f"核心客户约 {num(last['core'], digits=0)} 个、重点客户约 {num(last['key'], digits=0)} 个、一般客户约 "
             f"{num(last['ordinary'], digits=0)} 个，累计流失约 {num(last['lost'], digits=0)} 个。")
    else:
        s = (f"With transition rates estimated from {fmt.integer(len(f.dates) - 1)} period-to-period migrations "
             f"(lost is absorbing), in {fmt.integer(n)} periods there would be about "
             f"{num(last['core'], digits=0)} core, "
             f"{num(last['key'], digits=0)} key and {num(last['ordinary'], digits=0)} ordinary accounts, with about "
             f"{num(last['lost'], digits=0)} lost. ")
    if f.backtest is not None:
        bt = f.backtest
        err = float(bt.loc[["core", "key"], "error"].abs().sum())
        act = float(bt.loc[["core", "key"], "actual"].sum())
        if zh:
            s += (f"回测：用截至上一期的迁移预测本期，核心客户预测 "
                  f"{num(bt.loc['core', 'forecast'], digits=0)} 个、实际 "
                  f"{fmt.integer(bt.loc['core', 'actual'])} 个，"
                  f"重点客户预测 {num(bt.loc['key', 'forecast'], digits=0)} 个、实际 "
                  f"{fmt.integer(bt.loc['key', 'actual'])} 个（核心与重点合计绝对误差 {p_or_dash(err, act)}）。")
        else:
            s += (f"Backtest (fitted up to one period back, forecasting this period): core forecast "
                  f"{num(bt.loc['core', 'forecast'], digits=0)} vs actual {fmt.integer(bt.loc['core', 'actual'])}, key "
                  f"{num(bt.loc['key', 'forecast'], digits=0)} vs {fmt.integer(bt.loc['key', 'actual'])} "
                  "(absolute error "
                  f"{p_or_dash(err, act)} of the core and key accounts).")
    return s


def p_or_dash(err: float, total: float) -> str:
    return fmt.pct(err / total) if total > 0 else "—"


def demoted_sentence(r: TierResult, indicators: pd.DataFrame, lang: str = "zh", n: int = 20) -> str:
    """How many of the ``n`` largest active accounts (first value basis: revenue over the window) are core or
    key, and how many were demoted (the reasons are in :meth:`TierResult.demoted`).

    Parameters
    ----------
    r : TierResult
        The tiers.
    indicators : DataFrame
        The customer indicators the tiers were drawn from.
    lang : {"zh", "en"}
        Report language (anything but "zh" is English).
    n : int
        Number of largest accounts considered.

    Returns
    -------
    str
    """
    top = r.top_accounts(n, indicators)
    d = r.demoted(indicators, top=n)
    keyish = int(r.tiers.reindex(top).isin(["core", "key"]).sum())
    if lang == "zh":
        s = f"收入前 {fmt.integer(len(top))} 的在册客户中 {fmt.integer(keyish)} 个为核心或重点客户"
        return s + (f"；{fmt.integer(len(d))} 个因下表所列原因降了一级。" if len(d) else "，没有客户被降级。")
    s = f"Of the {fmt.integer(len(top))} largest active accounts by revenue, {fmt.integer(keyish)} are core or key"
    return s + (f"; {fmt.integer(len(d))} dropped one level for the reasons listed below." if len(d)
                else "; none is demoted.")
