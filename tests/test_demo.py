"""Tests of the seeded demo ledger (kamlib.demo): determinism, canonical schema, planted truth in the raw data,
writing to disk and the `kam demo` command.

Recovery checks here use the *raw* tables and the contract rules in truth["survival_covariates"], so they test
the generator itself; the analysis modules have their own simulation tests against the same truth.
"""
from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib.demo import (
    BUSINESS_UNITS,
    DRIVERS,
    HAZARD_RATIOS,
    INDUSTRIES,
    LIKERT_ITEMS,
    REGIONS,
    SEGMENTS,
    SIZE_BANDS,
    WAVES,
    Demo,
    add_arguments,
    build_demo,
    cli,
    write_demo,
)
from kamlib.errors import KamlibError
from kamlib.ledger import TABLES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small() -> Demo:
    return build_demo(n_customers=400, seed=0)


def _late_share(inv: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Share of each account's invoices paid after due date, or unpaid and past due at as_of (contract rule)."""
    late = (inv["paid_date"] > inv["due_date"]) | (inv["paid_date"].isna() & (inv["due_date"] < as_of))
    return late.groupby(inv["customer_id"]).mean()


def _trait(demo: Demo, name: str) -> pd.Series:
    ids = demo.tables["customers"]["customer_id"]
    return pd.Series(ids.isin(demo.truth["traits"][name]).to_numpy(), index=ids.to_numpy())


# ------------------------------------------------------------------------------------ determinism & schema

def test_same_seed_gives_identical_tables_and_truth():
    a, b = build_demo(n_customers=300, seed=7), build_demo(n_customers=300, seed=7)
    for name in TABLES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.truth == b.truth


def test_different_seed_gives_different_data():
    a, b = build_demo(n_customers=300, seed=7), build_demo(n_customers=300, seed=8)
    assert not a.tables["orders"]["revenue"].head(1000).equals(b.tables["orders"]["revenue"].head(1000))
    assert a.truth["segments"] != b.truth["segments"]


def test_canonical_columns_and_dtypes(small):
    assert set(small.tables) == {"orders", "customers", "invoices", "surveys", "interactions", "opportunities",
                                 "targets"}
    for name, df in small.tables.items():
        spec = TABLES[name]
        extra = set(LIKERT_ITEMS) if name == "surveys" else set()
        assert set(df.columns) <= set(spec.names) | extra, name
        assert set(spec.required_names) <= set(df.columns), name
        for col in df.columns:
            kind = spec.column(col).kind if col in spec.names else "float"
            dtype = df[col].dtype
            if kind in ("id", "str"):
                assert isinstance(dtype, pd.StringDtype), (name, col, dtype)
            elif kind == "date":
                assert dtype == "datetime64[ns]", (name, col, dtype)
            else:
                assert dtype == "float64", (name, col, dtype)
    assert set(LIKERT_ITEMS) <= set(small.tables["surveys"].columns)
    # the columns the spec asks for on each table
    assert {"product_line", "quantity", "unit_price", "gross_profit"} <= set(small.tables["orders"].columns)
    # every customer column but the tax id, which only serves duplicate-account detection on real exports
    assert set(TABLES["customers"].names) - {"tax_id"} == set(small.tables["customers"].columns)
    assert set(TABLES["invoices"].names) == set(small.tables["invoices"].columns)


def test_keys_and_references(small):
    c, o, inv, s = (small.tables[k] for k in ("customers", "orders", "invoices", "surveys"))
    assert c["customer_id"].is_unique and len(c) == 400 == small.truth["n_customers"]
    assert inv["invoice_id"].is_unique and s["response_id"].is_unique
    ids = set(c["customer_id"])
    for df in (o, inv, s):
        assert set(df["customer_id"]) <= ids
    # one invoice per sales order, id derived from the order id; returns (RT...) are not invoiced
    so = o.loc[o["order_id"].str.startswith("SO"), "order_id"].unique()
    assert sorted(inv["invoice_id"]) == sorted("INV-" + pd.Series(so))
    assert o.loc[o["order_id"].str.startswith("RT"), "quantity"].lt(0).all()
    # invoice amount = revenue of the order's lines
    rev = o[o["order_id"].str.startswith("SO")].groupby("order_id")["revenue"].sum()
    amt = inv.set_index(inv["invoice_id"].str.removeprefix("INV-"))["amount"]
    np.testing.assert_allclose(amt.reindex(rev.index).to_numpy(), rev.to_numpy(), atol=0.011)
    # groups: parents are customers, are not subsidiaries themselves; ~10% subsidiaries
    parents = c["parent_id"].dropna()
    assert set(parents) <= ids
    assert c.set_index("customer_id").loc[list(set(parents)), "parent_id"].isna().all()
    assert 0.08 <= len(parents) / len(c) <= 0.12
    assert c["name"].is_unique


def test_vocabularies_and_ranges(small):
    c, o, inv, s = (small.tables[k] for k in ("customers", "orders", "invoices", "surveys"))
    assert set(c["region"]) == set(REGIONS)
    assert set(c["business_unit"]) == set(BUSINESS_UNITS)
    assert set(c["industry"]) == set(INDUSTRIES)
    assert set(c["size_band"]) == set(SIZE_BANDS)
    assert c[["value_fit", "procurement_fit"]].stack().between(1, 5).all()
    assert c["email"].str.contains("@").all() and c["phone"].str.fullmatch(r"1\d{10}").all()
    assert set((inv["due_date"] - inv["invoice_date"]).dt.days) == {30, 60}
    paid = inv["paid_date"].notna()
    assert (inv.loc[paid, "paid_amount"] == inv.loc[paid, "amount"]).all()
    assert (inv.loc[~paid, "paid_amount"] == 0).all() and (inv["amount"] >= 0).all()
    assert set(s["wave"]) == set(WAVES)
    assert set(s["respondent_role"]) == {"decision_maker", "user", "procurement"}
    for item in LIKERT_ITEMS + ("overall",):
        assert set(s[item].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}, item
    assert s["nps"].between(0, 10).all() and (s["nps"] % 1 == 0).all()
    # survey_date lies in the wave's half-year
    year = s["wave"].str[:4].astype(int)
    assert ((s["survey_date"].dt.year == year) & (s["survey_date"].dt.month >= 7)).all()
    # 1-4 respondents per surveyed account and wave
    per = s.groupby(["wave", "customer_id"]).size()
    assert per.min() >= 1 and per.max() <= 4


def test_bad_arguments_raise_kamlib_error(tmp_path):
    with pytest.raises(KamlibError, match="n_customers"):
        build_demo(n_customers=5)
    with pytest.raises(KamlibError, match="seed"):
        build_demo(n_customers=100, seed=-1)
    with pytest.raises(KamlibError, match="fmt"):
        write_demo(tmp_path, n_customers=100, fmt="xlsx")
    with pytest.raises(KamlibError, match="wave"):
        build_demo(n_customers=100, end="2024-06-30")


def test_summary_frame_and_repr(small):
    f = small.to_frame()
    assert list(f["table"]) == ["orders", "customers", "invoices", "surveys", "interactions", "opportunities",
                               "targets"]
    assert f.set_index("table")["rows"]["orders"] == len(small.tables["orders"])
    assert "400 customers" in repr(small) and "<table" in small._repr_html_()


# ------------------------------------------------------------------------------------ planted truth

def test_truth_keys_and_values(small):
    t = small.truth
    for key in ("as_of", "window_start", "n_customers", "seed", "segments", "segment_names", "hazard_ratios",
                "survival_covariates", "drivers", "top20_revenue_share", "planted_problems"):
        assert key in t, key
    assert t["as_of"] == "2025-12-31" and t["window_start"] == "2023-01-01"
    assert t["segment_names"] == list(SEGMENTS)
    assert set(t["segments"]) == set(small.tables["customers"]["customer_id"])
    assert set(t["segments"].values()) == set(SEGMENTS)
    assert t["hazard_ratios"] == {"late_payer": 2.0, "dissatisfied": 2.5, "large": 0.5} == HAZARD_RATIOS
    assert set(t["survival_covariates"]) == set(HAZARD_RATIOS)
    assert list(t["drivers"])[0] == "q_service_response"
    vals = list(t["drivers"].values())
    assert vals == sorted(vals, reverse=True) and set(t["drivers"]) == set(LIKERT_ITEMS)
    json.dumps(t)  # serialisable


def test_pareto_shape_and_top20_share_matches_orders(demo):
    o = demo.tables["orders"]
    clean = o[(o["quantity"] > 0) & (o["unit_price"] > 0)]
    rev = clean.groupby("customer_id")["revenue"].sum().reindex(demo.tables["customers"]["customer_id"],
                                                                fill_value=0)
    r = np.sort(rev.to_numpy())[::-1]
    share = r[: int(np.ceil(0.2 * len(r)))].sum() / r.sum()
    assert share == pytest.approx(demo.truth["top20_revenue_share"], rel=1e-9)
    assert 0.7 <= share <= 0.9


def test_planted_problems_are_counted(demo):
    o, inv = demo.tables["orders"], demo.tables["invoices"]
    p = demo.truth["planted_problems"]
    returns = o[o["quantity"] < 0]
    assert len(returns) == p["returns"]["rows"] and (returns["revenue"] < 0).all()
    assert returns["revenue"].sum() == pytest.approx(p["returns"]["revenue"])
    assert 0.003 <= len(returns) / len(o) <= 0.007
    zero = o[o["unit_price"] == 0]
    assert len(zero) == p["zero_price"]["rows"] and 5 <= len(zero) <= 100 and (zero["revenue"] == 0).all()
    assert inv["paid_date"].isna().sum() == p["unpaid_invoices"]["rows"] > 0


def test_late_payers_pay_late(demo):
    as_of = pd.Timestamp(demo.truth["as_of"])
    share = _late_share(demo.tables["invoices"], as_of)
    late = _trait(demo, "late_payer").reindex(share.index)
    assert share[late].mean() > 0.8 and share[~late].mean() < 0.08
    # the contract rule reproduces the latent trait almost exactly
    assert ((share >= 0.5) == late).mean() > 0.98
    # slow_payer segment = late payers
    seg = pd.Series(demo.truth["segments"])
    assert (seg[late[late].index] == "slow_payer").all()
    assert set(seg[seg == "slow_payer"].index) == set(late[late].index)


def test_dissatisfied_accounts_answer_low(demo):
    s = demo.tables["surveys"]
    mean = s.groupby("customer_id")["overall"].mean()
    dis = _trait(demo, "dissatisfied").reindex(mean.index)
    assert mean[dis].mean() < 2.0 and mean[~dis].mean() > 4.0
    assert s["overall"][s["customer_id"].map(dis)].isin([1, 2]).mean() > 0.85
    assert s["overall"][~s["customer_id"].map(dis)].isin([4, 5]).mean() > 0.8
    assert ((mean < 3) == dis).mean() > 0.95
    assert s["overall"].corr(s["nps"]) > 0.8


def test_churn_stops_activity_and_left_truncation_holds(demo):
    c = demo.tables["customers"].set_index("customer_id")
    ws, as_of = pd.Timestamp(demo.truth["window_start"]), pd.Timestamp(demo.truth["as_of"])
    churn = c["churn_date"]
    # left truncation: nobody in the ledger was lost before the window
    assert (churn.dropna() >= ws).all() and (churn.dropna() <= as_of).all()
    assert (c["first_contract_date"] < ws).mean() > 0.5 and (c["first_contract_date"] >= ws).any()
    assert (c["first_contract_date"] <= churn.fillna(as_of)).all()
    churned = churn.notna()
    assert (c.loc[churned, "contract_end_date"] == churn[churned]).all()
    assert (c.loc[~churned, "contract_end_date"] > as_of).all()
    for table, col in (("orders", "order_date"), ("invoices", "invoice_date"), ("surveys", "survey_date")):
        df = demo.tables[table]
        end = df["customer_id"].map(churn).fillna(as_of + pd.Timedelta(days=1))
        assert (df[col] < end).all(), table
        assert (df[col] >= df["customer_id"].map(c["first_contract_date"])).all(), table
        assert df[col].between(ws, as_of).all(), table
    assert set(demo.tables["orders"]["customer_id"]) == set(c.index)   # everyone bought at least once
    rate = demo.truth["churn"]["churn_per_year_in_window"]
    assert 0.08 <= rate <= 0.16


def test_churn_hazard_ratios_recoverable_from_ledger(demo):
    """A Cox fit with late entry at window_start on the contract covariates recovers the planted HRs."""
    from statsmodels.duration.hazard_regression import PHReg

    c = demo.tables["customers"].set_index("customer_id")
    ws, as_of = pd.Timestamp(demo.truth["window_start"]), pd.Timestamp(demo.truth["as_of"])
    X = pd.DataFrame({
        "late_payer": (_late_share(demo.tables["invoices"], as_of) >= 0.5).reindex(c.index).astype(float),
        "dissatisfied": (demo.tables["surveys"].groupby("customer_id")["overall"].mean() < 3)
        .reindex(c.index).astype(float),
        "large": (c["size_band"] == "大型").astype(float),
    })
    fcd = c["first_contract_date"]
    ok = X.notna().all(axis=1).to_numpy()
    dur = ((c["churn_date"].fillna(as_of) - fcd).dt.days / 365.25).to_numpy()
    entry = ((ws - fcd).dt.days.clip(lower=0) / 365.25).to_numpy()
    res = PHReg(dur[ok], X[ok].to_numpy(), status=c["churn_date"].notna().to_numpy()[ok].astype(int),
                entry=entry[ok], ties="efron").fit()
    lo, hi = np.exp(res.conf_int()).T
    for j, name in enumerate(X.columns):
        assert lo[j] < HAZARD_RATIOS[name] < hi[j], (name, np.exp(res.params[j]), lo[j], hi[j])


def test_drivers_recoverable_by_ordinal_logit(demo):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    s = demo.tables["surveys"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel(s["overall"].astype(int).to_numpy(), s[list(LIKERT_ITEMS)].to_numpy(),
                           distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    est = dict(zip(LIKERT_ITEMS, res.params[:7], strict=True))
    se = dict(zip(LIKERT_ITEMS, res.bse[:7], strict=True))
    assert max(est, key=est.get) == "q_service_response"
    for item, beta in DRIVERS.items():
        assert abs(est[item] - beta) < 4 * se[item], (item, est[item], beta, se[item])


def test_segment_profiles_differ_as_planted(demo):
    o, inv = demo.tables["orders"], demo.tables["invoices"]
    as_of = pd.Timestamp(demo.truth["as_of"])
    clean = o[(o["quantity"] > 0) & (o["unit_price"] > 0)]
    g = clean.groupby("customer_id")
    f = pd.DataFrame({"revenue": g["revenue"].sum(), "orders": g["order_id"].nunique(),
                      "margin": g["gross_profit"].sum() / g["revenue"].sum(),
                      "recency": (as_of - g["order_date"].max()).dt.days})
    yearly = clean.groupby(["customer_id", clean["order_date"].dt.year])["revenue"].sum().unstack(fill_value=0)
    f["growth"] = np.log((yearly[2025] + 1) / (yearly[2024] + 1))
    paid = inv[inv["paid_date"].notna()]
    f["days_to_pay"] = (paid["paid_date"] - paid["invoice_date"]).dt.days.groupby(paid["customer_id"]).mean()
    f["segment"] = pd.Series(demo.truth["segments"])
    m = f.groupby("segment").median()
    assert m["revenue"].idxmax() == "strategic" and m["orders"].idxmax() == "strategic"
    assert m["revenue"].idxmin() == "transactional" and m["recency"].idxmax() == "transactional"
    assert m["growth"].idxmax() == "growth" and m.loc["growth", "growth"] > 0.5
    assert m["days_to_pay"].idxmax() == "slow_payer" and m.loc["slow_payer", "days_to_pay"] > 55
    assert m["margin"].idxmin() == "strategic"
    assert (f.groupby("segment").size() > 150).all()


def test_seasonality_q4_peak_and_new_year_dip(demo):
    o = demo.tables["orders"]
    monthly = o.groupby(o["order_date"].dt.month)["revenue"].sum()
    assert monthly.idxmin() == 2 and monthly.idxmax() == 12
    quarterly = o.groupby(o["order_date"].dt.quarter)["revenue"].sum()
    assert quarterly.idxmax() == 4


# ------------------------------------------------------------------------------------ writing & CLI

def test_write_demo_csv_roundtrip(tmp_path):
    paths = write_demo(tmp_path / "new" / "demo", n_customers=300, seed=2)
    assert set(paths) == {"orders", "customers", "invoices", "surveys", "interactions", "opportunities", "targets",
                          "truth"}
    demo = build_demo(n_customers=300, seed=2)
    for name in ("orders", "customers", "invoices", "surveys"):
        assert paths[name].suffix == ".csv"
        back = pd.read_csv(paths[name], encoding="utf-8", dtype={"customer_id": "string"})
        assert list(back.columns) == list(demo.tables[name].columns)
        assert len(back) == len(demo.tables[name])
    back = pd.read_csv(paths["customers"], encoding="utf-8")
    assert set(back["region"]) == set(REGIONS)                      # Chinese values survive
    assert back["first_contract_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert back["churn_date"].isna().any()                          # empty cells for active accounts
    text = paths["truth"].read_text(encoding="utf-8")
    assert "大型" in text and "\\u" not in text                     # ensure_ascii=False
    assert json.loads(text) == json.loads(json.dumps(demo.truth))


def test_write_demo_parquet_keeps_dtypes(tmp_path):
    paths = write_demo(tmp_path, n_customers=200, seed=1, fmt="parquet")
    demo = build_demo(n_customers=200, seed=1)
    back = pd.read_parquet(paths["invoices"])
    pd.testing.assert_frame_equal(back, demo.tables["invoices"], check_dtype=False)
    assert back["invoice_date"].dtype.kind == "M"


def _cli_args(argv):
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(argv)


def test_cli_writes_then_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "d"
    assert cli(_cli_args(["--out", str(out), "--customers", "150", "--seed", "3"])) == 0
    printed = capsys.readouterr().out
    assert "orders.csv" in printed and "150 customers" in printed
    before = (out / "orders.csv").stat().st_mtime_ns
    assert cli(_cli_args(["--out", str(out), "--customers", "150", "--seed", "4"])) == 0
    assert "--force" in capsys.readouterr().out
    assert (out / "orders.csv").stat().st_mtime_ns == before
    assert json.loads((out / "truth.json").read_text(encoding="utf-8"))["seed"] == 3
    assert cli(_cli_args(["--out", str(out), "--customers", "150", "--seed", "4", "--force"])) == 0
    assert json.loads((out / "truth.json").read_text(encoding="utf-8"))["seed"] == 4


def test_kam_demo_via_main(tmp_path, capsys):
    import importlib.util

    missing = [m for m in ("kamlib.io", "kamlib.batch") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"kam CLI needs {missing} (other modules not written yet)")
    from kamlib.cli import main

    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--customers", "120", "--format", "parquet"]) == 0
    tables = ("orders", "customers", "invoices", "surveys", "interactions", "opportunities", "targets")
    assert {p.name for p in out.iterdir()} == {f"{t}.parquet" for t in tables} | {"truth.json"}


# ------------------------------------------------------------------------------------ params files

@pytest.mark.parametrize("region,title_zh,value", [("east", "华东", "华东"), ("north", "华北", "华北"),
                                                   ("south", "华南", "华南"), ("west", None, "西部")])
def test_region_params_files_load(region, title_zh, value):
    from kamlib.params import load_params

    p = load_params(ROOT / "params" / f"{region}.yaml")
    assert p.region == region
    assert p.filter == {"region": [value]}
    assert p.random_state == 0
    assert p.data.orders == (ROOT / "data" / "demo" / "orders.csv").resolve()
    assert p.data.surveys == (ROOT / "data" / "demo" / "surveys.csv").resolve()
    assert p.satisfaction.constructs["服务"] == ["q_service_response", "q_service_expertise"]
    assert sorted(i for v in p.satisfaction.constructs.values() for i in v) == sorted(LIKERT_ITEMS)
    if title_zh:
        assert p.language == "zh" and p.title.startswith(title_zh)
    else:
        assert p.language == "en" and p.title.isascii()
