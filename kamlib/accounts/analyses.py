"""Account management analyses: an account manager's book, contact gaps, complaints, why accounts left,
credit ratings and the complaint and contact covariates of the churn model (the sales side is in
:mod:`.sales`).

Every function is pure and returns a :class:`TableResult`; when the table it needs is absent the result is
not ``available`` and ``reason`` says which data would enable it. ``frame`` is the workbook's customer
frame (index ``customer_id``; ``tier``, ``revenue``, ``revenue_last_12m``, ``revenue_yoy``, ``churned``,
``account_manager`` ... as far as present).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..ledger import Ledger
from ._common import (
    TableResult,
    _churned,
    _missing,
    _needs_column,
    _norm,
    _reasons,
    _tier,
    annual_revenue_before_loss,
    churn_difference_p,
)
from .sales import plan_view, plan_vs_actual

#: interaction types that count as a contact, and those that count as a complaint (English and Chinese)
CONTACT_TYPES = frozenset({"visit", "call", "meeting", "拜访", "电话", "会议", "走访"})
COMPLAINT_TYPES = frozenset({"complaint", "投诉"})


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
                       at_risk: pd.Series | None = None, plan: TableResult | None = None) -> TableResult:
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
    plan : TableResult, optional
        :func:`~kamlib.accounts.plan_vs_actual` of the same ledger and date, when already computed (else it
        is computed here from the ledger's targets).

    Returns
    -------
    TableResult
        ``portfolios``, by revenue descending (``revenue_last_12m`` when the frame has it, else ``revenue``);
        not available without ``account_manager``. Facts:
        ``managers``; ``compared`` (managers with at least ``min_accounts`` accounts, the ones the
        comparisons below use); ``highest_churn`` (manager, churn rate, churn rate of the other compared
        managers' accounts together, ``p`` of the chi-square test that the compared managers churn alike);
        ``fewest_contacts`` (manager, contacts per account, median of the compared managers) when
        interactions are present.
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
        view = plan_view(plan if plan is not None else plan_vs_actual(ledger, as_of), "account_manager")
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
                                  "others": float(rest["churned_accounts"].sum() / rest["accounts"].sum()),
                                  "p": churn_difference_p(comp["churned_accounts"], comp["accounts"])}
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
        (rating and churn rate of the ratings with at least 10 accounts) and ``p`` (chi-square test that
        those ratings churn alike). Not available without
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
    out["churned_accounts"] = g["churned"].sum().astype(int)
    out["churn_rate"] = out["churned_accounts"] / out["accounts"]
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
                 "lowest": {"rating": str(lo), "rate": float(big.loc[lo, "churn_rate"])},
                 "p": churn_difference_p(big["churned_accounts"], big["accounts"])}
    return TableResult("credit_ratings", out.reset_index(), facts=facts)


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
