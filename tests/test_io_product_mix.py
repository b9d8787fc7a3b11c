"""Ledger.product_mix: computed in the scan from the kept order lines, identical at the line and the day grain,
kept through region filters and data.merge_ids, and what accounts.breadth reads at the day grain."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kamlib import accounts, io
from kamlib.ledger import PRODUCT_MIX_COLUMNS
from kamlib.params import load_params

ORDERS = ("order_id,customer_id,order_date,revenue,product_line\n"
          "A1,C1,2024-01-05,10,X\nA1,C1,2024-01-05,5,Y\nA2,C1,2024-01-05,7,X\nA3,C2,2024-02-01,3,Y\n"
          "A4,,2024-02-01,100,Z\n"      # excluded: no customer id
          "A5,C3,2024-02-01,4,\n"       # kept, but without a product line
          "A6,C2,2024-03-01,2,X\n")


def _params(folder: Path, orders: str = ORDERS, **data) -> Path:
    (folder / "orders.csv").write_text(orders, encoding="utf-8")
    p = folder / "p.yaml"
    p.write_text(json.dumps({"region": "p", "language": "en",
                             "data": {"orders": str(folder / "orders.csv"), **data}}), encoding="utf-8")
    return p


def _mix(led) -> dict:
    return {(r.customer_id, r.product_line): (r.lines, r.revenue) for r in led.product_mix.itertuples()}


@pytest.mark.parametrize("grain", ["line", "day"])
def test_product_mix_of_the_kept_lines(tmp_path, grain):
    led = io.load_full_ledger(load_params(_params(tmp_path)), grain=grain)
    assert tuple(led.product_mix.columns) == PRODUCT_MIX_COLUMNS
    assert _mix(led) == {("C1", "X"): (2, 17.0), ("C1", "Y"): (1, 5.0), ("C2", "X"): (1, 2.0),
                         ("C2", "Y"): (1, 3.0)}
    assert led.product_mix["lines"].dtype == "int64" and led.product_mix["revenue"].dtype == "float64"
    assert led.product_mix["customer_id"].dtype == pd.StringDtype("pyarrow")


@pytest.mark.parametrize("grain", ["line", "day"])
def test_product_mix_follows_merge_ids(tmp_path, grain):
    led = io.load_full_ledger(load_params(_params(tmp_path, merge_ids={"C2": "C1"})), grain=grain)
    assert _mix(led) == {("C1", "X"): (3, 19.0), ("C1", "Y"): (2, 8.0)}


@pytest.mark.parametrize("grain", ["line", "day"])
def test_no_product_line_no_mix(tmp_path, grain):
    orders = "order_id,customer_id,order_date,revenue\nA1,C1,2024-01-05,10\nA2,C2,2024-01-06,3\n"
    led = io.load_full_ledger(load_params(_params(tmp_path, orders)), grain=grain)
    assert led.product_mix is None
    frame = led.customers.set_index("customer_id")
    r = accounts.breadth(frame, led)
    assert not r.available and r.reason is not None and "product_line" in r.reason.render("en")


@pytest.fixture(scope="module")
def demo_params(small_demo_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mix")
    p = folder / "east.yaml"
    p.write_text(json.dumps({"region": "east", "language": "en", "filter": {"region": ["华东"]},
                             "data": {t: str(small_demo_dir / f"{t}.csv") for t in ("orders", "customers")}},
                            ensure_ascii=False), encoding="utf-8")
    return load_params(p)


def test_breadth_is_the_same_at_line_and_day_grain(demo_params):
    line = io.load_full_ledger(demo_params, grain="line")
    day = io.load_full_ledger(demo_params, grain="day")
    assert "product_line" in line.orders and "product_line" not in day.orders
    pd.testing.assert_frame_equal(line.product_mix, day.product_mix)
    # the mix counts exactly the kept lines that have a product line
    o = line.orders
    assert day.product_mix["lines"].sum() == o["product_line"].notna().sum()
    by_pair = o.groupby(["customer_id", "product_line"])["revenue"].sum()
    assert line.product_mix.set_index(["customer_id", "product_line"])["revenue"].to_numpy() == pytest.approx(
        by_pair.to_numpy())
    for full in (False, True):   # the whole book, then the region (filter_ledger keeps the region's pairs)
        a, b = (line, day) if full else (io.filter_ledger(line, demo_params), io.filter_ledger(day, demo_params))
        frame = a.customers.set_index("customer_id")
        got_line, got_day = accounts.breadth(frame, a, by="size_band"), accounts.breadth(frame, b, by="size_band")
        assert got_line.available and got_day.available
        pd.testing.assert_frame_equal(got_line.table, got_day.table)
        assert got_line.facts == got_day.facts
        assert got_line.table["product_lines"].max() > 1
    region = io.filter_ledger(day, demo_params)
    assert set(region.product_mix["customer_id"]) <= set(region.customers["customer_id"])
    assert len(region.product_mix) < len(day.product_mix)
