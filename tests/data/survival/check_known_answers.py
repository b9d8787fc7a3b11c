"""Run kamlib.survival on the classic data sets and print it next to the published numbers.

Usage (from the repository root): .venv/bin/python tests/data/survival/check_known_answers.py
tests/test_survival.py asserts the same comparisons with tolerances matching the published rounding.
"""
import json
from pathlib import Path

import pandas as pd

from kamlib import survival as sv

HERE = Path(__file__).parent
KA = json.loads((HERE / "known_answers.json").read_text(encoding="utf-8"))

lung = pd.read_csv(HERE / "lung_camis.csv", na_values=["."])
lung["event"] = lung["status"] == 2
gehan = pd.read_csv(HERE / "gehan.csv")
gehan["treated"] = (gehan["group"] == "treated").astype(float)

km = sv.kaplan_meier(lung["time"], lung["event"], conf_type="log")
print("lung median", km.median.loc["all", ["median", "ci_lower", "ci_upper"]].tolist(),
      "published", [KA["lung_km_overall_log"][k] for k in ("median", "median_lcl", "median_ucl")])
lr = sv.logrank(lung["time"], lung["event"], lung["sex"])
print("lung log-rank", round(lr.statistic, 4), "published", KA["lung_logrank_sex"]["chisq"])
c = sv.cox(lung, "time", "event", ["sex"])
print("lung cox sex", c.summary.loc["sex", ["coef", "se"]].round(4).tolist(), round(c.concordance, 3))
for ties in ("efron", "breslow"):
    r = sv.cox(gehan, "weeks", "relapse", ["treated"], ties=ties)
    print("gehan", ties, r.summary.loc["treated", ["coef", "se", "hr"]].round(4).tolist(), round(r.loglik, 6))
