"""Loading the ledger: formats, encodings, column mapping, canonical dtypes, derivations, the demo's planted
problems counted exactly, filters, the ledger key, `kam validate` and the generated docs."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import io
from kamlib.cli import main as kam
from kamlib.errors import DataError
from kamlib.params import load_params

ROOT = Path(__file__).resolve().parents[1]
STRING = pd.StringDtype("pyarrow")


def write_params(folder: Path, name: str = "t.yaml", **sections) -> Path:
    """A params file from plain dicts (JSON is valid YAML)."""
    body = {"region": name.split(".")[0].lstrip("_") or "t", "language": "en", **sections}
    p = folder / name
    p.write_text(json.dumps(body, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return p


def demo_params(folder: Path, demo_dir: Path, name="full.yaml", **extra) -> Path:
    data = {t: str(demo_dir / f"{t}.csv") for t in ("orders", "customers", "invoices", "surveys")}
    constructs = {"产品": ["q_product_quality", "q_product_reliability"],
                  "服务": ["q_service_response", "q_service_expertise"],
                  "交付": ["q_delivery_ontime", "q_delivery_accuracy"], "价格": ["q_price_value"]}
    return write_params(folder, name, data=data, satisfaction={"constructs": constructs}, **extra)


@pytest.fixture(scope="session")
def demo_truth(small_demo_dir):
    return json.loads((small_demo_dir / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def full_params(small_demo_dir, tmp_path_factory):
    return load_params(demo_params(tmp_path_factory.mktemp("io"), small_demo_dir))


@pytest.fixture(scope="session")
def full_ledger(full_params):
    return io.load_full_ledger(full_params)


# ------------------------------------------------------------------------------------------ the demo ledger

def test_demo_ledger_round_trips_through_csv(full_ledger):
    """Known answer: the tables build_demo generated, minus exactly the planted returns and zero-price
    lines, come back from the CSV files with canonical dtypes and identical values."""
    from kamlib.demo import build_demo
    from tests.helpers import SMALL_DEMO_CUSTOMERS

    demo = build_demo(n_customers=SMALL_DEMO_CUSTOMERS, seed=0)
    o = demo.tables["orders"]
    clean = o[(o["quantity"] >= 0) & (o["unit_price"] != 0)].reset_index(drop=True)
    pd.testing.assert_frame_equal(full_ledger.orders, clean.astype({c: STRING for c in ("order_id", "customer_id",
                                                                                         "product_line")}))
    for t in ("customers", "invoices", "surveys"):
        got, want = getattr(full_ledger, t), demo.tables[t]
        assert list(got.columns) == list(want.columns), t
        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=t)
        for c in got.columns:
            kind = "str" if got[c].dtype == STRING else got[c].dtype.kind
            assert kind in ("str", "M", "f"), (t, c, got[c].dtype)
            assert got[c].dtype in (STRING, np.dtype("float64"), np.dtype("datetime64[ns]")), (t, c, got[c].dtype)
    assert full_ledger.survey_items == ("q_product_quality", "q_product_reliability", "q_service_response",
                                        "q_service_expertise", "q_delivery_ontime", "q_delivery_accuracy",
                                        "q_price_value")


def test_planted_problems_are_counted_exactly(full_ledger, demo_truth):
    planted = demo_truth["planted_problems"]
    q = full_ledger.quality
    assert q.count("return", "orders") == planted["returns"]["rows"]
    assert q.count("zero_price", "orders") == planted["zero_price"]["rows"]
    assert q.count("unpaid", "invoices") == planted["unpaid_invoices"]["rows"]
    ret = next(e for e in q.exclusions if e.rule == "return")
    assert ret.amount == pytest.approx(planted["returns"]["revenue"], abs=0.01)
    # nothing else was excluded, and the counts add up for every table
    assert q.excluded == planted["returns"]["rows"] + planted["zero_price"]["rows"]
    for t, n in q.rows_read.items():
        assert n == q.rows_kept[t] + sum(e.rows for e in q.exclusions if e.table == t)
        assert n == demo_truth["rows"][t]


def test_kam_validate_reports_the_planted_counts(full_params, demo_truth, capsys):
    code = kam(["validate", str(full_params.source)])
    out = capsys.readouterr().out
    assert code == 0, out
    planted = demo_truth["planted_problems"]
    assert f"excluded return: {planted['returns']['rows']:,} rows" in out
    assert f"excluded zero_price: {planted['zero_price']['rows']:,} rows" in out
    assert f"flagged unpaid: {planted['unpaid_invoices']['rows']:,} rows" in out
    assert f"orders: {demo_truth['rows']['orders']:,} rows read" in out and "OK" in out


def test_region_filter_and_ledger_key(small_demo_dir, full_ledger, tmp_path):
    base = {"data": {t: str(small_demo_dir / f"{t}.csv") for t in ("orders", "customers", "invoices", "surveys")}}
    east = load_params(write_params(tmp_path, "east.yaml", filter={"region": ["华东"]}, **base))
    west = load_params(write_params(tmp_path, "west.yaml", filter={"region": "西部"}, **base))
    assert io.ledger_key(east) == io.ledger_key(west)          # same data and rules: scanned once per run
    sub = io.filter_ledger(full_ledger, east)
    assert set(sub.customers["region"]) == {"华东"}
    ids = set(sub.customers["customer_id"])
    assert set(sub.orders["customer_id"]) <= ids and set(sub.invoices["customer_id"]) <= ids
    assert len(sub.customers) == (full_ledger.customers["region"] == "华东").sum()
    cache: dict = {}
    a, b = io.load_ledger(east, cache), io.load_ledger(west, cache)
    assert len(cache) == 1 and len(a.customers) + len(b.customers) < len(full_ledger.customers)
    # the key follows the rules and the files, not the filter
    strict = load_params(write_params(tmp_path, "strict.yaml", rules={"exclude_zero_price": False}, **base))
    assert io.ledger_key(strict) != io.ledger_key(east)
    copy = tmp_path / "orders.csv"
    copy.write_bytes((small_demo_dir / "orders.csv").read_bytes())
    moved = load_params(write_params(tmp_path, "moved.yaml", data={**base["data"], "orders": str(copy)}))
    k1 = io.ledger_key(moved)
    st = copy.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert io.ledger_key(moved) != k1


# ------------------------------------------------------------------------------------------ mapping, encodings

CN_ROWS = [
    ("SO-001", "007", "2024/3/5", "1,234.50", "1000", "华东"),
    ("SO-001", "007", "2024/3/5", "100", "80", "华东"),
    ("SO-002", "0100", "2024年4月1日", "￥2,000", "1500", "华北"),
    ("SO-003", "007", "20240502", "300.25", "", "华东"),
    ("RT-001", "0100", "2024-05-03", "-50", "-40", "华北"),
]
CN_MAPPING = {"orders": {"订单号": "order_id", "客户编号": "customer_id", "订单日期": "order_date", "金额": "revenue",
                         "成本": "cost", "地区": "region"}}


def cn_csv(rows=CN_ROWS) -> str:
    lines = ["订单号,客户编号,订单日期,金额,成本,地区"]
    for r in rows:
        lines.append(",".join(f'"{v}"' if "," in v else v for v in r))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("encoding,declared", [("gb18030", "auto"), ("utf-8-sig", "auto"), ("utf-8", "auto"),
                                               ("gbk", "gbk")])
def test_chinese_export_mapped_through_columns(tmp_path, encoding, declared):
    path = tmp_path / "导出.csv"
    path.write_bytes(cn_csv().encode(encoding))
    params = load_params(write_params(tmp_path, data={"orders": path.name, "encoding": declared},
                                      columns=CN_MAPPING, rules={"negative_revenue": "exclude"}))
    led = io.load_full_ledger(params)
    o = led.orders
    assert list(o["customer_id"]) == ["007", "007", "0100", "007"]          # leading zeros kept
    assert o["customer_id"].dtype == STRING and o["order_date"].dtype == "datetime64[ns]"
    assert list(o["order_date"].dt.strftime("%Y-%m-%d")) == ["2024-03-05", "2024-03-05", "2024-04-01", "2024-05-02"]
    assert o["revenue"].tolist() == [1234.5, 100.0, 2000.0, 300.25]
    np.testing.assert_allclose(o["gross_profit"], [234.5, 20.0, 500.0, np.nan])   # revenue − cost
    # customers derived from the order lines, region lifted from 地区
    c = led.customers.set_index("customer_id")
    assert c.loc["007", "region"] == "华东" and c.loc["0100", "region"] == "华北"
    assert led.quality.count("negative_revenue") == 1
    assert led.sources["orders"]["rows"] == 5
    if encoding not in ("utf-8",):
        assert any("read as" in n for n in led.quality.notes)


def test_late_non_utf8_bytes_fall_back_to_gb18030(tmp_path):
    """The first megabyte is plain ASCII (looks like UTF-8); a GBK line comes later."""
    head = "order_id,customer_id,order_date,revenue,region\n"
    filler = "".join(f"SO{i},C{i % 50},2024-01-{1 + i % 28:02d},10,East\n" for i in range(40000))
    assert len(filler) > 1 << 20
    tail = "SO-X,C1,2024-02-01,99,华东\n"
    path = tmp_path / "orders.csv"
    path.write_bytes((head + filler).encode() + tail.encode("gbk"))
    led = io.load_full_ledger(load_params(write_params(tmp_path, data={"orders": path.name})))
    assert led.orders["region"].iloc[-1] == "华东" and len(led.orders) == 40001


def test_formats_agree_and_float_ids_become_strings(tmp_path):
    """CSV, Parquet and Excel give the same ledger; a numeric id column with gaps (float 17850.0 in Excel
    and Parquet) reads as "17850", and yyyymmdd / Excel dates are understood."""
    df = pd.DataFrame({
        "InvoiceNo": [536365, 536365, "C536379", 536370],
        "CustomerID": [17850.0, 17850.0, 12583.0, np.nan],
        "InvoiceDate": pd.to_datetime(["2010-12-01 08:26", "2010-12-01 08:26", "2010-12-02 09:00", "2010-12-03 00:00"]),
        "Quantity": [6, 2, -1, 3],
        "UnitPrice": [2.55, 3.39, 2.10, 0.0],
        "Country": ["United Kingdom", "United Kingdom", "France", "France"],
    })
    mapping = {"orders": {"InvoiceNo": "order_id", "CustomerID": "customer_id", "InvoiceDate": "order_date",
                          "Quantity": "quantity", "UnitPrice": "unit_price", "Country": "region"}}
    xlsx = tmp_path / "export.xlsx"
    df.to_excel(xlsx, index=False, sheet_name="Data")
    pq = tmp_path / "export.parquet"
    df.assign(InvoiceNo=df["InvoiceNo"].astype(str)).to_parquet(pq, index=False)
    csv = tmp_path / "export.csv"
    df.assign(CustomerID=df["CustomerID"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")).to_csv(csv, index=False)
    got = {}
    for path, extra in ((xlsx, {"sheet": "Data"}), (pq, {}), (csv, {})):
        params = load_params(write_params(tmp_path, data={"orders": path.name, **extra}, columns=mapping,
                                          rules={"cancelled_prefix": "C"}))
        led = io.load_full_ledger(params)
        got[path.suffix] = led
        assert list(led.orders["customer_id"]) == ["17850", "17850"]
        assert list(led.orders["order_id"]) == ["536365", "536365"]
        np.testing.assert_allclose(led.orders["revenue"], [15.3, 6.78])
        assert led.quality.count("cancelled") == 1 and led.quality.count("zero_price") == 1
        assert led.customers["region"].tolist() == ["United Kingdom"]
    pd.testing.assert_frame_equal(got[".xlsx"].orders, got[".csv"].orders)
    pd.testing.assert_frame_equal(got[".parquet"].orders, got[".csv"].orders)


def test_missing_excel_sheet_lists_the_sheets(tmp_path):
    xlsx = tmp_path / "export.xlsx"
    pd.DataFrame({"order_id": ["A"], "customer_id": ["c"], "order_date": ["2024-01-01"], "revenue": [1.0]}) \
        .to_excel(xlsx, index=False, sheet_name="订单")
    with pytest.raises(DataError, match=r"(?s)orders.*sheets: 订单.*data.sheet"):
        io.load_full_ledger(load_params(write_params(tmp_path, data={"orders": xlsx.name, "sheet": "Sheet1"})))


def test_typed_parquet_columns(tmp_path):
    pq = tmp_path / "orders.parquet"
    pd.DataFrame({"order_id": [1, 2], "customer_id": [7, 8], "order_date": [20240305, 20240306],
                  "revenue": [10, 20]}).to_parquet(pq, index=False)
    led = io.load_full_ledger(load_params(write_params(tmp_path, data={"orders": pq.name})))
    assert led.orders["customer_id"].tolist() == ["7", "8"] and led.orders["revenue"].dtype == "float64"
    assert led.orders["order_date"].tolist() == [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06")]


@pytest.mark.parametrize("dates,expected,note", [
    (["25/12/2024", "1/2/2024"], ["2024-12-25", "2024-02-01"], "day/month/year"),
    (["12/25/2024", "1/2/2024"], ["2024-12-25", "2024-01-02"], None),
    (["3/4/2024", "1/2/2024"], ["2024-03-04", "2024-01-02"], "ambiguous"),
])
def test_slash_dates_day_or_month_first_from_the_data(tmp_path, dates, expected, note):
    csv = tmp_path / "o.csv"
    csv.write_text("order_id,customer_id,order_date,revenue\n" +
                   "".join(f"S{i},C1,{d},1\n" for i, d in enumerate(dates)), encoding="utf-8")
    led = io.load_full_ledger(load_params(write_params(tmp_path, data={"orders": csv.name})))
    assert list(led.orders["order_date"].dt.strftime("%Y-%m-%d")) == expected
    if note:
        assert any(note in n for n in led.quality.notes)


def test_explicit_date_format(tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("order_id,customer_id,order_date,revenue\nS1,C1,05.03.2024,1\n", encoding="utf-8")
    led = io.load_full_ledger(load_params(write_params(tmp_path, data={"orders": csv.name,
                                                                       "date_format": "%d.%m.%Y"})))
    assert led.orders["order_date"].iloc[0] == pd.Timestamp("2024-03-05")


def test_likert_labels_become_scores_and_wave_is_derived(tmp_path):
    (tmp_path / "o.csv").write_text("order_id,customer_id,order_date,revenue\nS1,C1,2024-01-01,1\n", encoding="utf-8")
    (tmp_path / "s.csv").write_text(
        "问卷编号,客户编号,日期,服务响应,总体满意度,推荐意愿\n"
        "R1,C1,2024-03-01,非常满意,比较满意,9\n"
        "R2,C1,2024-09-01,不满意,Very satisfied,3\n"
        "R3,C1,2024-09-02,4分, 3 ,10\n", encoding="utf-8")
    params = load_params(write_params(
        tmp_path, data={"orders": "o.csv", "surveys": "s.csv"},
        columns={"surveys": {"问卷编号": "response_id", "客户编号": "customer_id", "日期": "survey_date",
                             "服务响应": "q_service_response", "总体满意度": "overall", "推荐意愿": "nps"}},
        satisfaction={"constructs": {"服务": ["q_service_response"]}}))
    s = io.load_full_ledger(params).surveys
    assert s["q_service_response"].tolist() == [5.0, 2.0, 4.0]
    assert s["overall"].tolist() == [4.0, 5.0, 3.0]
    assert s["wave"].tolist() == ["2024H1", "2024H2", "2024H2"]


def test_revenue_derived_and_customer_attributes_lifted_by_mode(tmp_path):
    (tmp_path / "o.csv").write_text(
        "order_id,customer_id,order_date,quantity,unit_price,region,industry\n"
        "S1,C1,2024-01-01,2,5,华东,汽车\nS2,C1,2024-01-02,1,5,华东,汽车\nS3,C1,2024-01-03,1,5,华南,\n"
        "S4,C2,2024-01-03,3,1.5,西部,食品\n", encoding="utf-8")
    led = io.load_full_ledger(load_params(write_params(tmp_path, data={"orders": "o.csv"})))
    assert led.orders["revenue"].tolist() == [10.0, 5.0, 5.0, 4.5]
    c = led.customers.set_index("customer_id")
    assert c.loc["C1", "region"] == "华东" and c.loc["C2", "industry"] == "食品"
    assert list(led.customers.columns) == ["customer_id", "region", "industry"]
    assert "revenue derived as quantity × unit_price" in " ".join(led.quality.notes)


def test_read_table_for_inspection(tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes(cn_csv().encode("gb18030"))
    params = load_params(write_params(tmp_path, data={"orders": path.name}, columns=CN_MAPPING))
    df = io.read_table("orders", path, params)
    assert len(df) == 5 and df["revenue"].iloc[-1] == -50.0


# ------------------------------------------------------------------------------------------ kam validate

def test_kam_validate_every_region_file_and_exit_codes(small_demo_dir, tmp_path, capsys):
    folder = tmp_path / "params"
    folder.mkdir()
    demo_params(folder, small_demo_dir, name="_base.yaml")
    for name, region in (("east.yaml", "华东"), ("west.yaml", "西部")):
        (folder / name).write_text(f"extends: _base.yaml\nregion: {name[:-5]}\nfilter:\n  region: [{region}]\n",
                                   encoding="utf-8")
    assert kam(["validate", "--folder", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("rows read from") == 2 * 4 and "2 of 2 params file(s) valid" in out
    assert "region east (filter {'region': ['华东']})" in out
    # the count is of order lines (kam validate reads the day grain, which has fewer rows)
    east_lines = len(io.load_ledger(load_params(folder / "east.yaml")).orders)
    assert f"customers, {east_lines:,} order lines" in out
    (folder / "bad.yaml").write_text("extends: _base.yaml\nregion: bad\nfilter:\n  region: [火星]\n"
                                     "columns:\n  orders:\n    金额: revenue\n", encoding="utf-8")
    assert kam(["validate", "--folder", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "unmapped_column" in out and "Fix:" in out and "2 of 3 params file(s) valid" in out


def test_kam_validate_help():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "kamlib", "validate", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0
    assert "PARAMS" in out.stdout and "Exit status 0" in out.stdout and "docs/ledger.md" in out.stdout


# ------------------------------------------------------------------------------------------ docs

def test_docs_ledger_md_matches_the_data_model():
    from kamlib.ledger import tables_markdown
    from kamlib.validation import HARD_CHECKS, SOFT_RULES

    text = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- BEGIN TABLES.*?-->\n(.*?)<!-- END TABLES -->", text, re.S)
    assert m, "docs/ledger.md must embed kamlib.ledger.tables_markdown() between the TABLES markers"
    assert m.group(1) == tables_markdown(), "docs/ledger.md is out of date: paste kamlib.ledger.tables_markdown()"
    for rule, _tables, _desc in SOFT_RULES:
        assert f"`{rule}`" in text, rule
    for check in HARD_CHECKS:
        assert f"`{check}`" in text, check


def test_quality_report_html_shows_exclusions_flags_and_notes(full_ledger):
    html = full_ledger.quality._repr_html_()
    assert "return" in html and "zero_price" in html and "unpaid" in html and "Kept but counted" in html
    frame = full_ledger.quality.to_frame()
    orders = frame[frame["table"] == "orders"]
    assert orders["rows"].iloc[0] + orders["rows"].iloc[1:-1].sum() == orders["rows"].iloc[-1]


def test_committed_erp_export(tmp_path):
    """Known answer: a GBK / CRLF ERP export committed under tests/data/io with hand-worked numbers."""
    data = ROOT / "tests" / "data" / "io"
    want = json.loads((data / "expected.json").read_text(encoding="utf-8"))
    params = load_params(write_params(
        tmp_path, data={"orders": str(data / "erp_orders_gbk.csv")},
        columns={"orders": {"单据编号": "order_id", "客户编码": "customer_id", "下单日期": "order_date",
                            "数量": "quantity", "含税金额": "revenue", "成本": "cost", "状态": "status",
                            "大区": "region"}},
        rules={"cancelled_status": ["已取消"]}))
    led = io.load_full_ledger(params)
    o, q = led.orders, led.quality
    assert q.rows_read["orders"] == want["rows_read"]
    assert {e.rule: e.rows for e in q.exclusions} == want["excluded"]
    assert o["order_id"].tolist() == want["kept_order_ids"]
    assert o["customer_id"].tolist() == want["customer_ids"]
    assert o["revenue"].tolist() == want["revenue"] and o["gross_profit"].tolist() == want["gross_profit"]
    assert o["order_date"].dt.strftime("%Y-%m-%d").tolist() == want["dates"]
    assert dict(zip(led.customers["customer_id"], led.customers["region"], strict=True)) == want["customers"]
    amounts = {e.rule: e.amount for e in q.exclusions}
    assert amounts["cancelled"] == want["cancelled_amount"] and amounts["return"] == want["return_amount"]
    assert led.sources["orders"]["encoding"] == "gb18030"
