"""The planted truth of the demo ledger as a JSON-serialisable dict (``truth.json``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .constants import _CUTPOINTS, _WEIBULL_SCALE_YEARS, _WEIBULL_SHAPE, DRIVERS, HAZARD_RATIOS, SEGMENTS


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

