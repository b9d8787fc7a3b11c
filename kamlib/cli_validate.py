"""``kam validate``: load, map and validate the ledger of each params file and print its data-quality
summary (rows read, rows excluded by each rule, rows kept) and the region filter's result."""
from __future__ import annotations

from . import validation as V
from .errors import DataError, KamlibError, ParamsError
from .io import filter_ledger, ledger_key, load_full_ledger
from .ledger import DataQualityReport, Ledger

__all__ = ["format_quality", "add_arguments", "cli"]


def format_quality(quality: DataQualityReport, sources: dict | None = None) -> str:
    """The data-quality summary as plain text: per table rows read, each exclusion rule, rows kept.

    Parameters
    ----------
    quality : DataQualityReport
        The ledger's data-quality report.
    sources : dict, optional
        Per table, its source ``{"path": ..., "encoding": ...}`` (e.g. ``Ledger.sources``), named in the text.

    Returns
    -------
    str
        Indented lines, no trailing newline.
    """
    lines = []
    sources = sources or {}
    for table, n in quality.rows_read.items():
        src = sources.get(table, {})
        lines.append(f"  {table}: {n:,} rows read" + (f" from {src['path']}" if src.get("path") else "")
                     + (f" ({src['encoding']})" if src.get("encoding") else ""))
        for e in quality.exclusions:
            if e.table == table:
                amt = f", amount {e.amount:,.2f}" if e.amount else ""
                ex = f" (e.g. {', '.join(e.examples[:2])})" if e.examples else ""
                lines.append(f"    - excluded {e.rule}: {e.rows:,} rows{amt} - {e.description}{ex}")
        for f in quality.flags:
            if f.table == table:
                amt = f", amount {f.amount:,.2f}" if f.amount else ""
                ex = f" (e.g. {'; '.join(f.examples[:3])})" if f.examples else ""
                unit = "accounts" if f.table == "customers" else "rows"
                lines.append(f"    * flagged {f.rule}: {f.rows:,} {unit}{amt} - {f.description}{ex}")
        excl = sum(e.rows for e in quality.exclusions if e.table == table)
        lines.append(f"    = kept {quality.rows_kept.get(table, n):,} rows ({excl:,} excluded)")
    for t in quality.rows_kept:
        if t not in quality.rows_read:
            lines.append(f"  {t}: {quality.rows_kept[t]:,} rows derived")
    if quality.notes:
        lines.append("  notes:")
        lines += [f"    - {n}" for n in quality.notes]
    return "\n".join(lines)


def add_arguments(parser) -> None:
    """Arguments of ``kam validate``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``kam validate`` subcommand parser; arguments and epilog are set in place.
    """
    import argparse

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "For each params file: read every table named under data:, apply the columns: mapping, check the\n"
        "data contracts and the soft-exclusion rules, and print the data-quality summary (rows read,\n"
        "rows excluded by each rule with counts and amounts, rows kept) and the region filter's result.\n"
        "Hard problems (missing or unmapped columns, wrong types, unparseable dates, duplicate keys,\n"
        "unknown customers, out-of-range scores, unreadable files ...) are all listed with the table,\n"
        "column, rows and how to fix them. Exit status 0 when every file is valid, 1 otherwise.\n\n"
        "examples:\n  kam validate                         # every params/*.yaml region file\n"
        "  kam validate params/east.yaml\n  kam validate params/examples/online_retail.yaml\n\n"
        "See docs/ledger.md for the tables, columns, rules and checks.")
    parser.add_argument("params", nargs="*", metavar="PARAMS",
                        help="params files or globs (default: every region file params/*.yaml)")
    parser.add_argument("--folder", default="params",
                        help="folder searched when no PARAMS are given (default: params)")


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


def _validate_one(f, cache: dict[str, Ledger | DataError]) -> bool:
    """Print the result of one params file; True when it is valid (``cache``: full ledgers by ledger_key)."""
    from .params import load_params

    print(f"== {f}")
    try:
        params = load_params(f)
    except ParamsError as e:
        print(f"  params error:\n    {_indent(str(e))}")
        return False
    key = ledger_key(params)
    if key not in cache:
        try:
            cache[key] = load_full_ledger(params, grain="day")   # validation and counts need no order lines
        except DataError as e:
            cache[key] = e
        except KamlibError as e:
            cache[key] = DataError(str(e), [V.problem("ledger", None, "unreadable", 0, (), str(e))])
        except Exception as e:   # a reader bug must not stop the other params files from being checked
            files = ", ".join(f"{t}: {getattr(params.data, t)}" for t in ("orders", "customers", "invoices",
                                                                           "surveys") if getattr(params.data, t))
            msg = f"unexpected {type(e).__name__} while reading {files}: {e} (please report this as a bug)"
            cache[key] = DataError(msg, [V.problem("ledger", None, "internal_error", 0, (), msg)])
    res = cache[key]
    if isinstance(res, DataError):
        print(f"  INVALID: {len(res.problems)} problem(s):")
        for p in res.problems:
            print(f"    - {V.format_problem(p)}")
        return False
    print(format_quality(res.quality, res.sources))
    try:
        sub = filter_ledger(res, params)
    except DataError as e:
        print(f"  INVALID filter:\n    {_indent(str(e))}")
        return False
    o = sub.orders
    span = (f", {o['order_date'].min():%Y-%m-%d} to {o['order_date'].max():%Y-%m-%d}" if len(o) else "")
    what = f"filter {params.filter}" if params.filter else "no filter"
    print(f"  region {params.region} ({what}): {len(sub.customers):,} customers, {sub.order_lines:,} order lines"
          f"{span}")
    print("  OK")
    return True


def cli(args) -> int:
    """Run ``kam validate``; returns 0 when every params file is valid, 1 when any has a hard problem.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``kam validate`` arguments (see :func:`add_arguments`).

    Returns
    -------
    int

    Raises
    ------
    KamlibError
        If no params file matches ``PARAMS`` (or none is in ``--folder``); a file's own errors are printed.
    """
    from .params import discover

    files = discover(args.params or None, folder=args.folder)
    cache: dict[str, Ledger | DataError] = {}
    failed = sum(not _validate_one(f, cache) for f in files)
    print(f"{len(files) - failed} of {len(files)} params file(s) valid")
    return 1 if failed else 0
