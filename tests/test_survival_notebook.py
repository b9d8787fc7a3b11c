"""Slow smoke test: notebooks/churn_survival.ipynb runs top to bottom with papermill on the small demo
params file and shows every section the report promises."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "churn_survival.ipynb"


def _outputs(nb: dict) -> tuple[list[str], int, list[str]]:
    texts, images, errors = [], 0, []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                errors.append(f"{out['ename']}: {out['evalue']}")
            data = out.get("data", {})
            images += "image/png" in data
            for kind in ("text/markdown", "text/plain", "text/html"):
                if kind in data:
                    v = data[kind]
                    texts.append("".join(v) if isinstance(v, list) else v)
    return texts, images, errors


@pytest.mark.slow
def test_churn_survival_notebook_runs_on_small_demo(small_params_file, tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    # conftest sets MPLBACKEND=Agg for the test process; the kernel inherits it and would then capture no
    # figures. Let the kernel use its inline backend, as in JupyterLab and `kam run`.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    out = tmp_path / "churn_survival.out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"params_file": str(small_params_file)},
                               kernel_name="python3", cwd=str(NOTEBOOK.parent), progress_bar=False)
    texts, images, errors = _outputs(json.loads(out.read_text(encoding="utf-8")))
    assert not errors, errors
    joined = "\n".join(texts)
    # the small params file is in Chinese: headings come from survival.LABELS
    for heading in ("客户流失与留存分析", "按客户等级的留存曲线", "分组基准日", "Log-rank",
                    "流失风险因素", "比例风险假设检验", "流失阈值敏感性", "高流失风险客户清单", "注意事项"):
        assert heading in joined, heading
    assert "延迟进入" in joined                     # left truncation is explained (demo churn is contractual)
    assert images >= 4                              # KM overall, by tier (at the landmark), forest, sensitivity
    assert "核心" in joined and "流失概率" in joined  # tier names in Chinese; at-risk table shown
    assert "未参加满意度调查的客户" in joined or "评分" in joined   # unsurveyed accounts kept, coverage stated
    assert "<Axes" not in joined
    # the proportional-hazards table names the factors in words, not as code
    assert "整体检验（全部因素）" in joined and "卡方统计量" in joined
    for code in ("late_payer", "not_surveyed", "GLOBAL", "chisq"):
        assert code not in joined, code
    assert "p = " in joined or "p < 0.001" in joined
