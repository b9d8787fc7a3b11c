"""The sales side of account management: the pipeline and win rate, plan vs actual (targets against
revenue) and product breadth with cross-sell gaps."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import Message
from ..ledger import Ledger, period_bounds
from ._common import TableResult, _churned, _missing, _needs_column, _norm, _tier

WON = frozenset({"won", "win", "赢单", "签约", "成交"})
LOST = frozenset({"lost", "loss", "输单", "丢单", "失败"})


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
