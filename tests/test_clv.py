"""kamlib.clv: RFM summary, BG/NBD and Gamma-Gamma known answers on CDNOW (tests/data/clv), holdout check,
simulation recovery and degenerate books."""
from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import clv
from kamlib.errors import AnalysisError, DataError, StatisticalWarning

DATA = Path(__file__).parent / "data" / "clv"
KNOWN = json.loads((DATA / "known_answers.json").read_text())


@pytest.fixture(scope="module")
def cdnow_orders() -> pd.DataFrame:
    raw = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "revenue"])
    return pd.DataFrame({"customer_id": raw["customer_id"].astype(str).astype("string[pyarrow]"),
                         "order_date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                         "revenue": raw["revenue"].astype(float)})


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The published 39-week calibration summary."""
    d = pd.read_csv(DATA / "cdnow_summary.csv")
    d = d.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    out = d.set_index("customer_id")
    out.attrs["time_unit"] = "W"
    return out


@pytest.fixture(scope="module")
def bg(cdnow):
    return clv.fit_bgnbd(cdnow)


@pytest.fixture(scope="module")
def gg(cdnow):
    return clv.fit_gamma_gamma(cdnow)


# --- rfm_summary ------------------------------------------------------------------------------------------

def test_rfm_summary_definitions():
    orders = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
        "order_date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-15", "2025-01-29", "2025-01-10",
                                      "2025-01-20", "2025-03-01"]),
        "revenue": [10.0, 5.0, 20.0, 40.0, 7.0, 3.0, 99.0]})
    s = clv.rfm_summary(orders, "2025-02-12", time_unit="W")
    assert list(s.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert s.loc["a"].tolist() == [2.0, 4.0, 6.0, 30.0]  # two repeat days; same-day orders add up
    assert s.loc["b"].tolist() == [0.0, 0.0, 33 / 7, 0.0]
    assert s.loc["c", "frequency"] == 0  # the March order is after as_of
    assert s.attrs["time_unit"] == "W"
    d = clv.rfm_summary(orders, "2025-02-12", time_unit="D")
    assert d.loc["a", "T"] == 42 and d.loc["a", "recency"] == 28
    m = clv.rfm_summary(orders, "2025-02-12", time_unit="M")
    assert m.loc["a", "T"] == pytest.approx(42 / (365.25 / 12))
    with pytest.raises(AnalysisError, match="time_unit"):
        clv.rfm_summary(orders, "2025-02-12", time_unit="Y")
    with pytest.raises(DataError, match="revenue"):
        clv.rfm_summary(orders.drop(columns="revenue"), "2025-02-12")


def test_rfm_summary_reproduces_published_cdnow_summary(cdnow_orders, cdnow):
    s = clv.rfm_summary(cdnow_orders, "1997-09-30", time_unit="W")
    s.index = s.index.astype(int)
    s = s.sort_index()
    assert len(s) == KNOWN["bgnbd"]["n"]
    np.testing.assert_array_equal(s["frequency"], cdnow["frequency"])
    for col in ("recency", "T", "monetary_value"):  # the published file is rounded to 2 decimals
        np.testing.assert_allclose(s[col], cdnow[col], atol=0.0051)


# --- BG/NBD known answers ---------------------------------------------------------------------------------

def test_bgnbd_cdnow_matches_published_fit(bg):
    pub = KNOWN["bgnbd"]
    for k, v in pub["params"].items():
        assert round(bg.params[k], 3) == pytest.approx(v, abs=1e-9), k
    assert bg.loglik == pytest.approx(pub["loglik"], abs=0.05)
    assert bg.n == 2357 and bg.converged and bg.warnings == ()
    assert (bg.se > 0).all() and (bg.table["ci_lower"] < bg.params).all() and (bg.params < bg.table["ci_upper"]).all()
    assert list(bg.to_frame().columns) == ["estimate", "se", "ci_lower", "ci_upper"]
    assert "BG/NBD" in bg._repr_html_()


def test_bgnbd_example_customer(bg):
    ex = KNOWN["bgnbd"]["example_customer"]
    one = pd.DataFrame({"frequency": [ex["frequency"]], "recency": [ex["recency"]], "T": [ex["T"]]})
    # the published figure, from the published parameters and from ours
    published = dict(KNOWN["bgnbd"]["params"])
    assert clv.bgnbd.expected_purchases_values(published, ex["t"], 2, 30.43, 38.86) == pytest.approx(
        ex["expected_purchases"], abs=5e-4)
    assert bg.expected_purchases(ex["t"], one).iloc[0] == pytest.approx(ex["expected_purchases"], abs=5e-4)
    assert clv.bgnbd.p_alive_values(published, 2, 30.43, 38.86) == pytest.approx(
        ex["p_alive_from_published_params"], abs=5e-5)
    assert bg.p_alive(one).iloc[0] == pytest.approx(ex["p_alive_from_published_params"], abs=1e-3)


def test_bgnbd_unconditional_expectation_matches_spreadsheet(bg):
    ref = KNOWN["bgnbd"]["expected_purchases_new"]
    # the spreadsheet evaluates at its own (unrounded) optimum: agreement to 4e-4 at 78 weeks, 1e-4 below
    np.testing.assert_allclose(bg.expected_purchases_new(np.array(ref["t"])), ref["value"], atol=5e-4)


def test_bgnbd_predictions_are_sane_for_extreme_accounts(bg):
    s = pd.DataFrame({"frequency": [0, 0, 400, 400, 1], "recency": [0, 0, 1, 1000, 0], "T": [0, 5000, 1000, 1000, 1e6]})
    p = bg.p_alive(s)
    e = bg.expected_purchases(52, s)
    assert np.isfinite(p).all() and np.isfinite(e).all()
    assert p.iloc[0] == 1 and p.iloc[2] < 1e-10 and p.iloc[3] > 0.99
    assert (e >= 0).all() and e.iloc[3] > 10 and e.iloc[2] < 1e-6
    assert bg.expected_purchases(0, s).eq(0).all()


# --- Gamma-Gamma known answers ----------------------------------------------------------------------------

def test_gamma_gamma_cdnow_matches_published_fit(gg, cdnow):
    pub = KNOWN["gamma_gamma"]
    for k, v in pub["params"].items():
        assert gg.params[k] == pytest.approx(v, abs=pub["params_tolerance"]), k
    assert gg.n == pub["n"] and gg.converged
    assert gg.corr == pytest.approx(pub["corr_frequency_spend"], abs=0.005)
    assert not [w for w in gg.warnings if w.key == "dependence"]
    assert np.isfinite(gg.loglik) and (gg.se > 0).all()
    assert gg.population_mean == pytest.approx(gg.params["p"] * gg.params["v"] / (gg.params["q"] - 1))


def test_gamma_gamma_expected_spend_matches_spreadsheet(gg, cdnow):
    pub = KNOWN["gamma_gamma"]
    fixed = clv.gamma_gamma.expected_spend_values(pub["params"], cdnow["frequency"].head(10),
                                                  cdnow["monetary_value"].head(10))
    # the spreadsheet evaluates at its unrounded optimum: ours matches it to the cent, the rounded
    # published parameters to 5 cents
    np.testing.assert_allclose(gg.expected_spend(cdnow.head(10)), pub["expected_spend_first_10"], atol=0.01)
    np.testing.assert_allclose(fixed, pub["expected_spend_first_10"], atol=0.05)
    # an account without a repeat purchase gets the population mean
    assert gg.expected_spend(cdnow[cdnow["frequency"] == 0].head(1)).iloc[0] == pytest.approx(gg.population_mean)


@pytest.mark.filterwarnings("ignore:Gamma-Gamma. v ran to 0 or infinity:kamlib.errors.StatisticalWarning")
def test_gamma_gamma_warns_when_frequency_and_spend_are_dependent():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 30, 400).astype(float)
    s = pd.DataFrame({"frequency": x, "monetary_value": 10 * x * rng.gamma(20, 1 / 20, 400)})
    with pytest.warns(StatisticalWarning, match="correlated"):
        res = clv.fit_gamma_gamma(s)
    assert res.corr > 0.9 and res.warnings[0].key == "dependence"


# --- customer value ---------------------------------------------------------------------------------------

def test_customer_value(bg, gg, cdnow):
    cv = clv.customer_value(bg, gg, cdnow, horizon=52, discount_rate=0.10)
    assert list(cv.columns) == ["p_alive", "expected_purchases", "expected_spend", "expected_revenue", "clv"]
    assert cv.index.equals(cdnow.index) and np.isfinite(cv.to_numpy()).all()
    np.testing.assert_allclose(cv["expected_purchases"], bg.expected_purchases(52, cdnow))
    np.testing.assert_allclose(cv["expected_revenue"], cv["expected_purchases"] * cv["expected_spend"])
    assert (cv["clv"] <= cv["expected_revenue"] + 1e-12).all() and (cv["clv"] > 0).all()
    undiscounted = clv.customer_value(bg, gg, cdnow, horizon=52, discount_rate=0.0)
    np.testing.assert_allclose(undiscounted["clv"], undiscounted["expected_revenue"])
    fine = clv.customer_value(bg, gg, cdnow, horizon=52, discount_rate=0.10, steps=520)
    assert cv["clv"].sum() == pytest.approx(fine["clv"].sum(), rel=1e-4)  # midpoint discounting on 12 steps
    half = clv.customer_value(bg, gg, cdnow, horizon=52, discount_rate=0.10, margin=0.5)
    np.testing.assert_allclose(half["clv"], cv["clv"] / 2)
    monthly = cdnow.copy()
    monthly.attrs["time_unit"] = "M"
    with pytest.raises(AnalysisError, match="time unit"):
        clv.customer_value(bg, gg, monthly, horizon=12)


# --- holdout ----------------------------------------------------------------------------------------------

def test_holdout_check_on_cdnow(cdnow_orders):
    ref = KNOWN["holdout"]
    h = clv.holdout_check(cdnow_orders, ref["as_of"], horizon=ref["horizon_weeks"], time_unit="W")
    assert str(h.calibration_end.date()) == ref["calibration_end"]
    assert h.total_actual == ref["actual_repeat_purchases"]
    assert list(h.table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert h.table["n"].sum() == 2357
    assert h.table["actual_total"].sum() == pytest.approx(h.total_actual)
    assert h.table["predicted_total"].sum() == pytest.approx(h.total_predicted)
    assert h.relative_error == pytest.approx((h.total_predicted - h.total_actual) / h.total_actual)
    assert abs(h.relative_error) < 0.2  # BG/NBD tracks CDNOW's holdout
    assert h.table["predicted"].is_monotonic_increasing and h.table["actual"].is_monotonic_increasing
    assert h.model.params["r"] == pytest.approx(0.243, abs=1e-3)  # the calibration fit is the published one
    en = clv.holdout_sentence(h, "en")
    assert f"{h.total_actual:,.0f}" in en and "understates" in en and f"{abs(h.relative_error):.1%}" in en
    assert "低估" in clv.holdout_sentence(h, "zh")


def test_plot_holdout_and_p_alive(cdnow_orders, bg, gg, cdnow):
    import matplotlib.pyplot as plt

    from kamlib.plotting.clv import plot_holdout, plot_p_alive

    h = clv.holdout_check(cdnow_orders, "1998-06-30", horizon=39)
    ax = plot_holdout(h, lang="en")
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), h.table["predicted"])
    ax2 = plot_p_alive(clv.customer_value(bg, gg, cdnow, 52, 0.1), lang="zh")
    assert ax2.get_xscale() == "log"
    plt.close("all")


# --- simulation -------------------------------------------------------------------------------------------

def test_simulated_ledger_recovers_parameters():
    bg_true = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 3.0}
    gg_true = {"p": 5.0, "q": 4.0, "v": 20.0}
    orders = clv.simulate_orders(5000, bg_true, gg_true, T=(40, 104), time_unit="W", random_state=1)
    s = clv.rfm_summary(orders, "2025-12-31", time_unit="W")
    assert len(s) == 5000
    bg_fit = clv.fit_bgnbd(s)
    gg_fit = clv.fit_gamma_gamma(s)
    for fit, truth in ((bg_fit, bg_true), (gg_fit, gg_true)):
        assert fit.converged
        for k, v in truth.items():
            assert fit.table.loc[k, "ci_lower"] < v < fit.table.loc[k, "ci_upper"], (k, fit.table.loc[k].tolist())
    # independence holds by construction
    assert abs(gg_fit.corr) < 0.1 and not gg_fit.warnings


# --- degenerate books -------------------------------------------------------------------------------------

def _book(n_customers: int, n_orders: int, step_days: int = 7, spend=None) -> pd.DataFrame:
    ids = np.repeat(np.arange(n_customers), n_orders)
    day = np.tile(np.arange(n_orders) * step_days, n_customers) + np.repeat(np.arange(n_customers) % 5, n_orders)
    revenue = 100.0 + np.repeat(np.arange(n_customers) % 7, n_orders) * 3.0 if spend is None else spend
    return pd.DataFrame({"customer_id": ids.astype(str), "revenue": revenue,
                         "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(day, unit="D")})


def test_only_one_time_buyers_is_not_estimable():
    s = clv.rfm_summary(_book(300, 1), "2025-06-30")
    with pytest.raises(AnalysisError, match="fewer than 20 repeat buyers"):
        clv.fit_bgnbd(s)
    with pytest.raises(AnalysisError, match="fewer than 20 repeat buyers"):
        clv.fit_gamma_gamma(s)


def test_too_few_repeat_buyers_is_not_estimable():
    orders = pd.concat([_book(300, 1), _book(12, 3).assign(customer_id=lambda d: "r" + d["customer_id"])])
    with pytest.raises(AnalysisError, match=r"fewer than 20 repeat buyers \(12 of 312"):
        clv.fit_bgnbd(clv.rfm_summary(orders, "2025-06-30"))


def test_empty_book_is_not_estimable():
    empty = clv.rfm_summary(_book(5, 2), "2020-01-01")
    assert empty.empty
    with pytest.raises(AnalysisError, match="no accounts"):
        clv.fit_bgnbd(empty)


def test_no_dropout_warns_and_says_p_alive_is_one():
    s = clv.rfm_summary(_book(300, 20), "2025-05-20")  # every account buys every week up to as_of
    assert (s["frequency"] > 0).all()
    with pytest.warns(StatisticalWarning, match="not identified"):
        res = clv.fit_bgnbd(s)
    assert not res.converged
    assert [w.key for w in res.warnings] == ["at_bound"] and "P(alive) is ~1" in res.warnings[0]
    assert res.se.isna().all()  # no standard errors pretending precision
    assert res.p_alive(s).gt(0.999).all()


def test_everyone_repeats_with_dropout_is_estimable():
    orders = clv.simulate_orders(2000, {"r": 2.0, "alpha": 5.0, "a": 0.5, "b": 20.0}, None, T=60, random_state=3)
    s = clv.rfm_summary(orders, "2025-12-31")
    assert (s["frequency"] > 0).mean() > 0.99
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)
        res = clv.fit_bgnbd(s)
    assert res.converged and res.se.notna().all()


def test_identical_spend_is_not_estimable():
    s = clv.rfm_summary(_book(100, 4, spend=50.0), "2025-06-30")
    with pytest.raises(AnalysisError, match="same mean spend"):
        clv.fit_gamma_gamma(s)


def test_constant_spend_within_accounts_warns_instead_of_silent_values():
    s = clv.rfm_summary(_book(300, 6), "2025-06-30")  # spend varies across accounts, never within one
    with pytest.warns(StatisticalWarning):
        res = clv.fit_gamma_gamma(s)
    assert not res.converged and res.warnings


def test_zero_spend_repeaters_are_left_out_with_a_warning(cdnow):
    s = cdnow.copy()
    s.loc[s.index[:3], "monetary_value"] = 0.0
    s.loc[s.index[:3], "frequency"] = 2.0
    with pytest.warns(StatisticalWarning, match="zero mean spend"):
        res = clv.fit_gamma_gamma(s)
    assert res.warnings[0].key == "zero_spend"


def test_bad_summary_is_rejected():
    bad = pd.DataFrame({"frequency": [1.0, np.nan], "recency": [1.0, 1.0], "T": [2.0, 2.0]})
    with pytest.raises(AnalysisError, match="missing"):
        clv.fit_bgnbd(bad)
    with pytest.raises(AnalysisError, match="recency exceeds T"):
        clv.fit_bgnbd(pd.DataFrame({"frequency": [1.0], "recency": [3.0], "T": [2.0]}))
    with pytest.raises(AnalysisError, match="lacks column"):
        clv.fit_gamma_gamma(bad.drop(columns="frequency"))


def test_notes_keep_their_key_through_pickle():
    note = clv.Note("at_bound", "text")
    back = pickle.loads(pickle.dumps(note))
    assert back == "text" and back.key == "at_bound"


def test_notes_render_in_the_report_language_and_survive_pickling():
    import pickle
    import re

    from kamlib.errors import StatisticalWarning as SW
    from kamlib.i18n import render

    note = clv.Note("dependence", params={"r": 0.58, "p": 2.7e-58})
    assert note.key == "dependence" and "correlated (r = 0.58" in note and str(SW(note)) == str(note)
    zh = render(note, "zh")
    assert "r = 0.58" in zh and not re.search(r"[a-z]+_[a-z]+|[A-Za-z]{4,}", zh.replace("Gamma-Gamma", "")), zh
    back = pickle.loads(pickle.dumps(note))
    assert back == note and back.params == note.params and render(back, "zh") == zh
    bound = clv.Note("at_bound", params={"model": "BG/NBD", "which": "a", "hint": [__import__(
        "kamlib.i18n", fromlist=["Message"]).Message("clv.w.hint_dropout")]})
    assert "P(alive) is ~1" in bound and "存活概率约为 1" in render(bound, "zh")
