"""What ``--resume`` compares: fingerprints of a job's inputs, and the run manifest that stores them."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..params import Params
from .common import MANIFEST


def data_key(params: Params) -> str:
    """Key of the data files a region reads (:func:`kamlib.io.ledger_key`).

    Parameters
    ----------
    params : Params
        The region's parameters (its data files).

    Returns
    -------
    str
    """
    from ..io import ledger_key

    return str(ledger_key(params))


def template_key() -> str:
    """Hash of the report templates and of the code that writes the report pages."""
    from .. import report, summary

    h = hashlib.sha256()
    for f in sorted(report.TEMPLATE_DIR.rglob("*")):
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    for f in [*sorted(Path(str(report.__file__)).parent.glob("*.py")), Path(str(summary.__file__))]:
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def notebook_key(path: str | Path) -> str:
    """Hash of a notebook's cell types, sources and tags (outputs and execution counts do not matter).

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.

    Returns
    -------
    str
        20 hex digits.
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    content = [(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", []))) for c in nb.cells]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:20]


def job_fingerprint(params: Params, notebook: str | Path, data: str, template: str = "") -> str:
    """Fingerprint of a job's inputs: params, notebook content, data key, kamlib version, report template.

    Parameters
    ----------
    params : Params
        The job's region parameters (``source`` is left out).
    notebook : str or Path
        The notebook file (hashed by :func:`notebook_key`).
    data : str
        The region's :func:`data_key`.
    template : str
        The report template key (:func:`template_key`); empty when not compared.

    Returns
    -------
    str
        24 hex digits.
    """
    h = hashlib.sha256()
    for part in (params.model_dump_json(exclude={"source"}), notebook_key(notebook), data, __version__, template):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def read_manifest(state: Path) -> dict:
    """The manifest in the run-state folder ``state`` (``{"jobs": {}, "regions": {}}`` when there is none)."""
    path = state / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"jobs": {}, "regions": {}}
    return {"jobs": data.get("jobs", {}), "regions": data.get("regions", {})}


def write_manifest(state: Path, manifest: dict) -> None:
    """Write the manifest into the run-state folder ``state`` atomically."""
    path = state / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
