"""Write the sample exports used by tests/test_io.py::test_committed_erp_export (run once; outputs committed).

`erp_orders_gbk.csv` imitates what a Chinese ERP / Excel "CSV (逗号分隔)" export looks like: GBK bytes
without BOM, CRLF line ends, a header with stray spaces, quoted amounts with thousands separators and a
currency sign, dates as 2024/3/5 and 2024年3月5日, ids with leading zeros, a cancelled order (status 已取消),
a return (negative quantity) and a line without customer id. `expected.json` holds the numbers worked out
by hand from the rows below (not by kamlib).
"""
import json
from pathlib import Path

HERE = Path(__file__).parent
ROWS = [
    # 单据编号, 客户编码, 下单日期, 数量, 含税金额, 成本, 状态, 大区
    ("XS0001", "00012", "2024/3/5", "2", '"￥1,200.00"', "900", "已完成", "华东"),
    ("XS0001", "00012", "2024/3/5", "1", "300", "200", "已完成", "华东"),
    ("XS0002", "00013", "2024年4月1日", "5", '"2,500.50"', "2000", "已完成", "华北"),
    ("XS0003", "00012", "2024/4/2", "1", "800", "500", "已取消", "华东"),
    ("TH0001", "00013", "2024/4/9", "-1", "-500", "-400", "已完成", "华北"),
    ("XS0004", "", "2024/4/10", "1", "100", "60", "已完成", "华南"),
    ("XS0005", "00099", "2024/5/1", "3", "450", "300", "已完成", "西部"),
]


def main():
    lines = [" 单据编号,客户编码 ,下单日期,数量,含税金额,成本,状态,大区"]
    lines += [",".join(r) for r in ROWS]
    (HERE / "erp_orders_gbk.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    expected = {
        "rows_read": 7,
        "excluded": {"cancelled": 1, "return": 1, "missing_customer_id": 1},
        "kept_order_ids": ["XS0001", "XS0001", "XS0002", "XS0005"],
        "customer_ids": ["00012", "00012", "00013", "00099"],
        "revenue": [1200.0, 300.0, 2500.5, 450.0],
        "gross_profit": [300.0, 100.0, 500.5, 150.0],
        "dates": ["2024-03-05", "2024-03-05", "2024-04-01", "2024-05-01"],
        "customers": {"00012": "华东", "00013": "华北", "00099": "西部"},
        "cancelled_amount": 800.0,
        "return_amount": -500.0,
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
