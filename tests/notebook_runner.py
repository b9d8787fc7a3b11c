"""Helpers shared by the slow notebook smoke tests: run a notebook with papermill, read its outputs."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_notebook(name: str, params_file: Path, out: Path) -> list[dict]:
    """Execute ``notebooks/<name>.ipynb`` with ``params_file`` as a papermill parameter; return every output.

    The kernel is pinned to ``python3`` and started in ``notebooks/``, as in JupyterLab.
    """
    import papermill as pm

    notebook = ROOT / "notebooks" / f"{name}.ipynb"
    pm.execute_notebook(str(notebook), str(out), parameters={"params_file": str(params_file)},
                        kernel_name="python3", cwd=str(notebook.parent), progress_bar=False)
    nb = json.loads(out.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def texts(outputs: list[dict], mime: str) -> list[str]:
    """The outputs of one MIME type (e.g. ``text/markdown``) as strings."""
    return ["".join(o["data"][mime]) for o in outputs if mime in o.get("data", {})]
