"""``kam run`` step by step: check, plan (resume), prepare the run cache, execute, collect, write the index."""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..params import Params, discover
from .checks import check_kernel, check_notebooks, find_notebooks, load_all
from .common import ANALYSIS_ORDER, STATE_DIR, first_line, lines, skip_iri_grammar
from .common import state_dir as _state_folder
from .fingerprints import data_key, job_fingerprint, read_manifest, template_key, write_manifest
from .index import provenance, report_subtitle, write_combined, write_index
from .jobs import Job, JobResult
from .workers import execute

if TYPE_CHECKING:
    import pandas as pd

#: a job that will run: its region's params, the notebook and the job's fingerprint
Planned = tuple[Params, Path, str]


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

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        cols = ["id", "status", "skipped", "reason", "seconds", "exec_seconds", "cell_seconds", "render_seconds",
                "attempts", "html", "notebook_path"]
        return pd.DataFrame([{c: j.get(c) for c in cols} for j in self.jobs], columns=cols)


def _prepare(params_list: list[Params], cache_dir: Path, log: Callable[[str], None],
             workers: int = 1) -> dict[str, str]:
    """Prepare the run cache once; isolate broken regions. Returns region -> error line."""
    from ..runcache import prepare_run_cache

    if not params_list:
        return {}
    try:
        prepare_run_cache(params_list, cache_dir, progress=log, workers=workers)
        return {}
    except Exception as e:  # noqa: BLE001 - find which regions are broken instead of failing them all
        if len(params_list) == 1:
            return {params_list[0].region: lines(e)}
        first = e
    errors: dict[str, str] = {}
    log(f"preparing the run cache failed ({first_line(first)}); retrying region by region")
    for p in params_list:
        try:
            prepare_run_cache([p], cache_dir, progress=log)
        except Exception as e:  # noqa: BLE001
            errors[p.region] = lines(e)
    return errors


def _region_info(params: Params, cache_dir: Path | None) -> dict:
    """Headline KPIs and data sources of a prepared region (from the run cache)."""
    info: dict[str, Any] = {"region": params.region, "title": params.label, "language": params.language,
                            "kpis": None, "sources": {}, "as_of": None, "error": None, "quality": None,
                            "currency": params.report.currency,
                            "params_stem": params.source.stem if params.source is not None else None}
    if cache_dir is None:
        return info
    from ..runcache import workbook_summary
    from ..summary import data_quality
    from ..workbook import headline_kpis, open_workbook

    summary = workbook_summary(params, cache_dir)
    if summary is not None:
        return {**info, "sources": summary["sources"], "as_of": summary["as_of"], "kpis": summary["kpis"],
                "quality": summary.get("quality")}
    try:
        wb = open_workbook(params, cache_dir)
        info["sources"] = dict(wb.ledger.sources or {})
        info["as_of"] = wb.as_of.date().isoformat()
        info["kpis"] = headline_kpis(wb)
        info["quality"] = data_quality(wb)
    except Exception as e:  # noqa: BLE001 - KPIs are decoration: a failure shows as "—" plus a note
        info["error"] = f"headline KPIs unavailable: {first_line(e)}"
    return info




@dataclass(frozen=True)
class _Setup:
    """What a run works from, all checked before anything starts."""

    out: Path
    #: run-state folder (manifest, run cache, executed notebooks, logs), outside ``out``
    state: Path
    params: list[Params]
    #: params file stem -> why it is invalid (its jobs fail, the others run)
    bad: dict[str, str]
    notebooks: list[Path]
    manifest: dict
    template: str
    commit: str | None
    cache_dir: Path | None
    workers: int
    log: Callable[[str], None]
    #: language of the index page (None: the majority of the regions' languages, zh on a tie)
    lang: str | None = None


def _setup(params_files: list[str | Path] | None, notebooks: list[str | Path] | None, *, out: str | Path,
           workers: int | None, only: list[str] | None, dask: Any, prepare_cache: bool,
           log: Callable[[str], None], state: str | Path | None = None, lang: str | None = None) -> _Setup:
    """Load and check params and notebooks (raises before any job starts), read the manifest."""
    from ..report import git_commit

    files = discover([str(p) for p in params_files] if params_files else None)
    params_list, bad = load_all(files)
    nb_paths = find_notebooks([str(n) for n in notebooks] if notebooks else None, only)
    check_notebooks(nb_paths)
    for stem, err in bad.items():
        log(f"params file {stem} is invalid, its jobs are skipped:\n{err}")
    if dask is None:
        kernel_problem = check_kernel()
        if kernel_problem:
            log(f"warning: {kernel_problem}")
    out = Path(out).resolve()
    st = _state_folder(out, state)
    if st == out or out in st.parents:
        from ..errors import BatchError

        raise BatchError(f"the run-state folder {st} must not be inside the report folder {out}: it holds the "
                         "run cache and executed notebooks with unmasked personal data")
    _move_legacy_state(out, st, log)
    return _Setup(out=out, state=st, params=params_list, bad=bad, notebooks=nb_paths, manifest=read_manifest(st),
                  template=template_key(), commit=git_commit(nb_paths[0].parent),
                  cache_dir=st / "cache" if prepare_cache else None,
                  workers=max(1, int(workers or os.cpu_count() or 1)), log=log, lang=lang)


def _move_legacy_state(out: Path, state: Path, log: Callable[[str], None]) -> None:
    """Take the run state out of a report folder written by an older kamlib (``<out>/.kam``) and drop the
    failed notebooks it kept beside the reports: both hold unmasked personal data."""
    import shutil

    legacy = out / STATE_DIR
    if legacy.is_dir():
        if not (state / "manifest.json").exists() and (legacy / "manifest.json").exists():
            state.mkdir(parents=True, exist_ok=True)
            shutil.copy2(legacy / "manifest.json", state / "manifest.json")
        shutil.rmtree(legacy, ignore_errors=True)
        log(f"moved the run state out of the report folder: {legacy} -> {state}")
    for f in out.glob("*/*.failed.ipynb"):
        f.unlink(missing_ok=True)


def _previous_html(s: _Setup, region: str, stem: str) -> str | None:
    html_prev = s.out / region / f"{stem}.html"
    return str(html_prev) if html_prev.exists() else None


def _invalid_params_results(s: _Setup, now: str) -> list[dict]:
    """Every job of an invalid params file fails, without running."""
    results = []
    for stem, err in s.bad.items():
        region = _region_of_stem(s.manifest, stem)
        for nb in s.notebooks:
            jid = f"{region}/{nb.stem}"
            results.append(JobResult(id=jid, region=region, notebook=nb.stem, reason=f"invalid params: {err}",
                                     finished=now, seconds=0.0,
                                     fingerprint=s.manifest["jobs"].get(jid, {}).get("fingerprint"),
                                     previous_html=_previous_html(s, region, nb.stem)).to_dict())
    return results


def _plan(s: _Setup, resume: bool) -> tuple[list[Planned], list[dict]]:
    """Fingerprint every job (cheap: no ledger scan). Returns the jobs to run and, with ``resume``, the
    results of those skipped because their last run succeeded with the same fingerprint."""
    planned: list[Planned] = []
    skipped: list[dict] = []
    for p in s.params:
        dkey = data_key(p)
        for nb in s.notebooks:
            fp = job_fingerprint(p, nb, dkey, s.template)
            prev = s.manifest["jobs"].get(f"{p.region}/{nb.stem}")
            if (resume and prev and prev.get("status") == "ok" and prev.get("fingerprint") == fp
                    and prev.get("html") and Path(prev["html"]).exists()):
                skipped.append({**prev, "skipped": True, "attempts": 0})
                continue
            planned.append((p, nb, fp))
    return planned, skipped


def _prepare_regions(s: _Setup, planned: list[Planned], dask: Any) -> tuple[dict[str, dict], dict[str, str]]:
    """The run cache, once per run and only for regions with work to do. Returns region -> index info
    (KPIs, sources, data date) and region -> data preparation error."""
    to_prepare = list({p.region: p for p, _, _ in planned}.values())
    prep_errors: dict[str, str] = {}
    if s.cache_dir is not None and to_prepare:
        s.cache_dir.mkdir(parents=True, exist_ok=True)
        # local workers build the regions' customer frames in parallel too (not on a Dask cluster: the
        # scanned ledger lives in this process)
        prep_errors = _prepare(to_prepare, s.cache_dir, s.log, s.workers if dask is None else 1)
    regions: dict[str, dict] = {}
    for p in to_prepare:
        if p.region in prep_errors:
            regions[p.region] = _region_info(p, None) | {
                "error": f"data preparation failed: {prep_errors[p.region]}"}
        else:
            regions[p.region] = _region_info(p, s.cache_dir)
    return regions, prep_errors


def _make_jobs(s: _Setup, planned: list[Planned], regions: dict[str, dict], prep_errors: dict[str, str], *,
               dask: Any, pdf: bool | None, fresh_kernels: bool, now: str) -> tuple[list[Job], list[dict]]:
    """The jobs to execute, largest books first, and the results of jobs whose region's data failed."""
    jobs: list[Job] = []
    failed: list[dict] = []
    parallel = min(s.workers, max(1, len(planned))) > 1 or dask is not None
    for p, nb, fp in planned:
        assert p.source is not None   # load_all reads every params from its file
        if p.region in prep_errors:
            failed.append(JobResult(id=f"{p.region}/{nb.stem}", region=p.region, notebook=nb.stem,
                                    reason=f"data preparation failed: {prep_errors[p.region]}", finished=now,
                                    seconds=0.0, fingerprint=fp,
                                    previous_html=_previous_html(s, p.region, nb.stem)).to_dict())
            continue
        info = regions.get(p.region, {})
        prov = provenance(p, info, s.commit) | {"subtitle": report_subtitle(p, info.get("as_of"))}
        jobs.append(Job(region=p.region, notebook=str(nb), params_file=str(p.source.resolve()),
                        out_dir=str(s.out), state_dir=str(s.state),
                        run_cache=str(s.cache_dir) if s.cache_dir is not None else None,
                        timeout=p.timeout_seconds, lang=p.language, title=p.label, fingerprint=fp,
                        single_thread=parallel, pdf=bool(p.report.pdf if pdf is None else pdf), provenance=prov,
                        reuse_kernel=dask is None and not fresh_kernels))
    # the largest books first: a long job started last would run alone at the end while the others idle
    jobs.sort(key=lambda j: -((regions.get(j.region) or {}).get("kpis") or {}).get("accounts", 0))
    return jobs, failed


class _Collector:
    """Takes the results as jobs finish: progress bar, failure log, and one combined report per region
    (executive summary + every analysis that succeeded), written as soon as the region's last job is done:
    this process is otherwise idle while the workers run, so the reports add no serial tail to the run."""

    def __init__(self, s: _Setup, jobs: list[Job], results: list[dict], regions: dict[str, dict],
                 prep_errors: dict[str, str], n_workers: int, bar: Any) -> None:
        self.s, self.results, self.regions, self.prep_errors = s, results, regions, prep_errors
        self.n_jobs, self.n_workers, self.bar = len(jobs), n_workers, bar
        self.counts: Counter[str] = Counter()
        self.left = Counter(j.region for j in jobs)
        self.combined_done: set[str] = set()
        self.by_region = {p.region: p for p in s.params}

    def combine(self, region: str) -> None:
        self.combined_done.add(region)
        s = self.s
        if s.cache_dir is None or region in self.prep_errors or region not in self.by_region:
            return
        path = write_combined(self.by_region[region], s.manifest["jobs"], self.results,
                              self.regions.get(region, {}), s.cache_dir, s.out, s.commit, s.log, state=s.state)
        if path is not None:
            self.regions.setdefault(region, {})["combined"] = str(path)

    def on_done(self, result: JobResult) -> None:
        res = result.to_dict()
        self.results.append(res)
        self.counts["failed" if res["status"] != "ok" else "done"] += 1
        self.show_counts()
        self.bar.update(1)
        if res["status"] != "ok":
            self.s.log(f"FAILED {res['id']}: {res.get('reason')}")
        self.left[res["region"]] -= 1
        if self.left[res["region"]] == 0:
            self.combine(res["region"])

    def show_counts(self) -> None:
        done, failed = self.counts["done"], self.counts["failed"]
        running = min(self.n_workers, self.n_jobs - done - failed)
        self.bar.set_postfix_str(f"done {done} · failed {failed} · running {running}", refresh=False)

    def combine_rest(self) -> None:
        """Regions whose jobs did not all report (e.g. interrupted) still get their combined report."""
        if self.s.cache_dir is None:
            return
        executed_regions = {r["region"] for r in self.results if not r.get("skipped") and r.get("attempts")}
        for p in self.s.params:
            if p.region in executed_regions and p.region not in self.combined_done:
                self.combine(p.region)


def _execute_all(s: _Setup, jobs: list[Job], collector: _Collector, dask: Any) -> None:
    collector.show_counts()
    try:
        execute(jobs, collector.n_workers, dask, collector.on_done, log_dir=str(s.state / "logs"))
    finally:
        collector.bar.close()
    collector.combine_rest()


#: what the manifest keeps of a successful and of a failed job
_OK_KEYS = ("id", "region", "notebook", "status", "html", "fingerprint", "seconds", "finished", "started",
            "exec_seconds", "cell_seconds", "render_seconds", "attempts")
_FAILED_KEYS = ("id", "region", "notebook", "status", "reason", "notebook_path", "seconds", "finished")


def _update_manifest(s: _Setup, results: list[dict], regions: dict[str, dict]) -> None:
    manifest = s.manifest
    for r in results:
        if r["status"] == "ok" and not r.get("skipped"):
            manifest["jobs"][r["id"]] = {k: r.get(k) for k in _OK_KEYS}
        elif r["status"] != "ok":
            # keep the last good entry's html so the index can link the previous report; never resume from it
            prev = manifest["jobs"].get(r["id"], {})
            manifest["jobs"][r["id"]] = {**{k: r.get(k) for k in _FAILED_KEYS},
                                         "previous_html": r.get("previous_html") or prev.get("previous_html")}
    for reg, info in regions.items():
        old = manifest["regions"].get(reg, {})
        manifest["regions"][reg] = {k: info.get(k) if info.get(k) is not None else old.get(k)
                                    for k in ("region", "title", "language", "kpis", "as_of", "combined",
                                              "params_stem", "currency")} | \
                                   {"error": info.get("error"),
                                    "insufficient": (info.get("quality") or {}).get("insufficient"),
                                    "accounts": (info.get("quality") or {}).get("accounts")}
    for p in s.params:
        manifest["regions"].setdefault(p.region, {"region": p.region, "title": p.label, "language": p.language})
        manifest["regions"][p.region].update(title=p.label, language=p.language,
                                             params_stem=p.source.stem if p.source is not None else None)
    for stem, err in s.bad.items():
        region = _region_of_stem(s.manifest, stem)
        old = manifest["regions"].get(region, {})
        manifest["regions"][region] = {"region": region, "title": old.get("title") or stem,
                                       "language": old.get("language"), "params_stem": stem,
                                       "error": f"invalid params: {err}"}


def _region_of_stem(manifest: dict, stem: str) -> str:
    """The region an invalid params file reported last time (its file stem when it never ran): its failure
    replaces that region's row in the index instead of appearing beside a stale good one."""
    for reg, info in manifest.get("regions", {}).items():
        if info.get("params_stem") == stem:
            return str(reg)
    return stem


def _write_index(s: _Setup) -> Path:
    write_manifest(s.state, s.manifest)
    return write_index(s.out, s.manifest, lang=s.lang,
                       order=[p.region for p in s.params] + [_region_of_stem(s.manifest, b) for b in s.bad],
                       notebooks=list(dict.fromkeys([*ANALYSIS_ORDER, *(nb.stem for nb in s.notebooks)])),
                       commit=s.commit)


def _in_input_order(s: _Setup, results: list[dict]) -> tuple[dict, ...]:
    """Results in the order of the params files, then of the notebooks."""
    order = {f"{p.region}/{nb.stem}": i for i, (p, nb) in enumerate((p, nb) for p in s.params for nb in s.notebooks)}
    return tuple(sorted(results, key=lambda r: order.get(r["id"], len(order))))


def run(params_files: list[str | Path] | None = None, notebooks: list[str | Path] | None = None, *,
        out: str | Path = "reports", workers: int | None = None, only: list[str] | None = None,
        resume: bool = False, dask: Any = None, pdf: bool | None = None, prepare_cache: bool = True,
        progress: bool = True, stream: TextIO | None = None, fresh_kernels: bool = False,
        state_dir: str | Path | None = None, lang: str | None = None) -> BatchResult:
    """Run every notebook for every params file and render the report pack (the engine of ``kam run``).

    Parameters
    ----------
    params_files : list of path or glob, optional
        Params files (default ``params/*.yaml``; files starting with ``_`` are skipped).
    notebooks : list of path, folder or glob, optional
        Default ``notebooks/*.ipynb``.
    out : path
        Report folder; ``index.html`` and one folder per region are written there, nothing else (HTML and
        PDF only: it is what leadership may receive).
    state_dir : path, optional
        Run-state folder: manifest, run cache, executed notebooks (failed ones under ``failed/``), kernel
        logs. Default ``.kam/<name of out>`` beside ``out``; never inside it (it holds unmasked data).
    lang : {"zh", "en"}, optional
        Language of the index page (default: the majority of the regions' languages, zh on a tie).
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

    skip_iri_grammar()
    stream = stream or sys.stderr
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        tqdm.write(f"kam run: {msg}", file=stream)

    s = _setup(params_files, notebooks, out=out, workers=workers, only=only, dask=dask,
               prepare_cache=prepare_cache, log=log, state=state_dir, lang=lang)
    now = dt.datetime.now().isoformat(timespec="seconds")
    results = _invalid_params_results(s, now)
    planned, skipped = _plan(s, resume)
    results += skipped

    t_prep = time.perf_counter()
    regions, prep_errors = _prepare_regions(s, planned, dask)
    prepare_seconds = time.perf_counter() - t_prep

    jobs, failed = _make_jobs(s, planned, regions, prep_errors, dask=dask, pdf=pdf, fresh_kernels=fresh_kernels,
                              now=now)
    results += failed
    bar = tqdm(total=len(jobs), unit="job", desc="kam run", file=stream, disable=not progress or not jobs,
               dynamic_ncols=True)
    collector = _Collector(s, jobs, results, regions, prep_errors, min(s.workers, max(1, len(jobs))), bar)
    _execute_all(s, jobs, collector, dask)

    _update_manifest(s, results, regions)
    index = _write_index(s)
    return BatchResult(jobs=_in_input_order(s, results), index=index, seconds=time.perf_counter() - t_start,
                       prepare_seconds=prepare_seconds)
