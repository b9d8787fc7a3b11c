"""``kam run``: every analysis notebook for every region, in parallel, fault-isolated, into an HTML pack.

Pipeline
--------
1. **Check before any kernel starts.** Every params file is loaded and validated (all problems listed with
   file, key and allowed values); every notebook must have a cell tagged ``parameters`` that defines each
   injected name (``params_file``, ``run_cache``, ``distribute``): papermill only *warns* about an unknown
   parameter, ``kam run`` refuses to start. An invalid params file fails only its own jobs (reported up
   front and in the index); a bad notebook stops the run.
2. **Scan the ledger once per run.** :func:`kamlib.runcache.prepare_run_cache` reads each distinct ledger
   once and pickles every region's workbook into ``<state>/cache``; notebooks receive that folder as
   ``run_cache`` and do not re-read the data. A region whose data cannot be prepared fails only its jobs.
3. **Execute** notebook × region jobs with papermill in worker *processes* (``--workers``, default: the
   core count) or on a Dask cluster (``--dask``). Kernel hygiene learned from papermill's issues: absolute
   paths and no ``cwd`` switching (a process-wide ``chdir`` from threads races), kernel name pinned to
   ``python3``, immediate kernel shutdown, the per-cell execution timeout from ``params.timeout_seconds``,
   one retry when the kernel fails to start, and one math thread per kernel
   (``OMP/OPENBLAS/MKL_NUM_THREADS=1``) when kernels run side by side.
4. **Render** each executed notebook with :func:`kamlib.report.render_report` (code-free, offline,
   sanitized) to a temporary name, renamed on success. A failed job keeps its executed notebook (with the
   traceback) as ``<state>/failed/<region>/<notebook>.ipynb`` (the message names the notebook's cell and
   heading), writes no HTML and leaves an older good report in place. ``<out>/index.html`` lists every
   region once, with headline KPIs and its latest status (ok, failed, or insufficient data).
   Every page ends with the region's data-quality section and embeds the CJK glyphs it uses.
6. **The report folder is what leadership receives**: HTML (and PDF) only. The run state ``<state>``
   (manifest, run cache, executed notebooks, kernel logs: unmasked data) lives beside it, by default
   ``.kam/<name of out>`` next to ``<out>`` (``kam run --state-dir``); a ``<out>/.kam`` left by an older
   kamlib is removed.
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

Modules
-------
``checks`` (params, notebooks, kernel), ``fingerprints`` (resume keys, manifest), ``jobs`` (one notebook for
one region), ``kernels`` (warm kernels), ``workers`` (process pool or Dask), ``run`` (the steps of a run),
``index`` (index page, combined reports), ``cli`` (``kam run``).
"""
from __future__ import annotations

from .checks import check_kernel, check_notebooks, find_notebooks, load_all, notebook_parameters
from .cli import add_arguments, cli
from .common import ANALYSIS_ORDER, INJECTED, KERNEL_NAME, STATE_DIR, THREAD_VARS
from .fingerprints import data_key, job_fingerprint, notebook_key
from .index import write_index
from .jobs import Job, JobResult, run_job
from .kernels import KERNEL_MAX_MB, KERNEL_REUSE
from .run import BatchResult, run

__all__ = ["ANALYSIS_ORDER", "INJECTED", "KERNEL_MAX_MB", "KERNEL_NAME", "KERNEL_REUSE", "STATE_DIR", "THREAD_VARS",
           "BatchResult", "Job", "JobResult", "add_arguments", "check_kernel", "check_notebooks", "cli", "data_key",
           "find_notebooks", "job_fingerprint", "load_all", "notebook_key", "notebook_parameters", "run", "run_job",
           "write_index"]
