"""A real, messy export: the UCI Online Retail sample (../shared/data) through params/examples/online_retail.yaml.

The exclusion counts are checked against an independent pandas computation on the raw sheet (same rules,
same first-match order), and read = kept + excluded must hold exactly."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tests.helpers import ROOT, SHARED_RETAIL

PARAMS = ROOT / "params" / "examples" / "online_retail.yaml"

pytestmark = pytest.mark.skipif(
    not SHARED_RETAIL.exists(),
    reason=f"real retail export not available at {SHARED_RETAIL} (see shared/data/README.md)")


@pytest.fixture(scope="module")
def params():
    from kamlib.params import load_params

    return load_params(PARAMS)


@pytest.fixture(scope="module")
def ledger(params):
    from kamlib.io import load_full_ledger

    return load_full_ledger(params)


@pytest.fixture(scope="module")
def expected(params):
    """Independent count of each rule on the raw sheet with plain pandas."""
    from kamlib.io.files import _excel_engine

    raw = pd.read_excel(SHARED_RETAIL, dtype={"InvoiceNo": str, "StockCode": str}, engine=_excel_engine())
    rules = params.rules
    stock = raw["StockCode"].astype(str).str.strip()
    masks = {
        # exact copies of an earlier line in every mapped column (all eight columns of the sheet)
        "duplicate_line": raw[list(params.columns["orders"])].duplicated(keep="first"),
        "cancelled": raw["InvoiceNo"].astype(str).str.startswith("C"),
        "return": raw["Quantity"] < 0,
        "excluded_value": stock.isin(rules.exclude_values["product_id"])
        | np.logical_or.reduce([stock.str.contains(p, regex=True) for p in rules.exclude_patterns["product_id"]]),
        "zero_price": raw["UnitPrice"] == 0,
        "missing_customer_id": raw["CustomerID"].isna(),
        "future_date": raw["InvoiceDate"] > pd.Timestamp(params.as_of) + pd.Timedelta(days=1),
    }
    taken = pd.Series(False, index=raw.index)
    counts = {}
    for rule, m in masks.items():
        mine = m & ~taken
        taken |= mine
        counts[rule] = int(mine.sum())
    return {"read": len(raw), "counts": {k: v for k, v in counts.items() if v}, "kept": int((~taken).sum()),
            "customers": raw.loc[~taken, "CustomerID"].nunique()}


def test_retail_export_validates_and_counts_every_exclusion(ledger, expected):
    q = ledger.quality
    got = {e.rule: e.rows for e in q.exclusions if e.table == "orders"}
    assert got == expected["counts"]
    for rule in ("cancelled", "return", "zero_price", "missing_customer_id", "excluded_value"):
        assert got[rule] > 0, rule
    assert q.rows_read["orders"] == expected["read"] == 40000
    assert q.rows_kept["orders"] == expected["kept"] == len(ledger.orders)
    assert q.rows_read["orders"] == q.rows_kept["orders"] + sum(got.values())


def test_retail_ids_regions_and_derived_revenue(ledger, expected):
    o, c = ledger.orders, ledger.customers
    assert o["customer_id"].str.fullmatch(r"\d{5}").all()          # 17850.0 in the sheet -> "17850"
    assert not o["order_id"].str.startswith("C").any()
    assert len(c) == expected["customers"] and c["customer_id"].is_unique
    assert "United Kingdom" in set(c["region"]) and c["region"].notna().all()
    np.testing.assert_allclose(o["revenue"], o["quantity"] * o["unit_price"])
    assert (o["revenue"] > 0).all() and o["order_date"].dtype == "datetime64[ns]"
    assert ledger.invoices is None and ledger.surveys is None


def test_kam_validate_on_the_retail_export(capsys, expected):
    from kamlib.cli import main

    assert main(["validate", str(PARAMS)]) == 0
    out = capsys.readouterr().out
    for rule, n in expected["counts"].items():
        assert re.search(rf"excluded {rule}: {n:,} rows", out), (rule, out)
    assert f"kept {expected['kept']:,} rows" in out and "OK" in out
