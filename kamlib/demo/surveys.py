"""Demo survey responses: two waves of Likert items with an ordinal-logit ``overall`` and an NPS score."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ._columns import _canonical, _dates, _days, _ids, _str_series
from .constants import _CUTPOINTS, _ITEM_CONSTRUCT, _SURVEY_RESPONSE, DRIVERS, LIKERT_ITEMS, WAVES
from .names import _names


def _surveys(rng, n, end, acc, extra) -> pd.DataFrame:
    level = np.where(acc["dis"], rng.normal(1.5, 0.3, n), rng.normal(4.2, 0.35, n))
    beta = np.array([DRIVERS[i] for i in LIKERT_ITEMS])
    churn = acc["churn"].astype(float)
    parts = []
    for w in WAVES:
        year = int(w[:4])
        first, last = _days(f"{year}-09-01"), _days(f"{year}-11-30")
        sday = rng.integers(first, last + 1, n)
        alive = (acc["fcd"] <= sday) & (sday < churn) & (sday <= end)
        respond = alive & (rng.random(n) < _SURVEY_RESPONSE)
        acct = np.flatnonzero(respond)
        k = 1 + rng.binomial(3, 0.35, len(acct))
        r_acct = np.repeat(acct, k)
        first_resp = np.r_[True, r_acct[1:] != r_acct[:-1]]
        m = len(r_acct)
        rday = sday[r_acct] + rng.integers(0, 15, m)
        rday = np.minimum(rday, np.minimum(churn[r_acct] - 1, _days(f"{year}-12-31"))).astype(np.int64)
        rday = np.minimum(rday, end)
        shock = rng.normal(0.0, 0.4, (m, 4))[:, _ITEM_CONSTRUCT]
        items = np.clip(np.rint(level[r_acct][:, None] + shock + rng.normal(0.0, 0.65, (m, 7))), 1, 5)
        eta = items @ beta
        p_le = 1.0 / (1.0 + np.exp(-(_CUTPOINTS[None, :] - eta[:, None])))   # P(overall <= j)
        overall = 1.0 + (rng.random(m)[:, None] > p_le).sum(axis=1)
        nps = np.clip(np.rint(2.2 * overall - 1.5 + rng.normal(0.0, 1.3, m)), 0, 10)
        role = np.where(first_resp, "decision_maker",
                        rng.choice(np.array(["decision_maker", "user", "procurement"]), m, p=[0.2, 0.5, 0.3]))
        names, _ = _names(rng, m)
        part = {"customer_id": r_acct, "survey_date": rday, "wave": np.full(m, w), "respondent_role": role,
                "respondent_name": np.array(names, dtype=object)}
        part.update({it: items[:, j] for j, it in enumerate(LIKERT_ITEMS)})
        part.update({"overall": overall, "nps": nps})
        parts.append(part)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    m = len(cols["customer_id"])
    df = pd.DataFrame({
        "response_id": _str_series(_ids("S", np.arange(1, m + 1), max(6, len(str(m))))),
        "customer_id": _str_series(extra["cid"].take(pa.array(cols["customer_id"]))),
        "survey_date": _dates(cols["survey_date"]),
        "wave": cols["wave"],
        "respondent_role": cols["respondent_role"],
        "respondent_name": cols["respondent_name"],
        **{it: cols[it] for it in LIKERT_ITEMS},
        "overall": cols["overall"],
        "nps": cols["nps"],
    })
    return _canonical(df, "surveys")

