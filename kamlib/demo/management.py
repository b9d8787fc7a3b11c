"""The demo's account-management tables (interactions, opportunities, targets) and the customers' churn
reason and credit rating.

They are drawn from their own random stream (``numpy.random.default_rng([seed, 22])``) *after* the other
tables, so that orders, invoices, surveys and the existing customer columns stay identical to a ledger built
without them. The churn of each account is therefore already fixed when these tables are drawn: the planted
truth here is how contacts, complaints and reasons relate to that churn, not a change of the churn itself. The one
exception is the ``account_manager`` column: labels are swapped between accounts of one region so that the
neglecting manager's book loses about twice as many accounts as the rest of his region (book sizes unchanged).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._columns import _canonical, _dates, _ids, _str_series

#: contacts (visits, calls, meetings) per year of an account, by segment (strategic, growth, transactional,
#: slow_payer)
_CONTACTS_PER_YEAR = np.array([14.0, 9.0, 2.0, 4.0])
_CONTACT_TYPES = ("visit", "call", "meeting")
_CONTACT_P = np.array([0.35, 0.5, 0.15])
#: complaints per year: baseline, dissatisfied accounts x3, and in the year before a churn an extra rate
_COMPLAINTS_PER_YEAR = 0.4
_COMPLAINT_DISSATISFIED = 3.0
_COMPLAINTS_BEFORE_CHURN = 2.0
_COMPLAINT_CATEGORIES = ("交付", "质量", "价格", "服务")
_COMPLAINT_CATEGORY_P = np.array([0.35, 0.3, 0.15, 0.2])
_RESOLUTION_DAYS = 8.0            # mean days to resolve a complaint; x2.5 for accounts that later churn
_SERVICE_PER_YEAR = 1.0
#: key accounts (strategic, growth) that churn get no contact in the last _GAP_DAYS before churn
_GAP_DAYS = (150, 300)
#: the neglecting manager contacts his accounts this much less often than the others
_NEGLECT_FACTOR = 0.3
#: the neglecting manager's share of churned accounts is raised to at least this multiple of the rest of his region
_HIGH_LOSS_FACTOR = 2.0
#: opportunities per year and win probability by segment; dissatisfied accounts win half as often
_OPPS_PER_YEAR = np.array([3.0, 2.0, 0.5, 1.0])
_WIN_P = np.array([0.6, 0.45, 0.25, 0.35])
_OPP_AMOUNT = np.array([400000.0, 200000.0, 40000.0, 120000.0])
_OPEN_STAGES = ("线索", "方案", "谈判")
_LOST_REASONS = ("价格", "竞争对手", "需求取消", "技术不符")
_LOST_REASON_P = np.array([0.4, 0.3, 0.2, 0.1])
#: churn reasons: late payers mostly 经营困难, dissatisfied accounts mostly 服务 / 质量
_CHURN_REASONS = ("价格", "服务", "质量", "竞争对手", "需求变化", "经营困难")
_REASON_P = {"late": np.array([0.10, 0.05, 0.05, 0.10, 0.10, 0.60]),
             "dis": np.array([0.10, 0.40, 0.30, 0.10, 0.05, 0.05]),
             "other": np.array([0.30, 0.10, 0.10, 0.30, 0.15, 0.05])}
_RATINGS = ("AAA", "AA", "A", "B", "C")
_RATING_P = {True: np.array([0.02, 0.08, 0.30, 0.40, 0.20]), False: np.array([0.25, 0.35, 0.30, 0.08, 0.02])}
#: targets are the previous year's revenue times this uplift (plus noise), per manager and per strategic account
_TARGET_UPLIFT = 1.15


def _events(rng, rate_per_day: np.ndarray, start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A Poisson process per account on [start, stop): (account index, day) of each event."""
    span = np.maximum(stop - start, 0)
    k = rng.poisson(rate_per_day * span)
    acc = np.repeat(np.arange(len(k)), k)
    day = start[acc] + np.floor(rng.random(len(acc)) * span[acc]).astype(np.int64)
    return acc, day


def _choice(rng, options, p, size) -> np.ndarray:
    return np.array(options)[rng.choice(len(options), size=size, p=p)]


def _neglecting_manager(customers: pd.DataFrame) -> str:
    """The planted neglecting manager: the one with most accounts in the largest region (deterministic)."""
    c = customers[["region", "account_manager"]].astype(str)
    region = c["region"].value_counts().sort_index().idxmax()
    counts = c.loc[c["region"] == region, "account_manager"].value_counts()
    return str(sorted(counts[counts == counts.max()].index)[0])


def _high_loss_swaps(rng, acc: dict, customers: pd.DataFrame, end: int, manager: str) -> tuple[np.ndarray, dict]:
    """Swap ``account_manager`` labels within ``manager``'s region so that his churn rate reaches
    _HIGH_LOSS_FACTOR x the pooled rate of the region's other managers: the managers of the region and their book
    sizes stay the same, only which account sits in which book changes.

    Each swap exchanges a not-churned account of ``manager`` with a churned account of another manager of the
    region, of the same segment where possible (so tier mix stays comparable). The number of swaps is the
    smallest k with (c_h + k) / n_h >= factor * (c_o - k) / n_o, capped by the accounts available.
    """
    labels = customers["account_manager"].astype(str).to_numpy().copy()
    region = customers["region"].astype(str).to_numpy()
    seg, churned = acc["seg"], acc["churn"] <= end
    in_region = region == region[labels == manager][0]
    mine, others = labels == manager, in_region & (labels != manager)
    n_h, n_o = int(mine.sum()), int(others.sum())
    c_h, c_o = int((mine & churned).sum()), int((others & churned).sum())
    need = int(np.ceil((_HIGH_LOSS_FACTOR * c_o * n_h - c_h * n_o) / (n_o + _HIGH_LOSS_FACTOR * n_h))) if n_o else 0
    give = list(rng.permutation(np.flatnonzero(mine & ~churned)))     # the manager's active accounts, in random order
    take = list(rng.permutation(np.flatnonzero(others & churned)))    # the others' churned accounts, in random order
    pairs: list[tuple[int, int]] = []
    # same-segment pairs first, then any pair if the segments run out
    for same in (True, False):
        for a in list(give):
            if len(pairs) >= need:
                break
            match = [b for b in take if seg[b] == seg[a]] if same else take
            if match:
                b = match[0]
                pairs.append((a, b))
                give.remove(a)
                take.remove(b)
    for a, b in pairs:
        labels[a], labels[b] = labels[b], labels[a]
    mine, others = labels == manager, in_region & (labels != manager)
    rate_h = float(churned[mine].mean())
    rate_o = float(churned[others].mean()) if n_o else None
    truth = {
        "high_loss_manager": manager,
        "high_loss_region": str(region[mine][0]),
        "high_loss_factor": _HIGH_LOSS_FACTOR,
        "high_loss_swaps": len(pairs),
        "high_loss_cross_segment_swaps": int(sum(seg[a] != seg[b] for a, b in pairs)),
        "high_loss_churn_rate": round(rate_h, 4),
        "high_loss_churn_rate_before": round(c_h / n_h, 4),
        "region_others_churn_rate": None if rate_o is None else round(rate_o, 4),
        "region_others_churn_rate_before": round(c_o / n_o, 4) if n_o else None,
        "high_loss_rule": f"account_manager labels are swapped within the high-loss manager's region: a not-churned "
                          f"account of his with a churned account (churn_date on or before the end) of another "
                          f"manager of the region, of the same segment where possible, the fewest swaps that make "
                          f"his share of churned accounts >= {_HIGH_LOSS_FACTOR:g}x the pooled share of the "
                          f"region's other managers; book sizes, churn and the other customers columns are unchanged",
    }
    return labels, truth


def _interactions(rng, acc: dict, customers: pd.DataFrame, ws: int, end: int, neglect: str) -> pd.DataFrame:
    seg, churn = acc["seg"], acc["churn"]
    churned = churn <= end
    start = np.maximum(acc["fcd"], ws)
    stop = np.minimum(churn, end + 1)
    key = seg <= 1
    manager = customers["account_manager"].astype(str).to_numpy()
    rate = _CONTACTS_PER_YEAR[seg] / 365.25 * np.where(manager == neglect, _NEGLECT_FACTOR, 1.0)
    gap = rng.integers(*_GAP_DAYS, len(seg))
    contact_stop = np.where(key & churned, np.maximum(start, stop - gap), stop)
    c_acc, c_day = _events(rng, rate, start, contact_stop)
    c_type = _choice(rng, _CONTACT_TYPES, _CONTACT_P, len(c_acc))
    # complaints: a baseline rate (x3 when dissatisfied) plus an extra rate in the year before churn
    base = _COMPLAINTS_PER_YEAR / 365.25 * np.where(acc["dis"], _COMPLAINT_DISSATISFIED, 1.0)
    a1, d1 = _events(rng, base, start, stop)
    pre = np.where(churned, np.maximum(start, stop - 365), stop)
    a2, d2 = _events(rng, np.full(len(seg), _COMPLAINTS_BEFORE_CHURN / 365.25), pre, stop)
    k_acc, k_day = np.r_[a1, a2], np.r_[d1, d2]
    s_acc, s_day = _events(rng, np.full(len(seg), _SERVICE_PER_YEAR / 365.25), start, stop)
    n_c, n_k = len(c_acc), len(k_acc)
    idx = np.r_[c_acc, k_acc, s_acc]
    day = np.r_[c_day, k_day, s_day]
    typ = np.r_[c_type, np.full(n_k, "complaint"), np.full(len(s_acc), "service_request")]
    category = np.r_[np.full(n_c, None), _choice(rng, _COMPLAINT_CATEGORIES, _COMPLAINT_CATEGORY_P, n_k),
                     _choice(rng, ("安装", "技术支持", "退换货"), None, len(s_acc))].astype(object)
    mean_days = _RESOLUTION_DAYS * np.where(churned[idx], 2.5, 1.0)
    resolved = day + np.ceil(rng.exponential(1.0, len(idx)) * mean_days).astype(np.int64)
    needs = np.arange(len(idx)) >= n_c
    resolved = np.where(needs & (resolved <= end), resolved, np.nan)
    outcome = np.where(needs, np.where(np.isfinite(resolved), "已解决", "处理中"),
                       _choice(rng, ("需求确认", "关系维护", "商机跟进"), None, len(idx)))
    order = np.lexsort((np.arange(len(idx)), idx, day))
    cid = np.asarray(customers["customer_id"].astype(str))
    width = max(6, len(str(len(idx))))
    df = pd.DataFrame({
        "interaction_id": _str_series(_ids("IT", np.arange(1, len(idx) + 1), width)),
        "customer_id": cid[idx[order]],
        "interaction_date": _dates(day[order]),
        "type": typ[order],
        "account_manager": manager[idx[order]],
        "outcome": outcome[order],
        "category": category[order],
        "resolved_date": _dates(resolved[order]),
    })
    return _canonical(df, "interactions")


def _opportunities(rng, acc: dict, customers: pd.DataFrame, ws: int, end: int) -> pd.DataFrame:
    seg = acc["seg"]
    start = np.maximum(acc["fcd"], ws)
    stop = np.minimum(acc["churn"], end + 1)
    idx, created = _events(rng, _OPPS_PER_YEAR[seg] / 365.25, start, stop)
    n = len(idx)
    close = created + rng.integers(30, 150, n)
    is_open = close > end
    p_win = _WIN_P[seg[idx]] * np.where(acc["dis"][idx], 0.5, 1.0)
    won = rng.random(n) < p_win
    status = np.where(is_open, "open", np.where(won, "won", "lost"))
    stage = np.where(is_open, _choice(rng, _OPEN_STAGES, None, n), np.where(won, "签约", "关闭"))
    lost = _choice(rng, _LOST_REASONS, _LOST_REASON_P, n)
    amount = np.round(_OPP_AMOUNT[seg[idx]] * rng.lognormal(0.0, 0.6, n), -2)
    order = np.lexsort((np.arange(n), created))
    cid = np.asarray(customers["customer_id"].astype(str))
    df = pd.DataFrame({
        "opportunity_id": _str_series(_ids("OP", np.arange(1, n + 1), max(5, len(str(n))))),
        "customer_id": cid[idx[order]],
        "created_date": _dates(created[order]),
        "close_date": _dates(close[order].astype(float)),
        "stage": stage[order],
        "amount": amount[order],
        "status": status[order],
        "lost_reason": pd.Series(lost[order]).where(status[order] == "lost"),
    })
    return _canonical(df, "opportunities")


def _targets(rng, acc: dict, customers: pd.DataFrame, orders: pd.DataFrame, end: int) -> pd.DataFrame:
    """Per manager and per strategic account, for each year after the first: previous year's revenue x uplift."""
    year = orders["order_date"].dt.year
    rev = orders.groupby([orders["customer_id"].astype(str), year])["revenue"].sum()
    rev.index.names = ["customer_id", "year"]
    years = sorted(year.unique())[1:]
    mgr = customers.set_index(customers["customer_id"].astype(str))["account_manager"].astype(str)
    frame = rev.reset_index()
    frame["account_manager"] = frame["customer_id"].map(mgr)
    rows = []
    by_mgr = frame.groupby(["account_manager", "year"])["revenue"].sum()
    for (m, y), r in by_mgr.items():
        if y + 1 in years:
            rows.append({"period": str(y + 1), "customer_id": None, "account_manager": m, "revenue_target": r})
    strategic = set(np.asarray(customers["customer_id"].astype(str))[acc["seg"] == 0])
    for (c, y), r in rev.items():
        if c in strategic and y + 1 in years:
            rows.append({"period": str(y + 1), "customer_id": c, "account_manager": None, "revenue_target": r})
    df = pd.DataFrame(rows, columns=["period", "customer_id", "account_manager", "revenue_target"])
    noise = rng.normal(0.0, 0.05, len(df))
    df["revenue_target"] = np.round(df["revenue_target"].to_numpy() * (_TARGET_UPLIFT + noise), -3)
    return _canonical(df, "targets")


def _customer_columns(rng, acc: dict, end: int) -> dict[str, np.ndarray]:
    n = len(acc["seg"])
    churned = acc["churn"] <= end
    group = np.where(acc["late"], "late", np.where(acc["dis"], "dis", "other"))
    reason = np.full(n, None, dtype=object)
    for g, p in _REASON_P.items():
        m = churned & (group == g)
        reason[m] = _choice(rng, _CHURN_REASONS, p, int(m.sum()))
    rating = np.empty(n, dtype=object)
    for late, p in _RATING_P.items():
        m = acc["late"] == late
        rating[m] = _choice(rng, _RATINGS, p, int(m.sum()))
    return {"churn_reason": reason, "credit_rating": rating}


def management_tables(seed: int, acc: dict, customers: pd.DataFrame, orders: pd.DataFrame, ws: int,
                      end: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, dict]:
    """The three account-management tables, the customers with churn_reason and credit_rating appended, and
    their planted truth."""
    rng = np.random.default_rng([seed, 22])
    extra = _customer_columns(rng, acc, end)
    # the manager who contacts least is also the one whose book loses most: one story for the reader
    neglect = _neglecting_manager(customers)
    labels, high_loss = _high_loss_swaps(rng, acc, customers, end, neglect)
    cust = customers.assign(account_manager=pd.Series(labels, index=customers.index,
                                                      dtype=customers["account_manager"].dtype),
                            churn_reason=_str_series(extra["churn_reason"]),
                            credit_rating=_str_series(extra["credit_rating"]))
    tables = {"interactions": _interactions(rng, acc, cust, ws, end, neglect),
              "opportunities": _opportunities(rng, acc, cust, ws, end),
              "targets": _targets(rng, acc, cust, orders, end)}
    truth = {
        "neglecting_manager": neglect,
        **high_loss,
        "contacts_per_year_by_segment": dict(zip(("strategic", "growth", "transactional", "slow_payer"),
                                                 _CONTACTS_PER_YEAR.tolist(), strict=True)),
        "neglect_factor": _NEGLECT_FACTOR,
        "no_contact_before_churn_days": list(_GAP_DAYS),
        "no_contact_rule": "key accounts (segments strategic and growth) that churn get no visit, call or "
                           "meeting in their last 150-299 days before churn_date",
        "complaints": {"per_year": _COMPLAINTS_PER_YEAR, "dissatisfied_factor": _COMPLAINT_DISSATISFIED,
                       "extra_per_year_in_last_year_before_churn": _COMPLAINTS_BEFORE_CHURN,
                       "mean_resolution_days": _RESOLUTION_DAYS, "resolution_factor_churned": 2.5},
        "win_probability_by_segment": dict(zip(("strategic", "growth", "transactional", "slow_payer"),
                                               _WIN_P.tolist(), strict=True)),
        "win_probability_dissatisfied_factor": 0.5,
        "churn_reason_probabilities": {g: dict(zip(_CHURN_REASONS, p.tolist(), strict=True))
                                       for g, p in _REASON_P.items()},
        "churn_reason_rule": "late payers draw from 'late', other dissatisfied accounts from 'dis', the rest "
                             "from 'other'; empty while active",
        "credit_rating_rule": "late payers mostly B / C, others mostly AAA / AA / A",
        "target_rule": f"previous year's revenue x {_TARGET_UPLIFT} x (1 + N(0, 0.05)), rounded to 1,000, per "
                       "account manager (customer_id empty) and per strategic account",
        "note": "drawn from numpy.random.default_rng([seed, 22]) after the other tables, given the churn "
                "already drawn: churn itself does not depend on these tables; only the account_manager labels "
                "are rearranged (high_loss_rule)",
        "rows": {k: len(v) for k, v in tables.items()},
    }
    return tables, cust, truth
