"""kamlib.value: hand-computed indicators, known-answer ABC / Gini / entropy weights, planted Pareto shape,
order invariance, edge cases (one account, all-equal revenue, losses, missing invoices / profit)."""
from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kamlib import value
from kamlib.errors import AnalysisError, DataQualityWarning, KamlibError, StatisticalWarning
from kamlib.ledger import Ledger

DATA = Path(__file__).parent / "data" / "value"
AS_OF = pd.Timestamp("2025-12-31")


# ------------------------------------------------------------------------------------------- fixtures

def _ids(x):
    return pd.array(x, dtype="string")


def _dates(x):
    return pd.to_datetime(pd.Series(x)).astype("datetime64[ns]")


def hand_ledger(invoices: bool = True, profit: bool = True) -> Ledger:
    """Three accounts; every expected number below is worked out by hand in the test docstrings."""
    orders = pd.DataFrame({
        "order_id": _ids(["O1", "O1", "O2", "O3", "O4", "O5", "O6"]),
        "customer_id": _ids(["A", "A", "A", "A", "B", "B", "A"]),
        "order_date": _dates(["2025-12-01", "2025-12-01", "2025-06-15", "2024-06-30", "2023-06-01",
                              "2025-11-15", "2026-01-05"]),
        "revenue": [100.0, 50.0, 200.0, 100.0, 1000.0, 500.0, 999.0],
        "gross_profit": [30.0, 10.0, 40.0, 20.0, -50.0, 20.0, 1.0],
    })
    if not profit:
        orders = orders.drop(columns="gross_profit")
    customers = pd.DataFrame({"customer_id": _ids(["A", "B", "C"]), "name": _ids(["甲公司", "乙公司", "丙公司"]),
                              "region": _ids(["华东", "华东", "华北"]), "size_band": _ids(["大型", "中型", "小型"]),
                              "parent_id": _ids([None, "A", None]), "value_fit": [4.0, 3.0, 2.0]})
    inv = pd.DataFrame({
        "invoice_id": _ids(["I1", "I2", "I3", "I4", "I5"]),
        "customer_id": _ids(["A", "A", "A", "B", "B"]),
        "invoice_date": _dates(["2025-06-15", "2025-12-01", "2024-06-30", "2023-06-01", "2025-11-15"]),
        "due_date": _dates(["2025-07-15", "2025-12-31", "2024-07-30", "2023-07-01", "2025-12-15"]),
        "amount": [200.0, 150.0, 100.0, 1000.0, 500.0],
        "paid_date": _dates(["2025-07-10", None, "2024-09-28", "2023-06-20", "2026-01-10"]),
        "paid_amount": [200.0, 0.0, 100.0, 1000.0, 500.0],
    })
    return Ledger(orders=orders, customers=customers, invoices=inv if invoices else None)


def demo_ledger(demo) -> Ledger:
    t = demo.tables
    o = t["orders"]
    # what io/validation does with the default rules: drop returns and zero-price lines
    o = o[(o["revenue"] > 0) & (o["unit_price"] > 0)].reset_index(drop=True)
    return Ledger(orders=o, customers=t["customers"], invoices=t["invoices"], surveys=t["surveys"])


@pytest.fixture(scope="module")
def dl(demo):
    return demo_ledger(demo)


@pytest.fixture(scope="module")
def demo_ind(dl):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return value.customer_indicators(dl, AS_OF)


# ------------------------------------------------------------------------------------------ indicators

def test_indicators_hand_example():
    """A: lines 150 (O1, 2 lines) + 200 + 100 = 450, gp 100, 3 orders, first 2024-06-30, last 2025-12-01.
    Quarters ending 2025-12-31, oldest first: [0, 200, 0, 150] -> slope 25 / mean 87.5.
    Invoices A: paid after 25 and 90 days (the 90-day one late), 150 open but not yet due;
    B: 500 due 2025-12-15 paid only in 2026 -> open, overdue and late at as_of. O6 (2026) is ignored."""
    ind = value.customer_indicators(hand_ledger(), AS_OF)
    assert list(ind.index) == ["A", "B", "C"]
    a, b, c = ind.loc["A"], ind.loc["B"], ind.loc["C"]
    assert a["revenue"] == pytest.approx(450) and a["gross_profit"] == pytest.approx(100)
    assert a["margin"] == pytest.approx(100 / 450)
    assert a["order_count"] == 3 and a["avg_order_value"] == pytest.approx(150)
    assert a["recency_days"] == 30 and a["tenure_days"] == 549
    assert a["frequency"] == pytest.approx(3 / (549 / 365.25))
    assert a["revenue_growth"] == pytest.approx(25 / 87.5)
    assert a["revenue_last_12m"] == pytest.approx(350)
    assert a["revenue_yoy"] == pytest.approx(350 / 100 - 1)
    assert a["days_to_pay"] == pytest.approx((25 + 90) / 2)
    assert a["late_share"] == pytest.approx(1 / 3)
    assert a["outstanding_amount"] == pytest.approx(150) and a["overdue_amount"] == 0
    assert a["dso"] == pytest.approx(150 / 350 * 365)
    # B: loss-making overall, earlier year has no revenue -> yoy NaN; frequency uses the real tenure
    assert b["gross_profit"] == pytest.approx(-30) and b["margin"] == pytest.approx(-30 / 1500)
    assert b["order_count"] == 2 and b["tenure_days"] == 944
    assert math.isnan(b["revenue_yoy"])
    assert b["days_to_pay"] == pytest.approx(19) and b["late_share"] == pytest.approx(0.5)
    assert b["outstanding_amount"] == pytest.approx(500) and b["overdue_amount"] == pytest.approx(500)
    assert b["dso"] == pytest.approx(365)
    # C: in customers, never ordered: 0 revenue / orders, recency NaN, financial NaN (no invoices)
    assert c["revenue"] == 0 and c["order_count"] == 0
    assert math.isnan(c["recency_days"]) and math.isnan(c["avg_order_value"])
    assert math.isnan(c["days_to_pay"]) and c["outstanding_amount"] == 0
    assert ind["revenue_share"].sum() == pytest.approx(1.0)
    assert ind.loc["A", "revenue_share"] == pytest.approx(450 / 1950)
    # characteristics carried, size band scored
    assert ind.loc["A", "name"] == "甲公司" and ind.loc["B", "size_score"] == 0.5
    assert ind["value_fit"].tolist() == [4.0, 3.0, 2.0]
    assert ind.attrs["unavailable"] == ()


def test_contract_columns_present(demo_ind):
    contract = ["revenue", "gross_profit", "margin", "order_count", "avg_order_value", "first_order_date",
                "last_order_date", "recency_days", "tenure_days", "frequency", "revenue_growth", "revenue_yoy",
                "revenue_last_12m", "days_to_pay", "dso", "overdue_amount", "outstanding_amount", "late_share",
                "revenue_share", "profit_share", "name", "region", "business_unit", "industry", "size_band",
                "parent_id", "account_manager", "value_fit", "procurement_fit"]
    assert not set(contract) - set(demo_ind.columns)
    for c in contract[:20]:
        if c.endswith("_date"):
            assert str(demo_ind[c].dtype) == "datetime64[ns]"
        else:
            assert demo_ind[c].dtype == "float64", c
    assert demo_ind.index.name == "customer_id"


def test_missing_invoices_are_unavailable_not_zero():
    with pytest.warns(DataQualityWarning, match="no invoices table"):
        ind = value.customer_indicators(hand_ledger(invoices=False), AS_OF)
    fin = ["days_to_pay", "dso", "overdue_amount", "outstanding_amount", "late_share"]
    assert ind[fin].isna().all().all()
    assert set(fin) <= set(value.unavailable_indicators(ind))
    with pytest.warns(StatisticalWarning, match="left out"):
        sc = value.scorecard(ind)
    assert not set(fin) & set(sc.weights.index)
    assert any("DSO" in w.render("en") for w in sc.warnings)  # named by its display label


def test_missing_profit():
    with pytest.warns(DataQualityWarning, match="gross_profit"):
        ind = value.customer_indicators(hand_ledger(profit=False), AS_OF)
    assert ind["gross_profit"].isna().all() and ind["margin"].isna().all()
    assert "margin" in value.unavailable_indicators(ind)
    with pytest.raises(AnalysisError, match="gross profit"):
        value.double_abc(ind)


def test_order_aggregates_match_a_pandas_groupby(dl, demo_ind):
    o = dl.orders[dl.orders["order_date"] <= AS_OF]
    g = o.groupby(o["customer_id"].astype("str")).agg(revenue=("revenue", "sum"), order_count=("order_id", "nunique"),
                                                      first=("order_date", "min"), last=("order_date", "max"))
    got = demo_ind.loc[g.index]
    np.testing.assert_allclose(got["revenue"], g["revenue"], rtol=1e-9)
    np.testing.assert_array_equal(got["order_count"], g["order_count"])
    assert (got["first_order_date"] == g["first"]).all() and (got["last_order_date"] == g["last"]).all()
    assert (demo_ind.drop(index=g.index)["order_count"] == 0).all()


@pytest.mark.parametrize("as_of", ["2024-02-29", "2024-03-31", "2023-02-28", "2024-12-15", "2025-01-01"])
def test_months_back_matches_calendar_definition(as_of):
    """The lookup-table version equals whole months counted per date, at month ends and leap days."""
    as_of = pd.Timestamp(as_of)
    dates = pd.date_range("2019-12-25", as_of, freq="D")
    dates = dates[np.random.default_rng(0).permutation(len(dates))]   # order must not matter
    expected = [(as_of.year - d.year) * 12 + (as_of.month - d.month) - (d.day > as_of.day) for d in dates]
    got = value.indicators._months_back(dates.to_numpy(), as_of)
    assert got.tolist() == expected
    assert value.indicators._months_back(np.array([], dtype="datetime64[ns]"), as_of).tolist() == []


def test_order_lines_without_an_order_id_count_as_orders_of_their_own_account():
    """A ledger built by hand (not through kamlib.io) may lack an order id: that line is one order of its own
    account, never merged into a neighbouring account's count."""
    L = hand_ledger()
    o = L.orders.copy()
    o["order_id"] = o["order_id"].mask(o["order_id"] == "O4")   # B's first order loses its id
    ind = value.customer_indicators(Ledger(orders=o, customers=L.customers, invoices=L.invoices), AS_OF)
    assert ind.loc["A", "order_count"] == 3 and ind.loc["B", "order_count"] == 2

@pytest.mark.parametrize("as_of", [AS_OF, pd.Timestamp("2026-01-31")])   # O6 out of / in the window
def test_indicators_leave_the_ledger_untouched_and_ignore_row_order(as_of):
    """Rows kept whole are used as views of the ledger's columns (no copies): a missing revenue must not be
    zeroed in the ledger itself. First / last dates per account are the same whether an account's rows are
    contiguous (day grain, sorted) or scattered."""
    L = hand_ledger()
    o = L.orders.assign(revenue=L.orders["revenue"].where(L.orders.index != 2))   # A's O2 revenue missing
    before = o.copy()
    led = Ledger(orders=o, customers=L.customers, invoices=L.invoices)
    ind = value.customer_indicators(led, as_of)
    pd.testing.assert_frame_equal(o, before)
    contiguous = o.sort_values(["customer_id", "order_date"], ignore_index=True)
    ind2 = value.customer_indicators(Ledger(orders=contiguous, customers=L.customers, invoices=L.invoices), as_of)
    pd.testing.assert_frame_equal(ind, ind2, rtol=1e-12)
    a = ind.loc["A"]
    assert a["first_order_date"] == pd.Timestamp("2024-06-30")
    assert a["revenue"] == pytest.approx(250 if as_of == AS_OF else 1249)


def test_unknown_customer_ids_warn():
    L = hand_ledger()
    o = pd.concat([L.orders, L.orders.iloc[[0]].assign(customer_id=_ids(["ZZ"]))], ignore_index=True)
    with pytest.warns(DataQualityWarning, match="missing from the customers"):
        ind = value.customer_indicators(Ledger(orders=o, customers=L.customers, invoices=L.invoices), AS_OF)
    assert "ZZ" not in ind.index and ind.loc["A", "revenue"] == pytest.approx(450)


def test_group_rollup():
    """B's parent is A: the group A holds both accounts' order lines."""
    g = value.group_indicators(hand_ledger(), AS_OF)
    assert set(g.index) == {"A", "C"}
    assert g.loc["A", "revenue"] == pytest.approx(1950) and g.loc["A", "order_count"] == 5
    assert g.loc["A", "n_members"] == 2 and g.loc["C", "n_members"] == 1
    assert g.loc["A", "outstanding_amount"] == pytest.approx(650)
    assert g.loc["A", "name"] == "甲公司"  # the parent's own attributes


# -------------------------------------------------------------------------------------------------- ABC

def test_abc_ten_accounts_hand_example():
    vals = [500, 200, 100, 60, 50, 40, 20, 15, 10, 5]
    ids = [f"K{i:02d}" for i in range(10)]
    s = pd.Series(vals, index=ids, dtype=float)
    expected = pd.Series(list("AAABBBCCCC"), index=ids)
    rng = np.random.default_rng(1)
    for _ in range(3):  # row order never matters
        perm = rng.permutation(10)
        got = value.abc_classes(s.iloc[perm])
        assert list(got.index) == list(s.index[perm])
        assert (got.astype(str) == expected.iloc[perm]).all()
    summ = value.abc_summary(s)
    assert summ["accounts"].tolist() == [3, 3, 4]
    assert summ["value_share"].tolist() == pytest.approx([0.8, 0.15, 0.05])


def test_abc_dominant_account_ties_and_nonpositive():
    assert value.abc_classes(pd.Series([90.0, 5, 5], index=["x", "y", "z"])).tolist() == ["A", "B", "C"]
    # ties broken by id, whatever the row order
    eq = pd.Series(10.0, index=[f"c{i}" for i in range(10)])
    got = value.abc_classes(eq.iloc[::-1])
    assert got.reindex(eq.index).tolist() == list("AAAAAAAABB")
    s = pd.Series([100.0, 0.0, -5.0, np.nan], index=list("abcd"))
    got = value.abc_classes(s)
    assert got.iloc[:3].tolist() == ["A", "C", "C"] and pd.isna(got.iloc[3])
    with pytest.raises(KamlibError):
        value.abc_classes(s, cutoffs=(0.9, 0.8))


def test_double_abc_flags_high_revenue_loss():
    ind = pd.DataFrame({"revenue": [1000.0, 800, 100, 50, 20], "gross_profit": [200.0, -40, 30, 10, 0]},
                       index=pd.Index(list("abcde"), name="customer_id"))
    r = value.double_abc(ind)
    assert r.flagged.index.tolist() == ["b"]
    assert r.grid.loc["A", "loss"] == 1 and int(r.grid.to_numpy().sum()) == 5
    assert "1" in value.sentences(r, "en") and "亏损" in value.sentences(r, "zh")


# -------------------------------------------------------------------------------------- concentration

def test_gini_known_values():
    assert value.concentration(pd.Series([1.0, 2, 3, 4, 5])).gini == pytest.approx(4 / 15)
    assert value.concentration(pd.Series([0.0, 0, 0, 1])).gini == pytest.approx(0.75)
    assert value.concentration(pd.Series([7.0] * 9)).gini == pytest.approx(0.0)
    rng = np.random.default_rng(0)
    ln = value.concentration(pd.Series(rng.lognormal(0, 1, 100_000)))
    assert ln.gini == pytest.approx(2 * norm.cdf(1 / math.sqrt(2)) - 1, abs=0.005)
    par = value.concentration(pd.Series(rng.pareto(3.0, 200_000) + 1))  # alpha 3 -> G = 1/5 (finite variance)
    assert par.gini == pytest.approx(1 / 5, abs=0.005)


def test_top_share_and_lorenz():
    c = value.concentration(pd.Series(np.arange(1.0, 11)))
    assert c.top_share(0.2) == pytest.approx(19 / 55)
    assert c.top_share(1.0) == pytest.approx(1.0)
    assert c.accounts_for_share(0.5) == 4  # 10+9+8+7 = 34 >= 27.5
    lor = c.lorenz
    assert lor.iloc[0].tolist() == [0.0, 0.0] and lor.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(lor["value_share"]) >= 0).all()


def test_demo_planted_pareto_shape_recovered(demo, demo_ind):
    c = value.concentration(demo_ind["revenue"])
    assert c.top_share(0.2) == pytest.approx(demo.truth["top20_revenue_share"], abs=1e-9)
    assert 0.6 < c.gini < 0.9
    # ABC on revenue: A holds ~80% of revenue with about a fifth of the accounts
    summ = value.abc_summary(demo_ind["revenue"])
    assert summ.loc["A", "value_share"] == pytest.approx(0.8, abs=0.01)
    assert 0.1 < summ.loc["A", "account_share"] < 0.3


# ------------------------------------------------------------------------------------------------- RFM

def test_rfm_scores_and_segments(demo_ind):
    r = value.rfm_scores(demo_ind)
    for col in "RFM":
        assert r[col].between(1, 5).all()
    # quintiles: each score holds about a fifth of the active accounts
    act = demo_ind["order_count"] > 0
    assert r.loc[act, "M"].value_counts(normalize=True).between(0.15, 0.25).all()
    best = demo_ind[act].sort_values(["recency_days", "frequency"], ascending=[True, False]).index[0]
    assert r.loc[best, "R"] == 5
    champs = r[r["segment"] == "champions"]
    assert (champs["R"] == 5).all() and (champs["F"] >= 4).all()
    summ = value.rfm_summary(r)
    assert summ["accounts"].sum() == len(demo_ind)
    assert summ["revenue_share"].sum() == pytest.approx(1.0)
    # equal values share a score; bins=3 and custom segments
    r3 = value.rfm_scores(demo_ind, bins=3, segments={"top": ["5[4-5]"], "rest": [".."]})
    assert r3["R"].between(1, 3).all() and set(r3["segment"]) <= {"top", "rest"}


def test_rfm_accounts_without_orders():
    ind = value.customer_indicators(hand_ledger(), AS_OF)
    r = value.rfm_scores(ind)
    assert r.loc["C", ["R", "F", "M"]].tolist() == [1, 1, 1] and r.loc["C", "segment"] == "lost"


# --------------------------------------------------------------------------------- scorecard and tiers

def test_entropy_weights_textbook_example():
    X = pd.read_csv(DATA / "entropy_example.csv", index_col=0)
    exp = json.loads((DATA / "entropy_expected.json").read_text())
    w = value.entropy_weights(X, directions=exp["directions"])
    assert w.to_dict() == pytest.approx(exp["weights"], abs=1e-12)
    # hand case: a column that separates two alternatives completely gets all the weight
    w2 = value.entropy_weights(pd.DataFrame({"a": [1.0, 0.0], "b": [3.0, 3.0]}))
    assert w2.tolist() == pytest.approx([1.0, 0.0])


def test_scorecard_contributions_and_directions(demo_ind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        sc = value.scorecard(demo_ind)
    assert sc.scores.between(0, 100).all()
    assert sc.weights.sum() == pytest.approx(1.0)
    pd.testing.assert_series_equal(sc.contributions.sum(axis=1), sc.scores, check_names=False)
    assert set(sc.weights.index) >= {"revenue", "dso", "size_score", "value_fit"}  # four groups
    assert sc.directions["dso"] == -1 and sc.directions["late_share"] == -1
    # lower DSO is better: the account with the highest DSO scores 0 on it
    worst = demo_ind["dso"].idxmax()
    assert sc.normalised.loc[worst, "dso"] == pytest.approx(0.0)
    top = sc.top(5)
    assert top["score"].is_monotonic_decreasing
    ex = sc.explain(top.index[0])
    assert ex["points"].sum() == pytest.approx(top["score"].iloc[0])


def test_scorecard_manual_weights():
    ind = value.customer_indicators(hand_ledger(), AS_OF)
    sc = value.scorecard(ind, weights={"revenue": 3, "late_share": 1}, method="manual")
    assert sc.weights.to_dict() == pytest.approx({"revenue": 0.75, "late_share": 0.25})
    # B: most revenue (75 points); late share 0.5 is the worst of the two known -> 0; C has no invoices: median
    assert sc.scores["B"] == pytest.approx(75.0)
    assert sc.contributions.loc["A", "late_share"] == pytest.approx(25.0)
    with pytest.raises(KamlibError, match="unknown indicator"):
        value.scorecard(ind, weights={"nope": 1}, method="manual")
    with pytest.raises(KamlibError, match=">= 0"):
        value.scorecard(ind, weights={"revenue": -1, "margin": 2}, method="manual")


def test_tiers_by_score_quantiles(demo_ind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        sc = value.scorecard(demo_ind)
    t = value.assign_tiers(demo_ind, sc.scores)
    act = demo_ind["active"]
    n = int(act.sum())
    assert 0 < n < len(t)  # the demo has churned accounts
    assert (t == "core").sum() == pytest.approx(0.05 * n, abs=2)
    assert (t == "key").sum() == pytest.approx(0.15 * n, abs=3)
    s, ta = sc.scores[act], t[act]
    assert s[ta == "core"].min() > s[ta == "key"].max() > s[ta == "ordinary"].max()
    # churned accounts are never core/key, however large their history
    assert (t[~act] == "ordinary").all()
    assert not demo_ind.loc[~act, "churn_date"].isna().any()


def test_tiers_match_planted_strategic_segment(demo, demo_ind):
    """Strategic accounts (large, frequent, on time) dominate the core tier; small transactional ones
    never reach it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        sc = value.scorecard(demo_ind)
    t = value.assign_tiers(demo_ind, sc.scores)
    seg = pd.Series(demo.truth["segments"]).reindex(t.index)
    core_seg = seg[t == "core"].value_counts(normalize=True)
    assert core_seg.get("strategic", 0) > 0.7
    assert ((t != "ordinary") & (seg == "transactional")).sum() == 0


def test_tiers_stable_under_row_reordering(dl):
    rng = np.random.default_rng(7)

    def shuffled(df):
        return None if df is None else df.iloc[rng.permutation(len(df))].reset_index(drop=True)

    L2 = Ledger(orders=shuffled(dl.orders), customers=shuffled(dl.customers), invoices=shuffled(dl.invoices))
    out = []
    for L in (dl, L2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ind = value.customer_indicators(L, AS_OF)
            sc = value.scorecard(ind)
        out.append((value.assign_tiers(ind, sc.scores).sort_index(), sc.scores.sort_index(),
                    value.assign_tiers(ind, sc.scores, rule="rule_of_thumb").sort_index(),
                    value.rfm_scores(ind)["segment"].sort_index()))
    pd.testing.assert_series_equal(out[0][0], out[1][0])
    pd.testing.assert_series_equal(out[0][1], out[1][1], rtol=1e-9)
    pd.testing.assert_series_equal(out[0][2], out[1][2])
    pd.testing.assert_series_equal(out[0][3], out[1][3])


def test_rule_of_thumb():
    """Book margin = 150/2000 = 7.5%. a: head (first 30% of revenue); b: margin 10% > 7.5% and stable;
    c: margin 10% but shrinking -> key; d: margin 2% -> ordinary; e: tail (last 5%) -> ordinary."""
    ind = pd.DataFrame({"revenue": [1000.0, 500, 300, 150, 50], "gross_profit": [40.0, 50, 30, 3, 27],
                        "revenue_growth": [0.0, 0.1, -0.3, 0.2, 0.5]}, index=list("abcde"))
    ind["margin"] = ind["gross_profit"] / ind["revenue"]
    t = value.assign_tiers(ind, pd.Series(0.0, index=ind.index), rule="rule_of_thumb")
    assert t.to_dict() == {"a": "core", "b": "core", "c": "key", "d": "ordinary", "e": "ordinary"}
    # a mid-size account within ±10% of the book margin is key, not forced to an extreme
    mid = ind.assign(gross_profit=ind["gross_profit"].where(ind.index != "d", 150 * 0.072))
    mid["margin"] = mid["gross_profit"] / mid["revenue"]
    assert value.assign_tiers(mid, pd.Series(0.0, index=ind.index), rule="rule_of_thumb")["d"] == "key"
    with pytest.raises(KamlibError, match="rule"):
        value.assign_tiers(ind, pd.Series(0.0, index=ind.index), rule="nope")


# ------------------------------------------------------------------------------------------ edge cases

def test_one_customer():
    L = hand_ledger()
    L1 = Ledger(orders=L.orders[L.orders["customer_id"] == "A"], customers=L.customers.iloc[[0]],
                invoices=L.invoices[L.invoices["customer_id"] == "A"])
    ind = value.customer_indicators(L1, AS_OF)
    assert len(ind) == 1 and ind["revenue_share"].iloc[0] == 1.0
    c = value.concentration(ind["revenue"])
    assert c.gini == 0.0 and c.top_share(0.2) == 1.0
    assert value.abc_classes(ind["revenue"]).tolist() == ["A"]
    sc = value.scorecard(ind)
    assert len(sc.scores) == 1 and 0 <= sc.scores.iloc[0] <= 100
    with pytest.warns(StatisticalWarning, match="do not differ"):
        assert value.assign_tiers(ind, sc.scores).tolist() == ["ordinary"]
    assert value.rfm_scores(ind)["segment"].iloc[0] in value.RFM_SEGMENTS


def test_all_equal_revenue():
    ids = [f"c{i}" for i in range(8)]
    ind = pd.DataFrame({"revenue": 100.0, "gross_profit": 20.0, "order_count": 4.0, "recency_days": 10.0,
                        "frequency": 4.0}, index=pd.Index(ids, name="customer_id"))
    assert value.concentration(ind["revenue"]).gini == pytest.approx(0.0)
    sc = value.scorecard(ind, method="entropy")
    assert sc.scores.nunique() == 1
    with pytest.warns(StatisticalWarning):
        assert (value.assign_tiers(ind, sc.scores) == "ordinary").all()
    r = value.rfm_scores(ind)
    assert r["M"].nunique() == 1  # ties share a score


def test_zero_and_negative_profit():
    ind = pd.DataFrame({"revenue": [500.0, 300, 200], "gross_profit": [-10.0, 0.0, 60]}, index=list("abc"))
    with pytest.warns(StatisticalWarning, match="negative"):
        c = value.concentration(ind["gross_profit"])
    assert c.total == 60 and c.top_share(0.34) == 1.0
    assert value.abc_classes(ind["gross_profit"]).tolist() == ["C", "C", "A"]
    zero = value.concentration(pd.Series([0.0, 0.0]))
    assert math.isnan(zero.gini) and math.isnan(zero.top_share(0.2))


# ------------------------------------------------------------------------------------------- migration

def test_tier_migration_counts():
    prev = pd.Series({"a": "core", "b": "key", "c": "ordinary", "d": "key", "e": "ordinary"})
    cur = pd.Series({"a": "core", "b": "core", "c": "key", "e": "ordinary", "f": "key"})
    m = value.tier_migration(prev, cur)
    assert list(m.index) == ["core", "key", "ordinary", "new"]
    assert list(m.columns) == ["core", "key", "ordinary", "lost"]
    assert m.loc["key", "core"] == 1 and m.loc["ordinary", "key"] == 1 and m.loc["key", "lost"] == 1
    assert m.loc["new", "key"] == 1 and m.loc["new", "lost"] == 0
    assert int(m.to_numpy().sum()) == 6


def test_dynamic_identification_on_demo(dl):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dy = value.dynamic_identification(dl, AS_OF)
    assert dy.previous_as_of == pd.Timestamp("2025-09-30")
    m = dy.matrix
    assert m.loc[["core", "key", "ordinary", "new"]].drop(columns="lost").to_numpy().sum() == len(dy.current)
    assert m.loc[["core", "key", "ordinary"]].to_numpy().sum() == len(dy.previous)
    assert dy.transition.sum(axis=1).to_numpy() == pytest.approx(1.0)
    # tiers are persistent quarter to quarter
    assert np.trace(m.loc[list(value.TIERS), list(value.TIERS)].to_numpy()) / len(dy.previous) > 0.85
    mix = dy.implied_mix
    assert mix.loc[list(value.TIERS), "next"].sum() + mix.loc["lost", "next"] == pytest.approx(
        mix["current"].sum() + m.loc["new", list(value.TIERS)].sum())
    assert set(dy.new_key["current"]) <= {"core", "key"}
    assert set(dy.lost_key["current"]) <= {"ordinary", "lost"}
    # previous-period churned accounts (contractual) show up as lost
    churn = dl.customers.set_index("customer_id")["churn_date"]
    lost_ids = set(dy.previous.index) - set(dy.current.index)
    assert all(dy.previous_as_of < churn[i] <= AS_OF for i in lost_ids)


# ------------------------------------------------------------------------------------ narrative/display

def test_sentences_and_display_tables(demo_ind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = value.scorecard(demo_ind)
    frame = demo_ind.assign(tier=value.assign_tiers(demo_ind, sc.scores))
    conc = value.concentration(frame["revenue"])
    zh, en = value.headline_sentences(frame, "zh", conc), value.headline_sentences(frame, "en", conc)
    share = f"{100 * conc.top_share(0.2):.1f}%"
    assert share in zh and share in en
    assert "亿" in zh and "B" in en  # demo revenue is in the billions
    assert f"{len(frame):,}" in zh
    for res in (conc, sc, value.abc_summary(frame["revenue"]), value.rfm_summary(value.rfm_scores(frame))):
        assert value.sentences(res, "zh") != value.sentences(res, "en")
    tab = value.display_table(value.tier_summary(frame, "region"), "zh")
    assert "核心" in tab.columns and "收入" in tab.columns
    assert all(isinstance(v, str) for v in tab.to_numpy().ravel())
    assert not any(re.search(r"\d\.\d{4,}", v) for v in tab.to_numpy().ravel())  # no raw floats
    w = value.display_table(sc.weights_frame(), "en")
    assert w.index[0] == value.indicator_label(sc.weights.idxmax(), "en")
    for k in value.LABELS:
        assert set(value.LABELS[k]) == {"zh", "en"}


def test_former_display_names_warn_and_return_the_same_table():
    from kamlib import accounts, survival

    df = pd.DataFrame({"revenue": [1.2e6, 3.4e5], "margin": [0.21, 0.3]})
    with pytest.warns(DeprecationWarning, match=r"kamlib\.value\.display_table"):
        old = value.display_frame(df, "en")
    pd.testing.assert_frame_equal(old, value.display_table(df, "en"))
    pairs = [(accounts.display_frame, accounts.display_table)] + [
        (getattr(survival, f"{n}_display"), getattr(survival, f"{n}_table"))
        for n in ("median", "cox", "at_risk", "sensitivity", "retention", "ranking")]
    for alias, new in pairs:
        assert alias.__wrapped__ is new and alias.__name__.endswith(("_display", "display_frame"))


def test_plots_smoke(demo_ind):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlib import plotting

    plotting.set_theme("zh")  # registers the CJK font for Chinese labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = value.scorecard(demo_ind)
    frame = demo_ind.assign(tier=value.assign_tiers(demo_ind, sc.scores))
    axes = [plotting.plot_lorenz(value.concentration(frame["revenue"])),
            plotting.plot_double_abc(value.double_abc(frame)),
            plotting.plot_rfm(value.rfm_summary(value.rfm_scores(frame))),
            plotting.plot_weights(sc, lang="en"),
            plotting.plot_contributions(sc, n=10, names=frame["name"], tiers=frame["tier"]),
            plotting.plot_tier_summary(value.tier_summary(frame, "region")),
            plotting.plot_migration(value.tier_migration(frame["tier"], frame["tier"]))]
    assert all(len(ax.get_title()) > 0 for ax in axes)
    assert len(axes[4].patches) == 10 * len(sc.weights)
    plt.close("all")



def test_no_orders_at_all():
    L = hand_ledger()
    E = Ledger(orders=L.orders.iloc[:0], customers=L.customers, invoices=L.invoices.iloc[:0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no profit data, empty indicators: expected here
        ind = value.customer_indicators(E, AS_OF)
        sc = value.scorecard(ind)
    assert (ind["revenue"] == 0).all() and ind["revenue"].dtype == "float64"
    assert not ind["active"].any() and ind["recency_days"].isna().all()
    with pytest.warns(StatisticalWarning, match="no account is active"):
        assert (value.assign_tiers(ind, sc.scores) == "ordinary").all()
    assert (value.rfm_scores(ind)["segment"] == "lost").all()


def test_demo_planted_profiles_recovered(demo, demo_ind):
    """The indicators reproduce the demo's planted traits: the late-payer rule of truth.json (late share
    of invoices >= 0.5) from late_share, and the segment profiles of docs/demo.md."""
    late = pd.Series(demo_ind.index.isin(demo.truth["traits"]["late_payer"]), index=demo_ind.index)
    assert ((demo_ind["late_share"] >= 0.5) == late).mean() > 0.97
    seg = pd.Series(demo.truth["segments"]).reindex(demo_ind.index)
    med = demo_ind.groupby(seg)[["revenue", "margin", "order_count", "revenue_growth", "days_to_pay"]].median()
    assert med["revenue"].idxmax() == "strategic" and med["order_count"].idxmax() == "strategic"
    assert med["margin"].idxmin() == "strategic" and med["margin"].idxmax() == "transactional"
    assert med["revenue_growth"].idxmax() == "growth" and med.loc["growth", "revenue_growth"] > 0.1
    assert med["days_to_pay"].idxmax() == "slow_payer"


def test_group_rollup_on_demo(demo, dl, demo_ind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = value.group_indicators(dl, AS_OF)
    subs = demo.truth["groups"]["subsidiaries"]
    assert len(g) == len(demo_ind) - subs
    assert g["n_members"].sum() == len(demo_ind)
    assert g["revenue"].sum() == pytest.approx(demo_ind["revenue"].sum())
    parent = dl.customers.dropna(subset=["parent_id"])["parent_id"].iloc[0]
    members = dl.customers.loc[(dl.customers["parent_id"] == parent) | (dl.customers["customer_id"] == parent),
                               "customer_id"]
    assert g.loc[parent, "revenue"] == pytest.approx(demo_ind.loc[members, "revenue"].sum())


def test_rank_accounts_single_indicator():
    ind = value.customer_indicators(hand_ledger(), AS_OF)
    r = value.rank_accounts(ind, "revenue")
    assert r.index.tolist() == ["B", "A", "C"] and r["rank"].tolist() == [1, 2, 3]
    assert r["cum_value_share"].iloc[-1] == pytest.approx(1.0)
    assert r["class"].tolist() == ["A", "A", "C"]  # A's cumulative share starts at 76.9% < 80%
    d = value.rank_accounts(ind, "dso")  # lower is better: lowest DSO ranks first, no ABC on a ratio
    assert d.index.tolist()[:2] == ["A", "B"] and "class" not in d
    with pytest.raises(KamlibError, match="unknown indicator"):
        value.rank_accounts(ind, "nope")


def test_indicator_warnings_render_in_the_report_language():
    import re

    from kamlib.errors import KamlibWarning
    from kamlib.i18n import render

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ind = value.customer_indicators(hand_ledger(invoices=False), AS_OF)
    notes = [w.message.note for w in caught if isinstance(w.message, KamlibWarning)]
    assert notes and "warnings" not in ind.attrs   # warnings reach the caller as warnings, not frame attrs
    zh = [render(n, "zh") for n in notes]
    assert any("没有发票表" in t for t in zh)
    assert not any(re.search(r"[a-z]+_[a-z]+|[A-Za-z]{4,}", t) for t in zh), zh
    assert any("no invoices table" in render(n, "en") for n in notes)
    growth = value.IndicatorName("revenue_growth")
    assert (render(growth, "zh"), render(growth, "en")) == ("收入增长趋势", "Revenue growth (trend)")


def test_value_notes_render_in_the_report_language():
    """Concentration, scorecard, tiers, double ABC and the forecast keep keyed notes: English in logs, the
    report's language on the page, indicators and tiers named by their labels."""
    import re

    from kamlib.i18n import render

    def both(notes):
        zh, en = [render(n, "zh") for n in notes], [render(n, "en") for n in notes]
        assert zh and not [t for t in zh if re.search(r"[A-Za-z]{4,}|[a-z]+_[a-z]+", t)], zh
        return zh, en

    with pytest.warns(StatisticalWarning, match="negative values set to 0"):
        c = value.concentration(pd.Series([5.0, -1.0, 3.0]))
    zh, en = both(c.warnings)
    assert "1 个负值" in zh[0] and en[0].startswith("concentration: 1 negative")
    r = value.double_abc(pd.DataFrame({"revenue": [1000.0, 800, 100, 50, 20],
                                       "gross_profit": [200.0, -40, 30, 10, 0]}, index=list("abcde")))
    assert both(r.warnings)[0] == ["1 家收入 A 类客户毛利为负。"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ind = value.customer_indicators(hand_ledger(invoices=False), AS_OF)
    with pytest.warns(StatisticalWarning, match="weights are ignored|Indicators without data left out"):
        sc = value.scorecard(ind, weights={"revenue": 1.0}, method="entropy")
    zh, en = both(sc.warnings)
    assert any("DSO" in t for t in en) and any("人工权重" in t for t in zh)
    with pytest.warns(StatisticalWarning, match="scores do not differ"):
        value.assign_tiers(ind.assign(active=True), pd.Series(50.0, index=ind.index), rule="score")
    idx = pd.Index(["a", "b"])
    fc = value.markov_forecast([("2024-12-31", pd.Series(["core", "key"], index=idx)),
                                ("2025-12-31", pd.Series(["core", "ordinary"], index=idx))])
    zh, en = both(fc.warnings)
    assert any("只观察到 2 次" in t for t in zh) and any("only 2 account transitions" in t for t in en)
    from kamlib.i18n import Message
    tiers = Message("value.w.tiers_unobserved", {"tiers": [Message("i18n.core"), Message("i18n.key")]})
    assert "核心、重点" in tiers.render("zh") and "tier(s) core, key" in tiers.render("en")


def test_analysis_errors_carry_keyed_reasons():
    from kamlib.errors import AnalysisError
    from kamlib.i18n import Message

    e = AnalysisError(Message("value.w.no_previous", {"date": "2024-12-31"}))
    assert str(e).startswith("no active accounts at the previous period end 2024-12-31")
    assert e.note.render("zh").startswith("上一期末 2024-12-31 没有在册客户")
    assert AnalysisError("plain").note == "plain"
