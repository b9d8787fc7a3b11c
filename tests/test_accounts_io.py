"""The account-management tables (interactions, opportunities, targets; customers.churn_reason and
credit_rating): mapped and typed like the other small tables, contract problems reported with table, column
and rows, every table optional."""
from __future__ import annotations

import pandas as pd
import pytest

from kamlib import io
from kamlib.errors import DataError
from kamlib.params import load_params
from tests.test_io import write_params

ORDERS = "order_id,customer_id,order_date,revenue\nO1,C1,2024-01-05,100\nO2,C2,2024-02-05,50\nO3,C3,2024-03-01,70\n"
CUSTOMERS = ("customer_id,account_manager,流失原因,资信级别\nC1,张三,,AAA\nC2,李四,价格,A\nC3,张三,,B\n")
INTERACTIONS = ("编号,客户编号,日期,类型,处理完成\nI1,C1,2024-01-10,complaint,2024-01-20\n"
                "I2,C2,2024/2/1,visit,\nI3,C1,2024-03-01,call,\n")
OPPORTUNITIES = ("opportunity_id,customer_id,created_date,close_date,stage,amount,status,lost_reason\n"
                 "P1,C1,2024-01-01,2024-02-01,谈判,1000,won,\nP2,C2,2024-01-01,2024-03-01,方案,500,lost,价格\n")
TARGETS = "period,customer_id,account_manager,revenue_target\n2024,C1,,120\n2024,,张三,300\n"


def _write(tmp_path, **files):
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return {name: str(tmp_path / f"{name}.csv") for name in files}


def _params(tmp_path, data, **extra):
    return load_params(write_params(tmp_path, data=data, **extra))


def test_management_tables_map_type_and_load(tmp_path):
    data = _write(tmp_path, orders=ORDERS, customers=CUSTOMERS, interactions=INTERACTIONS,
                  opportunities=OPPORTUNITIES, targets=TARGETS)
    columns = {"customers": {"流失原因": "churn_reason", "资信级别": "credit_rating"},
               "interactions": {"编号": "interaction_id", "客户编号": "customer_id", "日期": "interaction_date",
                                "类型": "type", "处理完成": "resolved_date"}}
    led = io.load_full_ledger(_params(tmp_path, data, columns=columns))
    it = led.interactions
    assert list(it["interaction_id"]) == ["I1", "I2", "I3"]
    assert it["interaction_date"].dtype == "datetime64[ns]"
    assert it["interaction_date"][1] == pd.Timestamp("2024-02-01")
    assert it["resolved_date"].isna().tolist() == [False, True, True]
    assert led.opportunities["amount"].tolist() == [1000.0, 500.0]
    assert led.targets["customer_id"].isna().tolist() == [False, True]
    assert led.customers.set_index("customer_id").loc["C2", "churn_reason"] == "价格"
    assert led.customers["credit_rating"].tolist() == ["AAA", "A", "B"]
    assert led.quality.rows_read["interactions"] == 3
    # a region keeps its accounts' rows and the targets of its managers
    region = led.subset(["C1"])
    assert region.interactions["customer_id"].tolist() == ["C1", "C1"]
    assert region.opportunities["opportunity_id"].tolist() == ["P1"]
    assert sorted(region.targets["revenue_target"].tolist()) == [120.0, 300.0]
    assert led.subset(["C2"]).targets.empty


def test_absent_management_tables_are_none(tmp_path):
    data = _write(tmp_path, orders=ORDERS)
    led = io.load_full_ledger(_params(tmp_path, data))
    assert led.interactions is None and led.opportunities is None and led.targets is None
    assert not led.has("interactions")
    assert led.subset(["C1"]).targets is None


def test_contract_violations_name_table_column_and_rows(tmp_path):
    bad_it = ("interaction_id,customer_id,interaction_date,type\nI1,C1,2024-01-10,visit\nI1,C9,2024-01-11,call\n"
              "I3,C1,not a date,call\n")
    bad_opp = "opportunity_id,customer_id,created_date,amount\nP1,C1,2024-01-01,-5\n"
    bad_tgt = "period,customer_id,account_manager,revenue_target\n2024,,,100\n2024,C1,,\n"
    data = _write(tmp_path, orders=ORDERS, customers=CUSTOMERS, interactions=bad_it, opportunities=bad_opp,
                  targets=bad_tgt)
    with pytest.raises(DataError) as e:
        io.load_full_ledger(_params(tmp_path, data))
    found = {(p["table"], p["column"], p["check"]): p for p in e.value.problems}
    assert found[("interactions", "interaction_id", "duplicate_key")]["rows"] == 2
    assert found[("interactions", "customer_id", "unknown_customer")]["examples"] == ("row 3: 'C9'",)
    assert found[("interactions", "interaction_date", "unparseable_date")]["rows"] == 1
    assert found[("opportunities", "amount", "non_negative")]["rows"] == 1
    assert found[("targets", "customer_id", "target_owner")]["examples"] == ("row 2: '2024'",)
    assert found[("targets", "revenue_target", "not_null")]["rows"] == 1


def test_missing_required_column_of_a_management_table(tmp_path):
    data = _write(tmp_path, orders=ORDERS,
                  interactions="interaction_id,customer_id,interaction_date\nI1,C1,2024-01-01\n")
    with pytest.raises(DataError) as e:
        io.load_full_ledger(_params(tmp_path, data))
    (p,) = e.value.problems
    assert (p["table"], p["column"], p["check"]) == ("interactions", "type", "missing_column")


def test_unreadable_target_periods_are_a_contract_problem(tmp_path):
    tgt = "period,customer_id,account_manager,revenue_target\nFY24,C1,,100\n2024年,C1,,100\n2024年3月,C1,,50\n"
    data = _write(tmp_path, orders=ORDERS, customers=CUSTOMERS, targets=tgt)
    with pytest.raises(DataError) as e:
        io.load_full_ledger(_params(tmp_path, data))
    (p,) = e.value.problems
    assert (p["table"], p["column"], p["check"], p["rows"]) == ("targets", "period", "period_format", 1)
    assert p["examples"] == ("row 2: 'FY24'",) and "2024Q1" in p["message"]
    from kamlib.ledger import period_bounds

    assert [str(d.date()) for d in period_bounds("2024年")] == ["2024-01-01", "2024-12-31"]
    with pytest.raises(ValueError, match="not a target period"):
        period_bounds("FY24")
