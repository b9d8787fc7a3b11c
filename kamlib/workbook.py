"""Per-region orchestration: from a params file to the customer frame every notebook starts from.

A :class:`Workbook` bundles, for one region / business unit, the validated ledger subset, the period end,
and the customer-level frame (value indicators, scorecard score and tier, segment, churn status and
account-level satisfaction) together with the fitted scorecard and segmentation results, so that each
notebook displays them instead of recomputing them.

Run cache
---------
``kam run`` scans the ledger once per run (:func:`prepare_run_cache`): the full ledger is read and validated
once per distinct data source (at day grain), each region's subset is prepared, and the region's workbook is
stored as a pickle in the run-cache folder, keyed by a fingerprint of its params, the data files and the
kamlib version, with a JSON summary (headline KPIs) beside it. The workbook also holds the results of the
analyses that read order and invoice rows (tier migration, group roll-up, churn threshold sensitivity), so
the stored workbook leaves those rows out: they are loaded from the stored scan if code touches
``wb.ledger.orders`` or ``wb.ledger.invoices`` (:meth:`kamlib.ledger.Ledger.deferring`). The scanned ledger
is stored too, keyed by :func:`kamlib.io.ledger_key`, so a rerun with other analysis params but the same
data does not scan again.
With several workers the regions' workbooks are built in forked processes.
Notebooks call :func:`open_workbook` with that folder (papermill parameter ``run_cache``) and get the cached
workbook; outside a batch run (``run_cache=None``), or when the key does not match, it is built directly.
The cache is a local, self-produced artefact (pickle is not for untrusted files).
"""
from __future__ import annotations

import hashlib
import json
import pickle
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from . import __version__
from .errors import AnalysisError, KamlibError, KamlibWarning
from .ledger import Ledger
from .params import Params, load_params


@dataclass(frozen=True)
class Workbook:
    """Everything the notebooks of one region start from (see module docstring)."""

    params: Params
    ledger: Ledger
    as_of: pd.Timestamp
    customers: pd.DataFrame
    scorecard: Any = None
    segmentation: Any = None
    churn: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()
    #: group-level indicators (``value.group_indicators``) when ``params.value.group_rollup`` is on
    groups: pd.DataFrame | None = None
    #: tier migration against the previous period (``value.dynamic_identification``)
    migration: Any = None
    #: churn rate by inactivity threshold (``survival.threshold_sensitivity``)
    sensitivity: Any = None
    #: analysis -> why it could not run ("groups", "migration"); the notebooks show the reason
    unavailable: dict = field(default_factory=dict)
    #: set when the workbook was loaded from a run cache
    cache_file: str | None = field(default=None, compare=False)

    @property
    def lang(self) -> str:
        return self.params.language

    @property
    def title(self) -> str:
        return self.params.label

    def __repr__(self) -> str:
        return (f"Workbook(region={self.params.region!r}, as_of={self.as_of.date()}, "
                f"customers={len(self.customers)}, order_lines={self.ledger.order_lines})")


def period_end(params: Params, ledger: Ledger) -> pd.Timestamp:
    """The analysis date: ``params.as_of`` or, by default, the last order date in the ledger."""
    if params.as_of is not None:
        return pd.Timestamp(params.as_of)
    return pd.Timestamp(ledger.orders["order_date"].max()).normalize()


def build_workbook(params: Params, ledger: Ledger) -> Workbook:
    """Compute the customer frame for one region (pure: no disk access).

    Soft problems (a segmentation that cannot run on a tiny book, statistical warnings) are collected in
    ``Workbook.warnings`` so the reports can show them; they never abort the build.
    """
    from . import satisfaction, segmentation, survival, value

    as_of = period_end(params, ledger)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KamlibWarning)
        vs = params.value
        ind = value.customer_indicators(ledger, as_of, growth_periods=vs.growth_periods)
        sc = value.scorecard(ind, weights=vs.weights, method=vs.scorecard_method, indicators_used=vs.indicators)
        frame = ind.copy()
        frame["score"] = sc.scores
        frame["tier"] = value.assign_tiers(ind, sc.scores, rule=vs.tier_rule, quantiles=vs.tier_quantiles)

        seg = None
        ss = params.segmentation
        try:
            feats = segmentation.build_features(ind, ss.features, ss.categorical)
            seg = segmentation.segment(feats, k=ss.k, k_range=(ss.k_min, ss.k_max), method=ss.method,
                                       random_state=params.random_state, n_bootstrap=ss.n_bootstrap,
                                       silhouette_sample=ss.silhouette_sample, lang=params.language,
                                       k_rule=ss.k_rule, feature_weights=ss.feature_weights,
                                       categorical=ss.categorical, categorical_weight=ss.categorical_weight,
                                       context=ind)
            frame["segment"] = seg.labels
            frame["segment_name"] = seg.labels.map(seg.names)
        except AnalysisError as e:
            notes.append(str(e))
            frame["segment"] = pd.NA
            frame["segment_name"] = pd.NA

        churn = survival.churn_durations(ledger, as_of, params.survival.inactivity_days,
                                         definition=params.survival.definition,
                                         window_start=params.survival.window_start)
        frame = frame.join(churn[["duration_days", "churned"]], how="left")

        if ledger.surveys is not None and len(ledger.surveys):
            sat = satisfaction.account_satisfaction(ledger.surveys, params.satisfaction)
            frame = frame.join(sat.add_prefix("sat_"), how="left")
    notes.extend(str(w.message) for w in caught if issubclass(w.category, KamlibWarning))

    # the analyses that read the order and invoice rows run here too, so that the notebooks only display
    # results: a stored workbook then leaves those rows out (see save_workbook). Their soft warnings are
    # the notebooks' business (on each result), as when the notebooks computed them.
    unavailable: dict[str, str] = {}
    groups = migration = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KamlibWarning)
        rollup = vs.group_rollup
        if rollup == "auto":   # on when any account has a parent
            rollup = "parent_id" in ledger.customers and bool(ledger.customers["parent_id"].notna().any())
        if rollup:
            try:
                groups = value.group_indicators(ledger, as_of, growth_periods=vs.growth_periods)
            except KamlibError as e:
                unavailable["groups"] = str(e)
        try:
            migration = value.dynamic_identification(ledger, as_of, vs, current_tiers=frame["tier"],
                                                     weights=sc.weights, current_indicators=ind)
        except AnalysisError as e:   # e.g. the ledger does not reach back one period
            unavailable["migration"] = str(e)
        sv = params.survival   # the same observation window as the churn clock above
        sensitivity = survival.threshold_sensitivity(ledger, as_of, sv.sensitivity_days,
                                                     chosen=sv.inactivity_days, window_start=sv.window_start)
    return Workbook(params=params, ledger=ledger, as_of=as_of, customers=frame, scorecard=sc,
                    segmentation=seg, churn=churn, warnings=tuple(dict.fromkeys(notes)), groups=groups,
                    migration=migration, sensitivity=sensitivity, unavailable=unavailable)


# ------------------------------------------------------------------------------------------- run cache

def workbook_key(params: Params) -> str:
    """Fingerprint of everything a region's workbook depends on: params, data files, kamlib version."""
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
        in :func:`build_workbook`, so for a 10M-line ledger each of them no longer reads hundreds of
        megabytes it does not use. Without it the rows are stored in the workbook.
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
    from .report import summary_sentences

    summary_file = path.with_suffix(".json")
    summary_file.unlink(missing_ok=True)
    try:
        summary = {"key": key, "kpis": headline_kpis(wb), "sources": dict(wb.ledger.sources or {}),
                   "as_of": wb.as_of.date().isoformat(), "sentences": summary_sentences(mask_workbook(wb))}
        summary_file.write_text(json.dumps(summary, ensure_ascii=False, default=str), encoding="utf-8")
    except Exception:  # noqa: BLE001 - KPIs are decoration: without a summary the batch opens the workbook
        pass           # itself and reports a KPI failure there, without failing the region's analyses
    # the key beside the pickle lets a rerun see that a region is current without unpickling it (written
    # last: a region whose key is current has its pickle and summary)
    path.with_suffix(".key").write_text(key, encoding="utf-8")
    return path


def workbook_summary(params: Params, cache_dir: str | Path) -> dict | None:
    """Headline KPIs, data sources, data date and executive-summary sentences of a region's current cached
    workbook (None when the region is not current in ``cache_dir``), read from the summary written beside it."""
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


def open_workbook(params_file: str | Path | Params, run_cache: str | Path | None = None,
                  distribute: bool = False) -> Workbook:
    """The workbook of one region: from the run cache when it is current, else built from the ledger.

    Parameters
    ----------
    params_file : path or Params
        The region's params file (the papermill parameter of every notebook).
    run_cache : path, optional
        Run-cache folder written by ``kam run`` (:func:`prepare_run_cache`).
    distribute : bool, default False
        True for reports that leave the analyst's desk (``kam run`` sets it): personal data is masked as
        ``params.report`` says (:func:`mask_workbook`). Analysts' own runs see unmasked data.
    """
    from .io import load_ledger

    params = params_file if isinstance(params_file, Params) else load_params(params_file)
    wb = None
    if run_cache:
        path = _cache_file(run_cache, params)
        if path.exists():
            with open(path, "rb") as fh:
                stored = pickle.load(fh)
            if stored.get("key") == workbook_key(params):
                wb = stored["workbook"]
                wb = Workbook(**{**wb.__dict__, "params": params, "cache_file": str(path)})
    if wb is None:
        # the workbook needs no order lines: the day grain is reduced inside the scan (smaller, faster)
        wb = build_workbook(params, load_ledger(params, grain="day"))
    return mask_workbook(wb) if distribute else wb


def mask_workbook(wb: Workbook) -> Workbook:
    """The workbook with personal data masked per ``params.report`` (mask_pii, mask_names).

    Masking happens after the analyses ran, so masked and unmasked reports show the same numbers.
    """
    from dataclasses import replace

    from .privacy import mask_frame, pii_columns

    rs = wb.params.report
    if not rs.mask_pii and not rs.mask_names:
        return wb
    cust_cols = pii_columns("customers", rs.mask_names) if rs.mask_pii else ("name",)
    survey_cols = pii_columns("surveys") if rs.mask_pii else ()
    ledger = wb.ledger.with_tables(customers=mask_frame(wb.ledger.customers, cust_cols),
                                   surveys=mask_frame(wb.ledger.surveys, survey_cols))
    return replace(wb, ledger=ledger, customers=mask_frame(wb.customers, cust_cols))


#: suffix of the stored scanned ledger: a pickle in an LZ4 frame stream (pyarrow). At 10M lines it is 327 MiB
#: instead of 811 MiB, written in 1.3 s of CPU instead of 3.6 s of kernel copying (while the regions build,
#: on the same two cores), and read back as fast (1.7 vs 1.9 s)
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
        key = old.name[len("ledger-"):-len(LEDGER_SUFFIX)] if old.name.endswith(LEDGER_SUFFIX) else None
        if key not in by_source:
            old.unlink(missing_ok=True)
    return out


def headline_kpis(wb: Workbook) -> dict:
    """Headline numbers for the report index: accounts, revenue, core accounts, churn rate, NPS."""
    from . import satisfaction

    c = wb.customers
    kpis = {
        "region": wb.params.region,
        "title": wb.title,
        "language": wb.lang,
        "as_of": wb.as_of.date().isoformat(),
        "accounts": int(len(c)),
        "revenue": float(c["revenue"].sum()) if "revenue" in c else None,
        "core_accounts": int((c["tier"] == "core").sum()) if "tier" in c else None,
        "churn_rate": None,
        "nps": None,
    }
    if wb.churn is not None and len(wb.churn):
        kpis["churn_rate"] = float(wb.churn["churned"].mean())
    s = wb.ledger.surveys
    if s is not None and wb.params.satisfaction.nps in s and s[wb.params.satisfaction.nps].notna().any():
        # the same aggregation (account-level by default) as the satisfaction report, so the index agrees
        res = satisfaction.headline(s, wb.params.satisfaction).table
        if "nps" in res.index and bool(res.loc["nps", "estimable"]):
            kpis["nps"] = float(res.loc["nps", "estimate"])
    return kpis
