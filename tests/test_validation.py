"""Data contracts: one test per bad-input class (the message names table, column and fix), all problems
reported at once, and the soft-exclusion rules counted exactly."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from kamlib.errors import DataError
from kamlib.io import load_full_ledger, load_ledger
from kamlib.params import load_params

ORDERS = """\
order_id,customer_id,order_date,revenue,quantity,unit_price
SO1,007,2024-01-05,100.0,1,100
SO1,007,2024-01-05,50.5,1,50.5
SO2,C2,2024-02-10,200,2,100
SO3,C3,2024-03-15,300,3,100
"""
CUSTOMERS = """\
customer_id,name,region
007,甲公司,华东
C2,乙公司,华北
C3,丙公司,华东
"""
INVOICES = """\
invoice_id,customer_id,invoice_date,due_date,amount,paid_date
I1,007,2024-01-05,2024-02-04,150.5,2024-02-01
I2,C2,2024-02-10,2024-03-11,200,
"""
SURVEYS = """\
response_id,customer_id,survey_date,q_service,overall,nps
R1,007,2024-06-01,4,5,9
R2,C2,2024-06-02,3,4,8
"""


def make_params(tmp_path: Path, *, orders=ORDERS, customers=CUSTOMERS, invoices=None, surveys=None,
                extra: str = "", encoding: str = "utf-8") -> Path:
    """Write the tables given (str → CSV in ``encoding``, bytes as they are) and a params file."""
    lines = ["region: t", "language: en", "data:"]
    for name, content in (("orders", orders), ("customers", customers), ("invoices", invoices),
                          ("surveys", surveys)):
        if content is None:
            continue
        p = tmp_path / f"{name}.csv"
        p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        lines.append(f"  {name}: {p.name}")
    params = tmp_path / "t.yaml"
    params.write_text("\n".join(lines) + "\n" + textwrap.dedent(extra), encoding="utf-8")
    return params


def problems_of(params_file: Path) -> list[dict]:
    with pytest.raises(DataError) as ei:
        load_full_ledger(load_params(params_file))
    err = ei.value
    assert err.problems, "a DataError must carry its problems"
    # every problem is also in the message, with its fix
    for p in err.problems:
        assert p["message"] in str(err)
        assert "Fix:" in p["message"] and p["fix"]
    return err.problems


def only(problems: list[dict], check: str) -> dict:
    hits = [p for p in problems if p["check"] == check]
    assert len(hits) == 1, [p["message"] for p in problems]
    return hits[0]


def assert_names(p: dict, table: str, column: str | None):
    assert p["table"] == table
    assert table in p["message"]
    if column:
        assert p["column"] == column
        assert column in p["message"]


# ------------------------------------------------------------------------------------------ valid baseline

def test_valid_small_ledger_loads(tmp_path):
    led = load_full_ledger(load_params(make_params(tmp_path, invoices=INVOICES, surveys=SURVEYS,
                                                   extra="satisfaction:\n  constructs:\n    服务: [q_service]\n")))
    assert list(led.orders["customer_id"]) == ["007", "007", "C2", "C3"]
    assert led.survey_items == ("q_service",)
    assert led.quality.excluded == 0
    assert led.quality.count("unpaid", "invoices") == 1


# ------------------------------------------------------------------------------------------ hard errors

def test_missing_required_column(tmp_path):
    orders = "order_id,customer_id,revenue\nSO1,007,10\n"
    p = only(problems_of(make_params(tmp_path, orders=orders)), "missing_column")
    assert_names(p, "orders", "order_date")
    assert "columns:" in p["fix"] and "order_id, customer_id, revenue" in p["message"]


def test_unmapped_column_lists_the_columns_that_exist(tmp_path):
    extra = "columns:\n  orders:\n    客户编号: customer_id\n"
    p = only(problems_of(make_params(tmp_path, extra=extra)), "unmapped_column")
    assert_names(p, "orders", "customer_id")
    assert "'客户编号'" in p["message"]
    assert "order_id, customer_id, order_date, revenue, quantity, unit_price" in p["message"]
    assert "columns.<table>" in p["fix"]


def test_mapping_onto_an_unknown_canonical_name(tmp_path):
    extra = "columns:\n  orders:\n    revenue: revenu\n"
    p = only(problems_of(make_params(tmp_path, extra=extra)), "unknown_target")
    assert_names(p, "orders", "revenu")
    assert "did you mean 'revenue'" in p["message"]


def test_wrong_type_names_rows_and_values(tmp_path):
    orders = ORDERS.replace("SO2,C2,2024-02-10,200,", "SO2,C2,2024-02-10,two hundred,")
    p = only(problems_of(make_params(tmp_path, orders=orders)), "wrong_type")
    assert_names(p, "orders", "revenue")
    assert p["rows"] == 1
    assert p["examples"] == ("row 4: 'two hundred'",)   # header is row 1


def test_unparseable_date(tmp_path):
    orders = ORDERS.replace("2024-03-15", "2024-13-45").replace("2024-02-10", "last tuesday")
    p = only(problems_of(make_params(tmp_path, orders=orders)), "unparseable_date")
    assert_names(p, "orders", "order_date")
    assert p["rows"] == 2 and "'last tuesday'" in p["message"] and "date_format" in p["fix"]


def test_negative_revenue_on_a_sale_line(tmp_path):
    orders = ORDERS.replace("SO3,C3,2024-03-15,300,", "SO3,C3,2024-03-15,-300,")
    p = only(problems_of(make_params(tmp_path, orders=orders)), "non_negative")
    assert_names(p, "orders", "revenue")
    assert p["rows"] == 1 and "row 5: -300" in p["message"] and "negative_revenue" in p["fix"]


def test_non_numeric_revenue_with_currency_text_is_fine_but_words_are_not(tmp_path):
    orders = ORDERS.replace(",100.0,", ',"¥1,000.00",').replace(",300,", ",N/A,")
    probs = problems_of(make_params(tmp_path, orders=orders))
    p = only(probs, "wrong_type")
    assert_names(p, "orders", "revenue")
    assert p["rows"] == 1 and "'N/A'" in p["message"]


def test_duplicate_key(tmp_path):
    customers = CUSTOMERS + "C2,乙公司二号,华南\n"
    p = only(problems_of(make_params(tmp_path, customers=customers)), "duplicate_key")
    assert_names(p, "customers", "customer_id")
    assert p["rows"] == 2 and "'C2'" in p["message"] and "duplicate" in p["fix"]


def test_order_for_an_unknown_customer(tmp_path):
    orders = ORDERS + "SO9,C99,2024-04-01,10,1,10\n"
    p = only(problems_of(make_params(tmp_path, orders=orders)), "unknown_customer")
    assert_names(p, "orders", "customer_id")
    assert p["examples"] == ("row 6: 'C99'",) and "customers table" in p["fix"]


def test_due_date_before_invoice_date(tmp_path):
    inv = INVOICES.replace("I2,C2,2024-02-10,2024-03-11", "I2,C2,2024-02-10,2024-01-11")
    p = only(problems_of(make_params(tmp_path, invoices=inv)), "due_before_invoice")
    assert_names(p, "invoices", "due_date")
    assert "row 3" in p["message"] and "swapped" in p["fix"]


@pytest.mark.parametrize("column,old,new", [("overall", "R1,007,2024-06-01,4,5,9", "R1,007,2024-06-01,4,7,9"),
                                            ("nps", "R2,C2,2024-06-02,3,4,8", "R2,C2,2024-06-02,3,4,11"),
                                            ("q_service", "R2,C2,2024-06-02,3,", "R2,C2,2024-06-02,0,")])
def test_likert_and_nps_out_of_range(tmp_path, column, old, new):
    surveys = SURVEYS.replace(old, new)
    extra = "satisfaction:\n  constructs:\n    服务: [q_service]\n"
    p = only(problems_of(make_params(tmp_path, surveys=surveys, extra=extra)), "range")
    assert_names(p, "surveys", column)
    assert p["rows"] == 1 and ("[0, 10]" if column == "nps" else "[1, 5]") in p["message"]
    assert "Likert 1-5, NPS 0-10" in p["fix"]


def test_empty_table(tmp_path):
    p = only(problems_of(make_params(tmp_path, invoices="invoice_id,customer_id,invoice_date,due_date,amount\n")),
             "empty_table")
    assert_names(p, "invoices", None)
    assert "no rows" in p["message"] and "export" in p["fix"]


def test_file_not_found_names_the_params_key(tmp_path):
    params = make_params(tmp_path)
    (tmp_path / "customers.csv").rename(tmp_path / "customer.csv")
    p = only(problems_of(params), "file_not_found")
    assert_names(p, "customers", None)
    assert "data.customers" in p["fix"] and "customer.csv" in p["message"]   # similar file suggested


def test_unreadable_encoding(tmp_path):
    # 0xFF is invalid in UTF-8 and in GB18030
    orders = b"order_id,customer_id,order_date,revenue\nSO1,007,2024-01-05,10\nSO2,Caf\xe9\xff,2024-01-06,5\n"
    p = only(problems_of(make_params(tmp_path, orders=orders)), "encoding")
    assert_names(p, "orders", None)
    assert "UTF-8" in p["fix"] and "data.encoding" in p["fix"]


def test_declared_encoding_that_does_not_match_names_the_line(tmp_path):
    orders = "order_id,customer_id,order_date,revenue\nSO1,客户一,2024-01-05,10\n".encode()
    p = only(problems_of(_with_encoding(tmp_path, orders, "ascii")), "encoding")
    assert "line 2" in p["message"] and "ascii" in p["message"]


def _with_encoding(tmp_path, orders: bytes, enc: str) -> Path:
    params = make_params(tmp_path, orders=orders, customers=None)
    text = params.read_text(encoding="utf-8").replace("data:\n", f"data:\n  encoding: {enc}\n")
    params.write_text(text, encoding="utf-8")
    return params


def test_every_problem_is_reported_at_once(tmp_path):
    orders = ORDERS.replace("2024-03-15", "someday").replace(",200,", ",x,") + "SO9,C99,2024-04-01,10,1,10\n"
    customers = CUSTOMERS + "C3,重复,华东\n"
    inv = INVOICES.replace("2024-03-11", "2024-01-01")
    probs = problems_of(make_params(tmp_path, orders=orders, customers=customers, invoices=inv))
    checks = sorted(p["check"] for p in probs)
    assert checks == ["due_before_invoice", "duplicate_key", "unknown_customer", "unparseable_date", "wrong_type"]


# ------------------------------------------------------------------------------------------ soft rules

SOFT = """\
order_id,customer_id,order_date,revenue,quantity,unit_price,status,product_id
SO1,C1,2024-01-05,100,1,100,ok,P1
CX2,C1,2024-01-06,-50,-1,50,ok,P1
SO3,C2,2024-01-07,-20,-2,10,ok,P2
SO4,C2,2024-01-08,0,5,0,ok,P3
SO5,,2024-01-09,10,1,10,ok,P1
SO6,C3,2030-01-01,10,1,10,ok,P1
SO7,C3,2024-01-10,10,1,10,void,P1
SO8,C3,2024-01-11,5,1,5,ok,POST
SO9,C3,2024-01-12,7,1,7,ok,gift_10
"""


def test_soft_rules_exclude_and_count_every_row_once(tmp_path):
    extra = """\
    as_of: 2024-12-31
    rules:
      cancelled_prefix: CX
      cancelled_status: [void]
      exclude_values: {product_id: [POST]}
      exclude_patterns: {product_id: ["^gift_"]}
    """
    led = load_full_ledger(load_params(make_params(tmp_path, orders=SOFT, customers=None, extra=extra)))
    q = led.quality
    counts = {e.rule: e.rows for e in q.exclusions if e.table == "orders"}
    assert counts == {"cancelled": 2, "return": 1, "excluded_value": 2, "zero_price": 1,
                      "missing_customer_id": 1, "future_date": 1}
    assert q.rows_read["orders"] == 9 and q.rows_kept["orders"] == 1 == len(led.orders)
    assert q.rows_read["orders"] == q.rows_kept["orders"] + sum(counts.values())
    frame = q.to_frame()
    assert frame.loc[frame["table"] == "orders", "rows"].iloc[1:-1].sum() == -8
    cancelled = next(e for e in q.exclusions if e.rule == "cancelled")
    assert cancelled.amount == pytest.approx(-40.0) and cancelled.examples[0] == "row 3: 'CX2'"


def test_future_dates_can_be_an_error(tmp_path):
    extra = "as_of: 2024-12-31\nrules:\n  future_dates: error\n"
    orders = ORDERS.replace("2024-03-15", "2025-03-15")
    p = only(problems_of(make_params(tmp_path, orders=orders, extra=extra)), "future_date")
    assert_names(p, "orders", "order_date")


def test_future_dates_default_to_today(tmp_path):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    orders = ORDERS.replace("2024-03-15", tomorrow)
    led = load_full_ledger(load_params(make_params(tmp_path, orders=orders)))
    assert led.quality.count("future_date") == 1


def test_negative_revenue_can_be_excluded_instead(tmp_path):
    orders = "order_id,customer_id,order_date,revenue\nSO1,007,2024-01-05,100\nCN1,007,2024-01-06,-30\n"
    led = load_full_ledger(load_params(make_params(tmp_path, orders=orders,
                                                   extra="rules:\n  negative_revenue: exclude\n")))
    assert led.quality.count("negative_revenue") == 1 and len(led.orders) == 1


def test_all_rows_excluded_is_an_error(tmp_path):
    orders = "order_id,customer_id,order_date,revenue\nSO1,,2024-01-05,100\n"
    p = only(problems_of(make_params(tmp_path, orders=orders, customers=None)), "all_excluded")
    assert "missing_customer_id 1" in p["message"]


def test_unknown_rule_column(tmp_path):
    p = only(problems_of(make_params(tmp_path, extra="rules:\n  exclude_values: {stock_code: [POST]}\n")),
             "unknown_rule_column")
    assert_names(p, "orders", "stock_code")


def test_filter_errors_name_the_params_file_and_values(tmp_path):
    params = make_params(tmp_path, extra="filter:\n  region: [华西]\n")
    with pytest.raises(DataError) as ei:
        load_ledger(load_params(params))
    msg = str(ei.value)
    assert str(params) in msg and "华东 (2)" in msg and "华北 (1)" in msg and "Fix:" in msg
    params.write_text(params.read_text(encoding="utf-8").replace("region: [华西]", "city: [上海]"), encoding="utf-8")
    with pytest.raises(DataError, match=r"customers has no column 'city'.*name, region"):
        load_ledger(load_params(params))


def test_schema_catches_wrong_dtypes_of_a_hand_made_table():
    from kamlib.validation import check_tables

    orders = pd.DataFrame({"order_id": pd.array(["a"], dtype="string"), "customer_id": pd.array(["c"], dtype="string"),
                           "order_date": pd.to_datetime(["2024-01-01"]).astype("datetime64[ns]"),
                           "revenue": [1]})
    probs = check_tables({"orders": orders}, customers_given=False)
    assert [(p["column"], p["check"]) for p in probs] == [("revenue", "wrong_type")]
    assert "int64" in probs[0]["message"] and "load_ledger" in probs[0]["fix"]


def test_unsupported_and_corrupt_files(tmp_path):
    params = make_params(tmp_path)
    (tmp_path / "orders.parquet").write_bytes(b"not a parquet file at all")
    (tmp_path / "customers.json").write_text("{}", encoding="utf-8")
    text = params.read_text(encoding="utf-8").replace("orders.csv", "orders.parquet").replace("customers.csv",
                                                                                               "customers.json")
    params.write_text(text, encoding="utf-8")
    probs = problems_of(params)
    assert_names(only(probs, "unreadable"), "orders", None)
    p = only(probs, "unsupported_format")
    assert_names(p, "customers", None)
    assert ".parquet" in p["message"] and ".xlsx" in p["message"]


def test_canonical_names_in_another_case_need_no_mapping(tmp_path):
    orders = "Order_ID,CUSTOMER_ID,Order_Date,Revenue\nSO1,007,2024-01-05,10\n"
    led = load_full_ledger(load_params(make_params(tmp_path, orders=orders)))
    assert list(led.orders.columns) == ["order_id", "customer_id", "order_date", "revenue"]


def test_decimal_commas_are_refused_not_misread(tmp_path):
    orders = ORDERS.replace(",50.5,", ',"50,5",').replace(",100.0,", ',"1,000.00",')
    p = only(problems_of(make_params(tmp_path, orders=orders)), "wrong_type")
    assert_names(p, "orders", "revenue")
    assert p["rows"] == 1 and "'50,5'" in p["message"]
