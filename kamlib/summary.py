"""The executive summary's prose: the few sentences leadership reads first, from a region's workbook.

Shared by :mod:`kamlib.runcache` (which stores the sentences beside each cached workbook) and the combined
report (:mod:`kamlib.batch`); it depends on the analysis modules only, never on :mod:`kamlib.report`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import fmt
from .i18n import column_label, has, tr

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
    A module that cannot say something for this region is left out rather than failing the report.

    Parameters
    ----------
    wb : Workbook
        The region's workbook; its ``lang`` is the language of the sentences.

    Returns
    -------
    list of str
        Markdown sentences, possibly empty.
    """
    from . import satisfaction, segmentation, value

    lang = wb.lang
    zh = lang == "zh"
    out: list[str] = []
    makers = [
        lambda: value.headline_sentences(wb.customers, lang, as_of=wb.as_of),
        lambda: segmentation.sentences(wb.segmentation, lang).strip().split("\n\n")[0] if wb.segmentation else "",
        lambda: _churn_sentence(wb),
        lambda: _contact_sentence(wb),
        lambda: _first_sentence(satisfaction.sentences(_satisfaction_headline(wb), lang), lang)
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


def _contact_sentence(wb: Workbook) -> str:
    """Core and key accounts nobody has contacted for 90 days: the account teams' first to-do."""
    from . import accounts

    if wb.ledger.interactions is None:
        return ""
    r = accounts.not_contacted(wb.customers, wb.ledger, wb.as_of, days=90)
    if not r.available or not r.facts.get("accounts"):
        return ""
    lg = fmt.lang_of(wb.lang)
    return tr("accounts.say.summary", lg, accounts=fmt.integer(r.facts["accounts"], lg), days=r.facts["days"],
              revenue=fmt.money_with_unit(r.facts.get("revenue"), lg, wb.params.report.currency),
              title=tr("accounts.title", lg))


def _satisfaction_headline(wb):
    from . import satisfaction

    ps = wb.params.satisfaction
    return satisfaction.headline(wb.ledger.surveys, aggregate=ps.aggregate, overall=ps.overall, nps=ps.nps,
                                 ci=ps.ci, min_n=ps.min_n)


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


# ------------------------------------------------------------------------------------------ data quality

#: fewer accounts than this (or no orders at all) makes a region "insufficient data", not a success
MIN_ACCOUNTS = 10
#: the input tables in reading order
TABLES = ("orders", "customers", "invoices", "surveys")


def data_quality(wb: Workbook) -> dict:
    """The data-quality facts of a region as a JSON-ready dict (language-neutral; no personal data).

    Holds rows read and kept per table, each exclusion rule with its rows and amount, the rows kept but
    flagged (likely duplicate accounts, unknown parents, unpaid invoices), the tables not provided and the
    analyses that could not run with their reason, and ``insufficient`` (a reason key, or None) when the
    region has no orders or fewer than :data:`MIN_ACCOUNTS` accounts. :func:`data_quality_frames` turns it
    into labelled tables in the report's language; ``kam run`` stores it beside the cached workbook and the
    report renderer appends it to every analysis report and the combined report.

    Parameters
    ----------
    wb : Workbook
        The region's workbook (its ledger's quality report, customers and unavailable analyses).

    Returns
    -------
    dict
        Keys ``rows_read``, ``rows_kept``, ``exclusions``, ``flags``, ``unavailable``, ``accounts``,
        ``insufficient``, ``min_accounts``.
    """
    q = wb.ledger.quality

    def rows(items) -> list[dict]:
        return [{"table": e.table, "rule": e.rule, "rows": int(e.rows), "amount": float(e.amount or 0.0)}
                for e in items]

    provided = [t for t in TABLES if t in (wb.ledger.sources or {}) or t in q.rows_read]
    unavailable = [{"what": f"table.{t}", "reason": "not_provided"} for t in TABLES[1:] if t not in provided]
    unavailable += [{"what": f"analysis.{name}", "reason": _first_line(str(why))}
                    for name, why in (wb.unavailable or {}).items()]
    n_accounts = int(len(wb.customers))
    orders_kept = int(q.rows_kept.get("orders", wb.ledger.order_lines if wb.ledger is not None else 0))
    insufficient = ("no_orders" if orders_kept == 0 else
                    "few_accounts" if n_accounts < MIN_ACCOUNTS else None)
    return {"rows_read": {t: int(n) for t, n in q.rows_read.items()},
            "rows_kept": {t: int(n) for t, n in q.rows_kept.items()},
            "exclusions": rows(q.exclusions), "flags": rows(q.flags), "unavailable": unavailable,
            "accounts": n_accounts, "insufficient": insufficient, "min_accounts": MIN_ACCOUNTS}


def _first_line(text: str, limit: int = 240) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _rule_label(rule: str, lang: str) -> str:
    key = f"i18n.rule.{rule}"
    return tr(key, lang) if has(key) else rule.replace("_", " ")


def data_quality_frames(dq: dict, lang: str = "zh", currency: str | None = None) -> dict[str, object]:
    """Labelled tables of :func:`data_quality`'s dict in ``lang``: ``"rows"`` (per table: read, each
    exclusion rule with rows, share of the rows read and amount, kept), ``"flags"`` (rows kept but counted)
    and ``"unavailable"`` (tables not provided, analyses that could not run, and why). Every header and
    rule name comes from :mod:`kamlib.i18n`; numbers are display strings. Empty tables are left out.

    Parameters
    ----------
    dq : dict
        :func:`data_quality` output (or its stored JSON); missing keys count as empty.
    lang : {"zh", "en"}
    currency : str, optional
        Currency named in the amount header.

    Returns
    -------
    dict of str to DataFrame
        Some of ``"rows"``, ``"flags"``, ``"unavailable"``.
    """
    import pandas as pd

    L = fmt.lang_of(lang)
    h_table, h_rule, h_rows = column_label("table", L), column_label("rule", L), column_label("rows", L)
    h_share = tr("i18n.dq_share", L)
    h_amount = fmt.money_header(column_label("amount", L), L, currency)

    def table_name(t: str) -> str:
        key = f"i18n.table.{t}"
        return tr(key, L) if has(key) else t

    out: dict[str, object] = {}
    lines = []
    read = dq.get("rows_read") or {}
    for t in [t for t in TABLES if t in read] + [t for t in read if t not in TABLES]:
        n = int(read[t])
        lines.append({h_table: table_name(t), h_rule: tr("i18n.rule.read", L), h_rows: fmt.integer(n, L),
                      h_share: fmt.pct(1.0 if n else None, L, digits=1), h_amount: "—"})
        for e in dq.get("exclusions") or []:
            if e["table"] == t and e["rows"]:
                lines.append({h_table: "", h_rule: _rule_label(e["rule"], L), h_rows: fmt.integer(-e["rows"], L),
                              h_share: fmt.pct(e["rows"] / n if n else None, L, digits=1),
                              h_amount: fmt.money(e["amount"], L) if e.get("amount") else "—"})
        kept = int((dq.get("rows_kept") or {}).get(t, n))
        lines.append({h_table: "", h_rule: tr("i18n.rule.kept", L), h_rows: fmt.integer(kept, L),
                      h_share: fmt.pct(kept / n if n else None, L, digits=1), h_amount: "—"})
    if lines:
        out["rows"] = pd.DataFrame(lines)
    flags = [{h_table: table_name(f["table"]), h_rule: _rule_label(f["rule"], L), h_rows: fmt.integer(f["rows"], L),
              h_amount: fmt.money(f["amount"], L) if f.get("amount") else "—"}
             for f in dq.get("flags") or [] if f["rows"]]
    if flags:
        out["flags"] = pd.DataFrame(flags)
    unav = []
    for u in dq.get("unavailable") or []:
        kind, _, name = u["what"].partition(".")
        if kind == "table":
            what, why = table_name(name), tr("i18n.dq_not_provided", L)
        else:
            key = f"i18n.analysis.{name}"
            what = tr(key, L) if has(key) else name.replace("_", " ")
            # the reason is an English exception line: the zh page names the cause class only
            why = u["reason"] if L == "en" else tr("i18n.dq_could_not_run", L)
        unav.append({tr("i18n.dq_what", L): what, column_label("reason", L): why})
    if unav:
        out["unavailable"] = pd.DataFrame(unav)
    return out


def insufficient_reason(dq: dict | None, lang: str = "zh") -> str | None:
    """Why a region's data are insufficient for a report (None when they suffice).

    Parameters
    ----------
    dq : dict or None
        :func:`data_quality` output.
    lang : {"zh", "en"}

    Returns
    -------
    str or None
    """
    if not dq or not dq.get("insufficient"):
        return None
    return tr(f"i18n.dq_{dq['insufficient']}", fmt.lang_of(lang), accounts=dq.get("accounts", 0),
              min_accounts=dq.get("min_accounts", MIN_ACCOUNTS))
