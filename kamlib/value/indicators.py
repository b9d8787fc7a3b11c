"""Per-account value indicators as of a period end (columns fixed in docs/CONTRACTS.md)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning, KamlibError, KamlibWarning, StatisticalWarning
from ..i18n import Message
from ..ledger import CUSTOMER_ATTRIBUTES, Ledger
from .aggregates import account_codes, financial_indicators, order_aggregates_numpy
from .catalog import INDICATOR_GROUPS
from .labels import IndicatorName

_FINANCIAL = ("days_to_pay", "dso", "overdue_amount", "outstanding_amount", "late_share")
_SIZE_SCORES = {"大型": 1.0, "large": 1.0, "中型": 0.5, "medium": 0.5, "小型": 0.0, "small": 0.0,
                "微型": 0.0, "micro": 0.0}
_DAYS_PER_YEAR = 365.25


def _months_back(dates: pd.Series | np.ndarray, as_of: pd.Timestamp) -> np.ndarray:
    """Whole months between each date and ``as_of``: 0 for the month ending at ``as_of``.

    Periods are anchored at ``as_of`` (not calendar months), so a quarter is always three full months
    and a period end in mid-month does not produce a partial last quarter. Dates must not be missing.
    """
    days = np.asarray(dates, dtype="datetime64[ns]").view(np.int64) // np.int64(86_400 * 10**9)
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    # calendar arithmetic once per distinct day (a few thousand), then a table lookup per row: converting
    # millions of datetimes to months and days of month would dominate the function
    lo = int(days.min())
    span = (np.arange(lo, int(days.max()) + 1, dtype=np.int64)).astype("datetime64[D]")
    month = span.astype("datetime64[M]")
    dom = (span - month.astype("datetime64[D]")).astype(np.int64) + 1
    table = (as_of.year - 1970) * 12 + (as_of.month - 1) - month.astype(np.int64) - (dom > as_of.day)
    return table[days - lo]


def _customer_frame(ledger: Ledger) -> pd.DataFrame:
    cust = ledger.customers
    if cust is None or "customer_id" not in cust:
        raise KamlibError("ledger.customers is missing or has no customer_id column; load the ledger with "
                          "kamlib.io.load_ledger (it derives customers from orders when needed).")
    cust = cust.drop_duplicates("customer_id").set_index("customer_id")
    cust.index = cust.index.astype("str")
    return cust


def customer_indicators(ledger: Ledger, as_of, *, growth_periods: int = 4,
                        inactive_days: int = 365) -> pd.DataFrame:
    """Per-account value indicators as of ``as_of`` (one row per account in ``ledger.customers``).

    Parameters
    ----------
    ledger : Ledger
        Validated ledger (canonical columns). Orders, invoices dated after ``as_of`` are ignored, and
        payments after ``as_of`` count as not yet made, so the function can be evaluated at any past date
        (used by :func:`dynamic_identification`).
    as_of : date-like
        Period end.
    growth_periods : int, default 4
        Number of three-month periods (ending at ``as_of``) in the revenue-growth slope.
    inactive_days : int, default 365
        Only used when the customers table has no ``churn_date``: an account without an order in this many
        days is not ``active``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` with the columns of docs/CONTRACTS.md ("Customer indicator columns"),
        plus ``size_score`` (大型 1, 中型 0.5, 小型 0) when ``size_band`` is present, ``churn_date`` when the
        customers table has it, and ``active`` (bool): ordered by ``as_of`` and not lost at ``as_of``
        (``churn_date`` after ``as_of`` or empty; without churn dates, an order within ``inactive_days``).
        Tiers are assigned among active accounts only (:func:`assign_tiers`).
        ``df.attrs["unavailable"]`` lists indicators that cannot be computed from this ledger
        (e.g. the financial ones when there is no invoices table) - they are NaN, never 0. Soft problems
        are issued as keyed :class:`~kamlib.errors.KamlibWarning` s (the workbook collects them).

    Notes
    -----
    * ``tenure_days`` runs from the first order in the ledger window (left-censored at the window start).
    * ``frequency`` = orders per year of tenure, tenure floored at 90 days so a brand-new account with
      two orders is not extrapolated to 50 orders a year.
    * ``revenue_growth`` = OLS slope of the last ``growth_periods`` three-month revenues divided by their
      mean (per period; +0.25 means revenue grows by a quarter of its average level every quarter).
      Periods that start before the first order date of the whole ledger are not observed and are left out.
    * ``dso`` = outstanding receivables at ``as_of`` / amount invoiced in the last 365 days × 365.
    * ``late_share`` = share of the account's invoices paid after the due date, or unpaid and past due at
      ``as_of`` (denominator: all invoices issued by ``as_of``).
    """
    as_of = pd.Timestamp(as_of).normalize()
    notes = _Notes()
    cust = _customer_frame(ledger)
    ids = cust.index
    rows = _window_orders(ledger.orders, ids, as_of, notes)
    agg = order_aggregates_numpy(rows.codes, len(ids), rows.rev, rows.gp, _months_back(rows.dates, as_of),
                                 rows.dates, rows.n_orders, rows.order_codes, growth_periods)
    has_profit = rows.gp is not None
    out = _order_indicators(agg, ids, as_of, has_profit)
    ledger_start = pd.Timestamp(ledger.orders["order_date"].min()) if len(ledger.orders) else as_of
    _add_growth(out, agg["periods"], as_of, ledger_start, growth_periods, notes)
    _add_year_on_year(out, agg, as_of, ledger_start, notes)
    _add_financial(out, financial_indicators(ledger.invoices, ids, as_of), notes)
    _add_contribution(out, has_profit, notes)
    _add_attributes(out, cust, as_of, inactive_days)
    out.attrs["as_of"] = as_of
    out.attrs["unavailable"] = tuple(dict.fromkeys(notes.unavailable))
    return out


class _Notes:
    """Soft problems met while computing the indicators, and the indicators this ledger cannot provide."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.unavailable: list[str] = []

    def add(self, msg: Message, category: type[KamlibWarning]) -> None:
        """Record ``msg`` and issue it as a warning, attributed to the caller of :func:`customer_indicators`
        (add <- step <- customer_indicators <- caller)."""
        self.messages.append(msg)
        warnings.warn(category(msg), stacklevel=4)


@dataclass(frozen=True, eq=False)
class _WindowOrders:
    """The order rows up to ``as_of`` of known accounts, as numpy arrays (views of the ledger when every row
    is kept)."""

    codes: np.ndarray                # account position in the customers index
    dates: np.ndarray                # datetime64[ns]
    rev: np.ndarray                  # revenue, missing as 0
    gp: np.ndarray | None            # gross profit (NaN kept); None when the ledger has neither profit nor cost
    n_orders: np.ndarray | None      # day grain: distinct orders per row
    order_codes: np.ndarray | None   # line grain: factorized order ids


def _window_orders(o: pd.DataFrame, ids: pd.Index, as_of: pd.Timestamp, notes: _Notes) -> _WindowOrders:
    # numpy arrays, masked per as_of: filtering the frame would copy its Arrow string columns for nothing
    dates_all = o["order_date"].to_numpy(dtype="datetime64[ns]")
    codes_all = account_codes(ids, o["customer_id"])
    in_window = dates_all <= np.datetime64(as_of, "ns")   # missing dates compare False: left out
    unknown = int((in_window & (codes_all < 0)).sum())
    if unknown:
        notes.add(Message("value.w.unknown_ids", {"n": unknown}), DataQualityWarning)
    mask = in_window & (codes_all >= 0)
    # every row kept (the usual case at the period end): views, not copies - on a large day-grain ledger
    # each copy costs hundreds of MB
    keep: slice | np.ndarray = slice(None) if mask.all() else mask
    rev = o["revenue"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    if np.isnan(rev).any():
        rev = np.nan_to_num(rev, nan=0.0)   # a copy: ``rev`` may be a view of the ledger's column
    # profit availability is a property of the ledger, not of the window
    gp: np.ndarray | None
    if "gross_profit" in o.columns and (len(o) == 0 or o["gross_profit"].notna().any()):
        gp = o["gross_profit"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    elif "cost" in o.columns and o["cost"].notna().any():
        gp = rev - o["cost"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    else:
        gp = None
        notes.unavailable += ["gross_profit", "margin", "profit_share"]
        notes.add(Message("value.w.no_profit"), DataQualityWarning)
    n_orders = order_codes = None
    if "n_orders" in o.columns:   # day grain: distinct orders per account and day, already counted
        n_orders = o["n_orders"].to_numpy(dtype="float64")[keep]
    else:
        order_codes = pd.factorize(o["order_id"], sort=False)[0][keep]
        missing = order_codes < 0
        if missing.any():   # a line without an order id (a ledger not from kamlib.io) is an order of its own
            order_codes[missing] = order_codes.max() + 1 + np.arange(int(missing.sum()))
    return _WindowOrders(codes=codes_all[keep], dates=dates_all[keep], rev=rev, gp=gp, n_orders=n_orders,
                         order_codes=order_codes)


def _order_indicators(agg: dict, ids: pd.Index, as_of: pd.Timestamp, has_profit: bool) -> pd.DataFrame:
    """Revenue, profit, margin, order counts and values, first / last order, recency, tenure, frequency."""
    out = pd.DataFrame(index=ids)
    out.index.name = "customer_id"
    revenue = agg["revenue"]
    out["revenue"] = revenue
    if has_profit:
        out["gross_profit"] = np.where(agg["gp_n"] > 0, agg["gross_profit"], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["margin"] = np.where(revenue > 0, out["gross_profit"].to_numpy() / revenue, np.nan)
    else:
        out["gross_profit"] = np.nan
        out["margin"] = np.nan
    oc = agg["order_count"].astype("float64")
    out["order_count"] = oc
    with np.errstate(divide="ignore", invalid="ignore"):
        out["avg_order_value"] = np.where(oc > 0, revenue / oc, np.nan)
    out["first_order_date"] = pd.to_datetime(agg["first"]).astype("datetime64[ns]")
    out["last_order_date"] = pd.to_datetime(agg["last"]).astype("datetime64[ns]")
    out["recency_days"] = (as_of - out["last_order_date"]).dt.days.astype("float64")
    out["tenure_days"] = (as_of - out["first_order_date"]).dt.days.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["frequency"] = np.where(oc > 0, oc / (np.maximum(out["tenure_days"].to_numpy(), 90.0) / _DAYS_PER_YEAR),
                                    np.nan)
    return out


def _add_growth(out: pd.DataFrame, periods: np.ndarray, as_of: pd.Timestamp, ledger_start: pd.Timestamp,
                growth_periods: int, notes: _Notes) -> None:
    """``revenue_growth``: slope of the last observed three-month revenues (``periods``: accounts x P, column
    0 the most recent), relative to their mean."""
    p_obs = 0
    for k in range(growth_periods):
        start = as_of - pd.DateOffset(months=3 * (k + 1))
        if start + pd.Timedelta(days=1) >= ledger_start - pd.Timedelta(days=1):
            p_obs = k + 1
        else:
            break
    if p_obs < growth_periods:
        notes.add(Message("value.w.growth_short", {"indicator": IndicatorName("revenue_growth"), "used": p_obs,
                                                     "periods": growth_periods, "start": str(ledger_start.date())}),
                  StatisticalWarning)
    if p_obs < 2:
        out["revenue_growth"] = np.nan
        notes.unavailable.append("revenue_growth")
        return
    y = periods[:, :p_obs][:, ::-1]  # oldest first
    x = np.arange(p_obs, dtype="float64")
    xc = x - x.mean()
    ybar = y.mean(axis=1)
    slope = (y - ybar[:, None]) @ xc / (xc @ xc)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["revenue_growth"] = np.where(ybar > 0, slope / ybar, np.nan)


def _add_year_on_year(out: pd.DataFrame, agg: dict, as_of: pd.Timestamp, ledger_start: pd.Timestamp,
                      notes: _Notes) -> None:
    """``revenue_last_12m`` and ``revenue_yoy`` (NaN unless 24 months of orders are observed)."""
    last12, prev12 = agg["last12"], agg["prev12"]
    out["revenue_last_12m"] = last12
    yoy_observed = as_of - pd.DateOffset(months=24) >= ledger_start - pd.Timedelta(days=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["revenue_yoy"] = np.where((prev12 > 0) & yoy_observed, last12 / prev12 - 1.0, np.nan)
    if not yoy_observed:
        notes.unavailable.append("revenue_yoy")
        notes.add(Message("value.w.yoy_short", {"indicator": IndicatorName("revenue_yoy"), "as_of": str(as_of.date()),
                                                  "start": str(ledger_start.date())}), StatisticalWarning)


def _add_financial(out: pd.DataFrame, fin: pd.DataFrame | None, notes: _Notes) -> None:
    """The invoice-based indicators, NaN (and unavailable) without an invoices table."""
    if fin is None:
        for c in _FINANCIAL:
            out[c] = np.nan
        notes.unavailable += list(_FINANCIAL)
        notes.add(Message("value.w.no_invoices"), DataQualityWarning)
        return
    for c in _FINANCIAL:
        out[c] = fin[c]


def _add_contribution(out: pd.DataFrame, has_profit: bool, notes: _Notes) -> None:
    """``revenue_share`` and ``profit_share`` of the book's totals."""
    tot_rev = float(out["revenue"].sum())
    out["revenue_share"] = out["revenue"] / tot_rev if tot_rev > 0 else np.nan
    tot_gp = float(out["gross_profit"].sum()) if has_profit else np.nan
    if has_profit and tot_gp > 0:
        out["profit_share"] = out["gross_profit"] / tot_gp
    else:
        out["profit_share"] = np.nan
        if has_profit:
            notes.add(Message("value.w.profit_not_positive"), DataQualityWarning)


def _add_attributes(out: pd.DataFrame, cust: pd.DataFrame, as_of: pd.Timestamp, inactive_days: int) -> None:
    """Characteristics and demand match carried from the customers table, ``size_score`` and ``active``."""
    for c in CUSTOMER_ATTRIBUTES:
        if c in cust.columns:
            out[c] = cust[c]
    if "size_band" in cust.columns:
        sb = cust["size_band"].astype("str").str.strip().str.lower()
        out["size_score"] = sb.map(_SIZE_SCORES).astype("float64")
    for c in ("value_fit", "procurement_fit"):
        if c in cust.columns:
            out[c] = cust[c].astype("float64")
    ordered = out["order_count"] > 0
    if "churn_date" in cust.columns:
        cd = pd.to_datetime(cust["churn_date"]).astype("datetime64[ns]")
        out["churn_date"] = cd
        out["active"] = (ordered & (cd.isna() | (cd > as_of))).astype(bool)
    else:
        out["active"] = (ordered & (out["recency_days"] <= inactive_days)).astype(bool)


def unavailable_indicators(indicators: pd.DataFrame) -> tuple[str, ...]:
    """Indicators the ledger could not provide (recorded by :func:`customer_indicators`, else all-NaN).

    Parameters
    ----------
    indicators : pandas.DataFrame
        A frame from :func:`customer_indicators` (or any frame with indicator columns).

    Returns
    -------
    tuple of str
        ``indicators.attrs["unavailable"]`` when recorded, else the known indicator columns that are NaN
        for every account.
    """
    rec = indicators.attrs.get("unavailable")
    if rec is not None:
        return tuple(rec)
    return tuple(c for c in INDICATOR_GROUPS if c in indicators and indicators[c].isna().all())
