"""Customer value: BG/NBD purchases x Gamma-Gamma spend over a horizon, discounted."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ._common import summary_columns, unit_days
from .bgnbd import NAMES as BG_NAMES
from .bgnbd import BGNBDResult, expected_purchases_values, p_alive_values
from .gamma_gamma import GammaGammaResult

#: discounting steps over the horizon; the purchases of each step are discounted at its midpoint
MAX_STEPS = 12


def customer_value(bgnbd: BGNBDResult, gamma_gamma: GammaGammaResult, summary: pd.DataFrame, horizon: float,
                   discount_rate: float = 0.0, margin: float = 1.0, steps: int | None = None) -> pd.DataFrame:
    """Expected purchases, spend, revenue and discounted customer value of every account over ``horizon``.

    Parameters
    ----------
    bgnbd, gamma_gamma : fitted models (:func:`fit_bgnbd`, :func:`fit_gamma_gamma`)
    summary : DataFrame
        RFM summary of the accounts to score (its time unit must be the one BG/NBD was fitted in).
    horizon : float
        Length of the future window in the summary's time unit (e.g. 52 weeks).
    discount_rate : float
        Annual discount rate (0.10 = 10% a year), converted to the time unit by compounding.
    margin : float
        Share of revenue counted as value (1 = revenue CLV; a gross margin gives profit CLV).
    steps : int, optional
        Discounting steps over the horizon (default: one per time unit, at most ``MAX_STEPS``). The expected
        purchases of each step are discounted at the step's midpoint.

    Returns
    -------
    DataFrame
        Indexed like ``summary``: ``p_alive``, ``expected_purchases``, ``expected_spend`` (per purchase),
        ``expected_revenue`` (undiscounted, over the horizon), ``clv`` (discounted, times ``margin``).
    """
    if not horizon > 0:
        raise AnalysisError(f"customer_value: horizon must be positive (got {horizon!r})")
    if not discount_rate > -1:
        raise AnalysisError(f"customer_value: discount_rate must be above -1 (got {discount_rate!r})")
    unit = str(summary.attrs.get("time_unit", bgnbd.time_unit))
    if unit != bgnbd.time_unit:
        raise AnalysisError(f"customer_value: the summary is in time unit {unit!r} but BG/NBD was fitted in "
                            f"{bgnbd.time_unit!r}; rebuild the summary with time_unit={bgnbd.time_unit!r}")
    c = summary_columns(summary, ("frequency", "recency", "T"), "customer_value")
    x, tx, T = c["frequency"], c["recency"], c["T"]
    params = {k: float(bgnbd.params[k]) for k in BG_NAMES}
    k = int(steps) if steps else min(max(1, math.ceil(horizon)), MAX_STEPS)
    grid = np.linspace(0.0, float(horizon), k + 1)
    per_unit = (1.0 + discount_rate) ** (unit_days(unit) / 365.25) - 1.0
    cum = np.zeros(x.size)
    discounted = np.zeros(x.size)
    for lo, hi in zip(grid[:-1], grid[1:], strict=True):
        nxt = expected_purchases_values(params, hi, x, tx, T)
        discounted += (nxt - cum) / (1.0 + per_unit) ** ((lo + hi) / 2)
        cum = nxt
    spend = gamma_gamma.expected_spend(summary).to_numpy()
    return pd.DataFrame({"p_alive": p_alive_values(params, x, tx, T), "expected_purchases": cum,
                         "expected_spend": spend, "expected_revenue": cum * spend,
                         "clv": discounted * spend * margin}, index=summary.index)


__all__ = ["customer_value"]
