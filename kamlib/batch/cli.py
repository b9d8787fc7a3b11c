"""``kam run`` on the command line: its arguments and the summary it prints."""
from __future__ import annotations

import argparse
import sys

from ..errors import BatchError
from .run import run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``kam run`` arguments to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``kam run`` subcommand parser; its arguments are added in place.
    """
    parser.add_argument("params", nargs="*", metavar="PARAMS",
                        help="params files or globs (default: params/*.yaml; files starting with _ are bases)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="kernels run side by side (default: number of cores)")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="run only these notebooks (names)")
    parser.add_argument("--notebooks", nargs="+", metavar="PATH",
                        help="notebooks, folders or globs to run (default: notebooks/*.ipynb)")
    parser.add_argument("--out", default="reports", metavar="DIR", help="report folder (default: reports/)")
    parser.add_argument("--state-dir", default=None, metavar="DIR",
                        help="run-state folder: manifest, run cache, executed notebooks, logs (default: .kam/<name "
                             "of --out> beside the report folder; never inside it, it holds unmasked data)")
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="language of the index page (default: the majority of the regions' languages)")
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
    """Run ``kam run``: every region × notebook job, a summary on stdout and failures on stderr.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``kam run`` arguments (see :func:`add_arguments`).

    Returns
    -------
    int
        Exit status: 1 when any job failed, else 0.

    Raises
    ------
    BatchError
        If ``--dask`` is given without the ``distributed`` package, or ``--workers`` is below 1.
    """
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise BatchError("--dask needs the optional dependency: pip install 'kamlib[dask]'") from None
    if args.workers is not None and args.workers < 1:
        raise BatchError(f"--workers must be at least 1, got {args.workers}")
    res = run(args.params or None, args.notebooks, out=args.out, workers=args.workers, only=args.only,
              resume=args.resume, dask=args.dask, pdf=args.pdf, progress=not args.no_progress,
              prepare_cache=not args.no_run_cache, fresh_kernels=args.fresh_kernels,
              state_dir=args.state_dir, lang=args.lang)
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
