"""The run cache: each region's workbook built once per ``kam run`` and stored for its notebooks.

``kam run`` scans the ledger once per run (:func:`prepare_run_cache`): the full ledger is read and validated
once per distinct data source (at day grain), each region's subset is prepared, and the region's workbook is
stored as a pickle in the run-cache folder, keyed by a fingerprint of its params, the data files and the
kamlib version, with a JSON summary (headline KPIs) beside it. The workbook also holds the results of the
analyses that read order and invoice rows (tier migration, group roll-up, churn threshold sensitivity), so
the stored workbook leaves those rows out: they are loaded from the stored scan if code touches
``wb.ledger.orders`` or ``wb.ledger.invoices`` (:meth:`kamlib.ledger.Ledger.deferring`); the small
``wb.ledger.product_mix`` stays in the workbook, so product breadth needs no order rows. The scanned ledger
is stored too, keyed by :func:`kamlib.io.ledger_key`, so a rerun with other analysis params but the same
data does not scan again.
With several workers the regions' workbooks are built in forked processes.
Notebooks call :func:`kamlib.workbook.open_workbook` with that folder (papermill parameter ``run_cache``)
and get the cached workbook; outside a batch run (``run_cache=None``), or when the key does not match, it is
built directly.
The cache is a local, self-produced artefact (pickle is not for untrusted files).
"""
from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import KamlibError
from .ledger import Ledger
from .params import Params
from .summary import data_quality, summary_sentences
from .workbook import Workbook, build_workbook, headline_kpis, mask_workbook


def workbook_key(params: Params) -> str:
    """Fingerprint of everything a region's workbook depends on: params, data files, kamlib version.

    Parameters
    ----------
    params : Params
        The region's parameters (``source`` is left out).

    Returns
    -------
    str
        20 hex digits.
    """
    from .io import ledger_key

    h = hashlib.sha256()
    h.update(params.model_dump_json(exclude={"source"}).encode())
    h.update(ledger_key(params).encode())
    h.update(__version__.encode())
    return h.hexdigest()[:20]


def _cache_file(cache_dir: str | Path, params: Params) -> Path:
    return Path(cache_dir) / f"workbook-{params.region}.pkl"


@dataclass(frozen=True)
class _StoredRows:
    """Loads a cached workbook's order and invoice rows from the scanned ledger stored beside it
    (``ledger-<key>.pkl.lz4``) when they are first used (see :meth:`kamlib.ledger.Ledger.deferring`)."""

    cache_dir: str
    ledger_key: str
    params: Params
    order_lines: int

    def load(self) -> dict:
        from .io import filter_ledger

        path = _ledger_file(self.cache_dir, self.ledger_key)
        stored, why = None, "is no longer in the run cache (a later run with other data replaced it)"
        if path.exists():
            try:
                stored = _read_ledger_file(path)
            except (OSError, EOFError, ValueError, pickle.UnpicklingError) as e:   # pyarrow: OSError/ValueError
                why = f"cannot be read ({type(e).__name__}: {e}; an interrupted write or a damaged file)"
        if stored is None or stored.get("key") != self.ledger_key:
            raise KamlibError(
                f"{path}: the scanned ledger this cached workbook of region {self.params.region!r} was built "
                f"from {why}, so its order and invoice rows cannot be loaded. Fix: run kam run again for this "
                "region, or call open_workbook(params_file) without run_cache to build it from the data files.")
        region = filter_ledger(stored["ledger"], self.params)
        return {"orders": region.orders, "invoices": region.invoices}


def save_workbook(wb: Workbook, cache_dir: str | Path, ledger_key: str | None = None) -> Path:
    """Store ``wb`` in the run cache (atomic write).

    Parameters
    ----------
    ledger_key : str, optional
        Key of the scanned full ledger stored in ``cache_dir`` (:func:`prepare_run_cache` passes it) that
        ``wb.ledger`` is the region subset of. The workbook is then stored without its order and invoice
        rows, which are loaded from that ledger on first use: the notebooks only display results computed
        in :func:`build_workbook`, so for a 10M-line ledger none of them reads hundreds of megabytes
        it does not use. Without it the rows are stored in the workbook.
    """
    path = _cache_file(cache_dir, wb.params)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = workbook_key(wb.params)
    stored = wb
    if ledger_key is not None:
        loader = _StoredRows(str(cache_dir), ledger_key, wb.params, wb.ledger.order_lines)
        stored = Workbook(**{**wb.__dict__, "ledger": wb.ledger.deferring(loader)})
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"key": key, "workbook": stored}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    # a summary beside the pickle lets the batch fill the index (KPIs, sources, data date) and the combined
    # report's executive summary without unpickling every workbook (about a gigabyte for a 10M-line book);
    # the sentences are those of the distributed (masked) workbook, as in the reports
    summary_file = path.with_suffix(".json")
    summary_file.unlink(missing_ok=True)
    try:
        summary = {"key": key, "kpis": headline_kpis(wb), "sources": dict(wb.ledger.sources or {}),
                   "as_of": wb.as_of.date().isoformat(), "sentences": summary_sentences(mask_workbook(wb)),
                   "quality": data_quality(wb)}
        summary_file.write_text(json.dumps(summary, ensure_ascii=False, default=str), encoding="utf-8")
    except Exception:  # noqa: BLE001 - KPIs are decoration: without a summary the batch opens the workbook
        pass           # itself and reports a KPI failure there, without failing the region's analyses
    # the key beside the pickle lets a rerun see that a region is current without unpickling it (written
    # last: a region whose key is current has its pickle and summary)
    path.with_suffix(".key").write_text(key, encoding="utf-8")
    return path


def workbook_summary(params: Params, cache_dir: str | Path) -> dict | None:
    """Headline KPIs, data sources, data date, executive-summary sentences and data quality
    (:func:`kamlib.summary.data_quality`) of a region's current cached
    workbook (None when the region is not current in ``cache_dir``), read from the summary written beside it.

    Parameters
    ----------
    params : Params
        The region's parameters.
    cache_dir : str or Path
        The run-cache folder.

    Returns
    -------
    dict or None
        The stored JSON summary, or None when it is missing, unreadable or not current.
    """
    if not _is_current(cache_dir, params):
        return None
    try:
        summary = json.loads(_cache_file(cache_dir, params).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if summary.get("key") == workbook_key(params) else None


def _is_current(cache_dir: str | Path, params: Params) -> bool:
    """True when the cached workbook of ``params`` was built from the same params, data and kamlib."""
    path = _cache_file(cache_dir, params)
    key_file = path.with_suffix(".key")
    return (path.exists() and key_file.exists()
            and key_file.read_text(encoding="utf-8").strip() == workbook_key(params))


def load_workbook(params: Params, run_cache: str | Path) -> Workbook | None:
    """The region's workbook stored in ``run_cache`` when it was built from the same params, data and kamlib
    (None otherwise).

    Parameters
    ----------
    params : Params
        The region's parameters; the returned workbook carries these (not the pickled ones).
    run_cache : str or Path
        The run-cache folder.

    Returns
    -------
    Workbook or None
    """
    path = _cache_file(run_cache, params)
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        stored = pickle.load(fh)
    if stored.get("key") != workbook_key(params):
        return None
    wb = stored["workbook"]
    return Workbook(**{**wb.__dict__, "params": params, "cache_file": str(path)})


#: suffix of the stored scanned ledger: a pickle in an LZ4 frame stream (pyarrow). Compressed, it is about
#: 2.5x smaller than a plain pickle, costs less CPU to write than copying the larger file (the regions build
#: on the same cores meanwhile), and reads back as fast
LEDGER_SUFFIX = ".pkl.lz4"


def _ledger_file(cache_dir: str | Path, key: str) -> Path:
    return Path(cache_dir) / f"ledger-{key}{LEDGER_SUFFIX}"


def _read_ledger_file(path: Path) -> dict:
    import pyarrow as pa

    with pa.input_stream(str(path), compression="lz4") as fh:
        return pickle.load(fh)


def _scanned_ledger(cache_dir: str | Path, key: str, params: Params,
                    progress: Callable[[str], None] | None) -> Ledger:
    """The validated full ledger (day grain) of ``key``: from the run cache when this data was scanned
    before with the same reading rules, else scanned now (stored by :func:`_store_ledger` while the regions
    build).

    Analysts rerun the pack many times while tuning analysis params (tiers, k, thresholds): those change
    the workbooks, not the ledger, so a rerun loads the stored ledger instead of scanning the files again.
    ``key`` (:func:`kamlib.io.ledger_key`) covers the files' size and modification time, the reading rules,
    the period cutoff and the io version, so any change to the data makes a fresh scan.
    """
    from .io import load_full_ledger

    path = _ledger_file(cache_dir, key)
    if path.exists():
        try:
            stored = _read_ledger_file(path)
            if stored.get("key") == key:
                if progress:
                    progress(f"ledger {params.data.orders.name} unchanged since it was last scanned: "
                             "using the stored scan")
                return stored["ledger"]
        except (OSError, EOFError, ValueError, pickle.UnpicklingError, AttributeError, ImportError):
            pass   # an unreadable or outdated cache file (pyarrow's errors are ValueErrors): scan again
    if progress:
        progress(f"scanning ledger {params.data.orders.name}")
    return load_full_ledger(params, grain="day")


def _store_ledger(full: Ledger, cache_dir: str | Path, key: str) -> None:
    """Write the scanned ledger to the run cache (atomic), for reruns and for the rows stored workbooks
    leave out."""
    path = _ledger_file(cache_dir, key)
    if path.exists():
        return   # the stored scan was reused
    import pyarrow as pa

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with pa.output_stream(str(tmp), compression="lz4") as fh:   # streamed: no second copy in memory
        pickle.dump({"key": key, "ledger": full}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


#: state handed to forked build processes (set just before the pool starts; see _build_regions)
_FORK_STATE: dict = {}


def _build_one(i: int) -> tuple[str, str]:
    """Build and store the workbook of region ``i`` of the forked state (runs in a child process)."""
    from threadpoolctl import threadpool_limits

    from .io import filter_ledger

    p = _FORK_STATE["params"][i]
    with threadpool_limits(1):   # the other build processes have the other cores
        path = save_workbook(build_workbook(p, filter_ledger(_FORK_STATE["full"], p)), _FORK_STATE["cache_dir"],
                             _FORK_STATE["key"])
    return p.region, str(path)


def _build_regions(full: Ledger, key: str, stale: list[Params], cache_dir: str | Path, workers: int,
                   progress: Callable[[str], None] | None) -> dict[str, Path]:
    """Build and store the workbooks of ``stale`` regions, in ``workers`` processes when there are several.

    The processes are forked, so they share the scanned ledger (copy-on-write) instead of pickling it to
    each of them; where fork is unavailable (Windows, macOS) the regions are built one after another.
    """
    import multiprocessing as mp

    from .io import filter_ledger

    out: dict[str, Path] = {}
    workers = min(workers, len(stale))
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        _store_ledger(full, cache_dir, key)
        for p in stale:
            if progress:
                progress(f"preparing customer frame for {p.region}")
            out[p.region] = save_workbook(build_workbook(p, filter_ledger(full, p)), cache_dir, key)
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if progress:
        progress(f"preparing customer frames for {len(stale)} regions in {workers} processes")
    _FORK_STATE.update(full=full, key=key, params=stale, cache_dir=cache_dir)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_build_one, i) for i in range(len(stale))]
            # this process is idle while the regions build: store the scanned ledger meanwhile (~3 s at 10M
            # lines). Forked before it, the builds do not wait for it; they only read the shared ledger
            _store_ledger(full, cache_dir, key)
            for fut in as_completed(futures):
                region, path = fut.result()   # a build error propagates as in the sequential path
                out[region] = Path(path)
                if progress:
                    progress(f"customer frame ready for {region}")
    finally:
        _FORK_STATE.clear()
    return {p.region: out[p.region] for p in stale}


def prepare_run_cache(params_list: Iterable[Params], cache_dir: str | Path,
                      progress: Callable[[str], None] | None = None, workers: int = 1) -> dict[str, Path]:
    """Scan each distinct ledger once and store every region's workbook in ``cache_dir``.

    Regions that share data files and reading rules share one scan; each region is then a subset of the
    validated full ledger. The scanned ledger is stored too (``ledger-<key>.pkl.lz4``), so a rerun with other
    analysis params but the same data does not scan again; stored ledgers of data no longer used by this
    run are removed. With ``workers`` > 1 the regions' customer frames are built in that many processes.
    Returns region -> cache file. Errors propagate (the batch reports them per job).

    Parameters
    ----------
    params_list : iterable of Params
        One per region.
    cache_dir : str or Path
        The run-cache folder.
    progress : callable, optional
        Called with a short message at each step (ledger read, region built).
    workers : int
        Processes building the regions' workbooks.

    Returns
    -------
    dict of str to Path
        Region id -> cache file.

    Raises
    ------
    KamlibError
        Params or data errors of a region (e.g. :class:`DataError` when its ledger fails validation).
    """
    from .io import ledger_key

    by_source: dict[str, list[Params]] = {}
    for p in params_list:
        by_source.setdefault(ledger_key(p), []).append(p)
    out: dict[str, Path] = {}
    for key, group in by_source.items():
        stale = []
        for p in group:
            if _is_current(cache_dir, p):
                out[p.region] = _cache_file(cache_dir, p)
            else:
                stale.append(p)
        if not stale:  # every region of this ledger is current: no scan at all
            continue
        full = _scanned_ledger(cache_dir, key, stale[0], progress)
        out.update(_build_regions(full, key, stale, cache_dir, workers, progress))
    for old in Path(cache_dir).glob("ledger-*"):   # scans of data no longer used, and older formats
        old_key = old.name[len("ledger-"):-len(LEDGER_SUFFIX)] if old.name.endswith(LEDGER_SUFFIX) else None
        if old_key not in by_source:
            old.unlink(missing_ok=True)
    return out
