"""Real exports, round two: exact duplicate lines, Excel serial dates in CSV, answer wordings, one account
under two ids (flagged, merged by data.merge_ids), group trees and parser errors on the true line."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kamlib import io
from kamlib.errors import DataError
from kamlib.params import load_params


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = folder / name
    p.write_text(text, encoding=encoding)
    return p


def _params(folder: Path, name: str = "p.yaml", **sections) -> Path:
    body = {"region": Path(name).stem, "language": "en", "as_of": "2024-12-31", **sections}
    p = folder / name
    p.write_text(json.dumps(body, ensure_ascii=False, default=str), encoding="utf-8")
    return p


ORDERS = """order_id,customer_id,order_date,revenue,product_id
A1,C1,2024-01-05,100,P1
A1,C1,2024-01-05,40,P2
A2,C2,2024-02-05,50.5,P1
A1,C1,2024-01-05,100,P1
A3,C1,2024-03-05,20,P3
A2,C2,2024-02-05,50.5,P1
A2,C2,2024-02-05,50.5,P1
A4,C2,2024-03-06,-5,P3
"""


# ------------------------------------------------------------------------------------------ duplicate lines

@pytest.mark.parametrize("grain", ["line", "day"])
def test_exact_duplicate_lines_are_excluded_and_counted(tmp_path, grain):
    f = _write(tmp_path, "orders.csv", ORDERS.replace("A4,C2,2024-03-06,-5,P3\n", ""))
    led = io.load_full_ledger(load_params(_params(tmp_path, data={"orders": str(f)})), grain=grain)
    q = led.quality
    assert q.count("duplicate_line", "orders") == 3
    (e,) = [e for e in q.exclusions if e.rule == "duplicate_line"]
    assert e.amount == pytest.approx(201.0)
    assert e.examples[0].startswith("row 5")
    assert q.rows_kept["orders"] == 4
    assert led.orders["revenue"].sum() == pytest.approx(210.5)


def test_duplicate_lines_switch_keeps_them(tmp_path):
    f = _write(tmp_path, "orders.csv", ORDERS.replace("A4,C2,2024-03-06,-5,P3\n", ""))
    p = _params(tmp_path, data={"orders": str(f)}, rules={"exclude_duplicate_lines": False})
    led = io.load_full_ledger(load_params(p))
    assert led.quality.count("duplicate_line") == 0
    assert len(led.orders) == 7


def test_a_line_differing_in_an_unanalysed_column_is_not_a_duplicate(tmp_path):
    text = "order_id,customer_id,order_date,revenue,product_name\nA1,C1,2024-01-05,100,x\nA1,C1,2024-01-05,100,y\n"
    f = _write(tmp_path, "orders.csv", text)
    for grain in ("line", "day"):
        led = io.load_full_ledger(load_params(_params(tmp_path, data={"orders": str(f)})), grain=grain)
        assert led.quality.count("duplicate_line") == 0


# ------------------------------------------------------------------------------------------ serial dates

def test_excel_serial_dates_in_a_csv_are_read_as_dates(tmp_path):
    text = "order_id,customer_id,order_date,revenue\nA1,C1,45296,10\nA2,C2,45352.5,20\n"
    f = _write(tmp_path, "orders.csv", text)
    led = io.load_full_ledger(load_params(_params(tmp_path, data={"orders": str(f)})))
    assert list(led.orders["order_date"].dt.strftime("%Y-%m-%d")[:2]) == ["2024-01-05", "2024-03-01"]
    assert any("Excel serial" in n for n in led.quality.notes)


def test_numbers_outside_the_serial_range_are_not_dates(tmp_path):
    f = _write(tmp_path, "orders.csv", "order_id,customer_id,order_date,revenue\nA1,C1,45296,10\nA2,C2,7,20\n")
    with pytest.raises(DataError, match="unparseable_date"):
        io.load_full_ledger(load_params(_params(tmp_path, data={"orders": str(f)})))


# ------------------------------------------------------------------------------------------ answer wording

SIMPLE_ORDERS = "order_id,customer_id,order_date,revenue\nA1,C1,2024-01-05,10\nA2,C2,2024-02-05,20\n"


def _survey_ledger(tmp_path, answers: list[str], **extra):
    o = _write(tmp_path, "orders.csv", SIMPLE_ORDERS)
    rows = "".join(f"R{i},C{1 + i % 2},2024-06-0{1 + i % 9},{a}\n" for i, a in enumerate(answers))
    s = _write(tmp_path, "surveys.csv", "response_id,customer_id,survey_date,q1\n" + rows)
    p = _params(tmp_path, data={"orders": str(o), "surveys": str(s)},
                satisfaction={"constructs": {"c": ["q1"]}, **extra})
    return io.load_full_ledger(load_params(p))


def test_the_articles_five_point_wording_is_recognised(tmp_path):
    words = ["高度满意", "一般满意", "无意见", "有些不满意", "极不满意", "Very Satisfied", " strongly  disagree ",
             "4分", "3"]
    led = _survey_ledger(tmp_path, words)
    assert list(led.surveys["q1"]) == [5, 4, 3, 2, 1, 5, 1, 4, 3]


def test_a_companys_own_wording_is_mapped_in_params(tmp_path):
    led = _survey_ledger(tmp_path, ["很好", "好", "差", "非常满意"], answer_labels={"很好": 5, "好": 4, "差": 1})
    assert list(led.surveys["q1"]) == [5, 4, 1, 5]


def test_an_unknown_label_lists_the_labels_found(tmp_path):
    with pytest.raises(DataError) as ei:
        _survey_ledger(tmp_path, ["很好", "好", "很好", "非常满意"])
    msg = str(ei.value)
    assert "unknown labels found: '很好' (2), '好' (1)" in msg and "satisfaction.answer_labels" in msg


def test_answer_label_scores_must_be_1_to_5(tmp_path):
    from kamlib.errors import ParamsError

    with pytest.raises(ParamsError, match="answer_labels"):
        load_params(_params(tmp_path, data={"orders": "x.csv"}, satisfaction={"answer_labels": {"好": 7}}))


# ------------------------------------------------------------------------------------------ group trees

def test_resolve_parents_follows_chains_of_any_depth():
    from kamlib.parents import resolve_parents

    top, cycles, unknown = resolve_parents(["A", "B", "C", "D", "E", "F", "G"],
                                           [None, "A", "B", "C", "E", "X", "F"])
    assert top == {"A": "A", "B": "A", "C": "A", "D": "A", "E": "E", "F": "X", "G": "X"}
    assert cycles == [] and unknown == {"F": "X"}
    top, cycles, _ = resolve_parents(["A", "B", "C", "D"], ["B", "C", "A", "A"])
    assert sorted(map(sorted, cycles)) == [["A", "B", "C"]]
    assert top["A"] == "A" and top["D"] == "A"   # cycle members stay their own groups


def _group_ledger(tmp_path, parents: dict[str, str]):
    o = _write(tmp_path, "orders.csv", "order_id,customer_id,order_date,revenue\n" + "".join(
        f"O{i},{c},2024-0{1 + i % 6}-05,{10 * (i + 1)}\n" for i, c in enumerate(["G", "S1", "S2", "SS", "X"])))
    c = _write(tmp_path, "customers.csv", "customer_id,name,parent_id\n" + "".join(
        f"{c},{c} Ltd,{parents.get(c, '')}\n" for c in ["G", "S1", "S2", "SS", "X"]))
    return _params(tmp_path, data={"orders": str(o), "customers": str(c)})


def test_group_rollup_reaches_the_ultimate_parent(tmp_path):
    from kamlib import value

    p = _group_ledger(tmp_path, {"S1": "G", "S2": "S1", "SS": "S2"})
    led = io.load_full_ledger(load_params(p))
    rl = value.rollup_ledger(led)
    members = rl.customers.set_index("customer_id")["n_members"]
    assert members.to_dict() == {"G": 4.0, "X": 1.0}
    assert rl.orders.groupby("customer_id")["revenue"].sum().to_dict() == {"G": 100.0, "X": 50.0}


def test_parent_cycles_are_data_errors_with_the_ids(tmp_path):
    p = _group_ledger(tmp_path, {"S1": "S2", "S2": "SS", "SS": "S1"})
    with pytest.raises(DataError, match=r"parent_cycle.*S1 → S2 → SS → S1"):
        io.load_full_ledger(load_params(p))


def test_unknown_parents_are_flagged_with_the_ids(tmp_path):
    led = io.load_full_ledger(load_params(_group_ledger(tmp_path, {"S1": "HOLD", "S2": "S1"})))
    (f,) = [f for f in led.quality.flags if f.rule == "unknown_parent"]
    assert f.rows == 1 and f.examples == ("S1 → HOLD",)


# ------------------------------------------------------------------------------------------ one account, two ids

CUSTOMERS = """customer_id,name,phone,email
C00012,上海华东机械（集团）有限公司,021-5555 1234,a@x.cn
C00077,上海 华东机械(集团)股份有限公司,,
C00100,Acme Trading Co. Ltd,,buyer@acme.com
C00101,Other Name,+86 13812345678,BUYER@acme.com
C00102,Third,13812345678,
C00200,独立客户,,
"""


def _accounts(tmp_path, **data):
    o = _write(tmp_path, "orders.csv", "order_id,customer_id,order_date,revenue\n"
               "A1,C00012,2024-01-05,10\nA2,C00077,2024-01-05,20\nA3,C00077,2024-02-05,5\nA4,C00200,2024-02-05,1\n")
    c = _write(tmp_path, "customers.csv", CUSTOMERS)
    return load_params(_params(tmp_path, data={"orders": str(o), "customers": str(c), **data}))


def test_normalised_names():
    from kamlib.io.accounts import normalise_names

    got = normalise_names(pd.Series(["上海华东机械（集团）有限公司", "上海 华东机械(集团)股份有限公司",
                                     "ＡＣＭＥ Co., Ltd.", "acme", "有限公司", None]))
    assert list(got[:4]) == ["上海华东机械", "上海华东机械", "acme", "acme"] and got[4:].isna().all()


def test_likely_duplicate_accounts_are_flagged_naming_both_ids(tmp_path, capsys):
    led = io.load_full_ledger(_accounts(tmp_path))
    (f,) = [f for f in led.quality.flags if f.rule == "likely_duplicate_account"]
    assert f.rows == 5
    assert "C00012 = C00077 (same name)" in f.examples
    assert "C00100 = C00101 (same e-mail)" in f.examples and "C00101 = C00102 (same phone)" in f.examples
    from kamlib.cli import main

    assert main(["validate", str(tmp_path / "p.yaml")]) == 0
    assert "C00012 = C00077" in capsys.readouterr().out


@pytest.mark.parametrize("grain", ["line", "day"])
def test_merge_ids_merges_one_account_under_two_ids(tmp_path, grain):
    led = io.load_full_ledger(_accounts(tmp_path, merge_ids={"C00077": "C00012"}), grain=grain)
    assert "C00077" not in set(led.customers["customer_id"]) and "C00012" in set(led.customers["customer_id"])
    assert led.orders.groupby("customer_id")["revenue"].sum().to_dict() == {"C00012": 35.0, "C00200": 1.0}
    assert not any("C00077" in e for f in led.quality.flags for e in f.examples)
    assert any("2 row(s) re-keyed by data.merge_ids" in n for n in led.quality.notes)


# ------------------------------------------------------------------------------------------ parser errors

def test_a_huge_cell_is_reported_on_its_true_line(tmp_path):
    head = "order_id,customer_id,order_date,revenue,product_name\n" + "".join(
        f"A{i},C1,2024-01-05,10,x\n" for i in range(5))
    f = tmp_path / "orders.csv"
    f.write_text(head + "A9,C1,2024-01-05,10," + "y" * (3 * 2**20) + "\nA10,C1,2024-01-05,10,z\n", encoding="utf-8")
    with pytest.raises(DataError) as ei:
        io.load_full_ledger(load_params(_params(tmp_path, data={"orders": str(f)})))
    msg = str(ei.value)
    assert "line 7 of orders.csv is 3.0 MB long" in msg and "unclosed quote" in msg and len(msg) < 2000


@pytest.mark.parametrize("row", [3, 30000])
def test_a_row_with_extra_fields_is_reported_on_its_true_line(tmp_path, row):
    lines = [f"A{i},C1,2024-01-05,10" for i in range(row + 5)]
    lines[row - 2] = "A9,C1,2024-01-05,10,extra,more"
    f = _write(tmp_path, "orders.csv", "order_id,customer_id,order_date,revenue\n" + "\n".join(lines) + "\n",
               encoding="gb18030")
    with pytest.raises(DataError) as ei:
        io.load_full_ledger(load_params(_params(tmp_path, data={"orders": str(f)})))
    assert f"line {row} of orders.csv has 6 fields where the header has 4" in str(ei.value)


# ------------------------------------------------------------------------------------------ params

def test_params_errors_name_the_file_that_set_the_key(tmp_path):
    from kamlib.errors import ParamsError

    _write(tmp_path, "_base.yaml", json.dumps({"data": {"orders": "missing.csv"}, "value": {"group_rolup": True}}))
    p = _write(tmp_path, "east.yaml", json.dumps({"extends": "_base.yaml", "region": "east"}))
    with pytest.raises(ParamsError) as ei:
        load_params(p)
    msg = str(ei.value)
    assert msg.startswith(str(tmp_path / "_base.yaml")) and "did you mean 'group_rollup'?" in msg
    assert "README 'Params reference'" in msg
    _write(tmp_path, "_base.yaml", json.dumps({"data": {"orders": "missing.csv"}}))
    with pytest.raises(DataError) as ei:
        io.load_full_ledger(load_params(p))
    assert f"fix data.orders in {tmp_path / '_base.yaml'}" in str(ei.value)
