"""kamlib.satisfaction: unit tests on small frames, known-answer tests against published numbers
(tests/data/satisfaction/), and recovery of the demo ledger's planted drivers."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import satisfaction as S
from kamlib.errors import AnalysisError, DataError, KamlibError, StatisticalWarning
from kamlib.i18n import render
from kamlib.params import SatisfactionSection
from kamlib.satisfaction.key_drivers import _logit_ordered_model

DATA = Path(__file__).resolve().parent / "data" / "satisfaction"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
CONSTRUCTS = {"产品": ["q_product_quality", "q_product_reliability"],
              "服务": ["q_service_response", "q_service_expertise"],
              "交付": ["q_delivery_ontime", "q_delivery_accuracy"],
              "价格": ["q_price_value"]}
SETTINGS = SatisfactionSection(constructs=CONSTRUCTS)


@pytest.fixture(scope="module")
def surveys(demo):
    return demo.tables["surveys"]


@pytest.fixture(scope="module")
def demo_drivers(surveys, demo):
    return S.drivers(surveys, "overall", list(demo.truth["drivers"]))


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return fn(*a, **k)


# ------------------------------------------------------------------------------------------------ NPS

def test_nps_closed_form_known_answer():
    scores = [10, 10, 9, 8, 7, 6, 3, 0, 9, 10]          # 5 promoters, 2 passives, 3 detractors
    r = _quiet(S.nps, scores)
    pp, pd_, n = 0.5, 0.3, 10
    var = (pp * (1 - pp) + pd_ * (1 - pd_) + 2 * pp * pd_) / n   # Var(P - D), multinomial
    assert r.n == 10 and r.nps == pytest.approx(20.0)
    assert (r.promoters, r.passives, r.detractors) == pytest.approx((0.5, 0.2, 0.3))
    assert r.se == pytest.approx(100 * np.sqrt(var))
    z = 1.959963984540054
    assert r.ci_lower == pytest.approx(20 - z * r.se) and r.ci_upper == pytest.approx(20 + z * r.se)


def test_nps_se_matches_simulation():
    rng = np.random.default_rng(1)
    p = np.array([0.25, 0.30, 0.45])                     # detractor, passive, promoter
    n = 150
    draws = rng.multinomial(n, p, size=4000)
    sim = 100 * (draws[:, 2] - draws[:, 0]) / n
    # a sample whose shares equal p exactly: its closed-form SE is the sampling SD of the NPS
    r = S.nps(np.repeat([3.0, 8.0, 10.0], (p * n).round().astype(int)))
    assert r.se == pytest.approx(sim.std(), rel=0.05)


def test_nps_edge_cases():
    with pytest.warns(StatisticalWarning, match="not estimable"):
        one = S.nps([9])
    assert not one.estimable and np.isnan(one.nps) and one.n == 1
    with pytest.warns(StatisticalWarning, match="one category"):
        same = S.nps([10] * 12)
    assert same.nps == 100 and same.se == 0 and same.warnings
    with pytest.raises(DataError, match="outside 0-10"):
        S.nps([5, 11])
    assert S.nps(pd.Series([10, np.nan, 0, 5] * 10)).n == 30


# -------------------------------------------------------------------------------------------- top box

def test_top_box_wilson_interval():
    r = S.top_box([5, 4, 4, 3, 2, 1, 5, 5, 4, 3] * 4)     # 24 of 40 in the top 2
    assert r.share == pytest.approx(0.6) and r.n == 40
    # Wilson interval, independent formula
    z, n, p = 1.959963984540054, 40, 0.6
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (r.ci_lower, r.ci_upper) == pytest.approx((c - h, c + h))
    words = S.top_box(["非常满意", "比较满意", "无意见", "不太满意", "非常不满意"] * 8)
    assert words.share == pytest.approx(0.4) and words.n == 40
    r3 = S.top_box([5, 4, 3, 2, 1] * 8, box=1)
    assert r3.share == pytest.approx(0.2)


def test_top_box_identical_answers_keep_an_honest_interval():
    r = _quiet(S.top_box, [5] * 12)
    assert r.share == 1.0 and r.ci_upper == 1.0 and r.ci_lower < 0.8   # not a fake [100%, 100%]
    with pytest.raises(DataError):
        S.top_box([0, 3])
    with pytest.raises(AnalysisError):
        S.top_box([1, 2], box=5)


# ------------------------------------------------------------------------------------ Cronbach alpha

def test_cronbach_alpha_known_answer_pingouin():
    exp = EXPECTED["cronbach_pingouin"]
    items = pd.read_csv(DATA / exp["file"], index_col=0)
    r = _quiet(S.cronbach_alpha, items)
    assert r.alpha == pytest.approx(exp["alpha"], abs=1e-9)
    assert round(r.ci_lower, 3) == pytest.approx(exp["ci_lower"])
    assert round(r.ci_upper, 3) == pytest.approx(exp["ci_upper"])
    assert r.n == exp["n"] and r.k == 10 and r.method == "Feldt"


def test_cronbach_alpha_variance_form_and_item_statistics():
    rng = np.random.default_rng(0)
    f = rng.normal(size=300)
    x = pd.DataFrame({f"i{j}": f + rng.normal(scale=s, size=300) for j, s in enumerate([0.5, 0.8, 1.0, 3.0])})
    r = S.cronbach_alpha(x)
    k = 4
    alt = k / (k - 1) * (1 - x.var().sum() / x.sum(axis=1).var())       # variance-of-total form
    assert r.alpha == pytest.approx(alt)
    assert r.ci_lower < r.alpha < r.ci_upper
    # the noisiest item has the lowest corrected item-total r and deleting it raises alpha
    assert r.items["item_total_r"].idxmin() == "i3"
    assert r.items.loc["i3", "alpha_if_deleted"] > r.alpha
    rest = x[["i0", "i1", "i2"]]
    assert r.items.loc["i3", "alpha_if_deleted"] == pytest.approx(
        3 / 2 * (1 - rest.var().sum() / rest.sum(axis=1).var()))
    rest_total = x.drop(columns="i0").sum(axis=1)
    assert r.items.loc["i0", "item_total_r"] == pytest.approx(np.corrcoef(x["i0"], rest_total)[0, 1])


def test_cronbach_alpha_missing_handling():
    rng = np.random.default_rng(3)
    f = rng.normal(size=200)
    x = pd.DataFrame({f"i{j}": f + rng.normal(size=200) for j in range(3)})
    x.iloc[::7, 0] = np.nan
    x.iloc[::11, 2] = np.nan
    lw = S.cronbach_alpha(x, missing="listwise")
    full = x.dropna()
    assert lw.n == len(full)
    assert lw.alpha == pytest.approx(3 / 2 * (1 - full.var().sum() / full.sum(axis=1).var()))
    pw = S.cronbach_alpha(x, missing="pairwise")
    c = x.cov()
    assert pw.n == 200 and pw.alpha == pytest.approx(3 / 2 * (1 - np.trace(c) / c.values.sum()))
    with pytest.raises(AnalysisError):
        S.cronbach_alpha(x, missing="mean")


def test_cronbach_alpha_edge_cases():
    with pytest.warns(StatisticalWarning, match="no variance"):
        same = S.cronbach_alpha(pd.DataFrame({"a": [4.0] * 10, "b": [4.0] * 10}))
    assert np.isnan(same.alpha) and not same.estimable
    with pytest.warns(StatisticalWarning, match="at least 2 items"):
        single = S.cronbach_alpha(pd.DataFrame({"a": [1.0, 2, 3, 4]}))
    assert np.isnan(single.alpha)
    with pytest.warns(StatisticalWarning, match="not estimable"):
        one = S.cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    assert one.n == 1 and np.isnan(one.ci_lower)


# ------------------------------------------------------------------------------ ordinal-logit drivers

def test_drivers_known_answer_ucla_ologit():
    exp = EXPECTED["ologit_ucla"]
    d = pd.read_csv(DATA / exp["file"])
    d["apply_level"] = d["apply"].map({v: i for i, v in enumerate(exp["outcome_order"])}).astype(float)
    r = S.drivers(d, "apply_level", ["pared", "public", "gpa"])
    for item, coef in exp["coef"].items():
        assert r.summary.loc[item, "coef"] == pytest.approx(coef, abs=2e-4)
        assert r.summary.loc[item, "se"] == pytest.approx(exp["se"][item], rel=3e-3)
        assert r.summary.loc[item, "p"] == pytest.approx(exp["p"][item], rel=1e-2)
    assert r.thresholds == pytest.approx(exp["thresholds"], abs=4e-4)
    assert r.n == 400 and r.summary["importance"].sum() == pytest.approx(1.0)
    assert r.cov_type == "model-based"          # no account column: the published model-based SEs


def test_ordinal_logit_analytic_score_matches_numerical_derivatives():
    """The analytic score and the Hessian built from it equal statsmodels' numerical derivatives of the
    likelihood, and the fit reaches the same maximum as the stock ``OrderedModel``."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_fprime, approx_hess

    rng = np.random.default_rng(5)
    n = 600
    x = rng.normal(size=(n, 3))
    latent = x @ np.array([0.8, -0.5, 0.1]) + rng.logistic(size=n)
    y = np.digitize(latent, [-1.5, 0.0, 0.7, 2.0])   # 5 ordered levels
    fast = _logit_ordered_model()(y, x, distr="logit")
    stock = OrderedModel(y, x, distr="logit")
    p = np.r_[0.3, -0.2, 0.05, -1.2, np.log([1.1, 0.6, 1.4])]
    np.testing.assert_allclose(fast.score(p), approx_fprime(p, stock.loglike, centered=True), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fast.score_obs(p).sum(0), fast.score(p))
    np.testing.assert_allclose(fast.hessian(p), approx_hess(p, stock.loglike), rtol=1e-4, atol=1e-4)
    a = fast.fit(method="bfgs", disp=False, maxiter=2000)
    b = stock.fit(method="bfgs", disp=False, maxiter=2000)
    np.testing.assert_allclose(a.params, b.params, atol=1e-5)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-4)


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjust_pvalues_matches_statsmodels(method):
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(2)
    for p in (rng.random(40) ** 3, np.array([0.01, 0.04, 0.04, 0.2, 0.01, 1.0, 0.0]), np.array([0.3])):
        np.testing.assert_allclose(S.adjust_pvalues(p, method), multipletests(p, method=method)[1], rtol=1e-12)
    assert S.adjust_pvalues(np.array([]), method).shape == (0,)
    with pytest.raises(KamlibError, match="holm"):
        S.adjust_pvalues(np.array([0.1]), "bonf")


def test_drivers_not_estimable_and_constant_item():
    d = pd.DataFrame({"overall": [4.0, 5, 4, 3] * 5, "a": [3.0, 4, 4, 2] * 5, "b": [4.0] * 20})
    with pytest.warns(StatisticalWarning, match="not estimable"):
        r = S.drivers(d, "overall", ["a", "b"])
    assert not r.estimable and r.summary["coef"].isna().all()
    with pytest.raises(DataError):
        S.drivers(d, "overall", ["zzz"])


def test_relative_weights_orthogonal_case():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.normal(size=(5000, 2)), columns=["a", "b"])
    y = 2 * x["a"] + 1 * x["b"] + rng.normal(size=5000)
    w, r2 = S.relative_weights(x, y)
    # uncorrelated predictors: weights = squared correlations, proportional to 4 : 1
    assert w["a"] == pytest.approx(0.8, abs=0.02) and r2 == pytest.approx(5 / 6, abs=0.02)


def test_demo_planted_drivers_recovered(demo_drivers, demo):
    truth = demo.truth["drivers"]
    r = demo_drivers
    s = r.summary
    assert r.cov_type.startswith("cluster-robust")    # several respondents per account
    strongest = max(truth, key=truth.get)
    assert strongest == "q_service_response"
    assert s["coef"].idxmax() == strongest and s.index[0] == strongest      # by coefficient and by importance
    z = (s["coef"] - pd.Series(truth)) / s["se"]
    assert (z.abs() < 3).all(), z.round(2).to_dict()
    zero = [k for k, v in truth.items() if v == 0]
    assert (s.loc[zero, "coef"].abs() < 0.2).all()
    assert set(s["quadrant"]) <= {"keep", "focus", "low", "overkill"}


def test_drivers_on_a_seeded_sample_recover_the_same_drivers(surveys, demo, demo_drivers):
    truth = demo.truth["drivers"]
    n = demo_drivers.n
    cap = n // 2
    a = S.drivers(surveys, "overall", list(truth), max_n=cap, random_state=3)
    b = S.drivers(surveys, "overall", list(truth), max_n=cap, random_state=3)
    pd.testing.assert_frame_equal(a.summary, b.summary)          # seeded: same params, same report
    assert a.n == n and any(f"{cap:,} of {n:,}" in render(w, "en") for w in a.warnings)
    # importance and performance use every response; the coefficients agree within their standard errors
    pd.testing.assert_series_equal(a.summary["importance"], demo_drivers.summary["importance"])
    z = (a.summary["coef"] - demo_drivers.summary["coef"]) / a.summary["se"]
    assert (z.abs() < 3).all() and a.summary.index[0] == max(truth, key=truth.get)
    assert (a.summary["se"] > demo_drivers.summary["se"]).all()   # half the data: wider intervals
    full = S.drivers(surveys, "overall", list(truth), max_n=n)    # a cap above n changes nothing
    pd.testing.assert_frame_equal(full.summary, demo_drivers.summary)


# ---------------------------------------------------------------------------- account-level frame

def test_account_satisfaction_on_small_frame():
    s = pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4"], "customer_id": pd.array(["A", "A", "A", "B"], dtype="string"),
        "survey_date": pd.to_datetime(["2024-10-01", "2024-10-02", "2025-10-01", "2025-10-05"]),
        "wave": ["2024H2", "2024H2", "2025H2", "2025H2"],
        "overall": [5.0, 3.0, 2.0, 1.0], "nps": [10.0, 6.0, 8.0, 0.0],
        "q1": [5.0, 4.0, np.nan, 1.0], "q2": [3.0, 4.0, 2.0, 1.0]})
    a = S.account_satisfaction(s, SatisfactionSection(constructs={"c": ["q1", "q2"]}))
    assert list(a.index) == ["A", "B"] and a.index.name == "customer_id"
    assert a.loc["A", "n_responses"] == 3 and a.loc["A", "n_waves"] == 2 and a.loc["A", "last_wave"] == "2025H2"
    assert a.loc["A", "overall"] == pytest.approx(10 / 3) and a.loc["A", "overall_last_wave"] == 2.0
    assert a.loc["A", "csat"] == pytest.approx(1 / 3) and a.loc["A", "nps"] == pytest.approx(0.0)
    assert a.loc["A", "construct_c"] == pytest.approx((4 + 4 + 2) / 3)
    assert a.loc["B", "dissatisfied"] == 1.0 and a.loc["A", "dissatisfied"] == 0.0
    assert a.loc["B", "nps"] == -100 and a.loc["B", "n_responses"] == 1         # single respondent kept


def test_account_satisfaction_matches_planted_dissatisfied(surveys, demo):
    a = S.account_satisfaction(surveys, SETTINGS)
    assert a.index.is_unique and len(a) == surveys["customer_id"].nunique()
    planted = set(demo.truth["traits"]["dissatisfied"])
    flag = a["dissatisfied"] == 1.0
    agree = (flag == a.index.isin(planted)).mean()
    assert agree > 0.95
    with pytest.raises(DataError, match="not in the surveys"):
        S.account_satisfaction(surveys, SatisfactionSection(constructs={"x": ["nope"]}))


# ------------------------------------------------------------------------------------ summaries

def test_headline_account_vs_respondent(surveys):
    acc = S.headline(surveys, SETTINGS)
    resp = S.headline(surveys, SETTINGS, aggregate="respondent")
    assert acc.table.loc["nps", "n"] == surveys["customer_id"].nunique()
    assert resp.table.loc["nps", "n"] == len(surveys)
    assert resp.table.loc["nps", "estimate"] == pytest.approx(S.nps(surveys["nps"]).nps)
    a = S.account_satisfaction(surveys, SETTINGS)
    assert acc.table.loc["nps", "estimate"] == pytest.approx(a["nps"].mean())
    assert acc.table.loc["csat", "estimate"] == pytest.approx(a["csat"].mean())
    for t in (acc.table, resp.table):
        assert (t["ci_lower"] < t["estimate"]).all() and (t["estimate"] < t["ci_upper"]).all()
    assert "客户" in S.sentences(acc, "zh") and "account" in S.sentences(acc, "en")


def test_small_sample_is_not_estimable(surveys):
    few = surveys[surveys["customer_id"].isin(surveys["customer_id"].unique()[:3])]
    with pytest.warns(StatisticalWarning, match="not estimable"):
        h = S.headline(few, SETTINGS)
    assert not h.table["estimable"].any() and h.table["estimate"].isna().all()
    assert "样本不足" in S.sentences(h, "zh")
    items = _quiet(S.item_summary, few, SETTINGS)
    assert items.table["mean"].isna().all()


def test_likert_distribution_weights_accounts_equally():
    s = pd.DataFrame({"customer_id": ["A"] * 4 + ["B"], "q": [5.0, 5, 5, 5, 1]})
    acc = S.likert_distribution(s, ["q"])
    resp = S.likert_distribution(s, ["q"], aggregate="respondent")
    assert acc.shares.loc["q", 5] == pytest.approx(0.5) and acc.shares.loc["q", 1] == pytest.approx(0.5)
    assert resp.shares.loc["q", 5] == pytest.approx(0.8) and acc.n["q"] == 2 and resp.n["q"] == 5
    assert list(acc.to_frame("zh").columns[:5]) == ["非常不满意", "不太满意", "无意见", "比较满意", "非常满意"]


def test_item_summary_and_reliability_on_demo(surveys):
    it = S.item_summary(surveys, SETTINGS)
    t = it.table
    assert set(t.loc[t["level"] == "construct"].index) == {"产品", "服务", "交付"}   # 价格 has one item
    assert ((t["top_box_lower"] <= t["top_box"]) & (t["top_box"] <= t["top_box_upper"])).all()
    rel = _quiet(S.reliability, surveys, SETTINGS)
    assert (rel.table.loc[["产品", "服务", "交付"], "alpha"] > 0.7).all()
    assert np.isnan(rel.table.loc["价格", "alpha"]) and rel.warnings
    assert "Feldt" in S.sentences(rel, "zh")


# ------------------------------------------------------------------------------- groups and waves

def test_group_tests_detect_planted_difference_with_correction():
    rng = np.random.default_rng(0)
    n = 60
    s = pd.DataFrame({"customer_id": [f"C{i}" for i in range(2 * n)],
                      "overall": np.r_[rng.choice([4, 5], n), rng.choice([1, 2, 3], n)].astype(float),
                      "nps": rng.integers(0, 11, 2 * n).astype(float),
                      "respondent_role": ["user"] * (2 * n)})
    cust = pd.DataFrame({"tier": ["core"] * n + ["ordinary"] * n}, index=[f"C{i}" for i in range(2 * n)])
    r = _quiet(S.group_tests, s, cust, by=["tier", "respondent_role", "missing_col"])
    row = r.table.set_index(["by", "measure"]).loc[("tier", "overall")]
    assert row["test"].startswith("Mann-Whitney") and row["p_adj"] < 1e-6 and row["effect"] == pytest.approx(1.0)
    assert row["chi2_p_adj"] < 1e-6 and row["cramers_v"] == pytest.approx(1.0)
    assert (r.table["p_adj"].dropna() >= r.table["p"].dropna()).all()
    assert any("missing_col" in render(w, "en") for w in r.warnings)
    assert "Holm" in S.sentences(r, "zh")


def test_group_tests_kruskal_on_demo(surveys, demo):
    cust = demo.tables["customers"].set_index("customer_id")
    r = S.group_tests(surveys, cust, by=["region"], settings=SETTINGS)
    t = r.table
    assert (t["test"] == "Kruskal-Wallis").all() and (t["k"] == 4).all()
    assert (t["p_adj"] > 0.05).all()           # region has no planted satisfaction effect


def test_wave_change_paired_and_missing_waves(surveys):
    w = S.wave_change(surveys, SETTINGS)
    assert w.waves == ("2024H2", "2025H2")
    assert (w.table["test"].str.startswith("paired")).all() and (w.table["n_paired"] > 100).all()
    assert (w.table["p_adj"] > 0.01).all()          # no planted change between waves
    one = surveys[surveys["wave"] == "2025H2"]
    with pytest.warns(StatisticalWarning, match="at least two"):
        w1 = S.wave_change(one, SETTINGS)
    assert w1.table.empty and "一期" in S.sentences(w1, "zh")
    nowave = surveys.drop(columns=["wave"])
    assert S.wave_change(nowave, SETTINGS).waves == ("2024H2", "2025H2")   # derived from survey_date


def test_wave_change_detects_paired_shift():
    rng = np.random.default_rng(2)
    ids = [f"C{i}" for i in range(40)]
    base = rng.integers(2, 5, 40).astype(float)
    s = pd.DataFrame({"customer_id": ids * 2, "wave": ["2024H2"] * 40 + ["2025H2"] * 40,
                      "overall": np.r_[base, np.minimum(base + 1, 5)], "nps": np.r_[base * 2, base * 2 + 1]})
    w = S.wave_change(s, SatisfactionSection())
    row = w.table.set_index("measure").loc["overall"]
    assert row["test"].startswith("paired") and row["diff"] > 0.5 and row["p_adj"] < 1e-6
    assert "上升" in S.sentences(w, "zh")


def test_sentences_languages(surveys):
    r = S.nps(surveys["nps"])
    assert "推荐者" in S.sentences(r, "zh") and "promoters" in S.sentences(r, "en")
    with pytest.raises(KamlibError):
        S.sentences(r, "fr")
    assert S.likert_label(5, "zh") == "非常满意" and S.likert_label(1, "en") == "Very dissatisfied"


def test_plots_draw_results(surveys, demo_drivers):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlib import plotting

    items = [i for v in CONSTRUCTS.values() for i in v]
    lk = S.likert_distribution(surveys, items)
    ax = plotting.plot_likert(lk)
    assert len(ax.patches) == 5 * len(items)
    dr = demo_drivers
    for ax in (plotting.plot_importance_performance(dr), plotting.plot_drivers(dr),
               plotting.plot_nps(S.nps(surveys["nps"])), plotting.plot_item_summary(S.item_summary(surveys, SETTINGS)),
               plotting.plot_wave_change(S.wave_change(surveys, SETTINGS)),
               plotting.plot_likert(lk, neutral="separate", lang="en")):
        assert ax.has_data()
    plt.close("all")


def test_identical_answers_everywhere_are_not_estimable_not_fake():
    s = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)], "wave": ["2025H2"] * 30,
                      "overall": [4.0] * 30, "nps": [8.0] * 30, "q1": [4.0] * 30, "q2": [4.0] * 30})
    cust = pd.DataFrame({"tier": ["key", "ordinary"] * 15}, index=s["customer_id"])
    st = SatisfactionSection(constructs={"c": ["q1", "q2"]})
    g = _quiet(S.group_tests, s, cust, by=["tier"], settings=st)
    assert (g.table["test"] == "not estimable").all() and g.table["p"].isna().all()
    d = _quiet(S.drivers, s, "overall", ["q1", "q2"], min_n=5)
    assert not d.estimable and d.summary["coef"].isna().all()
    rel = _quiet(S.reliability, s, st)
    assert not rel.table.loc["c", "estimable"]
    with pytest.warns(StatisticalWarning, match="degenerate"):
        h = S.headline(s, st)
    assert h.table.loc["csat", "estimate"] == 1.0 and h.table.loc["nps", "estimate"] == 0.0
    assert h.table.loc["csat", "ci_lower"] < 0.95 and h.warnings          # Wilson over accounts, not [1, 1]


def test_minimal_surveys_only_overall_and_dates():
    rng = np.random.default_rng(4)
    s = pd.DataFrame({"customer_id": [f"C{i % 40}" for i in range(120)],
                      "survey_date": pd.to_datetime(["2024-10-01"] * 60 + ["2025-03-01"] * 60),
                      "overall": rng.integers(1, 6, 120).astype(float)})
    st = S.resolve_settings(SatisfactionSection(), s)
    assert st.constructs == {} and S.item_list(st) == []
    h = S.headline(s, st)
    assert list(h.table.index) == ["csat", "overall"]            # no nps column: no nps row
    assert "没有 Likert 题项" in S.sentences(S.item_summary(s, st), "zh")
    assert "No Likert items" in S.sentences(S.reliability(s, st), "en")
    w = S.wave_change(s, st)
    assert w.waves == ("2024H2", "2025H1") and (w.table["n_paired"] == 40).all()
    a = S.account_satisfaction(s, st)
    assert a["nps"].isna().all() and (a["n_waves"] == 2).all() and (a["last_wave"] == "2025H1").all()


def test_results_compare_by_identity_without_raising(surveys):
    a, b = S.headline(surveys), S.headline(surveys)
    assert a == a and a != b and S.nps(surveys["nps"]) != S.nps(surveys["nps"])
