"""Per-account aggregation kernels behind :func:`~kamlib.value.customer_indicators`: integer account codes,
``np.bincount`` sums, and the financial indicators from the invoices table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import KamlibError


def account_codes(ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Position of each value in ``ids`` (-1 when absent).

    Parameters
    ----------
    ids : pandas.Index
        Account ids (strings), unique.
    values : pandas.Series
        Account id per row (e.g. ``orders["customer_id"]``).

    Returns
    -------
    numpy.ndarray
        int64 position in ``ids`` per row of ``values``, -1 where the id is not in ``ids``.

    Examples
    --------
    >>> account_codes(pd.Index(["A", "B"]), pd.Series(["B", "C", "A"], dtype="str")).tolist()
    [1, -1, 0]

    Notes
    -----
    Arrow-backed string columns are looked up with ``pyarrow.compute.index_in``: a hash lookup that does not
    convert millions of strings to Python objects, as ``Index.get_indexer`` does.
    """
    arr = getattr(values.array, "_pa_array", None)
    if arr is not None and len(values):
        import pyarrow as pa
        import pyarrow.compute as pc

        vs = pa.array(ids.to_numpy(dtype=object), type=pa.large_string() if pa.types.is_large_string(arr.type)
                      else pa.string())
        try:
            res = pc.index_in(arr.cast(vs.type), value_set=vs)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            res = None
        if res is not None:
            a = res.to_numpy(zero_copy_only=False)  # float with NaN where not found
            return np.where(np.isnan(a), -1, a).astype(np.int64) if a.dtype.kind == "f" else a.astype(np.int64)
    return ids.get_indexer(values.astype("str"))


def bincount_float(codes, weights=None, minlength: int = 0) -> np.ndarray:
    """``np.bincount`` that always returns float64 (it returns int64 for empty input).

    Parameters
    ----------
    codes : array-like of int
        Non-negative bin per row.
    weights : array-like of float, optional
        Weight per row (default 1 per row: a count).
    minlength : int
        Least number of bins.

    Returns
    -------
    numpy.ndarray
        float64 sum of ``weights`` per bin.

    Examples
    --------
    >>> bincount_float([0, 2, 2], weights=[1.5, 2.0, 3.0], minlength=4).tolist()
    [1.5, 0.0, 5.0, 0.0]
    >>> bincount_float([], minlength=2).dtype
    dtype('float64')
    """
    return np.bincount(np.asarray(codes, dtype=np.int64), weights=weights, minlength=minlength).astype("float64")


def order_aggregates_numpy(codes: np.ndarray, n: int, rev: np.ndarray, gp: np.ndarray | None, mb: np.ndarray,
                           dates: np.ndarray, n_orders: np.ndarray | None, order_codes: np.ndarray | None,
                           P: int) -> dict[str, np.ndarray]:
    """Per-account sums via integer codes and ``np.bincount`` (linear time, no hashing of strings twice).

    Parameters
    ----------
    codes : numpy.ndarray
        Account position (0..n-1) per order row.
    n : int
        Number of accounts.
    rev : numpy.ndarray
        Revenue per row (no NaN).
    gp : numpy.ndarray, optional
        Gross profit per row (NaN = unknown, left out); None when the ledger has no profit.
    mb : numpy.ndarray
        Whole months between each row's date and the period end (0 = the last month).
    dates : numpy.ndarray
        Order date per row (datetime64[ns]).
    n_orders : numpy.ndarray, optional
        Distinct orders per row (day grain); when None, ``order_codes`` (factorized order ids, line grain)
        are counted distinct per account.
    order_codes : numpy.ndarray, optional
        Factorized order id per row (line grain).
    P : int
        Number of three-month periods for the growth slope.

    Returns
    -------
    dict of str to numpy.ndarray
        Per account (length ``n``): ``revenue``, ``order_count``, ``first`` and ``last`` (datetime64[ns], NaT
        without orders), ``last12`` and ``prev12`` (revenue in months 0-11 and 12-23 back), ``periods``
        (n x P revenue per three-month period, column 0 the most recent) and, with ``gp``,
        ``gross_profit`` and ``gp_n`` (rows with a known profit).
    """
    codes = np.asarray(codes, dtype=np.int64)
    res = {"revenue": bincount_float(codes, weights=rev, minlength=n)}
    if gp is not None:
        ok = ~np.isnan(gp)
        res["gross_profit"] = bincount_float(codes[ok], weights=gp[ok], minlength=n)
        res["gp_n"] = bincount_float(codes[ok], minlength=n)
    if n_orders is not None:
        res["order_count"] = bincount_float(codes, weights=n_orders, minlength=n)
    else:
        # distinct orders per account: unique (account, order) pairs of the factorized ids
        if order_codes is None:
            raise KamlibError("order_aggregates_numpy: pass n_orders (day grain) or order_codes (line grain)")
        m = np.int64(max(int(order_codes.max()) + 1 if len(order_codes) else 1, 1))
        upair = pd.unique(codes * m + order_codes)
        res["order_count"] = bincount_float(upair // m, minlength=n)
    dates = np.asarray(dates, dtype="datetime64[ns]").view("int64")
    nat = np.iinfo(np.int64).min
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, nat)
    if len(codes):
        change = np.empty(len(codes), dtype=bool)
        change[0] = True
        np.not_equal(codes[1:], codes[:-1], out=change[1:])
        starts = np.flatnonzero(change)
        runs = codes[starts]
        if len(np.unique(runs)) == len(runs):
            # each account's rows are contiguous (the day grain is sorted by account): min / max per run,
            # with no hashing and no copies
            first[runs] = np.minimum.reduceat(dates, starts)
            last[runs] = np.maximum.reduceat(dates, starts)
        else:   # sort-free min/max: pandas groupby on integer codes is a single pass
            g = pd.DataFrame({"c": codes, "d": dates}).groupby("c", sort=False)["d"].agg(["min", "max"])
            first[g.index.to_numpy()] = g["min"].to_numpy()
            last[g.index.to_numpy()] = g["max"].to_numpy()
    first = np.where(first == np.iinfo(np.int64).max, nat, first)
    res["first"] = first.view("datetime64[ns]")
    res["last"] = last.view("datetime64[ns]")
    pidx = mb // 3
    inwin = pidx < P
    res["periods"] = bincount_float(codes[inwin] * P + pidx[inwin], weights=rev[inwin],
                                      minlength=n * P).reshape(n, P)
    res["last12"] = bincount_float(codes[mb < 12], weights=rev[mb < 12], minlength=n)
    sel = (mb >= 12) & (mb < 24)
    res["prev12"] = bincount_float(codes[sel], weights=rev[sel], minlength=n)
    return res


def financial_indicators(inv: pd.DataFrame | None, ids: pd.Index, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """Invoice-based indicators per account as of ``as_of`` (definitions in
    :func:`~kamlib.value.customer_indicators`).

    Parameters
    ----------
    inv : pandas.DataFrame, optional
        The ledger's invoices table (canonical columns); None when the ledger has none.
    ids : pandas.Index
        Account ids; invoices of other accounts and invoices dated after ``as_of`` are left out.
    as_of : pandas.Timestamp
        Period end; payments after it count as not yet made.

    Returns
    -------
    pandas.DataFrame or None
        Indexed by ``ids``: ``days_to_pay``, ``dso``, ``overdue_amount``, ``outstanding_amount``,
        ``late_share``; None without an invoices table.
    """
    if inv is None:
        return None
    n = len(ids)
    # numpy arrays masked once (filtering the frame would copy its Arrow string columns for nothing)
    codes = account_codes(ids, inv["customer_id"])
    inv_date = inv["invoice_date"].to_numpy(dtype="datetime64[ns]")
    keep = (inv_date <= np.datetime64(as_of, "ns")) & (codes >= 0)
    codes = codes[keep]
    inv_date = inv_date[keep]
    amount = np.nan_to_num(inv["amount"].to_numpy(dtype="float64", na_value=np.nan)[keep], copy=False)
    nat = np.datetime64("NaT", "ns")
    pdv = (inv["paid_date"].to_numpy(dtype="datetime64[ns]")[keep] if "paid_date" in inv
           else np.full(len(codes), nat, dtype="datetime64[ns]"))
    has_paid_date = ~np.isnat(pdv)
    paid = has_paid_date & (pdv <= np.datetime64(as_of, "ns"))
    if "paid_amount" in inv:
        pa = inv["paid_amount"].to_numpy(dtype="float64", na_value=np.nan)[keep]
        # a paid invoice without paid_amount is paid in full; a payment after as_of has not happened yet
        gap = np.isnan(pa)
        pa[gap] = np.where(paid[gap], amount[gap], 0.0)
        pa[has_paid_date & ~paid] = 0.0
    else:
        pa = np.where(paid, amount, 0.0)
    open_amt = np.where(paid, 0.0, np.clip(amount - pa, 0.0, None))
    due = inv["due_date"].to_numpy(dtype="datetime64[ns]")[keep]
    past_due = due < np.datetime64(as_of, "ns")
    late = np.where(paid, pdv > due, past_due)

    cnt = bincount_float(codes, minlength=n).astype("float64")
    npaid = bincount_float(codes[paid], minlength=n).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        # days from invoice to payment, on the paid invoices only (integer nanoseconds: no NaT handling)
        days = (pdv[paid].view(np.int64) - inv_date[paid].view(np.int64)) / (86_400 * 1e9)
        days_to_pay = bincount_float(codes[paid], weights=days, minlength=n) / npaid
        late_share = bincount_float(codes, weights=late.astype("float64"), minlength=n) / cnt
    outstanding = bincount_float(codes, weights=open_amt, minlength=n)
    overdue = bincount_float(codes, weights=np.where(past_due, open_amt, 0.0), minlength=n)
    recent = inv_date > np.datetime64(as_of - pd.Timedelta(days=365), "ns")
    billed = bincount_float(codes[recent], weights=amount[recent], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        dso = np.where(billed > 0, outstanding / billed * 365.0, np.nan)
    return pd.DataFrame({"days_to_pay": days_to_pay, "dso": dso, "overdue_amount": overdue,
                         "outstanding_amount": outstanding, "late_share": late_share}, index=ids)
