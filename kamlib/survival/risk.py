"""The at-risk list: active accounts ranked by predicted churn probability and expected revenue at risk."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import KamlibError, KamlibWarning
from .cox_model import CoxResult, cox
from .episodes import DISSATISFIED_BELOW, WINDOW_DAYS, episodes, survey_states

#: interaction counts that enter a churn model as time-varying covariates (term -> kamlib.accounts picker)
TIME_VARYING = {"complaints_per_year": "complaints", "contacts_per_year": "contacts"}
#: satisfaction terms that enter a churn model as of each day, from the dated survey answers
SURVEY_TERMS: tuple[str, ...] = ("dissatisfied", "not_surveyed")


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



#: how a churn probability was obtained, in order of preference
METHODS: tuple[str, ...] = ("cox", "p_alive", "recency")


def churn_model(data: pd.DataFrame, covariates: Sequence[str], duration: str = "duration_days",
                event: str = "churned", entry: str | None = "entry_days", min_events: int = 10,
                ledger=None, window_days: int = WINDOW_DAYS, dissatisfied_below: float = DISSATISFIED_BELOW,
                overall: str = "overall", **cox_kw) -> CoxResult | None:
    """A Cox model of churn when the ledger supports one, else ``None`` (the ranking then falls back).

    With ``ledger`` the terms known only at a date are taken as of each day, never over the account's whole
    observed time, which would use what happened before (or after) a loss as if known from the start.
    ``data`` then needs ``start_date``; the follow-up is split into episodes (:func:`kamlib.survival.episodes`)
    and at each churn every account's value as of that day enters the likelihood:

    * ``complaints_per_year``, ``contacts_per_year`` (from its interactions): the count in the
      ``window_days`` before that day. The hazard ratio reads "per complaint in the last 12 months" and
      applies to an active account's current count (its ``complaints_per_year`` column, see
      :func:`kamlib.accounts.contact_covariates`).
    * ``dissatisfied``, ``not_surveyed`` (from its dated surveys, :func:`survey_states`): whether the
      account's latest survey wave answered before that day scored below ``dissatisfied_below``, and
      whether it had answered at all. Surveys reach only accounts still active at a wave, so a never-surveyed
      flag for the whole period mostly marks accounts lost before the first wave (on the demo an HR of 9
      that reads as "surveying keeps accounts"); as of each day, "not surveyed" only means "satisfaction not
      known yet" and compares that time with the time of accounts known to be satisfied. Its hazard ratio is
      then near the mix of satisfied and dissatisfied accounts among the not yet surveyed, and
      ``dissatisfied`` reads "answered below 3 in its last survey". Without ``not_surveyed`` in the model the
      time before an account's first answer is left out of the fit (its satisfaction is unknown), as
      ``churn_covariates(missing="keep")`` leaves never-surveyed accounts out. An active account is scored
      with its current values, the ``dissatisfied`` / ``not_surveyed`` columns of :func:`churn_covariates`
      (latest wave).

    ``None`` when no covariate varies, fewer than ``min_events`` accounts churned, fewer than ``min_events``
    stayed, or the fit fails or gives no finite coefficient.

    Parameters
    ----------
    data : DataFrame
        One row per account: duration, event, entry and the covariates.
    covariates : sequence of str
        Covariate columns (e.g. from :func:`churn_covariates`).
    duration, event : str
        Duration (days) and churn-flag columns.
    entry : str or None, default "entry_days"
        Late-entry column; None for no late entry.
    min_events : int, default 10
        Fewest churned and fewest retained accounts for a fit.
    ledger : Ledger, optional
        The ledger whose interactions date the complaints and contacts and whose surveys date the
        satisfaction (see above).
    window_days : int, default 365
        Trailing window of the time-varying counts.
    dissatisfied_below : float, default 3.0
        Threshold of the latest wave's mean overall score (as in :func:`churn_covariates`).
    overall : str, default "overall"
        Overall-satisfaction column of the surveys (``params.satisfaction.overall``).
    **cox_kw
        Passed to :func:`cox`.

    Returns
    -------
    CoxResult or None
    """
    covs = [c for c in covariates if c in data and data[c].nunique(dropna=True) > 1]
    if not covs or event not in data:
        return None
    k = int(data[event].astype(bool).sum())
    if k < min_events or len(data) - k < min_events:
        return None
    it: pd.DataFrame | None = getattr(ledger, "interactions", None)
    sv: pd.DataFrame | None = getattr(ledger, "surveys", None)
    counts = [c for c in covs if c in TIME_VARYING] if it is not None else []
    if sv is None or overall not in sv or "survey_date" not in sv:
        sv = None
    sat = [c for c in covs if c in SURVEY_TERMS] if sv is not None else []
    fit_data, fit_entry = data, entry if entry in data else None
    if counts or sat:
        if "start_date" not in data:
            raise KamlibError("churn_model: time-varying covariates (complaints, contacts, satisfaction) need the "
                              "start_date column of churn_durations in the data")
        ep_entry = entry if entry is not None and entry in data else "_entry"
        base = data if ep_entry in data else data.assign(_entry=0.0)
        events: dict[str, pd.DataFrame] = {}
        since = None
        if counts and it is not None:
            from .. import accounts  # the interaction types (complaint, visit ...) are defined there

            events = {c: getattr(accounts, TIME_VARYING[c])(ledger) for c in counts}
            since = it["interaction_date"].min()
        states = {}
        if sat and sv is not None:
            table = survey_states(sv, dissatisfied_below, overall=overall)
            states = {c: table for c in sat}
        # before the first answer: its own level when not_surveyed is in the model, else unknown (left out)
        initial = {"not_surveyed": 1.0, "dissatisfied": 0.0 if "not_surveyed" in sat else np.nan}
        fit_data = episodes(base, events, since=since, states=states, initial=initial, duration=duration,
                            event=event, entry=ep_entry, window_days=window_days)
        fit_entry = ep_entry
        cox_kw.setdefault("id", fit_data.index.name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", KamlibWarning)   # the fit's own warnings stay on the result
            res = cox(fit_data, duration, event, covs, entry=fit_entry, **cox_kw)
    except KamlibError:
        return None
    coef = res.summary["coef"].to_numpy(dtype=float)
    if not len(coef) or not np.isfinite(coef).all() or len(res.separated) == len(res.terms):
        return None
    return res


@dataclass(frozen=True, eq=False)
class RiskRanking:
    """Every active account ranked by expected revenue at risk.

    ``table`` (index ``customer_id``, best first): ``rank``, the descriptive columns present,
    ``churn_probability`` (within ``horizon_days``, in [0, 1]), ``revenue_at_stake`` (expected revenue over
    the horizon), ``expected_loss`` (probability x revenue at stake) and ``method`` (how the probability was
    obtained: ``cox``, ``p_alive`` or ``recency``). ``active`` counts the active accounts, ``scored`` those
    ranked (all of them unless an account has no order at all).
    """

    table: pd.DataFrame
    method: str
    active: int
    scored: int
    horizon_days: float
    inactivity_days: int | None = None
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def top(self, n: int | None) -> pd.DataFrame:
        return self.table.head(n) if n else self.table

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return self.table.head(25).to_html(escape=True)


def recency_probability(churn: pd.DataFrame, horizon_days: float, inactivity_days: int,
                        as_of=None) -> pd.Series:
    """Recency fallback: P(the account is lost within ``horizon_days``), from its own order rhythm.

    An active account is lost when ``inactivity_days`` pass after its last order without a new one, i.e.
    after ``w = inactivity_days - days since the last order``. Orders are taken to arrive at the account's
    own past rate (distinct order days - 1 per day between its first and last order; one-time buyers get
    the pooled rate of the repeat buyers), so P(no order within w) = exp(-rate x w). When ``w`` exceeds
    the horizon, the loss cannot fall inside it: probability 0. Always in [0, 1].

    Parameters
    ----------
    churn : DataFrame
        :func:`churn_durations` output (``start_date``, ``last_order_date``, ``order_days``, ``churned``).
    horizon_days : float
        Horizon of the probability.
    inactivity_days : int
        The inactivity threshold of the churn definition.
    as_of : date-like, optional
        Period end; default ``churn.attrs["as_of"]``.

    Returns
    -------
    Series
        Probability per active account.
    """
    as_of = pd.Timestamp(as_of if as_of is not None else churn.attrs["as_of"])
    last = pd.to_datetime(churn["last_order_date"])
    first = pd.to_datetime(churn["start_date"])
    days_since = (as_of - last).dt.days.astype("float64")
    n = churn["order_days"].astype("float64")
    span = (last - first).dt.days.astype("float64").clip(lower=1.0)
    repeat = (n > 1) & span.notna()
    pooled = float((n[repeat] - 1).sum() / span[repeat].sum()) if repeat.any() else 1.0 / float(inactivity_days)
    rate = ((n - 1) / span).where(repeat, pooled).fillna(pooled)
    w = (float(inactivity_days) - days_since).clip(lower=0.0)
    p = np.exp(-rate * w).where(w <= float(horizon_days), 0.0)
    return p.fillna(1.0).clip(0.0, 1.0).rename("churn_probability")


def rank_at_risk(churn: pd.DataFrame, customers: pd.DataFrame, horizon_days: float, *,
                 model: CoxResult | None = None, covariates: pd.DataFrame | None = None,
                 inactivity_days: int | None = None, revenue: Sequence[str] = ("expected_revenue_12m",
                                                                                "revenue_last_12m"),
                 columns: Sequence[str] = ("name", "tier", "account_manager")) -> RiskRanking:
    """Rank every active account (``churned`` False in ``churn``) by expected revenue at risk.

    Parameters
    ----------
    churn : DataFrame
        :func:`churn_durations` output (the churn clock, one definition for the whole report).
    customers : DataFrame
        Customer frame (index ``customer_id``): descriptive ``columns``, the revenue columns and, when
        ``kamlib.clv`` has run, ``p_alive``.
    horizon_days : float
        Prediction horizon.
    model : CoxResult, optional
        A fitted Cox model (:func:`churn_model`); its covariates are read from ``covariates`` (or
        ``customers``). Used first; accounts it cannot score fall back to the next method.
    inactivity_days : int, optional
        Inactivity threshold of the recency fallback (default: ``churn.attrs["inactivity_days"]``).
    revenue : sequence of str
        First present column gives the expected 12-month revenue; it is scaled to the horizon.

    Returns
    -------
    RiskRanking
        Probability from the Cox model when given, else ``1 - p_alive`` (BG/NBD) when the customer frame has
        it, else :func:`recency_probability`; ranked by ``expected_loss`` then probability, never by id.
    """
    inactivity_days = int(inactivity_days or churn.attrs.get("inactivity_days") or 180)
    active = churn[~churn["churned"].astype(bool)]
    cust = customers.reindex(active.index)
    prob = pd.Series(np.nan, index=active.index, dtype="float64")
    how = pd.Series("", index=active.index, dtype=object)
    if model is not None:
        src = (covariates if covariates is not None else customers).reindex(active.index)
        data = src.assign(duration_days=active["duration_days"].astype(float))
        ok = model.design(data).notna().all(axis=1)
        if ok.any():
            p = model.churn_probability(data[ok], "duration_days", horizon_days)
            prob.loc[p.index] = p
            how.loc[p.dropna().index] = "cox"
    if "p_alive" in cust:
        todo = prob.isna() & cust["p_alive"].notna()
        prob[todo] = 1.0 - cust.loc[todo, "p_alive"].astype(float)
        how[todo] = "p_alive"
    todo = prob.isna()
    if todo.any():
        prob[todo] = recency_probability(active[todo], horizon_days, inactivity_days, churn.attrs.get("as_of"))
        how[todo] = "recency"
    prob = prob.clip(0.0, 1.0)
    rev_col = next((c for c in revenue if c in cust and cust[c].notna().any()), None)
    rev12 = cust[rev_col].astype(float).fillna(0.0).clip(lower=0.0) if rev_col else pd.Series(0.0, index=cust.index)
    out = cust[[c for c in columns if c in cust]].copy()
    out["churn_probability"] = prob
    out["revenue_at_stake"] = rev12 * float(horizon_days) / 365.25
    out["expected_loss"] = out["churn_probability"] * out["revenue_at_stake"]
    out["method"] = how
    out = out.sort_values(["expected_loss", "churn_probability", "revenue_at_stake"], ascending=False, kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.index.name = "customer_id"
    counts = out["method"].value_counts()
    main = str(counts.index[0]) if len(counts) else ("cox" if model is not None else "recency")
    scored = int(out["churn_probability"].notna().sum())
    return RiskRanking(table=out, method=main, active=int(len(active)), scored=scored,
                       horizon_days=float(horizon_days), inactivity_days=inactivity_days)
