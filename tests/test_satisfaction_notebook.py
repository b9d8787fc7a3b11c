"""Slow smoke tests: notebooks/satisfaction.ipynb runs top to bottom with papermill on the small demo
region, and still runs (saying so) when the ledger has no surveys."""
from __future__ import annotations

from pathlib import Path

import pytest
from notebook_runner import run_notebook, texts

pytestmark = pytest.mark.slow


def _run(params_file: Path, out: Path) -> list[dict]:
    return run_notebook("satisfaction", params_file, out)


_texts = texts


def test_satisfaction_notebook_runs_on_small_demo(small_params_file, tmp_path):
    outputs = _run(small_params_file, tmp_path / "satisfaction.ipynb")
    assert not [o for o in outputs if o.get("output_type") == "error"]
    md = "\n".join(_texts(outputs, "text/markdown"))
    # zh report: headings and narrative from kamlib, with the numbers the analysis produced
    assert "客户满意度分析" in md and "## 概览" in md and "## 注意事项" in md
    assert "按客户汇总的 NPS" in md and "置信区间" in md and "按客户汇总" in md
    assert "Feldt" in md and "有序 logit" in md and "Holm" in md and "配对" in md
    assert len(_texts(outputs, "image/png")) >= 6            # NPS, Likert, items, waves, drivers, quadrant
    html = "\n".join(_texts(outputs, "text/html"))
    assert "服务响应速度" in html and "非常满意" in html and "q_service_response" not in html
    assert "no surveys" not in md and "没有满意度调查" not in md


def test_satisfaction_notebook_without_surveys(small_params_file, tmp_path):
    text = small_params_file.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("surveys:")]
    p = tmp_path / "east_nosurveys.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = _run(p, tmp_path / "satisfaction_nosurveys.ipynb")
    assert not [o for o in outputs if o.get("output_type") == "error"]
    md = "\n".join(_texts(outputs, "text/markdown"))
    assert "没有满意度调查" in md and "## 注意事项" in md
    assert not _texts(outputs, "image/png")
