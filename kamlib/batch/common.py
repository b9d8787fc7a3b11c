"""Names and small helpers every part of ``kam run`` shares: injected parameters, folders, error lines."""
from __future__ import annotations

import sys
from pathlib import Path

#: parameters ``kam run`` injects into every notebook's ``parameters`` cell
INJECTED = ("params_file", "run_cache", "distribute")
#: math libraries' thread pools: one thread per kernel when kernels run in parallel
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")
KERNEL_NAME = "python3"
#: seconds to wait for a kernel to start (busy shared machines are slow)
START_TIMEOUT = 120
#: name of the run-state folder (manifest, run cache, executed notebooks, kernel logs); it lives NEXT TO the
#: report folder, never inside it: the report folder is exactly what leadership may receive, while the run
#: cache and the executed notebooks hold unmasked personal data
STATE_DIR = ".kam"
#: reading order of the analyses in the index and the combined report
ANALYSIS_ORDER = ("value_assessment", "segmentation", "churn_survival", "satisfaction", "account_management")
MANIFEST = "manifest.json"


def state_dir(out: str | Path, state: str | Path | None = None) -> Path:
    """The run-state folder of the report folder ``out``: ``state`` when given, else ``.kam/<name of out>``
    beside ``out`` (``reports/`` -> ``.kam/reports/`` in the project folder).

    >>> state_dir("/p/reports").as_posix()
    '/p/.kam/reports'
    """
    if state is not None:
        return Path(state).resolve()
    out = Path(out).resolve()
    return out.parent / STATE_DIR / (out.name or "reports")


def skip_iri_grammar() -> None:
    """Keep jsonschema from building the ``rfc3987_syntax`` grammar in this process.

    nbformat (papermill, nbconvert) imports jsonschema, which imports rfc3987_syntax when it is installed (a
    Jupyter dependency) for its "iri" format checker only; building that grammar takes ~1 s in every process
    that reads notebooks (the parent and each worker, before any notebook runs). Notebook validation (JSON
    Schema draft 4) never uses the format, and jsonschema skips it quietly when the module cannot be
    imported. Called where such a process starts (:func:`kamlib.batch.run`, the worker initializer and
    :func:`kamlib.batch.run_job` on Dask workers), not at import: importing kamlib must not change
    ``sys.modules`` for the importer.
    """
    sys.modules.setdefault("rfc3987_syntax", None)   # type: ignore[arg-type]


def first_line(exc: BaseException | str, limit: int = 300) -> str:
    """The first non-empty line of an error (``Type: message``), shortened to ``limit`` characters."""
    text = exc if isinstance(exc, str) else (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), str(text))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def lines(exc: BaseException, n: int = 4, limit: int = 800) -> str:
    """The first ``n`` lines of an error (data errors put the actual problem below their headline)."""
    text = f"{type(exc).__name__}: {exc}"
    kept = [ln.strip() for ln in text.splitlines() if ln.strip()][:n]
    out = " | ".join(kept)
    return out if len(out) <= limit else out[: limit - 1] + "…"
