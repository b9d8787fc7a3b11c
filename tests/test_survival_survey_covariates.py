"""Satisfaction as time-varying Cox covariates: survey answers are known only from the day they are given."""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kamlib import satisfaction
from kamlib import survival as sv
from kamlib.errors import KamlibWarning
from kamlib.ledger import Ledger
from kamlib.survival.episodes import survey_states

T0 = pd.Timestamp("2022-01-01")
TERMS = ["dissatisfied", "not_surveyed"]


def _day(d) -> pd.Series:
    return T0 + pd.to_timedelta(np.asarray(d, float), unit="D")


def _answers(ids: pd.Index, acc: np.ndarray, day: np.ndarray, overall: np.ndarray, wave: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ids[acc], "survey_date": _day(day), "overall": overall.astype(float),
                         "wave": wave})


def test_survey_states_follow_the_latest_wave_so_far():
    s = pd.DataFrame({"customer_id": ["A", "A", "A", "A", "B", "B"],
                      "survey_date": pd.to_datetime(["2024-10-01", "2024-10-05", "2025-10-01", "2025-10-01",
                                                     "2024-10-03", "2024-10-03"]),
                      "wave": ["2024H2", "2024H2", "2025H2", "2025H2", "2024H2", "2024H2"],
                      "overall": [1, 3, 4, 5, 4, np.nan]})
    st = survey_states(s)
    a = st[st["customer_id"] == "A"]
    # 2024H2: 1 (below 3), then the wave's mean 2 (still below); 2025H2: 4.5 on one day (one row per day)
    assert a["dissatisfied"].tolist() == [1.0, 1.0, 0.0] and (a["not_surveyed"] == 0).all()
    assert st[st["customer_id"] == "B"]["dissatisfied"].tolist() == [0.0]   # the answer without a score is left out
    # the last state of an account is the latest-wave flag of account_satisfaction (what an active account scores)
    acc = satisfaction.account_satisfaction(s)
    last = st.groupby("customer_id")["dissatisfied"].last()
    assert (last == (acc["overall_last_wave"] < 3).astype(float).reindex(last.index)).all()


def test_episodes_split_at_answer_days_and_ignore_answers_on_or_after_the_churn():
    idx = pd.Index(["A", "B"], name="customer_id")
    data = pd.DataFrame({"start_date": T0, "duration_days": [500.0, 300.0], "churned": [True, True],
                         "entry_days": [0.0, 0.0], "x": [1.0, 2.0]}, index=idx)
    # A answers low on day 100, high on day 400 (next wave) and on its churn day 500; B answers after its churn
    ans = _answers(idx, np.array([0, 0, 0, 1]), np.array([100, 400, 500, 350]), np.array([2, 5, 1, 1]),
                   np.array(["w1", "w2", "w2", "w2"]))
    st = survey_states(ans)
    ep = sv.episodes(data, states={"dissatisfied": st, "not_surveyed": st}, initial={"not_surveyed": 1.0})
    a = ep.loc["A"]
    assert a[["entry_days", "duration_days"]].to_numpy().tolist() == [[0, 100], [100, 400], [400, 500]]
    assert a["not_surveyed"].tolist() == [1, 0, 0] and a["dissatisfied"].tolist() == [0, 1, 0]
    assert a["churned"].tolist() == [False, False, True]
    b = ep.loc[["B"]]
    assert len(b) == 1 and b["not_surveyed"].iloc[0] == 1 and b["dissatisfied"].iloc[0] == 0
    # without the not-surveyed level the unknown time stays unknown
    ep2 = sv.episodes(data, states={"dissatisfied": st}, initial={"dissatisfied": np.nan})
    assert ep2.loc["A", "dissatisfied"].isna().tolist() == [True, False, False]


def _waves(rng, start: np.ndarray, end: np.ndarray, waves=(400, 760), spread: int = 60, response: float = 0.6,
           dissatisfied: np.ndarray | None = None):
    """Survey waves on calendar days ``waves``: each account is asked on a day within ``spread`` days of the
    wave start and answers (1-4 respondents over two weeks) only while active: after its start, before its end."""
    n = len(start)
    dis = rng.random(n) < 0.2 if dissatisfied is None else dissatisfied
    parts = []
    for k, w in enumerate(waves):
        ask = w + rng.integers(0, spread, n)
        ok = np.flatnonzero((start <= ask) & (rng.random(n) < response))
        m = 1 + rng.binomial(3, 0.35, len(ok))
        acc = np.repeat(ok, m)
        day = ask[acc] + rng.integers(0, 15, len(acc))
        keep = day < end[acc]
        acc, day = acc[keep], day[keep]
        level = np.where(dis[acc], 1.6, 4.2)
        score = np.clip(np.rint(level + rng.normal(0, 0.6, len(acc))), 1, 5)
        parts.append((acc, day, score, np.full(len(acc), f"w{k}")))
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True)), dis


def _fixed(data: pd.DataFrame, ans: pd.DataFrame) -> pd.DataFrame:
    """The whole-period coding: mean over all answers, never surveyed for the whole window."""
    mean = ans.groupby("customer_id")["overall"].mean().reindex(data.index)
    return data.assign(dissatisfied=(mean < 3).astype(float), not_surveyed=mean.isna().astype(float))


def _cox(data: pd.DataFrame, ledger=None, terms=TERMS):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KamlibWarning)
        if ledger is None:
            return sv.cox(data, "duration_days", "churned", terms, entry="entry_days").summary
        res = sv.churn_model(data, terms, ledger=ledger)
    assert res is not None
    return res.summary


@pytest.mark.parametrize("seed", [1, 2])
def test_not_surveyed_over_the_whole_period_is_an_artifact_of_who_was_still_there(seed):
    """Satisfaction has no effect on the hazard, but the waves (calendar days 400 and 760 of a 1095-day window)
    reach only accounts still active. Coded once for the whole window, "never surveyed" collects every
    account lost before a wave: hazard ratio far above 1. As of each day it is near 1."""
    rng = np.random.default_rng(seed)
    n, horizon = 3000, 1095
    cal0 = rng.integers(-730, 900, n)                     # calendar day the account's clock starts
    t = np.ceil(rng.exponential(1000, n))                 # days to churn since its start: no covariate effect
    seen = cal0 + t > 0                                   # accounts lost before the window are never seen
    cal0, t = cal0[seen], t[seen]
    n = len(t)
    end_cal = np.minimum(cal0 + t, horizon)
    idx = pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id")
    data = pd.DataFrame({"start_date": _day(cal0), "duration_days": end_cal - cal0, "churned": cal0 + t <= horizon,
                         "entry_days": np.clip(-cal0, 0, None).astype(float)}, index=idx)
    (acc, day, score, wave), _ = _waves(rng, cal0, end_cal)
    ans = _answers(idx, acc, day, score, wave)
    old = _cox(_fixed(data, ans))
    assert old.loc["not_surveyed", "hr_lower"] > 2
    cov = _fixed(data, ans)   # as churn_covariates gives them: the current values, copied to every episode
    new = _cox(cov, SimpleNamespace(surveys=ans, interactions=None))
    r = new.loc["not_surveyed"]
    assert 0.8 < r["hr"] < 1.25 and r["hr_lower"] < 1 < r["hr_upper"]
    assert new.loc["dissatisfied", "hr_lower"] < 1 < new.loc["dissatisfied", "hr_upper"]


def test_dissatisfaction_that_raises_the_hazard_after_the_answer_is_recovered():
    """Dissatisfied accounts (20%) churn 2.5 times as fast once they have said so in a survey (the account
    manager's reaction, say), not before: the time-varying fit recovers it, and finds no not-surveyed effect."""
    rng = np.random.default_rng(3)
    n, horizon, h0, hr = 3000, 1095, 1 / 1500, 2.5
    idx = pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id")
    full = pd.DataFrame({"start_date": T0, "duration_days": float(horizon), "churned": False, "entry_days": 0.0},
                        index=idx)
    (acc, day, score, wave), dis = _waves(rng, np.zeros(n), np.full(n, horizon + 1), waves=(200, 560, 920),
                                          response=0.7)
    every = _answers(idx, acc, day, score, wave)   # the answers each account would give if still active
    st = survey_states(every)
    ep = sv.episodes(full, states={"dissatisfied": st}, initial={"dissatisfied": 0.0})
    rate = h0 * np.where(ep["dissatisfied"] == 1, hr, 1.0)
    H = pd.Series(rate * (ep["duration_days"] - ep["entry_days"]).to_numpy(), index=ep.index).groupby(level=0).cumsum()
    e1 = pd.Series(rng.exponential(size=n), index=idx).reindex(ep.index)
    ep = ep.assign(H=H.to_numpy(), e1=e1.to_numpy(), rate=rate)
    first = ep[ep["H"] >= ep["e1"]].groupby(level=0).head(1)
    t_churn = np.ceil(first["duration_days"] - (first["H"] - first["e1"]) / first["rate"])
    t = pd.Series(float(horizon), index=idx)
    t.loc[t_churn.index] = t_churn.clip(lower=first["entry_days"] + 1).to_numpy()
    data = full.assign(duration_days=t, churned=t < horizon)
    assert data["churned"].sum() > 500
    ans = every[(every["survey_date"] - T0).dt.days.to_numpy() < t.reindex(every["customer_id"]).to_numpy()]
    new = _cox(_fixed(data, ans), SimpleNamespace(surveys=ans, interactions=None))
    d, u = new.loc["dissatisfied"], new.loc["not_surveyed"]
    assert d["hr_lower"] > 1.5 and d["hr_lower"] < hr < d["hr_upper"]
    assert u["hr_lower"] < 1 < u["hr_upper"]


def test_churn_model_on_the_demo_takes_satisfaction_as_of_each_day(demo):
    t = demo.tables
    ledger = Ledger(orders=t["orders"], customers=t["customers"], surveys=t["surveys"])
    as_of = pd.Timestamp(demo.truth["as_of"])
    cd = sv.churn_durations(ledger, as_of, window_start=demo.truth["window_start"])
    sat = satisfaction.account_satisfaction(t["surveys"]).add_prefix("sat_")
    cov = sv.churn_covariates(sat.reindex(cd.index.astype("string")).set_axis(cd.index))
    data = cd.join(cov)
    fixed = sv.churn_model(data, TERMS)
    model = sv.churn_model(data, TERMS, ledger=ledger)
    assert fixed is not None and model is not None
    assert set(model.terms) == set(TERMS) and model.n == len(data) and model.n_rows > len(data)
    # the planted HR of dissatisfied accounts is 2.5; never surveyed over the whole window reads as ~10
    assert fixed.summary.loc["not_surveyed", "hr"] > 5
    assert model.summary.loc["not_surveyed", "hr"] < 2
    d = model.summary.loc["dissatisfied"]
    assert d["hr_lower"] > 1 and d["hr_lower"] < 2.5 < d["hr_upper"]
    # an active account is scored with its current values: its state after its last answer
    st = survey_states(t["surveys"]).groupby("customer_id")[["dissatisfied", "not_surveyed"]].last()
    active = data[~data["churned"]]
    now = st.reindex(active.index.astype("string")).set_axis(active.index)
    now = now.fillna({"dissatisfied": 0.0, "not_surveyed": 1.0})
    pd.testing.assert_frame_equal(active[TERMS], now[TERMS], check_dtype=False)
    ranking = sv.rank_at_risk(cd, data, 180, model=model, covariates=data)
    assert ranking.method == "cox" and ranking.scored == len(active)
    # without the not-surveyed level the time before an account's first answer is left out of the fit
    only = sv.churn_model(data, ["dissatisfied"], ledger=ledger)
    assert only is not None and only.n < len(data) and only.summary.loc["dissatisfied", "hr_lower"] > 1
