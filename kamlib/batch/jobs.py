"""One job: one notebook for one region, executed with papermill and rendered to HTML in a worker."""
from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..fmt import Lang
from .common import KERNEL_NAME, START_TIMEOUT, THREAD_VARS, first_line, skip_iri_grammar
from .kernels import _WarmKernel


@dataclass(frozen=True)
class Job:
    """One notebook for one region; everything a worker needs (absolute paths, picklable)."""

    region: str
    notebook: str  # absolute path
    params_file: str  # absolute path
    out_dir: str  # absolute: <out>
    state_dir: str  # absolute: the run-state folder (executed and failed notebooks), outside <out>
    run_cache: str | None
    timeout: int
    lang: Lang = "zh"
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
        return Path(self.state_dir) / "failed" / self.region / f"{self.stem}.ipynb"

    @property
    def executed_notebook(self) -> Path:
        return Path(self.state_dir) / "executed" / self.region / f"{self.stem}.ipynb"


@dataclass(frozen=True)
class JobResult:
    """Outcome of one job (see :func:`run_job`); :meth:`to_dict` is the form the manifest and
    :class:`kamlib.batch.BatchResult` hold."""

    id: str
    region: str
    notebook: str
    status: str = "failed"   # "ok" or "failed"
    #: why the job failed (the exception line), None when it succeeded
    reason: str | None = None
    #: the kept executed notebook of a failed job
    notebook_path: str | None = None
    html: str | None = None
    attempts: int = 0
    fingerprint: str | None = None
    skipped: bool = False
    #: a remark printed by ``kam run`` (PDF exported or skipped)
    note: str | None = None
    started: str | None = None
    finished: str | None = None
    seconds: float | None = None
    exec_seconds: float | None = None
    cell_seconds: float | None = None
    render_seconds: float | None = None
    #: an older good report that a failure left in place
    previous_html: str | None = None

    @classmethod
    def for_job(cls, job: Job, **kw: Any) -> JobResult:
        return cls(id=job.id, region=job.region, notebook=job.stem, fingerprint=job.fingerprint, **kw)

    @classmethod
    def lost(cls, job: Job, reason: str) -> JobResult:
        """The result of a job whose worker died before it could report (only that job fails)."""
        return cls.for_job(job, reason=reason, attempts=1)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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


#: cells papermill adds to the executed notebook (the analyst's notebook does not have them)
_ADDED_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})


def failed_cell(nb: Any) -> str:
    """Where an executed notebook failed, as the analyst finds it in JupyterLab: the 1-based cell number in
    the original notebook (papermill's added cells not counted) and the nearest heading above it.

    The kernel's execution count ("In [77]") is not it: a warm kernel and skipped cells shift that number.
    """
    import nbformat

    if not hasattr(nb, "cells"):
        try:
            nb = nbformat.read(str(nb), as_version=4)
        except (OSError, ValueError):
            return "cell unknown"
    number, heading = 0, ""
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & _ADDED_TAGS:
            continue
        number += 1
        if cell.cell_type == "markdown":
            lines = [ln.lstrip("#").strip() for ln in str(cell.source).splitlines() if ln.startswith("#")]
            if lines:
                heading = lines[-1]
        elif any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return f"notebook cell {number}" + (f", under '{heading}'" if heading else "")
    return "cell unknown"


def _own_loop_context(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, in an empty context when called off the main thread (see _execute_notebook)."""
    if threading.current_thread() is threading.main_thread():
        return fn(*args, **kwargs)
    return contextvars.Context().run(fn, *args, **kwargs)


def _cell_seconds(nb: Any) -> float:
    """Sum of the cells' run times recorded by papermill (``nb``: an executed notebook or its path)."""
    import nbformat

    if not hasattr(nb, "cells"):
        try:
            nb = nbformat.read(str(nb), as_version=4)
        except (OSError, ValueError):
            return float("nan")
    return float(sum(c.get("metadata", {}).get("papermill", {}).get("duration") or 0 for c in nb.cells))


def _prepare_process(job: Job) -> None:
    """Environment the job's kernel inherits from this worker process."""
    skip_iri_grammar()   # Dask workers run no initializer of ours
    if job.single_thread:
        # Inherited by the kernel process; identical for every job, so setting it process-wide is safe.
        for var in THREAD_VARS:
            os.environ[var] = "1"
    # A backend forced from outside (MPLBACKEND=Agg in CI or a shell) would stop the kernel from
    # displaying figures inline, and the report would silently lose every chart.
    os.environ.pop("MPLBACKEND", None)


def _execute_notebook(job: Job) -> tuple[Any, str | None, int]:
    """Run the notebook with papermill: (executed notebook or None, error line or None, attempts)."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError

    out_nb = job.executed_notebook
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    params = {"params_file": job.params_file, "run_cache": job.run_cache, "distribute": True}
    error: str | None = None
    attempt = 0
    for attempt in (1, 2):
        out_nb.unlink(missing_ok=True)
        try:
            warm = {}
            if job.reuse_kernel:
                warm = {"km": _WarmKernel.get().km}
            # jupyter_core keeps "this thread's" event loop in a context variable; Dask runs tasks in threads
            # with a copied context, so two jobs running side by side would share one loop ("This event loop
            # is already running"). A job off the main thread runs in an empty context and gets its own loop.
            executed = _own_loop_context(
                pm.execute_notebook,
                job.notebook, str(out_nb), parameters=params, kernel_name=KERNEL_NAME, language="python",
                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                start_timeout=START_TIMEOUT, execution_timeout=job.timeout, shutdown_kernel="immediate",
                # the kernel sends stdout/stderr in chunks on a 0.2 s timer, so a cell that warns, computes
                # and warns again gave one or several stream outputs depending on the machine's load: keep one
                # output per stream and cell (nbclient's coalescing) so executed notebooks are reproducible
                coalesce_streams=True, **warm)
            return executed, None, attempt
        except pm.PapermillExecutionError as e:
            error = f"{first_line(f'{e.ename}: {e.evalue}')} ({failed_cell(out_nb)})"
            break
        except CellTimeoutError:
            error = (f"a cell ran longer than timeout_seconds={job.timeout} s (raise 'timeout_seconds' in the "
                     "params file if the data really is that large)")
            break
        except Exception as e:  # noqa: BLE001 - any failure of one job must not stop the others
            error = first_line(e)
            if attempt == 1 and _never_ran(out_nb):
                error = f"kernel failed to start: {error}"
                continue  # one retry: kernel start failures are usually transient (ports, slow disk)
            break
    if job.reuse_kernel:
        _WarmKernel.discard()   # a failed, timed-out or dead kernel is not trusted with the next notebook
    return None, error, attempt


def _render(job: Job, executed: Any, started: str, exec_seconds: float) -> str | None:
    """Render the executed notebook to the job's HTML report; returns the PDF note."""
    from .. import report

    prov = {**job.provenance, "started": started, "seconds": exec_seconds}
    # the notebook papermill returned: reading the multi-MB file back (and validating it) is ~0.1 s
    report.render_report(executed if executed is not None else job.executed_notebook, job.html_path,
                         lang=job.lang, title=f"{job.title} · {report.notebook_title(job.stem, job.lang)}",
                         subtitle=job.provenance.get("subtitle"), provenance=prov)
    job.failed_notebook.unlink(missing_ok=True)  # a stale failure from an earlier run
    if not job.pdf:
        return None
    pdf = report.export_pdf(job.html_path)
    return f"pdf: {pdf}" if pdf else "pdf skipped: no chromium on PATH (install chromium to export PDF)"


def _keep_failure(job: Job) -> dict[str, str | None]:
    """After a failure: keep the executed notebook (with its traceback) in the run-state folder (it holds
    unmasked data, so never in the report folder) and point at an older good report left in place."""
    kept: dict[str, str | None] = {"notebook_path": None, "previous_html": None}
    out_nb = job.executed_notebook
    if out_nb.exists():
        job.failed_notebook.parent.mkdir(parents=True, exist_ok=True)
        os.replace(out_nb, job.failed_notebook)
        kept["notebook_path"] = str(job.failed_notebook)
    if job.html_path.exists():
        kept["previous_html"] = str(job.html_path)
    return kept


def run_job(job: Job) -> JobResult:
    """Execute and render one job; never raises (a failure is returned as ``status="failed"``).

    Runs in a worker process or on a Dask worker. The result holds ``status``, ``reason`` (the exception
    line), ``notebook_path`` (kept executed notebook of a failed job), ``html``, timings (``seconds``,
    ``exec_seconds``, ``cell_seconds``, ``render_seconds``) and ``attempts``.

    Parameters
    ----------
    job : Job
        One notebook for one region, with its absolute paths.

    Returns
    -------
    JobResult
    """
    _prepare_process(job)
    started = dt.datetime.now().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    executed, error, attempts = _execute_notebook(job)
    t1 = time.perf_counter()
    cell_seconds = None
    if executed is not None or job.executed_notebook.exists():
        cell_seconds = round(_cell_seconds(executed if executed is not None else job.executed_notebook), 3)

    status, html, note = "failed", None, None
    if error is None:
        try:
            note = _render(job, executed, started, t1 - t0)
            status, html = "ok", str(job.html_path)
        except Exception as e:  # noqa: BLE001 - a render failure is this job's failure only
            error = f"rendering failed: {first_line(e)}"
    render_seconds = round(time.perf_counter() - t1, 3)
    kept = _keep_failure(job) if error is not None else {}
    return JobResult.for_job(
        job, status=status, reason=error, html=html, attempts=attempts, note=note, started=started,
        exec_seconds=round(t1 - t0, 3), cell_seconds=cell_seconds, render_seconds=render_seconds,
        seconds=round(time.perf_counter() - t0, 3), finished=dt.datetime.now().isoformat(timespec="seconds"),
        **kept)
