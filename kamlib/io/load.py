"""The public readers: :func:`load_full_ledger` (every table of ``params.data``, validated once),
:func:`filter_ledger` (one region), :func:`load_ledger` (both, with an in-process memo) and
:func:`ledger_key` (what a stored ledger depends on)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import validation as V
from ..errors import DataError, KamlibError
from ..ledger import CUSTOMER_ATTRIBUTES, TABLES, DataQualityReport, Exclusion, Ledger, isin_mask
from ..params import Params
from ..parents import parent_problems
from . import accounts
from ._sql import connect
from .files import _where
from .mapping import _extra_items
from .read import _read
from .scan import GRAINS, _Scan, _scan_table

#: bump when reading, checking or reducing the tables, or the stored scan's format, changes, so that stored
#: scans (ledger-<key>.pkl.lz4 in a run cache) and cached workbooks are rebuilt
IO_VERSION = "6"


# ------------------------------------------------------------------------------------------ derivations

def _derive(tables: dict[str, pd.DataFrame], notes: list) -> None:
    """Invoices' paid_amount and the survey wave, when absent (orders derive theirs inside the scan)."""
    inv = tables.get("invoices")
    if inv is not None and "paid_date" in inv:
        paid = inv["paid_date"].notna()
        amount = inv["amount"]
        if "paid_amount" not in inv:
            inv = inv.assign(paid_amount=amount.where(paid, 0.0))
            notes.append("invoices: paid_amount derived (amount when paid_date is set, else 0)")
        else:
            inv = inv.assign(paid_amount=inv["paid_amount"].fillna(amount.where(paid, 0.0)))
        tables["invoices"] = inv
    s = tables.get("surveys")
    if s is not None and "wave" not in s and "survey_date" in s:
        d = s["survey_date"]
        wave = d.dt.year.astype("Int64").astype("string") + "H" + np.where(d.dt.month <= 6, "1", "2")
        tables["surveys"] = s.assign(wave=wave.where(d.notna()).astype(V.STRING_DTYPE))
        notes.append("surveys: wave derived from the survey date (year + H1/H2)")


def _derive_customers(attributes: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Customers from the kept order lines (``attributes``: one row per account with the customer attributes
    carried on its lines, most frequent value, e.g. a retail export's Country) plus ids seen on invoices /
    surveys."""
    cust = attributes
    attrs = [a for a in CUSTOMER_ATTRIBUTES if a in cust.columns]
    extra = []
    for t in ("invoices", "surveys"):
        df = tables.get(t)
        if df is not None and "customer_id" in df:
            extra.append(df["customer_id"].dropna())
    if extra:
        more = pd.concat(extra).drop_duplicates()
        more = more[~isin_mask(more, cust["customer_id"])]   # pandas' isin on Arrow strings loops in Python
        if len(more):
            cust = pd.concat([cust, pd.DataFrame({"customer_id": more.astype(V.STRING_DTYPE)})], ignore_index=True)
    cust = cust.sort_values("customer_id", kind="stable").reset_index(drop=True)
    for a in attrs:
        cust[a] = cust[a].astype(V.STRING_DTYPE)
    return cust


# ------------------------------------------------------------------------------------------ keys

def _fingerprint(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]


def _table_paths(params: Params) -> dict[str, Path]:
    return {t: Path(getattr(params.data, t)) for t in TABLES if getattr(params.data, t, None) is not None}


def period_cutoff(params: Params) -> dt.date:
    """The date after which rows are 'future' rows: params.as_of, or today when it is not set.

    Parameters
    ----------
    params : Params

    Returns
    -------
    datetime.date
    """
    return params.as_of or dt.date.today()


def ledger_key(params: Params) -> str:
    """Fingerprint of everything the full (unfiltered) ledger depends on.

    Covers the data section, the column mapping, the rules, the survey constructs, the period cutoff and
    each file's path, size and modification time (not the filter: regions that share data and reading rules
    share one key, so a batch reads each distinct ledger once).

    Parameters
    ----------
    params : Params

    Returns
    -------
    str
        A hex digest.
    """
    files: dict[str, list] = {}
    for t, p in _table_paths(params).items():
        try:
            st = p.stat()
            files[t] = [str(p.resolve()), st.st_size, st.st_mtime_ns]
        except OSError:
            files[t] = [str(p), None, None]
    payload = {
        "io": IO_VERSION,
        "data": params.data.model_dump(mode="json"),
        "columns": params.columns,
        "rules": params.rules.model_dump(mode="json"),
        "constructs": params.satisfaction.constructs,
        "cutoff": period_cutoff(params).isoformat(),
        "files": files,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:20]


# ------------------------------------------------------------------------------------------ the full ledger

@dataclass
class _Loading:
    """What loading the tables gathers before the ledger is assembled."""

    params: Params
    paths: dict[str, Path]
    cutoff: dt.date
    problems: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kept: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    exclusions: list[Exclusion] = field(default_factory=list)
    items: tuple[str, ...] = ()
    scans: dict[str, _Scan] = field(default_factory=dict)

    @property
    def customers_given(self) -> bool:
        return "customers" in self.kept


def load_full_ledger(params: Params, grain: str = "line") -> Ledger:
    """Read, map, type and validate every table of ``params.data`` (all regions: no filter).

    Parameters
    ----------
    params : Params
        Validated params (:func:`kamlib.params.load_params`).
    grain : {"line", "day"}, default "line"
        Grain of ``Ledger.orders``: one row per kept order line (every canonical column), or one row per
        account and order date (``customer_id``, ``order_date``, ``revenue``, ``gross_profit``,
        ``n_orders`` = distinct order ids, ``n_lines``). Every analysis gives the same result on both; the
        day grain is what ``kam run`` uses, since it is several times smaller and is reduced inside the
        scan (a ledger larger than memory still loads). Validation and data-quality counts are identical.

    Returns
    -------
    Ledger
        Canonical tables, ``quality`` (rows read / excluded by rule / kept per table, notes, flags),
        ``sources`` (path, fingerprint, rows, format, encoding per table) and ``survey_items``.

    Raises
    ------
    DataError
        Listing every hard problem of every table at once (``.problems``: table, column, check, rows,
        examples, fix).
    """
    if grain not in GRAINS:
        raise KamlibError(f"load_full_ledger: grain must be one of {GRAINS}, got {grain!r}")
    st = _Loading(params, _table_paths(params), period_cutoff(params))
    con = connect()
    try:
        # the small tables in pandas (pandera contracts), then the large ones (orders, invoices) checked
        # inside the DuckDB scan, against the customers kept
        _load_small_tables(con, st)
        _scan_large_tables(con, st, grain)
    finally:
        con.close()
    _merge_scans(st)
    _source_notes(st)
    order = {t: i for i, t in enumerate(TABLES)}
    st.problems.sort(key=lambda p: order.get(p["table"], len(order)))   # table order; stable within a table
    where = _where(params)
    V.raise_problems(st.problems, where)
    if "orders" not in st.kept:   # orders absent without a problem cannot happen (params requires it)
        raise DataError(f"{where}: no orders table was loaded", [])
    return _assemble(st, grain)


def _load_small_tables(con, st: _Loading) -> None:
    """Read the tables checked in pandas, apply their soft rules and check their contracts."""
    tables: dict[str, pd.DataFrame] = {}
    for table, path in st.paths.items():
        if table in V.SQL_TABLES:
            continue
        res = _read(con, table, path, st.params, st.problems, st.notes)
        if res.frame is None:
            continue
        tables[table] = res.frame
        st.rows_read[table] = res.rows
        st.sources[table] = {"path": str(path), "fingerprint": _fingerprint(path), "rows": res.rows,
                             "format": res.fmt, "encoding": res.encoding, "unused": res.unused}
    _derive(tables, st.notes)
    st.kept, st.exclusions = V.apply_soft_rules(tables, st.params.rules, st.cutoff, st.problems)
    for table, df in st.kept.items():
        if len(df) == 0 and st.rows_read.get(table):
            rules = ", ".join(f"{e.rule} {e.rows:,}" for e in st.exclusions if e.table == table)
            st.problems.append(V.problem(table, None, "all_excluded", st.rows_read[table], (),
                                         f"all {st.rows_read[table]:,} rows were excluded ({rules})",
                                         path=st.sources[table]["path"]))
    st.items = tuple(it for it in _extra_items("surveys", st.params)
                     if "surveys" in st.kept and it in st.kept["surveys"])
    st.problems += V.check_tables(st.kept, st.items, customers_given=st.customers_given,
                                  negative_revenue=st.params.rules.negative_revenue,
                                  paths={t: s["path"] for t, s in st.sources.items()})


def _scan_large_tables(con, st: _Loading, grain: str) -> None:
    """Scan orders and invoices inside DuckDB; nothing is fetched once any table has a hard problem."""
    known = st.kept["customers"]["customer_id"] if st.customers_given else None
    merge = st.params.data.merge_ids
    if known is not None and merge:   # an alias of a known account is known too (merged after the scan)
        ids = set(known.dropna().astype(str))
        extra = [a for a, b in merge.items() if str(b) in ids and str(a) not in ids]
        known = pd.concat([known, pd.Series(extra, dtype=V.STRING_DTYPE)], ignore_index=True)
    for table in V.SQL_TABLES:
        if table in st.paths:
            mine: list[dict] = []
            st.scans[table] = _scan_table(con, table, st.paths[table], st.params, st.cutoff, known, grain, mine,
                                          st.notes, fetch=not st.problems)
            st.problems += mine


def _merge_scans(st: _Loading) -> None:
    """The scanned tables' rows, sources and exclusions (scans' exclusions first, invoices before orders')."""
    for table, scan in st.scans.items():
        if scan.rows:
            path = st.paths[table]
            st.rows_read[table] = scan.rows
            st.sources[table] = {"path": str(path), "fingerprint": _fingerprint(path), "rows": scan.rows,
                                 "format": scan.fmt, "encoding": scan.encoding, "unused": scan.unused}
            st.exclusions = scan.exclusions + st.exclusions
            if scan.frame is not None:
                st.kept[table] = scan.frame


def _source_notes(st: _Loading) -> None:
    """Notes on the encodings read and the columns not used, in table order (drops ``unused`` from sources)."""
    for table in TABLES:
        src = st.sources.get(table)
        if src is None:
            continue
        unused = src.pop("unused", None)
        if unused is None:
            continue
        if src["encoding"] and src["encoding"] not in ("utf-8",):
            st.notes.append(f"{table}: read as {src['encoding']}")
        if unused:
            st.notes.append(f"{table}: columns not used: {', '.join(unused)}")


def _assemble(st: _Loading, grain: str) -> Ledger:
    """The validated Ledger: derived columns and customers, notes, unpaid-invoice flags, quality report."""
    notes = st.notes
    _derive(st.kept, notes)   # invoices: paid_amount
    kept = {t: st.kept[t] for t in TABLES if t in st.kept}
    if not st.customers_given:
        kept["customers"] = _derive_customers(st.scans["orders"].attributes, kept)
        notes.append(f"customers: derived from orders ({len(kept['customers']):,} accounts"
                     + (f"; attributes {', '.join(a for a in CUSTOMER_ATTRIBUTES if a in kept['customers'])}"
                        " taken from the order lines" if kept["customers"].shape[1] > 1 else "") + ")")
    missing_items = [it for it in _extra_items("surveys", st.params) if it not in st.items]
    if "surveys" in kept and missing_items:
        notes.append(f"surveys: items named in satisfaction.constructs but not in the file: "
                     f"{', '.join(missing_items)}")
    scan = st.scans.get("orders")
    mix = {"product_mix": scan.product_mix} if scan is not None and scan.product_mix is not None else {}
    notes += accounts.merge_ids(kept, st.params.data.merge_ids, grain, mix)
    cust_path = st.sources.get("customers", {}).get("path")
    problems, parent_flags = parent_problems(kept["customers"], cust_path)
    V.raise_problems(problems, _where(st.params))
    quality = DataQualityReport(
        rows_read=st.rows_read,
        rows_kept={t: (st.scans[t].kept if t in st.scans else len(df)) for t, df in kept.items()
                   if t in st.rows_read},
        exclusions=V.merge_exclusions(st.exclusions),
        notes=tuple(notes),
        flags=_unpaid_flags(kept.get("invoices")) + parent_flags + accounts.likely_duplicates(kept["customers"]),
    )
    out = {t: df.reset_index(drop=True) for t, df in kept.items()}
    return Ledger(orders=out["orders"], customers=out["customers"], invoices=out.get("invoices"),
                  surveys=out.get("surveys"), quality=quality, sources=st.sources, survey_items=st.items,
                  grain=grain, interactions=out.get("interactions"), opportunities=out.get("opportunities"),
                  targets=out.get("targets"), product_mix=mix.get("product_mix"))


def _unpaid_flags(inv: pd.DataFrame | None) -> tuple[Exclusion, ...]:
    """The invoices kept without a paid_date (outstanding at the period end), flagged, not excluded."""
    if inv is None or "paid_date" not in inv:
        return ()
    unpaid = inv["paid_date"].isna().to_numpy()
    if not unpaid.any():
        return ()
    return (Exclusion("invoices", "unpaid", int(unpaid.sum()),
                      "kept: no paid_date yet (outstanding at the period end)",
                      amount=float(inv["amount"].to_numpy()[unpaid].sum()),
                      examples=V.row_examples(inv.index[unpaid], inv["invoice_id"][unpaid], 3)),)


# ------------------------------------------------------------------------------------------ regions

def filter_ledger(full: Ledger, params: Params) -> Ledger:
    """Restrict a full ledger to the customers matching ``params.filter`` (attribute -> allowed values).

    Parameters
    ----------
    full : Ledger
        The unfiltered ledger (:func:`load_full_ledger`).
    params : Params
        The region's params (``filter``).

    Returns
    -------
    Ledger
        ``full`` itself without a filter, else the matching customers and their orders, invoices and surveys.

    Raises
    ------
    DataError
        When a filter column is not a customer attribute, or no customer matches; the message names the
        params file, the values present and how to fix it.
    """
    if not params.filter:
        return full
    where = _where(params)
    cust = full.customers
    mask = np.ones(len(cust), dtype=bool)
    problems = []
    for col, values in params.filter.items():
        if col not in cust:
            problems.append(V.problem(
                "customers", col, "unknown_filter_column", 0, (),
                f"filter.{col} in {where}: customers has no column {col!r}; filterable columns: "
                f"{', '.join(c for c in cust.columns)}",
                fix=f"filter on one of those columns, or map your export's column onto {col!r} under columns: "
                    f"(customers, or orders when customers is derived from the order lines)"))
            continue
        vals = [str(v) for v in values]
        m = cust[col].astype(V.STRING_DTYPE).isin(vals).to_numpy(dtype=bool)
        if not m.any():
            present = cust[col].astype(V.STRING_DTYPE).value_counts().head(20)
            problems.append(V.problem(
                "customers", col, "no_matching_customer", 0, (),
                f"filter.{col}: {vals} in {where} matches no customer; values present: "
                + ", ".join(f"{k} ({v:,})" for k, v in present.items()),
                fix=f"use one of the values present (exact spelling) under filter.{col} in {where}"))
        mask &= m
    V.raise_problems(problems, where)
    if not mask.any():
        raise DataError(f"{where}: the filter {params.filter} matches no customer (each value exists, but not "
                        "together). Fix: relax the filter.",
                        [V.problem("customers", ",".join(params.filter), "no_matching_customer", 0, (),
                                   f"{params.filter} matches no customer", fix="relax the filter")])
    return full.subset(cust.loc[mask, "customer_id"])


def load_ledger(params: Params, cache: dict | None = None, grain: str = "line") -> Ledger:
    """The validated ledger of one region: :func:`filter_ledger` of :func:`load_full_ledger`.

    Parameters
    ----------
    params : Params
    cache : dict, optional
        In-process memo ``{(ledger_key, grain): full Ledger}``; regions sharing data are then read once.
    grain : {"line", "day"}
        Grain of ``orders`` (see :func:`load_full_ledger`).

    Returns
    -------
    Ledger
        The region's tables, exclusions and data-quality report.

    Raises
    ------
    DataError
        Listing every hard problem of the files (see :mod:`kamlib.validation`).
    """
    if cache is None:
        return filter_ledger(load_full_ledger(params, grain), params)
    key = (ledger_key(params), grain)
    if key not in cache:
        cache[key] = load_full_ledger(params, grain)
    return filter_ledger(cache[key], params)
