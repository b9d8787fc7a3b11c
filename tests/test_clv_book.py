"""clv.book_value: the value a book still holds, with a stated reason wherever the models do not apply."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.clv import simulate_orders
from kamlib.clv.book import book_value

BG = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
GG = {"p": 6.0, "q": 4.0, "v": 15.0}


def _book(n=1500, seed=1):
    return simulate_orders(n, BG, GG, T=(52.0, 156.0), as_of="2025-12-31", random_state=seed)


def test_scores_every_account_and_checks_a_holdout():
    orders = _book()
    bv = book_value(orders, "2025-12-31", horizon_months=12, discount_rate=0.1)
    assert bv.status == "ok" and bv.p_alive_informative
    acc = bv.accounts
    assert set(acc.index) == set(orders["customer_id"])
    assert acc["p_alive"].between(0, 1).all()
    assert (acc["clv"] <= acc["expected_revenue_12m"] + 1e-9).all()
    assert np.isfinite(acc[["expected_purchases_12m", "expected_revenue_12m", "clv"]].to_numpy()).all()
    assert bv.holdout is not None and bv.holdout_weeks > 0
    assert abs(bv.holdout.relative_error) < 0.25
    assert bv.totals()["clv"] > 0


def test_contractual_ledgers_are_not_applicable_with_the_reason():
    bv = book_value(_book(200), "2025-12-31", contractual=True)
    assert bv.status == "not_applicable" and bv.reason is not None and bv.reason.key == "contractual"
    assert bv.accounts.empty and not bv.p_alive_informative


def test_one_time_buyers_only_are_not_estimable_with_the_reason():
    orders = pd.DataFrame({"customer_id": [f"C{i}" for i in range(300)],
                           "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(300), "D"),
                           "revenue": 100.0})
    bv = book_value(orders, "2025-12-31")
    assert bv.status == "not_estimable" and bv.reason is not None and bv.reason.key == "not_estimable"
    assert "repeat" in str(bv.reason)


def test_a_book_where_nobody_leaves_says_p_alive_cannot_rank():
    orders = simulate_orders(1500, {"r": 1.0, "alpha": 4.0, "a": 0.0001, "b": 50.0}, GG, T=(30.0, 60.0),
                             as_of="2025-12-31", random_state=3)
    bv = book_value(orders, "2025-12-31", holdout=False)
    assert bv.status == "ok"
    assert not bv.p_alive_informative
    assert any(w.key == "no_dropout" for w in bv.warnings)


def test_spend_falls_back_to_the_observed_mean_when_gamma_gamma_cannot_fit():
    orders = _book(600).drop_duplicates(["customer_id", "order_date"])
    orders["revenue"] = 50.0           # identical spend per order day: Gamma-Gamma is not estimable
    bv = book_value(orders, "2025-12-31", holdout=False)
    assert bv.status == "ok" and bv.spend_model == "observed_mean"
    assert any(w.key == "spend_observed_mean" for w in bv.warnings)
    repeaters = bv.accounts["expected_purchases_12m"] > 0
    ratio = bv.accounts.loc[repeaters, "expected_revenue_12m"] / bv.accounts.loc[repeaters, "expected_purchases_12m"]
    assert np.allclose(ratio, 50.0)
