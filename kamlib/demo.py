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

from .errors import KamlibError
from .ledger import TABLES

__all__ = ["Demo", "build_demo", "write_demo", "add_arguments", "cli",
           "SEGMENTS", "REGIONS", "BUSINESS_UNITS", "INDUSTRIES", "SIZE_BANDS", "LIKERT_ITEMS", "WAVES",
           "HAZARD_RATIOS", "DRIVERS"]

# ------------------------------------------------------------------------------------------ constants

#: Planted segments in a fixed order (index = segment code used internally).
SEGMENTS: tuple[str, ...] = ("strategic", "growth", "transactional", "slow_payer")
REGIONS: tuple[str, ...] = ("华东", "华北", "华南", "西部")
BUSINESS_UNITS: tuple[str, ...] = ("工业自动化", "电子元件", "技术服务")
#: industry -> typical gross margin (the six industries differ in margin on purpose)
INDUSTRIES: dict[str, float] = {"汽车制造": 0.18, "电子电器": 0.22, "机械装备": 0.27, "新能源": 0.30,
                                "食品饮料": 0.33, "医药健康": 0.38}
SIZE_BANDS: tuple[str, ...] = ("大型", "中型", "小型")
LIKERT_ITEMS: tuple[str, ...] = ("q_product_quality", "q_product_reliability", "q_service_response",
                                 "q_service_expertise", "q_delivery_ontime", "q_delivery_accuracy",
                                 "q_price_value")
#: construct of each Likert item (items of one construct share a response-level shock)
_ITEM_CONSTRUCT = np.array([0, 0, 1, 1, 2, 2, 3])
WAVES: tuple[str, ...] = ("2024H2", "2025H2")
#: true hazard ratios of the contractual churn hazard
HAZARD_RATIOS: dict[str, float] = {"late_payer": 2.0, "dissatisfied": 2.5, "large": 0.5}
#: true ordinal-logit coefficients of `overall` on the Likert items, strongest first
DRIVERS: dict[str, float] = {"q_service_response": 1.2, "q_delivery_ontime": 0.8, "q_product_quality": 0.5,
                             "q_price_value": 0.3, "q_product_reliability": 0.0, "q_service_expertise": 0.0,
                             "q_delivery_accuracy": 0.0}
#: cut points of the ordinal logit: P(overall <= j) = logistic(cut_j - sum(beta * items))
_CUTPOINTS = np.array([5.4, 7.6, 9.0, 10.5])

# per-segment generating parameters, in SEGMENTS order
_SEG_SHARE = np.array([0.14, 0.22, 0.42, 0.22])
_SEG_SIZE_P = np.array([[0.75, 0.25, 0.00],      # strategic: mostly 大型
                        [0.15, 0.60, 0.25],      # growth: mid-size
                        [0.00, 0.25, 0.75],      # transactional: small
                        [0.10, 0.60, 0.30]])     # slow_payer: mid-size
_SEG_ORDERS_PER_YEAR = np.array([60.0, 24.0, 5.0, 20.0])   # orders (not lines) per year, median account
_SEG_LINE_VALUE = np.array([15000.0, 12000.0, 4000.0, 8000.0])  # median line revenue (CNY)
_SEG_GROWTH = np.array([-0.03, 1.1, 0.0, -0.05])           # log growth of the order rate per year
_SEG_GROWTH_SD = np.array([0.10, 0.20, 0.12, 0.10])
_SEG_MARGIN_SHIFT = np.array([-0.07, 0.02, 0.05, 0.0])     # strategic accounts negotiate lower margins
_SEG_TERMS60 = np.array([0.95, 0.15, 0.15, 0.40])          # share on 60-day payment terms
_SEG_FIT = np.array([4.3, 3.6, 2.8, 3.2])                  # mean value_fit / procurement_fit
_P_DISSATISFIED = 0.20
_LATE_SHARE = {True: 0.85, False: 0.05}                    # share of invoices paid late
_WEIBULL_SHAPE = 0.85
_WEIBULL_SCALE_YEARS = 9.0       # baseline: about 9% per year; with the trait mix about 12-13% per year
_LINES_PER_ORDER_EXTRA = 0.6     # lines per order = 1 + Poisson(0.6)
_RETURN_RATE = 0.005
_ZERO_PRICE_RATE = 1e-4
_IN_WINDOW_SHARE = 0.15          # share of candidate accounts whose relationship starts inside the window
_MAX_TENURE_YEARS = 12.0
_SURVEY_RESPONSE = 0.60
#: month-of-year seasonality: Chinese New Year dip (Feb), Q4 peak
_SEASON = np.array([0.90, 0.65, 1.0, 1.0, 1.0, 1.05, 0.95, 0.95, 1.05, 1.05, 1.10, 1.25])

_PRODUCT_LINES: dict[str, list[tuple[str, float]]] = {   # BU -> [(product line, list unit price)]
    "工业自动化": [("PLC控制器", 3800.0), ("伺服驱动", 2600.0), ("工业传感器", 420.0)],
    "电子元件": [("连接器", 18.0), ("功率器件", 65.0), ("被动元件", 2.5)],
    "技术服务": [("维保服务", 1800.0), ("系统集成", 9500.0), ("培训咨询", 3200.0)],
}
_CITIES = {"华东": ["上海", "杭州", "苏州", "南京", "宁波", "无锡", "合肥", "常州"],
           "华北": ["北京", "天津", "石家庄", "太原", "济南", "青岛", "唐山"],
           "华南": ["广州", "深圳", "东莞", "佛山", "厦门", "珠海", "中山"],
           "西部": ["成都", "重庆", "西安", "昆明", "贵阳", "兰州", "绵阳"]}
_ZIHAO = list("华兴宏达恒瑞鑫源泰盛晨光科创远航博通天成金安联合嘉信永隆中精汇德新锐海峰铭辉明阳启润正和东方万邦")
_INDUSTRY_WORD = {"汽车制造": ["汽车零部件", "汽车部件", "车辆配件"], "电子电器": ["电子", "电器", "智能电子"],
                  "机械装备": ["机械", "精密机械", "装备制造"], "新能源": ["新能源", "光伏科技", "电池科技"],
                  "食品饮料": ["食品", "饮料", "乳业"], "医药健康": ["医药", "生物科技", "医疗器械"]}
_SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
             ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
             ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
             ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song")]
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红文辉鹏宇浩然晨曦思远")

_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
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
                    "surveys": "survey_date"}
        rows = []
        for name, df in self.tables.items():
            d = df[date_col[name]]
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


# ------------------------------------------------------------------------------------------ helpers

def _days(ts) -> int:
    """A date as integer days since 1970-01-01."""
    return int((np.datetime64(pd.Timestamp(ts).date(), "D") - _EPOCH) // np.timedelta64(1, "D"))


def _dates(days: np.ndarray) -> np.ndarray:
    """Integer days (NaN/negative sentinel -> NaT) to datetime64[ns]."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(days)
    out[ok] = (_EPOCH + days[ok].astype(np.int64)).astype("datetime64[ns]")
    return out


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Vectorised ``prefix + zero-padded number`` as an Arrow string array (no Python objects)."""
    s = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    s = pc.utf8_lpad(s, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, s, "")


def _str_series(values, index=None) -> pd.Series:
    """A pandas ``string`` series (pyarrow-backed, missing = <NA>), the canonical id/str dtype."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values]) if isinstance(values, pa.Array)
                                                    else values), index=index)
    return pd.Series(values, index=index, dtype="string")


def _canonical(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Enforce the canonical dtypes of ``table`` on the columns present (ids/str: string, dates, floats)."""
    spec = TABLES[table]
    out = {}
    for col in df.columns:
        kind = spec.column(col).kind if col in spec.names else "float"
        s = df[col]
        if kind in ("id", "str"):
            out[col] = s if isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is pd.NA \
                else s.astype("string")
        elif kind == "date":
            out[col] = s.astype("datetime64[ns]")
        else:
            out[col] = s.astype("float64")
    return pd.DataFrame(out)


def _group_rank(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element by ``keys`` within its group."""
    order = np.lexsort((keys, groups))
    g = groups[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    pos = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    rank = np.empty_like(pos)
    rank[order] = pos
    return rank


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """Fake Chinese person names and their surname pinyin."""
    s = rng.integers(0, len(_SURNAMES), n)
    g1 = rng.integers(0, len(_GIVEN), n)
    g2 = rng.integers(0, len(_GIVEN), n)
    two = rng.random(n) < 0.6
    names = [_SURNAMES[a][0] + _GIVEN[b] + (_GIVEN[c] if t else "") for a, b, c, t in zip(s, g1, g2, two, strict=True)]
    return names, [_SURNAMES[a][1] for a in s]


# ------------------------------------------------------------------------------------------ customers

def _draw_accounts(rng: np.random.Generator, n: int, ws: int, end: int) -> dict:
    """Draw candidate accounts until ``n`` are observed (alive at the window start: left truncation)."""
    keep: list[dict] = []
    got = 0
    while got < n:
        m = max(2 * (n - got), 64)
        seg = rng.choice(4, size=m, p=_SEG_SHARE)
        u = rng.random(m)
        size = (u[:, None] > np.cumsum(_SEG_SIZE_P[seg], axis=1)).sum(axis=1)   # 0 大型, 1 中型, 2 小型
        late = seg == 3
        dis = rng.random(m) < _P_DISSATISFIED
        hr = (HAZARD_RATIOS["late_payer"] ** late * HAZARD_RATIOS["dissatisfied"] ** dis
              * HAZARD_RATIOS["large"] ** (size == 0))
        inside = rng.random(m) < _IN_WINDOW_SHARE
        fcd = np.where(inside, rng.integers(ws, end - 60, m),
                       ws - 1 - np.floor(rng.random(m) * _MAX_TENURE_YEARS * 365.25).astype(np.int64))
        # Weibull proportional hazards: H(t) = hr * (t / scale)^shape, so T = scale * (E / hr)^(1/shape)
        t_years = _WEIBULL_SCALE_YEARS * (rng.exponential(1.0, m) / hr) ** (1.0 / _WEIBULL_SHAPE)
        churn = fcd + np.ceil(t_years * 365.25).astype(np.int64)
        observed = churn > ws    # accounts lost before the window never appear (left truncation)
        idx = np.flatnonzero(observed)[: n - got]
        keep.append({"seg": seg[idx], "size": size[idx], "late": late[idx], "dis": dis[idx],
                     "fcd": fcd[idx], "churn": churn[idx]})
        got += len(idx)
    return {k: np.concatenate([b[k] for b in keep]) for k in keep[0]}


def _customers(rng, n, ws, end, acc) -> tuple[pd.DataFrame, dict]:
    width = max(5, len(str(n)))
    cid = _ids("C", np.arange(1, n + 1), width)
    seg, size = acc["seg"], acc["size"]
    region = rng.choice(4, size=n, p=[0.35, 0.25, 0.25, 0.15])
    bu = rng.choice(3, size=n, p=[0.45, 0.35, 0.20])
    ind_names = list(INDUSTRIES)
    industry = rng.integers(0, len(ind_names), n)
    churned = acc["churn"] <= end
    churn_day = np.where(churned, acc["churn"], np.nan)

    # contract_end_date: the next yearly anniversary of the first contract after as_of for active
    # accounts; for lost accounts the contract ended at churn.
    fcd = acc["fcd"]
    fcd_dt = _EPOCH + fcd
    k = np.floor((end - fcd) / 365.25).astype(np.int64) + 1
    month0 = fcd_dt.astype("datetime64[M]")
    anniv = ((month0 + 12 * k).astype("datetime64[D]") + (fcd_dt - month0.astype("datetime64[D]")))
    anniv = (anniv - _EPOCH).astype(np.int64)
    anniv = np.where(anniv <= end, anniv + 365, anniv)
    contract_end = np.where(churned, churn_day, anniv)

    # group accounts: ~40 parents per 2,000 accounts (preferably 大型), ~10% of accounts are subsidiaries
    n_groups = max(1, round(n / 50))
    n_sub = round(0.10 * n)
    big = np.flatnonzero(size == 0)
    pool = big if len(big) >= n_groups else np.arange(n)
    parents = rng.choice(pool, size=min(n_groups, len(pool)), replace=False)
    rest = np.setdiff1d(np.arange(n), parents)
    subs = rng.choice(rest, size=min(n_sub, len(rest)), replace=False)
    parent_of = np.full(n, -1)
    parent_of[subs] = parents[rng.integers(0, len(parents), len(subs))]

    # names: city + 字号 + industry word + legal form; subsidiaries carry the parent's 字号
    cities = [rng.choice(_CITIES[REGIONS[r]]) for r in region]
    z1 = rng.integers(0, len(_ZIHAO), n)
    z2 = rng.integers(0, len(_ZIHAO), n)
    zihao = [_ZIHAO[a] + _ZIHAO[b] for a, b in zip(z1, z2, strict=True)]
    word = [rng.choice(_INDUSTRY_WORD[ind_names[i]]) for i in industry]
    form_u = rng.random(n)
    names: list[str] = [""] * n
    set_parents = set(parents.tolist())
    for i in range(n):
        if i in set_parents:
            names[i] = f"{cities[i]}{zihao[i]}{word[i]}集团有限公司"
        elif parent_of[i] >= 0:
            p = parent_of[i]
            names[i] = f"{zihao[p]}{word[p]}({cities[i]})有限公司"
        else:
            form = "股份有限公司" if form_u[i] < 0.25 else "有限公司"
            names[i] = f"{cities[i]}{zihao[i]}{word[i]}{form}"
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):   # keep names unique (as real registered names are)
        c = seen.get(nm, 0)
        seen[nm] = c + 1
        if c:
            names[i] = nm.replace("有限公司", f"第{c + 1}分公司", 1) if parent_of[i] >= 0 else \
                nm.replace(cities[i], cities[i] + "市" + "东西南北中"[c % 5], 1)

    # account managers: a pool per region, about one per 40 accounts
    managers = []
    for r in range(4):
        k_r = max(2, int(np.ceil((region == r).sum() / 40)))
        mgr_names, _ = _names(rng, k_r)
        managers.append(mgr_names)
    account_manager = [managers[r][j % len(managers[r])]
                       for r, j in zip(region, rng.integers(0, 10**6, n), strict=True)]
    contact, pinyin = _names(rng, n)
    phone = [f"1{a}{b:04d}{c:04d}" for a, b, c in zip(rng.choice([35, 36, 37, 38, 39, 58, 86], n),
                                                      rng.integers(0, 10000, n), rng.integers(0, 10000, n),
                                                      strict=True)]
    email = [f"{p}.{j:03d}@{''.join(chr(97 + x) for x in letters)}.example.cn"
             for p, j, letters in zip(pinyin, rng.integers(0, 1000, n), rng.integers(0, 26, (n, 5)), strict=True)]
    fit_mean = _SEG_FIT[seg]
    value_fit = np.clip(np.rint(fit_mean + rng.normal(0, 0.8, n)), 1, 5)
    procurement_fit = np.clip(np.rint(fit_mean - 0.2 + rng.normal(0, 0.9, n)), 1, 5)

    cid_list = cid.to_pylist()
    parent_id = [cid_list[p] if p >= 0 else None for p in parent_of]
    df = pd.DataFrame({
        "customer_id": _str_series(cid),
        "name": names,
        "region": np.array(REGIONS)[region],
        "business_unit": np.array(BUSINESS_UNITS)[bu],
        "industry": np.array(ind_names)[industry],
        "size_band": np.array(SIZE_BANDS)[size],
        "parent_id": parent_id,
        "account_manager": account_manager,
        "contact_name": contact,
        "phone": phone,
        "email": email,
        "first_contract_date": _dates(fcd),
        "contract_end_date": _dates(contract_end),
        "churn_date": _dates(churn_day),
        "value_fit": value_fit,
        "procurement_fit": procurement_fit,
    })
    extra = {"region": region, "bu": bu, "industry": industry, "parent_of": parent_of, "cid": cid,
             "groups": len(parents), "subsidiaries": len(subs)}
    return _canonical(df, "customers"), extra


# ------------------------------------------------------------------------------------------ orders

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


# ------------------------------------------------------------------------------------------ invoices

def _invoices(rng, n, end, acc, info, extra) -> pd.DataFrame:
    cust, day = info["order_cust"], info["order_day"]
    n_inv = len(day)
    terms_c = np.where(rng.random(n) < _SEG_TERMS60[acc["seg"]], 60, 30)
    terms = terms_c[cust]
    # Late invoices per account: Binomial(n, 85% | 5%), then kept on the right side of one half so that
    # the ledger rule "late share >= 0.5" reproduces the latent late_payer trait exactly.
    late_c = acc["late"]
    n_c = np.bincount(cust, minlength=n)
    m_c = rng.binomial(n_c, np.where(late_c, _LATE_SHARE[True], _LATE_SHARE[False]))
    half = np.ceil(n_c / 2).astype(np.int64)
    m_c = np.where(late_c, np.maximum(m_c, half), np.minimum(m_c, (n_c - 1) // 2))
    rank = _group_rank(cust, rng.random(n_inv))
    late = rank < m_c[cust]
    mean_delay = np.where(late_c[cust], 40.0, 12.0)
    pay_days = np.where(late, terms + 1 + np.floor(rng.gamma(2.0, mean_delay / 2.0)),
                        np.ceil(terms * rng.uniform(0.35, 1.0, n_inv)))
    paid = day + pay_days
    unpaid = paid > end
    amount = np.round(info["order_amount"], 2)
    df = pd.DataFrame({
        "invoice_id": _str_series(pc.binary_join_element_wise("INV-", info["order_ids"], "")),
        "customer_id": _str_series(extra["cid"].take(pa.array(cust))),
        "invoice_date": _dates(day),
        "due_date": _dates(day + terms),
        "amount": amount,
        "paid_date": _dates(np.where(unpaid, np.nan, paid)),
        "paid_amount": np.where(unpaid, 0.0, amount),
    })
    return _canonical(df, "invoices")


# ------------------------------------------------------------------------------------------ surveys

def _surveys(rng, n, end, acc, extra) -> pd.DataFrame:
    level = np.where(acc["dis"], rng.normal(1.5, 0.3, n), rng.normal(4.2, 0.35, n))
    beta = np.array([DRIVERS[i] for i in LIKERT_ITEMS])
    churn = acc["churn"].astype(float)
    parts = []
    for w in WAVES:
        year = int(w[:4])
        first, last = _days(f"{year}-09-01"), _days(f"{year}-11-30")
        sday = rng.integers(first, last + 1, n)
        alive = (acc["fcd"] <= sday) & (sday < churn) & (sday <= end)
        respond = alive & (rng.random(n) < _SURVEY_RESPONSE)
        acct = np.flatnonzero(respond)
        k = 1 + rng.binomial(3, 0.35, len(acct))
        r_acct = np.repeat(acct, k)
        first_resp = np.r_[True, r_acct[1:] != r_acct[:-1]]
        m = len(r_acct)
        rday = sday[r_acct] + rng.integers(0, 15, m)
        rday = np.minimum(rday, np.minimum(churn[r_acct] - 1, _days(f"{year}-12-31"))).astype(np.int64)
        rday = np.minimum(rday, end)
        shock = rng.normal(0.0, 0.4, (m, 4))[:, _ITEM_CONSTRUCT]
        items = np.clip(np.rint(level[r_acct][:, None] + shock + rng.normal(0.0, 0.65, (m, 7))), 1, 5)
        eta = items @ beta
        p_le = 1.0 / (1.0 + np.exp(-(_CUTPOINTS[None, :] - eta[:, None])))   # P(overall <= j)
        overall = 1.0 + (rng.random(m)[:, None] > p_le).sum(axis=1)
        nps = np.clip(np.rint(2.2 * overall - 1.5 + rng.normal(0.0, 1.3, m)), 0, 10)
        role = np.where(first_resp, "decision_maker",
                        rng.choice(np.array(["decision_maker", "user", "procurement"]), m, p=[0.2, 0.5, 0.3]))
        names, _ = _names(rng, m)
        part = {"customer_id": r_acct, "survey_date": rday, "wave": np.full(m, w), "respondent_role": role,
                "respondent_name": np.array(names, dtype=object)}
        part.update({it: items[:, j] for j, it in enumerate(LIKERT_ITEMS)})
        part.update({"overall": overall, "nps": nps})
        parts.append(part)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    m = len(cols["customer_id"])
    df = pd.DataFrame({
        "response_id": _str_series(_ids("S", np.arange(1, m + 1), max(6, len(str(m))))),
        "customer_id": _str_series(extra["cid"].take(pa.array(cols["customer_id"]))),
        "survey_date": _dates(cols["survey_date"]),
        "wave": cols["wave"],
        "respondent_role": cols["respondent_role"],
        "respondent_name": cols["respondent_name"],
        **{it: cols[it] for it in LIKERT_ITEMS},
        "overall": cols["overall"],
        "nps": cols["nps"],
    })
    return _canonical(df, "surveys")


# ------------------------------------------------------------------------------------------ truth

def _top_share(revenue_by_customer: np.ndarray, top: float = 0.2) -> float:
    r = np.sort(np.asarray(revenue_by_customer, dtype=float))[::-1]
    k = int(np.ceil(top * len(r)))
    total = r.sum()
    return float(r[:k].sum() / total) if total > 0 else float("nan")


_SURVIVAL_COVARIATES = {
    "late_payer": "share of the account's invoices paid after due_date (or unpaid and past due at as_of) >= 0.5",
    "dissatisfied": "mean `overall` over all the account's survey responses < 3 (NaN when never surveyed)",
    "large": "size_band == '大型'",
}


def _truth(n, seed, end, ws, years, acc, extra, customers, orders_info, invoices, surveys) -> dict:
    cid = extra["cid"].to_pylist()
    clean_rev = np.bincount(orders_info["clean_cust"], weights=orders_info["clean_revenue"], minlength=n)
    churned = acc["churn"] <= end
    in_window = acc["fcd"] >= ws
    exposure_years = (np.minimum(acc["churn"], end + 1) - np.maximum(acc["fcd"], ws)) / 365.25
    seg_names = np.array(SEGMENTS)[acc["seg"]]
    return {
        "as_of": str(pd.Timestamp(end, unit="D").date()),
        "window_start": str(pd.Timestamp(ws, unit="D").date()),
        "years": years,
        "n_customers": n,
        "seed": seed,
        "segment_names": list(SEGMENTS),
        "segments": dict(zip(cid, seg_names.tolist(), strict=True)),
        "segment_sizes": {s: int((seg_names == s).sum()) for s in SEGMENTS},
        "segment_profiles": {
            "strategic": "large (mostly 大型), frequent orders, high revenue, lower margin, 60-day terms, pays on time",
            "growth": "mid-size, order rate growing about 2.6x per year (strong positive revenue_growth)",
            "transactional": "small, a few orders a year, long recency, low revenue, higher margin",
            "slow_payer": "mid-size, steady; ~85% of invoices paid late (long days_to_pay) = late_payer trait",
        },
        "hazard_ratios": dict(HAZARD_RATIOS),
        "survival_covariates": dict(_SURVIVAL_COVARIATES),
        "baseline_hazard": {
            "model": "Weibull proportional hazards in years since first_contract_date",
            "cumulative_hazard": "H(t | x) = (t / scale) ** shape * HR(x)",
            "shape": _WEIBULL_SHAPE, "scale_years": _WEIBULL_SCALE_YEARS,
        },
        "left_truncation": (
            "Accounts whose churn fell before window_start were never generated into the ledger; accounts "
            "with first_contract_date before window_start are observed only because they survived to "
            "window_start. Fit survival models on time since first_contract_date with late entry at "
            "window_start for those accounts (entry = 0 for accounts that started inside the window). "
            "Churn after as_of is censored; orders and invoices stop before churn_date; surveys only reach "
            "accounts active on the survey date, so an analysis that needs `dissatisfied` (NaN when never "
            "surveyed) is cleanest with entry at the account's first survey_date."),
        "churn": {
            "churned": int(churned.sum()),
            "active": int((~churned).sum()),
            "started_in_window": int(in_window.sum()),
            "left_truncated": int((~in_window).sum()),
            "churn_per_year_in_window": float(churned.sum() / exposure_years.sum()),
        },
        "traits": {
            "late_payer": [c for c, f in zip(cid, acc["late"], strict=True) if f],
            "dissatisfied": [c for c, f in zip(cid, acc["dis"], strict=True) if f],
        },
        "drivers": dict(DRIVERS),
        "driver_model": {
            "model": "ordinal logit: P(overall <= j) = logistic(cut_j - sum(beta_i * item_i))",
            "cutpoints": _CUTPOINTS.tolist(),
            "note": "dissatisfied accounts have lower item levels (about 1.8 vs 4.0); overall depends on "
                    "the items only",
        },
        "nps_model": "nps = clip(round(2.2 * overall - 1.5 + N(0, 1.3)), 0, 10)",
        "top20_revenue_share": _top_share(clean_rev),
        "top20_revenue_share_definition": (
            "share of revenue held by the top 20% of accounts (ceil(0.2 * n_customers) accounts), revenue "
            "summed over order lines after excluding returns (quantity < 0) and zero-price lines"),
        "planted_problems": {
            "returns": {"rows": int(orders_info["n_returns"]), "revenue": round(orders_info["return_revenue"], 2),
                        "rule": "quantity < 0 and revenue < 0; order_id starts with 'RT'; no invoice"},
            "zero_price": {"rows": int(orders_info["n_zero_price"]),
                           "rule": "unit_price == 0 and revenue == 0 (free samples in multi-line orders)"},
            "unpaid_invoices": {"rows": int(invoices["paid_date"].isna().sum()),
                                "rule": "paid_date empty and paid_amount 0: paid after as_of"},
        },
        "groups": {"parents": int(extra["groups"]), "subsidiaries": int(extra["subsidiaries"])},
        "rows": {"orders": int(orders_info["n_rows"]), "customers": len(customers),
                 "invoices": len(invoices), "surveys": len(surveys)},
    }


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
    step("truth")
    return Demo(tables={"orders": orders, "customers": customers, "invoices": invoices, "surveys": surveys},
                truth=truth)


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
    ['customers', 'invoices', 'orders', 'surveys']
    >>> demo.truth["hazard_ratios"]["dissatisfied"]
    2.5
    """
    return _build(n_customers, seed, end, years)


_FILES = ("orders", "customers", "invoices", "surveys")


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
    """Arguments of ``kam demo``."""
    parser.add_argument("--out", default="data/demo", help="folder to write the ledger to (default: data/demo)")
    parser.add_argument("--customers", type=int, default=2000, help="number of accounts (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="csv",
                        help="table format (default: csv; use parquet for 100,000+ customers)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing demo ledger in --out")


def cli(args) -> int:
    """Run ``kam demo``: build the ledger, write it, print what was written and a one-line summary."""
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
