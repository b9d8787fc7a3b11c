"""Slow smoke test: notebooks/account_management.ipynb runs on the small demo region, with and without the
account-management tables (then each section says which data would enable it)."""
from __future__ import annotations

import re

import pytest
from notebook_runner import run_notebook, texts

pytestmark = pytest.mark.slow


def _run(params_file, out) -> tuple[str, str]:
    outputs = run_notebook("account_management", params_file, out)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    return "\n".join(texts(outputs, "text/markdown")), "\n".join(texts(outputs, "text/html"))


def test_accounts_notebook_runs_on_small_demo(small_params_file, small_demo_dir, tmp_path):
    text = small_params_file.read_text(encoding="utf-8").replace(
        "filter:", "".join(f"  {t}: {small_demo_dir / (t + '.csv')}\n" for t in
                           ("interactions", "opportunities", "targets")) + "filter:")
    params = tmp_path / "east.yaml"
    params.write_text(text, encoding="utf-8")
    md, html = _run(params, tmp_path / "account_management.ipynb")
    for heading in ("# 客户经营", "## 客户经理的客户组合", "## 投诉与服务", "## 客户流失的真正原因",
                    "## 商机与签约成功率", "## 目标与实际", "## 注意事项"):
        assert heading in md, heading
    assert "此部分需要" not in md
    # every section opens with what its table shows, in words
    for said in ("本页依据：", "位客户经理。流失收入为", "条投诉，最多的类别是", "个记录了流失原因", "签约成功率为",
                 "位客户经理达成收入目标", "个品类（共"):
        assert said in md, said
    for col in ("客户经理", "签约成功率", "达成率", "流失原因", "年均投诉/客户"):
        assert col in html, col
    assert not re.search(r">[a-z]+_[a-z_]+<", html)


def test_accounts_notebook_without_the_new_tables(small_params_file, tmp_path):
    md, html = _run(small_params_file, tmp_path / "account_management.ipynb")
    assert "加入 interactions 表" in md and "加入 opportunities 表" in md and "加入 targets 表" in md
    assert "缺少：客户互动记录" in md
    assert "客户经理" in html   # the portfolios need only the customers


def test_kam_run_report_shows_product_breadth(small_params_file, tmp_path):
    """kam run scans the ledger at the day grain (orders without product_line) into its run cache: the breadth
    table comes from the product mix computed in that scan, not the 'needs orders.product_line' sentence."""
    from notebook_runner import ROOT

    from kamlib import batch

    out = tmp_path / "reports"
    res = batch.run([small_params_file], [ROOT / "notebooks" / "account_management.ipynb"], out=out, workers=1,
                    progress=False)
    assert not res.failed, [(j["id"], j["reason"]) for j in res.failed]
    html = (out / "east" / "account_management.html").read_text(encoding="utf-8")
    assert "购买品类数" in html
    assert "需要 orders.product_line" not in html
