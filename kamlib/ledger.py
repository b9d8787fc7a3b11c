"""The ledger data model: canonical tables, their columns, and the validated :class:`Ledger`.

A *ledger* is what kamlib analyses read: an ``orders`` table (required) and optional ``customers``,
``invoices`` and ``surveys`` tables, with the canonical column names below. A user's export is mapped onto
these names by the ``columns:`` section of a params file (see :mod:`kamlib.params`), loaded by
:mod:`kamlib.io` and checked once by :mod:`kamlib.validation`. Everything downstream trusts a ``Ledger``.

Canonical dtypes after loading
------------------------------
* ids (``order_id``, ``customer_id`` ...) and categorical attributes: pandas string dtype
  (``"string"``), whitespace stripped; ids are never parsed as numbers ("007" stays "007").
* dates: ``datetime64[ns]`` (naive, day precision is enough for every analysis).
* amounts and scores: ``float64``.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Kind = Literal["id", "str", "date", "float"]


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column of a ledger table."""

    name: str
    kind: Kind
    required: bool
    description: str
    pii: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A canonical ledger table: its columns and its primary key (``None`` when rows may repeat an id)."""

    name: str
    required: bool
    key: str | None
    columns: tuple[ColumnSpec, ...]
    description: str

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


C = ColumnSpec

#: Customer attributes that may also be carried on order lines (e.g. a retail export's Country); when the
#: customers table is absent they are lifted from the orders onto a derived customers table.
CUSTOMER_ATTRIBUTES = ("name", "region", "business_unit", "industry", "size_band", "parent_id",
                       "account_manager")

ORDERS = TableSpec(
    name="orders",
    required=True,
    key=None,  # one row per order *line*; order_id repeats across the lines of one order
    description="One row per order or order line (net of tax). Returns and cancellations may be present; "
                "they are excluded by documented rules and counted in the data-quality summary.",
    columns=(
        C("order_id", "id", True, "Order (or invoice) number; lines of one order share it."),
        C("customer_id", "id", True, "Account that placed the order; rows without it are excluded and counted."),
        C("order_date", "date", True, "Order date."),
        C("revenue", "float", True, "Net revenue of the line. Derived as quantity × unit_price when absent."),
        C("gross_profit", "float", False,
          "Gross profit of the line. Derived as revenue − cost when only cost is given."),
        C("cost", "float", False, "Cost of goods of the line (alternative to gross_profit)."),
        C("quantity", "float", False, "Units; a negative quantity marks a return."),
        C("unit_price", "float", False, "Price per unit; zero-price lines are excluded and counted."),
        C("product_line", "str", False, "Product line / category."),
        C("product_id", "id", False, "Product / SKU / stock code; rules.exclude_values can drop non-product "
                                     "codes (postage, fees, manual adjustments)."),
        C("product_name", "str", False, "Product description."),
        C("status", "str", False, "Order status; values listed in rules.cancelled_status mark cancellations."),
        C("name", "str", False, "Customer attribute carried on the order line: account name."),
        C("region", "str", False, "Customer attribute carried on the order line (used when customers is absent)."),
        C("business_unit", "str", False, "Customer attribute carried on the order line."),
        C("industry", "str", False, "Customer attribute carried on the order line."),
        C("size_band", "str", False, "Customer attribute carried on the order line."),
        C("parent_id", "id", False, "Customer attribute carried on the order line: group / holding company id."),
        C("account_manager", "str", False, "Customer attribute carried on the order line.", pii=True),
    ),
)

CUSTOMERS = TableSpec(
    name="customers",
    required=False,
    key="customer_id",
    description="One row per account. Optional: when absent it is derived from orders (customer_id, first "
                "order date and any customer attributes found on order lines).",
    columns=(
        C("customer_id", "id", True, "Account id, unique."),
        C("name", "str", False, "Account name (masked in distributed reports when report.mask_names is on).",
          pii=False),
        C("region", "str", False, "Sales region, e.g. 华东."),
        C("business_unit", "str", False, "Business unit serving the account."),
        C("industry", "str", False, "Industry of the account."),
        C("size_band", "str", False, "Company size band, e.g. 大型 / 中型 / 小型."),
        C("parent_id", "id", False,
          "Group / holding company id (chains of any depth roll up to the ultimate parent when "
          "value.group_rollup is on; auto: whenever any account has a parent)."),
        C("account_manager", "str", False, "Responsible account manager.", pii=True),
        C("contact_name", "str", False, "Main contact (PII, masked in distributed reports).", pii=True),
        C("phone", "str", False, "Contact phone (PII, masked in distributed reports).", pii=True),
        C("email", "str", False, "Contact e-mail (PII, masked in distributed reports).", pii=True),
        C("tax_id", "id", False, "Tax id / unified social credit code (统一社会信用代码); with name, phone and "
                                 "e-mail it flags one account under two ids."),
        C("first_contract_date", "date", False, "Start of the relationship / first contract (survival clock start)."),
        C("contract_end_date", "date", False, "End date of the current contract (contractual churn when in the past)."),
        C("churn_date", "date", False, "Date the account was lost (contractual churn); empty while active."),
        C("value_fit", "float", False, "Demand match: how well our offer fits the account's value needs, 1-5."),
        C("procurement_fit", "float", False, "Demand match: fit with the account's procurement process, 1-5."),
        C("churn_reason", "str", False, "Why a lost account left (深切领会客户跳槽的真正原因), e.g. 价格 / 服务 / "
                                       "质量 / 竞争对手; empty while active."),
        C("credit_rating", "str", False, "Credit rating (资信级别), e.g. AAA / AA / A / B."),
    ),
)

INVOICES = TableSpec(
    name="invoices",
    required=False,
    key="invoice_id",
    description="One row per invoice; feeds collection period (days to pay, DSO), overdue and outstanding amounts.",
    columns=(
        C("invoice_id", "id", True, "Invoice number, unique."),
        C("customer_id", "id", True, "Invoiced account; must exist in customers."),
        C("invoice_date", "date", True, "Issue date."),
        C("due_date", "date", True, "Payment due date; must not be before invoice_date."),
        C("amount", "float", True, "Invoiced amount, ≥ 0."),
        C("paid_date", "date", False, "Date paid in full; empty while unpaid."),
        C("paid_amount", "float", False, "Amount paid so far (defaults to amount when paid_date is set)."),
    ),
)

SURVEYS = TableSpec(
    name="surveys",
    required=False,
    key="response_id",
    description="One row per survey response. Likert items (1-5) are extra columns named in "
                "params satisfaction.constructs; 'overall' is overall satisfaction 1-5, 'nps' is 0-10.",
    columns=(
        C("response_id", "id", True, "Response id, unique."),
        C("customer_id", "id", True, "Responding account; must exist in customers."),
        C("survey_date", "date", True, "Date answered."),
        C("wave", "str", False, "Survey wave label (e.g. 2024H1); derived from the survey year-half when absent."),
        C("respondent_role", "str", False, "decision_maker / user / procurement / ..."),
        C("respondent_name", "str", False, "Respondent (PII, masked in distributed reports).", pii=True),
        C("overall", "float", False, "Overall satisfaction, 1 (非常不满意) … 5 (非常满意)."),
        C("nps", "float", False, "Likelihood to recommend, 0-10."),
    ),
)

INTERACTIONS = TableSpec(
    name="interactions",
    required=False,
    key="interaction_id",
    description="One row per contact with an account (定期互动): visits, calls, meetings, complaints (投诉), "
                "service requests. Feeds contact frequency, accounts not contacted for long, complaint rates "
                "and resolution times.",
    columns=(
        C("interaction_id", "id", True, "Interaction id, unique."),
        C("customer_id", "id", True, "Account contacted; must exist in customers."),
        C("interaction_date", "date", True, "Date of the contact (or when the complaint was received)."),
        C("type", "str", True, "visit / call / meeting / complaint / service_request ... (拜访 / 电话 / 会议 / "
                               "投诉 / 服务请求 are understood too)."),
        C("account_manager", "str", False, "Who made the contact.", pii=True),
        C("outcome", "str", False, "Outcome of the contact, free text or a code."),
        C("category", "str", False, "Category or reason, e.g. the complaint category (交付 / 质量 / 价格 ...)."),
        C("resolved_date", "date", False, "When a complaint or service request was resolved; empty while open."),
    ),
)

OPPORTUNITIES = TableSpec(
    name="opportunities",
    required=False,
    key="opportunity_id",
    description="One row per sales opportunity / project bid; feeds the win rate (项目签约成功率), pipeline value "
                "and lost reasons.",
    columns=(
        C("opportunity_id", "id", True, "Opportunity id, unique."),
        C("customer_id", "id", True, "Account bid for; must exist in customers."),
        C("created_date", "date", True, "Date the opportunity was opened."),
        C("close_date", "date", False, "Date it was won or lost (expected close date while open)."),
        C("stage", "str", False, "Pipeline stage while open, e.g. 线索 / 方案 / 谈判."),
        C("amount", "float", False, "Expected or contracted value, ≥ 0."),
        C("status", "str", False, "won / lost / open (赢单 / 输单 / 进行中 are understood too); empty = open."),
        C("lost_reason", "str", False, "Why a lost opportunity was lost."),
    ),
)

TARGETS = TableSpec(
    name="targets",
    required=False,
    key=None,   # one row per period and account, or per period and account manager
    description="Revenue targets (long-term goals broken into annual targets): one row per period and account "
                "(customer_id) or per period and account manager (customer_id empty).",
    columns=(
        C("period", "str", True, "Target period: a year (2024 or 2024年), half (2024H1), quarter (2024Q1) or "
                                 "month (2024-03 or 2024年3月)."),
        C("customer_id", "id", False, "Account the target is for; empty for an account manager's target."),
        C("account_manager", "str", False, "Account manager the target is for (when customer_id is empty).",
          pii=True),
        C("revenue_target", "float", True, "Revenue target of the period, ≥ 0."),
    ),
)


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a target period: 2024, 2024H1, 2024Q3, 2024-03 (also 2024年 and 2024年3月).

    Parameters
    ----------
    period : str
        A year, half year (``H1``/``H2``), quarter or month (case-insensitive).

    Returns
    -------
    tuple of Timestamp
        First and last day, at midnight.

    Raises
    ------
    ValueError
        ``period`` is not such a period (the targets contract reports it before any analysis runs).

    >>> [str(d.date()) for d in period_bounds("2024H2")]
    ['2024-07-01', '2024-12-31']
    >>> [str(d.date()) for d in period_bounds("2024年3月")]
    ['2024-03-01', '2024-03-31']
    """
    p = str(period).strip().upper()
    zh = re.fullmatch(r"(\d{4})年(?:(\d{1,2})月)?", p)
    if zh:
        p = zh.group(1) + (f"-{int(zh.group(2)):02d}" if zh.group(2) else "")
    if len(p) == 6 and p[4] == "H" and p[:4].isdigit() and p[5] in "12":
        start = pd.Timestamp(f"{p[:4]}-{'01' if p[5] == '1' else '07'}-01")
        return start, start + pd.DateOffset(months=6) - pd.Timedelta(days=1)
    try:
        per = pd.Period(p, freq="Q" if "Q" in p else "M" if "-" in p else "Y")
    except (ValueError, TypeError) as e:   # pandas' DateParseError is a ValueError
        raise ValueError(f"not a target period: {period!r}") from e
    return per.start_time.normalize(), per.end_time.normalize()


def is_period(value) -> bool:
    """Whether ``value`` is a target period :func:`period_bounds` reads."""
    try:
        period_bounds(value)
    except ValueError:
        return False
    return True


TABLES: dict[str, TableSpec] = {t.name: t for t in (ORDERS, CUSTOMERS, INVOICES, SURVEYS, INTERACTIONS,
                                                    OPPORTUNITIES, TARGETS)}

#: the account-management tables: optional, small, read and checked like customers and surveys
MANAGEMENT_TABLES = ("interactions", "opportunities", "targets")

#: Likert answer wording → score (5 best), for exports that store the words instead of numbers: the common
#: Chinese and English five-point scales (satisfaction and agreement), the KAM articles' wording
#: (高度满意 / 一般满意 / 无意见 / 有些不满意 / 极不满意) included. Matched after trimming, ignoring case and
#: spaces; a company's own wording is added with params ``satisfaction.answer_labels``.
LIKERT_LABELS: dict[str, int] = {
    # Chinese, satisfaction
    "非常满意": 5, "很满意": 5, "十分满意": 5, "高度满意": 5, "极其满意": 5, "特别满意": 5,
    "比较满意": 4, "较满意": 4, "满意": 4, "一般满意": 4, "基本满意": 4, "还算满意": 4,
    "无意见": 3, "一般": 3, "中立": 3, "说不清": 3, "不确定": 3, "中等": 3, "还行": 3,
    "不太满意": 2, "不满意": 2, "有些不满意": 2, "比较不满意": 2, "较不满意": 2, "有点不满意": 2,
    "非常不满意": 1, "很不满意": 1, "极不满意": 1, "十分不满意": 1, "极其不满意": 1, "特别不满意": 1,
    # Chinese, agreement
    "非常同意": 5, "完全同意": 5, "比较同意": 4, "同意": 4, "不确定是否同意": 3,
    "不太同意": 2, "不同意": 2, "非常不同意": 1, "完全不同意": 1,
    # English, satisfaction
    "very satisfied": 5, "extremely satisfied": 5, "completely satisfied": 5, "highly satisfied": 5,
    "satisfied": 4, "somewhat satisfied": 4, "fairly satisfied": 4, "mostly satisfied": 4,
    "neutral": 3, "neither": 3, "neither satisfied nor dissatisfied": 3, "no opinion": 3,
    "neither satisfied or dissatisfied": 3, "average": 3,
    "dissatisfied": 2, "somewhat dissatisfied": 2, "unsatisfied": 2, "fairly dissatisfied": 2,
    "very dissatisfied": 1, "extremely dissatisfied": 1, "completely dissatisfied": 1, "very unsatisfied": 1,
    "highly dissatisfied": 1,
    # English, agreement
    "strongly agree": 5, "agree": 4, "somewhat agree": 4, "neither agree nor disagree": 3,
    "neither agree or disagree": 3, "somewhat disagree": 2, "disagree": 2, "strongly disagree": 1,
}


def likert_key(label: str) -> str:
    """How answer wording is matched: trimmed, lower case, without spaces (full-width spaces included).

    Parameters
    ----------
    label : str
        An answer label (non-strings are read as text).

    Returns
    -------
    str
    """
    return "".join(str(label).split()).lower()


@dataclass(frozen=True)
class Exclusion:
    """Rows excluded by a documented soft rule (counted, never silent)."""

    table: str
    rule: str          # machine name, e.g. "cancelled", "return", "zero_price", "missing_customer_id"
    rows: int
    description: str   # what the rule is and why the rows are excluded
    amount: float = 0.0  # revenue (or invoice amount) carried by the excluded rows, for scale
    examples: tuple = ()


@dataclass(frozen=True)
class DataQualityReport:
    """What loading and validation did to each table: rows read, excluded by rule, kept; warnings."""

    rows_read: dict[str, int] = field(default_factory=dict)
    rows_kept: dict[str, int] = field(default_factory=dict)
    exclusions: tuple[Exclusion, ...] = ()
    notes: tuple[str, ...] = ()
    #: rows that are kept but counted because analysts should know about them (e.g. unpaid invoices)
    flags: tuple[Exclusion, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per (table, rule) plus a read/kept line per table; excluded rows add up exactly."""
        rows = []
        for table, n in self.rows_read.items():
            rows.append({"table": table, "rule": "read", "rows": n, "amount": float("nan"),
                         "description": "rows read from the source"})
            for e in self.exclusions:
                if e.table == table:
                    rows.append({"table": table, "rule": e.rule, "rows": -e.rows, "amount": e.amount,
                                 "description": e.description})
            rows.append({"table": table, "rule": "kept", "rows": self.rows_kept.get(table, n),
                         "amount": float("nan"), "description": "rows used by the analyses"})
        return pd.DataFrame(rows, columns=["table", "rule", "rows", "amount", "description"])

    @property
    def excluded(self) -> int:
        return sum(e.rows for e in self.exclusions)

    def count(self, rule: str, table: str | None = None) -> int:
        """Rows excluded (or flagged) under ``rule``, optionally in one ``table``; 0 when the rule never fired."""
        return sum(e.rows for e in self.exclusions + self.flags
                   if e.rule == rule and (table is None or e.table == table))

    def flags_frame(self) -> pd.DataFrame:
        """Rows kept but counted for information (e.g. invoices still unpaid at the period end)."""
        return pd.DataFrame([{"table": f.table, "rule": f.rule, "rows": f.rows, "amount": f.amount,
                              "description": f.description} for f in self.flags],
                            columns=["table", "rule", "rows", "amount", "description"])

    def _repr_html_(self) -> str:
        import html

        parts = [self.to_frame().to_html(index=False, escape=True, na_rep="")]
        if self.flags:
            parts.append("<p>Kept but counted:</p>" + self.flags_frame().to_html(index=False, escape=True, na_rep=""))
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


def take_rows(df: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``df[keep]`` for a boolean numpy mask, fast on pyarrow-backed string columns.

    pandas' generic take on chunked Arrow strings costs about a second per million rows and column;
    filtering the Arrow data directly is ~20x faster. The index (data-row positions) is kept.

    Parameters
    ----------
    df : DataFrame
        A table.
    keep : array-like of bool
        One flag per row of ``df``.

    Returns
    -------
    DataFrame
        The kept rows with their dtypes; ``df`` itself when every row is kept.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return df
    mask = pa.array(keep)
    index = df.index[keep]
    cols = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            arr = pc.filter(pa.array(s.array), mask)   # zero-copy view of the Arrow data, then filter
            out = pd.Series(pd.arrays.ArrowStringArray(arr), index=index, name=c)
            cols[c] = out if out.dtype == s.dtype else out.astype(s.dtype)
        else:
            cols[c] = pd.Series(s.to_numpy()[keep], index=index, name=c, dtype=s.dtype)
    return pd.DataFrame(cols, index=index)


def isin_mask(values: pd.Series, allowed) -> np.ndarray:
    """``values.isin(allowed)`` as a numpy bool array (missing = False), via Arrow's hash lookup, which is
    several times faster than pandas on Arrow-backed strings.

    Parameters
    ----------
    values : Series
        Values, compared as text.
    allowed : iterable
        Allowed values, compared as text (missing ones are ignored).

    Returns
    -------
    ndarray of bool
        One flag per element of ``values``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    sdt = pd.StringDtype("pyarrow")
    left = pa.array(values.astype(sdt).array)
    right = pa.array(pd.Series(pd.unique(pd.Series(allowed, dtype=sdt).dropna()), dtype=sdt).array)
    found = pc.is_in(left, value_set=right, skip_nulls=True)
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass(frozen=True, eq=False)
class Ledger:
    """A validated ledger: canonical tables, the data-quality report and where the data came from.

    ``customers`` is always present (derived from orders when the source has no customers table);
    ``invoices`` and ``surveys`` are ``None`` when not supplied, and analyses that need them report the
    affected indicators as unavailable rather than zero.
    """

    orders: pd.DataFrame
    customers: pd.DataFrame
    invoices: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    quality: DataQualityReport = field(default_factory=DataQualityReport)
    #: table -> {"path": str, "fingerprint": str, "rows": int}
    sources: dict = field(default_factory=dict)
    #: Likert item columns present in ``surveys`` (beyond the canonical columns)
    survey_items: tuple[str, ...] = ()
    #: grain of ``orders``: "line" (one row per order line) or "day" (one row per account and order date,
    #: with ``n_orders`` distinct orders and ``n_lines`` lines; see kamlib.io.load_full_ledger)
    grain: str = "line"
    #: loader of the tables a stored workbook leaves out (see :meth:`deferring`); None for a ledger in memory
    deferred: Any = field(default=None, repr=False, compare=False)
    #: account-management tables (:data:`MANAGEMENT_TABLES`), ``None`` when not supplied
    interactions: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    #: product mix of the kept order lines (:data:`PRODUCT_MIX_COLUMNS`: one row per account and product line,
    #: computed in the scan whenever orders have ``product_line``), so that breadth analyses work at the day
    #: grain, whose ``orders`` carry no product line; ``None`` without ``product_line``
    product_mix: pd.DataFrame | None = None

    def __getattr__(self, name: str):
        # reached only when normal lookup fails: a table left out of a stored workbook is loaded on first use
        # (``self.__dict__`` is read directly so that this is safe while unpickling)
        loader = self.__dict__.get("deferred")
        if loader is None or name not in DEFERRABLE:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        for table, frame in loader.load().items():
            object.__setattr__(self, table, frame)
        object.__setattr__(self, "deferred", None)
        return self.__dict__[name]

    def deferring(self, loader) -> Ledger:
        """This ledger without its large tables (:data:`DEFERRABLE`), which ``loader.load()`` returns (a dict
        table -> frame) the first time one of them is used.

        Used by the run cache: most notebooks never touch the order and invoice rows, so a stored workbook
        leaves them out instead of writing and reading them with every region's workbook. ``loader`` must be
        picklable and may carry ``order_lines`` (shown without loading the rows).
        """
        out = copy.copy(self)
        for table in DEFERRABLE:
            out.__dict__.pop(table, None)
        object.__setattr__(out, "deferred", loader)
        return out

    def with_tables(self, **tables) -> Ledger:
        """A copy with some tables replaced, keeping deferred tables deferred (``dataclasses.replace`` would
        load them)."""
        out = copy.copy(self)
        for table, frame in tables.items():
            if table in DEFERRABLE or table not in TABLES:
                raise KeyError(f"with_tables replaces customers or surveys, not {table!r}")
            object.__setattr__(out, table, frame)
        return out

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last order date."""
        d = self.orders["order_date"]
        return d.min(), d.max()

    @property
    def order_lines(self) -> int:
        """Number of kept order lines, whatever the grain (at day grain ``orders`` has fewer rows)."""
        if "orders" not in self.__dict__ and getattr(self.deferred, "order_lines", None) is not None:
            return int(self.deferred.order_lines)   # known without loading the deferred rows
        if self.grain == "day" and "n_lines" in self.orders:
            return int(self.orders["n_lines"].sum())
        return len(self.orders)

    def has(self, table: str) -> bool:
        return getattr(self, table) is not None

    def subset(self, customer_ids) -> Ledger:
        """The same ledger restricted to ``customer_ids`` (e.g. one region); quality/sources are kept."""
        ids = pd.Series(pd.Index(customer_ids)).astype(pd.StringDtype("pyarrow"))

        def keep(df):
            if df is None:
                return None
            return take_rows(df, isin_mask(df["customer_id"], ids)).reset_index(drop=True)

        return Ledger(orders=keep(self.orders), customers=keep(self.customers), invoices=keep(self.invoices),
                      surveys=keep(self.surveys), quality=self.quality, sources=self.sources,
                      survey_items=self.survey_items, grain=self.grain,
                      interactions=keep(self.__dict__.get("interactions")),
                      opportunities=keep(self.__dict__.get("opportunities")),
                      targets=_keep_targets(self.__dict__.get("targets"), ids, self.customers),
                      product_mix=keep(self.__dict__.get("product_mix")))


def _keep_targets(targets: pd.DataFrame | None, ids: pd.Series, customers: pd.DataFrame) -> pd.DataFrame | None:
    """The targets of a subset: those of its accounts, and account-manager targets (no customer_id) of the
    managers who serve one of its accounts."""
    if targets is None:
        return None
    keep = isin_mask(targets["customer_id"], ids) if "customer_id" in targets else np.zeros(len(targets), bool)
    if "account_manager" in targets and "account_manager" in customers:
        mine = customers["account_manager"][isin_mask(customers["customer_id"], ids)]
        no_account = (targets["customer_id"].isna().to_numpy(dtype=bool) if "customer_id" in targets
                      else np.ones(len(targets), bool))
        keep |= no_account & isin_mask(targets["account_manager"], mine)
    return take_rows(targets, keep).reset_index(drop=True)


#: columns of :attr:`Ledger.product_mix`: account, product line, kept order lines (``lines``, int64) and their
#: summed revenue; lines without a product line are left out
PRODUCT_MIX_COLUMNS = ("customer_id", "product_line", "lines", "revenue")

#: tables a stored workbook may leave out and load on first use (:meth:`Ledger.deferring`)
DEFERRABLE = ("orders", "invoices")

_KIND_TEXT = {"id": "id (text)", "str": "text", "date": "date", "float": "number"}


def tables_markdown() -> str:
    """Markdown reference of every canonical table and column (``docs/ledger.md`` embeds it verbatim, and a
    test checks that the page matches this function, so the documentation cannot drift from the code)."""
    out = []
    for t in TABLES.values():
        key = f"key `{t.key}`" if t.key else "no key (one row per line)"
        out.append(f"### `{t.name}` ({'required' if t.required else 'optional'}; {key})\n")
        out.append(t.description + "\n")
        out.append("| column | type | required | description |")
        out.append("|---|---|---|---|")
        for c in t.columns:
            desc = c.description + (" *PII.*" if c.pii and "PII" not in c.description else "")
            out.append(f"| `{c.name}` | {_KIND_TEXT[c.kind]} | {'yes' if c.required else ''} | {desc} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
