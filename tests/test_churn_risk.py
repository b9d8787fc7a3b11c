"""The churn clock for one-time buyers, groups at a landmark, one active definition, and the at-risk ranking
(issue 17): pure kamlib.survival functions on tiny hand-made ledgers."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kamlib import survival as sv
from kamlib.errors import StatisticalWarning
from kamlib.ledger import Ledger

AS_OF = pd.Timestamp("2024-12-31")


def _ledger(rows: list[tuple[str, str, float]], customers: pd.DataFrame | None = None) -> Ledger:
    o = pd.DataFrame(rows, columns=["customer_id", "order_date", "revenue"])
    o.insert(0, "order_id", pd.array([str(i) for i in range(len(o))], dtype="string"))
    o["customer_id"] = o["customer_id"].astype("string")
    o["order_date"] = pd.to_datetime(o["order_date"])
    if customers is None:
        customers = pd.DataFrame({"customer_id": pd.array(sorted(set(o["customer_id"])), dtype="string")})
    return Ledger(orders=o, customers=customers)


def test_one_time_buyer_is_lost_at_the_threshold_not_at_day_0():
    led = _ledger([("A", "2024-01-10", 100.0), ("B", "2024-11-01", 50.0),
                   ("C", "2023-06-01", 10.0), ("C", "2023-09-01", 10.0)])
    cd = sv.churn_durations(led, AS_OF, 180, definition="inactivity")
    a, b, c = cd.loc["A"], cd.loc["B"], cd.loc["C"]
    assert a["churned"] and a["duration_days"] == 180 and a["one_time"]
    assert a["end_date"] == pd.Timestamp("2024-01-10") + pd.Timedelta(days=180)
    assert not b["churned"] and b["duration_days"] == (AS_OF - pd.Timestamp("2024-11-01")).days   # censored
    assert c["churned"] and c["duration_days"] == 92 + 180 and not c["one_time"] and c["order_days"] == 2
    km = sv.kaplan_meier(cd["duration_days"], cd["churned"])
    assert (km.table["time"] > 0).all() and np.isfinite(km.table["survival"]).all()


@pytest.mark.parametrize(("t", "e"), [([0, 0, 0, 5, 7], [1, 1, 0, 1, 0]), ([0, 0, 0], [1, 1, 1]),
                                      ([3, 3, 3], [0, 0, 0]), ([0, 1, 1, 2], [1, 1, 1, 1]),
                                      ([5, 5, 5, 5], [1, 1, 0, 0])])
def test_kaplan_meier_handles_events_at_time_0_and_any_ties(t, e):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        km = sv.kaplan_meier(t, e)
    s = km.table["survival"].to_numpy()
    assert np.isfinite(s).all() and ((s >= 0) & (s <= 1)).all()
    if len(s):
        # R survfit: the first step is 1 - d/n with everyone at risk at time 0
        assert km.table["at_risk"].iloc[0] == sum(1 for x in t if x >= km.table["time"].iloc[0])
    ret = sv.retention_table(km, years=(1,), lang="en")
    assert not ret.iloc[:, 0].str.contains("nan|inf").any()


def test_covariates_keep_unsurveyed_and_uninvoiced_accounts_as_a_level():
    cust = pd.DataFrame({"late_share": [0.8, 0.1, np.nan, np.nan], "sat_overall": [2.0, np.nan, 4.5, np.nan]},
                        index=pd.Index(list("ABCD"), name="customer_id"))
    cov = sv.churn_covariates(cust)
    assert cov.notna().all().all()
    assert cov["not_surveyed"].tolist() == [0, 1, 0, 1] and cov["dissatisfied"].tolist() == [1, 0, 0, 0]
    assert cov["no_invoices"].tolist() == [0, 0, 1, 1] and cov["late_payer"].tolist() == [1, 0, 0, 0]
    assert sv.churn_covariates(cust, missing="keep")["dissatisfied"].isna().sum() == 2
    assert sv.churn_covariates(pd.DataFrame(index=cust.index)).empty   # no invoices, no surveys: no covariates


def _book(n: int = 60, seed: int = 3) -> tuple[Ledger, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        first = pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(rng.integers(0, 500)))
        gap = int(rng.integers(20, 120))
        k = int(rng.integers(1, 12))
        rows += [(f"K{i:02d}", str((first + pd.Timedelta(days=gap * j)).date()), float(rng.integers(50, 500)))
                 for j in range(k) if first + pd.Timedelta(days=gap * j) <= AS_OF]
    led = _ledger(rows)
    cd = sv.churn_durations(led, AS_OF, 180, definition="inactivity")
    return led, cd


def test_landmark_frame_takes_groups_before_churn():
    _, cd = _book()
    L = sv.landmark_date(cd)
    assert pd.Timestamp(cd.attrs["window_start"]) < L <= AS_OF - pd.Timedelta(days=180)
    lm = sv.landmark_frame(cd, pd.Series("g", index=cd.index), L)
    start, end = cd.loc[lm.index, "start_date"], cd.loc[lm.index, "end_date"]
    assert (start <= L).all() and (end > L).all()                       # at risk at the landmark only
    assert ((L - start).dt.days <= lm["entry_days"]).all()               # enter the risk set at the landmark
    assert lm.attrs["excluded"] + len(lm) == len(cd)
    assert sv.landmark_date(cd, "2023-01-15") == pd.Timestamp("2023-01-15")


def test_active_means_not_churned():
    _, cd = _book()
    idx = cd.index.append(pd.Index(["never_ordered"]))
    act = sv.active_flags(cd, idx)
    assert not act["never_ordered"] and (act[cd.index] == ~cd["churned"]).all()


def test_every_active_account_is_ranked_by_revenue_at_risk():
    _, cd = _book()
    cust = pd.DataFrame({"name": [f"Account {i}" for i in range(len(cd))], "revenue_last_12m": 1000.0,
                         "tier": "key"}, index=cd.index)
    cust.iloc[::2, cust.columns.get_loc("revenue_last_12m")] = 5000.0
    rk = sv.rank_at_risk(cd, cust, 180)
    active = int((~cd["churned"]).sum())
    assert rk.method == "recency" and rk.active == rk.scored == active == len(rk.table)
    t = rk.table
    assert t["churn_probability"].between(0, 1).all() and t["churn_probability"].notna().all()
    assert (t["expected_loss"].diff().dropna() <= 1e-9).all()            # ranked by revenue at risk
    assert t["rank"].tolist() == list(range(1, active + 1))
    assert not t.index.is_monotonic_increasing or active < 3             # not id order
    np.testing.assert_allclose(t["revenue_at_stake"], cust.loc[t.index, "revenue_last_12m"] * 180 / 365.25)
    # kamlib.clv's P(alive) is used when the customer frame has it
    rk2 = sv.rank_at_risk(cd, cust.assign(p_alive=np.linspace(0.1, 0.9, len(cust))), 180)
    assert rk2.method == "p_alive"
    np.testing.assert_allclose(rk2.table["churn_probability"], 1 - cust.assign(
        p_alive=np.linspace(0.1, 0.9, len(cust))).loc[rk2.table.index, "p_alive"])
    for lang in ("zh", "en"):
        shown = sv.ranking_table(rk, top=5, lang=lang)
        assert len(shown) == 5 and shown.index.tolist() == ["1", "2", "3", "4", "5"]
        assert all(v.endswith("%") for v in shown.iloc[:, 2])
        assert str(active) in sv.ranking_sentence(rk, 5, lang) and sv.method_sentence(rk, lang)


def test_recency_probability_rises_with_silence_and_stays_in_0_1():
    cd = pd.DataFrame({"start_date": pd.to_datetime(["2024-01-01"] * 3 + ["2024-10-01"]),
                       "last_order_date": pd.to_datetime(["2024-12-20", "2024-09-01", "2024-07-15", "2024-10-01"]),
                       "order_days": [12, 12, 12, 1]}, index=list("ABCD"))
    p = sv.recency_probability(cd, 180, 180, AS_OF)
    assert p.between(0, 1).all() and p["A"] < p["B"] < p["C"]
    assert 0 < p["D"] < 1                                                 # one-time buyer: pooled rate


def test_churn_model_none_without_covariates_or_events():
    _, cd = _book()
    assert sv.churn_model(cd, []) is None
    assert sv.churn_model(cd.assign(x=1.0), ["x"]) is None               # constant covariate
    assert sv.churn_model(cd.assign(churned=False, x=np.arange(len(cd)) % 2), ["x"]) is None
