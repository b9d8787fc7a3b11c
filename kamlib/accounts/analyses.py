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
    return TableResult(name, reason=Message("accounts.needs_table", {"table": table}))


def _norm(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower()


def _tier(frame: pd.DataFrame) -> pd.Series:
    return frame["tier"].astype("string") if "tier" in frame else pd.Series("ordinary", index=frame.index)


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


def manager_portfolios(frame: pd.DataFrame, ledger: Ledger, as_of, window_days: int = 365) -> TableResult:
    """One row per account manager: accounts by tier, revenue and its change, churned revenue, satisfaction,
    contacts per active account a year.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``) with ``account_manager``; ``tier``, ``revenue``,
        ``revenue_last_12m``, ``revenue_yoy``, ``churned``, ``sat_overall`` used when present.
    ledger : Ledger
        Validated ledger (its interactions give the contact rate).
    as_of : date-like
        End of the contact window.
    window_days : int
        Contact window in days; contacts are scaled to a year.

    Returns
    -------
    TableResult
        ``portfolios``, by revenue descending; not available without ``account_manager``.
    """
    if "account_manager" not in frame:
        return TableResult("portfolios", reason=Message("accounts.needs_column",
                                                        {"table": "customers", "column": "account_manager"}))
    f = frame.assign(tier=_tier(frame), account_manager=frame["account_manager"].astype("string").fillna("-"))
    churned = f["churned"].fillna(False).astype(bool) if "churned" in f else pd.Series(False, index=f.index)
    g = f.groupby("account_manager")
    out = pd.DataFrame({"accounts": g.size()})
    for t in ("core", "key", "ordinary"):
        out[f"{t}_accounts"] = g["tier"].apply(lambda s, t=t: int((s == t).sum()))
    rev = "revenue_last_12m" if "revenue_last_12m" in f else "revenue"
    out["revenue"] = g[rev].sum()
    if "revenue_yoy" in f:
        prev = f[rev] / (1 + f["revenue_yoy"])
        out["revenue_change"] = out["revenue"] / prev.groupby(f["account_manager"]).sum().replace(0, np.nan) - 1
    out["churned_accounts"] = churned.groupby(f["account_manager"]).sum().astype(int)
    out["churned_revenue"] = f["revenue"].where(churned, 0.0).groupby(f["account_manager"]).sum()
    out["churn_rate"] = out["churned_accounts"] / out["accounts"]
    if "sat_overall" in f:
        out["satisfaction"] = g["sat_overall"].mean()
    stats = contact_stats(ledger, as_of, window_days)
    if stats is not None:
        active = ~churned
        per = stats["contacts"].reindex(f.index).where(active)
        out["contacts_per_account"] = per.groupby(f["account_manager"]).mean() * 365 / window_days
    out = out.sort_values("revenue", ascending=False)
    out.index.name = "account_manager"
    return TableResult("portfolios", out.reset_index())


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
    active = ~(f["churned"].fillna(False).astype(bool)) if "churned" in f else pd.Series(True, index=f.index)
    gap = stats["days_since_contact"].reindex(f.index)
    hit = active & f["tier"].isin(["core", "key"]) & (gap.isna() | (gap > days))
    cols = [c for c in ("name", "tier", "account_manager", "revenue_last_12m") if c in f]
    out = f.loc[hit, cols].assign(days_since_contact=gap[hit]).sort_values("days_since_contact", ascending=False)
    return TableResult("not_contacted", out.reset_index(), facts={"days": days, "accounts": int(hit.sum())})


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
    return TableResult("complaints", out.reset_index(), facts={"categories": cats.to_dict()})


def churn_reasons(frame: pd.DataFrame, ledger: Ledger, by: str = "tier") -> TableResult:
    """Why lost accounts left: accounts and revenue by churn reason, and by ``by`` (tier or account_manager).

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``) with ``revenue``; ``tier`` optional.
    ledger : Ledger
        Validated ledger whose customers table has ``churn_reason``.
    by : str
        Column of ``frame`` cross-tabulated as ``<by>:<value>`` columns (skipped when absent).

    Returns
    -------
    TableResult
        ``churn_reasons``, most accounts first; not available when ``churn_reason`` is absent or empty.
    """
    cust = ledger.customers
    if "churn_reason" not in cust or cust["churn_reason"].isna().all():
        return TableResult("churn_reasons", reason=Message("accounts.needs_column",
                                                           {"table": "customers", "column": "churn_reason"}))
    reason = cust.set_index(cust["customer_id"].astype(str))["churn_reason"].astype("string")
    f = frame.assign(tier=_tier(frame), churn_reason=reason.reindex(frame.index))
    lost = f[f["churn_reason"].notna()]
    g = lost.groupby("churn_reason")
    out = pd.DataFrame({"accounts": g.size(), "revenue": g["revenue"].sum()})
    out["share"] = out["accounts"] / out["accounts"].sum()
    if by in lost:
        cross = pd.crosstab(lost["churn_reason"], lost[by].astype("string").fillna("-"))
        out = out.join(cross.add_prefix(f"{by}:"))
    out = out.sort_values("accounts", ascending=False)
    out.index.name = "churn_reason"
    return TableResult("churn_reasons", out.reset_index())


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
    facts = {"lost_reasons": (lost["lost_reason"].astype("string").fillna("-").value_counts().to_dict()
                              if "lost_reason" in opp else {})}
    if "stage" in opp:
        open_ = opp[(st == "open").to_numpy()]
        facts["stages"] = open_.groupby(open_["stage"].astype("string").fillna("-"))["amount"].sum().to_dict() \
            if "amount" in opp else open_["stage"].value_counts().to_dict()
    return TableResult("pipeline", out.reset_index(), facts=facts)


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
    return TableResult("plan", out.reset_index(drop=True))


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
        ``breadth``, most gaps first; facts ``peer_group`` and ``mean_lines``. Not available without
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
        return TableResult("breadth", reason=Message("accounts.needs_column",
                                                     {"table": "orders", "column": "product_line"}))
    pairs = pairs.dropna().astype(str)
    bought = pairs.groupby(["customer_id", "product_line"]).size().unstack(fill_value=0) > 0
    bought = bought.reindex(frame.index, fill_value=False)
    group = (frame[by].astype("string").fillna("-") if by in frame else pd.Series("-", index=frame.index))
    peer_share = bought.groupby(group).transform("mean")
    gaps = (peer_share >= 0.5) & ~bought
    out = pd.DataFrame({"product_lines": bought.sum(axis=1), "gap_lines": gaps.sum(axis=1),
                        "gaps": gaps.apply(lambda r: "、".join(r.index[r]), axis=1)}, index=frame.index)
    cols = [c for c in ("name", "tier", "account_manager") if c in frame]
    out = frame[cols].join(out).sort_values(["gap_lines", "product_lines"], ascending=[False, True])
    return TableResult("breadth", out.reset_index(), facts={"peer_group": by,
                                                            "mean_lines": float(out["product_lines"].mean())})


def contact_covariates(ledger: Ledger, as_of, start: pd.Series | None = None, end: pd.Series | None = None,
                       min_years: float = 0.25) -> pd.DataFrame | None:
    """Complaints and contacts (visits, calls, meetings) per year of each account's observed time, as churn
    covariates; None without interactions.

    The observed time of an account runs from the later of its ``start`` (default: its first order) and the
    first date in the interactions table, to the earlier of its ``end`` (the churn clock's end: churn date,
    or the period end) and ``as_of``; only interactions inside it count. Dividing by that time rather than by
    the whole window keeps a lost account's rate comparable with an active one's. Times shorter than
    ``min_years`` count as ``min_years`` so that a few weeks do not give an extreme rate.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger; its interactions and, without ``start``, its orders.
    as_of : date-like
        Latest end of the observed time.
    start, end : Series, optional
        Start and end date of each account's observed time, indexed by ``customer_id``.
    min_years : float
        Shortest observed time used as the divisor, in years.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (every account of the ledger): ``complaint_rate`` and
    ``contact_rate``, per year (float; NaN when the account has no observed time). The names differ from the
    Cox terms (``complaints_per_year``, ``contacts_per_year``, from
    :func:`kamlib.survival.churn_covariates`) so the two frames join without a clash.
    """
    c, k = contacts(ledger), complaints(ledger)
    if c is None or k is None:
        return None
    as_of = pd.Timestamp(as_of)
    ids = pd.Index(ledger.customers["customer_id"].astype(str).unique(), name="customer_id")
    it = ledger.interactions
    assert it is not None
    window = pd.Timestamp(it["interaction_date"].min()) if len(it) else as_of
    if start is None:
        o = ledger.orders
        start = o.groupby(o["customer_id"].astype(str))["order_date"].min()
    s = pd.to_datetime(start.set_axis(start.index.astype(str)).reindex(ids)).fillna(window).clip(lower=window)
    e = (pd.to_datetime(end.set_axis(end.index.astype(str)).reindex(ids)).fillna(as_of).clip(upper=as_of)
         if end is not None else pd.Series(as_of, index=ids))
    years = (e - s).dt.days.astype("float64") / 365.25
    out = pd.DataFrame(index=ids)
    for name, ev in (("complaint_rate", k), ("contact_rate", c)):
        cid = ev["customer_id"].astype(str)
        d = ev["interaction_date"]
        inside = ((d >= s.reindex(cid).to_numpy()) & (d <= e.reindex(cid).to_numpy())).to_numpy(dtype=bool)
        n = cid[inside].value_counts().reindex(ids, fill_value=0).astype("float64")
        out[name] = (n / years.clip(lower=min_years)).where(years > 0)
    return out
