"""Where jobs run: local worker processes (each with its warm kernel) or a Dask cluster."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from .common import first_line, skip_iri_grammar
from .jobs import Job, JobResult, run_job


def _init_worker(log_dir: str | None = None) -> None:
    """Start-up of a local worker process."""
    skip_iri_grammar()
    if log_dir:
        # Kernels inherit this process's stderr; send their start-up chatter to a log file instead of the
        # terminal, where it would tear the progress bar apart. The file stays open for the process's life.
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        fh = open(Path(log_dir) / f"worker-{os.getpid()}.log", "a", encoding="utf-8")  # noqa: SIM115
        os.dup2(fh.fileno(), 2)


def execute(jobs: list[Job], workers: int, dask: Any, on_done: Callable[[JobResult], None],
            log_dir: str | None = None) -> None:
    """Run ``jobs`` and hand each result to ``on_done`` as it arrives (in completion order).

    ``dask``: None for ``workers`` local processes, else a scheduler address or a ``distributed.Client``.
    A worker that dies fails its own job only.
    """
    if not jobs:
        return
    if dask is not None:
        _execute_dask(jobs, dask, on_done)
    else:
        _execute_local(jobs, workers, on_done, log_dir)


def _execute_dask(jobs: list[Job], dask: Any, on_done: Callable[[JobResult], None]) -> None:
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
                res = JobResult.lost(job, f"dask: {first_line(e)}")
            on_done(res)
    finally:
        if own:
            client.close()


def _execute_local(jobs: list[Job], workers: int, on_done: Callable[[JobResult], None],
                   log_dir: str | None) -> None:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Processes, not threads: kernels, matplotlib state and environment stay per worker; "spawn" because
    # forking a parent that runs a progress-bar thread can deadlock.
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                             initializer=_init_worker, initargs=(log_dir,)) as pool:
        futures: dict[Future[JobResult], Job] = {pool.submit(run_job, j): j for j in jobs}
        try:
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - a crashed worker fails its job only
                    res = JobResult.lost(job, f"worker crashed: {first_line(e)}")
                on_done(res)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)  # do not start queued jobs after Ctrl-C
            raise
