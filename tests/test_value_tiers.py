"""Value-led tiers (issue 18): the largest accounts are core or key unless a named rule demotes them, discrete
indicators cannot take over the entropy scorecard, absolute thresholds let accounts move between tiers, and
the Markov tier-mix forecast is backtested one period back."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from kamlib import value
from kamlib.errors import KamlibError, StatisticalWarning
from kamlib.ledger import Ledger
from kamlib.params import Params, ValueSection
from tests.helpers import ROOT, SHARED_RETAIL

AS_OF = pd.Timestamp("2025-12-31")
REGIONS = {"east": "华东", "north": "华北", "south": "华南", "west": "西部"}


def _region_ledger(demo, region: str) -> Ledger:
    t = demo.tables
    cust = t["customers"][t["customers"]["region"] == region].reset_index(drop=True)
    ids = set(cust["customer_id"])
    o = t["orders"]
    o = o[(o["revenue"] > 0) & (o["unit_price"] > 0) & o["customer_id"].isin(ids)].reset_index(drop=True)
    inv = t["invoices"][t["invoices"]["customer_id"].isin(ids)].reset_index(drop=True)
    return Ledger(orders=o, customers=cust, invoices=inv)


def _top10_keyish(c: pd.DataFrame) -> dict[str, int]:
    act = c[c["active"].fillna(False).astype(bool)]
    out = {}
    for col in ("revenue", "revenue_last_12m"):
        top = act[col].sort_values(ascending=False, kind="mergesort").index[:10]
        out[col] = int(act.loc[top, "tier"].isin(["core", "key"]).sum())
    return out


@pytest.fixture(scope="module")
def region_workbooks(demo):
    from kamlib.workbook import build_workbook

    out = {}
    for rid, region in REGIONS.items():
        params = Params.model_validate({"region": rid, "as_of": AS_OF.date(), "data": {"orders": "unused.csv"}})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[rid] = build_workbook(params, _region_ledger(demo, region))
    return out


# ------------------------------------------------------------------------------------- value-led default

@pytest.mark.parametrize("rid", list(REGIONS))
def test_ten_largest_accounts_are_core_or_key_in_every_demo_region(region_workbooks, rid):
    c = region_workbooks[rid].customers
    assert _top10_keyish(c) == {"revenue": 10, "revenue_last_12m": 10}


@pytest.mark.parametrize("rid", list(REGIONS))
def test_demoted_top_accounts_name_their_rule(region_workbooks, rid):
    """Every top-20 account below its value tier carries the rule that demoted it, shown in words."""
    wb = region_workbooks[rid]
    c = wb.customers
    tr = value.classify_tiers(c, c["score"], **value.tier_options(wb.params.value))
    pd.testing.assert_series_equal(tr.tiers, c["tier"], check_names=False)
    act = c[c["active"]]
    top20 = act["revenue"].sort_values(ascending=False, kind="mergesort").index[:20]
    d = tr.demoted(c)
    d = d[d.index.isin(top20)]
    assert len(d), "the demo has demoted top accounts (low-margin strategic accounts)"
    assert d["tier_reason"].str.contains("shrinking|margin_below|late_payment").all()
    level = {"core": 2, "key": 1, "ordinary": 0}
    assert (d["candidate"].map(level) - d["tier"].map(level) == 1).all()   # exactly one level
    shown = value.display_table(d, "zh")
    assert shown["分级原因"].str.contains("收入萎缩|毛利率低于平均|长期逾期付款").all()
    assert not any(re.search(r"[a-z]+_[a-z]+", str(h)) for h in shown.columns)  # no snake_case headers
    assert "margin_below" not in shown.to_string()
    s = value.demoted_sentence(tr, c, "zh")
    assert "收入前 20" in s and re.search(r"降了一级", s)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_RETAIL.exists(), reason=f"retail export not available at {SHARED_RETAIL}")
def test_ten_largest_accounts_are_core_or_key_on_the_retail_export():
    from kamlib.io import load_ledger
    from kamlib.params import load_params
    from kamlib.workbook import build_workbook

    params = load_params(ROOT / "params" / "examples" / "online_retail.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = build_workbook(params, load_ledger(params))
    assert _top10_keyish(wb.customers) == {"revenue": 10, "revenue_last_12m": 10}
    # no profit data: the margin rule is off, and the rule says so in words
    tr = value.classify_tiers(wb.customers, wb.customers["score"], **value.tier_options(params.value))
    assert not tr.reasons.str.contains("margin_below").any()
    assert "Tiers follow value" in value.sentences(tr, "en")


def test_value_rule_hand_example():
    """Revenue 500/300/100/60/40 (total 1000): core band = the first 30% (a: 0% before it), key band to 80%
    (b: 50% before; c: 80% before, not < 80%: ordinary on revenue). Gross profit 50/30/40/9/6 (total 135): a
    core, c key (37% before), b key (67% before). Book margin 13.5%, "below average" under 90% of it (12.15%).
    a: margin 10% -> core demoted to key. b: margin 10% and revenue down 30% -> key demoted to ordinary (one
    level, both reasons named). c: key on gross profit. d, e: ordinary."""
    ind = pd.DataFrame({"revenue": [500.0, 300, 100, 60, 40], "gross_profit": [50.0, 30, 40, 9, 6],
                        "revenue_yoy": [0.05, -0.30, 0.0, 0.0, 0.0], "active": True}, index=list("abcde"))
    ind["margin"] = ind["gross_profit"] / ind["revenue"]
    r = value.value_tiers(ind, bases=("revenue", "gross_profit"))
    assert r.tiers.to_dict() == {"a": "key", "b": "ordinary", "c": "key", "d": "ordinary", "e": "ordinary"}
    assert r.candidate.to_dict() == {"a": "core", "b": "key", "c": "key", "d": "ordinary", "e": "ordinary"}
    assert r.reasons["a"] == "core:revenue;margin_below"
    assert r.reasons["b"] == "key:revenue;shrinking;margin_below"
    assert r.reasons["c"] == "key:gross_profit"
    assert r.book_margin == pytest.approx(0.135)
    assert (value.reason_text(r.reasons["b"], "zh", {"revenue_yoy": -0.3, "margin": 0.1})
            == "收入进入重点区间；收入萎缩（同比 -30.0%）；毛利率低于平均（毛利率 10.0%）")
    assert value.reason_text(r.reasons["a"], "en") == "core band on Revenue; margin below average"
    # inactive accounts are ordinary whatever their history
    r2 = value.value_tiers(ind.assign(active=[False, True, True, True, True]), bases=("revenue",))
    assert r2.tiers["a"] == "ordinary" and r2.reasons["a"] == "inactive"
    with pytest.raises(KamlibError, match="demotion"):
        value.value_tiers(ind, demotion={"nope": 1})


def test_boundary_table_says_what_would_move_an_account():
    ind = pd.DataFrame({"revenue_last_12m": [5.2e6, 4.8e6, 1.05e6, 0.96e6, 0.2e6]}, index=list("abcde"))
    r = value.value_tiers(ind, thresholds={"core": 5e6, "key": 1e6}, basis="revenue_last_12m")
    assert r.tiers.to_dict() == {"a": "core", "b": "key", "c": "key", "d": "ordinary", "e": "ordinary"}
    nb = r.near_boundary(within=0.10)
    got = {(cid, row["boundary"], row["direction"]): row["gap"] for cid, row in nb.iterrows()}
    assert got == {("a", "core", "down"): pytest.approx(0.2e6), ("b", "core", "up"): pytest.approx(0.2e6),
                   ("c", "key", "down"): pytest.approx(0.05e6), ("d", "key", "up"): pytest.approx(0.04e6)}
    shown = value.display_table(nb, "zh")
    assert {"边界", "方向", "口径", "门槛", "差额"} <= set(shown.columns)
    assert set(shown["方向"]) == {"升级", "降级"}


# ------------------------------------------------------------------------------------- guarded entropy

def test_planted_dominant_categorical_indicator_cannot_take_over_the_score(demo):
    """A three-level band held by a few accounts is what the entropy method rewards most (dispersion, not
    importance): it gets a fixed small weight, and the score still follows revenue and profit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ind = value.customer_indicators(_region_ledger(demo, "华东"), AS_OF)
    rng = np.random.default_rng(3)
    band = pd.Series(rng.choice([1.0, 2.0, 3.0], size=len(ind), p=[0.9, 0.07, 0.03]), index=ind.index)
    ind = ind.assign(planted_band=band)
    cols = [*value.DEFAULT_SCORECARD_INDICATORS, "planted_band"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = value.scorecard(ind, indicators_used=cols)
    w = sc.weights
    assert w["planted_band"] <= 0.05 + 1e-12
    assert w["size_score"] <= 0.05 + 1e-12   # the three-level size band is not entropy-weighted either
    assert w[["revenue", "gross_profit"]].sum() > 3 * w["planted_band"]
    act = ind["active"]
    rho = sc.scores[act].corr(ind.loc[act, "revenue"].rank(), method="spearman")
    assert rho > sc.scores[act].corr(band[act], method="spearman")


def test_weight_cap_warning_in_the_report_language(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ind = value.customer_indicators(_region_ledger(demo, "西部"), AS_OF)
    wts = {"revenue": 0.7, "gross_profit": 0.1, "frequency": 0.1, "dso": 0.1}
    with pytest.warns(StatisticalWarning, match="takes 70.0% of the scorecard weight"):
        sc = value.scorecard(ind, weights=wts, method="manual")
    zh = [m.render("zh") for m in sc.warnings]
    assert any("占了 70.0% 的权重" in m and "收入" in m and "超过 35.0%" in m for m in zh), zh
    assert any("'Revenue'" in m.render("en") for m in sc.warnings)


def test_any_numeric_indicator_can_be_scored_and_be_a_tier_basis():
    """Growth potential hook: a CLV column such as expected_revenue_12m is scored when asked for and can be
    a basis of the value rule."""
    ind = pd.DataFrame({"revenue": [100.0, 90, 80, 10, 5, 1], "expected_revenue_12m": [10.0, 20, 5, 400, 1, 1]},
                       index=list("abcdef"))
    sc = value.scorecard(ind, indicators_used=["revenue", "expected_revenue_12m"])
    assert set(sc.weights.index) == {"revenue", "expected_revenue_12m"}
    r = value.value_tiers(ind, bases=("revenue", "expected_revenue_12m"))
    assert r.tiers["d"] == "core" and r.reasons["d"] == "core:expected_revenue_12m"


# ------------------------------------------------------------------------------------- tiers that move

def test_absolute_thresholds_let_accounts_move_between_tiers():
    """Every account doubles its revenue: relative tiers cannot change (same ranks, same shares), absolute
    thresholds move the accounts that crossed them."""
    before = pd.DataFrame({"revenue_last_12m": [6e6, 3e6, 2e6, 0.8e6, 0.6e6, 0.1e6]}, index=list("abcdef"))
    after = before * 2
    rel = [value.value_tiers(f, bases=("revenue_last_12m",)).tiers for f in (before, after)]
    pd.testing.assert_series_equal(rel[0], rel[1])
    th = {"core": 5e6, "key": 1e6}
    ab = [value.value_tiers(f, thresholds=th).tiers for f in (before, after)]
    m = value.tier_migration(ab[0], ab[1])
    assert m.loc["key", "core"] == 1 and m.loc["ordinary", "key"] == 2 and m.loc["key", "key"] == 1
    with pytest.raises(KamlibError, match="core > key"):
        value.value_tiers(before, thresholds={"core": 1, "key": 2})


def test_absolute_thresholds_through_params_and_migration(demo):
    vs = ValueSection.model_validate({"tier_thresholds": {"core": 5_000_000, "key": 1_000_000}})
    L = _region_ledger(demo, "华北")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dy = value.dynamic_identification(L, AS_OF, **value.dynamic_options(vs))
        ind = value.customer_indicators(L, dy.previous_as_of)
    expected_prev = value.value_tiers(ind, thresholds={"core": 5e6, "key": 1e6}).tiers.reindex(dy.previous.index)
    pd.testing.assert_series_equal(dy.previous.astype("str"), expected_prev, check_names=False)
    moved = dy.matrix.loc[list(value.TIERS), list(value.TIERS)]
    assert moved.to_numpy().sum() - np.trace(moved.to_numpy()) > 0   # accounts move between tiers


# ------------------------------------------------------------------------------------------- Markov

def test_markov_forecast_hand_example():
    """Period 1 -> 2: of 4 core, 3 stay and 1 is lost; of 4 key, 2 stay and 2 become ordinary; 2 ordinary
    stay; 1 new key account. Period 2 -> 3: of 3 core, 2 stay and 1 is lost; of 3 key, 2 stay and 1 becomes
    ordinary; the 4 ordinary stay; 1 new key account."""
    p1 = pd.Series({"c1": "core", "c2": "core", "c3": "core", "c4": "core", "k1": "key", "k2": "key",
                    "k3": "key", "k4": "key", "o1": "ordinary", "o2": "ordinary"})
    p2 = pd.Series({"c1": "core", "c2": "core", "c3": "core", "k1": "key", "k2": "key", "k3": "ordinary",
                    "k4": "ordinary", "o1": "ordinary", "o2": "ordinary", "n1": "key"})
    p3 = pd.Series({"c1": "core", "c2": "core", "k1": "key", "n1": "key", "k2": "ordinary", "k3": "ordinary",
                    "k4": "ordinary", "o1": "ordinary", "o2": "ordinary", "n2": "key"})
    f = value.markov_forecast([("2025-06-30", p1), ("2025-09-30", p2), ("2025-12-31", p3)], n_periods=2)
    T = f.transition
    assert T.loc["lost"].tolist() == [0.0, 0.0, 0.0, 1.0]            # lost is absorbing
    assert T.loc["core", "core"] == pytest.approx(5 / 7)             # 3 of 4, then 2 of 3 stay core
    assert T.loc["core", "lost"] == pytest.approx(2 / 7)
    assert T.loc["key", "ordinary"] == pytest.approx(3 / 7)         # 2 of 4, then 1 of 3
    assert f.inflow["key"] == pytest.approx(1.0)
    s0 = f.forecast.loc[0]
    assert s0.tolist() == [2.0, 3.0, 5.0, 0.0]
    s1 = f.forecast.loc[1]
    assert s1["core"] == pytest.approx(2 * 5 / 7)
    assert s1["lost"] == pytest.approx(2 * 2 / 7)
    assert s1["key"] == pytest.approx(3 * 4 / 7 + 1)
    assert s1["ordinary"] == pytest.approx(5 + 3 * 3 / 7)
    # backtest: fitted on p1 -> p2 only, forecasting p3 from p2
    bt = f.backtest
    assert bt.loc["core", "forecast"] == pytest.approx(3 * 3 / 4)
    assert bt.loc["core", "actual"] == 2 and bt.loc["lost", "actual"] == 1
    assert bt["error"].to_numpy() == pytest.approx((bt["forecast"] - bt["actual"]).to_numpy())
    assert "回测" in value.sentences(f, "zh") and "Backtest" in value.sentences(f, "en")


def test_markov_forecast_on_demo_is_backtested(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dy = value.dynamic_identification(_region_ledger(demo, "华东"), AS_OF)
    f = dy.forecast
    assert f is not None and len(f.dates) == 4 and f.dates[-1] == AS_OF
    assert list(f.forecast.index) == [0, 1, 2, 3, 4]
    assert (f.forecast["lost"].diff().dropna() >= 0).all()          # lost accumulates
    bt = f.backtest
    assert bt is not None and list(bt.columns) == ["forecast", "actual", "error"]
    # quarter to quarter the mix is persistent: the one-period forecast is within 25% per tier
    assert (bt.loc[list(value.TIERS), "error"].abs() <= 0.25 * bt.loc[list(value.TIERS), "actual"] + 3).all()
    shown = value.display_table(bt, "zh")
    assert list(shown.columns) == ["预测", "实际", "误差"] and "核心" in shown.index


def test_plot_tier_forecast_smoke(demo):
    import matplotlib

    matplotlib.use("Agg")
    from kamlib import plotting

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dy = value.dynamic_identification(_region_ledger(demo, "西部"), AS_OF)
    ax = plotting.plot_tier_forecast(dy.forecast, lang="zh")
    assert len(ax.get_lines()) == 4
    plotting.plot_tier_forecast(dy, lang="en")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_classify_tiers_settings_object_is_deprecated_but_gives_the_same_tiers(region_workbooks):
    wb = next(iter(region_workbooks.values()))
    c, vs = wb.customers, wb.params.value.model_copy(update={"tier_rule": "score"})
    with pytest.warns(DeprecationWarning, match="settings object is deprecated"):
        old = value.classify_tiers(c, c["score"], vs)
    new = value.classify_tiers(c, c["score"], rule="score")
    pd.testing.assert_series_equal(old.tiers, new.tiers)
    assert new.rule == "score"
    with pytest.raises(KamlibError, match="tier_quantiles"):
        value.classify_tiers(c, c["score"], rule="score", quantiles=(0.9, 0.5))


def test_migration_and_landmark_tiers_take_keywords_the_settings_object_still_works(region_workbooks):
    from kamlib import survival

    wb = next(iter(region_workbooks.values()))
    vs = wb.params.value
    kw = {"current_tiers": wb.customers["tier"], "weights": wb.scorecard.weights}
    with pytest.warns(DeprecationWarning, match="settings object is deprecated"):
        old = value.dynamic_identification(wb.ledger, wb.as_of, vs, **kw)
    new = value.dynamic_identification(wb.ledger, wb.as_of, **kw, **value.dynamic_options(vs))
    pd.testing.assert_frame_equal(old.matrix, new.matrix)
    pd.testing.assert_series_equal(old.previous, new.previous)
    landmark = wb.churn.attrs["landmark"]
    with pytest.warns(DeprecationWarning, match="settings object is deprecated"):
        old_t = survival.tiers_as_of(wb.ledger, landmark, vs)
    new_t = survival.tiers_as_of(wb.ledger, landmark, growth_periods=vs.growth_periods,
                                 scorecard_method=vs.scorecard_method, scorecard_weights=vs.weights,
                                 indicators=vs.indicators, rule=vs.tier_rule, quantiles=vs.tier_quantiles)
    pd.testing.assert_series_equal(old_t, new_t)
    with pytest.raises(KamlibError, match="period"):
        value.dynamic_identification(wb.ledger, wb.as_of, period="week")
