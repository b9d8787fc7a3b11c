"""The layering the architecture promises: small modules, computation that never reaches up into
orchestration, drawing or disk (docs/architecture.md)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

KAMLIB = Path(__file__).resolve().parents[1] / "kamlib"
MAX_LINES = 800

#: analysis packages: pure computation, prose and display
ANALYSIS = ("value", "segmentation", "survival", "satisfaction", "clv")
#: what an analysis package may not import (orchestration, drawing, disk, batch machinery)
UPWARD = {"workbook", "runcache", "report", "batch", "notebook", "plotting", "io", "cli", "cli_validate", "summary"}


def _modules():
    return sorted(p for p in KAMLIB.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(KAMLIB)))
def test_no_module_over_800_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def _kamlib_imports(path: Path) -> set[str]:
    """Top-level kamlib modules imported by ``path`` (relative or absolute imports)."""
    rel = path.relative_to(KAMLIB).with_suffix("").parts
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel[: len(rel) - node.level])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts + [a.name] for a in node.names] if not parts else [parts]
                for p in names:
                    if p:
                        out.add(p[0])
            elif node.module and node.module.startswith("kamlib."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("kamlib.")}
    return out


@pytest.mark.parametrize("package", ANALYSIS)
def test_analysis_packages_do_not_import_upwards(package):
    bad = {}
    for path in (KAMLIB / package).rglob("*.py"):
        up = _kamlib_imports(path) & UPWARD
        if up:
            bad[str(path.relative_to(KAMLIB))] = sorted(up)
    assert bad == {}


def test_workbook_and_run_cache_do_not_import_the_renderer():
    for name in ("workbook.py", "runcache.py", "summary.py"):
        assert not (_kamlib_imports(KAMLIB / name) & {"report", "batch"}), name


def test_results_holding_frames_compare_without_raising():
    """Result objects hold DataFrames and arrays: ``==`` must answer by identity, never raise."""
    from kamlib.demo import build_demo
    from kamlib.value import customer_indicators, scorecard

    demo = build_demo(n_customers=120, seed=1)
    assert demo == demo and demo != build_demo(n_customers=120, seed=1)
    ledger = _demo_ledger(demo)
    assert ledger == ledger and ledger != _demo_ledger(demo)
    ind = customer_indicators(ledger, "2025-12-31")
    sc = scorecard(ind)
    assert sc == sc and sc != scorecard(ind)


def _demo_ledger(demo):
    from kamlib.ledger import DataQualityReport, Ledger

    t = demo.tables
    return Ledger(orders=t["orders"], customers=t["customers"], invoices=t["invoices"], surveys=t["surveys"],
                  quality=DataQualityReport())
