"""Write a Chinese ERP-style export of a demo ledger: GBK-encoded CSV files with Chinese headers, slashed
dates, and a params file that maps it. Used by the report tests and by hand:

    python tests/data/cn_export/make_cn_export.py data/demo /tmp/cn_export
    kam run /tmp/cn_export/华东.yaml --out /tmp/cn_reports
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ORDERS = {"order_id": "单据编号", "customer_id": "客户编码", "order_date": "单据日期", "product_line": "产品线",
          "quantity": "数量", "unit_price": "单价", "revenue": "含税金额", "gross_profit": "毛利"}
CUSTOMERS = {"customer_id": "客户编码", "name": "客户名称", "region": "所属大区", "business_unit": "事业部",
             "industry": "行业", "size_band": "企业规模", "parent_id": "上级单位编码", "account_manager": "客户经理",
             "contact_name": "联系人", "phone": "联系电话", "first_contract_date": "首次签约日期"}


def write_cn_export(demo_dir: str | Path, out: str | Path, region: str = "华东") -> Path:
    """Write 订单.csv and 客户.csv (GBK) of one demo region plus a params file; return the params path."""
    demo_dir, out = Path(demo_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    customers = pd.read_csv(demo_dir / "customers.csv", dtype=str)
    customers = customers[customers["region"] == region]
    orders = pd.read_csv(demo_dir / "orders.csv", dtype=str)
    orders = orders[orders["customer_id"].isin(customers["customer_id"])]
    orders["order_date"] = pd.to_datetime(orders["order_date"]).dt.strftime("%Y/%m/%d")
    orders[list(ORDERS)].rename(columns=ORDERS).to_csv(out / "订单.csv", index=False, encoding="gbk")
    customers[list(CUSTOMERS)].rename(columns=CUSTOMERS).to_csv(out / "客户.csv", index=False, encoding="gbk")
    params = out / f"{region}.yaml"
    mapping = "\n".join(
        [f"columns:\n  orders:"] + [f"    {zh}: {en}" for en, zh in ORDERS.items()]
        + ["  customers:"] + [f"    {zh}: {en}" for en, zh in CUSTOMERS.items()])
    params.write_text(
        f"region: erp_export\ntitle: {region}（ERP 导出）\nlanguage: zh\n"
        "data:\n  orders: 订单.csv\n  customers: 客户.csv\n" + mapping + "\n", encoding="utf-8")
    return params


if __name__ == "__main__":
    print(write_cn_export(sys.argv[1], sys.argv[2]))
