"""Account management analyses (issue 22): an account manager's book, contact gaps, complaints, why accounts
left, the pipeline, plan vs actual and product breadth.

Every function is pure and returns a :class:`TableResult`; when the table it needs is absent the result is
not ``available`` and ``reason`` says which data would enable it. ``frame`` is the workbook's customer
frame (index ``customer_id``; ``tier``, ``revenue``, ``revenue_last_12m``, ``revenue_yoy``, ``churned``,
``account_manager`` ... as far as present).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..i18n import Message
from ..ledger import Ledger

#: interaction types that count as a contact, and those that count as a complaint (English and Chinese)
CONTACT_TYPES = frozenset({"visit", "call", "meeting", "拜访", "电话", "会议", "走访"})
COMPLAINT_TYPES = frozenset({"complaint", "投诉"})
WON = frozenset({"won", "win", "赢单", "签约", "成交"})
LOST = frozenset({"lost", "loss", "输单", "丢单", "失败"})


@dataclass(frozen=True, eq=False)
class TableResult:
    """One account-management table, or why it is not available."""

    name: str
    table: pd.DataFrame | None = None
    reason: Message | None = None
    facts: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.table is not None


def _missing(name: str, table: str) -> TableResult:
    return TableResult(name, reason=Message("accounts.needs_table",
                                            {"table": table, "what": Message(f"accounts.what.{table}")}))


def _needs_column(name: str, table: str, column: str) -> TableResult:
    return TableResult(name, reason=Message("accounts.needs_column", {
        "table": table, "column": column, "what": Message(f"accounts.what.{table}.{column}")}))


def _norm(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower()


def _tier(frame: pd.DataFrame) -> pd.Series:
    return frame["tier"].astype("string") if "tier" in frame else pd.Series("ordinary", index=frame.index)


def annual_revenue_before_loss(frame: pd.DataFrame, ledger: Ledger) -> pd.Series:
    """Revenue of each account in the 365 days up to its last order: what a lost account was worth a year.

    A lost account's revenue over the whole window mixes years it bought and years it did not; the year
    before its last order is the revenue the book actually lost.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``); ``last_order_date`` used when present, else taken
        from the orders.
    ledger : Ledger
        Validated ledger (its orders, at any grain).

    Returns
    -------
    Series
        Indexed like ``frame``; 0 for accounts without orders.
    """
    o = ledger.orders
    cid = o["customer_id"].astype(str)
    last = (frame["last_order_date"] if "last_order_date" in frame
            else o.groupby(cid)["order_date"].max().reindex(frame.index))
    last = pd.to_datetime(last.set_axis(last.index.astype(str)))
    end = last.reindex(cid).to_numpy()
    inside = ((o["order_date"].to_numpy() > end - np.timedelta64(365, "D"))
              & (o["order_date"].to_numpy() <= end))
    rev = o.loc[inside, "revenue"].groupby(cid[inside]).sum()
    return rev.reindex(frame.index.astype(str), fill_value=0.0).set_axis(frame.index).astype("float64")


def _churned(frame: pd.DataFrame) -> pd.Series:
    return (frame["churned"].astype("boolean").fillna(False).astype(bool) if "churned" in frame
            else pd.Series(False, index=frame.index))


def _reasons(frame: pd.DataFrame, ledger: Ledger) -> pd.Series | None:
    """Churn reason of each account of ``frame`` (NaN while active); None when the column is absent or empty."""
    cust = ledger.customers
    if "churn_reason" not in cust or cust["churn_reason"].isna().all():
        return None
    reason = cust.set_index(cust["customer_id"].astype(str))["churn_reason"].astype("string").str.strip()
    return reason[~reason.index.duplicated()].reindex(frame.index.astype(str)).set_axis(frame.index).replace("", pd.NA)


#: what the account-management report reads, as (table, column or None)
INPUTS = (("customers", "account_manager"), ("interactions", None), ("customers", "churn_reason"),
          ("customers", "credit_rating"), ("opportunities", None), ("targets", None), ("orders", "product_line"))


def inputs(frame: pd.DataFrame, ledger: Ledger) -> dict[tuple[str, str | None], bool]:
    """Which of the account-management inputs (:data:`INPUTS`) this ledger has, with values.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (its ``account_manager``).
    ledger : Ledger
        Validated ledger.

    Returns
    -------
    dict
        ``(table, column) -> bool`` in the order of :data:`INPUTS` (column None: the table itself).
    """
    def has(table: str, column: str | None) -> bool:
        if (table, column) == ("customers", "account_manager"):
            return "account_manager" in frame and bool(frame["account_manager"].notna().any())
        t = getattr(ledger, table, None)
        if t is None:
            return False
        if column is None:
            return True
        if column in t:
            return bool(t[column].notna().any())
        return column == "product_line" and getattr(ledger, "product_mix", None) is not None

    return {(t, c): has(t, c) for t, c in INPUTS}


def contacts(ledger: Ledger) -> pd.DataFrame | None:
    """The interactions that are contacts (visit / call / meeting); None without interactions.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger; its ``interactions`` table (``type`` matched trimmed and case-insensitive against
        :data:`CONTACT_TYPES`).

    Returns
    -------
    DataFrame or None
        The contact rows of ``interactions``.
    """
    it = ledger.interactions
    if it is None:
        return None
    return it[_norm(it["type"]).isin(CONTACT_TYPES).to_numpy(dtype=bool)]


def complaints(ledger: Ledger) -> pd.DataFrame | None:
    """The interactions that are complaints (:data:`COMPLAINT_TYPES`); None without interactions.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger; its ``interactions`` table (``type`` matched trimmed and case-insensitive).

    Returns
    -------
    DataFrame or None
        The complaint rows of ``interactions``.
    """
    it = ledger.interactions
    if it is None:
        return None
    return it[_norm(it["type"]).isin(COMPLAINT_TYPES).to_numpy(dtype=bool)]


def contact_stats(ledger: Ledger, as_of, window_days: int = 365) -> pd.DataFrame | None:
    """Per account: contacts and complaints in the last ``window_days``, days since the last contact.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger with ``interactions``.
    as_of : date-like
        End of the window (interactions after it are ignored).
    window_days : int
        Length of the window in days, ending at ``as_of`` (start excluded).

    Returns
    -------
    DataFrame or None
        Indexed by ``customer_id`` (every account of ``ledger.customers``): ``contacts`` and ``complaints``
        (int) and ``days_since_contact`` (float; NaN when never contacted). None without interactions.
    """
    c, k = contacts(ledger), complaints(ledger)
    if c is None or k is None:
        return None
    as_of = pd.Timestamp(as_of)
    since = as_of - pd.Timedelta(days=window_days)
    ids = ledger.customers["customer_id"].astype(str)
    recent = c[(c["interaction_date"] > since) & (c["interaction_date"] <= as_of)]
    out = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
    out["contacts"] = recent.groupby(recent["customer_id"].astype(str)).size().reindex(out.index, fill_value=0)
    kr = k[(k["interaction_date"] > since) & (k["interaction_date"] <= as_of)]
    out["complaints"] = kr.groupby(kr["customer_id"].astype(str)).size().reindex(out.index, fill_value=0)
    last = c[c["interaction_date"] <= as_of].groupby(c["customer_id"].astype(str))["interaction_date"].max()
    out["days_since_contact"] = (as_of - last.reindex(out.index)).dt.days.astype("float64")
    return out


def manager_portfolios(frame: pd.DataFrame, ledger: Ledger, as_of, window_days: int = 365,
                       at_risk: pd.Series | None = None) -> TableResult:
    """One row per account manager: accounts by tier, revenue and its change, lost accounts and the revenue
    they brought in their last year, the main churn reason, revenue against target (latest complete target
    period, with a targets table), satisfaction, contacts per active account a year.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``) with ``account_manager``; ``tier``, ``revenue``,
        ``revenue_last_12m``, ``revenue_yoy``, ``churned``, ``sat_overall`` used when present.
    ledger : Ledger
        Validated ledger (its interactions give the contact rate, its orders the lost revenue, its customers'
        ``churn_reason`` the main reason).
    as_of : date-like
        End of the contact window.
    window_days : int
        Contact window in days; contacts are scaled to a year.
    at_risk : Series, optional
        Expected revenue lost per active account over the churn report's horizon, indexed by ``customer_id``
        (``expected_loss`` of :func:`kamlib.workbook.churn_risk`'s ranking): summed per manager as
        ``at_risk_revenue``.

    Returns
    -------
    TableResult
        ``portfolios``, by revenue descending (``revenue_last_12m`` when the frame has it, else ``revenue``);
        not available without ``account_manager``. Facts:
        ``managers``; ``compared`` (managers with at least ``min_accounts`` accounts, the ones the
        comparisons below use); ``highest_churn`` (manager, churn rate, churn rate of the other compared
        managers' accounts together); ``fewest_contacts`` (manager, contacts per account, median of the
        compared managers) when interactions are present.
    """
    if "account_manager" not in frame:
        return _needs_column("portfolios", "customers", "account_manager")
    f = frame.assign(tier=_tier(frame), account_manager=frame["account_manager"].astype("string").fillna("-"))
    churned = _churned(f)
    g = f.groupby("account_manager")
    out = pd.DataFrame({"accounts": g.size()})
    for t in ("core", "key", "ordinary"):
        out[f"{t}_accounts"] = g["tier"].apply(lambda s, t=t: int((s == t).sum()))
    rev = "revenue_last_12m" if "revenue_last_12m" in f else "revenue"
    out[rev] = g[rev].sum()
    if "revenue_yoy" in f:
        prev = f[rev] / (1 + f["revenue_yoy"])
        out["revenue_change"] = out[rev] / prev.groupby(f["account_manager"]).sum().replace(0, np.nan) - 1
    out["churned_accounts"] = churned.groupby(f["account_manager"]).sum().astype(int)
    out["churn_rate"] = out["churned_accounts"] / out["accounts"]
    out["churned_revenue"] = annual_revenue_before_loss(f, ledger).where(churned, 0.0).groupby(
        f["account_manager"]).sum()
    if at_risk is not None:
        risk = at_risk.set_axis(at_risk.index.astype(str))
        risk = risk[~risk.index.duplicated()].reindex(f.index.astype(str)).set_axis(f.index).fillna(0.0)
        out["at_risk_revenue"] = risk.where(~churned, 0.0).groupby(f["account_manager"]).sum()
    reasons = _reasons(f, ledger)
    if reasons is not None:
        lost = reasons[churned].dropna()
        if len(lost):
            top = lost.groupby(f.loc[lost.index, "account_manager"]).agg(lambda s: s.value_counts().index[0])
            out["top_churn_reason"] = top.reindex(out.index)
    if ledger.targets is not None:   # revenue against target in the period the plan section reads
        view = plan_view(plan_vs_actual(ledger, as_of), "account_manager")
        if view.table is not None:
            out["target_attainment"] = view.table.set_index("account_manager")["attainment"].reindex(out.index)
    if "sat_overall" in f:
        out["satisfaction"] = g["sat_overall"].mean()
    stats = contact_stats(ledger, as_of, window_days)
    if stats is not None:
        per = stats["contacts"].reindex(f.index.astype(str)).set_axis(f.index).where(~churned)
        out["contacts_per_account"] = per.groupby(f["account_manager"]).mean() * 365 / window_days
    out = out.sort_values(rev, ascending=False)
    out.index.name = "account_manager"
    facts: dict = {"managers": len(out)}
    # a manager with a handful of accounts has a noisy churn rate: compare books of a fair size only
    min_accounts = max(10, int(out["accounts"].median() // 2))
    comp = out[(out["accounts"] >= min_accounts) & (out.index != "-")]
    facts["compared"] = len(comp)
    facts["min_accounts"] = min_accounts
    if len(comp) >= 3:
        worst = comp["churn_rate"].idxmax()
        rest = comp.drop(index=worst)
        facts["highest_churn"] = {"manager": str(worst), "rate": float(comp.loc[worst, "churn_rate"]),
                                  "others": float(rest["churned_accounts"].sum() / rest["accounts"].sum())}
        if "contacts_per_account" in comp and comp["contacts_per_account"].notna().any():
            least = comp["contacts_per_account"].idxmin()
            facts["fewest_contacts"] = {"manager": str(least),
                                        "contacts": float(comp.loc[least, "contacts_per_account"]),
                                        "median": float(comp["contacts_per_account"].median())}
    return TableResult("portfolios", out.reset_index(), facts=facts)


def not_contacted(frame: pd.DataFrame, ledger: Ledger, as_of, days: int = 90) -> TableResult:
    """Active core and key accounts without a visit, call or meeting for more than ``days`` days.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``); ``tier`` (missing: all ordinary) and ``churned``.
    ledger : Ledger
        Validated ledger with ``interactions``.
    as_of : date-like
        Date the gap is measured to.
    days : int
        Largest gap allowed; accounts never contacted are listed too.

    Returns
    -------
    TableResult
        ``not_contacted``, longest gap first; facts ``days`` and ``accounts``. Not available without
        interactions.
    """
    stats = contact_stats(ledger, as_of)
    if stats is None:
        return _missing("not_contacted", "interactions")
    f = frame.assign(tier=_tier(frame))
    active = ~_churned(f)
    gap = stats["days_since_contact"].reindex(f.index.astype(str)).set_axis(f.index)
    key = active & f["tier"].isin(["core", "key"])
    hit = key & (gap.isna() | (gap > days))
    cols = [c for c in ("name", "tier", "account_manager", "revenue_last_12m") if c in f]
    # never contacted first (no date at all), then the longest gap
    out = (f.loc[hit, cols].assign(days_since_contact=gap[hit])
           .sort_values("days_since_contact", ascending=False, na_position="first"))
    facts: dict = {"days": days, "accounts": int(hit.sum()), "of": int(key.sum()),
             "never": int(gap[hit].isna().sum())}
    if "revenue_last_12m" in f:
        facts["revenue"] = float(f.loc[hit, "revenue_last_12m"].sum())
    return TableResult("not_contacted", out.reset_index(), facts=facts)


def complaints_by_tier(frame: pd.DataFrame, ledger: Ledger, as_of) -> TableResult:
    """Complaints per account a year, the share of accounts with a complaint and median resolution days.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``; ``tier``, missing: all ordinary).
    ledger : Ledger
        Validated ledger with ``interactions`` (``resolved_date`` and ``category`` used when present).
    as_of : date-like
        Complaints after it are ignored; the years run from the first complaint to it (at least a month).

    Returns
    -------
    TableResult
        ``complaints``, one row per tier; facts ``categories`` (complaints per category). Not available
        without interactions.
    """
    k = complaints(ledger)
    if k is None:
        return _missing("complaints", "interactions")
    f = frame.assign(tier=_tier(frame))
    k = k[k["interaction_date"] <= pd.Timestamp(as_of)]
    tier = f["tier"].reindex(k["customer_id"].astype(str)).to_numpy()
    days = (k["resolved_date"] - k["interaction_date"]).dt.days if "resolved_date" in k else pd.Series(np.nan)
    d = pd.DataFrame({"tier": tier, "days": np.asarray(days, dtype=float), "cid": k["customer_id"].astype(str)})
    years = max((pd.Timestamp(as_of) - k["interaction_date"].min()).days / 365.25, 1 / 12) if len(k) else 1.0
    g = d.groupby("tier")
    out = pd.DataFrame({"accounts": f.groupby("tier").size()})
    out["complaints"] = g.size().reindex(out.index, fill_value=0)
    out["complaints_per_account_year"] = out["complaints"] / out["accounts"] / years
    out["accounts_with_complaint"] = g["cid"].nunique().reindex(out.index, fill_value=0) / out["accounts"]
    out["median_resolution_days"] = g["days"].median().reindex(out.index)
    out["open_complaints"] = d["days"].isna().groupby(d["tier"]).sum().reindex(out.index, fill_value=0)
    cats = (k["category"].astype("string").fillna("-").value_counts() if "category" in k
            else pd.Series(dtype="int64"))
    out.index.name = "tier"
    facts: dict = {"categories": cats.to_dict(), "complaints": len(k), "open": int(out["open_complaints"].sum()),
                   "years": float(years)}
    if len(cats):
        facts["top_category"] = {"category": str(cats.index[0]), "share": float(cats.iloc[0] / cats.sum())}
    resolved = d["days"].dropna()
    if len(resolved):
        facts["median_resolution_days"] = float(resolved.median())
    return TableResult("complaints", out.reset_index(), facts=facts)


def churn_reasons(frame: pd.DataFrame, ledger: Ledger, by: str = "tier", tiers: pd.Series | None = None) -> TableResult:
    """Why lost accounts left: accounts and the revenue of their last year by churn reason, and by ``by``.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``); ``churned`` (absent: every account with a reason
        counts as lost), ``tier`` and ``last_order_date`` used when present.
    ledger : Ledger
        Validated ledger whose customers table has ``churn_reason`` (its orders give the lost revenue).
    by : str
        Column of ``frame`` cross-tabulated as ``<by>:<value>`` columns (skipped when absent).
    tiers : Series, optional
        Tier of each account *before* it left, indexed by ``customer_id`` (the workbook's
        ``churn["tier_at_landmark"]``). Period-end tiers rank a lost account by a year it no longer bought in,
        so nearly every lost account is "ordinary" by then; with ``tiers`` the ``tier`` columns read "what the
        account was". Accounts without a tier then (no order yet) count as ``new``.

    Returns
    -------
    TableResult
        ``churn_reasons``, most accounts first; facts ``lost`` (lost accounts), ``with_reason``,
        ``top`` (reason, share of the accounts with a reason), ``top_revenue`` (reason, lost revenue) and
        ``tiers_before_loss`` (whether ``tiers`` was used). Not available when ``churn_reason`` is absent or
        empty.
    """
    reason = _reasons(frame, ledger)
    if reason is None:
        return _needs_column("churn_reasons", "customers", "churn_reason")
    f = frame.assign(tier=_tier(frame), churn_reason=reason)
    if tiers is not None:
        before = tiers.set_axis(tiers.index.astype(str)).astype("string")
        f["tier"] = before.reindex(f.index.astype(str)).fillna("new").to_numpy()
    churned = _churned(f) if "churned" in f else f["churn_reason"].notna()
    f["lost_revenue"] = annual_revenue_before_loss(f, ledger)
    lost = f[churned & f["churn_reason"].notna()]
    g = lost.groupby("churn_reason")
    out = pd.DataFrame({"accounts": g.size(), "churned_revenue": g["lost_revenue"].sum()})
    out["share"] = out["accounts"] / out["accounts"].sum()
    if by in lost:
        cross = pd.crosstab(lost["churn_reason"], lost[by].astype("string").fillna("-"))
        order = [c for c in ("core", "key", "ordinary", "new") if c in cross] + [
            c for c in cross if c not in ("core", "key", "ordinary", "new")]
        out = out.join(cross[order].add_prefix(f"{by}:"))
    out = out.sort_values(["accounts", "churned_revenue"], ascending=False)
    out.index.name = "churn_reason"
    facts: dict = {"lost": int(churned.sum()), "with_reason": int(len(lost)), "tiers_before_loss": tiers is not None}
    if len(out):
        facts["top"] = {"reason": str(out.index[0]), "share": float(out["share"].iloc[0])}
        r = out["churned_revenue"].idxmax()
        facts["top_revenue"] = {"reason": str(r), "revenue": float(out.loc[r, "churned_revenue"]),
                                "share": float(out.loc[r, "churned_revenue"] / out["churned_revenue"].sum())
                                if out["churned_revenue"].sum() > 0 else 0.0}
    return TableResult("churn_reasons", out.reset_index(), facts=facts)


#: usual order of credit ratings, best first (others follow in alphabetical order)
RATING_ORDER = ("AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-", "B+", "B", "B-",
                "CCC", "CC", "C", "D")


def credit_ratings(frame: pd.DataFrame, ledger: Ledger) -> TableResult:
    """Accounts, revenue, churn and late payment by credit rating (资信级别), best rating first.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``); ``tier``, ``revenue_last_12m`` (else ``revenue``),
        ``churned`` and ``late_share`` used when present.
    ledger : Ledger
        Validated ledger whose customers table has ``credit_rating``.

    Returns
    -------
    TableResult
        ``credit_ratings``: one row per rating (``-``: none recorded); facts ``highest`` and ``lowest``
        (rating and churn rate of the ratings with at least 10 accounts). Not available without
        ``credit_rating``.
    """
    cust = ledger.customers
    if "credit_rating" not in cust or cust["credit_rating"].isna().all():
        return _needs_column("credit_ratings", "customers", "credit_rating")
    rating = cust.set_index(cust["customer_id"].astype(str))["credit_rating"].astype("string").str.strip().str.upper()
    rating = rating[~rating.index.duplicated()].reindex(frame.index.astype(str)).set_axis(frame.index).fillna("-")
    f = frame.assign(tier=_tier(frame), rating=rating, churned=_churned(frame))
    rev = "revenue_last_12m" if "revenue_last_12m" in f else "revenue"
    g = f.groupby("rating")
    out = pd.DataFrame({"accounts": g.size(), "core_accounts": g["tier"].apply(lambda s: int((s == "core").sum())),
                        "key_accounts": g["tier"].apply(lambda s: int((s == "key").sum())), rev: g[rev].sum()})
    out["revenue_share"] = out[rev] / out[rev].sum() if out[rev].sum() else np.nan
    out["churn_rate"] = g["churned"].mean()
    if "late_share" in f:
        out["late_share"] = g["late_share"].mean()
    rank = {r: i for i, r in enumerate(RATING_ORDER)}
    out = out.iloc[sorted(range(len(out)), key=lambda i: (out.index[i] == "-", rank.get(out.index[i], len(rank)),
                                                          out.index[i]))]
    out.index.name = "credit_rating"
    big = out[(out["accounts"] >= 10) & (out.index != "-")]
    facts: dict = {}
    if len(big) >= 2:
        hi, lo = big["churn_rate"].idxmax(), big["churn_rate"].idxmin()
        facts = {"highest": {"rating": str(hi), "rate": float(big.loc[hi, "churn_rate"])},
                 "lowest": {"rating": str(lo), "rate": float(big.loc[lo, "churn_rate"])}}
    return TableResult("credit_ratings", out.reset_index(), facts=facts)


def _status(opp: pd.DataFrame) -> pd.Series:
    s = _norm(opp["status"]) if "status" in opp else pd.Series(pd.NA, index=opp.index, dtype="string")
    return pd.Series(np.where(s.isin(WON).to_numpy(dtype=bool), "won",
                              np.where(s.isin(LOST).to_numpy(dtype=bool), "lost", "open")), index=opp.index)


def pipeline(frame: pd.DataFrame, ledger: Ledger) -> TableResult:
    """Win rate (won / closed) and open pipeline value by tier; lost reasons and open value by stage in facts.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``; ``tier``, missing: all ordinary).
    ledger : Ledger
        Validated ledger with ``opportunities`` (``status`` read as won, lost or open; ``amount``,
        ``lost_reason`` and ``stage`` used when present).

    Returns
    -------
    TableResult
        ``pipeline``, one row per tier; facts ``lost_reasons`` and, with ``stage``, ``stages``. Not available
        without opportunities.
    """
    opp = ledger.opportunities
    if opp is None:
        return _missing("pipeline", "opportunities")
    f = frame.assign(tier=_tier(frame))
    st = _status(opp)
    amount = opp["amount"] if "amount" in opp else pd.Series(np.nan, index=opp.index)
    d = pd.DataFrame({"tier": f["tier"].reindex(opp["customer_id"].astype(str)).to_numpy(), "status": st.to_numpy(),
                      "amount": amount.to_numpy(dtype=float)})
    g = d.groupby("tier")
    out = pd.DataFrame({"opportunities": g.size()})
    for s in ("won", "lost", "open"):
        out[s] = (d["status"] == s).groupby(d["tier"]).sum()
    out["win_rate"] = out["won"] / (out["won"] + out["lost"]).replace(0, np.nan)
    out["won_amount"] = d["amount"].where(d["status"] == "won", 0.0).groupby(d["tier"]).sum()
    out["pipeline_value"] = d["amount"].where(d["status"] == "open", 0.0).groupby(d["tier"]).sum()
    out.index.name = "tier"
    lost = opp[(st == "lost").to_numpy()]
    facts: dict = {"lost_reasons": (lost["lost_reason"].astype("string").fillna("-").value_counts().to_dict()
                                    if "lost_reason" in opp else {})}
    closed = int(out["won"].sum() + out["lost"].sum())
    facts["win_rate"] = float(out["won"].sum() / closed) if closed else float("nan")
    facts["closed"] = closed
    facts["open"] = int(out["open"].sum())
    facts["pipeline_value"] = float(out["pipeline_value"].sum())
    if "stage" in opp:
        open_ = opp[(st == "open").to_numpy()]
        stage = open_["stage"].astype("string").str.strip().fillna("-")
        by_stage = open_.groupby(stage)["amount"].sum() if "amount" in opp else stage.value_counts()
        facts["stages"] = by_stage.iloc[_stage_order(by_stage)].to_dict()
    return TableResult("pipeline", out.reset_index(), facts=facts)


#: the usual order of open pipeline stages, earliest first (Chinese and English CRM names)
STAGE_ORDER = ("线索", "潜在", "需求确认", "需求", "立项", "方案", "报价", "投标", "谈判", "商务谈判", "待签约",
               "lead", "prospect", "qualification", "qualified", "discovery", "needs analysis", "proposal",
               "quote", "negotiation", "commit", "closing")


def _stage_order(by_stage: pd.Series) -> list[int]:
    """Positions of the stages in pipeline order (known names), then the others by value, largest first."""
    rank = {name: i for i, name in enumerate(STAGE_ORDER)}
    keys = [(rank.get(str(k).lower(), len(rank)), -float(v)) for k, v in by_stage.items()]
    return sorted(range(len(keys)), key=lambda i: keys[i])


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a target period: 2024, 2024H1, 2024Q3, 2024-03.

    Parameters
    ----------
    period : str
        A year, half year (``H1``/``H2``), quarter or month (case-insensitive).

    Returns
    -------
    tuple of Timestamp
        First and last day, at midnight.

    Raises
    ------
    ValueError
        ``period`` is not a period pandas can read.

    >>> [str(d.date()) for d in period_bounds("2024H2")]
    ['2024-07-01', '2024-12-31']
    """
    p = str(period).strip().upper()
    if len(p) == 6 and p[4] == "H" and p[:4].isdigit() and p[5] in "12":
        start = pd.Timestamp(f"{p[:4]}-{'01' if p[5] == '1' else '07'}-01")
        return start, start + pd.DateOffset(months=6) - pd.Timedelta(days=1)
    per = pd.Period(p, freq="Q" if "Q" in p else "M" if "-" in p else "Y")
    return per.start_time.normalize(), per.end_time.normalize()


def plan_vs_actual(ledger: Ledger, as_of) -> TableResult:
    """Targets against revenue in each target period, per account manager and per account.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger with ``targets`` (``period``, ``revenue_target`` and ``customer_id`` or
        ``account_manager``) and orders.
    as_of : date-like
        Revenue counts up to it; periods ending later are not ``complete``.

    Returns
    -------
    TableResult
        ``plan``: one row per target (``period``, ``level``, ``owner``, ``revenue_target``, ``actual``,
        ``complete``, ``attainment``). Not available without targets.
    """
    tg = ledger.targets
    if tg is None:
        return _missing("plan", "targets")
    o = ledger.orders
    cust = ledger.customers
    mgr = (cust.set_index(cust["customer_id"].astype(str))["account_manager"].astype("string")
           if "account_manager" in cust else pd.Series(dtype="string"))
    rows = []
    for period, grp in tg.groupby(tg["period"].astype(str), sort=True):
        start, end = period_bounds(period)
        end = min(end, pd.Timestamp(as_of))
        sel = o[(o["order_date"] >= start) & (o["order_date"] <= end)]
        by_cust = sel.groupby(sel["customer_id"].astype(str))["revenue"].sum()
        by_mgr = by_cust.groupby(mgr.reindex(by_cust.index).fillna("-")).sum()
        for _, r in grp.iterrows():
            own_acc = pd.notna(r.get("customer_id"))
            owner = str(r["customer_id"]) if own_acc else str(r["account_manager"])
            actual = float((by_cust if own_acc else by_mgr).get(owner, 0.0))
            rows.append({"period": period, "level": "account" if own_acc else "account_manager", "owner": owner,
                         "revenue_target": float(r["revenue_target"]), "actual": actual,
                         "complete": bool(end >= period_bounds(period)[1])})
    out = pd.DataFrame(rows)
    out["attainment"] = out["actual"] / out["revenue_target"].replace(0, np.nan)
    # what leadership reads first: the latest period, managers before single accounts, largest targets first
    out = out.sort_values(["period", "level", "revenue_target"], ascending=[False, False, False], kind="stable")
    out = out.reset_index(drop=True)
    return TableResult("plan", out, facts=_plan_facts(out))


def _plan_facts(out: pd.DataFrame) -> dict:
    """The period the report reads (the latest complete one, else the latest) and how each level did in it."""
    done = out.loc[out["complete"], "period"]
    period = str(done.max() if len(done) else out["period"].max())
    cur = out[out["period"] == period]
    facts: dict = {"period": period, "complete": bool(cur["complete"].all()), "periods": int(out["period"].nunique())}
    for level in ("account_manager", "account"):
        lv = cur[cur["level"] == level]
        if len(lv):
            met = lv["attainment"] >= 1
            low = lv.loc[lv["attainment"].idxmin()] if lv["attainment"].notna().any() else None
            facts[level] = {"targets": len(lv), "met": int(met.sum()),
                            "target": float(lv["revenue_target"].sum()), "actual": float(lv["actual"].sum()),
                            "lowest": None if low is None else {"owner": str(low["owner"]),
                                                                "attainment": float(low["attainment"])}}
    return facts


def plan_view(result: TableResult, level: str, period: str | None = None,
              accounts: pd.DataFrame | None = None) -> TableResult:
    """The targets of one level in one period: managers by target, largest first; accounts by attainment,
    furthest behind plan first (the ones to act on).

    Parameters
    ----------
    result : TableResult
        From :func:`plan_vs_actual`.
    level : {"account_manager", "account"}
        Which targets.
    period : str, optional
        Target period; default the one the facts name (latest complete, else latest).
    accounts : DataFrame, optional
        Workbook customer frame (index ``customer_id``): its ``name`` is shown beside the ids of account
        targets and its ``churned`` flags accounts already lost (their revenue stopped, so the target cannot
        be met).

    Returns
    -------
    TableResult
        ``plan_<level>`` without the ``level``, ``period`` and ``complete`` columns, ``owner`` named
        ``customer_id`` or ``account_manager``; facts ``period``, ``complete``, ``rows``, ``met`` and, for
        accounts with ``churned`` known, ``lost`` and ``lowest_active`` (owner, attainment: the account
        furthest behind among those still buying).
    """
    if result.table is None:
        return TableResult(f"plan_{level}", reason=result.reason)
    period = period or result.facts.get("period")
    t = result.table
    t = t[(t["level"] == level) & (t["period"] == period)]
    if not len(t):
        return TableResult(f"plan_{level}", reason=Message("accounts.no_targets", {"period": period}))
    facts: dict = {"period": period, "complete": bool(t["complete"].all()), "rows": len(t),
                   "met": int((t["attainment"] >= 1).sum())}
    t = t.drop(columns=["period", "level", "complete"]).rename(
        columns={"owner": "customer_id" if level == "account" else level})
    if level == "account":
        t = t.sort_values("attainment", kind="stable", na_position="last")
        ids = t["customer_id"].astype(str)
        if accounts is not None and "name" in accounts:
            named = accounts["name"].set_axis(accounts.index.astype(str))
            t.insert(1, "name", named[~named.index.duplicated()].reindex(ids).to_numpy())
        if accounts is not None and "churned" in accounts:
            lost = _churned(accounts).set_axis(accounts.index.astype(str))
            t["churned"] = lost[~lost.index.duplicated()].reindex(ids).fillna(False).to_numpy(dtype=bool)
            facts["lost"] = int(t["churned"].sum())
            active = t[~t["churned"] & t["attainment"].notna()]
            if len(active):
                low = active.iloc[0]
                facts["lowest_active"] = {"owner": str(low["customer_id"]), "attainment": float(low["attainment"])}
    return TableResult(f"plan_{level}", t.reset_index(drop=True), facts=facts)


def breadth(frame: pd.DataFrame, ledger: Ledger, by: str = "segment_name") -> TableResult:
    """Product lines bought per account, and cross-sell gaps: lines that most peers of the same ``by`` group
    buy (at least half of them) but the account does not.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``).
    ledger : Ledger
        Validated ledger whose orders have ``product_line`` (line grain), or with its ``product_mix`` (the
        scan computes it from the same lines, e.g. at the day grain ``kam run`` uses); same result either way.
    by : str
        Column of ``frame`` that defines peer groups (absent: all accounts are peers).

    Returns
    -------
    TableResult
        ``breadth``: the active accounts (not churned) with at least one gap, core and key accounts first,
        then most gaps; facts (over every active account)
        ``peer_group`` (None when ``by`` is absent), ``mean_lines``, ``lines`` (product lines in the book),
        ``with_gap`` (accounts with at least one gap) and ``accounts``. Not available without
        ``product_line``.
    """
    # day-grain orders never carry product_line (and in a stored workbook they are loaded only on first use)
    o = ledger.orders if ledger.grain != "day" else None
    mix = getattr(ledger, "product_mix", None)   # a ledger pickled before product_mix existed has none
    if o is not None and "product_line" in o:
        pairs = o[["customer_id", "product_line"]]
    elif mix is not None:
        pairs = mix[["customer_id", "product_line"]]
    else:
        return _needs_column("breadth", "orders", "product_line")
    pairs = pairs.dropna().astype(str)
    bought = pairs.groupby(["customer_id", "product_line"]).size().unstack(fill_value=0) > 0
    lines = int(bought.shape[1])
    # a lost account is no cross-sell opening, and it would pull its peers' shares down
    frame = frame[~_churned(frame)]
    bought = bought.reindex(frame.index.astype(str), fill_value=False).set_axis(frame.index)
    group = (frame[by].astype("string").fillna("-") if by in frame else pd.Series("-", index=frame.index))
    peer_share = bought.groupby(group).transform("mean")
    gaps = (peer_share >= 0.5) & ~bought
    out = pd.DataFrame({"product_lines": bought.sum(axis=1), "gap_lines": gaps.sum(axis=1),
                        "gaps": gaps.apply(lambda r: "、".join(r.index[r]), axis=1)}, index=frame.index)
    cols = [c for c in ("name", "tier", "account_manager") if c in frame]
    out = frame[cols].join(out)
    # key accounts first (where account teams spend their time), then most gaps
    rank = _tier(frame).map({"core": 0, "key": 1}).fillna(2).astype(int)
    out = out.assign(_gap=out["gap_lines"] == 0, _rank=rank).sort_values(
        ["_gap", "_rank", "gap_lines", "product_lines"], ascending=[True, True, False, True],
        kind="stable").drop(columns=["_gap", "_rank"])
    facts = {"peer_group": by if by in frame else None, "mean_lines": float(out["product_lines"].mean()),
             "lines": lines, "with_gap": int((out["gap_lines"] > 0).sum()), "accounts": len(out)}
    return TableResult("breadth", out[out["gap_lines"] > 0].reset_index(), facts=facts)


def contact_covariates(ledger: Ledger, as_of, start: pd.Series | None = None, end: pd.Series | None = None,
                       window_days: int = 365) -> pd.DataFrame | None:
    """Complaints and contacts (visits, calls, meetings) of each account in the ``window_days`` (12 months)
    up to the end of its observed time, as churn covariates; None without interactions.

    The end is the earlier of the account's ``end`` (the churn clock's end: churn date, or the period end)
    and ``as_of``, so for an active account the count is its current one: the value a churn model with
    time-varying complaints (:func:`kamlib.survival.churn_model` with ``ledger=``) scores it with. A count over
    the whole observed time would include, for a lost account, the complaints of its last months as if
    known from the start; such a model would read symptoms of a loss as its cause and could not flag an
    account in time. A lost account's value is therefore descriptive (its last 12 months before the loss) and
    is not what the model is fitted on: it is fitted on episodes (:func:`kamlib.survival.episodes`).

    Parameters
    ----------
    ledger : Ledger
        Validated ledger; its interactions.
    as_of : date-like
        Latest end of the observed time.
    start, end : Series, optional
        Start and end date of each account's clock, indexed by ``customer_id``; an account whose end is before
        its start, or before the first date of the interactions table, gets NaN.
    window_days : int, default 365
        Length of the window before the end, in days (interactions on the end day count).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (every account of the ledger): ``complaint_rate`` and
    ``contact_rate``, interactions in the window (per year with the default window; float, NaN when the
    account has no observed time). The names differ from the Cox terms (``complaints_per_year``,
    ``contacts_per_year``, from :func:`kamlib.survival.churn_covariates`) so the two frames join without a
    clash.
    """
    c, k = contacts(ledger), complaints(ledger)
    if c is None or k is None:
        return None
    as_of = pd.Timestamp(as_of).normalize()
    ids = pd.Index(ledger.customers["customer_id"].astype(str).unique(), name="customer_id")
    it = ledger.interactions
    assert it is not None
    first = pd.Timestamp(it["interaction_date"].min()).normalize() if len(it) else as_of
    e = (pd.to_datetime(end.set_axis(end.index.astype(str)).reindex(ids)).fillna(as_of).dt.normalize()
         .clip(upper=as_of) if end is not None else pd.Series(as_of, index=ids))
    known = e >= first
    if start is not None:
        s = pd.to_datetime(start.set_axis(start.index.astype(str)).reindex(ids)).dt.normalize()
        known &= ~(e < s)
    out = pd.DataFrame(index=ids)
    for name, ev in (("complaint_rate", k), ("contact_rate", c)):
        cid = ev["customer_id"].astype(str)
        d = pd.to_datetime(ev["interaction_date"]).dt.normalize()
        ee = e.reindex(cid).to_numpy()
        inside = ((d <= ee) & (d > ee - pd.Timedelta(days=int(window_days)))).to_numpy(dtype=bool)
        n = cid[inside].value_counts().reindex(ids, fill_value=0).astype("float64")
        out[name] = n.where(known)
    return out
