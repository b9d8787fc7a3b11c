"""Holdout validation of BG/NBD that leadership can read: fit on a calibration period, predict the repeat
purchases of the following ``horizon``, and compare with what happened, per frequency bucket and in total
(the classic "buy till you die" validation figure)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ._common import Note, unit_days
from .bgnbd import BGNBDResult, fit_bgnbd
from .summary import rfm_summary

#: calibration repeat-purchase buckets 0 .. TOP_BUCKET-1, then "TOP_BUCKET+"
TOP_BUCKET = 7


@dataclass(frozen=True, eq=False)
class HoldoutResult:
    """Predicted vs actual repeat purchases in a holdout period.

    Attributes
    ----------
    table : DataFrame
        Indexed by calibration frequency bucket ("0", "1", ..., "7+"): ``n`` accounts, ``actual``
        and ``predicted`` mean repeat purchases per account in the holdout, and their totals.
    total_actual, total_predicted : float
        Repeat purchases of the calibration accounts in the holdout, observed and predicted.
    relative_error : float
        (predicted - actual) / actual over all accounts (NaN when nothing was bought).
    model : BGNBDResult
        The model fitted on the calibration period.
    """

    table: pd.DataFrame
    total_actual: float
    total_predicted: float
    relative_error: float
    calibration_end: pd.Timestamp
    as_of: pd.Timestamp
    horizon: float
    time_unit: str
    model: BGNBDResult
    warnings: tuple[Note, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return f"<p>{holdout_sentence(self, 'en')}</p>" + self.table.to_html(float_format=lambda v: f"{v:,.3g}")


def holdout_check(orders: pd.DataFrame, as_of, horizon: float, time_unit: str = "W") -> HoldoutResult:
    """Fit BG/NBD on the orders up to ``as_of - horizon`` and predict the repeat purchases of the last
    ``horizon`` time units of every account already known at the calibration end.

    A purchase is an order day (as in :func:`rfm_summary`); accounts first seen in the holdout are not part of
    the check (the model predicts nothing for accounts it has never seen).

    Parameters
    ----------
    orders : DataFrame
        ``customer_id``, ``order_date``, ``revenue``.
    as_of : date-like
        End of the holdout period.
    horizon : float
        Length of the holdout in ``time_unit`` (rounded to whole days), positive.
    time_unit : str
        Time unit of the fit and of ``horizon`` (``"D"``, ``"W"`` or ``"M"``).

    Returns
    -------
    HoldoutResult
        Actual and predicted repeat purchases per account by calibration frequency (0-6, 7+) and in total.

    Raises
    ------
    AnalysisError
        ``horizon`` is not positive, no order falls on or before the calibration end, the unit is unknown, or
        BG/NBD is not estimable on the calibration period.
    """
    if not horizon > 0:
        raise AnalysisError(f"holdout_check: horizon must be positive (got {horizon!r})")
    as_of = pd.Timestamp(as_of).normalize()
    cal_end = as_of - pd.Timedelta(days=round(horizon * unit_days(time_unit)))
    cal = rfm_summary(orders, cal_end, time_unit)
    if cal.empty:
        raise AnalysisError(f"holdout_check: no orders on or before the calibration end {cal_end.date()}; "
                            "shorten the horizon")
    model = fit_bgnbd(cal)
    dates = orders["order_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    inside = (dates > np.datetime64(cal_end.date(), "D")) & (dates <= np.datetime64(as_of.date(), "D"))
    hold = pd.DataFrame({"customer_id": orders["customer_id"].to_numpy()[inside], "day": dates[inside]})
    actual = hold.drop_duplicates().groupby("customer_id").size()
    actual = actual.reindex(cal.index, fill_value=0).to_numpy(dtype=float)
    predicted = model.expected_purchases((as_of - cal_end).days / unit_days(time_unit), cal).to_numpy()
    freq = cal["frequency"].to_numpy()
    labels = [str(i) for i in range(TOP_BUCKET)] + [f"{TOP_BUCKET}+"]
    bucket = np.minimum(freq, TOP_BUCKET).astype(int)
    n = np.bincount(bucket, minlength=TOP_BUCKET + 1)
    act = np.bincount(bucket, weights=actual, minlength=TOP_BUCKET + 1)
    pred = np.bincount(bucket, weights=predicted, minlength=TOP_BUCKET + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame({"n": n, "actual": act / n, "predicted": pred / n, "actual_total": act,
                              "predicted_total": pred}, index=pd.Index(labels, name="frequency"))
    table = table[table["n"] > 0]
    total_a, total_p = float(actual.sum()), float(predicted.sum())
    rel = (total_p - total_a) / total_a if total_a > 0 else float("nan")
    return HoldoutResult(table=table, total_actual=total_a, total_predicted=total_p, relative_error=rel,
                         calibration_end=cal_end, as_of=as_of, horizon=float(horizon), time_unit=time_unit,
                         model=model, warnings=model.warnings)


_UNIT = {"D": {"en": "days", "zh": "天"}, "W": {"en": "weeks", "zh": "周"}, "M": {"en": "months", "zh": "个月"}}


def holdout_sentence(result: HoldoutResult, lang: str = "zh") -> str:
    """The holdout check in one or two sentences, with the error in words.

    Parameters
    ----------
    result : HoldoutResult
        Result of :func:`holdout_check`.
    lang : {"zh", "en"}
        Report language.

    Returns
    -------
    str

    Raises
    ------
    AnalysisError
        ``lang`` is not a report language.
    """
    if lang not in ("zh", "en"):
        raise AnalysisError(f"unknown report language {lang!r}; use 'zh' or 'en'")
    unit = _UNIT[result.time_unit][lang]
    h = f"{result.horizon:,.0f}"   # a horizon stated in months arrives as 52.18 weeks
    n = int(result.table["n"].sum())
    err = result.relative_error
    if not np.isfinite(err):
        return ("The calibration accounts bought nothing in the holdout, so the forecast cannot be checked."
                if lang == "en" else "校准期客户在验证期内没有任何购买，无法检验预测。")
    size = abs(err)
    if lang == "en":
        quality = ("very close" if size < 0.05 else "close" if size < 0.10 else "usable but rough" if size < 0.20
                   else "poor: do not rely on it")
        way = "over" if err > 0 else "under"
        return (f"Fitted on the orders up to {result.calibration_end.date()}, the model predicted "
                f"{result.total_predicted:,.0f} repeat purchases by the {n:,} accounts in the following {h} {unit}; "
                f"they made {result.total_actual:,.0f}. The forecast {way}states by {size:.1%} — {quality}.")
    quality = ("非常接近" if size < 0.05 else "接近" if size < 0.10 else "可用但较粗" if size < 0.20
               else "偏差大，不宜依赖")
    way = "高估" if err > 0 else "低估"
    return (f"用截至 {result.calibration_end.date()} 的订单拟合模型，预测这 {n:,} 个客户在随后 {h} {unit}内"
            f"复购 {result.total_predicted:,.0f} 次，实际为 {result.total_actual:,.0f} 次。"
            f"预测{way} {size:.1%}，{quality}。")


__all__ = ["HoldoutResult", "holdout_check", "holdout_sentence"]
