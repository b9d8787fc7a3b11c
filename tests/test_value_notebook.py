"""Slow smoke test: notebooks/value_assessment.ipynb runs top to bottom with papermill on the small demo
region and shows the headline numbers, tables and figures the issue asks for."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_runner import run_notebook, texts

pytestmark = pytest.mark.slow


def _run(params_file: Path, out: Path) -> list[dict]:
    return run_notebook("value_assessment", params_file, out)


_texts = texts


def test_value_notebook_runs_on_small_demo(small_params_file, tmp_path):
    outputs = _run(small_params_file, tmp_path / "value_assessment.ipynb")
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    md = "\n".join(_texts(outputs, "text/markdown"))
    # zh report: headings from value.LABELS, narrative with kamlib-formatted numbers
    for heading in ("# 客户价值评估", "## 核心数字", "## 帕累托分析与收入集中度", "## ABC 分类", "## RFM 客户分群",
                    "## 多指标综合评分", "## 客户分级", "## 客户分级迁移", "## 注意事项"):
        assert heading in md, heading
    assert re.search(r"前 20% 贡献 \*\*\d+\.\d%\*\*", md)
    assert re.search(r"核心客户 \*\*\d+\*\* 个", md)
    # issue 18: the tier rule in words, demoted top accounts with their reason, boundary table, Markov backtest
    for text in ("分级规则", "分级以价值为准", "被降级的前 20 大客户及原因", "临近分级边界的客户", "分级结构预测",
                 "回测"):
        assert text in md, text
    assert re.search(r"收入前 20 的在册客户中 \d+ 个为核心或重点客户", md)
    assert "万" in md or "亿" in md
    assert len(_texts(outputs, "image/png")) >= 8  # + the tier mix forecast
    html = "\n".join(_texts(outputs, "text/html"))
    assert "核心" in html and "重点" in html and "一般" in html and "流失" in html
    assert "毛利率低于平均" in html or "收入萎缩" in html or "长期逾期付款" in html   # demotion reasons in words
    assert "预测" in html and "实际" in html and "误差" in html                    # backtest table
    assert not re.search(r">[a-z]+_[a-z_]+<", html)                               # no snake_case in tables
    assert "明星客户" in html  # RFM segment names translated
    assert not re.search(r">\s*-?\d+\.\d{4,}\s*<", html)  # leadership tables: no raw floats
    # issue 16: the demo ledger records churn dates, so BG/NBD does not apply and the report says why
    assert "## 未来价值" in md and "**不适用**" in md and "客户流失报告" in md
    assert "### 各客户等级仍持有的价值" not in md


def test_value_notebook_shows_value_still_to_come_on_a_non_contractual_ledger(small_demo_dir, small_params_file,
                                                                               tmp_path):
    """Without contract ends or churn dates the section shows what the book still holds: the sentences with
    money, the tables by tier and segment, the top accounts by CLV, the slipping-away list and the holdout
    check with its figure."""
    import pandas as pd

    customers = pd.read_csv(small_demo_dir / "customers.csv", dtype=str)
    customers = customers.drop(columns=[c for c in ("churn_date", "contract_end_date") if c in customers])
    customers.to_csv(tmp_path / "customers.csv", index=False)
    text = small_params_file.read_text(encoding="utf-8").replace(str(small_demo_dir / "customers.csv"),
                                                                  str(tmp_path / "customers.csv"))
    p = tmp_path / "east_nc.yaml"
    p.write_text(text, encoding="utf-8")
    outputs = _run(p, tmp_path / "value_nc.ipynb")
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    md = "\n".join(_texts(outputs, "text/markdown"))
    for heading in ("## 未来价值", "### 各客户等级仍持有的价值", "### 各细分群仍持有的价值",
                    "### 客户终身价值最高的客户", "### 正在悄悄流失的大客户", "### 模型验证：预测与实际复购"):
        assert heading in md, heading
    assert re.search(r"未来 12 个月预计带来收入 \*\*[\d,.]+[万亿]\*\*", md)
    assert re.search(r"客户终身价值为 \*\*[\d,.]+[万亿]\*\*", md)
    assert re.search(r"预测这 [\d,]+ 个客户在随后 \d+ 周内复购 [\d,]+ 次，实际为 [\d,]+ 次", md)
    assert "不适用" not in md
    html = "\n".join(_texts(outputs, "text/html"))
    for header in ("近 12 个月收入", "未来 12 个月预期收入", "客户终身价值（折现）", "合计", "客户经理"):
        assert header in html, header
    assert not re.search(r">[a-z]+_[a-z_]+<", html)
    assert not re.search(r">\s*-?\d+\.\d{4,}\s*<", html)
    assert len(_texts(outputs, "image/png")) >= 9   # + the holdout figure


def test_value_notebook_english_without_invoices(small_params_file, tmp_path):
    """en report on a ledger without an invoices table: financial indicators are reported unavailable and
    the scorecard runs on the other groups; tier rule switched to the practice rule of thumb."""
    text = small_params_file.read_text(encoding="utf-8").replace("language: zh", "language: en")
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("invoices:")]
    p = tmp_path / "east_en.yaml"
    p.write_text("\n".join(lines) + "\nvalue:\n  tier_rule: rule_of_thumb\n", encoding="utf-8")
    outputs = _run(p, tmp_path / "value_en.ipynb")
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    md = "\n".join(_texts(outputs, "text/markdown"))
    assert "# Customer value assessment" in md and "## Warnings" in md
    assert "no invoices table" in md  # reported, not silently zero
    assert re.search(r"top 20% carry \*\*\d+\.\d%\*\*", md)
    html = "\n".join(_texts(outputs, "text/html"))
    assert "DSO" not in html and "Days to pay" not in html  # financial indicators left out of the weights
    assert "Champions" in html
    assert not re.search(r"[\u4e00-\u9fff]{2,}(?:客户|分级)", md)  # no Chinese headings/narrative in en
