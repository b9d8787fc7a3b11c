"""Survey planning (``kam sample``): how many accounts to survey in each tier for a stated margin of error,
and the seeded draw of whom to call.

The sampling unit is the account. For a measure with unit variance ``S²`` the textbook sample size for a
margin ``e`` at confidence ``1 - α`` is ``n0 = z² S² / e²`` (``z`` the two-sided normal quantile), and with
the finite-population correction ``n = n0 / (1 + (n0 - 1) / N)`` for a population of ``N`` accounts.

* CSAT (share of satisfied answers): ``S² = p (1 - p)`` with ``p = expected_share`` (0.5, the worst case,
  unless a previous survey says otherwise).
* NPS (promoters - detractors, each answer scored +1 / 0 / -1): ``S² = P + D - (P - D)²``, at most 1 (half
  promoters, half detractors: the worst case). When the customer frame carries the accounts' past NPS
  (``sat_nps``, in points) the variance of that account-level score across surveyed accounts is used
  instead: per tier when at least ``min_past`` accounts of the tier were surveyed, else pooled over tiers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import KamlibError
from ..i18n import tr

__all__ = ["CONTACT_COLUMNS", "SampleResult", "sample_size", "survey_sample"]

#: columns carried into the contact list when present
CONTACT_COLUMNS = ("name", "tier", "account_manager", "contact_name", "phone", "email")
_TIER_ORDER = ("core", "key", "ordinary")


def sample_size(margin: float, variance: float = 0.25, confidence: float = 0.95,
                population: float | None = None) -> int:
    """Accounts needed for ``margin`` at ``confidence``: ``n0 = z² S² / e²``, finite-population corrected.

    Parameters
    ----------
    margin : float
        Margin of error wanted (on the scale of the measure, 0.05 = 5 points for a share).
    variance : float
        Unit variance S² of the measure (0.25: worst case for a share); negative reads as 0.
    confidence : float
        Confidence level, between 0 and 1.
    population : float, optional
        Accounts in the population, for the finite-population correction (0 or less needs 0).

    Returns
    -------
    int

    Raises
    ------
    KamlibError
        ``margin`` is not positive or ``confidence`` is not between 0 and 1.

    >>> sample_size(0.05)                       # p = 0.5, 95%: the classic 385
    385
    >>> sample_size(0.05, population=1000)      # 384.15 / (1 + 383.15 / 1000) -> 278
    278
    """
    if not margin > 0:
        raise KamlibError(f"survey margin must be positive, got {margin!r}")
    if not 0 < confidence < 1:
        raise KamlibError(f"confidence must be between 0 and 1, got {confidence!r}")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    n0 = z * z * max(float(variance), 0.0) / (margin * margin)
    if population is not None:
        if population <= 0:
            return 0
        n0 = n0 / (1 + (n0 - 1) / population) if n0 > 1 else n0
        return int(min(math.ceil(n0 - 1e-9), population))
    return int(math.ceil(n0 - 1e-9))


@dataclass(frozen=True, eq=False)
class SampleResult:
    """A survey plan and its draw.

    ``table`` (one row per tier plus ``total``): ``population`` (accounts in the frame), ``variance`` (unit
    variance used), ``required`` (n for the margin within the tier, finite-population corrected),
    ``allocated`` (proportional share of the n needed for the margin over all accounts), ``drawn``
    (max of the two, divided by the expected response rate, at most the population). ``contacts``: the
    drawn accounts (``customer_id`` and the :data:`CONTACT_COLUMNS` present), tier by tier.
    """

    table: pd.DataFrame
    contacts: pd.DataFrame
    measure: str
    margin: float
    confidence: float
    variance_source: str      # "worst_case", "expected_share" or "past_surveys"
    response_rate: float = 1.0
    random_state: int = 0

    def sentence(self, lang: str = "zh") -> str:
        """One paragraph saying what was drawn and why."""
        tot = self.table.loc["total"]
        unit = (f"{self.margin * 100:g} 个百分点" if lang == "zh" else f"{self.margin * 100:g} points")
        return tr("accounts.sample.sentence", lang, drawn=int(tot["drawn"]), population=int(tot["population"]),
                  measure=tr(f"accounts.sample.measure.{self.measure}", lang), margin=unit,
                  confidence=f"{self.confidence * 100:g}%",
                  variance=tr(f"accounts.sample.variance.{self.variance_source}", lang),
                  response=f"{self.response_rate * 100:g}%")


def _past_variance(frame: pd.DataFrame, tiers: pd.Series, min_past: int) -> dict | None:
    """Variance of the accounts' past NPS (on the -1..1 scale) per tier, pooled where a tier has few."""
    if "sat_nps" not in frame:
        return None
    score = pd.to_numeric(frame["sat_nps"], errors="coerce").astype("float64") / 100.0
    ok = score.notna()
    if ok.sum() < min_past:
        return None
    pooled = float(score[ok].var(ddof=1))
    out = {}
    for t in tiers.unique():
        s = score[(tiers == t) & ok]
        out[t] = float(s.var(ddof=1)) if len(s) >= min_past else pooled
    return out


def survey_sample(customers: pd.DataFrame, *, margin: float | None = None, margin_nps: float | None = None,
                  measure: Literal["csat", "nps"] = "csat", confidence: float = 0.95, by: str = "tier",
                  random_state: int = 0, expected_share: float = 0.5, population_correction: bool = True,
                  response_rate: float = 1.0, active_only: bool = True, min_past: int = 10) -> SampleResult:
    """Plan a satisfaction survey: accounts to survey per tier for a stated margin, and a seeded draw.

    Allocation: proportional. The sample needed for ``margin`` over all accounts is spread over the tiers in
    proportion to their size, then every tier is raised to its own minimum (the n that gives ``margin``
    within that tier alone, finite-population corrected), so each tier's figure can be reported on its own
    with the stated margin. Small tiers (core accounts) are therefore often surveyed in full. The drawn
    number is divided by ``response_rate`` (capped at the tier's size) so that the expected answers reach it.

    Parameters
    ----------
    customers : DataFrame
        Customer frame indexed by ``customer_id`` (the workbook's ``customers``), with ``by`` and, when
        present, ``active`` (only active accounts are surveyed when ``active_only``), the contact columns
        and ``sat_nps`` (past NPS per account, points).
    margin : float
        Margin of error as a fraction: 0.05 = ±5 percentage points of CSAT, or ±5 NPS points.
    margin_nps : float
        Alternatively for NPS, the margin in NPS points (5 = ±5 points). Give exactly one of the two.
    measure : {"csat", "nps"}
    confidence : float, default 0.95
    by : str, default "tier"
        Stratum column; accounts without a value form the stratum ``-``.
    random_state : int, default 0
        Seed of the draw (same seed, same frame -> same list).
    expected_share : float, default 0.5
        CSAT: the expected satisfied share ``p`` (0.5 is the worst case).
    population_correction : bool, default True
        Apply the finite-population correction.
    response_rate : float, default 1.0
        Expected share of drawn accounts that answer.
    active_only : bool, default True
        Leave churned accounts (``active`` False) out of the frame.
    min_past : int, default 10
        NPS: fewest surveyed accounts for a tier's own past variance.

    Returns
    -------
    SampleResult
    """
    if (margin is None) == (margin_nps is None):
        raise KamlibError("survey sample: give exactly one of margin (a fraction, 0.05) or margin_nps (points, 5)")
    if margin_nps is not None:
        if measure != "nps":
            raise KamlibError("survey sample: margin_nps is for measure='nps'; use margin for CSAT")
        margin = float(margin_nps) / 100.0
    assert margin is not None
    if measure not in ("csat", "nps"):
        raise KamlibError(f"survey sample: measure must be 'csat' or 'nps', got {measure!r}")
    if not 0 < margin < 1:
        raise KamlibError(f"survey sample: margin must be a fraction between 0 and 1 (0.05 = ±5 points), "
                          f"got {margin!r}")
    if not 0 < expected_share < 1:
        raise KamlibError(f"survey sample: expected_share must be between 0 and 1, got {expected_share!r}")
    if not 0 < response_rate <= 1:
        raise KamlibError(f"survey sample: response_rate must be in (0, 1], got {response_rate!r}")
    frame = customers
    if active_only and "active" in frame:
        frame = frame[frame["active"].fillna(True).astype(bool).to_numpy()]
    if not len(frame):
        raise KamlibError("survey sample: no accounts to sample from")
    strata = (frame[by].astype("string").fillna("-") if by in frame
              else pd.Series("-", index=frame.index, dtype="string"))

    past = _past_variance(frame, strata, min_past) if measure == "nps" else None
    if measure == "csat":
        source, default_var = "expected_share", expected_share * (1 - expected_share)
    else:
        source, default_var = ("past_surveys" if past else "worst_case"), 1.0

    def n_for(var: float, n_pop: int) -> int:
        return sample_size(margin, var, confidence, n_pop if population_correction else None)

    sizes = strata.value_counts()
    order = [t for t in _TIER_ORDER if t in sizes.index] + sorted(t for t in sizes.index if t not in _TIER_ORDER)
    n_all = len(frame)
    overall_var = (float(np.average([past[t] for t in order], weights=[sizes[t] for t in order])) if past
                   else default_var)
    n_total = n_for(overall_var, n_all)
    rows = {}
    for t in order:
        n_pop = int(sizes[t])
        var = past[t] if past else default_var
        required = min(n_for(var, n_pop), n_pop)
        allocated = min(math.ceil(n_total * n_pop / n_all), n_pop)
        drawn = min(math.ceil(max(required, allocated) / response_rate - 1e-9), n_pop)
        rows[t] = {"population": n_pop, "variance": var, "required": required, "allocated": allocated,
                   "drawn": drawn}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.loc["total"] = {"population": n_all, "variance": overall_var, "required": n_total,
                          "allocated": int(table["allocated"].sum()), "drawn": int(table["drawn"].sum())}
    for c in ("population", "required", "allocated", "drawn"):
        table[c] = table[c].astype("int64")
    table.index.name = by

    rng = np.random.default_rng(random_state)
    ids = pd.Index(frame.index.astype(str), name="customer_id")
    picked: list[np.ndarray] = []
    for t in order:
        pool = np.sort(ids[(strata == t).to_numpy()].to_numpy(dtype=object))   # draw order independent of row order
        picked.append(pool[rng.permutation(len(pool))[:rows[t]["drawn"]]])
    chosen = np.concatenate(picked) if picked else np.array([], dtype=object)
    cols = [c for c in CONTACT_COLUMNS if c in frame and c != by]
    contacts = frame.set_axis(ids)[cols].loc[chosen] if cols else pd.DataFrame(index=pd.Index(chosen))
    contacts.insert(0, by, strata.set_axis(ids).loc[chosen].to_numpy())
    contacts = contacts[[c for c in CONTACT_COLUMNS if c in contacts] + [c for c in contacts if c not in
                                                                         CONTACT_COLUMNS]]
    contacts.index.name = "customer_id"
    return SampleResult(table=table, contacts=contacts.reset_index(), measure=measure, margin=float(margin),
                        confidence=float(confidence), variance_source=source, response_rate=float(response_rate),
                        random_state=int(random_state))
