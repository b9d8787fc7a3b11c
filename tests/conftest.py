"""Shared fixtures: a small seeded demo ledger written once per test session; no figure outlives its test.

Constants the test modules share live in tests/helpers.py: test modules never import this file.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import SMALL_DEMO_CUSTOMERS


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test left open (pyplot keeps them alive, with their memory)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:   # a test that never drew did not import it; do not import it for nothing
        pyplot.close("all")


@pytest.fixture(scope="session")
def demo():
    """The in-memory demo (tables + planted truth) at the default size used by recovery tests."""
    from kamlib.demo import build_demo

    return build_demo(n_customers=2000, seed=0)


@pytest.fixture(scope="session")
def small_demo_dir(tmp_path_factory) -> Path:
    """A small demo ledger written to disk as CSV (what `kam demo` writes)."""
    from kamlib.demo import write_demo

    out = tmp_path_factory.mktemp("demo")
    write_demo(out, n_customers=SMALL_DEMO_CUSTOMERS, seed=0)
    return out


@pytest.fixture(scope="session")
def small_params_file(small_demo_dir, tmp_path_factory) -> Path:
    """A params file for one region of the small demo ledger."""
    p = tmp_path_factory.mktemp("params") / "east.yaml"
    p.write_text(
        "region: east\ntitle: 华东大区\nlanguage: zh\n"
        f"data:\n  orders: {small_demo_dir / 'orders.csv'}\n  customers: {small_demo_dir / 'customers.csv'}\n"
        f"  invoices: {small_demo_dir / 'invoices.csv'}\n  surveys: {small_demo_dir / 'surveys.csv'}\n"
        "filter:\n  region: [华东]\n"
        "satisfaction:\n  constructs:\n"
        "    产品: [q_product_quality, q_product_reliability]\n"
        "    服务: [q_service_response, q_service_expertise]\n"
        "    交付: [q_delivery_ontime, q_delivery_accuracy]\n"
        "    价格: [q_price_value]\n",
        encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def small_ledger(small_params_file):
    """The validated small ledger for the east region."""
    from kamlib.io import load_ledger
    from kamlib.params import load_params

    return load_ledger(load_params(small_params_file))


@pytest.fixture(scope="session")
def account_book(demo):
    """The demo's ledger with its account-management tables, and a customer frame whose tiers are the planted
    segments (strategic = core, growth = key): what the kamlib.accounts tests read."""
    import pandas as pd

    from kamlib.ledger import Ledger

    tier_of_segment = {"strategic": "core", "growth": "key", "transactional": "ordinary", "slow_payer": "ordinary"}
    t = demo.tables
    ledger = Ledger(orders=t["orders"], customers=t["customers"], invoices=t["invoices"], surveys=t["surveys"],
                    interactions=t["interactions"], opportunities=t["opportunities"], targets=t["targets"])
    c = t["customers"].set_index(t["customers"]["customer_id"].astype(str))
    c.index.name = "customer_id"
    o = t["orders"]
    by = o.groupby(o["customer_id"].astype(str))
    segments = pd.Series(demo.truth["segments"]).reindex(c.index)
    frame = pd.DataFrame({
        "name": c["name"], "account_manager": c["account_manager"], "tier": segments.map(tier_of_segment),
        "segment_name": segments, "revenue": by["revenue"].sum().reindex(c.index, fill_value=0),
        "last_order_date": by["order_date"].max().reindex(c.index), "churned": c["churn_date"].notna(),
    })
    return ledger, frame

