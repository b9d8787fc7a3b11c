"""The product mix survives the run cache: a cached workbook (and the stored scan it was built from) carries
the region's product mix, so that breadth works in `kam run` reports without loading the order rows."""
from __future__ import annotations

import pandas as pd

from kamlib import accounts, io, runcache, workbook
from kamlib.params import load_params


def test_cached_workbook_keeps_the_product_mix(small_params_file, tmp_path):
    params = load_params(small_params_file)
    runcache.prepare_run_cache([params], tmp_path)
    stored = runcache._read_ledger_file(runcache._ledger_file(tmp_path, io.ledger_key(params)))["ledger"]
    assert stored.grain == "day" and stored.product_mix is not None
    wb = workbook.open_workbook(params, tmp_path)
    assert wb.cache_file   # from the run cache
    region = io.filter_ledger(stored, params)
    pd.testing.assert_frame_equal(wb.ledger.product_mix, region.product_mix)
    got = accounts.breadth(wb.customers, wb.ledger)
    assert got.available and got.table["product_lines"].max() > 1
    assert "orders" not in wb.ledger.__dict__, "breadth must not load the deferred order rows"
    # the same table as from the order lines themselves
    line = io.filter_ledger(io.load_full_ledger(params, grain="line"), params)
    pd.testing.assert_frame_equal(got.table, accounts.breadth(wb.customers, line).table)
