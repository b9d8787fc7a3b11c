"""Turn the IBM Telco Customer Churn table into a contractual kam ledger (customers, orders, params).

Usage: python tests/data/telco/make_ledger.py OUT_DIR [--sample N] [--seed S]

* customers.csv: customer_id, first_contract_date = as_of - tenure months, churn_date = as_of for
  Churn = Yes (the table only flags accounts lost in its last month), business_unit = Contract
  (month-to-month / one year / two year), industry = InternetService, account_manager = the billing desk
  (automatic payment or not), name = "Telco " + the id's first four characters (the data has no names).
* orders.csv: one order per month of tenure, dated first_contract_date + k months, revenue = MonthlyCharges.
* telco.yaml: params with survival.definition contractual and Contract as the Cox covariate.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
AS_OF = pd.Timestamp("2024-12-31")


def make_ledger(out_dir: Path, sample: int | None = None, seed: int = 0, language: str = "en") -> Path:
    """Write customers.csv, orders.csv and telco.yaml into ``out_dir``; return the params file path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = pd.read_csv(HERE / "telco_customer_churn.csv")
    if sample:
        raw = raw.sample(n=min(sample, len(raw)), random_state=seed).sort_index()
    tenure = raw["tenure"].astype(int).to_numpy()
    start = [AS_OF - pd.DateOffset(months=int(m)) for m in tenure]
    customers = pd.DataFrame({
        "customer_id": raw["customerID"],
        "name": "Telco " + raw["customerID"].str[:4],
        "first_contract_date": [d.date() for d in start],
        "churn_date": np.where(raw["Churn"].eq("Yes"), str(AS_OF.date()), ""),
        "business_unit": raw["Contract"],
        "industry": raw["InternetService"],
        "account_manager": np.where(raw["PaymentMethod"].str.contains("automatic"), "Auto-pay desk", "Billing desk"),
    })
    rows = []
    for cid, s, m, fee in zip(raw["customerID"], start, tenure, raw["MonthlyCharges"], strict=True):
        for k in range(m):
            rows.append((f"{cid}-{k:03d}", cid, (s + pd.DateOffset(months=k)).date(), float(fee)))
    orders = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "revenue"])
    customers.to_csv(out_dir / "customers.csv", index=False)
    orders.to_csv(out_dir / "orders.csv", index=False)
    params = out_dir / "telco.yaml"
    params.write_text(
        f"region: telco\ntitle: IBM Telco customer churn\nlanguage: {language}\nas_of: {AS_OF.date()}\n"
        f"data:\n  orders: {out_dir / 'orders.csv'}\n  customers: {out_dir / 'customers.csv'}\n"
        "survival:\n  definition: contractual\n  covariates: [business_unit]\n"
        "  groups: [tier, business_unit, industry]\n", encoding="utf-8")
    return params


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--sample", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(make_ledger(a.out_dir, a.sample, a.seed))
