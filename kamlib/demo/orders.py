"""Demo order lines: seasonal, trending order counts per account and month, the planted returns and
zero-price lines."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ._columns import _EPOCH, _canonical, _dates, _ids, _str_series
from .constants import (
    _LINES_PER_ORDER_EXTRA,
    _PRODUCT_LINES,
    _RETURN_RATE,
    _SEASON,
    _SEG_GROWTH,
    _SEG_GROWTH_SD,
    _SEG_LINE_VALUE,
    _SEG_MARGIN_SHIFT,
    _SEG_ORDERS_PER_YEAR,
    _ZERO_PRICE_RATE,
    INDUSTRIES,
)


def _month_grid(ws: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month start days (inclusive), end days (exclusive) and month-of-year (0-11) covering [ws, end]."""
    m0 = (_EPOCH + ws).astype("datetime64[M]")
    m1 = (_EPOCH + end).astype("datetime64[M]")
    months = np.arange(m0, m1 + 1)
    starts = (months.astype("datetime64[D]") - _EPOCH).astype(np.int64)
    ends = ((months + 1).astype("datetime64[D]") - _EPOCH).astype(np.int64)
    moy = months.astype(np.int64) % 12
    return np.maximum(starts, ws), np.minimum(ends, end + 1), moy


def _orders(rng, n, ws, end, acc, extra) -> tuple[dict, dict]:
    seg, size = acc["seg"], acc["size"]
    lo = np.maximum(acc["fcd"], ws)
    hi = np.minimum(acc["churn"], end + 1)           # exclusive: no order on or after churn_date
    size_mult = np.array([1.5, 1.0, 0.6])[size]
    orate = _SEG_ORDERS_PER_YEAR[seg] * rng.lognormal(0.0, 0.35, n) * np.sqrt(size_mult)
    line_value = _SEG_LINE_VALUE[seg] * rng.lognormal(0.0, 0.55, n) * size_mult
    growth = rng.normal(_SEG_GROWTH[seg], _SEG_GROWTH_SD[seg])
    margin = (np.array(list(INDUSTRIES.values()))[extra["industry"]] + _SEG_MARGIN_SHIFT[seg]
              + rng.normal(0.0, 0.025, n))
    price_factor = rng.uniform(0.85, 1.02, n)

    # expected orders per customer x month: rate x active days x seasonality x growth trend
    ms, me, moy = _month_grid(ws, end)
    season = _SEASON / _SEASON.mean()
    t_mid = (ws + end) / 2.0
    a = np.maximum(lo[:, None], ms[None, :])
    b = np.minimum(hi[:, None], me[None, :])
    active = np.clip(b - a, 0, None)
    trend = np.exp(growth[:, None] * (((ms + me) / 2.0)[None, :] - t_mid) / 365.25)
    mu = orate[:, None] / 365.25 * active * season[moy][None, :] * trend
    counts = rng.poisson(mu)
    cust = np.repeat(np.repeat(np.arange(n), len(ms)), counts.ravel())
    start = np.repeat(a.ravel(), counts.ravel())
    width = np.repeat(active.ravel(), counts.ravel())
    day = start + np.floor(rng.random(len(start)) * width).astype(np.int64)
    del mu, counts, a, b, active, trend, start, width
    # every observed account has bought at least once in the window
    none = np.flatnonzero(np.bincount(cust, minlength=n) == 0)
    if len(none):
        cust = np.r_[cust, none]
        day = np.r_[day, lo[none] + np.floor(rng.random(len(none)) * (hi[none] - lo[none])).astype(np.int64)]
    # B2B orders cluster on weekdays: move most weekend orders to Friday / Monday (staying in range)
    dow = (day + 3) % 7                              # 1970-01-01 was a Thursday; Monday = 0
    shift = np.where(dow == 5, -1, np.where(dow == 6, 1, 0)) * (rng.random(len(day)) < 0.85)
    moved = day + shift
    day = np.where((moved >= lo[cust]) & (moved < hi[cust]), moved, day)
    order = np.lexsort((cust, day))
    cust, day = cust[order], day[order]
    n_orders = len(day)

    # order lines
    nl = 1 + rng.poisson(_LINES_PER_ORDER_EXTRA, n_orders)
    oidx = np.repeat(np.arange(n_orders), nl)
    lc = cust[oidx]
    n_lines = len(oidx)
    bu = extra["bu"][lc]
    own = rng.random(n_lines) < 0.9
    pl_bu = np.where(own, bu, rng.integers(0, 3, n_lines))
    pl = pl_bu * 3 + rng.integers(0, 3, n_lines)
    list_price = np.array([p for v in _PRODUCT_LINES.values() for _, p in v])
    pl_margin = np.array([0.0, 0.02, -0.03, 0.01, 0.03, -0.04, 0.10, 0.04, 0.12])
    unit_price = np.round(list_price[pl] * price_factor[lc] * rng.lognormal(0.0, 0.04, n_lines), 2)
    target = line_value[lc] * rng.lognormal(-0.18, 0.6, n_lines)
    quantity = np.maximum(1.0, np.rint(target / unit_price))
    revenue = np.round(quantity * unit_price, 2)
    line_margin = np.clip(margin[lc] + pl_margin[pl] + rng.normal(0.0, 0.03, n_lines), -0.05, 0.7)
    gross_profit = np.round(revenue * line_margin, 2)

    # planted soft problem 1: free samples (zero-price lines) inside multi-line orders
    multi = np.flatnonzero(nl[oidx] > 1)
    n_zero = min(len(multi), max(5, round(_ZERO_PRICE_RATE * n_lines)))
    zero = np.sort(rng.choice(multi, size=n_zero, replace=False))
    unit_price[zero] = 0.0
    revenue[zero] = 0.0
    gross_profit[zero] = 0.0

    # planted soft problem 2: returns = separate documents with negative quantity and revenue
    n_ret = max(3, round(_RETURN_RATE * n_lines))
    src = np.sort(rng.choice(np.setdiff1d(np.arange(n_lines), zero), size=n_ret, replace=False))
    rc = lc[src]
    r_day = np.minimum(day[oidx[src]] + rng.integers(3, 46, n_ret), hi[rc] - 1)
    r_qty = -np.minimum(quantity[src], np.maximum(1.0, np.floor(quantity[src] * rng.uniform(0.05, 0.6, n_ret))))
    r_rev = np.round(r_qty * unit_price[src], 2)
    r_gp = np.round(r_rev * line_margin[src], 2)

    id_width = max(8, len(str(n_orders)))
    order_ids = _ids("SO", np.arange(1, n_orders + 1), id_width)
    ret_ids = _ids("RT", np.arange(1, n_ret + 1), id_width)
    all_ids = pa.chunked_array([order_ids.take(pa.array(oidx)), ret_ids])
    all_cust = np.r_[lc, rc]
    all_day = np.r_[day[oidx], r_day]
    sort = np.argsort(all_day, kind="stable")
    pl_names = np.array([nm for v in _PRODUCT_LINES.values() for nm, _ in v])
    cols = {
        "order_id": all_ids.take(pa.array(sort)),
        "customer_id": extra["cid"].take(pa.array(all_cust[sort])),
        "order_date": all_day[sort],
        "product_line": pa.array(pl_names).take(pa.array(np.r_[pl, pl[src]][sort])),
        "quantity": np.r_[quantity, r_qty][sort],
        "unit_price": np.r_[unit_price, unit_price[src]][sort],
        "revenue": np.r_[revenue, r_rev][sort],
        "gross_profit": np.r_[gross_profit, r_gp][sort],
    }
    info = {"order_cust": cust, "order_day": day, "order_ids": order_ids,
            "order_amount": np.bincount(oidx, weights=revenue, minlength=n_orders),
            "n_lines": n_lines, "n_returns": n_ret, "return_revenue": float(r_rev.sum()),
            "n_zero_price": n_zero, "clean_cust": lc, "clean_revenue": revenue, "lo": lo, "hi": hi}
    return cols, info


def _orders_frame(cols: dict) -> pd.DataFrame:
    df = pd.DataFrame({
        "order_id": _str_series(cols["order_id"]),
        "customer_id": _str_series(cols["customer_id"]),
        "order_date": _dates(cols["order_date"]),
        "product_line": _str_series(cols["product_line"]),
        "quantity": cols["quantity"],
        "unit_price": cols["unit_price"],
        "revenue": cols["revenue"],
        "gross_profit": cols["gross_profit"],
    })
    return _canonical(df, "orders")

