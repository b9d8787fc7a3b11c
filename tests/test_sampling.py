"""Survey planning: sample sizes against the textbook formula, a seeded draw, and `kam sample`."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kamlib.accounts import sample_size, survey_sample
from kamlib.errors import KamlibError


def _frame(sizes=(("core", 30), ("key", 200), ("ordinary", 2000))) -> pd.DataFrame:
    tiers = [t for t, n in sizes for _ in range(n)]
    ids = [f"C{i:05d}" for i in range(len(tiers))]
    return pd.DataFrame({"tier": tiers, "name": [f"客户{i}" for i in range(len(tiers))],
                         "account_manager": "张三", "phone": "13800000000"}, index=pd.Index(ids, name="customer_id"))


def _textbook(e, p, N, conf=0.95):
    z = stats.norm.ppf(0.5 + conf / 2)
    n0 = z * z * p * (1 - p) / e**2
    return math.ceil(n0 / (1 + (n0 - 1) / N))


@pytest.mark.parametrize(("e", "p", "N", "expected"), [(0.05, 0.5, 1000, 278), (0.05, 0.5, 10_000, 370),
                                                       (0.03, 0.5, 500, 341), (0.05, 0.2, 400, 153)])
def test_sample_size_textbook(e, p, N, expected):
    assert sample_size(e, p * (1 - p), population=N) == expected == _textbook(e, p, N)
    assert sample_size(0.05) == 385            # no population correction: 1.96² x 0.25 / 0.05²
    assert sample_size(0.05, confidence=0.99) == 664


def test_per_tier_sizes_and_allocation():
    r = survey_sample(_frame(), margin=0.05)
    t = r.table
    for tier, n in (("core", 30), ("key", 200), ("ordinary", 2000)):
        assert t.loc[tier, "population"] == n
        assert t.loc[tier, "required"] == _textbook(0.05, 0.5, n)
        assert t.loc[tier, "drawn"] == max(t.loc[tier, "required"], t.loc[tier, "allocated"])
    assert t.loc["total", "required"] == _textbook(0.05, 0.5, 2230)
    assert t.loc["total", "drawn"] == len(r.contacts) == t.drop("total")["drawn"].sum()
    assert r.contacts["customer_id"].is_unique
    assert r.contacts.groupby("tier").size().to_dict() == t.drop("total")["drawn"].to_dict()
    assert {"customer_id", "name", "tier", "account_manager", "phone"} <= set(r.contacts.columns)
    assert "2230" in r.sentence("zh") and "CSAT" in r.sentence("en")
    # no correction: the plain n0 (capped at the tier size)
    raw = survey_sample(_frame(), margin=0.05, population_correction=False).table
    assert raw.loc["ordinary", "required"] == 385 and raw.loc["core", "required"] == 30


def test_nps_worst_case_and_past_variance():
    f = _frame()
    r = survey_sample(f, margin_nps=5, measure="nps")
    assert r.variance_source == "worst_case"
    z = stats.norm.ppf(0.975)
    n0 = z * z * 1.0 / 0.05**2
    assert r.table.loc["ordinary", "required"] == math.ceil(n0 / (1 + (n0 - 1) / 2000))
    assert r.table.equals(survey_sample(f, margin=0.05, measure="nps").table)
    f["sat_nps"] = np.random.default_rng(1).choice([-100.0, 0.0, 100.0], len(f), p=[0.1, 0.3, 0.6])
    past = survey_sample(f, margin_nps=5, measure="nps")
    assert past.variance_source == "past_surveys"
    assert (past.table["variance"] < 1).all()
    assert past.table.loc["ordinary", "required"] < r.table.loc["ordinary", "required"]


def test_seeded_and_active_only():
    f = _frame()
    a = survey_sample(f, margin=0.05, random_state=3)
    b = survey_sample(f.sample(frac=1.0, random_state=9), margin=0.05, random_state=3)   # row order does not matter
    c = survey_sample(f, margin=0.05, random_state=4)
    assert a.contacts.equals(b.contacts)
    assert not a.contacts["customer_id"].equals(c.contacts["customer_id"])
    f["active"] = np.arange(len(f)) % 2 == 0
    d = survey_sample(f, margin=0.05)
    assert d.table.loc["total", "population"] == len(f) // 2
    assert set(d.contacts["customer_id"]) <= set(f.index[f["active"]])
    half = survey_sample(f, margin=0.05, response_rate=0.5).table
    assert half.loc["ordinary", "drawn"] == min(2 * d.table.loc["ordinary", "drawn"], 1000)


def test_bad_arguments():
    f = _frame()
    with pytest.raises(KamlibError, match="exactly one"):
        survey_sample(f)
    with pytest.raises(KamlibError, match="exactly one"):
        survey_sample(f, margin=0.05, margin_nps=5, measure="nps")
    with pytest.raises(KamlibError, match="fraction"):
        survey_sample(f, margin=5)


def test_cli_writes_contacts(small_params_file, tmp_path, capsys):
    from kamlib.cli import main

    out = tmp_path / "sub" / "contacts.csv"
    assert main(["sample", str(small_params_file), "--margin", "0.1", "--measure", "nps", "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert {"customer_id", "name", "tier", "contact_name", "phone"} <= set(df.columns)
    assert df["customer_id"].is_unique and len(df) > 0
    printed = capsys.readouterr().out
    assert "抽取数" in printed and "核心" in printed and str(len(df)) in printed   # the region's language
    # same seed, same list
    out2 = tmp_path / "again.csv"
    assert main(["sample", str(small_params_file), "--margin", "0.1", "--measure", "nps", "--out", str(out2)]) == 0
    assert out2.read_bytes() == raw
    # errors are messages, not tracebacks
    assert main(["sample", str(small_params_file), "--margin", "3", "--out", str(out2)]) == 2
    assert "error" in capsys.readouterr().err
