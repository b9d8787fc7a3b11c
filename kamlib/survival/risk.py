"""The at-risk list: active accounts ranked by predicted churn probability within a horizon."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .cox_model import CoxResult


def at_risk(result: CoxResult, data: pd.DataFrame, duration: str, event: str, horizon_days: float = 180,
            revenue: str | None = "revenue_last_12m", columns: Sequence[str] = ("name", "tier", "account_manager"),
            top: int | None = None, strata: str | None = None) -> pd.DataFrame:
    """Active accounts ranked by predicted probability of churning within ``horizon_days``.

    Parameters
    ----------
    result : CoxResult
        Fitted model (its covariates must be columns of ``data``).
    data : DataFrame
        One row per account (index = customer_id) with ``duration`` (time since the clock start, i.e. the
        account's current age), ``event`` and the covariates.
    horizon_days : float
        Prediction horizon (``params.survival.horizon_days``).
    revenue : str, optional
        Column with the revenue at stake (e.g. last 12 months); ``expected_loss = probability x revenue``.
    columns : sequence of str
        Descriptive columns carried into the list when present.
    top : int, optional
        Keep the ``top`` highest-risk accounts.

    Returns
    -------
    DataFrame indexed by customer_id: the descriptive columns, ``churn_probability``, ``relative_risk``
    (hazard relative to an average account), ``revenue_at_stake``, ``expected_loss`` and
    ``beyond_follow_up`` (True when the horizon reaches past the longest observed account age, where the
    baseline hazard is not estimated and the probability is a lower bound), highest probability first.
    Accounts with missing covariates are left out.
    """
    active = data[~data[event].astype(bool)]
    X = result.design(active)
    ok = X.notna().all(axis=1)
    active, X = active[ok], X[ok]
    if len(active) == 0 or not np.isfinite(result.summary["coef"]).all():
        return pd.DataFrame(columns=[*[c for c in columns if c in data], "churn_probability", "relative_risk",
                                     "revenue_at_stake", "expected_loss", "beyond_follow_up"])
    prob = result.churn_probability(active, duration, horizon_days, strata=strata)
    lp = X.to_numpy(float) @ result.summary.loc[list(result.terms), "coef"].to_numpy()
    out = active[[c for c in columns if c in active]].copy()
    out["churn_probability"] = prob
    out["relative_risk"] = np.exp(lp - lp.mean())
    out["revenue_at_stake"] = active[revenue].astype(float) if revenue and revenue in active else np.nan
    out["expected_loss"] = out["churn_probability"] * out["revenue_at_stake"]
    tmax = max((b["time"].max() for b in result.baseline.values() if len(b)), default=np.nan)
    out["beyond_follow_up"] = (active[duration].astype(float) + horizon_days) > tmax
    out = out.sort_values(["churn_probability", "expected_loss"], ascending=False)
    return out.head(top) if top else out

