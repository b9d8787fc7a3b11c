"""The streaming scan of the large tables (orders, invoices): typed, rule-checked and contract-checked
inside DuckDB, and for orders optionally reduced to the day grain, so that nothing is loaded whole into
pandas first and a ledger larger than memory still loads.

The SQL twins of the soft rules and contracts come from :mod:`kamlib.validation` (``soft_rules_sql``,
``hard_checks_sql``); this module runs them and turns the counts into exclusions and problems.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .. import validation as V
from ..ledger import CUSTOMER_ATTRIBUTES, TABLES, Exclusion
from ..params import Params
from ._sql import arrow_to_pandas, duck_msg, q
from .typed import _on_scan_error, _Typed, _typed, _typing_problems

#: grains of Ledger.orders: one row per order line, or one row per account and order date
GRAINS = ("line", "day")

_KEY = {"orders": "order_id", "invoices": "invoice_id"}
_AMOUNT = {"orders": "revenue", "invoices": "amount"}
_MASK_BITS = 62   # flags per BIGINT mask column in the scan (bit 63 would be the sign)


@dataclass
class _Scan:
    frame: pd.DataFrame | None           # kept rows (orders: at the requested grain); None after a problem
    attributes: pd.DataFrame | None = None   # orders: customer attributes on the kept lines (mode per account)
    product_mix: pd.DataFrame | None = None  # orders with product_line: Ledger.product_mix of the kept lines
    rows: int = 0
    kept: int = 0
    exclusions: list = field(default_factory=list)
    fmt: str = ""
    encoding: str | None = None
    unused: tuple[str, ...] = ()


@dataclass
class _Plan:
    """The SQL of one scan: the typed rows, each with its soft rule and a mask bit per flag and check."""

    table: str
    cols: list[str]                  # canonical columns of the typed rows, derived ones included
    rules: list[tuple[str, str, str, str | None]]            # soft rules: (rule, condition, description, column)
    checks: list[tuple[str, str, str, tuple[str, ...], str]]  # hard checks: (column, check, condition, ...)
    row_checks: list[int]            # indices of the checks evaluated per row, as mask bits after the flags
    n_flags: int                     # typing flags: the first mask bits
    n_bits: int                      # typing flags + row checks
    masks: list[str]                 # mask columns (_MASK_BITS bits each)
    typed_rows: str                  # SELECT of the typed rows with the derived columns
    lines: str                       # ... with __rule__ (-1 cannot be typed, 0 kept, i rule i) and the masks
    day: bool                        # orders reduced to the day grain
    money: list[str]                 # amount columns summed by the day grain
    mix: bool                        # orders with product_line: the product mix is computed too

    @property
    def key(self) -> str:
        return _KEY[self.table]


@dataclass
class _Relation:
    """Where the scanned rows are read back from, once the scan has run."""

    line_src: str    # rows with __rule__ and __pos__: the materialised lines, or the lines query (day grain)
    value_src: str   # rows with the typed values and __pos__
    pos: str         # row position column of the relation (day grain: of excluded lines only)
    n_rows: str      # SQL aggregate counting lines in the relation
    mix: str | None = None   # rows of the product mix (__rule__, customer_id, product_line, n_lines, revenue)


@dataclass
class _Counts:
    rule_rows: dict[int, int]        # rows per rule id (0 = kept, -1 = cannot be typed)
    rule_amount: dict[int, Decimal]  # exact amount of the excluded rows per rule id
    bits_all: list[int]              # rows with each mask bit set, any rule (typing flags)
    bits_kept: list[int]             # ... among the kept rows (hard checks)

    @property
    def n(self) -> int:
        return sum(self.rule_rows.values())

    @property
    def kept(self) -> int:
        return self.rule_rows.get(0, 0)


def _py(v):
    """A value fetched from DuckDB as pandas would show it (dates as Timestamps, NULL as <NA>)."""
    if v is None:
        return pd.NA
    if isinstance(v, (dt.datetime, dt.date)):
        return pd.Timestamp(v)
    return v


# ------------------------------------------------------------------------------------------ the scan

def _scan_table(con, table: str, path: Path, params: Params, cutoff: dt.date, known: pd.Series | None,
                grain: str, problems: list, notes: list, fetch: bool = True) -> _Scan:
    """Type, rule-check, contract-check and fetch a large table (orders, invoices) inside DuckDB.

    Each typed row gets its soft rule and a bit per typing flag and hard check. Invoices and order lines
    (``grain='line'``) are then materialised once inside DuckDB (compressed; spilled to its temp folder
    beyond the memory limit); orders at ``grain='day'`` are instead reduced to one row per account, order
    date and rule in one streaming pass (excluded lines stay rows of their own), so a ledger larger than
    memory still loads. One grouped pass over that relation counts every soft rule (rows, amount) and every
    hard check, example rows are fetched for the rules and checks that fired, and a last query returns the
    kept rows: lines or invoices in file order, or the day grain. Nothing is loaded whole into pandas first.

    Parameters
    ----------
    known : Series, optional
        Valid customer ids (customers table given): rows naming another id are a hard problem.
    fetch : bool
        False when other tables already have hard problems: count and report, but fetch nothing.
    """
    import duckdb

    typed = _typed(con, table, path, params, problems, notes, position=True,
                   only=_columns_used(table, grain, params, known), dup=params.rules.exclude_duplicate_lines)
    if typed is None:
        return _Scan(None)
    rel = f"__{table}"
    try:
        plan = _plan(con, table, typed, params, cutoff, known, grain, problems, notes)
        try:
            relation = _materialise(con, rel, plan)
        except duckdb.Error as e:
            retry = _on_scan_error(e, typed, table, path, params, problems)
            if retry is None:
                return _Scan(None)
            typed.src.cleanup()
            return _scan_table(con, table, path, retry, cutoff, known, grain, problems, notes, fetch)
        return _report(con, rel, relation, plan, typed, path, known, problems, fetch)
    finally:
        typed.src.cleanup()
        con.execute(f"DROP TABLE IF EXISTS {rel}")
        con.execute(f"DROP TABLE IF EXISTS {rel}_mix")


def _report(con, rel: str, relation: _Relation, plan: _Plan, typed: _Typed, path: Path,
            known: pd.Series | None, problems: list, fetch: bool) -> _Scan:
    """Count, report and (without problems) fetch the scanned rows."""
    table = plan.table
    counts = _count(con, rel, relation, plan)
    n, kept = counts.n, counts.kept
    unused = tuple(c for c in typed.src.columns if c not in set(typed.mapped.values()))
    if n == 0:
        problems.append(V.problem(table, None, "empty_table", 0, (), f"{path.name} has a header but no rows",
                                  path=path))
        return _Scan(None)
    _typing_problems(con, typed, table, {c: counts.bits_all[i] for i, c in enumerate(typed.flags)}, path,
                     problems)
    exclusions = _exclusions(con, rel, relation, plan, counts)
    _check_problems(con, rel, relation, plan, counts, path, problems)
    _duplicate_key_problem(con, relation, plan, path, problems)
    if kept == 0:
        problems.append(V.problem(table, None, "all_excluded", n, (),
                                  f"all {n:,} rows were excluded "
                                  f"({', '.join(f'{e.rule} {e.rows:,}' for e in exclusions)})", path=path))
    frame = attributes = mix = None
    if fetch and not problems:
        frame, attributes = _fetch(con, rel, relation, plan, known)
        mix = _fetch_mix(con, relation)
    return _Scan(frame, attributes, mix, rows=int(n), kept=int(kept), exclusions=exclusions, fmt=typed.src.fmt,
                 encoding=typed.src.encoding, unused=unused)


# ------------------------------------------------------------------------------------------ the SQL

def _columns_used(table: str, grain: str, params: Params, known: pd.Series | None) -> set[str] | None:
    """The columns the day grain types (what the rules, the checks and the grain use); None: every column."""
    if table != "orders" or grain != "day":
        return None
    r = params.rules
    only = {"order_id", "customer_id", "order_date", "revenue", "gross_profit", "cost", "quantity",
            "unit_price", *r.exclude_values, *r.exclude_patterns, *(("status",) if r.cancelled_status else ())}
    if known is None:   # no customers table: the attributes on the lines make the accounts
        only |= set(CUSTOMER_ATTRIBUTES)
    return only | {"product_line"}   # for the product mix


def _derived_columns(table: str, typed: _Typed, notes: list) -> tuple[list[str], list[str]]:
    """The canonical columns of the typed rows and the SELECT items deriving revenue / gross profit."""
    cols = list(typed.columns)
    derived = []
    if table == "orders":
        if "revenue" not in cols and {"quantity", "unit_price"} <= set(cols):
            derived.append(f"{q('quantity')} * {q('unit_price')} AS {q('revenue')}")
            cols.append("revenue")
            notes.append("orders: revenue derived as quantity × unit_price")
        if "gross_profit" not in cols and "cost" in cols:
            rev = q("revenue") if "revenue" in typed.mapped else f"({q('quantity')} * {q('unit_price')})"
            derived.append(f"{rev} - {q('cost')} AS {q('gross_profit')}")
            cols.append("gross_profit")
            notes.append("orders: gross_profit derived as revenue − cost")
    return cols, derived


def _pattern_error(con, pat: str) -> str | None:
    """DuckDB's complaint about a regular expression, None when it compiles."""
    import duckdb

    try:
        con.execute("SELECT regexp_matches('', ?)", [pat]).fetchall()
    except duckdb.Error as e:
        return duck_msg(e)
    return None


def _plan(con, table: str, typed: _Typed, params: Params, cutoff: dt.date, known: pd.Series | None,
          grain: str, problems: list, notes: list) -> _Plan:
    """The scan's SQL: typed rows, derived columns, soft rule per row and mask bits of flags and checks."""
    cols, derived = _derived_columns(table, typed, notes)
    rules = V.soft_rules_sql(table, cols, params.rules, cutoff, problems, lambda pat: _pattern_error(con, pat))
    if typed.dup:   # first: a copy is a duplicate whatever else it is (its first copy meets the other rules)
        rules.insert(0, ("duplicate_line", "__dup__", V.DUPLICATE_LINE, None))
    known_rel = None
    if known is not None:
        known_rel = "__known_customers"
        con.register(known_rel, pa.table({"customer_id": pa.array(
            known.dropna().astype(V.STRING_DTYPE).unique().astype(str))}))
    checks = V.hard_checks_sql(table, cols, params.rules, cutoff, known_rel)
    bad_any = " OR ".join(q("__bad__" + c) for c in typed.flags) or "false"
    case = " ".join(f"WHEN {cond} THEN {i}" for i, (_, cond, _, _) in enumerate(rules, start=1))
    # Every typing flag and hard check of a row is one bit of a mask column (__m0__, __m1__, ...;
    # _MASK_BITS each). Counting the rows per rule and masks gives every count at once, and the masks
    # survive the day-grain reduction, where a count(*) FILTER per check would cost a hash-aggregate column
    # each. The unknown-customer check, an anti-join against the customers, runs on the reduced rows instead
    # (per account, day and mask).
    row_checks = [j for j, ch in enumerate(checks) if ch[1] != "unknown_customer"]
    conds = [q("__bad__" + c) for c in typed.flags] + [f"({checks[j][2]})" for j in row_checks]
    chunks = [conds[i:i + _MASK_BITS] for i in range(0, len(conds), _MASK_BITS)]
    masks = [f"__m{k}__" for k in range(len(chunks))]
    mask_sel = "".join(
        f", CAST({' | '.join(f'(CASE WHEN {c} THEN {1 << j} ELSE 0 END)' for j, c in enumerate(ch))} AS BIGINT)"
        f" AS {m}" for m, ch in zip(masks, chunks, strict=True))
    typed_rows = f"SELECT *{''.join(', ' + d for d in derived)} FROM ({typed.sql})"
    lines = f"SELECT *, CASE WHEN {bad_any} THEN -1 {case} ELSE 0 END AS __rule__{mask_sel} FROM ({typed_rows})"
    return _Plan(table, cols, rules, checks, row_checks, len(typed.flags), len(conds), masks, typed_rows, lines,
                 day=table == "orders" and grain == "day",
                 money=[c for c in ("revenue", "gross_profit") if c in cols],
                 mix=table == "orders" and "product_line" in cols)


def _materialise(con, rel: str, plan: _Plan) -> _Relation:
    """Run the scan into the temp table ``rel``: the typed lines, or (day grain) their reduction."""
    # the product mix: one row per rule, account and product line with the lines and their revenue (the same
    # aggregate at both grains; _fetch_mix keeps the kept lines' rows)
    mix_set, mix_sums = "__rule__, customer_id, product_line", f"count(*) AS n_lines, sum({q('revenue')}) AS revenue"
    if not plan.day:   # the typed rows materialised once (compressed; spilled beyond the memory limit)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rel} AS {plan.lines}")
        mix = f"(SELECT {mix_set}, {mix_sums} FROM {rel} GROUP BY ALL)" if plan.mix else None
        return _Relation(rel, rel, "__pos__", "count(*)", mix)
    # One streaming pass reduces the lines to the day grain: per order id (the kept lines of an order count
    # as one order), then per account and day. An excluded line stays a group of its own, keyed by its row
    # position (__xpos__), for examples. Cheaper than materialising the lines and grouping them afterwards.
    keys = ", ".join(["__rule__", *plan.masks, "customer_id", "order_date"])
    sums = "".join(f", sum({q(c)}) AS {q(c)}" for c in plan.money)
    if not plan.mix:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {rel} AS SELECT {keys}, __xpos__{sums}, "
                    f"count(*) AS n_orders, CAST(sum(n_lines) AS BIGINT) AS n_lines FROM ("
                    f"SELECT {keys}, order_id, CASE WHEN __rule__ <> 0 THEN __pos__ END AS __xpos__{sums}, "
                    f"count(*) AS n_lines FROM ({plan.lines}) GROUP BY ALL) GROUP BY ALL")
        # the lines are read again only for what is rare: examples, failed checks, derived accounts
        return _Relation(f"({plan.lines})", f"({plan.typed_rows})", "__xpos__", "CAST(sum(n_lines) AS BIGINT)")
    # With a product line the same pass also groups the lines per rule, account and product line (a second
    # grouping set of the first aggregation: the lines are still read once). Those few rows (__mix__ = 1)
    # pass through the day grouping unchanged and are then moved to a table of their own; their n_lines and
    # revenue are the first aggregation's count(*) and sum(revenue), i.e. mix_sums as at the line grain.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rel} AS SELECT {keys}, __xpos__, product_line, __mix__{sums}, "
                f"count(*) AS n_orders, CAST(sum(n_lines) AS BIGINT) AS n_lines FROM ("
                f"SELECT {keys}, order_id, __xpos__, product_line, GROUPING(order_id) AS __mix__{sums}, "
                f"count(*) AS n_lines FROM (SELECT *, CASE WHEN __rule__ <> 0 THEN __pos__ END AS __xpos__ "
                f"FROM ({plan.lines})) GROUP BY GROUPING SETS (({keys}, order_id, __xpos__), ({mix_set}))) "
                f"GROUP BY ALL")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rel}_mix AS SELECT {mix_set}, n_lines, revenue FROM {rel} "
                f"WHERE __mix__ = 1")
    con.execute(f"DELETE FROM {rel} WHERE __mix__ = 1")
    return _Relation(f"({plan.lines})", f"({plan.typed_rows})", "__xpos__", "CAST(sum(n_lines) AS BIGINT)",
                     f"{rel}_mix")


# ------------------------------------------------------------------------------------------ counts and examples

def _count(con, rel: str, relation: _Relation, plan: _Plan) -> _Counts:
    """Pass 1: every count at once, from the rows per rule and masks."""
    amount = _AMOUNT[plan.table]
    stats = con.sql(f"SELECT __rule__{''.join(', ' + m for m in plan.masks)}, {relation.n_rows}, "
                    f"sum(CASE WHEN __rule__ <> 0 THEN CAST({q(amount)} AS DECIMAL(38, 6)) END) "
                    f"FROM {rel} GROUP BY ALL").fetchall()
    # amounts of the excluded rows: exact decimal sums (each row to 1e-6), so that they depend neither on
    # the order DuckDB's threads add them up in nor on the grain
    counts = _Counts({}, {}, [0] * plan.n_bits, [0] * plan.n_bits)
    for rule_id, *ms, count, total in stats:
        counts.rule_rows[rule_id] = counts.rule_rows.get(rule_id, 0) + count
        counts.rule_amount[rule_id] = counts.rule_amount.get(rule_id, Decimal(0)) + (total or Decimal(0))
        for i in range(plan.n_bits):
            if ms[i // _MASK_BITS] >> (i % _MASK_BITS) & 1:
                counts.bits_all[i] += count
                if rule_id == 0:
                    counts.bits_kept[i] += count
    return counts


def _exclusions(con, rel: str, relation: _Relation, plan: _Plan, counts: _Counts) -> list[Exclusion]:
    """Pass 2a: one exclusion per soft rule that fired, with three example rows (positions, then values)."""
    rules, key = plan.rules, plan.key
    fired = [i for i in range(1, len(rules) + 1) if i in counts.rule_rows]
    if not fired:
        return []
    pos = relation.pos
    names = [key, *sorted({c for (_, _, _, c) in rules if c} - {key})]
    first = con.sql(f"SELECT __rule__, {pos} FROM {rel} WHERE __rule__ > 0 QUALIFY row_number() "
                    f"OVER (PARTITION BY __rule__ ORDER BY {pos}) <= 3").fetchall()
    # (day grain: a filter on positions reaches the Parquet reader, which reads only their row groups)
    values = {r[0]: r[1:] for r in con.sql(
        f"SELECT __pos__, {', '.join(q(c) for c in names)} FROM {relation.value_src} "
        f"WHERE __pos__ IN ({', '.join(str(int(p)) for _, p in first)})").fetchall()}
    examples: dict[int, list[str]] = {}
    for rule_id, p in sorted(first):
        row = dict(zip(names, map(_py, values[p]), strict=True))
        col = rules[rule_id - 1][3]
        text = f"row {p + 2}: {V._fmt_value(row[key])}"
        if col:
            text += f" ({col} {V._fmt_value(row[col])})"
        examples.setdefault(rule_id, []).append(text)
    out = []
    for i in fired:
        rule, _, desc, _ = rules[i - 1]
        out.append(Exclusion(table=plan.table, rule=rule, rows=int(counts.rule_rows[i]), description=desc,
                             amount=float(counts.rule_amount[i]), examples=tuple(examples.get(i, ()))))
    return out


def _failed_checks(con, rel: str, relation: _Relation, plan: _Plan, counts: _Counts) -> dict[int, int]:
    """Kept rows failing each hard check: from the mask bits, the unknown-customer check on the relation."""
    failed = {j: counts.bits_kept[plan.n_flags + i] for i, j in enumerate(plan.row_checks)}
    for j, ch in enumerate(plan.checks):
        if j not in failed:   # the unknown-customer check: counted on the reduced rows
            failed[j] = con.sql(f"SELECT coalesce({relation.n_rows}, 0) FROM {rel} WHERE __rule__ = 0 AND "
                                f"({ch[2]})").fetchall()[0][0] if counts.kept else 0
    return failed


def _check_problems(con, rel: str, relation: _Relation, plan: _Plan, counts: _Counts, path: Path,
                    problems: list) -> None:
    """Pass 2b: one problem per hard check that failed, with five example rows (error path)."""
    failed = _failed_checks(con, rel, relation, plan, counts)
    line_src = relation.line_src
    for j, (col, check, cond, ex, detail) in enumerate(plan.checks):
        count = failed[j]
        if not count:
            continue
        sel = "".join(f", {q(c)}" for c in ex)
        got = con.sql(f"SELECT __pos__{sel} FROM {line_src} WHERE __rule__ = 0 AND ({cond}) "
                      f"ORDER BY __pos__ LIMIT 5").fetchall()
        if check == "due_before_invoice":
            exs = tuple(f"row {r[0] + 2}: invoice {_py(r[1]).date()} due {_py(r[2]).date()}" for r in got)
        else:
            exs = tuple(f"row {r[0] + 2}" + (f": {V._fmt_value(_py(r[1]))}" if ex else "") for r in got)
        if check == "unknown_customer":
            distinct = con.sql(f"SELECT count(DISTINCT customer_id) FROM {line_src} WHERE __rule__ = 0 "
                               f"AND ({cond})").fetchall()[0][0]
            detail = f"{distinct:,} customer id(s) not in customers"
        problems.append(V.problem(plan.table, col, check, int(count), exs, detail, path=path))


def _duplicate_key_problem(con, relation: _Relation, plan: _Plan, path: Path, problems: list) -> None:
    """The key must be unique among the kept rows (invoices; an order's lines share its id)."""
    table, key, line_src = plan.table, plan.key, relation.line_src
    if not (TABLES[table].key and key in plan.cols):
        return
    dup = f"SELECT {q(key)} FROM {line_src} WHERE __rule__ = 0 AND {q(key)} IS NOT NULL " \
          f"GROUP BY {q(key)} HAVING count(*) > 1"
    # one grouped pass gives both counts (a semi-join back to the rows only for the examples)
    rows_dup, n_dup = con.sql(f"SELECT coalesce(sum(n), 0), count(*) FROM (SELECT count(*) AS n FROM "
                              f"{line_src} WHERE __rule__ = 0 AND {q(key)} IS NOT NULL GROUP BY {q(key)} "
                              f"HAVING count(*) > 1)").fetchall()[0]
    if rows_dup:
        got = con.sql(f"SELECT __pos__, {q(key)} FROM {line_src} WHERE __rule__ = 0 AND {q(key)} IN "
                      f"({dup}) ORDER BY __pos__ LIMIT 5").fetchall()
        problems.append(V.problem(table, key, "duplicate_key", int(rows_dup),
                                  tuple(f"row {p + 2}: {V._fmt_value(_py(v))}" for p, v in got),
                                  f"{n_dup:,} value(s) appear more than once", path=path))


# ------------------------------------------------------------------------------------------ the kept rows

def _fetch(con, rel: str, relation: _Relation, plan: _Plan,
           known: pd.Series | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Pass 3: the kept rows (orders at the requested grain) and, for orders without a customers table,
    the customer attributes carried on the kept lines."""
    if not plan.day:
        frame = arrow_to_pandas(con.sql(f"SELECT {', '.join(q(c) for c in plan.cols)}, __pos__ FROM {rel} "
                                        f"WHERE __rule__ = 0 ORDER BY __pos__").to_arrow_table())
        # index = data-row position in the file, as for the pandas-read tables (row numbers in flags)
        frame.index = pd.Index(frame.pop("__pos__").to_numpy(dtype="int64"))
    else:
        # no problem, so no kept row has a mask bit set: one row per account and day
        frame = arrow_to_pandas(con.sql(
            f"SELECT customer_id, order_date{''.join(', ' + q(c) for c in plan.money)}, n_orders, n_lines "
            f"FROM {rel} WHERE __rule__ = 0 ORDER BY customer_id, order_date").to_arrow_table())
        frame["n_orders"] = frame["n_orders"].astype("int64")
        frame["n_lines"] = frame["n_lines"].astype("int64")
    attributes = None
    if plan.table == "orders" and known is None:   # no customers table: accounts come from the lines
        attrs = [a for a in CUSTOMER_ATTRIBUTES if a in plan.cols]
        sel = "".join(f", mode({q(a)}) AS {q(a)}" for a in attrs)
        attributes = arrow_to_pandas(con.sql(
            f"SELECT customer_id{sel} FROM {relation.line_src} WHERE __rule__ = 0 "
            f"GROUP BY customer_id").to_arrow_table())
    return frame, attributes


def _fetch_mix(con, relation: _Relation) -> pd.DataFrame | None:
    """The product mix of the kept lines (:attr:`kamlib.ledger.Ledger.product_mix`); None without a product
    line."""
    if relation.mix is None:
        return None
    mix = arrow_to_pandas(con.sql(
        f"SELECT customer_id, product_line, CAST(n_lines AS BIGINT) AS lines, revenue FROM {relation.mix} "
        f"WHERE __rule__ = 0 AND product_line IS NOT NULL ORDER BY customer_id, product_line").to_arrow_table())
    mix["lines"] = mix["lines"].astype("int64")
    return mix
