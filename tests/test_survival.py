"""Tests of kamlib.survival: known answers (published R / Stata output), unit tests on small frames, edge cases,
and recovery of the demo ledger's planted churn hazard ratios with late entry."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import fmt
from kamlib import survival as sv
from kamlib.errors import KamlibError, StatisticalWarning
from kamlib.ledger import Ledger
from kamlib.survival.cox_model import _CoxPartialLikelihood

DATA = Path(__file__).parent / "data" / "survival"
KA = json.loads((DATA / "known_answers.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    df = pd.read_csv(DATA / "lung_camis.csv", na_values=["."])
    df["event"] = df["status"] == 2
    return df


@pytest.fixture(scope="module")
def gehan() -> pd.DataFrame:
    df = pd.read_csv(DATA / "gehan.csv")
    df["treated"] = (df["group"] == "treated").astype(float)
    return df


# ============================================================================== known answers: Kaplan-Meier

def test_lung_median_and_log_ci_match_r(lung):
    ka = KA["lung_km_overall_log"]
    res = sv.kaplan_meier(lung["time"], lung["event"], conf_type="log")
    m = res.median.loc["all"]
    assert (m["n"], m["events"]) == (ka["n"], ka["events"])
    assert (m["median"], m["ci_lower"], m["ci_upper"]) == (ka["median"], ka["median_lcl"], ka["median_ucl"])


def test_lung_one_year_survival_and_log_ci_match_r(lung):
    ka = KA["lung_km_1year_log"]
    res = sv.kaplan_meier(lung["time"], lung["event"], conf_type="log")
    at = res.survival_at([ka["time"]]).iloc[0]
    assert (at["survival"], at["ci_lower"], at["ci_upper"]) == pytest.approx(
        (ka["survival"], ka["ci_lower"], ka["ci_upper"]), abs=5e-4)
    last = res.table[res.table["time"] <= ka["time"]].iloc[-1]
    assert last["std_err"] == pytest.approx(ka["std_err"], abs=5e-5)
    assert int(res.table.loc[res.table["time"] <= ka["time"], "events"].sum()) == ka["n_event"]
    assert int((lung["time"] >= ka["time"]).sum()) == ka["n_risk"]


def test_gehan_km_table_and_loglog_ci_match_published(gehan):
    res = sv.kaplan_meier(gehan["weeks"], gehan["relapse"], gehan["group"], conf_type="log-log")
    tab = res.table[res.table["group"] == "control"].set_index("time")
    for row in KA["gehan_km_loglog"]["rows"]:
        r = tab.loc[row["time"]]
        assert r["at_risk"] == row["at_risk"] and r["events"] == row["events"]
        for col in ("survival", "std_err", "ci_lower", "ci_upper"):
            assert r[col] == pytest.approx(row[col], abs=6e-5), col
    # every control patient relapsed: the curve reaches 0 and the median is finite
    assert tab["survival"].iloc[-1] == 0 and res.median.loc["control", "median"] == 8.0
    # treated: classic 6-MP values (Kaplan-Meier 1958 / Freireich 1963)
    tr = res.table[res.table["group"] == "treated"]["survival"].round(3).tolist()
    assert tr == [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]


def test_median_on_flat_segment_and_loglog_ci_match_camis():
    ka = KA["camis_median_flat_segment"]
    df = pd.read_csv(DATA / "camis_special.csv")
    res = sv.kaplan_meier(df["time"], df["status"], conf_type="log-log")
    assert res.median.loc["all", "median"] == ka["median"]
    at = res.survival_at([118]).iloc[0]
    assert at["survival"] == ka["surv_118"]
    assert at["ci_lower"] == pytest.approx(ka["surv_118_lower"], abs=5e-4)
    assert at["ci_upper"] == pytest.approx(ka["surv_118_upper"], abs=5e-4)


# ============================================================================== known answers: log-rank, Cox

def test_lung_logrank_by_sex_matches_r(lung):
    ka = KA["lung_logrank_sex"]
    res = sv.logrank(lung["time"], lung["event"], lung["sex"])
    assert res.statistic == pytest.approx(ka["chisq"], abs=5e-5)
    assert res.df == 1 and res.pvalue == pytest.approx(ka["pvalue"], rel=1e-4)
    assert res.table.loc[1, "observed"] == 112 and res.table.loc[2, "observed"] == 53
    assert res.table.loc[1, "expected"] == pytest.approx(ka["expected"]["1"], abs=5e-5)
    assert res.table.loc[2, "expected"] == pytest.approx(ka["expected"]["2"], abs=5e-5)


def test_gehan_logrank(gehan):
    res = sv.logrank(gehan["weeks"], gehan["relapse"], gehan["group"])
    assert res.statistic == pytest.approx(KA["gehan_km_loglog"]["logrank_chisq"], abs=5e-3)


def test_lung_cox_matches_r(lung):
    ka = KA["lung_cox_sex_efron"]
    res = sv.cox(lung, "time", "event", ["sex"])
    s = res.summary.loc["sex"]
    assert s["coef"] == pytest.approx(ka["coef"], abs=5e-5)
    assert s["se"] == pytest.approx(ka["se"], abs=5e-5)
    assert s["z"] == pytest.approx(ka["z"], abs=5e-4) and s["p"] == pytest.approx(ka["p"], abs=5e-6)
    assert res.concordance == pytest.approx(ka["concordance"], abs=5e-4)
    assert list(res.summary.columns) == ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]

    ka = KA["lung_cox_age_sex_ecog_efron"]
    with pytest.warns(StatisticalWarning, match="1 of 228 rows"):
        res = sv.cox(lung, "time", "event", ["age", "sex", "ph.ecog"])
    assert res.n == 227
    for term in ("age", "sex", "ph.ecog"):
        assert res.summary.loc[term, "coef"] == pytest.approx(ka["coef"][term], abs=5e-7)
        assert res.summary.loc[term, "se"] == pytest.approx(ka["se"][term], abs=5e-7)
    assert res.concordance == pytest.approx(ka["concordance"], abs=5e-4)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("with_strata", [False, True])
def test_partial_likelihood_matches_statsmodels_phreg(ties, with_strata):
    """The vectorised fit equals statsmodels' PHReg (its loop over failure times is the reference):
    heavy ties, late entry, a stratum without events, a binary and a continuous covariate."""
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(11)
    n = 400
    Z = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.normal(size=n)])
    t = np.ceil(rng.exponential(20 * np.exp(-0.5 * Z[:, 0] + 0.7 * Z[:, 1]))).astype(float)   # tied days
    e = (rng.random(n) < 0.7).astype(float)
    entry = np.where(rng.random(n) < 0.3, np.floor(t * rng.random(n)), 0.0)
    strata = rng.integers(0, 3, n) if with_strata else np.zeros(n, dtype=int)
    if with_strata:
        e[strata == 2] = 0.0   # no events in this stratum: it drops out of the likelihood
    ref = PHReg(t, Z, status=e, entry=entry, strata=strata if with_strata else None, ties=ties)
    fit = ref.fit(method="newton")
    pl = _CoxPartialLikelihood(t, e, entry, strata, Z, ties)
    beta, cov, converged, grad = pl.fit()
    assert converged and np.max(np.abs(grad)) < 1e-6
    np.testing.assert_allclose(beta, fit.params, atol=1e-8)
    np.testing.assert_allclose(cov, fit.cov_params(), rtol=1e-6)
    assert pl.loglike(beta) == pytest.approx(ref.loglike(fit.params), abs=1e-8)
    assert pl.loglike(np.zeros(3)) == pytest.approx(ref.loglike(np.zeros(3)), abs=1e-8)
    ll, g, h = pl.derivatives(beta * 0.5)
    np.testing.assert_allclose(g, ref.score(beta * 0.5), atol=1e-8)
    np.testing.assert_allclose(h, ref.hessian(beta * 0.5), rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(pl.schoenfeld(beta), fit.schoenfeld_residuals, atol=1e-9)


def test_gehan_efron_and_breslow_ties_match_published(gehan):
    ka = KA["gehan_cox_ties"]
    br = sv.cox(gehan, "weeks", "relapse", ["treated"], ties="breslow").summary.loc["treated"]
    b = ka["breslow"]
    assert br["hr"] == pytest.approx(b["hr"], abs=5e-7)
    assert br["hr"] * br["se"] == pytest.approx(b["hr_se"], abs=5e-7)      # Stata reports SE(HR) by the delta method
    assert (br["hr_lower"], br["hr_upper"]) == pytest.approx((b["hr_lower"], b["hr_upper"]), abs=5e-7)
    assert sv.cox(gehan, "weeks", "relapse", ["treated"], ties="breslow").loglik == pytest.approx(b["loglik"], abs=5e-6)
    ef = sv.cox(gehan, "weeks", "relapse", ["treated"]).summary.loc["treated"]
    assert ef["coef"] == pytest.approx(ka["efron"]["coef"], abs=5e-5)
    assert ef["se"] == pytest.approx(ka["efron"]["se"], abs=5e-5)
    # Efron moves the estimate away from Breslow's attenuated one on these heavily tied weeks
    assert abs(ef["coef"]) > abs(br["coef"]) + 0.05


# ============================================================================== unit: Kaplan-Meier

def _small(seed=1, n=60):
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 30, n).astype(float)
    e = rng.random(n) < 0.7
    g = np.where(rng.random(n) < 0.5, "a", "b")
    return t, e, g


def test_km_matches_statsmodels_with_late_entry():
    from statsmodels.duration.survfunc import SurvfuncRight

    t, e, _ = _small(2, 80)
    entry = np.floor(np.random.default_rng(3).random(80) * t * 0.5)
    res = sv.kaplan_meier(t, e, entry=entry)
    sf = SurvfuncRight(t, e.astype(int), entry=entry)
    np.testing.assert_allclose(res.table["time"], sf.surv_times)
    np.testing.assert_allclose(res.table["survival"], sf.surv_prob, rtol=1e-12)
    np.testing.assert_allclose(res.table["at_risk"], sf.n_risk)
    np.testing.assert_allclose(res.table["std_err"], sf.surv_prob_se, rtol=1e-10)


def test_km_table_bookkeeping_and_ci_types():
    t, e, g = _small()
    res = sv.kaplan_meier(t, e, g, conf_type="plain")
    for grp in ("a", "b"):
        tab = res.table[res.table["group"] == grp].reset_index(drop=True)
        # without late entry the next risk set is this one minus events and censorings in between
        assert (tab["at_risk"].iloc[1:].to_numpy() ==
                (tab["at_risk"] - tab["events"] - tab["censored"]).iloc[:-1].to_numpy()).all()
        n_cens_before = ((t < tab["time"].iloc[0]) & ~e & (g == grp)).sum()
        assert tab["at_risk"].iloc[0] + n_cens_before == (g == grp).sum()
        assert tab["events"].sum() == (e & (g == grp)).sum()
    z = 1.959963984540054
    row = res.table.iloc[3]
    assert row["ci_upper"] == pytest.approx(min(1, row["survival"] + z * row["std_err"]))
    ll = sv.kaplan_meier(t, e, g, conf_type="log-log").table
    lg = sv.kaplan_meier(t, e, g, conf_type="log").table
    assert ll.loc[ll["survival"] == 0, "ci_lower"].isna().all()   # undefined at S = 0, as in R
    ll, lg = ll[ll["survival"] > 0], lg[lg["survival"] > 0]
    assert ((ll["ci_lower"] <= ll["survival"] + 1e-12) & (ll["survival"] <= ll["ci_upper"] + 1e-12)).all()
    assert (lg["ci_upper"] <= 1).all() and not np.allclose(ll["ci_lower"], lg["ci_lower"])
    with pytest.raises(KamlibError, match="conf_type"):
        sv.kaplan_meier(t, e, conf_type="arcsin")
    assert set(res.risk_table.index) == {"a", "b"} and res.risk_table.loc["a", 0.0] == (g == "a").sum()


def test_km_edge_cases_no_events_all_events_not_reached():
    t = np.arange(1.0, 11.0)
    with pytest.warns(StatisticalWarning, match="no churn"):
        none = sv.kaplan_meier(t, np.zeros(10, bool))
    assert none.table.empty and np.isnan(none.median.loc["all", "median"]) and none.warnings
    every = sv.kaplan_meier(t, np.ones(10, bool))
    assert every.table["survival"].iloc[-1] == 0 and every.median.loc["all", "median"] == 5.5  # flat at 0.5
    few = sv.kaplan_meier(t, np.r_[np.ones(3), np.zeros(7)].astype(bool))
    m = few.median.loc["all"]
    assert np.isnan(m["median"]) and np.isnan(m["ci_upper"])   # not reached
    assert "not reached" in sv.sentences(few, "en") and "未达到" in sv.sentences(few, "zh")


def test_km_drops_missing_rows_with_warning():
    t = pd.Series([1.0, 2.0, np.nan, 4.0])
    with pytest.warns(StatisticalWarning, match="1 row"):
        res = sv.kaplan_meier(t, [1, 1, 1, 0])
    assert res.median.loc["all", "n"] == 3


# ============================================================================== unit: log-rank

def test_logrank_stratified_and_entry_agree_with_statsmodels():
    from statsmodels.duration.survfunc import survdiff

    rng = np.random.default_rng(5)
    n = 200
    g = rng.integers(0, 2, n)
    s = rng.integers(0, 3, n)
    t = np.ceil(rng.exponential(10 / (1 + g), n))
    e = (rng.random(n) < 0.8).astype(int)
    entry = np.floor(rng.random(n) * t * 0.4)
    res = sv.logrank(t, e, g, strata=s)
    assert res.stratified and "stratified" in sv.sentences(res, "en")
    chi, p = survdiff(t, e, g, strata=s)
    assert res.statistic == pytest.approx(chi, rel=1e-8) and res.pvalue == pytest.approx(p, rel=1e-6)
    res = sv.logrank(t, e, g, entry=entry)
    chi, _ = survdiff(t, e, g, entry=entry)
    assert res.statistic == pytest.approx(chi, rel=1e-8) and res.stratified is False
    three = sv.logrank(t, e, s)
    assert three.df == 2 and len(three.table) == 3


def test_logrank_one_group_and_no_events_warn_instead_of_crashing():
    with pytest.warns(StatisticalWarning, match="two groups"):
        res = sv.logrank([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    assert np.isnan(res.statistic) and res.df == 0 and res.warnings
    with pytest.warns(StatisticalWarning, match="no churn"):
        res = sv.logrank([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"])
    assert np.isnan(res.pvalue)


# ============================================================================== unit: Cox

def _sim_cox(n=600, seed=0, beta=(0.7, -0.5), nonph=False):
    rng = np.random.default_rng(seed)
    x1 = rng.integers(0, 2, n).astype(float)
    x2 = rng.normal(size=n)
    lp = beta[0] * x1 + beta[1] * x2
    if nonph:   # x1 doubles the hazard early and halves it late: crossing hazards
        u = rng.exponential(1.0, n)
        t = np.where(x1 == 1, np.where(u < 2 * 0.5, u / 2, 0.5 + (u - 1.0) / 0.3), u)
    else:
        t = rng.exponential(1.0, n) / np.exp(lp)
    c = rng.exponential(2.0, n)
    tier = rng.choice(["core", "key", "ordinary"], n, p=[0.2, 0.3, 0.5])
    return pd.DataFrame({"t": np.minimum(t, c), "e": t <= c, "x1": x1, "x2": x2, "tier": tier})


def test_cox_recovers_coefficients_and_codes_categories():
    df = _sim_cox()
    res = sv.cox(df, "t", "e", ["x1", "x2", "tier"])
    assert res.reference == {"tier": "ordinary"}   # most frequent level is the reference
    assert list(res.summary.index) == ["x1", "x2", "tier[core]", "tier[key]"]
    for term, b in (("x1", 0.7), ("x2", -0.5)):
        r = res.summary.loc[term]
        assert r["coef"] - 2.6 * r["se"] < b < r["coef"] + 2.6 * r["se"]
    assert (res.summary["hr_lower"] < res.summary["hr"]).all() and res.converged and 0.6 < res.concordance < 0.8
    lr, dof, p = res.lr_test
    assert lr > 0 and dof == 4 and p < 1e-6
    res2 = sv.cox(df, "t", "e", ["tier"], reference={"tier": "core"})
    assert list(res2.summary.index) == ["tier[key]", "tier[ordinary]"]
    with pytest.raises(KamlibError, match="reference level"):
        sv.cox(df, "t", "e", ["tier"], reference={"tier": "platinum"})
    with pytest.raises(KamlibError, match="not in the data"):
        sv.cox(df, "t", "e", ["nope"])


def test_cox_separation_and_no_events_warn_not_crash():
    df = _sim_cox(n=200, seed=3)
    df["perfect"] = df["e"].astype(float)   # churned accounts all have perfect = 1: monotone likelihood
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sv.cox(df, "t", "e", ["x2", "perfect"])
    assert any(issubclass(w.category, StatisticalWarning) for w in caught)
    en = [w.render("en") for w in res.warnings]
    assert any("separation" in w or "converge" in w for w in en)
    none = df.assign(e=False)
    with pytest.warns(StatisticalWarning, match="no churn events"):
        res = sv.cox(none, "t", "e", ["x1"])
    assert res.summary["coef"].isna().all() and np.isnan(res.concordance)
    with pytest.warns(StatisticalWarning, match="single value"):
        sv.cox(df.assign(k=1.0), "t", "e", ["x1", "k"])


def test_concordance_matches_brute_force_with_ties_and_entry():
    rng = np.random.default_rng(9)
    n = 70
    t = rng.integers(2, 15, n).astype(float)
    e = rng.random(n) < 0.6
    r = rng.integers(0, 4, n).astype(float)            # many tied risk scores
    en = np.where(rng.random(n) < 0.3, np.floor(t * rng.random(n)), 0.0)
    num = den = 0.0
    for i in range(n):
        if not e[i]:
            continue
        for j in range(n):
            if j == i or en[j] >= t[i]:
                continue
            if t[j] > t[i] or (t[j] == t[i] and not e[j]):
                den += 1
                num += 1.0 if r[i] > r[j] else 0.5 if r[i] == r[j] else 0.0
    assert sv.concordance_index(t, e, r, entry=en) == pytest.approx(num / den, rel=1e-12)


def test_ph_test_flags_crossing_hazards_only():
    ok = sv.cox(_sim_cox(n=800, seed=4), "t", "e", ["x1", "x2"])
    assert (ok.ph_test.loc[["x1", "x2"], "p"] > 0.01).all()
    assert list(ok.ph_test.index) == ["x1", "x2", "GLOBAL"] and ok.ph_test.loc["GLOBAL", "df"] == 2
    with pytest.warns(StatisticalWarning, match="proportional-hazards"):
        bad = sv.cox(_sim_cox(n=800, seed=4, nonph=True), "t", "e", ["x1", "x2"])
    assert bad.ph_test.loc["x1", "p"] < 0.001
    assert "x1" in sv.ph_note(bad, "en") and "比例风险" in sv.ph_note(bad, "zh")


def test_at_risk_list_ranks_active_accounts():
    df = _sim_cox(n=400, seed=6)
    df.index = [f"C{i:04d}" for i in range(len(df))]
    df["revenue_last_12m"] = 1000.0
    res = sv.cox(df, "t", "e", ["x1", "x2"])
    lst = sv.at_risk(res, df, "t", "e", horizon_days=0.5, columns=("tier",))
    assert set(lst.index) == set(df.index[~df["e"]])
    p = lst["churn_probability"]
    assert p.between(0, 1).all() and p.is_monotonic_decreasing
    assert lst["expected_loss"].equals(p * 1000.0)
    # same age: the higher-hazard account has the higher probability
    a = df.iloc[[0]].assign(t=0.5, x1=1.0, x2=1.0)
    b = df.iloc[[0]].assign(t=0.5, x1=0.0, x2=1.0)
    assert res.churn_probability(a, "t", 0.5).iloc[0] > res.churn_probability(b, "t", 0.5).iloc[0]
    assert len(sv.at_risk(res, df, "t", "e", 0.5, top=5)) == 5
    # stratified: one baseline per tier, same covariate effects
    st = sv.cox(df, "t", "e", ["x1", "x2"], strata="tier")
    assert set(st.baseline) == {"core", "key", "ordinary"} and st.strata == "tier"
    assert st.summary.loc["x1", "coef"] == pytest.approx(res.summary.loc["x1", "coef"], abs=0.15)
    assert sv.at_risk(st, df, "t", "e", 0.5)["churn_probability"].between(0, 1).all()


# ============================================================================== churn durations

def _ledger(customers: pd.DataFrame, orders: pd.DataFrame) -> Ledger:
    return Ledger(orders=orders, customers=customers)


def _toy():
    d = pd.Timestamp
    customers = pd.DataFrame({
        "customer_id": pd.array(["A", "B", "C", "D"], dtype="string"),
        "first_contract_date": pd.to_datetime(["2020-01-01", "2023-03-01", None, "2022-06-01"]),
        "churn_date": pd.to_datetime([None, "2024-03-01", None, None]),
    })
    orders = pd.DataFrame({
        "order_id": pd.array(["1", "2", "3", "4", "5", "6"], dtype="string"),
        "customer_id": pd.array(["A", "A", "B", "C", "C", "D"], dtype="string"),
        "order_date": [d("2023-01-01"), d("2025-12-01"), d("2023-03-10"), d("2023-05-01"), d("2024-01-01"),
                       d("2023-02-01")],
        "revenue": [10.0, 20.0, 5.0, 7.0, 8.0, 1.0],
    })
    return customers, orders


def test_churn_durations_contractual_with_late_entry():
    c, o = _toy()
    cd = sv.churn_durations(_ledger(c, o), "2025-12-31", 180)
    assert cd.index.name == "customer_id" and cd["churned"].dtype == bool
    assert (cd["definition"] == "contractual").all()
    a, b, cc = cd.loc["A"], cd.loc["B"], cd.loc["C"]
    assert not a["churned"] and a["duration_days"] == (pd.Timestamp("2025-12-31") - pd.Timestamp("2020-01-01")).days
    assert a["entry_days"] == (pd.Timestamp("2023-01-01") - pd.Timestamp("2020-01-01")).days   # window = 1st order
    assert b["churned"] and b["duration_days"] == 366 and b["entry_days"] == 0
    assert cc["start_date"] == pd.Timestamp("2023-05-01")   # no contract date: first order starts the clock
    assert cd.loc["D", "entry_days"] == (pd.Timestamp("2023-01-01") - pd.Timestamp("2022-06-01")).days


def test_churn_durations_from_contract_end_dates_only():
    c, o = _toy()
    c = c.drop(columns=["churn_date"]).assign(
        contract_end_date=pd.to_datetime(["2026-06-30", "2024-12-31", None, "2025-05-31"]))
    cd = sv.churn_durations(_ledger(c, o), "2025-12-31", 180)
    assert (cd["definition"] == "contractual").all()
    assert cd["churned"].to_dict() == {"A": False, "B": True, "C": False, "D": True}   # expired, not renewed
    assert cd.loc["D", "end_date"] == pd.Timestamp("2025-05-31")


def test_churn_durations_inactivity_and_errors():
    c, o = _toy()
    c2 = c.drop(columns=["churn_date"])
    cd = sv.churn_durations(_ledger(c2, o), "2025-12-31", 180, definition="auto")
    assert (cd["definition"] == "inactivity").all()
    assert not cd.loc["A", "churned"] and cd.loc["C", "churned"] and cd.loc["D", "churned"]
    # lost once the 180-day gap after the last order has passed, not at the last order
    assert cd.loc["C", "end_date"] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=180)
    assert cd.loc["D", "duration_days"] == (pd.Timestamp("2023-02-01") - pd.Timestamp("2022-06-01")).days + 180
    long = sv.churn_durations(_ledger(c2, o), "2025-12-31", 800, definition="inactivity")
    assert long["churned"].sum() < cd["churned"].sum()
    with pytest.raises(KamlibError, match="contractual"):
        sv.churn_durations(_ledger(c2, o), "2025-12-31", 180, definition="contractual")
    with pytest.raises(KamlibError, match="definition"):
        sv.churn_durations(_ledger(c, o), "2025-12-31", 180, definition="churny")
    with pytest.raises(KamlibError, match="inactivity_days"):
        sv.churn_durations(_ledger(c, o), "2025-12-31", 0)


def test_threshold_sensitivity_monotone_with_precision_recall():
    c, o = _toy()
    res = sv.threshold_sensitivity(_ledger(c, o), "2025-12-31", [90, 365, 180, 800], chosen=180)
    t = res.table
    assert list(t["inactivity_days"]) == [90, 180, 365, 800]
    assert t["churn_rate"].is_monotonic_decreasing and {"precision", "recall"} <= set(t.columns)
    assert "180" in sv.sentences(res, "en")


def test_ci_is_the_confidence_level_and_alpha_still_works_deprecated(lung, gehan):
    km = sv.kaplan_meier(lung["time"], lung["event"])
    assert (km.alpha, km.ci) == (0.05, 0.95)
    km90 = sv.kaplan_meier(lung["time"], lung["event"], ci=0.9)
    with pytest.warns(DeprecationWarning, match="ci=0.9"):
        old = sv.kaplan_meier(lung["time"], lung["event"], alpha=0.1)
    pd.testing.assert_frame_equal(km90.table, old.table)
    assert (km90.table["ci_upper"] - km90.table["ci_lower"] <= km.table["ci_upper"] - km.table["ci_lower"]).all()
    cox = sv.cox(gehan, "weeks", "relapse", ["treated"], ci=0.9)
    with pytest.warns(DeprecationWarning):
        old_cox = sv.cox(gehan, "weeks", "relapse", ["treated"], alpha=0.1)
    pd.testing.assert_frame_equal(cox.summary, old_cox.summary)
    assert cox.ci == 0.9
    with pytest.raises(KamlibError, match="confidence level"):
        sv.kaplan_meier(lung["time"], lung["event"], None, "log-log", 0.05)   # an alpha passed by position
    with pytest.raises(KamlibError, match="not both"), pytest.warns(DeprecationWarning):
        sv.cox(gehan, "weeks", "relapse", ["treated"], ci=0.9, alpha=0.1)
    assert km != km90 and cox != old_cox and km == km       # results compare by identity, never raise
    assert "90% CI" in sv.sentences(cox, "en") and "95% CI" in sv.sentences(km, "en")


# ============================================================================== sentences, labels, plots

def test_labels_complete_and_sentences_in_both_languages(gehan):
    for key, texts in sv.LABELS.items():
        assert key.startswith("survival.") and set(texts) == {"zh", "en"} and all(texts.values())
    cox = sv.cox(gehan, "weeks", "relapse", ["treated"])
    en, zh = sv.sentences(cox, "en"), sv.sentences(cox, "zh")
    assert "0.21" in en and "less" in en and "风险比" in zh
    lr = sv.logrank(gehan["weeks"], gehan["relapse"], gehan["group"])
    assert "differs" in sv.sentences(lr, "en", group_name="treatment arms")
    with pytest.raises(KamlibError):
        sv.sentences(cox, "fr")
    with pytest.raises(KamlibError):
        sv.sentences(42, "en")


def test_plots_return_axes(gehan):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kamlib import plotting

    km = sv.kaplan_meier(gehan["weeks"], gehan["relapse"], gehan["group"])
    ax = plotting.plot_km(km, lang="en")
    texts = [t.get_text() for t in ax.texts]
    assert "Number at risk" in texts and str(int(km.risk_table.iloc[0, 0])) in texts
    assert len(ax.get_legend().get_texts()) == 2
    ax2 = plotting.plot_forest(sv.cox(gehan, "weeks", "relapse", ["treated"]), lang="zh")
    assert ax2.get_xscale() == "log"
    c, o = _toy()
    ax3 = plotting.plot_sensitivity(sv.threshold_sensitivity(_ledger(c, o), "2025-12-31", [90, 180]), lang="en")
    assert len(ax3.lines) >= 1
    plt.close("all")


# ============================================================================== simulation: demo planted truth

def test_demo_planted_hazard_ratios_recovered_with_late_entry(demo):
    t = demo.truth
    tabs = demo.tables
    ledger = Ledger(orders=tabs["orders"], customers=tabs["customers"], invoices=tabs["invoices"],
                    surveys=tabs["surveys"])
    as_of, ws = pd.Timestamp(t["as_of"]), pd.Timestamp(t["window_start"])
    cd = sv.churn_durations(ledger, as_of, 180, window_start=ws)
    assert (cd["definition"] == "contractual").all()
    assert int((cd["entry_days"] > 0).sum()) == t["churn"]["left_truncated"]
    assert int(cd["churned"].sum()) == t["churn"]["churned"]
    # covariates exactly as truth["survival_covariates"] says
    inv = tabs["invoices"]
    late = ((inv["paid_date"] > inv["due_date"]) | (inv["paid_date"].isna() & (inv["due_date"] < as_of)))
    late_share = late.groupby(inv["customer_id"]).mean()
    overall = tabs["surveys"].groupby("customer_id")["overall"].mean()
    cust = tabs["customers"].set_index("customer_id")
    X = pd.DataFrame({
        "late_payer": (late_share >= 0.5).astype(float).reindex(cust.index),
        "dissatisfied": (overall < 3).astype(float).reindex(cust.index),
        "large": (cust["size_band"] == "大型").astype(float),
    })
    data = cd.join(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)   # never-surveyed accounts are left out
        res = sv.cox(data, "duration_days", "churned", list(X.columns), entry="entry_days")
    for name, hr in t["hazard_ratios"].items():
        r = res.summary.loc[name]
        assert r["hr_lower"] < hr < r["hr_upper"], (name, r["hr"], r["hr_lower"], r["hr_upper"])
    assert res.converged and res.concordance > 0.6
    # ignoring left truncation (everyone at risk from the contract start) overstates survival
    km_late = sv.kaplan_meier(data["duration_days"], data["churned"], entry=data["entry_days"])
    km_naive = sv.kaplan_meier(data["duration_days"], data["churned"])
    assert km_late.median.loc["all", "median"] < km_naive.median.loc["all", "median"]
    # the at-risk list covers the active accounts with a complete covariate row
    lst = sv.at_risk(res, data, "duration_days", "churned", 180, revenue=None)
    assert len(lst) == int((~data["churned"] & X.notna().all(axis=1)).sum())


def test_display_helpers_and_churn_description():
    c, o = _toy()
    cd = sv.churn_durations(_ledger(c, o), "2025-12-31", 180)
    zh, en = sv.describe_churn(cd, "zh"), sv.describe_churn(cd, "en")
    assert "4 家客户" in zh and "左截断" in zh and "left truncation" in en and "1 (25.0%)" in en
    df = _sim_cox(n=300, seed=8)
    km = sv.kaplan_meier(df["t"], df["e"], df["tier"])
    md = sv.median_table(km, "zh", label="等级")
    assert md.index.name == "等级" and list(md.index) == ["核心", "重点", "一般"]
    assert md.map(lambda v: isinstance(v, str)).all().all()
    km_days = sv.kaplan_meier(df["t"] * 800, df["e"], df["tier"])
    ret = sv.retention_table(km_days, years=(1, 30), lang="en")
    s1 = km_days.survival_at([365.25]).set_index("group").loc["core", "survival"]
    assert ret.iloc[0, 0].startswith(f"{100 * s1:.1f}% (")
    # 30 years: past the follow-up, unknown ("—") unless the curve already reached 0 (everyone lost)
    last = km_days.table[km_days.table["group"] == "core"]["survival"].iloc[-1]
    assert ret.iloc[0, 1] == ("0.0%" if last == 0 else "—")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        res = sv.cox(df.assign(perfect=df["e"].astype(float)), "t", "e", ["x1", "perfect"])
    tab = sv.cox_table(res, "en")
    assert tab.index.name == "Factor" and list(tab.columns[:2]) == ["Hazard ratio", "HR 95% CI"]
    assert res.separated == ("perfect",)
    assert "not estimable" in sv.sentences(res, "en")
    assert tab.loc["perfect", "Hazard ratio"] == "—"
    df.index = [f"C{i}" for i in range(len(df))]
    lst = sv.at_risk(sv.cox(df, "t", "e", ["x1"]), df.assign(revenue_last_12m=5e4), "t", "e", 0.5, top=3,
                     columns=("tier",))
    shown = sv.at_risk_table(lst, "zh")
    assert "流失概率" in shown.columns and shown["流失概率"].str.endswith("%").all()
    assert "万" in sv.at_risk_sentence(lst, 180, "zh") or "5" in sv.at_risk_sentence(lst, 180, "zh")
    sens = sv.threshold_sensitivity(_ledger(c, o), "2025-12-31", [90, 180])
    direct = sv.churn_durations(_ledger(c, o), "2025-12-31", 180, definition="inactivity")
    assert sens.table.set_index("inactivity_days").loc[180, "churned"] == direct["churned"].sum()
    assert "流失率" in sv.sensitivity_table(sens, "zh").columns


def test_survival_params_section_fields():
    from kamlib.params import SurvivalSection

    s = SurvivalSection(strata="business_unit", window_start="2023-01-01")
    assert s.strata == "business_unit" and str(s.window_start) == "2023-01-01"
    assert SurvivalSection().conf_type == "log-log" and SurvivalSection().ties == "efron"


def test_warnings_render_in_the_report_language():
    import re
    import warnings as _w

    from kamlib.i18n import render
    from kamlib.survival.km import kaplan_meier

    with _w.catch_warnings():
        _w.simplefilter("ignore")
        r = kaplan_meier([5.0, 8.0, 3.0, 9.0], [0, 0, 1, 1], groups=["core", "core", "key", "key"])
    zh, en = render(r.warnings[0], "zh"), render(r.warnings[0], "en")
    assert "核心" in zh and not re.search(r"[A-Za-z]{4,}", zh), zh
    assert en.startswith("group 'core': no churn observed among 2 accounts")
    # many quiet groups (a country split of a real book): one warning naming them all, not a line each
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        r = kaplan_meier([5.0, 8.0, 3.0, 9.0, 4.0], [0, 0, 0, 1, 1], groups=["core", "core", "key", "ordinary",
                                                                             "ordinary"])
    assert len(r.warnings) == 1
    zh, en = render(r.warnings[0], "zh"), render(r.warnings[0], "en")
    assert en == ("no churn observed in 2 groups (3 accounts in all): core, key. Their survival stays at 100% and "
                  "the median is not reached.")
    assert "核心、重点" in zh


def test_cox_and_duration_warnings_render_in_the_report_language():
    import re

    from kamlib.i18n import render

    df = _sim_cox(n=200, seed=3)
    df["late_payer"] = df["e"].astype(float)   # monotone likelihood: named by its label, not its code name
    df["large"] = 1.0
    df.loc[df.index[:5], "x2"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sv.cox(df.rename(columns={"x2": "revenue"}), "t", "e", ["revenue", "late_payer", "large", "tier"])
    assert [w.message.note for w in caught if issubclass(w.category, StatisticalWarning)] == list(res.warnings)
    keys = {w.key for w in res.warnings}
    assert {"survival.w.cox_rows_dropped_why", "survival.w.cox_constant", "survival.w.cox_separation"} <= keys
    zh = [render(w, "zh") for w in res.warnings]
    en = [render(w, "en") for w in res.warnings]
    assert any("逾期付款客户" in t for t in zh) and any("Accounts that pay late" in t for t in en)
    assert not [t for t in zh if re.search(r"[A-Za-z]{4,}", t.replace("Schoenfeld", ""))], zh
    assert any(t.startswith("cox: 5 of 200 rows left out") and "Revenue missing for 5" in t for t in en)
    assert any("「大型客户」" in t for t in zh)
    with pytest.warns(StatisticalWarning, match="no churn events"):
        assert sv.cox(df.assign(e=False), "t", "e", ["x2"]).warnings[-1].key == "survival.w.cox_no_events"
    from kamlib.survival._common import TermName

    term = TermName("tier[key]")
    assert (term.render("zh"), term.render("en")) == ("客户等级：重点", "Tier: key")

    c, o = _toy()
    c = c.assign(first_contract_date=c["first_contract_date"].where(c["customer_id"] != "E"))
    c = pd.concat([c, pd.DataFrame({"customer_id": pd.array(["E"], dtype="string")})], ignore_index=True)
    with pytest.warns(StatisticalWarning, match="1 account\\(s\\) have no start date") as rec:
        sv.churn_durations(_ledger(c, o), "2025-12-31", 180)
    note = next(w.message.note for w in rec if issubclass(w.category, StatisticalWarning))
    assert render(note, "zh").startswith("流失时长：1 家客户没有起始日期")


def test_ph_table_names_factors_in_words():
    df = _sim_cox(n=300, seed=5)
    df["late_payer"] = (df["x2"] > 0).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sv.cox(df, "t", "e", ["x1", "late_payer"])
    zh, en = sv.ph_table(res, "zh"), sv.ph_table(res, "en")
    assert list(en.columns) == ["Chi-square", "Degrees of freedom", "p-value"]
    assert en.index[-1] == "All factors together (global test)" and zh.index[-1] == "整体检验（全部因素）"
    assert any("逾期付款客户" in i for i in zh.index)
    assert en.loc[en.index[-1], "Degrees of freedom"] == "2"
    assert en.iloc[0]["p-value"] == fmt.pvalue(res.ph_test["p"].iloc[0])


def test_small_groups_are_pooled_into_one():
    g = pd.Series(["UK"] * 30 + ["EIRE"] * 3 + ["Malta"] * 2 + ["France"] * 25 + [None])
    out = sv.pool_small_groups(g, lang="zh")
    assert out.value_counts().to_dict() == {"UK": 30, "France": 25, "其他（不足 20 个客户的 2 组合并）": 5}
    assert out.isna().sum() == 1
    one_small = pd.Series(["UK"] * 30 + ["EIRE"] * 3)
    assert sv.pool_small_groups(one_small).equals(one_small)   # one small group: nothing to pool
