"""``kam run``: every analysis notebook for every region, in parallel, fault-isolated, into an HTML pack.

Pipeline
--------
1. **Check before any kernel starts.** Every params file is loaded and validated (all problems listed with
   file, key and allowed values); every notebook must have a cell tagged ``parameters`` that defines each
   injected name (``params_file``, ``run_cache``, ``distribute``): papermill only *warns* about an unknown
   parameter, ``kam run`` refuses to start. An invalid params file fails only its own jobs (reported up
   front and in the index); a bad notebook stops the run.
2. **Scan the ledger once per run.** :func:`kamlib.workbook.prepare_run_cache` reads each distinct ledger
   once and pickles every region's workbook into ``<out>/.kam/cache``; notebooks receive that folder as
   ``run_cache`` and do not re-read the data. A region whose data cannot be prepared fails only its jobs.
3. **Execute** notebook × region jobs with papermill in worker *processes* (``--workers``, default: the
   core count) or on a Dask cluster (``--dask``). Kernel hygiene learned from papermill's issues: absolute
   paths and no ``cwd`` switching (a process-wide ``chdir`` from threads races), kernel name pinned to
   ``python3``, immediate kernel shutdown, the per-cell execution timeout from ``params.timeout_seconds``,
   one retry when the kernel fails to start, and one math thread per kernel
   (``OMP/OPENBLAS/MKL_NUM_THREADS=1``) when kernels run side by side.
4. **Render** each executed notebook with :func:`kamlib.report.render_report` (code-free, offline,
   sanitized) to a temporary name, renamed on success. A failed job keeps its executed notebook (with the
   traceback) as ``<out>/<region>/<notebook>.failed.ipynb``, writes no HTML and leaves an older good
   report in place. ``<out>/index.html`` lists every region with headline KPIs and job status.
5. ``--resume`` skips jobs whose fingerprint (params, notebook content, data key, kamlib version, report
   template) is unchanged since their last successful run.

Running on a cluster
--------------------
``kam run --dask tcp://scheduler:8786`` sends the same jobs to a Dask distributed scheduler
(``pip install 'kamlib[dask]'``). Each Dask worker needs kamlib installed with the same version, a
``python3`` Jupyter kernel, and the project folder (params, notebooks, data and ``--out``) at the *same
absolute path* as on the submitting machine (shared or network file system), because jobs carry absolute
paths. Start workers with one thread per kernel you want side by side, e.g.
``dask worker tcp://scheduler:8786 --nworkers 8 --nthreads 1``.
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__
from .errors import BatchError, ParamsError
from .params import Params, discover, load_params

# nbformat (papermill, nbconvert) imports jsonschema, which imports rfc3987_syntax when it is installed (a
# Jupyter dependency) for its "iri" format checker only; building that grammar takes ~1 s in every process
# (the parent and each worker, before any notebook runs). Notebook validation (JSON Schema draft 4) never
# uses the format, and jsonschema skips it quietly when the module cannot be imported.
sys.modules.setdefault("rfc3987_syntax", None)   # type: ignore[arg-type]

#: parameters ``kam run`` injects into every notebook's ``parameters`` cell
INJECTED = ("params_file", "run_cache", "distribute")
#: math libraries' thread pools: one thread per kernel when kernels run in parallel
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")
KERNEL_NAME = "python3"
#: seconds to wait for a kernel to start (busy shared machines are slow)
START_TIMEOUT = 120
STATE_DIR = ".kam"
#: reading order of the analyses in the index and the combined report
ANALYSIS_ORDER = ("value_assessment", "segmentation", "churn_survival", "satisfaction")
MANIFEST = "manifest.json"


# --------------------------------------------------------------------------------------------- jobs

@dataclass(frozen=True)
class Job:
    """One notebook for one region; everything a worker needs (absolute paths, picklable)."""

    region: str
    notebook: str  # absolute path
    params_file: str  # absolute path
    out_dir: str  # absolute: <out>
    run_cache: str | None
    timeout: int
    lang: str = "zh"
    title: str = ""
    fingerprint: str = ""
    single_thread: bool = True
    pdf: bool = False
    provenance: dict = field(default_factory=dict)
    #: run in the worker's warm kernel (reset between notebooks) instead of a fresh one; see _WarmKernel
    reuse_kernel: bool = False

    @property
    def stem(self) -> str:
        return Path(self.notebook).stem

    @property
    def id(self) -> str:
        return f"{self.region}/{self.stem}"

    @property
    def html_path(self) -> Path:
        return Path(self.out_dir) / self.region / f"{self.stem}.html"

    @property
    def failed_notebook(self) -> Path:
        return Path(self.out_dir) / self.region / f"{self.stem}.failed.ipynb"

    @property
    def executed_notebook(self) -> Path:
        return Path(self.out_dir) / STATE_DIR / "executed" / self.region / f"{self.stem}.ipynb"


def _first_line(exc: BaseException | str, limit: int = 300) -> str:
    text = exc if isinstance(exc, str) else (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), str(text))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _lines(exc: BaseException, n: int = 4, limit: int = 800) -> str:
    """The first ``n`` lines of an error (data errors put the actual problem below their headline)."""
    text = f"{type(exc).__name__}: {exc}"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:n]
    out = " | ".join(lines)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _never_ran(nb_path: Path) -> bool:
    """True when no cell of the output notebook started: the kernel failed before executing anything."""
    import nbformat

    if not nb_path.exists():
        return True
    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except (OSError, ValueError):
        return True
    return not any(c.get("execution_count") or c.get("metadata", {}).get("papermill", {}).get("start_time")
                   for c in nb.cells if c.cell_type == "code")


def _cell_seconds(nb) -> float:
    """Sum of the cells' run times recorded by papermill (``nb``: an executed notebook or its path)."""
    import nbformat

    if not hasattr(nb, "cells"):
        try:
            nb = nbformat.read(str(nb), as_version=4)
        except (OSError, ValueError):
            return float("nan")
    return float(sum(c.get("metadata", {}).get("papermill", {}).get("duration") or 0 for c in nb.cells))


# ----------------------------------------------------------------------------------------- warm kernels

#: a warm kernel runs at most this many notebooks, then a fresh one starts
KERNEL_REUSE = 64
#: ... and is replaced earlier when, reset between notebooks, it still holds more than this many MiB of
#: resident memory (environment variable KAMLIB_KERNEL_MAX_MB overrides it): what bounds the memory growth
#: of a long-lived kernel. Restarting after a fixed 8 notebooks instead cost ~3 s per restart, three times
#: per 8-region pack, whatever the memory held.
KERNEL_MAX_MB = 1536


def _kernel_max_mb() -> int:
    raw = os.environ.get("KAMLIB_KERNEL_MAX_MB", "").strip()
    if not raw:
        return KERNEL_MAX_MB
    if not raw.isdigit() or int(raw) < 1:
        raise BatchError(f"KAMLIB_KERNEL_MAX_MB={raw!r} must be a whole number of MiB (e.g. 2048), the memory "
                         "a warm kernel may keep between notebooks. Fix: set it so, or unset it for "
                         f"{KERNEL_MAX_MB}.")
    return int(raw)

#: imported once by a warm kernel before its first notebook: the modules the notebooks and kamlib's
#: analyses use (some add warning filters when imported, which must be in place for every notebook)
WARM_IMPORTS = ("numpy", "pandas", "matplotlib.pyplot", "seaborn", "scipy.stats", "scipy.cluster.hierarchy",
                "sklearn.cluster", "sklearn.mixture", "sklearn.metrics", "sklearn.decomposition",
                "statsmodels.miscmodels.ordinal_model", "statsmodels.duration.hazard_regression",
                "statsmodels.stats.multitest", "pyarrow", "IPython.display", "kamlib.plotting",
                "kamlib.workbook", "kamlib.value", "kamlib.segmentation", "kamlib.survival",
                "kamlib.satisfaction")

#: run in a warm kernel before each notebook: it then starts as a fresh kernel would, except that the
#: modules above (~1.5 s of imports) are already loaded. Cleared: the user namespace and history (%reset),
#: figures, matplotlib's rcParams (back to the rc file's, as after import; the notebook's %matplotlib
#: inline and set_theme apply theirs again), the warning filters (back to those of the kernel with the
#: modules imported) and the record of warnings already shown (so a notebook shows the same warnings as
#: in a fresh kernel). The function removes itself with the namespace. It takes ~0.2 s.
_RESET_CODE = """
def __kamlib_reset():
    import importlib, sys, types, warnings
    pristine = sys.modules.get("__kamlib_pristine__")
    if pristine is None:
        for name in %r:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        pristine = types.ModuleType("__kamlib_pristine__")
        pristine.filters = list(warnings.filters)
        sys.modules["__kamlib_pristine__"] = pristine
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib, matplotlib.pyplot
        matplotlib.pyplot.close("all")
        matplotlib.rc_file_defaults()
    warnings.filters[:] = pristine.filters
    warnings._filters_mutated()
    get_ipython().reset(new_session=False)   # as the reset magic, without a new history session
__kamlib_reset()
""" % (WARM_IMPORTS,)


class _WarmKernel:
    """One kernel per worker process, reused for up to :data:`KERNEL_REUSE` notebooks while it holds less
    than :data:`KERNEL_MAX_MB` of memory once reset.

    A fresh kernel per notebook costs ~0.7 s to start and ~1.5 s to import the scientific stack, which at
    8 regions × 4 notebooks was a fifth of the pack's compute (measured in benchmarks/bench_pack.py). The
    kernel is reset before each notebook (:data:`_RESET_CODE`) and replaced after any failure, timeout or
    crash; a test checks that notebooks give the same outputs as in fresh kernels.
    """

    _local = None

    def __init__(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        # papermill (nbclient) drives the kernel with its own client on its own event loop; the reset uses a
        # separate blocking (thread-based) client, so no asyncio object is shared between loops. It is
        # connected once: connecting a client costs 0.2-0.4 s (measured)
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        self.kc = None
        self.used = 0

    def _run(self, code: str) -> dict:
        from jupyter_client import BlockingKernelClient

        if self.kc is None:
            self.kc = BlockingKernelClient()
            self.kc.load_connection_info(self.km.get_connection_info())
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=START_TIMEOUT)
        return self.kc.execute_interactive(code, store_history=False, timeout=120, output_hook=lambda msg: None)

    @classmethod
    def get(cls) -> "_WarmKernel":
        """This thread's warm kernel, started if needed and reset for the next notebook."""
        import threading

        from jupyter_core.utils import run_sync

        if cls._local is None:
            cls._local = threading.local()
            import atexit

            atexit.register(cls.discard)
            try:   # worker processes end through multiprocessing, which runs these finalizers
                from multiprocessing import util

                util.Finalize(None, cls.discard, exitpriority=10)
            except ImportError:
                pass
        wk = getattr(cls._local, "kernel", None)
        if wk is not None and (wk.used >= KERNEL_REUSE or not run_sync(wk.km.is_alive)()):
            cls.discard()
            wk = None
        if wk is None:
            wk = cls()
            cls._local.kernel = wk
            run_sync(wk.km.start_kernel)()
        reply = wk._run(_RESET_CODE)
        if reply["content"].get("status") != "ok":
            cls.discard()
            raise BatchError(f"could not reset the warm kernel: {reply['content'].get('evalue', '')}")
        limit = _kernel_max_mb()
        if wk.used and wk.rss() > limit * 2**20:   # what the last notebooks left behind: start afresh
            print(f"kamlib: warm kernel holds {wk.rss() / 2**20:,.0f} MiB after its reset (limit {limit:,} MiB, "
                  "KAMLIB_KERNEL_MAX_MB): replaced", file=sys.stderr, flush=True)
            cls.discard()
            return cls.get()
        wk.used += 1
        return wk

    def rss(self) -> int:
        """Resident memory of the kernel process (0 when unknown)."""
        import psutil

        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if pid is None:
            return 0
        try:
            return int(psutil.Process(pid).memory_info().rss)
        except (psutil.Error, OSError):
            return 0

    @classmethod
    def discard(cls) -> None:
        """Shut this thread's warm kernel down (after a failure, when worn out, at exit)."""
        from jupyter_core.utils import run_sync

        wk = getattr(cls._local, "kernel", None) if cls._local is not None else None
        if wk is None:
            return
        cls._local.kernel = None
        try:
            if wk.kc is not None:
                wk.kc.stop_channels()
            run_sync(wk.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - the kernel is being thrown away; a dead one is fine too
            pass


def run_job(job: Job) -> dict:
    """Execute and render one job; never raises (a failure is returned as ``status="failed"``).

    Runs in a worker process or on a Dask worker. Returns a JSON-serialisable dict with ``status``,
    ``reason`` (the exception line), ``notebook_path`` (kept executed notebook of a failed job), ``html``,
    timings (``seconds``, ``exec_seconds``, ``cell_seconds``, ``render_seconds``) and ``attempts``.
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError

    if job.single_thread:
        # Inherited by the kernel process; identical for every job, so setting it process-wide is safe.
        for var in THREAD_VARS:
            os.environ[var] = "1"
    # A backend forced from outside (MPLBACKEND=Agg in CI or a shell) would stop the kernel from
    # displaying figures inline, and the report would silently lose every chart.
    os.environ.pop("MPLBACKEND", None)
    started = dt.datetime.now()
    t0 = time.perf_counter()
    res: dict[str, Any] = {"id": job.id, "region": job.region, "notebook": job.stem, "status": "failed",
                           "reason": None, "notebook_path": None, "html": None, "attempts": 0,
                           "started": started.isoformat(timespec="seconds"), "fingerprint": job.fingerprint,
                           "skipped": False, "note": None}
    out_nb = job.executed_notebook
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    params = {"params_file": job.params_file, "run_cache": job.run_cache, "distribute": True}
    error: str | None = None
    executed = None   # the executed notebook papermill returns (also written to out_nb)
    for attempt in (1, 2):
        res["attempts"] = attempt
        out_nb.unlink(missing_ok=True)
        try:
            warm = {}
            if job.reuse_kernel:
                wk = _WarmKernel.get()
                warm = {"km": wk.km}
            executed = pm.execute_notebook(
                job.notebook, str(out_nb), parameters=params, kernel_name=KERNEL_NAME, language="python",
                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                start_timeout=START_TIMEOUT, execution_timeout=job.timeout, shutdown_kernel="immediate", **warm)
            error = None
            break
        except pm.PapermillExecutionError as e:
            error = f"{_first_line(f'{e.ename}: {e.evalue}')} (cell {e.exec_count})"
            break
        except CellTimeoutError:
            error = (f"a cell ran longer than timeout_seconds={job.timeout} s (raise 'timeout_seconds' in the "
                     "params file if the data really is that large)")
            break
        except Exception as e:  # noqa: BLE001 - any failure of one job must not stop the others
            error = _first_line(e)
            if attempt == 1 and _never_ran(out_nb):
                error = f"kernel failed to start: {error}"
                continue  # one retry: kernel start failures are usually transient (ports, slow disk)
            break
    if error is not None and job.reuse_kernel:
        _WarmKernel.discard()   # a failed, timed-out or dead kernel is not trusted with the next notebook
    t1 = time.perf_counter()
    res["exec_seconds"] = round(t1 - t0, 3)
    if executed is not None or out_nb.exists():
        res["cell_seconds"] = round(_cell_seconds(executed if executed is not None else out_nb), 3)
    else:
        res["cell_seconds"] = None

    if error is None:
        try:
            from . import report

            prov = {**job.provenance, "started": res["started"], "seconds": t1 - t0}
            # the notebook papermill returned: reading the multi-MB file back (and validating it) is ~0.1 s
            report.render_report(executed if executed is not None else out_nb, job.html_path, lang=job.lang,
                                 title=f"{job.title} · {report.notebook_title(job.stem, job.lang)}",
                                 subtitle=job.provenance.get("subtitle"), provenance=prov)
            res.update(status="ok", html=str(job.html_path))
            job.failed_notebook.unlink(missing_ok=True)  # a stale failure from an earlier run
            if job.pdf:
                pdf = report.export_pdf(job.html_path)
                res["note"] = (f"pdf: {pdf}" if pdf else
                               "pdf skipped: no chromium on PATH (install chromium to export PDF)")
        except Exception as e:  # noqa: BLE001 - a render failure is this job's failure only
            error = f"rendering failed: {_first_line(e)}"
    res["render_seconds"] = round(time.perf_counter() - t1, 3)
    if error is not None:
        res["reason"] = error
        if out_nb.exists():
            job.failed_notebook.parent.mkdir(parents=True, exist_ok=True)
            os.replace(out_nb, job.failed_notebook)
            res["notebook_path"] = str(job.failed_notebook)
        if job.html_path.exists():
            res["previous_html"] = str(job.html_path)
    res["seconds"] = round(time.perf_counter() - t0, 3)
    res["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    return res


def _init_worker(log_dir: str | None = None) -> None:
    if log_dir:
        # Kernels inherit this process's stderr; send their start-up chatter to a log file instead of the
        # terminal, where it would tear the progress bar apart.
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        fh = open(Path(log_dir) / f"worker-{os.getpid()}.log", "a", encoding="utf-8")
        os.dup2(fh.fileno(), 2)


# ----------------------------------------------------------------------------------------- checking

def notebook_parameters(path: str | Path) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell.

    Raises
    ------
    BatchError
        When the notebook cannot be read, has no cell tagged ``parameters`` or the cell is not Python.
    """
    import nbformat

    path = Path(path)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as e:
        raise BatchError(f"{path}: cannot read notebook ({_first_line(e)})") from None
    cell = next((c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])),
                None)
    if cell is None:
        raise BatchError(f"{path}: no cell tagged 'parameters'. In JupyterLab open the property inspector of the "
                         f"first code cell and add the tag 'parameters' (it must define {', '.join(INJECTED)}).")
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as e:
        raise BatchError(f"{path}: the parameters cell is not valid Python ({e.msg}, line {e.lineno})") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def check_notebooks(notebooks: Iterable[str | Path], injected: Iterable[str] = INJECTED) -> None:
    """Refuse notebooks papermill would run with a missing ``parameters`` cell or an unknown parameter.

    Raises
    ------
    BatchError
        Listing every problem of every notebook at once.
    """
    problems = []
    for nb in notebooks:
        try:
            names = notebook_parameters(nb)
        except BatchError as e:
            problems.append(str(e))
            continue
        missing = [n for n in injected if n not in names]
        if missing:
            problems.append(f"{nb}: kam run injects {', '.join(missing)}, which the parameters cell does not define "
                            "(papermill would add an unknown parameter). Add e.g. `run_cache = None` to that cell.")
    if problems:
        raise BatchError("notebook check failed, no job was started:\n" + "\n".join(problems))


def find_notebooks(patterns: list[str] | None = None, only: list[str] | None = None,
                   folder: str | Path = "notebooks") -> list[Path]:
    """Notebooks to run: ``patterns`` (files, folders or globs; default ``notebooks/*.ipynb``) filtered by
    ``only`` (names with or without ``.ipynb``)."""
    import glob

    pats = patterns or [str(folder)]
    found: list[Path] = []
    for pat in pats:
        p = Path(pat)
        if p.is_dir():
            hits = sorted(p.glob("*.ipynb"))
        elif any(ch in pat for ch in "*?["):
            hits = [Path(h) for h in sorted(glob.glob(pat))]
        else:
            hits = [p]
        for h in hits:
            if h.name.startswith(".") or ".ipynb_checkpoints" in h.parts or h.name.endswith(".failed.ipynb"):
                continue
            if not h.exists():
                raise BatchError(f"notebook {h} not found (notebooks live in notebooks/*.ipynb; see --notebooks)")
            h = h.resolve()
            if h not in found:
                found.append(h)
    if not found:
        raise BatchError(f"no notebooks found in {', '.join(pats)}; pass --notebooks PATH")
    # the analyses in reading order (value first), then any others alphabetically
    found.sort(key=lambda q: (ANALYSIS_ORDER.index(q.stem) if q.stem in ANALYSIS_ORDER else len(ANALYSIS_ORDER),
                              q.stem))
    if only:
        wanted = {Path(o).stem for o in only}
        unknown = wanted - {p.stem for p in found}
        if unknown:
            raise BatchError(f"--only {', '.join(sorted(unknown))}: no such notebook; available: "
                             f"{', '.join(p.stem for p in found)}")
        found = [p for p in found if p.stem in wanted]
    return found


def check_kernel(name: str = KERNEL_NAME) -> str | None:
    """A warning when the ``python3`` kernel would not run this environment's interpreter (a stale
    user-level kernelspec is the classic cause of ``No module named kamlib`` inside papermill)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return (f"no Jupyter kernel named {name!r}: run `python -m ipykernel install --sys-prefix` "
                "in this environment")
    exe = spec.argv[0] if spec.argv else ""
    if exe in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        return None  # jupyter_client substitutes this process's interpreter
    try:
        same = Path(exe).resolve() == Path(sys.executable).resolve()
    except OSError:
        same = False
    if not same:
        return (f"kernel {name!r} ({spec.resource_dir}) runs {exe}, not {sys.executable}; kamlib may be missing "
                "there. Remove that kernelspec or reinstall it from this environment "
                "(python -m ipykernel install --sys-prefix).")
    return None


def load_all(files: Iterable[Path]) -> tuple[list[Params], dict[str, str]]:
    """Load and validate every params file. Returns the valid ones and ``{file stem: error}`` for the rest
    (every error lists the file, the key, what is allowed and what was found).

    Raises
    ------
    ParamsError
        When two files declare the same ``region`` (their reports would overwrite each other).
    """
    good: list[Params] = []
    bad: dict[str, str] = {}
    for f in files:
        try:
            good.append(load_params(Path(f).resolve()))
        except ParamsError as e:
            bad[Path(f).stem] = str(e)
    seen: dict[str, Path] = {}
    for p in good:
        if p.region in seen:
            raise ParamsError(f"{p.source} and {seen[p.region]} both declare region {p.region!r}; region ids name "
                              "the report folders and must be unique")
        seen[p.region] = Path(p.source)
    return good, bad


# -------------------------------------------------------------------------------------- fingerprints

def data_key(params: Params) -> str:
    """Key of the data files a region reads (``kamlib.io.ledger_key`` when available; else path, size and
    modification time of every data file)."""
    try:
        from .io import ledger_key
    except ImportError:
        ledger_key = None
    if ledger_key is not None:
        return str(ledger_key(params))
    parts = []
    for name in ("orders", "customers", "invoices", "surveys"):
        p = getattr(params.data, name)
        if p is not None:
            st = Path(p).stat() if Path(p).exists() else None
            parts.append(f"{name}={p}:{st.st_size if st else '-'}:{st.st_mtime_ns if st else '-'}")
    return "|".join(parts)


def _template_key() -> str:
    from .report import TEMPLATE_DIR

    h = hashlib.sha256()
    for f in sorted(TEMPLATE_DIR.rglob("*")):
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    h.update(Path(__file__).with_name("report.py").read_bytes())
    return h.hexdigest()[:16]


def notebook_key(path: str | Path) -> str:
    """Hash of a notebook's cell types, sources and tags (outputs and execution counts do not matter)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    content = [(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", []))) for c in nb.cells]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:20]


def job_fingerprint(params: Params, notebook: str | Path, data: str, template: str = "") -> str:
    """Fingerprint of a job's inputs: params, notebook content, data key, kamlib version, report template."""
    h = hashlib.sha256()
    for part in (params.model_dump_json(exclude={"source"}), notebook_key(notebook), data, __version__, template):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def _read_manifest(out: Path) -> dict:
    path = out / STATE_DIR / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"jobs": {}, "regions": {}}
    return {"jobs": data.get("jobs", {}), "regions": data.get("regions", {})}


def _write_manifest(out: Path, manifest: dict) -> None:
    path = out / STATE_DIR / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------- run

@dataclass(frozen=True)
class BatchResult:
    """Outcome of :func:`run`: one dict per job (see :func:`run_job`), the index page and timings."""

    jobs: tuple[dict, ...]
    index: Path
    seconds: float
    prepare_seconds: float = 0.0

    @property
    def failed(self) -> tuple[dict, ...]:
        return tuple(j for j in self.jobs if j["status"] != "ok")

    @property
    def executed(self) -> tuple[dict, ...]:
        return tuple(j for j in self.jobs if not j.get("skipped") and j.get("attempts"))

    @property
    def skipped(self) -> tuple[dict, ...]:
        return tuple(j for j in self.jobs if j.get("skipped"))

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_frame(self):
        import pandas as pd

        cols = ["id", "status", "skipped", "reason", "seconds", "exec_seconds", "cell_seconds", "render_seconds",
                "attempts", "html", "notebook_path"]
        return pd.DataFrame([{c: j.get(c) for c in cols} for j in self.jobs], columns=cols)


def _prepare(params_list: list[Params], cache_dir: Path, log: Callable[[str], None],
             workers: int = 1) -> dict[str, str]:
    """Prepare the run cache once; isolate broken regions. Returns region -> error line."""
    from .workbook import prepare_run_cache

    if not params_list:
        return {}
    try:
        prepare_run_cache(params_list, cache_dir, progress=log, workers=workers)
        return {}
    except Exception as e:  # noqa: BLE001 - find which regions are broken instead of failing them all
        if len(params_list) == 1:
            return {params_list[0].region: _lines(e)}
        first = e
    errors: dict[str, str] = {}
    log(f"preparing the run cache failed ({_first_line(first)}); retrying region by region")
    for p in params_list:
        try:
            prepare_run_cache([p], cache_dir, progress=log)
        except Exception as e:  # noqa: BLE001
            errors[p.region] = _lines(e)
    return errors


def _region_info(params: Params, cache_dir: Path | None) -> dict:
    """Headline KPIs and data sources of a prepared region (from the run cache)."""
    info: dict[str, Any] = {"region": params.region, "title": params.label, "language": params.language,
                            "kpis": None, "sources": {}, "as_of": None, "error": None}
    if cache_dir is None:
        return info
    from .workbook import headline_kpis, open_workbook, workbook_summary

    summary = workbook_summary(params, cache_dir)
    if summary is not None:
        return {**info, "sources": summary["sources"], "as_of": summary["as_of"], "kpis": summary["kpis"]}
    try:
        wb = open_workbook(params, cache_dir)
        info["sources"] = dict(wb.ledger.sources or {})
        info["as_of"] = wb.as_of.date().isoformat()
        info["kpis"] = headline_kpis(wb)
    except Exception as e:  # noqa: BLE001 - KPIs are decoration: a failure shows as "—" plus a note
        info["error"] = f"headline KPIs unavailable: {_first_line(e)}"
    return info


def _lost_job(job: "Job", reason: str) -> dict:
    """The result of a job whose worker died before it could report (only that job fails)."""
    return {"id": job.id, "region": job.region, "notebook": job.stem, "status": "failed", "reason": reason,
            "attempts": 1, "fingerprint": job.fingerprint}


def _execute(jobs: list[Job], workers: int, dask, log, on_done: Callable[[dict], None],
             log_dir: str | None = None) -> None:
    if not jobs:
        return
    if dask is not None:
        from distributed import Client, as_completed

        own = not isinstance(dask, Client)
        client = Client(dask) if own else dask
        try:
            futures = {client.submit(run_job, j, pure=False, key=f"kam-run-{j.region}-{j.stem}-{time.time_ns()}"): j
                       for j in jobs}
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - a lost worker fails its job only
                    res = _lost_job(job, f"dask: {_first_line(e)}")
                on_done(res)
        finally:
            if own:
                client.close()
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed as cf_completed

    # Processes, not threads: kernels, matplotlib state and environment stay per worker; "spawn" because
    # forking a parent that runs a progress-bar thread can deadlock.
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                             initializer=_init_worker, initargs=(log_dir,)) as pool:
        futures = {pool.submit(run_job, j): j for j in jobs}
        try:
            for fut in cf_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - a crashed worker fails its job only
                    res = _lost_job(job, f"worker crashed: {_first_line(e)}")
                on_done(res)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)  # do not start queued jobs after Ctrl-C
            raise


def run(params_files: list[str | Path] | None = None, notebooks: list[str | Path] | None = None, *,
        out: str | Path = "reports", workers: int | None = None, only: list[str] | None = None,
        resume: bool = False, dask=None, pdf: bool | None = None, prepare_cache: bool = True,
        progress: bool = True, stream=None, fresh_kernels: bool = False) -> BatchResult:
    """Run every notebook for every params file and render the report pack (the engine of ``kam run``).

    Parameters
    ----------
    params_files : list of path or glob, optional
        Params files (default ``params/*.yaml``; files starting with ``_`` are skipped).
    notebooks : list of path, folder or glob, optional
        Default ``notebooks/*.ipynb``.
    out : path
        Report folder; ``index.html`` and one folder per region are written there.
    workers : int, optional
        Parallel kernels (default: the number of cores, at most the number of jobs).
    only : list of str, optional
        Notebook names to run (e.g. ``["segmentation"]``).
    resume : bool
        Skip jobs whose fingerprint is unchanged since their last successful run.
    dask : str or distributed.Client, optional
        Scheduler address (or a client) to run the jobs on a Dask cluster.
    pdf : bool, optional
        Export PDFs with headless Chromium (default: per region, ``report.pdf`` in params).
    prepare_cache : bool
        Scan the ledger once and pass the run cache to the notebooks (default). ``False`` injects
        ``run_cache=None``: each notebook reads the data itself (for notebooks that do not need a workbook).
    progress : bool
        Show the progress bar (stderr).
    fresh_kernels : bool
        Start a new kernel for every notebook. By default each worker process keeps one warm kernel and
        resets it between notebooks (same reports, ~2 s less per notebook); Dask jobs always start fresh.

    Returns
    -------
    BatchResult
        Raises only for problems found before any job starts (:class:`BatchError`, :class:`ParamsError`).
    """
    from tqdm.auto import tqdm

    stream = stream or sys.stderr
    t_start = time.perf_counter()
    out = Path(out).resolve()
    files = discover([str(p) for p in params_files] if params_files else None)
    params_list, bad = load_all(files)
    nb_paths = find_notebooks([str(n) for n in notebooks] if notebooks else None, only)
    check_notebooks(nb_paths)

    def log(msg: str) -> None:
        tqdm.write(f"kam run: {msg}", file=stream)

    for stem, err in bad.items():
        log(f"params file {stem} is invalid, its jobs are skipped:\n{err}")
    if dask is None:
        kernel_problem = check_kernel()
        if kernel_problem:
            log(f"warning: {kernel_problem}")

    manifest = _read_manifest(out)
    template = _template_key()
    from .report import git_commit

    commit = git_commit(nb_paths[0].parent)
    cache_dir = out / STATE_DIR / "cache" if prepare_cache else None
    workers = max(1, int(workers or os.cpu_count() or 1))

    results: list[dict] = []
    now = dt.datetime.now().isoformat(timespec="seconds")
    for stem, err in bad.items():
        for nb in nb_paths:
            jid = f"{stem}/{nb.stem}"
            prev = manifest["jobs"].get(jid, {})
            html_prev = out / stem / f"{nb.stem}.html"
            results.append({"id": jid, "region": stem, "notebook": nb.stem, "status": "failed",
                            "reason": f"invalid params: {err}", "attempts": 0, "skipped": False,
                            "finished": now, "seconds": 0.0, "fingerprint": prev.get("fingerprint"),
                            "previous_html": str(html_prev) if html_prev.exists() else None})

    # fingerprints and resume decisions (cheap: no ledger scan)
    planned: list[tuple[Params, Path, str]] = []
    for p in params_list:
        dkey = data_key(p)
        for nb in nb_paths:
            fp = job_fingerprint(p, nb, dkey, template)
            jid = f"{p.region}/{nb.stem}"
            prev = manifest["jobs"].get(jid)
            if (resume and prev and prev.get("status") == "ok" and prev.get("fingerprint") == fp
                    and prev.get("html") and Path(prev["html"]).exists()):
                results.append({**prev, "skipped": True, "attempts": 0})
                continue
            planned.append((p, nb, fp))

    # the run cache: once per run, only for regions with work to do
    t_prep = time.perf_counter()
    to_prepare = list({p.region: p for p, _, _ in planned}.values())
    prep_errors: dict[str, str] = {}
    if cache_dir is not None and to_prepare:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # local workers build the regions' customer frames in parallel too (not on a Dask cluster: the
        # scanned ledger lives in this process)
        prep_errors = _prepare(to_prepare, cache_dir, log, workers if dask is None else 1)
    regions: dict[str, dict] = {}
    for p in to_prepare:
        regions[p.region] = (_region_info(p, cache_dir if p.region not in prep_errors else None)
                             | ({"error": f"data preparation failed: {prep_errors[p.region]}"}
                                if p.region in prep_errors else {}))
    prepare_seconds = time.perf_counter() - t_prep

    jobs: list[Job] = []
    parallel = min(workers, max(1, len(planned))) > 1 or dask is not None
    for p, nb, fp in planned:
        if p.region in prep_errors:
            html_prev = out / p.region / f"{nb.stem}.html"
            results.append({"id": f"{p.region}/{nb.stem}", "region": p.region, "notebook": nb.stem,
                            "status": "failed", "reason": f"data preparation failed: {prep_errors[p.region]}",
                            "attempts": 0, "skipped": False, "finished": now, "seconds": 0.0, "fingerprint": fp,
                            "previous_html": str(html_prev) if html_prev.exists() else None})
            continue
        info = regions.get(p.region, {})
        prov = {"params_file": str(p.source), "params": p.model_dump(mode="json", exclude={"source"}),
                "sources": info.get("sources") or {}, "as_of": info.get("as_of"), "kamlib_version": __version__,
                "git_commit": commit, "masked": p.report.mask_pii,
                "subtitle": _subtitle(p, info.get("as_of"))}
        jobs.append(Job(region=p.region, notebook=str(nb), params_file=str(Path(p.source).resolve()),
                        out_dir=str(out), run_cache=str(cache_dir) if cache_dir is not None else None,
                        timeout=p.timeout_seconds, lang=p.language, title=p.label, fingerprint=fp,
                        single_thread=parallel, pdf=bool(p.report.pdf if pdf is None else pdf), provenance=prov,
                        reuse_kernel=dask is None and not fresh_kernels))

    # the largest books first: a long job started last would run alone at the end while the others idle
    # (ordering reruns by their last run times instead was tried: 46.2-46.7 s vs 45.3-45.8 s at 10M, no gain)
    jobs.sort(key=lambda j: -((regions.get(j.region) or {}).get("kpis") or {}).get("accounts", 0))
    n_workers = min(workers, max(1, len(jobs)))
    counts = Counter()
    bar = tqdm(total=len(jobs), unit="job", desc="kam run", file=stream, disable=not progress or not jobs,
               dynamic_ncols=True)

    # one combined report per region (executive summary + every analysis that succeeded), written as soon as
    # the region's last job is done: this process is otherwise idle while the workers run, so the reports
    # no longer add a serial tail to the run
    by_region = {p.region: p for p in params_list}
    left = Counter(j.region for j in jobs)
    combined_done: set[str] = set()

    def combine(region: str) -> None:
        combined_done.add(region)
        if cache_dir is None or region in prep_errors or region not in by_region:
            return
        path = _combined(by_region[region], manifest["jobs"], results, regions.get(region, {}), cache_dir, out,
                         commit, log)
        if path is not None:
            regions.setdefault(region, {})["combined"] = str(path)

    def on_done(res: dict) -> None:
        results.append(res)
        counts["failed" if res["status"] != "ok" else "done"] += 1
        running = min(n_workers, len(jobs) - counts["done"] - counts["failed"])
        bar.set_postfix_str(f"done {counts['done']} · failed {counts['failed']} · running {running}", refresh=False)
        bar.update(1)
        if res["status"] != "ok":
            log(f"FAILED {res['id']}: {res.get('reason')}")
        left[res["region"]] -= 1
        if left[res["region"]] == 0:
            combine(res["region"])

    bar.set_postfix_str(f"done 0 · failed 0 · running {n_workers if jobs else 0}", refresh=False)
    try:
        _execute(jobs, n_workers, dask, log, on_done, log_dir=str(out / STATE_DIR / "logs"))
    finally:
        bar.close()

    # regions whose jobs did not all report (e.g. interrupted) still get their combined report
    if cache_dir is not None:
        executed_regions = {r["region"] for r in results if not r.get("skipped") and r.get("attempts")}
        for p in params_list:
            if p.region in executed_regions and p.region not in combined_done:
                combine(p.region)

    # manifest + index
    for r in results:
        if r["status"] == "ok" and not r.get("skipped"):
            manifest["jobs"][r["id"]] = {k: r.get(k) for k in ("id", "region", "notebook", "status", "html",
                                                                  "fingerprint", "seconds", "finished", "started",
                                                                  "exec_seconds", "cell_seconds", "render_seconds",
                                                                  "attempts")}
        elif r["status"] != "ok":
            # keep the last good entry's html so the index can link the previous report; never resume from it
            prev = manifest["jobs"].get(r["id"], {})
            manifest["jobs"][r["id"]] = {**{k: r.get(k) for k in ("id", "region", "notebook", "status", "reason",
                                                                    "notebook_path", "seconds", "finished")},
                                         "previous_html": r.get("previous_html") or prev.get("previous_html")}
    for reg, info in regions.items():
        old = manifest["regions"].get(reg, {})
        manifest["regions"][reg] = {k: info.get(k) if info.get(k) is not None else old.get(k)
                                    for k in ("region", "title", "language", "kpis", "as_of", "combined")} | \
                                   {"error": info.get("error")}
    for p in params_list:
        manifest["regions"].setdefault(p.region, {"region": p.region, "title": p.label, "language": p.language})
        manifest["regions"][p.region].update(title=p.label, language=p.language)
    for stem, err in bad.items():
        manifest["regions"][stem] = {"region": stem, "title": stem, "error": f"invalid params: {err}"}
    _write_manifest(out, manifest)
    index = write_index(out, manifest, order=[p.region for p in params_list] + list(bad),
                        notebooks=list(dict.fromkeys([*ANALYSIS_ORDER, *(nb.stem for nb in nb_paths)])),
                        commit=commit)

    order = {f"{p.region}/{nb.stem}": i for i, (p, nb) in enumerate((p, nb) for p in params_list for nb in nb_paths)}
    results.sort(key=lambda r: order.get(r["id"], len(order)))
    return BatchResult(jobs=tuple(results), index=index, seconds=time.perf_counter() - t_start,
                       prepare_seconds=prepare_seconds)


def _combined(p: Params, previous: dict, results: list[dict], info: dict, cache_dir: Path, out: Path,
              commit: str | None, log) -> Path | None:
    """Render ``<out>/<region>/report.html``: executive summary, then every analysis that succeeded."""
    from . import report
    from .workbook import open_workbook, workbook_summary

    # every analysis of the region, not only this run's (`--only` must not shrink the combined report)
    status = {j.get("notebook"): j.get("status") for j in previous.values() if j.get("region") == p.region}
    status.update({r["notebook"]: r["status"] for r in results if r.get("region") == p.region})
    executed = Path(out) / STATE_DIR / "executed" / p.region
    stems = sorted(status, key=lambda q: (ANALYSIS_ORDER.index(q) if q in ANALYSIS_ORDER else len(ANALYSIS_ORDER), q))
    parts = [executed / f"{q}.ipynb" for q in stems if status[q] == "ok" and (executed / f"{q}.ipynb").exists()]
    if not parts:
        return None
    try:
        summary = workbook_summary(p, cache_dir)
        if summary is not None and "sentences" in summary:
            sentences = list(summary["sentences"])
        else:
            sentences = report.summary_sentences(open_workbook(p, cache_dir, distribute=True))
        failed = [report.notebook_title(q, p.language) for q in stems if status[q] != "ok"]
        if failed:
            sentences.append(("本次运行失败、未包含在本报告中的分析：" if p.language == "zh" else
                              "Analyses that failed in this run and are not included: ") + ", ".join(failed))
        prov = {"params_file": str(p.source), "params": p.model_dump(mode="json", exclude={"source"}),
                "sources": info.get("sources") or {}, "as_of": info.get("as_of"), "kamlib_version": __version__,
                "git_commit": commit, "masked": p.report.mask_pii,
                "started": dt.datetime.now().isoformat(timespec="seconds")}
        return report.render_combined(parts, Path(out) / p.region / "report.html", lang=p.language,
                                      title=f"{p.label} · {report.label('combined', p.language)}",
                                      subtitle=_subtitle(p, info.get("as_of")), kpis=info.get("kpis"),
                                      sentences=sentences, provenance=prov)
    except Exception as e:  # noqa: BLE001 - the per-analysis reports stand on their own
        log(f"combined report for {p.region} not written: {_first_line(e)}")
        return None


def _subtitle(p: Params, as_of: str | None) -> str:
    from . import fmt
    from .report import label

    parts = [p.label]
    if as_of:
        parts.append(f"{label('data_date', p.language)} {fmt.date(as_of, p.language)}")
    return " · ".join(parts)


def write_index(out: Path, manifest: dict, order: list[str] | None = None,
                notebooks: list[str] | None = None, commit: str | None = None) -> Path:
    """Render ``<out>/index.html`` from the run manifest (every region ever run into ``out``; this run's
    regions first)."""
    from .report import render_index

    def rel(path: str | None) -> str | None:
        if not path:
            return None
        try:
            return Path(os.path.relpath(path, out)).as_posix()
        except ValueError:
            return str(path)

    region_ids = list(dict.fromkeys([*(order or []), *manifest["regions"]]))
    langs = Counter(manifest["regions"].get(r, {}).get("language") or "zh" for r in (order or region_ids))
    lang = "en" if langs.get("en", 0) > langs.get("zh", 0) else "zh"
    rows = []
    for reg in region_ids:
        info = manifest["regions"].get(reg, {"region": reg})
        jobs = []
        for jid, j in manifest["jobs"].items():
            if j.get("region") != reg:
                continue
            html_path = j.get("html") if j.get("status") == "ok" else None
            if html_path and not Path(html_path).exists():
                j = {**j, "status": "failed", "reason": "report file missing (deleted?): rerun kam run"}
                html_path = None
            prev = j.get("previous_html")
            jobs.append({"notebook": j.get("notebook") or jid.split("/", 1)[-1], "status": j.get("status"),
                         "reason": j.get("reason"), "html": rel(html_path),
                         "previous_html": rel(prev) if prev and Path(prev).exists() and j.get("status") != "ok" else None,
                         "notebook_path": rel(j.get("notebook_path")), "seconds": j.get("seconds"),
                         "finished": j.get("finished")})
        rank = {n: i for i, n in enumerate(notebooks or [])}
        jobs.sort(key=lambda j: (rank.get(j["notebook"], len(rank)), j["notebook"]))
        if info.get("error"):  # one region-wide reason is shown once, in the status column
            jobs = [{**j, "reason": None} if j.get("reason") == info["error"] else j for j in jobs]
        combined = info.get("combined")
        rows.append({"region": reg, "title": info.get("title") or reg, "kpis": info.get("kpis"),
                     "jobs": jobs, "error": info.get("error"),
                     "combined": rel(combined) if combined and Path(combined).exists() else None})
    return render_index(rows, out / "index.html", lang=lang, commit=commit)


# ---------------------------------------------------------------------------------------------- CLI

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("params", nargs="*", metavar="PARAMS",
                        help="params files or globs (default: params/*.yaml; files starting with _ are bases)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="kernels run side by side (default: number of cores)")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="run only these notebooks (names)")
    parser.add_argument("--notebooks", nargs="+", metavar="PATH",
                        help="notebooks, folders or globs to run (default: notebooks/*.ipynb)")
    parser.add_argument("--out", default="reports", metavar="DIR", help="report folder (default: reports/)")
    parser.add_argument("--resume", action="store_true",
                        help="skip jobs whose params, notebook, data and kamlib version are unchanged")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run the jobs on a Dask distributed scheduler (pip install 'kamlib[dask]')")
    parser.add_argument("--pdf", action="store_true", default=None,
                        help="also export PDFs with headless Chromium (when installed)")
    parser.add_argument("--no-run-cache", action="store_true",
                        help="do not scan the ledger up front; notebooks get run_cache=None and read the data "
                             "themselves (only for notebooks that do not use the shared workbook)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")
    parser.add_argument("--fresh-kernels", action="store_true",
                        help="start a new kernel for every notebook instead of resetting each worker's warm "
                             "kernel (slower; the reports are the same)")


def cli(args: argparse.Namespace) -> int:
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise BatchError("--dask needs the optional dependency: pip install 'kamlib[dask]'") from None
    if args.workers is not None and args.workers < 1:
        raise BatchError(f"--workers must be at least 1, got {args.workers}")
    res = run(args.params or None, args.notebooks, out=args.out, workers=args.workers, only=args.only,
              resume=args.resume, dask=args.dask, pdf=args.pdf, progress=not args.no_progress,
              prepare_cache=not args.no_run_cache, fresh_kernels=args.fresh_kernels)
    n_ok = sum(j["status"] == "ok" and not j.get("skipped") for j in res.jobs)
    print(f"kam run: {len(res.jobs)} jobs: {n_ok} ok, {len(res.failed)} failed, {len(res.skipped)} skipped "
          f"(unchanged) in {res.seconds:.1f} s (ledger scan and customer frames: {res.prepare_seconds:.1f} s)")
    for j in res.jobs:
        if j.get("note"):
            print(f"  note {j['id']}: {j['note']}")
    if res.failed:
        print("failed jobs:", file=sys.stderr)
        for j in res.failed:
            where = j.get("notebook_path") or "(no notebook: the job failed before a kernel started)"
            print(f"  {j['id']}: {j.get('reason')}\n    notebook: {where}", file=sys.stderr)
    print(res.index)
    return 1 if res.failed else 0
