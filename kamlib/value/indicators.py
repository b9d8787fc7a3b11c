"""Per-account value indicators as of a period end (columns fixed in docs/CONTRACTS.md)."""
from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning, KamlibError, StatisticalWarning
from ..ledger import CUSTOMER_ATTRIBUTES, Ledger
from .aggregates import account_codes, financial_indicators, order_aggregates_duckdb, order_aggregates_numpy
from .catalog import INDICATOR_GROUPS

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


def customer_indicators(ledger: Ledger, as_of, *, growth_periods: int = 4, inactive_days: int = 365,
                        engine: Literal["numpy", "duckdb"] = "numpy") -> pd.DataFrame:
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
    engine : {"numpy", "duckdb"}
        How per-account order aggregates are computed; both give identical results. Hashing the order ids
        for the distinct-order count dominates either way and DuckDB is not faster at demo scale, so the
        simpler numpy path (integer-coded ``np.bincount``, account ids looked up with pyarrow) is the default.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` with the columns of docs/CONTRACTS.md ("Customer indicator columns"),
        plus ``size_score`` (大型 1, 中型 0.5, 小型 0) when ``size_band`` is present, ``churn_date`` when the
        customers table has it, and ``active`` (bool): ordered by ``as_of`` and not lost at ``as_of``
        (``churn_date`` after ``as_of`` or empty; without churn dates, an order within ``inactive_days``).
        Tiers are assigned among active accounts only (:func:`assign_tiers`).
        ``df.attrs["unavailable"]`` lists indicators that cannot be computed from this ledger
        (e.g. the financial ones when there is no invoices table) - they are NaN, never 0 -
        and ``df.attrs["warnings"]`` the soft problems met.

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
    notes: list[str] = []
    unavailable: list[str] = []
    cust = _customer_frame(ledger)
    ids = cust.index
    n = len(ids)

    o = ledger.orders
    # numpy arrays, masked per as_of: filtering the frame would copy its Arrow string columns for nothing
    dates_all = o["order_date"].to_numpy(dtype="datetime64[ns]")
    codes_all = account_codes(ids, o["customer_id"])
    in_window = dates_all <= np.datetime64(as_of, "ns")   # missing dates compare False: left out
    unknown = int((in_window & (codes_all < 0)).sum())
    if unknown:
        msg = (f"{unknown} order lines reference customer ids missing from the customers table; they are "
               "left out of the indicators (validate the ledger with `kam validate`).")
        warnings.warn(msg, DataQualityWarning, stacklevel=2)
        notes.append(msg)
    keep = in_window & (codes_all >= 0)
    # every row kept (the usual case at the period end): views, not copies - on a large day-grain ledger
    # each copy costs hundreds of MB
    keep = slice(None) if keep.all() else keep
    codes = codes_all[keep]
    dates = dates_all[keep]

    rev = o["revenue"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    if np.isnan(rev).any():
        rev = np.nan_to_num(rev, nan=0.0)   # a copy: ``rev`` may be a view of the ledger's column
    # profit availability is a property of the ledger, not of the window
    if "gross_profit" in o.columns and (len(o) == 0 or o["gross_profit"].notna().any()):
        gp = o["gross_profit"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    elif "cost" in o.columns and o["cost"].notna().any():
        gp = rev - o["cost"].to_numpy(dtype="float64", na_value=np.nan)[keep]
    else:
        gp = None
        unavailable += ["gross_profit", "margin", "profit_share"]
        msg = "the orders have no gross_profit or cost column: gross profit, margin and profit share are unavailable"
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=2)
    if "n_orders" in o.columns:   # day grain: distinct orders per account and day, already counted
        n_orders, order_codes = o["n_orders"].to_numpy(dtype="float64")[keep], None
    else:
        order_codes = pd.factorize(o["order_id"], sort=False)[0][keep]
        missing = order_codes < 0
        if missing.any():   # a line without an order id (a ledger not from kamlib.io) is an order of its own
            order_codes[missing] = order_codes.max() + 1 + np.arange(int(missing.sum()))
        n_orders = None

    mb = _months_back(dates, as_of)
    if engine == "duckdb":
        agg = order_aggregates_duckdb(codes, n, rev, gp, mb, dates, n_orders, order_codes, growth_periods)
    elif engine == "numpy":
        agg = order_aggregates_numpy(codes, n, rev, gp, mb, dates, n_orders, order_codes, growth_periods)
    else:
        raise KamlibError(f"customer_indicators: engine must be 'numpy' or 'duckdb', got {engine!r}")

    out = pd.DataFrame(index=ids)
    out.index.name = "customer_id"
    revenue = agg["revenue"]
    out["revenue"] = revenue
    if gp is not None:
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
    first = pd.to_datetime(agg["first"]).astype("datetime64[ns]")
    last = pd.to_datetime(agg["last"]).astype("datetime64[ns]")
    out["first_order_date"] = first
    out["last_order_date"] = last
    out["recency_days"] = (as_of - out["last_order_date"]).dt.days.astype("float64")
    out["tenure_days"] = (as_of - out["first_order_date"]).dt.days.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["frequency"] = np.where(oc > 0, oc / (np.maximum(out["tenure_days"].to_numpy(), 90.0) / _DAYS_PER_YEAR),
                                    np.nan)

    # --- growth: slope of the last P three-month revenues, relative to their mean
    ledger_start = pd.Timestamp(ledger.orders["order_date"].min()) if len(ledger.orders) else as_of
    periods = agg["periods"]  # n x P, column 0 = most recent
    p_obs = 0
    for k in range(growth_periods):
        start = as_of - pd.DateOffset(months=3 * (k + 1))
        if start + pd.Timedelta(days=1) >= ledger_start - pd.Timedelta(days=1):
            p_obs = k + 1
        else:
            break
    if p_obs < growth_periods:
        msg = (f"revenue_growth uses {p_obs} of {growth_periods} quarters: the ledger starts "
               f"{ledger_start.date()}, after the start of the growth window.")
        notes.append(msg)
        warnings.warn(msg, StatisticalWarning, stacklevel=2)
    if p_obs >= 2:
        y = periods[:, :p_obs][:, ::-1]  # oldest first
        x = np.arange(p_obs, dtype="float64")
        xc = x - x.mean()
        ybar = y.mean(axis=1)
        slope = (y - ybar[:, None]) @ xc / (xc @ xc)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["revenue_growth"] = np.where(ybar > 0, slope / ybar, np.nan)
    else:
        out["revenue_growth"] = np.nan
        unavailable.append("revenue_growth")

    last12, prev12 = agg["last12"], agg["prev12"]
    out["revenue_last_12m"] = last12
    yoy_observed = as_of - pd.DateOffset(months=24) >= ledger_start - pd.Timedelta(days=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["revenue_yoy"] = np.where((prev12 > 0) & yoy_observed, last12 / prev12 - 1.0, np.nan)
    if not yoy_observed:
        unavailable.append("revenue_yoy")
        notes.append(f"revenue_yoy needs 24 months of orders before {as_of.date()}; the ledger starts "
                     f"{ledger_start.date()}, so it is unavailable.")

    # --- financial
    fin = financial_indicators(ledger.invoices, ids, as_of)
    if fin is None:
        for c in _FINANCIAL:
            out[c] = np.nan
        unavailable += list(_FINANCIAL)
        msg = ("no invoices table: financial indicators (days to pay, DSO, overdue, outstanding, late share) "
               "are unavailable and left out of the scorecard")
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=2)
    else:
        for c in _FINANCIAL:
            out[c] = fin[c]

    # --- contribution
    tot_rev = float(out["revenue"].sum())
    out["revenue_share"] = out["revenue"] / tot_rev if tot_rev > 0 else np.nan
    tot_gp = float(out["gross_profit"].sum()) if gp is not None else np.nan
    if gp is not None and tot_gp > 0:
        out["profit_share"] = out["gross_profit"] / tot_gp
    else:
        out["profit_share"] = np.nan
        if gp is not None:
            notes.append("total gross profit is zero or negative: profit shares are not meaningful (NaN)")

    # --- characteristics and demand match, carried from customers
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

    out.attrs["as_of"] = as_of
    out.attrs["unavailable"] = tuple(dict.fromkeys(unavailable))
    out.attrs["warnings"] = tuple(notes)
    return out


def unavailable_indicators(indicators: pd.DataFrame) -> tuple[str, ...]:
    """Indicators the ledger could not provide (recorded by :func:`customer_indicators`, else all-NaN)."""
    rec = indicators.attrs.get("unavailable")
    if rec is not None:
        return tuple(rec)
    return tuple(c for c in INDICATOR_GROUPS if c in indicators and indicators[c].isna().all())
