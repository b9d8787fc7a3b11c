"""The value still held by a book of accounts: BG/NBD + Gamma-Gamma fitted on one region's orders, every
account scored over a horizon, and the forecast checked on a holdout period.

This is what the workbook joins to its customer frame. It never raises for a book the models cannot
describe: a contractual ledger gets ``status="not_applicable"`` (the survival model covers it), a book with
too few repeat buyers ``status="not_estimable"``, each with a keyed reason the report states in words.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..errors import AnalysisError, KamlibError
from ._common import Note
from .bgnbd import BGNBDResult, fit_bgnbd
from .gamma_gamma import GammaGammaResult, fit_gamma_gamma
from .holdout import HoldoutResult, holdout_check
from .summary import rfm_summary
from .value import customer_value

#: weeks per month (the models run in weeks; horizons are stated in months)
WEEKS_PER_MONTH = 365.25 / 12 / 7
#: the shortest holdout worth checking, in weeks
MIN_HOLDOUT_WEEKS = 8

#: below this mean dropout probability per purchase (a / (a + b)) the model sees no account leaving, so
#: P(alive) is ~1 everywhere and cannot rank who is slipping away
MIN_DROPOUT = 1e-4

#: columns :func:`book_value` adds to the customer frame
COLUMNS = ("p_alive", "expected_purchases_12m", "expected_revenue_12m", "clv")


@dataclass(frozen=True, eq=False)
class BookValue:
    """Per-account P(alive), expected purchases, expected revenue and CLV over ``horizon_months``.

    Attributes
    ----------
    accounts : DataFrame
        Indexed by customer_id: ``frequency``, ``recency``, ``T`` (weeks), ``p_alive``,
        ``expected_purchases_12m``, ``expected_revenue_12m`` (undiscounted, over the horizon), ``clv``
        (discounted). Empty unless ``status == "ok"``. The ``_12m`` names hold for any horizon: they are
        the horizon the params chose (12 months by default).
    status : {"ok", "not_applicable", "not_estimable"}
    reason : Note or None
        Why the models were not used (keyed: ``contractual``, ``not_estimable``).
    spend_model : {"gamma_gamma", "observed_mean"}
        How spend per purchase was predicted: the Gamma-Gamma model, or (when it could not be fitted) each
        account's own mean spend per order day.
    holdout : HoldoutResult or None
        The forecast checked on the last ``holdout_weeks`` of the ledger; ``holdout_reason`` says why not.
    """

    accounts: pd.DataFrame
    status: str
    horizon_months: float
    discount_rate: float
    bgnbd: BGNBDResult | None = None
    gamma_gamma: GammaGammaResult | None = None
    spend_model: str = "gamma_gamma"
    holdout: HoldoutResult | None = None
    holdout_weeks: float = 0.0
    holdout_reason: Note | None = None
    reason: Note | None = None
    warnings: tuple[Note, ...] = ()

    @property
    def estimable(self) -> bool:
        return self.status == "ok"

    @property
    def p_alive_informative(self) -> bool:
        """P(alive) separates accounts: the model saw dropout (not true when nobody seems to leave)."""
        return self.estimable and not any(getattr(w, "key", "") == "no_dropout" for w in self.warnings)

    def to_frame(self) -> pd.DataFrame:
        return self.accounts

    def totals(self) -> dict[str, float]:
        """Expected revenue over the horizon and CLV summed over the book (NaN when not estimable)."""
        if not self.estimable:
            return {"expected_revenue_12m": math.nan, "clv": math.nan}
        return {c: float(self.accounts[c].sum()) for c in ("expected_revenue_12m", "clv")}


def _empty(status: str, horizon_months: float, discount_rate: float, reason: Note) -> BookValue:
    return BookValue(accounts=pd.DataFrame(columns=list(COLUMNS), dtype=float), status=status,
                     horizon_months=horizon_months, discount_rate=discount_rate, reason=reason)


def _observed_spend(orders: pd.DataFrame, as_of: pd.Timestamp, index: pd.Index) -> pd.Series:
    """Each account's mean revenue per order day up to ``as_of`` (the spend fallback)."""
    o = orders.loc[orders["order_date"] <= as_of, ["customer_id", "order_date", "revenue"]]
    days = o.groupby(["customer_id", o["order_date"].dt.normalize()], observed=True)["revenue"].sum()
    return days.groupby(level=0).mean().reindex(index).fillna(0.0).clip(lower=0.0)


def _holdout(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_weeks: float,
             first: pd.Timestamp) -> tuple[HoldoutResult | None, float, Note | None]:
    """The holdout check over the horizon, or over half the ledger's span when the ledger is shorter."""
    span_weeks = (as_of - first).days / 7
    weeks = float(min(horizon_weeks, math.floor(span_weeks / 2)))
    if weeks < MIN_HOLDOUT_WEEKS:
        return None, 0.0, Note("holdout_short", params={"weeks": span_weeks, "min": MIN_HOLDOUT_WEEKS})
    try:
        return holdout_check(orders, as_of, weeks, time_unit="W"), weeks, None
    except AnalysisError as e:
        return None, weeks, Note("holdout_not_estimable", params={"detail": str(e)})


def book_value(orders: pd.DataFrame, as_of, *, horizon_months: float = 12, discount_rate: float = 0.10,
               contractual: bool = False, holdout: bool = True) -> BookValue:
    """Fit BG/NBD and Gamma-Gamma on ``orders`` and score every account that ordered by ``as_of``.

    Parameters
    ----------
    orders : DataFrame
        ``customer_id``, ``order_date``, ``revenue`` (order lines or one row per account and day).
    as_of : date-like
        End of the observation period.
    horizon_months : float
        Future window of ``expected_*`` and ``clv`` (12 = the next 12 months).
    discount_rate : float
        Annual discount rate of the CLV.
    contractual : bool
        The ledger records contract ends or churn dates: BG/NBD does not apply (an account's departure is
        observed, not inferred), and the result says so.
    holdout : bool
        Also check the forecast on a holdout period.

    Returns
    -------
    BookValue
    """
    as_of = pd.Timestamp(as_of)
    if contractual:
        return _empty("not_applicable", horizon_months, discount_rate,
                      Note("contractual", params={}))
    try:
        summary = rfm_summary(orders, as_of, time_unit="W")
        bg = fit_bgnbd(summary)
    except KamlibError as e:
        return _empty("not_estimable", horizon_months, discount_rate,
                      Note("not_estimable", params={"detail": str(e)}))
    notes = list(bg.warnings)
    a, b = float(bg.params["a"]), float(bg.params["b"])
    if a / (a + b) < MIN_DROPOUT:
        notes.append(Note("no_dropout", params={"p": a / (a + b)}))
    gg: GammaGammaResult | None
    try:
        gg = fit_gamma_gamma(summary)
        notes += list(gg.warnings)
    except AnalysisError as e:
        gg = None
        notes.append(Note("spend_observed_mean", params={"detail": str(e)}))
    weeks = horizon_months * WEEKS_PER_MONTH
    if gg is not None:
        scored = customer_value(bg, gg, summary, weeks, discount_rate=discount_rate)
    else:
        scored = _observed_value(bg, summary, weeks, discount_rate, _observed_spend(orders, as_of, summary.index))
    accounts = summary[["frequency", "recency", "T"]].join(scored.rename(columns={
        "expected_purchases": "expected_purchases_12m", "expected_revenue": "expected_revenue_12m"}))
    accounts = accounts.drop(columns=[c for c in ("expected_spend",) if c in accounts])
    ho, ho_weeks, ho_reason = (None, 0.0, None)
    if holdout:
        first = pd.Timestamp(orders["order_date"].min())
        ho, ho_weeks, ho_reason = _holdout(orders, as_of, weeks, first)
    return BookValue(accounts=accounts, status="ok", horizon_months=float(horizon_months),
                     discount_rate=float(discount_rate), bgnbd=bg, gamma_gamma=gg,
                     spend_model="gamma_gamma" if gg is not None else "observed_mean", holdout=ho,
                     holdout_weeks=ho_weeks, holdout_reason=ho_reason, warnings=tuple(notes))


def _observed_value(bg: BGNBDResult, summary: pd.DataFrame, weeks: float, discount_rate: float,
                    spend: pd.Series) -> pd.DataFrame:
    """Expected purchases from BG/NBD times each account's observed mean spend (no Gamma-Gamma)."""
    purchases = bg.expected_purchases(weeks, summary)
    revenue = purchases * spend
    # discount the whole horizon at its midpoint: one step, as customer_value does per step
    factor = (1.0 + discount_rate) ** (-(weeks / 2) * 7 / 365.25)
    return pd.DataFrame({"p_alive": bg.p_alive(summary), "expected_purchases": purchases,
                         "expected_spend": spend, "expected_revenue": revenue,
                         "clv": revenue * factor}, index=summary.index).astype(float)


def indicator_columns(book: BookValue, indicators: pd.DataFrame) -> pd.DataFrame:
    """The per-account columns the customer frame gains from ``book``, aligned on ``indicators``' index.

    ``expected_purchases_12m``, ``expected_revenue_12m``, ``clv`` and ``growth_potential`` (expected revenue
    over the horizon relative to the last 12 months' revenue, scaled to 12 months; NaN without revenue in
    the last 12 months), plus ``p_alive`` only when it separates accounts (:attr:`BookValue.p_alive_informative`):
    a P(alive) of ~1 everywhere would rank nobody. Empty when the models were not used.

    Parameters
    ----------
    book : BookValue
    indicators : DataFrame
        The customer indicators (index customer_id; ``revenue_last_12m`` is used when present).

    Returns
    -------
    DataFrame
    """
    if not book.estimable:
        return pd.DataFrame(index=indicators.index)
    keep = ["expected_purchases_12m", "expected_revenue_12m", "clv"]
    if book.p_alive_informative:
        keep.insert(0, "p_alive")
    out = book.accounts[keep].reindex(indicators.index)
    if "revenue_last_12m" in indicators:
        last = indicators["revenue_last_12m"].astype(float)
        scaled = out["expected_revenue_12m"] * (12.0 / book.horizon_months)
        out["growth_potential"] = (scaled / last.where(last > 0)) - 1.0
    return out


__all__ = ["BookValue", "book_value", "indicator_columns", "COLUMNS", "WEEKS_PER_MONTH"]
