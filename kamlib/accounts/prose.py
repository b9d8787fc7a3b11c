"""What each account-management table says, in a sentence or two of the report's language.

The numbers come from the ``facts`` of each :class:`~.analyses.TableResult` (computed with the table); this
module only words and formats them. Texts: ``accounts.say.*`` in :mod:`.labels`.
"""
from __future__ import annotations

from collections.abc import Callable

from .. import fmt
from ..i18n import tier_label, tr
from ._common import TableResult


def _test(p: float | None, lang: fmt.Lang) -> str:
    """' (differences within chance: chi-square test p = 0.21)', or '' without a test."""
    if p is None or p != p:   # no test (NaN)
        return ""
    return tr("accounts.say.real" if p < 0.05 else "accounts.say.chance", lang, p=fmt.p_statement(p, lang))


def _say_portfolios(r: TableResult, lang: fmt.Lang, cur: str | None, horizon_days: float | None = None) -> list[str]:
    f = r.facts
    lines = [tr("accounts.say.portfolios.count", lang, managers=f.get("managers", 0))]
    if horizon_days and r.table is not None and "at_risk_revenue" in r.table:
        lines.append(tr("accounts.say.portfolios.at_risk", lang, months=fmt.integer(horizon_days / 30.4375, lang),
                        total=fmt.money_with_unit(float(r.table["at_risk_revenue"].sum()), lang, cur)))
    h, c = f.get("highest_churn"), f.get("fewest_contacts")
    if h and c and h["manager"] == c["manager"]:   # one story: the manager who contacts least loses most
        lines.append(tr("accounts.say.portfolios.both", lang, manager=h["manager"], rate=fmt.pct(h["rate"], lang),
                        others=fmt.pct(h["others"], lang), test=_test(h.get("p"), lang),
                        contacts=fmt.number(c["contacts"], lang, digits=1),
                        median=fmt.number(c["median"], lang, digits=1)))
        h = c = None
    if h:
        lines.append(tr("accounts.say.portfolios.churn", lang, manager=h["manager"], rate=fmt.pct(h["rate"], lang),
                        others=fmt.pct(h["others"], lang), test=_test(h.get("p"), lang)))
    if c:
        lines.append(tr("accounts.say.portfolios.contacts", lang, manager=c["manager"],
                        contacts=fmt.number(c["contacts"], lang, digits=1),
                        median=fmt.number(c["median"], lang, digits=1)))
    if "highest_churn" in f and f.get("compared", 0) < f.get("managers", 0):
        lines.append(tr("accounts.say.portfolios.compared", lang, compared=f["compared"],
                        min_accounts=f["min_accounts"]))
    return lines


def _say_not_contacted(r: TableResult, lang: fmt.Lang, cur: str | None) -> list[str]:
    f = r.facts
    if not f.get("of"):
        return [tr("accounts.say.not_contacted.no_key", lang)]
    if not f.get("accounts"):
        return [tr("accounts.say.not_contacted.none", lang, of=f.get("of", 0), days=f.get("days"))]
    never = tr("accounts.say.never", lang, never=f["never"]) if f.get("never") else ""
    return [tr("accounts.say.not_contacted", lang, accounts=f["accounts"], of=f["of"], days=f["days"],
               never=never, revenue=fmt.money_with_unit(f.get("revenue"), lang, cur))]


def _say_complaints(r: TableResult, lang: fmt.Lang, cur: str | None) -> list[str]:
    f = r.facts
    if not f.get("complaints"):
        return [tr("accounts.say.complaints.none", lang)]
    top = f.get("top_category", {"category": "—", "share": float("nan")})
    return [tr("accounts.say.complaints", lang, complaints=fmt.integer(f["complaints"], lang),
               years=fmt.number(f["years"], lang, digits=0 if abs(f["years"] - round(f["years"])) < 0.05 else 1),
               category=top["category"],
               share=fmt.pct(top["share"], lang), median=fmt.number(f.get("median_resolution_days"), lang, digits=0),
               open=fmt.integer(f["open"], lang))]


def _say_churn_reasons(r: TableResult, lang: fmt.Lang, cur: str | None, tiers_as_of: str | None = None) -> list[str]:
    f = r.facts
    if "top" not in f:
        return []
    tr_rev = f["top_revenue"]
    lines = [tr("accounts.say.churn_reasons", lang, lost=fmt.integer(f["lost"], lang),
                with_reason=fmt.integer(f["with_reason"], lang), top=f["top"]["reason"],
                share=fmt.pct(f["top"]["share"], lang), top_revenue=tr_rev["reason"],
                revenue=fmt.money_with_unit(tr_rev["revenue"], lang, cur),
                revenue_share=fmt.pct(tr_rev["share"], lang))]
    if f.get("tiers_before_loss") and tiers_as_of:
        lines.append(tr("accounts.say.churn_reasons.tiers", lang, date=fmt.date(tiers_as_of, lang),
                        new=tier_label("new", lang)))
    return lines


def _say_pipeline(r: TableResult, lang: fmt.Lang, cur: str | None) -> list[str]:
    f = r.facts
    lines = [tr("accounts.say.pipeline", lang, closed=fmt.integer(f.get("closed"), lang),
                win_rate=fmt.pct(f.get("win_rate"), lang), open=fmt.integer(f.get("open"), lang),
                value=fmt.money_with_unit(f.get("pipeline_value"), lang, cur))]
    lost = f.get("lost_reasons") or {}
    if lost:
        reason, n = next(iter(lost.items()))
        lines.append(tr("accounts.say.pipeline.lost", lang, reason=reason, share=fmt.pct(n / sum(lost.values()), lang)))
    return lines


def _say_plan(r: TableResult, lang: fmt.Lang, cur: str | None) -> list[str]:
    f = r.facts
    lines = []
    state = "" if f.get("complete", True) else tr("accounts.say.plan.open", lang)
    m = f.get("account_manager")
    if m:
        low = m["lowest"] or {"owner": "—", "attainment": float("nan")}
        lines.append(tr("accounts.say.plan.managers", lang, period=f["period"], state=state, met=m["met"],
                        targets=m["targets"], target=fmt.money_with_unit(m["target"], lang, cur),
                        actual=fmt.money_with_unit(m["actual"], lang, cur),
                        attainment=fmt.pct(m["actual"] / m["target"] if m["target"] else float("nan"), lang),
                        lowest=low["owner"], lowest_attainment=fmt.pct(low["attainment"], lang)))
    return lines


def _say_plan_account(r: TableResult, lang: fmt.Lang, cur: str | None, names=None) -> list[str]:
    f = r.facts
    lines = [tr("accounts.say.plan.accounts", lang, met=f["met"], targets=f["rows"])]
    if f.get("lost") and "lowest_active" in f:
        low = f["lowest_active"]
        lines.append(tr("accounts.say.plan.lost", lang, lost=f["lost"], lowest=_name(low["owner"], names, lang),
                        attainment=fmt.pct(low["attainment"], lang)))
    return lines


def _name(account: str, names, lang: fmt.Lang) -> str:
    """An account's name with its id ('无锡万新… (C00081)'), or the id when no name is known."""
    if names is None or account not in names.index or str(names[account]) in ("", "nan", "<NA>"):
        return account
    return f"{names[account]}（{account}）" if lang == "zh" else f"{names[account]} ({account})"


def _say_breadth(r: TableResult, lang: fmt.Lang, cur: str | None) -> list[str]:
    f = r.facts
    if "lines" not in f:
        return []
    peer = f.get("peer_group")
    peer_text = tr("accounts.peer.segment" if peer == "segment_name" else "accounts.peer.all", lang)
    key = "accounts.say.breadth" if f.get("with_gap") else "accounts.say.breadth.none"
    return [tr(key, lang, mean=fmt.number(f["mean_lines"], lang, digits=1),
               lines=f["lines"], with_gap=fmt.integer(f["with_gap"], lang), peer=peer_text)]


def _say_credit(r: TableResult, lang: fmt.Lang, cur: str | None) -> list[str]:
    f = r.facts
    if "highest" not in f:
        return []
    return [tr("accounts.say.credit", lang, high=f["highest"]["rating"], high_rate=fmt.pct(f["highest"]["rate"], lang),
               low=f["lowest"]["rating"], low_rate=fmt.pct(f["lowest"]["rate"], lang), test=_test(f.get("p"), lang))]


_SAY: dict[str, Callable[..., list[str]]] = {
    "portfolios": _say_portfolios, "not_contacted": _say_not_contacted, "complaints": _say_complaints,
    "churn_reasons": _say_churn_reasons, "pipeline": _say_pipeline, "plan": _say_plan,
    "plan_account": _say_plan_account, "breadth": _say_breadth, "credit_ratings": _say_credit,
}


def summary_markdown(result: TableResult, lang: str = "zh", currency: str | None = None, **context) -> str:
    """A short paragraph on what ``result`` shows ('' when it is not available or says nothing).

    Parameters
    ----------
    result : TableResult
        An account-management table (its ``facts`` hold the numbers).
    lang : {"zh", "en"}
        Report language.
    currency : str, optional
        ISO code of the amounts (``params.report.currency``).
    **context
        ``tiers_as_of`` (date the churn-reason tiers are taken at) for ``churn_reasons``; ``names`` (account
        names indexed by ``customer_id``) for ``plan_account``; ``horizon_days`` (of the churn model's
        ranking) for ``portfolios`` with revenue at risk.

    Returns
    -------
    str
        Markdown text.
    """
    say = _SAY.get(result.name)
    if not result.available or say is None:
        return ""
    lines = say(result, fmt.lang_of(lang), currency, **context)
    return ("" if lang == "zh" else " ").join(lines)


def inputs_markdown(inputs: dict, lang: str = "zh") -> str:
    """One sentence on the data this page rests on: what is there, what is missing.

    Parameters
    ----------
    inputs : dict
        From :func:`kamlib.accounts.inputs`: ``(table, column) -> bool``.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str
    """
    def what(key) -> str:
        table, column = key
        return tr(f"accounts.what.{table}" + (f".{column}" if column else ""), lang)

    sep = "、" if lang == "zh" else "; "
    present = sep.join(what(k) for k, ok in inputs.items() if ok)
    missing = sep.join(what(k) for k, ok in inputs.items() if not ok)
    if not present:
        return tr("accounts.inputs.none", lang, missing=missing)
    if not missing:
        return tr("accounts.inputs.all", lang, present=present)
    return tr("accounts.inputs.some", lang, present=present, missing=missing)

