"""Complaints as a time-varying Cox covariate: episodes, and the look-ahead bias of a whole-period count."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kamlib import accounts
from kamlib import survival as sv
from kamlib.errors import KamlibWarning
from kamlib.ledger import Ledger

T0 = pd.Timestamp("2022-01-01")


def _clock(durations, churned, entry=None) -> pd.DataFrame:
    n = len(durations)
    idx = pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id")
    return pd.DataFrame({"start_date": T0, "duration_days": np.asarray(durations, float),
                         "churned": np.asarray(churned, bool),
                         "entry_days": np.zeros(n) if entry is None else np.asarray(entry, float)}, index=idx)


def _events(ids: pd.Index, acc: np.ndarray, day: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ids[acc], "interaction_date": T0 + pd.to_timedelta(day, unit="D")})


def test_episodes_split_where_the_trailing_count_changes():
    data = _clock([800, 500], [True, False]).assign(x=[1.0, 0.0])
    ids = data.index
    # A: complaints on days 100 and 100 (same day), 700 and on the churn day 800; B: day -30 (before its start)
    ev = _events(ids, np.array([0, 0, 0, 0, 1]), np.array([100, 100, 700, 800, -30]))
    ep = sv.episodes(data, {"complaints_per_year": ev})
    a = ep.loc["C0000"]
    assert a[["entry_days", "duration_days"]].to_numpy().tolist() == [[0, 100], [100, 465], [465, 700], [700, 800]]
    assert a["complaints_per_year"].tolist() == [0, 2, 0, 1]   # the churn-day complaint is not known before it
    assert a["churned"].tolist() == [False, False, False, True] and (a["x"] == 1.0).all()
    b = ep.loc["C0001"]
    assert b[["entry_days", "duration_days"]].to_numpy().tolist() == [[0, 335], [335, 500]]
    assert b["complaints_per_year"].tolist() == [1, 0] and not b["churned"].any()
    # records from day 200 only: follow-up before it is left out
    ep2 = sv.episodes(data, {"complaints_per_year": ev}, since=T0 + pd.Timedelta(days=200))
    assert ep2.loc["C0000", "entry_days"].tolist() == [200, 465, 700]
    assert ep2.loc["C0001", "entry_days"].tolist() == [200, 335]


def test_constant_covariates_give_the_same_fit_on_episodes():
    """Splitting the follow-up changes nothing when the covariates do not change: same estimates, standard
    errors, concordance and baseline as one row per account (the counting-process risk sets are right)."""
    rng = np.random.default_rng(3)
    n = 300
    x = rng.normal(size=n)
    g = rng.integers(0, 2, n).astype(float)
    t = np.ceil(rng.exponential(400 * np.exp(-0.5 * x - 0.4 * g))).clip(max=1000)
    data = _clock(t, t < 1000, entry=np.where(rng.random(n) < 0.3, np.floor(t * rng.random(n)), 0)).assign(x=x, g=g)
    cuts = _events(data.index, rng.integers(0, n, 900), rng.integers(-200, 1000, 900))
    ep = sv.episodes(data, {"noise": cuts})
    assert len(ep) > 1.5 * n
    one = sv.cox(data, "duration_days", "churned", ["x", "g"], entry="entry_days")
    many = sv.cox(ep, "duration_days", "churned", ["x", "g"], entry="entry_days", id="customer_id")
    pd.testing.assert_frame_equal(one.summary, many.summary, rtol=1e-8)
    assert many.concordance == pytest.approx(one.concordance, abs=1e-12)
    assert many.n == n and many.n_rows == len(ep) and many.n_events == one.n_events
    np.testing.assert_allclose(many.baseline[0]["cumhaz"], one.baseline[0]["cumhaz"], rtol=1e-10)


def _old_rate(data: pd.DataFrame, ev: pd.DataFrame) -> pd.Series:
    """Complaints per year over the whole observed time (the look-ahead covariate)."""
    off = (ev["interaction_date"] - T0).dt.days.to_numpy()
    end = data["duration_days"].reindex(ev["customer_id"]).to_numpy()
    n = ev["customer_id"][(off >= 0) & (off <= end)].value_counts().reindex(data.index, fill_value=0)
    return n / (data["duration_days"] / 365.25).clip(lower=0.25)


def _poisson(rng, n: int, per_year: float, lo, hi):
    lo, hi = np.broadcast_to(lo, n).astype(float), np.broadcast_to(hi, n).astype(float)
    k = rng.poisson(per_year / 365.25 * np.clip(hi - lo, 0, None))
    acc = np.repeat(np.arange(n), k)
    return acc, np.floor(lo[acc] + rng.random(len(acc)) * (hi - lo)[acc])


def _fits(data: pd.DataFrame, ev: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KamlibWarning)
        old = sv.cox(data.assign(complaints_per_year=_old_rate(data, ev)), "duration_days", "churned",
                     ["complaints_per_year"], entry="entry_days")
        new = sv.cox(sv.episodes(data, {"complaints_per_year": ev}), "duration_days", "churned",
                     ["complaints_per_year"], entry="entry_days", id="customer_id")
    return old.summary.loc["complaints_per_year"], new.summary.loc["complaints_per_year"]


def test_look_ahead_bias_of_the_whole_period_rate_and_its_fix():
    """Complaints do not change the hazard, but many come in an account's first months (onboarding) and a
    lost account files its complaints when it leaves (on the churn day). Counted over the whole observed
    time, short-lived accounts get high rates: the hazard ratio is clearly above 1. Counted over the 12
    months before each day, known at the time, it is not."""
    rng = np.random.default_rng(7)
    n, horizon = 2000, 1095
    t = np.ceil(rng.exponential(900, n)).clip(1, horizon)
    data = _clock(t, t < horizon)
    a1, d1 = _poisson(rng, n, 0.4, 0, t + 1)
    a2, d2 = _poisson(rng, n, 3.0, 0, np.minimum(t + 1, 120))          # onboarding complaints
    lost = np.flatnonzero(data["churned"].to_numpy())
    a3, d3 = np.repeat(lost, 2), np.repeat(t[lost], 2)                  # exit complaints on the churn day
    ev = _events(data.index, np.r_[a1, a2, a3], np.r_[d1, d2, d3])
    old, new = _fits(data, ev)
    assert old["hr_lower"] > 1.1
    assert new["hr_lower"] < 1 < new["hr_upper"] and abs(np.log(new["hr"])) < 0.1


def _simulate_causal(rng, n: int, horizon: int, per_year: float, beta: float, h0: float):
    """Complaints arrive at ``per_year``; the daily churn hazard is ``h0 exp(beta x complaints in the last
    365 days)``."""
    acc, day = _poisson(rng, n, per_year, 0, horizon)
    ids = pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id")
    ev = _events(ids, acc, day)
    full = _clock(np.full(n, float(horizon)), np.zeros(n, bool))
    ep = sv.episodes(full, {"k": ev})
    cum = ep["duration_days"] - ep["entry_days"]
    H = (h0 * np.exp(beta * ep["k"]) * cum).groupby(level=0).cumsum()
    e1 = pd.Series(rng.exponential(size=n), index=ids).reindex(ep.index)
    hit = (e1 <= H).to_numpy()
    # churn inside the first episode whose cumulative hazard passes the exponential draw
    ep = ep.assign(H=H.to_numpy(), e1=e1.to_numpy(), hit=hit)
    first = ep[ep["hit"]].groupby(level=0).head(1)
    over = first["H"] - first["e1"]
    rate = h0 * np.exp(beta * first["k"])
    t_churn = np.ceil(first["duration_days"] - over / rate).clip(lower=first["entry_days"] + 1)
    t = pd.Series(float(horizon), index=ids)
    t.loc[t_churn.index] = t_churn.to_numpy()
    data = _clock(t.to_numpy(), (t < horizon).to_numpy())
    keep = (ev["interaction_date"] - T0).dt.days.to_numpy() <= t.reindex(ev["customer_id"]).to_numpy()
    return data, ev[keep]


def test_time_varying_count_recovers_a_true_complaint_effect():
    rng = np.random.default_rng(11)
    data, ev = _simulate_causal(rng, 2000, 1095, 0.8, np.log(1.6), 1 / 1200)
    assert data["churned"].sum() > 300
    _, new = _fits(data, ev)
    assert new["hr_lower"] < 1.6 < new["hr_upper"] and new["hr_lower"] > 1.2


def test_complaints_before_a_loss_stay_a_warning_sign():
    """Complaints recorded in the year before a loss (symptoms, not causes) are known before it: counted as
    of each day they still predict the loss, which is what flagging an account in time needs."""
    rng = np.random.default_rng(5)
    n, horizon = 2000, 1095
    t = np.ceil(rng.exponential(900, n)).clip(1, horizon)
    data = _clock(t, t < horizon)
    a1, d1 = _poisson(rng, n, 0.4, 0, t + 1)
    lost = data["churned"].to_numpy()
    a2, d2 = _poisson(rng, n, np.where(lost, 2.0, 0.0).max(), np.maximum(0, t - 365), np.where(lost, t, 0))
    ev = _events(data.index, np.r_[a1, a2], np.r_[d1, d2])
    _, new = _fits(data, ev)
    assert new["hr_lower"] > 1


def test_churn_model_fits_complaints_over_time_and_scores_the_current_count(demo):
    t = demo.tables
    ledger = Ledger(orders=t["orders"], customers=t["customers"], interactions=t["interactions"])
    as_of = pd.Timestamp(demo.truth["as_of"])
    cd = sv.churn_durations(ledger, as_of, window_start=demo.truth["window_start"])
    rates = accounts.contact_covariates(ledger, as_of, cd["start_date"], cd["end_date"])
    data = cd.join(sv.churn_covariates(rates))
    model = sv.churn_model(data, ["complaints_per_year"], ledger=ledger)
    assert model is not None and model.n == len(data) and model.n_rows > len(data)
    # the planted complaints before a loss are known before it: a warning sign in time
    assert model.summary.loc["complaints_per_year", "hr_lower"] > 1
    # an active account is scored with its complaints of the last 12 months
    active = data[~data["churned"]]
    ev = accounts.complaints(ledger)
    recent = ev[ev["interaction_date"] > as_of - pd.Timedelta(days=365)]["customer_id"].astype(str).value_counts()
    assert (active["complaints_per_year"] == recent.reindex(active.index, fill_value=0)).all()
    ranking = sv.rank_at_risk(cd, data, 180, model=model, covariates=data)
    assert ranking.method == "cox" and ranking.scored == len(active)
    with pytest.raises(Exception, match="start_date"):
        sv.churn_model(data.drop(columns="start_date"), ["complaints_per_year"], ledger=ledger)
