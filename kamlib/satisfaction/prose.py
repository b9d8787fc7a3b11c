"""Plain-language sentences (zh/en) for satisfaction results."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import AnalysisError
from .comparisons import GroupTestResult, WaveChangeResult
from .consistency import AlphaResult, ReliabilityResult
from .display import effect_label, measure_label, test_label
from .key_drivers import DriversResult
from .labels import LABELS, construct_label
from .scores import NPSResult, TopBoxResult
from .summary import SummaryResult


def _n_unit(n: int, unit: str, lang: str) -> str:
    if lang == "zh":
        return f"{fmt.integer(n)} 个{'客户' if unit == 'accounts' else '答卷'}"
    return f"{fmt.integer(n)} {'accounts' if unit == 'accounts' else 'responses'}"


def _agg_note(agg: str, lang: str) -> str:
    if lang == "zh":
        return ("按客户汇总：先对同一客户的多位受访者取平均，每个客户计一次，避免答卷多的客户主导结果。"
                if agg == "account" else "按答卷汇总：每份答卷计一次。")
    return ("Aggregated by account: respondents of one account are averaged first, so every account counts "
            "once and no chatty account dominates." if agg == "account"
            else "Aggregated by response: every response counts once.")


def _ci_txt(lo, hi, f, lang: str, ci: float = 0.95) -> str:
    lvl = f"{int(round(ci * 100))}%"
    return (f"{lvl} 置信区间 {f(lo)} 至 {f(hi)}" if lang == "zh" else f"{lvl} CI {f(lo)} to {f(hi)}")


def nps_name(aggregate: str, lang: str) -> str:
    """'按客户汇总的 NPS' / 'Account-level NPS' (or the response-level name): how the headline NPS was computed.

    Parameters
    ----------
    aggregate : {"account", "respondent"}
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    return LABELS[f"satisfaction.nps_short_{'account' if aggregate == 'account' else 'respondent'}"][lang]


def _sent_nps(r: NPSResult, lang: str) -> str:
    ne = tr_ne(lang)
    name = nps_name(r.aggregate, lang)
    if not r.estimable:
        return f"{name}：{ne}（n = {r.n}）。" if lang == "zh" else f"{name}: {ne} (n = {r.n})."
    num = lambda v: fmt.number(v, digits=1)  # noqa: E731
    if lang == "zh":
        return (f"{name}为 {num(r.nps)}（{_ci_txt(r.ci_lower, r.ci_upper, num, lang, r.ci)}，标准误 {num(r.se)}，"
                f"n = {r.n}）：推荐者 {fmt.pct(r.promoters)}，中立者 {fmt.pct(r.passives)}，贬损者 "
                f"{fmt.pct(r.detractors)}。")
    return (f"{name} is {num(r.nps)} ({_ci_txt(r.ci_lower, r.ci_upper, num, lang, r.ci)}, SE {num(r.se)}, n = {r.n}): "
            f"{fmt.pct(r.promoters)} promoters, {fmt.pct(r.passives)} passives, {fmt.pct(r.detractors)} detractors.")


def tr_ne(lang: str) -> str:
    from ..i18n import tr

    return tr("i18n.not_estimable", lang)


def _sent_headline(r: SummaryResult, lang: str) -> str:
    t = r.table
    out = []
    for m, row in t.iterrows():
        unit = _n_unit(int(row["n"]), row["unit"], lang)
        if not row["estimable"]:
            nm = measure_label(m, lang)
            out.append(f"{nm}：{tr_ne(lang)}（{unit}）" if lang == "zh" else f"{nm}: {tr_ne(lang)} ({unit})")
            continue
        f: Callable[[Any], str]
        if m == "csat":
            f = fmt.pct
            name = ("CSAT（总体满意度为“比较满意”或“非常满意”的比例）" if lang == "zh"
                    else "CSAT (share rating overall 4-5)")
        elif m == "nps":
            f = lambda v: fmt.number(v, digits=1)  # noqa: E731
            name = nps_name(r.aggregate, lang)
        else:
            f = lambda v: fmt.number(v, digits=2)  # noqa: E731
            name = "总体满意度均值（1-5 分）" if lang == "zh" else "Mean overall satisfaction (1-5)"
        ci_t = _ci_txt(row["ci_lower"], row["ci_upper"], f, lang, r.ci)
        out.append(f"{name}为 {f(row['estimate'])}（{ci_t}，{unit}）" if lang == "zh"
                   else f"{name} is {f(row['estimate'])} ({ci_t}, {unit})")
    sep = "；" if lang == "zh" else "; "
    end = "。" if lang == "zh" else "."
    text = sep.join(out) + end if out else ""
    small = t["estimable"].astype(bool) & (t["n"] < 30)
    if small.any():
        text += (" 样本较小（少于 30），置信区间较宽，解读需谨慎。" if lang == "zh"
                 else " The sample is small (under 30), so the intervals are wide; read with care.")
    return text + " " + _agg_note(r.aggregate, lang)


def _sent_items(r: SummaryResult, lang: str, items=None) -> str:
    if not (r.table["level"] == "item").any():
        return _NO_ITEMS[lang]
    t = r.table[r.table["estimable"].astype(bool) & (r.table["level"] == "item")]
    if not len(t):
        return tr_ne(lang)
    lo, hi = t["top_box"].idxmin(), t["top_box"].idxmax()
    ci_hi = _ci_txt(t.loc[hi, "top_box_lower"], t.loc[hi, "top_box_upper"], fmt.pct, lang, r.ci)
    ci_lo = _ci_txt(t.loc[lo, "top_box_lower"], t.loc[lo, "top_box_upper"], fmt.pct, lang, r.ci)
    hi_n, lo_n = measure_label(hi, lang, items), measure_label(lo, lang, items)
    if lang == "zh":
        return (f"满意率（前两项）最高的是{hi_n}（{fmt.pct(t.loc[hi, 'top_box'])}，{ci_hi}），"
                f"最低的是{lo_n}（{fmt.pct(t.loc[lo, 'top_box'])}，{ci_lo}）。"
                + _agg_note(r.aggregate, lang))
    return (f"The highest top-2-box share is {hi_n} ({fmt.pct(t.loc[hi, 'top_box'])}, "
            f"{_ci_txt(t.loc[hi, 'top_box_lower'], t.loc[hi, 'top_box_upper'], fmt.pct, lang, r.ci)}), the lowest "
            f"{lo_n} ({fmt.pct(t.loc[lo, 'top_box'])}, "
            f"{_ci_txt(t.loc[lo, 'top_box_lower'], t.loc[lo, 'top_box_upper'], fmt.pct, lang, r.ci)}). "
            + _agg_note(r.aggregate, lang))


_NO_ITEMS = {
    "zh": "没有 Likert 题项：参数文件未配置 satisfaction.constructs，调查表中也没有题项列。",
    "en": "No Likert items: the Likert items are neither named in satisfaction.constructs nor found in the "
          "surveys table.",
}


def _sent_reliability(r: ReliabilityResult, lang: str) -> str:
    if not len(r.table):
        return _NO_ITEMS[lang]
    parts = []
    for code, row in r.table.iterrows():
        c = construct_label(code, lang)
        if not row["estimable"]:
            why = ("单题维度" if row["k"] < 2 else tr_ne(lang)) if lang == "zh" else (
                "single item" if row["k"] < 2 else tr_ne(lang))
            parts.append(f"{c}：{why}" if lang == "zh" else f"{c}: {why}")
            continue
        n3 = lambda v: fmt.number(v, digits=2)  # noqa: E731
        ci_t = _ci_txt(row["ci_lower"], row["ci_upper"], n3, lang)
        parts.append(f"{c} α = {n3(row['alpha'])}（{ci_t}）" if lang == "zh"
                     else f"{c} alpha = {n3(row['alpha'])} ({ci_t})")
    weak = [construct_label(c, lang) for c in
            r.table[r.table["estimable"].astype(bool) & (r.table["alpha"] < 0.7)].index]
    if lang == "zh":
        s = ("；".join(parts) + "。置信区间采用 Feldt 方法，缺失答案按"
             + ("成对删除" if r.missing == "pairwise" else "列表删除") + "处理。")
        s += (f"α 低于 0.7 的维度：{'、'.join(map(str, weak))}，其题项可能不宜合并为一个得分。" if weak
              else "所有可估计维度的 α 均不低于 0.7，题项合并为维度得分是合理的。")
        return s
    s = "; ".join(parts) + f". Feldt intervals; missing answers handled {r.missing}."
    s += (f" Constructs with alpha below 0.7: {', '.join(map(str, weak))}; their items may not form one score."
          if weak else " Every estimable construct has alpha of at least 0.7, so averaging its items is reasonable.")
    return s


def _p_eq(p) -> str:
    """'= 0.012' or '< 0.001', to follow 'p ' in a sentence."""
    s = fmt.pvalue(p)
    return s.replace("<", "< ") if s.startswith("<") else f"= {s}"


def _name(code, lang: str, ltr: bool = False) -> str:
    """Display name of a grouping or measure code in ``lang`` (registered constructs translated)."""
    from ..i18n import COLUMNS, column_label

    c = str(code)
    if c in COLUMNS:
        return column_label(c, lang, "satisfaction")
    return measure_label(c, lang, ltr=ltr)


def _min_p(row) -> float:
    """The smaller adjusted p of a comparison's rank test and its chi-square test (when there is one)."""
    return min(row["p_adj"], row["chi2_p_adj"]) if pd.notna(row["chi2_p_adj"]) else row["p_adj"]


def _sent_groups(r: GroupTestResult, lang: str) -> str:
    t = r.table
    corr = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}.get(r.correction, r.correction)
    sig = t[(t["p_adj"] < 0.05) | (t["chi2_p_adj"] < 0.05)]
    if lang == "zh":
        head = f"共 {len(t)} 项分组比较（多重检验校正：{corr}）。"
        if not len(sig):
            return head + "校正后没有显著差异（p < 0.05）。"
        items = [f"{_name(row['by'], lang)}间的{_name(row['measure'], lang, True)}（校正后 p {_p_eq(_min_p(row))}，"
                 f"{effect_label(row['effect_name'], lang)} = {fmt.number(row['effect'], digits=3)}）"
                 for _, row in sig.iterrows()]
        return head + "校正后存在显著差异：" + "；".join(items) + "。"
    head = f"{len(t)} group comparisons ({corr} correction)."
    if not len(sig):
        return head + " No difference is significant after correction (p < 0.05)."
    items = [f"{_name(row['measure'], lang, True)} by {_name(row['by'], lang).lower()} (adjusted p = "
             f"{fmt.pvalue(_min_p(row))}, "
             f"{effect_label(row['effect_name'], lang)} = {fmt.number(row['effect'], digits=3)})"
             for _, row in sig.iterrows()]
    return head + " Significant after correction: " + "; ".join(items) + "."


def _sent_waves(r: WaveChangeResult, lang: str) -> str:
    t = r.table
    if not len(t):
        return ("只有一期调查，无法比较各期变化。" if lang == "zh"
                else "Only one survey wave: no change between waves can be tested.")
    out = []
    for _, row in t.iterrows():
        if not row["estimable"]:
            continue
        if row["p_adj"] < 0.05:
            f = fmt.pct if row["measure"] == "csat" else (lambda v: fmt.number(v, digits=2))
            d = row["diff"]
            if lang == "zh":
                out.append(f"{_name(row['measure'], lang)} 从 {row['wave_a']} 到 {row['wave_b']} "
                           f"{'上升' if d > 0 else '下降'} "
                           f"{f(abs(d))}（校正后 p {_p_eq(row['p_adj'])}，{test_label(row['test'], lang)}）")
            else:
                out.append(f"{_name(row['measure'], lang)} {'rose' if d > 0 else 'fell'} by {f(abs(d))} "
                           f"from {row['wave_a']} to {row['wave_b']} (adjusted p {_p_eq(row['p_adj'])}, "
                           f"{test_label(row['test'], lang)})")
    npair = int(t["n_paired"].max())
    # the level of all surveyed accounts mixes real change with a change of who answered; say both
    ov = t[(t["measure"] == r.overall) & t["estimable"].astype(bool)]
    detail = ""
    if len(ov):
        o = ov.iloc[-1]
        n2 = lambda v: fmt.number(v, digits=2)  # noqa: E731
        paired = str(o["test"]).startswith("paired")
        if lang == "zh":
            detail = (f"总体满意度均值 {o['wave_a']} 为 {n2(o['level_a'])}，{o['wave_b']} 为 {n2(o['level_b'])}"
                      "（全部受访客户，"
                      f"含受访客户构成的变化）；" + (f"同一批 {int(o['n_paired'])} 个客户的平均变化为 " if paired
                                                  else "两期独立比较的差值为 ")
                      + f"{n2(o['diff'])}（{_ci_txt(o['ci_lower'], o['ci_upper'], n2, lang)}，p {_p_eq(o['p'])}）。")
        else:
            detail = (f"Mean overall satisfaction was {n2(o['level_a'])} in {o['wave_a']} and {n2(o['level_b'])} in "
                      f"{o['wave_b']} (all surveyed accounts, including a change in who answered); "
                      + (f"within the same {int(o['n_paired'])} accounts it changed by " if paired
                         else "comparing the waves as independent samples the difference is ")
                      + f"{n2(o['diff'])} ({_ci_txt(o['ci_lower'], o['ci_upper'], n2, lang)}, p {_p_eq(o['p'])}). ")
    if lang == "zh":
        base = f"两期都参与调查的客户 {npair} 个，用于配对比较。" + detail
        return base + ("校正后显著的变化：" + "；".join(out) + "。" if out else "各指标在校正后均无显著变化。")
    base = f"{npair} accounts answered both waves and are compared with themselves. " + detail
    return base + ("Significant after correction: " + "; ".join(out) + "." if out
                   else "No measure changed significantly after correction.")


def _sent_drivers(r: DriversResult, lang: str, items=None) -> str:
    if not r.estimable:
        return (f"驱动因素分析：{tr_ne(lang)}（n = {r.n}）。" if lang == "zh"
                else f"Driver analysis: {tr_ne(lang)} (n = {r.n}).")
    s = r.summary.dropna(subset=["importance"])
    top = [measure_label(i, lang, items) for i in s.index[:3]]
    focus = [measure_label(i, lang, items) for i in s.index[s["quadrant"] == "focus"]]
    first = s.index[0]
    if lang == "zh":
        txt = (f"基于 {fmt.integer(r.n)} 份答卷的有序 logit 模型"
               f"（McFadden 伪 R² = {fmt.number(r.pseudo_r2, digits=2)}），"
               f"对总体满意度影响最大的题项依次为 {'、'.join(top)}；"
               f"其中 {top[0]} 每提高 1 分，总体满意度更高一级的几率乘以 "
               f"{fmt.number(s.loc[first, 'odds_ratio'], digits=2)}"
               f"（相对重要性 {fmt.pct(s.loc[first, 'importance'])}）。")
        txt += (f"重要但表现偏低、应优先改进的题项：{'、'.join(focus)}。" if focus else "没有“重要但表现偏低”的题项。")
        if r.cov_type.startswith("cluster"):
            txt += "标准误按客户聚类稳健估计（同一客户的多位受访者不视为独立）。"
        return txt
    txt = (f"An ordinal logit on {fmt.integer(r.n)} responses (McFadden pseudo-R² {fmt.number(r.pseudo_r2, digits=2)}) "
           f"ranks {', '.join(top)} as the strongest drivers of overall satisfaction; one point more on {top[0]} "
           f"multiplies the odds of a higher overall rating by {fmt.number(s.loc[first, 'odds_ratio'], digits=2)} "
           f"(relative importance {fmt.pct(s.loc[first, 'importance'])}).")
    txt += (f" Important but under-performing (concentrate here): {', '.join(focus)}." if focus
            else " No item is both important and under-performing.")
    if r.cov_type.startswith("cluster"):
        txt += " Standard errors are cluster-robust by account (respondents of one account are not independent)."
    return txt


def sentences(result, lang: str = "zh", items=None) -> str:
    """Narrative for a satisfaction result in ``lang`` ("zh"/"en"); every number comes from ``result``.

    Parameters
    ----------
    result : SummaryResult, LikertResult, ReliabilityResult, GroupTestResult, WaveChangeResult or DriverResult
    lang : {"zh", "en"}, default "zh"
    items : mapping, optional
        Item and construct codes -> display names (:func:`~kamlib.satisfaction.item_labels`).

    Returns
    -------
    str
        Markdown paragraphs.
    """
    if lang not in ("zh", "en"):
        from ..i18n import tr

        tr("i18n.core", lang)  # raises the standard unknown-language error
    if isinstance(result, NPSResult):
        return _sent_nps(result, lang)
    if isinstance(result, TopBoxResult):
        if not result.estimable:
            return tr_ne(lang)
        ci_t = _ci_txt(result.ci_lower, result.ci_upper, fmt.pct, lang, result.ci)
        return (f"前 {result.box} 项满意率为 {fmt.pct(result.share)}（{ci_t}，n = {result.n}）。" if lang == "zh"
                else f"Top-{result.box}-box share is {fmt.pct(result.share)} ({ci_t}, n = {result.n}).")
    if isinstance(result, SummaryResult):
        return _sent_headline(result, lang) if result.kind == "headline" else _sent_items(result, lang, items)
    if isinstance(result, ReliabilityResult):
        return _sent_reliability(result, lang)
    if isinstance(result, AlphaResult):
        if not result.estimable:
            return tr_ne(lang)
        n3 = lambda v: fmt.number(v, digits=2)  # noqa: E731
        ci_a = _ci_txt(result.ci_lower, result.ci_upper, n3, lang, result.ci)
        return (f"Cronbach's α = {n3(result.alpha)}（{ci_a}，n = {result.n}）。" if lang == "zh"
                else f"Cronbach's alpha = {n3(result.alpha)} ({ci_a}, n = {result.n}).")
    if isinstance(result, GroupTestResult):
        return _sent_groups(result, lang)
    if isinstance(result, WaveChangeResult):
        return _sent_waves(result, lang)
    if isinstance(result, DriversResult):
        return _sent_drivers(result, lang, items)
    raise AnalysisError(f"sentences: no narrative for {type(result).__name__}")


def coverage_sentence(customers: pd.DataFrame, lang: str = "zh") -> str:
    """How much of the book the survey covers, from the customer frame's ``sat_`` columns and revenue.

    Parameters
    ----------
    customers : DataFrame
        The workbook's customer frame (``wb.customers``).
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    str
    """
    n = len(customers)
    if "sat_n_responses" not in customers.columns:
        return LABELS["satisfaction.no_surveys"][lang]
    surveyed = customers["sat_n_responses"].fillna(0) > 0
    rev = customers["revenue"] if "revenue" in customers.columns else pd.Series(np.nan, index=customers.index)
    share = float(rev[surveyed].sum() / rev.sum()) if rev.sum() > 0 else float("nan")
    dis = int((customers.get("sat_dissatisfied", pd.Series(dtype=float)) == 1.0).sum())
    dis_rev = (float(rev[customers.get("sat_dissatisfied", pd.Series(0.0, index=customers.index)) == 1.0].sum())
               if "sat_dissatisfied" in customers.columns else float("nan"))
    if lang == "zh":
        return (f"{fmt.integer(n)} 个客户中有 {fmt.integer(int(surveyed.sum()))} 个参与过满意度调查，覆盖收入的 "
                f"{fmt.pct(share)}；其中 {dis} 个客户的总体满意度均值低于 3 分（“不满意”），涉及收入 "
                f"{fmt.money(dis_rev, 'zh')}。客户层面的满意度已并入客户表，供价值与流失分析使用。")
    return (f"{fmt.integer(int(surveyed.sum()))} of {fmt.integer(n)} accounts answered a satisfaction survey, "
            f"covering {fmt.pct(share)} of revenue; {dis} of them have a mean overall rating below 3 "
            f"(dissatisfied), carrying {fmt.money(dis_rev, 'en')} of revenue. Account-level satisfaction joins the "
            "customer frame for the value and churn analyses.")

