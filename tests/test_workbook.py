"""The per-region workbook and the run cache: built once, reused while current, masked when distributed."""
from __future__ import annotations

import pandas as pd
import pytest

from kamlib import io, runcache, workbook
from kamlib.params import load_params


@pytest.fixture(scope="module")
def params(small_params_file):
    return load_params(small_params_file)


def test_run_cache_scans_once_and_not_again_while_current(params, tmp_path, monkeypatch):
    scans = []
    real = io.load_full_ledger
    monkeypatch.setattr(io, "load_full_ledger", lambda p, grain="line": scans.append(p.region) or real(p, grain))
    first = runcache.prepare_run_cache([params], tmp_path)
    assert scans == ["east"] and first["east"].exists()
    second = runcache.prepare_run_cache([params], tmp_path)
    assert scans == ["east"], "a current run cache must not scan the ledger again"
    assert second == first
    wb = workbook.open_workbook(params, tmp_path)
    assert wb.cache_file == str(first["east"])
    # a changed analysis parameter makes the cached workbook stale: it is rebuilt from the stored scan
    changed = params.model_copy(update={"random_state": 1})
    third = runcache.prepare_run_cache([changed], tmp_path)
    assert scans == ["east"], "the data did not change: the stored scan is reused"
    rebuilt = workbook.open_workbook(changed, tmp_path)
    fresh = workbook.build_workbook(changed, io.filter_ledger(real(changed, "day"), changed))
    pd.testing.assert_frame_equal(rebuilt.customers, fresh.customers)
    assert third["east"] == first["east"] and len(list(tmp_path.glob("ledger-*.pkl.lz4"))) == 1
    # a changed reading rule changes the ledger: scanned again, and the outdated stored scan is removed
    rules = changed.model_copy(update={"rules": changed.rules.model_copy(update={"exclude_zero_price": False})})
    runcache.prepare_run_cache([rules], tmp_path)
    assert scans == ["east", "east"]
    assert [p.name for p in tmp_path.glob("ledger-*")] == [f"ledger-{io.ledger_key(rules)}.pkl.lz4"]


def test_workbook_frame_has_tiers_segments_churn_and_satisfaction(params, tmp_path):
    wb = workbook.open_workbook(params)
    c = wb.customers
    assert set(c["tier"].unique()) <= {"core", "key", "ordinary"} and (c["tier"] == "core").any()
    assert {"score", "segment", "duration_days", "churned", "sat_overall"} <= set(c.columns)
    assert set(c["region"].dropna().unique()) == {"华东"}
    kpis = workbook.headline_kpis(wb)
    assert kpis["accounts"] == len(c) and kpis["core_accounts"] == int((c["tier"] == "core").sum())
    assert -100 <= kpis["nps"] <= 100 and 0 <= kpis["churn_rate"] <= 1


def test_distributed_workbook_masks_contacts_but_keeps_numbers(params):
    plain = workbook.open_workbook(params)
    masked = workbook.mask_workbook(plain)
    cols = [c for c in ("phone", "email", "contact_name") if c in plain.ledger.customers]
    assert cols, "the demo carries contact columns"
    for col in cols:
        a, b = plain.ledger.customers[col].dropna(), masked.ledger.customers[col].dropna()
        assert len(a) == len(b) and not (a.to_numpy() == b.to_numpy()).any()
    pd.testing.assert_series_equal(plain.customers["revenue"], masked.customers["revenue"])


def test_parallel_builds_store_the_same_workbooks(small_params_file, tmp_path):
    # two regions of one ledger, built in two forked processes vs one after another
    base = load_params(small_params_file)
    regions = [base.model_copy(update={"region": r, "filter": {"region": [name]}})
               for r, name in (("east", "华东"), ("north", "华北"))]
    seq = runcache.prepare_run_cache(regions, tmp_path / "seq", workers=1)
    par = runcache.prepare_run_cache(regions, tmp_path / "par", workers=2)
    assert set(seq) == set(par) == {"east", "north"}
    for p in regions:
        a = workbook.open_workbook(p, tmp_path / "seq")
        b = workbook.open_workbook(p, tmp_path / "par")
        assert b.cache_file == str(par[p.region])
        pd.testing.assert_frame_equal(a.customers, b.customers)
        assert a.warnings == b.warnings


def test_summary_beside_the_cache_matches_the_workbook(params, tmp_path):
    assert runcache.workbook_summary(params, tmp_path) is None          # nothing prepared yet
    runcache.prepare_run_cache([params], tmp_path)
    s = runcache.workbook_summary(params, tmp_path)
    wb = workbook.open_workbook(params, tmp_path)
    assert s["kpis"] == workbook.headline_kpis(wb) and s["as_of"] == wb.as_of.date().isoformat()
    assert s["sources"]["orders"]["rows"] == wb.ledger.sources["orders"]["rows"]
    stale = params.model_copy(update={"random_state": 7})
    assert runcache.workbook_summary(stale, tmp_path) is None          # other params: not current


def test_summary_sentences_are_those_of_the_distributed_workbook(params, tmp_path):
    from kamlib.summary import summary_sentences

    runcache.prepare_run_cache([params], tmp_path)
    s = runcache.workbook_summary(params, tmp_path)
    assert s["sentences"] and s["sentences"] == summary_sentences(
        workbook.open_workbook(params, tmp_path, distribute=True))


def test_a_kpi_failure_does_not_fail_the_region(params, tmp_path, monkeypatch):
    def broken(wb):
        raise ValueError("no KPIs today")

    monkeypatch.setattr(runcache, "headline_kpis", broken)
    out = runcache.prepare_run_cache([params], tmp_path)
    assert out["east"].exists() and runcache.workbook_summary(params, tmp_path) is None
    assert len(workbook.open_workbook(params, tmp_path).customers) > 0   # the analyses still have their frame


def test_cached_workbook_leaves_out_the_rows_and_loads_them_on_first_use(params, tmp_path):
    import pickle

    from kamlib.errors import KamlibError

    built = runcache.prepare_run_cache([params], tmp_path)
    full = io.filter_ledger(io.load_full_ledger(params, grain="day"), params)
    with open(built["east"], "rb") as fh:
        stored = pickle.load(fh)["workbook"]
    assert "orders" not in stored.ledger.__dict__ and "invoices" not in stored.ledger.__dict__
    wb = workbook.open_workbook(params, tmp_path, distribute=True)   # masking must not load the rows
    assert "orders" not in wb.ledger.__dict__
    assert wb.ledger.order_lines == full.order_lines and "order_lines" in repr(wb)
    assert "orders" not in wb.ledger.__dict__, "counting order lines must not load them"
    pd.testing.assert_frame_equal(wb.ledger.orders, full.orders)
    pd.testing.assert_frame_equal(wb.ledger.invoices, full.invoices)
    # the rows come from the stored scan: without it, a clear error says how to fix
    damaged = workbook.open_workbook(params, tmp_path)
    for f in tmp_path.glob("ledger-*.pkl.lz4"):
        f.write_bytes(f.read_bytes()[:1000])   # an interrupted copy
    with pytest.raises(KamlibError, match="cannot be read.*kam run again"):
        _ = damaged.ledger.orders
    again = workbook.open_workbook(params, tmp_path)
    for f in tmp_path.glob("ledger-*.pkl.lz4"):
        f.unlink()
    with pytest.raises(KamlibError, match="no longer in the run cache.*kam run again"):
        _ = again.ledger.orders


def test_workbook_precomputes_the_row_level_analyses_as_the_functions_do(params):
    from kamlib import survival, value

    wb = workbook.open_workbook(params)
    vs, ss = params.value, params.survival
    direct = value.dynamic_identification(wb.ledger, wb.as_of, current_tiers=wb.customers["tier"],
                                          weights=wb.scorecard.weights, **value.dynamic_options(vs))
    pd.testing.assert_frame_equal(wb.migration.matrix, direct.matrix)
    pd.testing.assert_frame_equal(wb.migration.implied_mix, direct.implied_mix)
    pd.testing.assert_series_equal(wb.migration.previous, direct.previous)
    sens = survival.threshold_sensitivity(wb.ledger, wb.as_of, ss.sensitivity_days, chosen=ss.inactivity_days)
    pd.testing.assert_frame_equal(wb.sensitivity.table, sens.table)
    has_parents = "parent_id" in wb.ledger.customers and wb.ledger.customers["parent_id"].notna().any()
    assert (wb.groups is not None) == has_parents and not wb.unavailable   # value.group_rollup: auto
    rollup = params.model_copy(update={"value": vs.model_copy(update={"group_rollup": True})})
    with_groups = workbook.build_workbook(rollup, wb.ledger)
    if "parent_id" in wb.ledger.customers and wb.ledger.customers["parent_id"].notna().any():
        pd.testing.assert_frame_equal(with_groups.groups,
                                      value.group_indicators(wb.ledger, wb.as_of, growth_periods=vs.growth_periods))
    else:
        assert with_groups.groups is None and "parent_id" in with_groups.unavailable["groups"]


def test_the_run_cache_names_stay_importable_from_workbook():
    from kamlib.workbook import prepare_run_cache, save_workbook, workbook_key, workbook_summary

    assert (prepare_run_cache, save_workbook, workbook_key, workbook_summary) == (
        runcache.prepare_run_cache, runcache.save_workbook, runcache.workbook_key, runcache.workbook_summary)


def test_churn_risk_is_one_definition_for_both_reports(params):
    wb = workbook.open_workbook(params)
    risk = workbook.churn_risk(wb)
    assert set(risk.data.index) == set(wb.customers.index) & set(wb.churn.index)
    assert risk.ranking.active == int((~wb.churn["churned"].astype(bool)).sum())
    assert risk.model is not None and set(risk.model.terms) <= set(risk.data.columns) | set(risk.covariates)
    again = workbook.churn_risk(wb)   # seeded and deterministic: the same numbers in both reports
    assert again.ranking.table["expected_loss"].equals(risk.ranking.table["expected_loss"])
