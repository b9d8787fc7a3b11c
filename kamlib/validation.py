"""Data contracts of the ledger: hard checks (pandera, lazy) and the documented soft-exclusion rules.

Two kinds of problems are told apart:

* **Hard problems** break a contract the analyses rely on (a required column is missing, a date cannot be
  parsed, an id is duplicated, an order points to an unknown customer ...). They are *all* collected and
  raised together in one :class:`~kamlib.errors.DataError`, whose ``problems`` list holds one dict per
  failed check: ``table``, ``column``, ``check``, ``rows``, ``examples`` (row numbers as in the file, header =
  row 1, and the offending values), ``fix`` and a one-line ``message``.
* **Soft problems** are ordinary in real exports (returns, cancelled orders, free samples, rows without a
  customer id, dates after the period end). Rows hit by a soft rule are excluded and **counted** in the
  :class:`~kamlib.ledger.DataQualityReport`; each row is counted once, under the first rule in
  :data:`SOFT_RULES` order that matches, so ``read = kept + excluded`` holds exactly.

Everything here is vectorised (pandas / pyarrow / pandera); nothing loops over rows in Python.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import DataError
from .ledger import TABLES, Exclusion, is_period, take_rows

__all__ = ["SOFT_RULES", "HARD_CHECKS", "problem", "raise_problems", "format_problem", "apply_soft_rules",
           "check_tables", "schema", "STRING_DTYPE"]

#: the canonical dtype of ids and text columns (pyarrow-backed, missing = <NA>)
STRING_DTYPE = pd.StringDtype("pyarrow")

#: soft rules in the order they are applied: (rule, tables, description)
SOFT_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("duplicate_line", ("orders", "invoices"),
     "exact duplicate line: identical to an earlier row in every mapped column (e.g. an export appended "
     "twice); the first copy is kept (rules.exclude_duplicate_lines: false keeps every copy)"),
    ("cancelled", ("orders",),
     "cancelled order: order_id starts with rules.cancelled_prefix or status is in rules.cancelled_status"),
    ("return", ("orders",),
     "return / credit line: quantity < 0 (rules.exclude_returns); returns are not sales to analyse"),
    ("negative_revenue", ("orders",),
     "revenue < 0 on a line that is not a return (only when rules.negative_revenue is 'exclude'; "
     "by default this is a hard error)"),
    ("excluded_value", ("orders",),
     "value listed in rules.exclude_values / matching rules.exclude_patterns (e.g. postage, bank charges, "
     "manual adjustments: not products)"),
    ("zero_price", ("orders",),
     "zero price: unit_price == 0 (revenue == 0 when there is no unit_price), e.g. free samples "
     "(rules.exclude_zero_price)"),
    ("missing_customer_id", ("orders", "customers", "invoices", "surveys", "interactions", "opportunities"),
     "no customer id: the row cannot be attributed to an account"),
    ("future_date", ("orders", "invoices", "surveys", "interactions"),
     "dated after the period end (params as_of, or today when as_of is not set); rules.future_dates"),
)

#: description of the duplicate_line exclusion
DUPLICATE_LINE = ("exact duplicate: identical to an earlier line in every mapped column (e.g. an export "
                  "appended twice); the first copy is kept")

#: hard checks: (check, what it means, how to fix) - documented in docs/ledger.md
HARD_CHECKS: dict[str, tuple[str, str]] = {
    "file_not_found": ("the file named in data.<table> does not exist",
                       "fix the path under data: in the params file (relative paths are relative to the "
                       "params file's folder)"),
    "unsupported_format": ("the file is not CSV, Parquet or Excel (.xlsx)",
                           "export the table as .csv (UTF-8), .parquet or .xlsx"),
    "encoding": ("the CSV file cannot be decoded as UTF-8 / UTF-8 with BOM / GB18030 (or data.encoding)",
                 "save the file as UTF-8 (Excel: Save As → 'CSV UTF-8'), or set data.encoding to the file's "
                 "encoding (utf-8, utf-8-sig, gb18030, gbk, big5, latin-1 ...)"),
    "unreadable": ("the file cannot be parsed (malformed CSV, corrupt Parquet/Excel, missing sheet)",
                   "open the file, check it is a complete export with one header row, and export it again"),
    "empty_table": ("the table has no data rows", "export the table again with its rows, or remove it from data:"),
    "unmapped_column": ("columns: maps a source column that is not in the file",
                        "correct the source column name under columns.<table> (it must match the file's "
                        "header exactly), or remove the line"),
    "unknown_target": ("columns: maps onto a name that is not a canonical column of the table",
                       "map onto one of the canonical columns listed in docs/ledger.md"),
    "duplicate_target": ("two source columns end up with the same canonical name",
                         "keep only one of them in the columns: mapping (or rename one in the file)"),
    "missing_column": ("a required column is missing",
                       "add it to the export, or map your column onto it under columns.<table> "
                       "(e.g. columns: {orders: {客户编号: customer_id}})"),
    "wrong_type": ("values cannot be read as numbers", "correct the values (numbers only; thousands separators "
                   "and ¥/$ signs are fine, decimal commas like 1,5 are not: use 1.5), or map a different column"),
    "unparseable_date": ("values cannot be read as dates", "use YYYY-MM-DD (2024/3/5, 20240305 and 2024年3月5日 "
                         "also work) or set data.date_format, e.g. '%d/%m/%Y'"),
    "not_null": ("a required value is empty", "fill the empty cells or drop those rows in the export"),
    "non_negative": ("negative values where only ≥ 0 makes sense",
                     "correct the values; for credit notes without quantity set rules.negative_revenue: exclude"),
    "period_format": ("target periods that are not a year, half, quarter or month",
                      "write periods as 2024, 2024H1, 2024Q1, 2024-03 (or 2024年, 2024年3月)"),
    "range": ("values outside the allowed scale", "recode to the scale (Likert 1-5, NPS 0-10) or fix the mapping"),
    "duplicate_key": ("the key column repeats", "remove duplicate rows or map a column that is unique"),
    "unknown_customer": ("rows refer to a customer_id that is not in customers",
                         "add the accounts to the customers table, or check that both tables use the same "
                         "id format (leading zeros, prefixes)"),
    "due_before_invoice": ("due_date is before invoice_date", "correct the dates (maybe the columns are swapped in "
                           "the mapping)"),
    "unknown_rule_column": ("rules.exclude_values / exclude_patterns names a column orders does not have",
                            "name a canonical orders column (e.g. product_id) and map your column onto it"),
    "bad_pattern": ("a rules.exclude_patterns entry is not a valid regular expression",
                    "fix the regular expression"),
    "all_excluded": ("every row was excluded by the soft rules",
                     "check the rules: section and the column mapping (maybe the wrong column was mapped)"),
    "future_date": ("dates after the period end while rules.future_dates is 'error'",
                    "correct the dates, set as_of, or set rules.future_dates: exclude"),
    "unknown_filter_column": ("filter: names a column the customers table does not have",
                              "filter on a customer attribute that exists (the message lists them)"),
    "parent_cycle": ("customers.parent_id chains loop back to an account (A's parent is B, B's parent is A)",
                     "fix parent_id so that every chain ends at a group head with no parent (or its own id)"),
    "target_owner": ("a targets row names neither a customer_id nor an account_manager",
                     "fill customer_id (an account's target) or account_manager (a manager's target)"),
    "no_matching_customer": ("filter: matches no customer", "use values that occur (the message lists them "
                             "with their counts)"),
}


# ------------------------------------------------------------------------------------------ problems

def _fmt_value(v) -> str:
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else f"{float(v):g}"
    if isinstance(v, (int, np.integer)):
        return str(v)
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    s = str(v)
    return repr(s if len(s) <= 40 else s[:37] + "...")


def problem(table: str, column: str | None, check: str, rows: int = 0, examples: Iterable = (),
            detail: str = "", fix: str | None = None, path=None) -> dict:
    """One hard problem as a dict (see module docstring); ``message`` is a ready-to-print line.

    Parameters
    ----------
    table : str
        Canonical table the problem is in.
    column : str or None
        Column the check failed on (None for a table-level check).
    check : str
        Check name (a key of :data:`HARD_CHECKS` gives the default ``fix``).
    rows : int, default 0
        Number of rows that fail the check.
    examples : iterable, default ()
        Offending rows / values; the first five are kept.
    detail : str, default ""
        What went wrong, in words.
    fix : str, optional
        How to fix it; default the check's fix in :data:`HARD_CHECKS`.
    path : str or Path, optional
        File the table was read from.

    Returns
    -------
    dict
        ``table``, ``column``, ``check``, ``rows``, ``examples``, ``fix``, ``path``, ``message``.

    Examples
    --------
    >>> p = problem("orders", "order_date", "date_parse", rows=2, examples=["row 3: 2025-13-01"],
    ...             fix="use YYYY-MM-DD")
    >>> p["message"]
    'orders.order_date [date_parse]: 2 rows; e.g. row 3: 2025-13-01. Fix: use YYYY-MM-DD'
    """
    examples = tuple(examples)[:5]
    fix = fix or HARD_CHECKS.get(check, ("", ""))[1]
    where = f"{table}.{column}" if column else table
    head = f"{where} [{check}]"
    if rows:
        head += f": {rows:,} row{'s' if rows != 1 else ''}"
    if detail:
        head += (": " if not rows else " - ") + detail
    if examples:
        head += "; e.g. " + ", ".join(str(e) for e in examples)
    msg = f"{head}. Fix: {fix}" if fix else head
    return {"table": table, "column": column, "check": check, "rows": int(rows), "examples": examples,
            "fix": fix, "path": None if path is None else str(path), "message": msg}


def format_problem(p: dict) -> str:
    """A problem's message with the file it came from, one line.

    Parameters
    ----------
    p : dict
        A problem from :func:`problem`.

    Returns
    -------
    str
    """
    return p["message"] + (f" (file: {p['path']})" if p.get("path") else "")


def raise_problems(problems: list[dict], where: str) -> None:
    """Raise one :class:`DataError` listing every problem (no-op when there are none).

    Parameters
    ----------
    problems : list of dict
        Problems from :func:`problem`.
    where : str
        What was being loaded or checked, the head of the message (e.g. the params file).

    Returns
    -------
    None

    Raises
    ------
    DataError
        When ``problems`` is not empty; ``DataError.problems`` holds the list.
    """
    if not problems:
        return
    n = len(problems)
    lines = [f"{where}: {n} data problem{'s' if n != 1 else ''} found; the ledger was not loaded. "
             "Fix them and run `kam validate` again:"]
    lines += [f"  - {format_problem(p)}" for p in problems]
    raise DataError("\n".join(lines), problems)


def row_examples(index: pd.Index, values: pd.Series | None = None, k: int = 5) -> tuple[str, ...]:
    """'row N: value' strings for the first ``k`` rows; the frame index is the 0-based data-row position,
    so the row number in the file (header = row 1) is index + 2."""
    idx = np.asarray(index[:k])
    if values is None:
        return tuple(f"row {i + 2}" for i in idx)
    vals = list(values.iloc[:k])
    return tuple(f"row {i + 2}: {_fmt_value(v)}" for i, v in zip(idx, vals, strict=False))


# ------------------------------------------------------------------------------------------ soft rules

def _amount(df: pd.DataFrame, table: str, mask: np.ndarray) -> float:
    col = {"orders": "revenue", "invoices": "amount"}.get(table)
    if col is None or col not in df or not mask.any():
        return 0.0
    return float(np.nansum(df[col].to_numpy(dtype="float64", na_value=np.nan)[mask]))


def _examples(df: pd.DataFrame, table: str, mask: np.ndarray, col: str | None = None) -> tuple[str, ...]:
    """A few 'row N: value' strings of excluded rows, showing the value that triggered the rule."""
    key = {"orders": "order_id", "invoices": "invoice_id", "surveys": "response_id",
           "customers": "customer_id", "interactions": "interaction_id", "opportunities": "opportunity_id",
           "targets": "period"}[table]
    pos = np.flatnonzero(mask)[:3]
    sub = df.iloc[pos]
    rows = row_examples(sub.index, sub[key] if key in sub and table != "customers" else None, 3)
    if col is not None and col in sub:
        return tuple(f"{e} ({col} {_fmt_value(v)})" for e, v in zip(rows, sub[col], strict=False))
    return rows


_EXAMPLE_COLUMN = {"return": "quantity", "negative_revenue": "revenue", "zero_price": "unit_price"}


def _bool(s: pd.Series) -> np.ndarray:
    """A nullable boolean Series as a numpy bool array (missing = False)."""
    return s.fillna(False).to_numpy(dtype=bool)


def apply_soft_rules(tables: dict[str, pd.DataFrame], rules, as_of: dt.date,
                     problems: list[dict]) -> tuple[dict[str, pd.DataFrame], list[Exclusion]]:
    """Exclude rows hit by the soft rules, in :data:`SOFT_RULES` order, and count them.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Typed canonical tables (index = 0-based data-row position in the source file).
    rules : RulesSection
        ``params.rules``.
    as_of : date
        Period end; rows dated after it are future rows.
    problems : list
        Hard problems found here (unknown rule column, bad pattern, future dates when they are an error)
        are appended.

    Returns
    -------
    kept, exclusions
        The tables without the excluded rows (index kept, for row numbers) and one :class:`Exclusion`
        per (table, rule) that fired.
    """
    kept: dict[str, pd.DataFrame] = {}
    exclusions: list[Exclusion] = []
    cutoff = pd.Timestamp(as_of)
    for table, df in tables.items():
        n = len(df)
        taken = np.zeros(n, dtype=bool)
        found: list[tuple[str, np.ndarray, str]] = []   # (rule, mask, description)
        if table == "orders":
            found += _order_rules(df, rules, problems)
        if "customer_id" in df and table != "targets":   # a manager's target has no customer_id
            found.append(("missing_customer_id", df["customer_id"].isna().to_numpy(),
                          "no customer id: the row cannot be attributed to an account"))
        date_col = {"orders": "order_date", "invoices": "invoice_date", "surveys": "survey_date",
                    "interactions": "interaction_date"}.get(table)
        if date_col in df:
            fut = _bool(df[date_col] > cutoff)
            if rules.future_dates == "error":
                if fut.any():
                    sub = df.loc[fut]
                    problems.append(problem(table, date_col, "future_date", int(fut.sum()),
                                            row_examples(sub.index, sub[date_col]),
                                            f"dated after {cutoff.date()}"))
            else:
                found.append(("future_date", fut, f"{date_col} after the period end {cutoff.date()} "
                                                  "(as_of, or today when as_of is not set)"))
        for rule, mask, desc in found:
            col = (desc.split()[0] if rule == "excluded_value" else date_col if rule == "future_date"
                   else _EXAMPLE_COLUMN.get(rule))
            mine = mask & ~taken
            taken |= mine
            if mine.any():
                exclusions.append(Exclusion(table=table, rule=rule, rows=int(mine.sum()), description=desc,
                                            amount=_amount(df, table, mine),
                                            examples=_examples(df, table, mine, col)))
        kept[table] = take_rows(df, ~taken)
    return kept, exclusions


def _order_rules(df: pd.DataFrame, rules, problems: list[dict]) -> list[tuple[str, np.ndarray, str]]:
    out = []
    n = len(df)
    cancelled = np.zeros(n, dtype=bool)
    parts = []
    if rules.cancelled_prefix:
        cancelled |= _bool(df["order_id"].str.startswith(rules.cancelled_prefix))
        parts.append(f"order_id starts with {rules.cancelled_prefix!r}")
    if rules.cancelled_status and "status" in df:
        cancelled |= _bool(df["status"].isin(rules.cancelled_status))
        parts.append(f"status in {rules.cancelled_status}")
    if parts:
        out.append(("cancelled", cancelled, "cancelled order: " + " or ".join(parts)))
    has_qty = "quantity" in df
    if has_qty:
        ret = _bool(df["quantity"] < 0)
        if rules.exclude_returns:
            out.append(("return", ret, "return / credit line: quantity < 0"))
    else:
        ret = np.zeros(n, dtype=bool)
    if rules.negative_revenue == "exclude" and "revenue" in df:
        out.append(("negative_revenue", _bool(df["revenue"] < 0) & ~ret,
                    "revenue < 0 on a line that is not a return (rules.negative_revenue: exclude)"))
    for col, values in rules.exclude_values.items():
        if col not in df:
            problems.append(problem("orders", col, "unknown_rule_column", 0, (),
                                    f"rules.exclude_values names {col!r}; orders columns are "
                                    f"{', '.join(df.columns)}"))
            continue
        out.append(("excluded_value", _bool(df[col].astype(STRING_DTYPE).isin([str(v) for v in values])),
                    f"{col} in rules.exclude_values ({', '.join(map(str, values[:12]))}"
                    f"{', ...' if len(values) > 12 else ''})"))
    for col, patterns in rules.exclude_patterns.items():
        if col not in df:
            problems.append(problem("orders", col, "unknown_rule_column", 0, (),
                                    f"rules.exclude_patterns names {col!r}; orders columns are "
                                    f"{', '.join(df.columns)}"))
            continue
        for pat in patterns:
            try:
                re.compile(pat)
            except re.error as e:
                problems.append(problem("orders", col, "bad_pattern", 0, (), f"{pat!r}: {e}"))
                continue
            out.append(("excluded_value", _bool(df[col].astype(STRING_DTYPE).str.contains(pat, regex=True)),
                        f"{col} matches {pat!r} (rules.exclude_patterns)"))
    if rules.exclude_zero_price:
        if "unit_price" in df:
            out.append(("zero_price", _bool(df["unit_price"] == 0), "zero price: unit_price == 0"))
        elif "revenue" in df:
            out.append(("zero_price", _bool(df["revenue"] == 0), "zero price: revenue == 0"))
    return out


def merge_exclusions(exclusions: list[Exclusion]) -> tuple[Exclusion, ...]:
    """One Exclusion per (table, rule): e.g. several exclude_values columns add up under one rule."""
    merged: dict[tuple[str, str], Exclusion] = {}
    for e in exclusions:
        k = (e.table, e.rule)
        if k in merged:
            m = merged[k]
            merged[k] = Exclusion(table=m.table, rule=m.rule, rows=m.rows + e.rows,
                                  description=f"{m.description}; {e.description}", amount=m.amount + e.amount,
                                  examples=(m.examples + e.examples)[:3])
        else:
            merged[k] = e
    return tuple(merged.values())


# ------------------------------------------------------------------------------------------ hard checks

_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("customers", "value_fit"): (1, 5), ("customers", "procurement_fit"): (1, 5),
    ("surveys", "overall"): (1, 5), ("surveys", "nps"): (0, 10),
}
_NON_NEGATIVE = {("orders", "unit_price"), ("invoices", "amount"), ("invoices", "paid_amount"),
                 ("opportunities", "amount"), ("targets", "revenue_target")}


def schema(table: str, items: Iterable[str] = (), negative_revenue: str = "error"):
    """The pandera contract of a canonical table (column dtypes, non-null required values, ranges, key).

    Parameters
    ----------
    table : str
        ``orders``, ``customers``, ``invoices`` or ``surveys``.
    items : iterable of str
        Likert item columns of ``surveys`` (checked to lie in 1-5).
    negative_revenue : {"error", "exclude"}
        Whether negative revenue on a kept line is a hard error (it is already excluded otherwise).

    Returns
    -------
    pandera.DataFrameSchema
    """
    import pandera.pandas as pa

    spec = TABLES[table]
    dtypes = {"id": STRING_DTYPE, "str": STRING_DTYPE, "date": "datetime64[ns]", "float": "float64"}
    cols = {}
    for c in spec.columns:
        checks = []
        if (table, c.name) in _RANGES:
            lo, hi = _RANGES[(table, c.name)]
            checks.append(pa.Check.in_range(lo, hi, name=f"range[{lo:g}, {hi:g}]"))
        if (table, c.name) in _NON_NEGATIVE:
            checks.append(pa.Check.ge(0, name="non_negative"))
        if (table, c.name) == ("targets", "period"):   # read before plan vs actual, not inside it
            checks.append(pa.Check(is_period, element_wise=True, ignore_na=True, name="period_format"))
        nullable = not c.required
        cols[c.name] = pa.Column(dtypes[c.kind], checks=checks, nullable=nullable, required=False,
                                 unique=(c.name == spec.key))
    for it in items:
        cols[it] = pa.Column("float64", pa.Check.in_range(1, 5, name="range[1, 5]"), nullable=True, required=False)
    df_checks = []
    if table == "invoices":
        df_checks.append(pa.Check(lambda d: ~(d["due_date"] < d["invoice_date"]), name="due_before_invoice"))
    if table == "orders" and negative_revenue == "error":
        # returns (quantity < 0) are a soft rule; a negative amount on a sale line is an error
        def _neg(d):
            neg = d["revenue"] < 0
            if "quantity" in d:
                neg &= ~(d["quantity"] < 0)
            return ~neg
        df_checks.append(pa.Check(_neg, name="negative_revenue"))
    return pa.DataFrameSchema(cols, checks=df_checks, strict=False, name=table)


_CHECK_NAMES = {"not_nullable": "not_null", "field_uniqueness": "duplicate_key", "non_negative": "non_negative",
                "period_format": "period_format",
                "due_before_invoice": "due_before_invoice", "negative_revenue": "non_negative"}


def _pandera_problems(table: str, df: pd.DataFrame, err, path) -> list[dict]:
    fc = err.failure_cases
    # dataframe-wide checks report one failure per column of a failing row: group them by check only
    wide = (fc["schema_context"] == "DataFrameSchema") & fc["check"].isin(["due_before_invoice", "negative_revenue"])
    fc = fc.assign(column=fc["column"].where(~wide, ""))
    out = []
    for (column, check), g in fc.groupby([fc["column"].fillna(""), fc["check"].astype(str)], sort=False):
        name = _CHECK_NAMES.get(check, "range" if check.startswith(("range", "in_range")) else
                                "non_negative" if check.startswith("greater_than_or_equal_to(0") else
                                "dtype" if check.startswith("dtype") else check)
        idx = pd.Index(g["index"].dropna().astype("int64").unique())
        if name == "due_before_invoice":
            sub = df.loc[idx]
            ex = tuple(f"row {i + 2}: invoice {a.date()} due {b.date()}" for i, a, b in
                       zip(sub.index[:5], sub["invoice_date"], sub["due_date"], strict=False))
            out.append(problem(table, "due_date", name, len(idx), ex, path=path))
            continue
        if check == "negative_revenue":
            sub = df.loc[idx]
            out.append(problem(table, "revenue", "non_negative", len(idx), row_examples(sub.index, sub["revenue"]),
                               "revenue < 0 on lines that are not returns (quantity ≥ 0 or no quantity)",
                               path=path))
            continue
        col = column or None
        if name == "duplicate_key":
            sub = df.loc[idx]
            vals = sub[col]
            detail = f"{vals.nunique():,} value(s) appear more than once"
            out.append(problem(table, col, name, len(idx), row_examples(sub.index, vals), detail, path=path))
            continue
        if name == "dtype":
            out.append(problem(table, col, "wrong_type", len(df), (), f"dtype is {df[col].dtype}, {check} expected",
                               fix="load tables through kamlib.io.load_ledger, which sets the canonical dtypes",
                               path=path))
            continue
        if name == "not_null":
            sub = df.loc[idx]
            out.append(problem(table, col, name, len(idx), row_examples(sub.index), "empty values", path=path))
            continue
        sub = df.loc[idx] if len(idx) else df.iloc[:0]
        bounds = re.findall(r"-?\d+(?:\.\d+)?", check)
        detail = {"range": f"allowed [{', '.join(bounds[:2])}]", "non_negative": "must be ≥ 0",
                  "period_format": "not a year, half, quarter or month"}.get(name, check)
        out.append(problem(table, col, name if name in HARD_CHECKS else "range", len(idx),
                           row_examples(sub.index, sub[col]) if col in sub else (), detail, path=path))
    return out


def check_tables(tables: dict[str, pd.DataFrame], items: Iterable[str] = (), customers_given: bool = True,
                 negative_revenue: str = "error", paths: dict | None = None) -> list[dict]:
    """Hard checks on the kept rows of every table; returns the list of problems (empty when valid).

    Column-level contracts run through pandera in lazy mode (every failure at once); the referential check
    (every customer_id of orders / invoices / surveys exists in customers) runs as a vectorised ``isin``.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Canonical tables after the soft rules (``orders``, ``customers``, and optionally ``invoices``,
        ``surveys``).
    items : iterable of str
        Likert item columns of ``surveys`` (checked to lie in 1-5).
    customers_given : bool, default True
        False when the customers table was derived from the orders (no referential check then).
    negative_revenue : {"error", "exclude"}
        Whether negative revenue on a kept line is a hard problem.
    paths : dict, optional
        Table -> file it was read from, for the messages.

    Returns
    -------
    list of dict
        One :func:`problem` per failed check.
    """
    import pandera.errors as pe

    paths = paths or {}
    problems: list[dict] = []
    for table, df in tables.items():
        sch = schema(table, items if table == "surveys" else (), negative_revenue)
        try:
            sch.validate(df, lazy=True)
        except pe.SchemaErrors as err:
            problems += _pandera_problems(table, df, err, paths.get(table))
    cust = tables.get("customers")
    if customers_given and cust is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        # pyarrow's hash lookup is ~5x faster than Series.isin on Arrow strings
        known = pa.array(cust["customer_id"].dropna().astype(STRING_DTYPE).array)
        for table in ("orders", "invoices", "surveys", "interactions", "opportunities", "targets"):
            df = tables.get(table)
            if df is None or "customer_id" not in df:
                continue
            ids = pa.array(df["customer_id"].astype(STRING_DTYPE).array)
            found = pc.is_in(ids, value_set=known, skip_nulls=True)
            bad = ~np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool) & df["customer_id"].notna().to_numpy()
            if bad.any():
                sub = df.loc[bad]
                ids = sub["customer_id"]
                problems.append(problem(table, "customer_id", "unknown_customer", int(bad.sum()),
                                        row_examples(sub.index, ids),
                                        f"{ids.nunique():,} customer id(s) not in customers", path=paths.get(table)))
    problems += _target_owner_problems(tables.get("targets"), paths.get("targets"))
    return problems


def _target_owner_problems(targets: pd.DataFrame | None, path) -> list[dict]:
    """A target must belong to an account or to an account manager."""
    if targets is None:
        return []
    none = np.ones(len(targets), dtype=bool)
    for col in ("customer_id", "account_manager"):
        if col in targets:
            none &= targets[col].isna().to_numpy(dtype=bool)
    if not none.any():
        return []
    sub = targets.loc[none]
    return [problem("targets", "customer_id", "target_owner", int(none.sum()), row_examples(sub.index, sub["period"]),
                    "rows with neither customer_id nor account_manager", path=path)]


# ------------------------------------------------------------------------------------------ SQL form
# The large tables (orders, invoices) grow to millions of rows, so kamlib.io checks them inside the DuckDB
# scan instead of in pandas: the ledger then never has to fit in memory whole, and the checks run in
# parallel over columnar data. The builders below are the SQL twins of `_order_rules` / `apply_soft_rules`
# and of the pandera schemas; the test suite runs both forms on the same bad data and asserts that they
# agree (rows, amounts, examples).

#: tables checked inside the scan (kamlib.io); the others are checked by pandera in memory
SQL_TABLES = ("orders", "invoices")


def sql_ident(name: str) -> str:
    """A SQL identifier (double-quoted). The one quoting helper of the package (kamlib.io uses it too).

    Parameters
    ----------
    name : str

    Returns
    -------
    str

    Examples
    --------
    >>> sql_ident("order date")
    '"order date"'
    >>> print(sql_ident('a"b'))
    "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


def sql_str(s: object) -> str:
    """A SQL string literal of ``str(s)`` (paths, dates, patterns).

    Parameters
    ----------
    s : object

    Returns
    -------
    str

    Examples
    --------
    >>> sql_str("O'Brien")
    "'O''Brien'"
    >>> sql_str(2025)
    "'2025'"
    """
    return "'" + str(s).replace("'", "''") + "'"


def _sql_true(cond: str) -> str:
    # NULL never matches a rule (pandas: fillna(False))
    return f"coalesce({cond}, false)"


def _after(col: str, as_of) -> str:
    cutoff = pd.Timestamp(as_of)
    return f"{sql_ident(col)} > TIMESTAMP {sql_str(cutoff.isoformat(sep=' '))}"


def soft_rules_sql(table: str, columns: Iterable[str], rules, as_of: dt.date, problems: list[dict],
                   pattern_error=None) -> list[tuple[str, str, str, str | None]]:
    """The soft rules of ``table`` (orders or invoices) as SQL conditions, in :data:`SOFT_RULES` order.

    Parameters
    ----------
    table : {"orders", "invoices"}
    columns : iterable of str
        Canonical columns of the typed relation (derived revenue / gross_profit included).
    rules : RulesSection
    as_of : date
        Period end (future rows are after it).
    problems : list
        Hard problems of the rules themselves (unknown column, bad pattern) are appended.
    pattern_error : callable, optional
        ``pattern -> error text or None``: the SQL engine's own verdict on a regular expression (DuckDB's
        RE2 refuses some patterns Python accepts, e.g. look-aheads).

    Returns
    -------
    list of (rule, condition, description, example column)
        Each row is counted under the first condition it meets, exactly as :func:`apply_soft_rules`.
        With ``rules.future_dates == 'error'`` future dates are a hard check (:func:`hard_checks_sql`).
    """
    out: list[tuple[str, str, str, str | None]] = []
    if table == "orders":
        out += _order_rules_sql(columns, rules, problems, pattern_error)
    out.append(("missing_customer_id", f"{sql_ident('customer_id')} IS NULL",
                "no customer id: the row cannot be attributed to an account", None))
    date_col = {"orders": "order_date", "invoices": "invoice_date"}[table]
    if rules.future_dates != "error":
        out.append(("future_date", _sql_true(_after(date_col, as_of)),
                    f"{date_col} after the period end {pd.Timestamp(as_of).date()} "
                    "(as_of, or today when as_of is not set)", date_col))
    return out


def _order_rules_sql(columns, rules, problems, pattern_error) -> list[tuple[str, str, str, str | None]]:
    cols = set(columns)
    q = sql_ident
    out: list[tuple[str, str, str, str | None]] = []
    parts, conds = [], []
    if rules.cancelled_prefix:
        conds.append(f"starts_with({q('order_id')}, {sql_str(rules.cancelled_prefix)})")
        parts.append(f"order_id starts with {rules.cancelled_prefix!r}")
    if rules.cancelled_status and "status" in cols:
        conds.append(f"{q('status')} IN ({', '.join(sql_str(s) for s in rules.cancelled_status)})")
        parts.append(f"status in {rules.cancelled_status}")
    if parts:
        out.append(("cancelled", _sql_true(" OR ".join(f"({c})" for c in conds)),
                    "cancelled order: " + " or ".join(parts), None))
    returns = _sql_true(f"{q('quantity')} < 0") if "quantity" in cols else "false"
    if "quantity" in cols and rules.exclude_returns:
        out.append(("return", returns, "return / credit line: quantity < 0", "quantity"))
    if rules.negative_revenue == "exclude" and "revenue" in cols:
        out.append(("negative_revenue", f"({_sql_true(q('revenue') + ' < 0')} AND NOT {returns})",
                    "revenue < 0 on a line that is not a return (rules.negative_revenue: exclude)", "revenue"))
    for col, values in rules.exclude_values.items():
        if col not in cols:
            problems.append(problem("orders", col, "unknown_rule_column", 0, (),
                                    f"rules.exclude_values names {col!r}; orders columns are {', '.join(columns)}"))
            continue
        out.append(("excluded_value",
                    _sql_true(f"CAST({q(col)} AS VARCHAR) IN ({', '.join(sql_str(v) for v in values)})"),
                    f"{col} in rules.exclude_values ({', '.join(map(str, values[:12]))}"
                    f"{', ...' if len(values) > 12 else ''})", col))
    for col, patterns in rules.exclude_patterns.items():
        if col not in cols:
            problems.append(problem("orders", col, "unknown_rule_column", 0, (),
                                    f"rules.exclude_patterns names {col!r}; orders columns are {', '.join(columns)}"))
            continue
        for pat in patterns:
            try:
                re.compile(pat)
                err = pattern_error(pat) if pattern_error else None
            except re.error as e:
                err = str(e)
            if err:
                problems.append(problem("orders", col, "bad_pattern", 0, (), f"{pat!r}: {err}"))
                continue
            out.append(("excluded_value", _sql_true(f"regexp_matches(CAST({q(col)} AS VARCHAR), {sql_str(pat)})"),
                        f"{col} matches {pat!r} (rules.exclude_patterns)", col))
    if rules.exclude_zero_price:
        if "unit_price" in cols:
            out.append(("zero_price", _sql_true(f"{q('unit_price')} = 0"), "zero price: unit_price == 0",
                        "unit_price"))
        elif "revenue" in cols:
            out.append(("zero_price", _sql_true(f"{q('revenue')} = 0"), "zero price: revenue == 0", None))
    return out


def hard_checks_sql(table: str, columns: Iterable[str], rules, as_of: dt.date,
                    known_customers: str | None = None) -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """The hard checks of ``table`` (orders or invoices) as SQL conditions on the rows the soft rules keep:
    the pandera schema (:func:`schema`), future dates when they are an error and the referential check.

    The key check (``duplicate_key`` on ``invoice_id``) is not a row condition; kamlib.io runs it as a
    grouped query.

    Parameters
    ----------
    known_customers : str, optional
        Name of a relation with the valid ``customer_id`` values (when a customers table is given).

    Returns
    -------
    list of (column, check, condition, example columns, detail)
        Examples read 'row N: value' for one example column, 'row N' for none; ``due_before_invoice``
        shows both dates.
    """
    cols = set(columns)
    q = sql_ident
    out: list[tuple[str, str, str, tuple[str, ...], str]] = []
    for c in TABLES[table].required_names:
        if c in cols and c != "customer_id":   # a missing customer id is a soft rule
            out.append((c, "not_null", f"{q(c)} IS NULL", (), "empty values"))
    for t, c in sorted(_NON_NEGATIVE):
        if t == table and c in cols:
            out.append((c, "non_negative", f"{q(c)} < 0", (c,), "must be ≥ 0"))
    if table == "orders" and rules.negative_revenue == "error" and "revenue" in cols:
        returns = f" AND NOT coalesce({q('quantity')} < 0, false)" if "quantity" in cols else ""
        out.append(("revenue", "non_negative", f"{q('revenue')} < 0{returns}", ("revenue",),
                    "revenue < 0 on lines that are not returns (quantity ≥ 0 or no quantity)"))
    if table == "invoices" and {"due_date", "invoice_date"} <= cols:
        out.append(("due_date", "due_before_invoice", f"{q('due_date')} < {q('invoice_date')}",
                    ("invoice_date", "due_date"), ""))
    if rules.future_dates == "error":
        date_col = {"orders": "order_date", "invoices": "invoice_date"}[table]
        out.append((date_col, "future_date", _after(date_col, as_of), (date_col,),
                    f"dated after {pd.Timestamp(as_of).date()}"))
    if known_customers:
        out.append(("customer_id", "unknown_customer",
                    f"{q('customer_id')} IS NOT NULL AND {q('customer_id')} NOT IN "
                    f"(SELECT customer_id FROM {known_customers})", ("customer_id",), ""))
    return out
