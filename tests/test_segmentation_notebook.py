"""Slow smoke test: notebooks/segmentation.ipynb runs top to bottom with papermill on the small demo region
and shows the k-selection chart, PCA scatter, profile heatmap, segment table, tier cross-tab and sentences;
a region too small to segment shows the reason instead of crashing."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_runner import run_notebook, texts

pytestmark = pytest.mark.slow


def _run(params_file: Path, out: Path) -> list[dict]:
    return run_notebook("segmentation", params_file, out)


_texts = texts


def _errors(outputs):
    errs = [o for o in outputs if o.get("output_type") == "error"]
    return errs[0].get("evalue") if errs else None


def test_segmentation_notebook_runs_on_small_demo(small_params_file, tmp_path):
    outputs = _run(small_params_file, tmp_path / "segmentation.ipynb")
    assert _errors(outputs) is None, _errors(outputs)
    md = "\n".join(_texts(outputs, "text/markdown"))
    for heading in ("# 客户细分", "## 细分数量 k 的选择", "## 细分分布（主成分投影）", "## 细分画像（标准化中位数）",
                    "## 细分一览", "## 细分 × 价值层级", "## 注意事项"):
        assert heading in md, heading
    m = re.search(r"家客户分为 \*\*(\d+) 个细分\*\*", md)
    assert m and 2 <= int(m.group(1)) <= 8
    assert re.search(r"平均调整兰德指数为 \d\.\d\d", md)
    assert re.search(r"贡献 \d+\.\d% 的收入", md)
    assert re.search(r"核心客户 \d+ 家，其中 \d+% 属于细分 \d", md)
    assert len(_texts(outputs, "image/png")) >= 4      # k selection, PCA scatter, heatmap, shares
    html = "\n".join(_texts(outputs, "text/html"))
    assert "收入占比" in html and "核心" in html and "轮廓系数" in html
    assert not re.search(r">\s*-?\d+\.\d{4,}\s*<", html)   # formatted tables: no raw floats


def test_segmentation_notebook_small_book_english(small_params_file, tmp_path):
    """en report on a region with a k range the book cannot support: the reason is shown, no crash."""
    text = small_params_file.read_text(encoding="utf-8").replace("language: zh", "language: en")
    # large accounts of one region only: a few dozen customers, fewer than 20 segments x 5 customers
    text = text.replace("filter:\n  region: [华东]\n", "filter:\n  region: [华东]\n  size_band: [大型]\n")
    assert "size_band" in text
    p = tmp_path / "east_en.yaml"
    p.write_text(text + "segmentation:\n  k_min: 20\n  k_max: 20\n", encoding="utf-8")
    outputs = _run(p, tmp_path / "segmentation_en.ipynb")
    assert _errors(outputs) is None, _errors(outputs)
    md = "\n".join(_texts(outputs, "text/markdown"))
    assert "# Customer segmentation" in md and "No segmentation for this region" in md
    assert "too few to segment" in md and "## Warnings" in md
