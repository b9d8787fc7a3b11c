"""Seeded demo ledger with planted ground truth (``kam demo``).

:func:`build_demo` simulates a Chinese B2B key-account ledger (orders, customers, invoices, surveys) in the
canonical column names of :mod:`kamlib.ledger`, together with the *truth* that generated it, so every
analysis in the workbook can be checked against known answers:

* **segments** - four planted account segments (``strategic``, ``growth``, ``transactional``,
  ``slow_payer``) with clearly different revenue, margin, order count, recency, growth and days-to-pay;
* **churn** - a contractual churn hazard (Weibull in time since ``first_contract_date``) with true hazard
  ratios late payer 2.0, dissatisfied 2.5, large (大型) 0.5, observed with left truncation at the start of
  the order window;
* **drivers** - each survey response's ``overall`` follows an ordinal logit on the seven Likert items with
  known coefficients (``q_service_response`` strongest);
* **soft data problems** - returns (negative quantity and revenue) and zero-price lines, counted in
  ``truth["planted_problems"]`` so the exclusion rules can be checked.

Everything is vectorised numpy driven by one :class:`numpy.random.Generator`, so the same ``seed`` gives
identical tables, and 100,000 customers (about 10 million order lines) build in a few minutes.
See ``docs/demo.md`` for a description of the planted truth.

One concern per module: :mod:`.constants` (generating parameters), :mod:`.accounts`, :mod:`.orders`,
:mod:`.invoices`, :mod:`.surveys` (the four tables), :mod:`.names` (fake names), :mod:`.truth` (``truth.json``).
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import KamlibError
from ._columns import _days
from .accounts import _customers, _draw_accounts
from .constants import (
    BUSINESS_UNITS,
    DRIVERS,
    HAZARD_RATIOS,
    INDUSTRIES,
    LIKERT_ITEMS,
    REGIONS,
    SEGMENTS,
    SIZE_BANDS,
    WAVES,
)
from .invoices import _invoices
from .management import management_tables
from .orders import _orders, _orders_frame
from .surveys import _surveys
from .truth import _truth

__all__ = ["Demo", "build_demo", "write_demo", "add_arguments", "cli",
           "SEGMENTS", "REGIONS", "BUSINESS_UNITS", "INDUSTRIES", "SIZE_BANDS", "LIKERT_ITEMS", "WAVES",
           "HAZARD_RATIOS", "DRIVERS"]


@dataclass(frozen=True, eq=False)
class Demo:
    """The demo ledger and the ground truth that generated it.

    Attributes
    ----------
    tables : dict of str to DataFrame
        ``orders``, ``customers``, ``invoices``, ``surveys`` in canonical column names and dtypes
        (:mod:`kamlib.ledger`).
    truth : dict
        Planted truth, JSON-serialisable; keys documented in ``docs/CONTRACTS.md`` ("Demo ledger") and
        ``docs/demo.md``.
    """

    tables: dict = field(repr=False)
    truth: dict = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per table: rows, columns and date span."""
        date_col = {"orders": "order_date", "customers": "first_contract_date", "invoices": "invoice_date",
                    "surveys": "survey_date", "interactions": "interaction_date", "opportunities": "created_date"}
        rows = []
        for name, df in self.tables.items():
            d = df[date_col[name]] if name in date_col else pd.Series(dtype="datetime64[ns]")
            rows.append({"table": name, "rows": len(df), "columns": df.shape[1],
                         "first_date": d.min(), "last_date": d.max()})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """One-line description: customers, orders, revenue and its date span."""
        o = self.tables["orders"]
        return (f"{len(self.tables['customers']):,} customers, {o['order_id'].nunique():,} orders "
                f"({len(o):,} lines), revenue {o['revenue'].sum():,.0f} CNY from "
                f"{o['order_date'].min():%Y-%m-%d} to {o['order_date'].max():%Y-%m-%d}")

    def __repr__(self) -> str:
        return f"Demo({self.summary()}; seed={self.truth.get('seed')})"

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, escape=True)


# ------------------------------------------------------------------------------------------ public API

def _check_args(n_customers: int, seed: int, years: int) -> None:
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)) or n_customers < 20:
        raise KamlibError(f"build_demo: n_customers must be an int >= 20, got {n_customers!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise KamlibError(f"build_demo: seed must be a non-negative int, got {seed!r}")
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or not 2 <= years <= 10:
        raise KamlibError(f"build_demo: years must be an int in [2, 10] (the surveys need 2024H2 and 2025H2 "
                          f"inside the window), got {years!r}")


def _build(n_customers: int, seed: int, end, years: int,
           progress: Callable[[str], None] | None = None) -> Demo:
    _check_args(n_customers, seed, years)
    try:
        end_ts = pd.Timestamp(end).normalize()
    except (ValueError, TypeError) as e:
        raise KamlibError(f"build_demo: end must be a date such as '2025-12-31', got {end!r}") from e
    step = progress or (lambda _msg: None)
    n = int(n_customers)
    end_d = _days(end_ts)
    ws = _days(end_ts - pd.DateOffset(years=years) + pd.Timedelta(days=1))
    for w in WAVES:
        if not (ws <= _days(f"{w[:4]}-09-01") and _days(f"{w[:4]}-12-31") <= end_d):
            raise KamlibError(f"build_demo: the survey wave {w} (Sep-Nov {w[:4]}) must lie inside the order "
                              f"window; choose end on or after {w[:4]}-12-31 and years so that it starts "
                              f"before {w[:4]}-09-01.")
    rng = np.random.default_rng(seed)
    acc = _draw_accounts(rng, n, ws, end_d)
    customers, extra = _customers(rng, n, ws, end_d, acc)
    step("customers")
    cols, info = _orders(rng, n, ws, end_d, acc, extra)
    orders = _orders_frame(cols)
    info["n_rows"] = len(orders)
    del cols
    step("orders")
    invoices = _invoices(rng, n, end_d, acc, info, extra)
    step("invoices")
    surveys = _surveys(rng, n, end_d, acc, extra)
    step("surveys")
    truth = _truth(n, int(seed), end_d, ws, years, acc, extra, customers, info, invoices, surveys)
    # the account-management tables come last, from their own random stream: the tables above are unchanged
    management, customers, truth["management"] = management_tables(int(seed), acc, customers, orders, ws, end_d)
    truth["rows"].update(truth["management"]["rows"])
    step("truth")
    return Demo(tables={"orders": orders, "customers": customers, "invoices": invoices, "surveys": surveys,
                        **management}, truth=truth)


def build_demo(n_customers: int = 2000, seed: int = 0, end="2025-12-31", years: int = 3) -> Demo:
    """Simulate the demo KAM ledger and the ground truth that generated it.

    Parameters
    ----------
    n_customers : int, default 2000
        Accounts observed in the ledger (alive at the window start). About 100 order lines per account.
    seed : int, default 0
        Seed of the :class:`numpy.random.Generator`; the same seed gives identical tables.
    end : date-like, default "2025-12-31"
        Last day of the order window (``truth["as_of"]``).
    years : int, default 3
        Length of the order window; it starts at ``end - years + 1 day`` (``truth["window_start"]``).

    Returns
    -------
    Demo
        ``.tables`` (``orders``, ``customers``, ``invoices``, ``surveys`` in canonical columns and dtypes)
        and ``.truth`` (planted segments, hazard ratios, drivers, revenue concentration, planted problems).

    Raises
    ------
    KamlibError
        If an argument is out of range.

    Examples
    --------
    >>> demo = build_demo(n_customers=300, seed=1)
    >>> sorted(demo.tables)
    ['customers', 'interactions', 'invoices', 'opportunities', 'orders', 'surveys', 'targets']
    >>> demo.truth["hazard_ratios"]["dissatisfied"]
    2.5
    """
    return _build(n_customers, seed, end, years)


_FILES = ("orders", "customers", "invoices", "surveys", "interactions", "opportunities", "targets")


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        df.to_parquet(path, index=False)
        return
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(df, preserve_index=False)
    # dates as plain YYYY-MM-DD (what analysts' exports look like), not timestamps
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            table = table.set_column(i, f.name, pc.cast(table.column(i), pa.date32()))
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def _write(demo: Demo, out: Path, fmt: str, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    step = progress or (lambda _msg: None)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in _FILES:
        p = out / f"{name}.{fmt}"
        _write_table(demo.tables[name], p, fmt)
        paths[name] = p
        step(f"wrote {p.name}")
    p = out / "truth.json"
    p.write_text(json.dumps(demo.truth, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["truth"] = p
    step("wrote truth.json")
    return paths


def _check_fmt(fmt: str) -> None:
    if fmt not in ("csv", "parquet"):
        raise KamlibError(f"write_demo: fmt must be 'csv' or 'parquet', got {fmt!r}")


def write_demo(out, n_customers: int = 2000, seed: int = 0,
               fmt: Literal["csv", "parquet"] = "csv") -> dict[str, Path]:
    """Build the demo ledger and write it to the folder ``out``.

    Writes ``orders``, ``customers``, ``invoices``, ``surveys`` as ``.csv`` (UTF-8, Chinese values, dates
    as YYYY-MM-DD, empty cells for missing values) or ``.parquet``, plus ``truth.json`` (UTF-8, readable
    Chinese). The folder is created when missing; existing files are overwritten.

    Parameters
    ----------
    out : str or Path
        Destination folder.
    n_customers, seed
        As in :func:`build_demo`.
    fmt : {"csv", "parquet"}, default "csv"
        Table file format; use parquet for large ledgers (100,000 customers is about 10 million lines).

    Returns
    -------
    dict of str to Path
        ``{"orders": ..., "customers": ..., "invoices": ..., "surveys": ..., "truth": ...}``.
    """
    _check_fmt(fmt)
    return _write(build_demo(n_customers=n_customers, seed=seed), Path(out), fmt)


# ------------------------------------------------------------------------------------------ CLI

def add_arguments(parser) -> None:
    """Arguments of ``kam demo``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``kam demo`` subcommand parser; its arguments are added in place.
    """
    parser.add_argument("--out", default="data/demo", help="folder to write the ledger to (default: data/demo)")
    parser.add_argument("--customers", type=int, default=2000, help="number of accounts (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="csv",
                        help="table format (default: csv; use parquet for 100,000+ customers)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing demo ledger in --out")


def cli(args) -> int:
    """Run ``kam demo``: build the ledger, write it, print what was written and a one-line summary.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``kam demo`` arguments (see :func:`add_arguments`).

    Returns
    -------
    int
        0, also when an existing ledger was left in place (without ``--force``).

    Raises
    ------
    KamlibError
        If the format is not ``csv`` or ``parquet``.
    """
    out = Path(args.out)
    fmt = args.fmt
    _check_fmt(fmt)
    existing = [out / f"{t}.{fmt}" for t in _FILES if (out / f"{t}.{fmt}").exists()]
    if (out / "truth.json").exists():
        existing.append(out / "truth.json")
    if existing and not args.force:
        print(f"kam demo: a demo ledger already exists in {out} ({', '.join(p.name for p in existing)}); "
              "nothing written. Use --force to overwrite it.")
        return 0
    from tqdm import tqdm

    bar = tqdm(total=10, desc="kam demo", unit="step", file=sys.stderr, disable=args.customers < 20000)

    def step(msg: str) -> None:
        bar.set_postfix_str(msg)
        bar.update(1)

    try:
        demo = _build(args.customers, args.seed, "2025-12-31", 3, progress=step)
        paths = _write(demo, out, fmt, progress=step)
    finally:
        bar.close()
    for p in paths.values():
        print(f"wrote {p}")
    t = demo.truth
    print(f"demo ledger: {demo.summary()}; seed {t['seed']}; "
          f"{t['churn']['churned']:,} churned accounts; top 20% of accounts hold "
          f"{t['top20_revenue_share']:.0%} of revenue")
    return 0
