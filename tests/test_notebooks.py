"""Notebooks stay thin and clean: committed without outputs, no def/class, no file writes, a tagged
parameters cell that papermill can inject into."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {"value_assessment", "segmentation", "churn_survival", "satisfaction"}
FILE_WRITES = ("open(", ".to_csv(", ".to_excel(", ".to_parquet(", ".savefig(", ".write_text(", ".write_bytes(")


def _code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_every_analysis_has_a_notebook():
    assert {p.stem for p in NOTEBOOKS} >= EXPECTED, f"missing: {EXPECTED - {p.stem for p in NOTEBOOKS}}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_cleared(path):
    dirty = [i for i, c in enumerate(_code_cells(path)) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"{path.name}: code cells {dirty} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_def_class_or_file_writes(path):
    for i, cell in enumerate(_code_cells(path)):
        src = _source(cell)
        tree = ast.parse("\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))))
        defs = [n for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))]
        assert not defs, f"{path.name} cell {i}: move def/class/lambda into kamlib"
        writes = [w for w in FILE_WRITES if w in src]
        assert not writes, f"{path.name} cell {i}: notebooks must not write files ({writes})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_tagged_parameters(path):
    first = _code_cells(path)[0]
    assert "parameters" in first.get("metadata", {}).get("tags", []), \
        f"{path.name}: tag the first code cell 'parameters'"
    names = {t.id for n in ast.walk(ast.parse(_source(first))) if isinstance(n, ast.Assign) for t in n.targets
             if isinstance(t, ast.Name)}
    assert {"params_file", "run_cache", "distribute"} <= names, f"{path.name}: parameters cell defines {names}"
