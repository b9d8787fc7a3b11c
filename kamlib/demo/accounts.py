"""Demo accounts: the planted segment, size, traits and churn of each account, and the customers table."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._columns import _EPOCH, _canonical, _dates, _ids, _str_series
from .constants import (
    _IN_WINDOW_SHARE,
    _MAX_TENURE_YEARS,
    _P_DISSATISFIED,
    _SEG_FIT,
    _SEG_SHARE,
    _SEG_SIZE_P,
    _WEIBULL_SCALE_YEARS,
    _WEIBULL_SHAPE,
    BUSINESS_UNITS,
    HAZARD_RATIOS,
    INDUSTRIES,
    REGIONS,
    SIZE_BANDS,
)
from .names import _company_names, _names


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

    names = _company_names(rng, [REGIONS[r] for r in region], [ind_names[i] for i in industry],
                           parents, parent_of)

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

