"""The executive summary's prose: the few sentences leadership reads first, from a region's workbook.

Shared by :mod:`kamlib.runcache` (which stores the sentences beside each cached workbook) and the combined
report (:mod:`kamlib.batch`); it depends on the analysis modules only, never on :mod:`kamlib.report`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt
from .i18n import tr

if TYPE_CHECKING:
    from .workbook import Workbook


def _first_sentence(text: str, lang: str) -> str:
    text = text.strip().split("\n\n")[0]
    if lang == "zh":
        head, sep, _ = text.partition("。")
        return head + sep
    head, sep, _ = text.partition(". ")
    return head + ("." if sep else "")


def summary_sentences(wb: Workbook) -> list[str]:
    """The few sentences leadership should read first (Markdown), each built by the owning module from
    the region's workbook: value headline, segments, churn, satisfaction, survey coverage, warnings.
    A module that cannot say something for this region is left out rather than failing the report."""
    from . import satisfaction, segmentation, value

    lang = wb.lang
    zh = lang == "zh"
    out: list[str] = []
    makers = [
        lambda: value.headline_sentences(wb.customers, lang, as_of=wb.as_of),
        lambda: segmentation.sentences(wb.segmentation, lang).strip().split("\n\n")[0] if wb.segmentation else "",
        lambda: _churn_sentence(wb),
        lambda: _first_sentence(satisfaction.sentences(
            satisfaction.headline(wb.ledger.surveys, wb.params.satisfaction), lang), lang)
        if wb.ledger.surveys is not None and len(wb.ledger.surveys) else "",
        lambda: _first_sentence(satisfaction.coverage_sentence(wb.customers, lang), lang),
    ]
    for make in makers:
        try:
            text = make()
        except Exception:  # noqa: BLE001 - a summary line is optional; the full analysis is below it
            text = ""
        if text and text.strip():
            out.append(text.strip())
    if wb.warnings:
        out.append(f"共有 **{len(wb.warnings)}** 条数据或统计注意事项，见各分析末尾的“注意事项”。" if zh else
                   f"Data or statistical notes: **{len(wb.warnings)}**; see the Warnings section of each analysis.")
    return out


def _churn_sentence(wb: Workbook) -> str:
    ch = wb.churn
    if ch is None or not len(ch) or "churned" not in ch:
        return ""
    n, k = len(ch), int(ch["churned"].sum())
    # the churn notebook's title, as the report's contents name it
    title = tr("survival.title", wb.lang)
    if wb.lang == "zh":
        return (f"截至 {fmt.date(wb.as_of, 'zh')}，{fmt.integer(n)} 个客户中已有 **{fmt.integer(k)}** 个流失"
                f"（{fmt.pct(k / n)}）；流失风险因素与高风险客户名单见“{title}”。")
    return (f"By {fmt.date(wb.as_of, 'en')}, **{fmt.integer(k)}** of {fmt.integer(n)} accounts have churned "
            f"({fmt.pct(k / n)}); risk factors and the at-risk list are in '{title}'.")
