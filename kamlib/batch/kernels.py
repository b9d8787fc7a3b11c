"""Warm kernels: one Jupyter kernel per worker process, reset between notebooks instead of restarted."""
from __future__ import annotations

import os
import sys
import threading
from typing import Any

from ..errors import BatchError
from .common import KERNEL_NAME, START_TIMEOUT

#: a warm kernel runs at most this many notebooks, then a fresh one starts
KERNEL_REUSE = 64
#: ... and is replaced earlier when, reset between notebooks, it still holds more than this many MiB of
#: resident memory (environment variable KAMLIB_KERNEL_MAX_MB overrides it): what bounds the memory growth
#: of a long-lived kernel without paying a restart (~3 s) after a fixed number of notebooks.
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
                "kamlib.workbook", "kamlib.runcache", "kamlib.value", "kamlib.segmentation", "kamlib.survival",
                "kamlib.satisfaction")

#: run in a warm kernel before each notebook: it then starts as a fresh kernel would, except that the
#: modules above (~1.5 s of imports) are already loaded. Cleared: the user namespace and history (%reset),
#: figures, matplotlib's rcParams (back to the rc file's, as after import; the notebook's %matplotlib
#: inline and set_theme apply theirs again), the warning filters (back to those of the kernel with the
#: modules imported) and the record of warnings already shown (so a notebook shows the same warnings as
#: in a fresh kernel). The function removes itself with the namespace. It takes ~0.2 s.
_RESET_CODE = f"""
def __kamlib_reset():
    import importlib, sys, types, warnings
    pristine = sys.modules.get("__kamlib_pristine__")
    if pristine is None:
        for name in {WARM_IMPORTS!r}:
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
"""


class _WarmKernel:
    """One kernel per worker process, reused for up to :data:`KERNEL_REUSE` notebooks while it holds less
    than :data:`KERNEL_MAX_MB` of memory once reset.

    A fresh kernel per notebook costs ~0.7 s to start and ~1.5 s to import the scientific stack (see
    benchmarks/bench_pack.py). The kernel is reset before each notebook (:data:`_RESET_CODE`) and replaced
    after any failure, timeout or crash; a test checks that notebooks give the same outputs as in fresh
    kernels.
    """

    _local: threading.local | None = None

    def __init__(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        # papermill (nbclient) drives the kernel with its own client on its own event loop; the reset uses a
        # separate blocking (thread-based) client, so no asyncio object is shared between loops. It is
        # connected once: connecting a client costs 0.2-0.4 s
        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME)
        self.kc: Any = None   # jupyter_client.BlockingKernelClient once connected
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
    def _thread_local(cls) -> threading.local:
        """The per-thread slot of the warm kernel, created (with its exit hooks) on first use."""
        if cls._local is None:
            cls._local = threading.local()
            import atexit

            atexit.register(cls.discard)
            try:   # worker processes end through multiprocessing, which runs these finalizers
                from multiprocessing import util

                util.Finalize(None, cls.discard, exitpriority=10)
            except ImportError:
                pass
        return cls._local

    @classmethod
    def get(cls) -> _WarmKernel:
        """This thread's warm kernel, started if needed and reset for the next notebook."""
        from jupyter_core.utils import run_sync

        local = cls._thread_local()
        wk = getattr(local, "kernel", None)
        if wk is not None and (wk.used >= KERNEL_REUSE or not run_sync(wk.km.is_alive)()):
            cls.discard()
            wk = None
        if wk is None:
            wk = cls()
            local.kernel = wk
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

        local = cls._local
        wk = getattr(local, "kernel", None) if local is not None else None
        if local is None or wk is None:
            return
        local.kernel = None
        try:
            if wk.kc is not None:
                wk.kc.stop_channels()
            run_sync(wk.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - the kernel is being thrown away; a dead one is fine too
            pass
