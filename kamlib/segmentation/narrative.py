"""Narrative text of a segmentation, built from the numbers of the result."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from .constants import CLIP_Z, MONEY_COLUMNS, STABILITY_WARN
from .labels import METHOD_TEXT, RULE_TEXT, check_lang, feature_label
from .result import SegmentationResult


def _stability_word(stab: float, lang: str) -> str:
    if not np.isfinite(stab):
        return "未评估" if lang == "zh" else "not assessed"
    if stab >= 0.9:
        return "非常稳定" if lang == "zh" else "very stable"
    if stab >= STABILITY_WARN:
        return "较稳定" if lang == "zh" else "reasonably stable"
    return "不稳定，细分边界仅供参考" if lang == "zh" else "unstable: treat the boundaries as indicative"


def sentences(result: SegmentationResult, lang: str | None = None, max_traits: int = 3) -> str:
    """Markdown narrative built from the numbers: how k was chosen, stability, and one line per segment.

    Parameters
    ----------
    result : SegmentationResult
    lang : {"zh", "en"}, optional
        Language (default: the result's).
    max_traits : int, default 3
        Feature medians quoted per segment (those furthest from the book's median).

    Returns
    -------
    str
        Markdown: a paragraph, then one bullet per segment.
    """
    lang = lang or result.lang
    check_lang(lang)
    zh = lang == "zh"
    li = 0 if zh else 1
    r = result
    rule = RULE_TEXT[r.chosen_by][li].format(tol=r.k_tolerance)
    method = METHOD_TEXT[r.method][li]
    sil = r.scores.loc[r.k, "silhouette"] if r.k in r.scores.index else np.nan
    lo, hi = r.k_range
    if zh:
        how = ("k 由参数指定" if r.chosen_by == "given" else f"在 k = {lo}–{hi} 中按{rule}选定")
        head = (f"用 {method}将 {fmt.integer(r.n)} 家客户分为 **{r.k} 个细分**：{how}"
                f"（轮廓系数 {fmt.number(sil, digits=2)}）。")
        head += (f"在 {len(r.stability_runs)} 次 80% 子样本重抽中，细分结果的平均调整兰德指数为 "
                 f"{fmt.number(r.stability, digits=2)}，{_stability_word(r.stability, lang)}。"
                 if r.stability_runs else "未做稳定性检验。")
    else:
        how = ("k set in the params file" if r.chosen_by == "given" else f"k chosen from {lo}–{hi} by the {rule}")
        head = (f"{method[:1].upper() + method[1:]} splits {fmt.integer(r.n)} customers into **{r.k} segments**, "
                f"{how} (silhouette {fmt.number(sil, digits=2)}). ")
        head += (f"Refitted on {len(r.stability_runs)} subsamples of 80% of customers, the segments are "
                 f"reproduced with a mean adjusted Rand index of {fmt.number(r.stability, digits=2)}: "
                 f"{_stability_word(r.stability, lang)}." if r.stability_runs else "Stability was not assessed.")
    lines = [head, ""]
    p = r.profiles
    for j in p.index:
        row = p.loc[j]
        share = fmt.pct(row["customer_share"], digits=1)
        if "revenue_share" in p.columns:
            rev = (f"，贡献 {fmt.pct(row['revenue_share'], digits=1)} 的收入" if zh
                   else f", {fmt.pct(row['revenue_share'], digits=1)} of revenue")
        else:
            rev = ""
        z = r.medians_z.loc[j].dropna() if j in r.medians_z.index else pd.Series(dtype=float)
        # the features on which the segment differs most from the book (largest |standardized median|)
        z = z.sort_values(key=np.abs, ascending=False).head(max_traits)
        traits = [_feature_value(c, row[c] if c in row.index else np.nan, lang) for c in z.index]
        tail = ""
        if traits:
            tail = ("；中位数：" + "，".join(traits)) if zh else ("; medians: " + ", ".join(traits))
        tops = [str(row[c]) for c in p.columns if c.startswith("top_") and row[c]]
        if tops:
            tail += ("；偏多：" + "，".join(tops)) if zh else ("; over-represented: " + ", ".join(tops))
        if zh:
            lines.append(f"- **{j}. {row['name']}**：{fmt.integer(row['customers'])} 家客户（{share}）{rev}{tail}。")
        else:
            lines.append(f"- **{j}. {row['name']}**: {fmt.integer(row['customers'])} customers ({share}){rev}{tail}.")
    return "\n".join(lines)


def _feature_value(c: str, v, lang: str) -> str:
    lab = feature_label(c, lang)
    if c in MONEY_COLUMNS:
        s = fmt.money(v, check_lang(lang))
    elif c in ("margin", "late_share", "revenue_growth", "revenue_yoy"):
        s = fmt.pct(v, digits=1)
    elif c in ("order_count", "recency_days", "tenure_days", "days_to_pay", "dso"):
        s = fmt.integer(v)
    else:
        s = fmt.number(v, digits=2)
    return f"{lab} {s}"


def crosstab_sentence(result: SegmentationResult, other: pd.Series, lang: str | None = None) -> str:
    """One sentence per tier: which segment holds most of its customers (numbers from :func:`crosstab`).

    Parameters
    ----------
    result : SegmentationResult
    other : Series
        Tier (or any group) per customer, indexed like ``result.labels``.
    lang : {"zh", "en"}, optional
        Language (default: the result's).

    Returns
    -------
    str
        The sentence ("" when no customer has a group).
    """
    from ..i18n import TIERS, tier_label

    lang = lang or result.lang
    zh = lang == "zh"
    o = other.reindex(result.labels.index)
    tab = pd.crosstab(result.labels, o.astype("string"))
    parts = []
    for t in [c for c in TIERS if c in tab.columns] + [c for c in tab.columns if c not in TIERS]:
        col = tab[t]
        if col.sum() == 0:
            continue
        j = int(col.idxmax())
        share = col[j] / col.sum()
        name = result.names.get(j, "")
        if zh:
            parts.append(f"{tier_label(t, lang)}客户 {fmt.integer(col.sum())} 家，"
                         f"其中 {fmt.pct(share, digits=0)} 属于细分 {j}「{name}」")
        else:
            parts.append(f"of the {fmt.integer(col.sum())} {tier_label(t, lang)} accounts, "
                         f"{fmt.pct(share, digits=0)} are "
                         f"in segment {j} ({name})")
    if not parts:
        return ""
    return ("；".join(parts) + "。") if zh else (parts[0][:1].upper() + parts[0][1:] + "; " + "; ".join(parts[1:])
                                                 + ".").replace("; .", ".")


def method_sentence(result: SegmentationResult, lang: str | None = None) -> str:
    """How the features were prepared, how k was chosen and how stable the result is (numbers from the result).

    Parameters
    ----------
    result : SegmentationResult
    lang : {"zh", "en"}, optional
        Language (default: the result's).

    Returns
    -------
    str
    """
    lang = lang or result.lang
    zh = lang == "zh"
    pp = result.preprocessing
    logs = [feature_label(c, lang) for c in pp.index[(pp["transform"] == "log1p") & pp["used"]]]
    cats = [feature_label(c, lang) for c in result.categorical]
    dropped = [feature_label(c, lang) for c in pp.index[~pp["used"].astype(bool)]]
    n_imp = int(result.imputed.sum())
    runs = np.asarray(result.stability_runs)
    rule = RULE_TEXT[result.chosen_by][0 if zh else 1].format(tol=result.k_tolerance)
    sep = "、" if zh else ", "
    if zh:
        parts = [f"金额等偏态指标（{sep.join(logs)}）先取 log1p" if logs else "未做对数变换",
                 f"再按中位数和四分位距做稳健标准化（截断于 ±{CLIP_Z:g}）"]
        if cats:
            parts.append(f"类别特征（{sep.join(cats)}）独热编码并加权")
        text = "，".join(parts) + "。"
        text += (f"{fmt.integer(n_imp)} 家客户（{fmt.pct(n_imp / max(result.n, 1), digits=1)}）"
                 "有缺失指标，以中位数填补并保留。"
                 if n_imp else "没有缺失指标。")
        if dropped:
            text += f"未使用的特征：{sep.join(dropped)}（全部缺失或为常数）。"
        text += f"k 的选择规则：{rule}。"
        if len(runs):
            text += (f"稳定性：{len(runs)} 次 80% 子样本重拟合，调整兰德指数均值 {fmt.number(runs.mean(), digits=2)}，"
                     f"最低 {fmt.number(runs.min(), digits=2)}（≥ 0.9 非常稳定，< {STABILITY_WARN:g} 不稳定）。")
        return text
    parts = [f"Skewed amounts ({sep.join(logs)}) were log1p-transformed" if logs else "No log transform",
             f"then robust-scaled by median and IQR (clipped at ±{CLIP_Z:g})"]
    if cats:
        parts.append(f"categorical features ({sep.join(cats)}) one-hot encoded with weights")
    text = ", ".join(parts) + ". "
    text += (f"{fmt.integer(n_imp)} customers ({fmt.pct(n_imp / max(result.n, 1), digits=1)}) had missing indicators, "
             "imputed with the median and kept. " if n_imp else "No indicator was missing. ")
    if dropped:
        text += f"Not used: {sep.join(dropped)} (empty or constant). "
    text += f"Rule for k: {rule}. "
    if len(runs):
        text += (f"Stability: {len(runs)} refits on 80% subsamples, mean adjusted Rand index "
                 f"{fmt.number(runs.mean(), digits=2)}, lowest {fmt.number(runs.min(), digits=2)} (≥ 0.9 very stable, "
                 f"< {STABILITY_WARN:g} unstable).")
    return text.strip()
