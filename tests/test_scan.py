"""The orders scan (kamlib.io): contract checks and soft rules run inside DuckDB, and the day grain.

* the SQL rules and the pandas rules (``validation.apply_soft_rules`` / ``check_tables``) agree row for row;
* the day-grain ledger (what ``kam run`` uses) gives the same indicators, churn clock and workbook as the
  line-grain ledger, and the same data-quality counts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_validation import CUSTOMERS, make_params

from kamlib import survival, value
from kamlib import validation as V
from kamlib.errors import DataError, KamlibError
from kamlib.io import load_full_ledger, load_ledger, read_table
from kamlib.params import load_params
from kamlib.workbook import build_workbook, period_end

# every soft rule fires at least once; amounts differ per rule so that a mix-up shows
MESSY = """\
order_id,customer_id,order_date,revenue,quantity,unit_price,product_id,status
SO1,007,2024-01-05,100,1,100,P1,
SO1,007,2024-01-05,50.5,1,50.5,P2,
CX2,007,2024-01-06,-40,-1,40,P1,
SO3,C2,2024-02-10,200,2,100,P1,void
RT4,C2,2024-02-11,-30,-1,30,P2,
SO5,C3,2024-03-15,7,1,7,POST,
SO6,C3,2024-03-16,9,1,9,gift_card,
SO7,C3,2024-03-17,0,1,0,P1,
SO8,,2024-03-18,11,1,11,P1,
SO9,C2,2025-06-01,13,1,13,P1,
SO10,C2,2024-04-01,-5,1,-5,P3,
SO11,C3,2024-04-02,17,1,17,P4,
"""
RULES = """\
as_of: 2024-12-31
rules:
  cancelled_prefix: CX
  cancelled_status: [void]
  negative_revenue: exclude
  exclude_values: {product_id: [POST]}
  exclude_patterns: {product_id: ["^gift_"]}
"""


def _pandas_counts(params, path):
    """The same file through the in-memory (pandas) rules: read, then apply_soft_rules."""
    problems: list = []
    typed = read_table("orders", path, params, problems)
    kept, excl = V.apply_soft_rules({"orders": typed}, params.rules, params.as_of, problems)
    merged = V.merge_exclusions(excl)
    return kept["orders"], {e.rule: (e.rows, e.amount) for e in merged}, {e.rule: e.examples for e in merged}


def _by_check(problems, table):
    """{(column, check): (rows, examples)} of one table's problems: the SQL and pandera forms must agree."""
    return {(p["column"], p["check"]): (p["rows"], p["examples"]) for p in problems if p["table"] == table}


def _scan_problems(params, table):
    with pytest.raises(DataError) as ei:
        load_full_ledger(params)
    return _by_check(ei.value.problems, table)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_sql_rules_agree_with_pandas_rules(tmp_path, fmt):
    pf = make_params(tmp_path, orders=MESSY, customers=CUSTOMERS, extra=RULES)
    if fmt == "parquet":   # the same table as typed Parquet (Parquet row numbers come from the file)
        pd.read_csv(tmp_path / "orders.csv", dtype=str).to_parquet(tmp_path / "orders.parquet")
        pf.write_text(pf.read_text().replace("orders.csv", "orders.parquet"), encoding="utf-8")
    params = load_params(pf)
    led = load_full_ledger(params)
    sql = {e.rule: (e.rows, e.amount) for e in led.quality.exclusions if e.table == "orders"}
    kept, pandas, examples = _pandas_counts(params, params.data.orders)
    assert sql == pandas
    assert sql["excluded_value"][0] == 2 and sql["negative_revenue"] == (1, -5.0)
    assert led.quality.rows_kept["orders"] == len(kept) == len(led.orders) == 3
    assert list(led.orders["order_id"]) == list(kept["order_id"])   # file order kept
    sql_examples = {e.rule: e.examples for e in led.quality.exclusions if e.table == "orders"}
    assert sql_examples == examples   # same rows, same wording ("row 4: 'CX2'")


@pytest.mark.parametrize("mask_bits", [62, 2])
def test_day_grain_scan_counts_and_examples_as_the_line_grain(tmp_path, monkeypatch, mask_bits):
    """The day grain reduces the lines in one pass (excluded lines keep their row position, checks are
    bits of mask columns): exclusions, amounts and examples are those of the lines and of pandas, also when
    the flags need several mask columns."""
    from kamlib.io import scan

    monkeypatch.setattr(scan, "_MASK_BITS", mask_bits)
    params = load_params(make_params(tmp_path, orders=MESSY, customers=CUSTOMERS, extra=RULES))
    line, day = load_full_ledger(params), load_full_ledger(params, grain="day")
    _, pandas, examples = _pandas_counts(params, params.data.orders)
    got = {e.rule: (e.rows, e.amount) for e in day.quality.exclusions if e.table == "orders"}
    assert got == pandas and {e.rule: e.examples for e in day.quality.exclusions if e.table == "orders"} == examples
    assert day.quality == line.quality
    o = day.orders.set_index(["customer_id", "order_date"])
    assert o.loc[("007", pd.Timestamp("2024-01-05")), ["n_orders", "n_lines"]].tolist() == [1, 2]   # SO1: 2 lines
    assert o["revenue"].sum() == pytest.approx(line.orders["revenue"].sum())


@pytest.mark.parametrize("mask_bits", [62, 1])
def test_day_grain_reports_the_problems_of_the_line_grain(tmp_path, monkeypatch, mask_bits):
    from kamlib.io import scan

    monkeypatch.setattr(scan, "_MASK_BITS", mask_bits)
    orders = ("order_id,customer_id,order_date,revenue,quantity,unit_price\n"
              "SO1,007,2024-01-05,100,1,100\n,007,2024-01-06,5,1,5\nSO3,ZZ,2024-01-07,5,1,5\n"
              "SO4,C2,2024-01-08,-9,1,-9\nSO5,C2,2024-01-09,-3,-1,3\nSO6,C2,2024-01-10,x,1,2\n")
    params = load_params(make_params(tmp_path, orders=orders, customers=CUSTOMERS,
                                     extra="rules:\n  exclude_returns: false\n"))
    problems = {}
    for grain in ("line", "day"):
        with pytest.raises(DataError) as ei:
            load_full_ledger(params, grain=grain)
        problems[grain] = _by_check(ei.value.problems, "orders")
    assert problems["day"] == problems["line"]
    assert set(problems["day"]) == {("order_id", "not_null"), ("customer_id", "unknown_customer"),
                                    ("unit_price", "non_negative"), ("revenue", "non_negative"),
                                    ("revenue", "wrong_type")}


def test_sql_checks_agree_with_pandera(tmp_path):
    orders = ("order_id,customer_id,order_date,revenue,quantity,unit_price\n"
              "SO1,007,2024-01-05,100,1,100\n,007,2024-01-06,5,1,5\nSO3,ZZ,2024-01-07,5,1,5\n"
              "SO4,C2,2024-01-08,-9,1,-9\nSO5,C2,2024-01-09,-3,-1,3\n")
    pf = make_params(tmp_path, orders=orders, customers=CUSTOMERS, extra="rules:\n  exclude_returns: false\n")
    params = load_params(pf)
    sql = _scan_problems(params, "orders")
    frame = read_table("orders", params.data.orders, params)
    cust = read_table("customers", params.data.customers, params)
    pandera = _by_check(V.check_tables({"orders": frame, "customers": cust}), "orders")
    assert sql == pandera
    assert set(sql) == {("order_id", "not_null"), ("customer_id", "unknown_customer"),
                        ("unit_price", "non_negative"), ("revenue", "non_negative")}


def test_grain_is_checked(small_params_file):
    with pytest.raises(KamlibError, match="grain must be one of"):
        load_full_ledger(load_params(small_params_file), grain="week")


@pytest.fixture(scope="module")
def both_grains(small_params_file):
    params = load_params(small_params_file)
    return params, load_ledger(params), load_ledger(params, grain="day")


def test_day_grain_shape_and_counts(both_grains):
    _, line, day = both_grains
    assert day.grain == "day" and line.grain == "line"
    assert list(day.orders.columns) == ["customer_id", "order_date", "revenue", "gross_profit", "n_orders", "n_lines"]
    assert not day.orders.duplicated(["customer_id", "order_date"]).any()
    assert len(day.orders) < len(line.orders)
    assert int(day.orders["n_lines"].sum()) == len(line.orders) == day.order_lines == line.order_lines
    per_day = line.orders.groupby(["customer_id", "order_date"])["order_id"].nunique()
    assert int(day.orders["n_orders"].sum()) == int(per_day.sum())
    assert day.orders["revenue"].sum() == pytest.approx(line.orders["revenue"].sum(), rel=1e-12)
    assert day.quality == line.quality and day.customers.equals(line.customers)


def test_day_grain_gives_the_same_analyses(both_grains):
    params, line, day = both_grains
    as_of = period_end(params, line)
    assert as_of == period_end(params, day)
    pd.testing.assert_frame_equal(value.customer_indicators(line, as_of), value.customer_indicators(day, as_of),
                                  rtol=1e-9)
    pd.testing.assert_frame_equal(survival.churn_durations(line, as_of), survival.churn_durations(day, as_of))
    wl, wd = build_workbook(params, line), build_workbook(params, day)
    pd.testing.assert_frame_equal(wl.customers, wd.customers, rtol=1e-9)
    assert wl.warnings == wd.warnings


def test_orders_spanning_days_count_once_per_day(tmp_path):
    orders = ("order_id,customer_id,order_date,revenue\nSO1,007,2024-01-05,100\nSO1,007,2024-01-06,50\n"
              "SO2,007,2024-01-06,10\n")
    led = load_full_ledger(load_params(make_params(tmp_path, orders=orders)), grain="day")
    o = led.orders.set_index("order_date")
    assert o["n_orders"].tolist() == [1, 2] and o["n_lines"].tolist() == [1, 2]
    np.testing.assert_allclose(o["revenue"], [100, 60])


def test_pattern_the_scan_cannot_run_is_a_bad_pattern(tmp_path):
    # Python's re accepts look-aheads; DuckDB's RE2 does not: say so instead of failing inside the scan
    extra = "rules:\n  exclude_patterns: {order_id: ['^SO(?=1)']}\n"
    with pytest.raises(DataError) as ei:
        load_full_ledger(load_params(make_params(tmp_path, extra=extra)))
    (p,) = [p for p in ei.value.problems if p["check"] == "bad_pattern"]
    assert p["column"] == "order_id" and "(?=1)" in p["message"]


def test_invoice_checks_and_rules_agree_with_pandas(tmp_path):
    invoices = ("invoice_id,customer_id,invoice_date,due_date,amount,paid_date\n"
                "I1,007,2024-01-05,2024-02-04,150.5,2024-02-01\nI2,C2,2024-02-10,2024-01-11,200,\n"
                "I3,C2,2024-02-11,2024-03-11,-5,\nI3,C3,2024-02-12,2024-03-12,7,\nI5,ZZ,2024-02-13,2024-03-13,9,\n"
                "I6,,2024-02-14,2024-03-14,11,\nI7,C3,2025-06-01,2025-07-01,13,\nI8,C3,,2024-03-15,17,\n")
    pf = make_params(tmp_path, customers=CUSTOMERS, invoices=invoices, extra="as_of: 2024-12-31\n")
    params = load_params(pf)
    sql = _scan_problems(params, "invoices")
    frame = read_table("invoices", params.data.invoices, params)
    cust = read_table("customers", params.data.customers, params)
    kept, excl = V.apply_soft_rules({"invoices": frame}, params.rules, params.as_of, [])
    pandera = _by_check(V.check_tables({"invoices": kept["invoices"], "customers": cust}), "invoices")
    assert sql == pandera
    assert set(sql) == {("invoice_date", "not_null"), ("amount", "non_negative"), ("due_date", "due_before_invoice"),
                        ("invoice_id", "duplicate_key"), ("customer_id", "unknown_customer")}
    # the soft rules of a clean version of the same file agree too
    clean = "\n".join(line for line in invoices.splitlines() if not line.startswith(("I2", "I3", "I5", "I8")))
    pf = make_params(tmp_path, customers=CUSTOMERS, invoices=clean + "\n", extra="as_of: 2024-12-31\n")
    params = load_params(pf)
    led = load_full_ledger(params)
    sql_rules = {e.rule: (e.rows, e.amount, e.examples) for e in led.quality.exclusions if e.table == "invoices"}
    _, excl = V.apply_soft_rules({"invoices": read_table("invoices", params.data.invoices, params)},
                                 params.rules, params.as_of, [])
    assert sql_rules == {e.rule: (e.rows, e.amount, e.examples) for e in excl}
    assert set(sql_rules) == {"missing_customer_id", "future_date"}
    assert led.quality.rows_kept["invoices"] == len(led.invoices) == 1
    assert led.invoices["paid_amount"].tolist() == [150.5]   # derived after the scan, as before


def test_scan_runs_under_a_small_duckdb_memory_limit(small_params_file, monkeypatch):
    from kamlib.io import _sql

    monkeypatch.setenv("KAMLIB_DUCKDB_MEMORY", "64MB")
    con = _sql.connect()
    try:
        limit = con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]   # e.g. '61.0 MiB'
        assert 55 < float(limit.split()[0]) < 70 and "MiB" in limit
    finally:
        con.close()
    params = load_params(small_params_file)
    led = load_full_ledger(params, grain="day")
    monkeypatch.delenv("KAMLIB_DUCKDB_MEMORY")
    pd.testing.assert_frame_equal(led.orders, load_full_ledger(params, grain="day").orders)
    monkeypatch.setenv("KAMLIB_DUCKDB_MEMORY", "lots")
    with pytest.raises(KamlibError, match="KAMLIB_DUCKDB_MEMORY='lots'.*Fix"):
        load_full_ledger(params)


def test_unpaid_flag_examples_keep_file_row_numbers(tmp_path):
    invoices = ("invoice_id,customer_id,invoice_date,due_date,amount,paid_date\n"
                "I0,,2024-01-04,2024-02-03,9,\nI1,007,2024-01-05,2024-02-04,150.5,2024-02-01\n"
                "I2,C2,2024-02-10,2024-03-11,200,\n")
    led = load_full_ledger(load_params(make_params(tmp_path, invoices=invoices)))
    (flag,) = [f for f in led.quality.flags if f.rule == "unpaid"]
    assert flag.rows == 1 and flag.examples == ("row 4: 'I2'",)   # I2 is on line 4 of the file


def test_trimmed_set_is_what_duckdb_trims():
    """The id fast path skips trim() unless a value starts or ends with one of these code points."""
    import duckdb

    from kamlib.io.typed import _TRIMMED

    con = duckdb.connect()
    chars = [chr(c) for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    got = con.execute("SELECT list(ascii(c)) FROM (SELECT unnest(?) AS c) WHERE trim(c || 'x') <> c || 'x'",
                      [chars]).fetchall()[0][0]
    assert sorted(got) == sorted(int(c) for c in _TRIMMED.split(", "))


@pytest.mark.parametrize("kind", ["id", "str"])
def test_id_and_text_fast_path_equals_full_cleaning(kind):
    import duckdb

    from kamlib.io.typed import _typed_expr

    values = [" a", "a ", "\u3000a", "a\u3000", "\u00a0", "", " ", "17850.0", "-3.00", "007", "a.b", "\ta",
              "é", "Ａ", "客户 1", "1\u2003", None, "x"]
    full = {"id": r"CASE WHEN contains(v, '.') THEN NULLIF(regexp_replace(NULLIF(trim(v), ''), "
                  r"'^(-?\d+)\.0+$', '\1'), '') ELSE NULLIF(trim(v), '') END",
            "str": "NULLIF(trim(v), '')"}[kind]
    con = duckdb.connect()
    rows = con.execute(f"SELECT v, {_typed_expr(kind, 'v', 'text', None, False)}, {full} "
                       "FROM (SELECT unnest(?::VARCHAR[]) AS v)", [values]).fetchall()
    assert [r[1] for r in rows] == [r[2] for r in rows]
    assert dict((r[0], r[1]) for r in rows)["17850.0"] == ("17850" if kind == "id" else "17850.0")
