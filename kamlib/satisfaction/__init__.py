"""Satisfaction statistics for key-account surveys: Likert items, CSAT, NPS, reliability, group and wave
tests, drivers, and the account-level frame that joins the customer table.

Key-account surveys are small and answered by several people per account (decision makers, users,
procurement). Every statistic here therefore comes with its sample size and a confidence interval, and a
statistic computed from fewer than ``min_n`` units is *not estimable*: it is NaN, flagged
(``estimable=False``) and explained in ``warnings`` -- never a number that looks precise.

Aggregation
-----------
``aggregate="account"`` (the default, ``params.satisfaction.aggregate``) first summarises the respondents
of each account (mean score, share in the top box, NPS of the account's respondents) and then treats each
account as one observation: an account that sends ten questionnaires weighs as much as one that sends one.
Confidence intervals are then t intervals over the account values (n = accounts). ``aggregate="respondent"``
treats every response as one observation (Wilson interval for shares, closed-form multinomial standard
error for NPS, t interval for means; n = responses).

Methods stated
--------------
* NPS: promoters 9-10, detractors 0-6; SE from the multinomial closed form
  ``sqrt((p_P + p_D - (p_P - p_D)**2) / n)``; Wald interval, clipped to [-100, 100].
* Top-box / CSAT: share of answers in the top ``box`` categories of a ``scale``-point item (CSAT = top-2-box
  of ``overall``); Wilson score interval.
* Cronbach's alpha: from the (pairwise or listwise) item covariance matrix; Feldt (1965) F-distribution
  interval, as in R ``psych::alpha.ci`` and ``pingouin.cronbach_alpha``.
* Groups: Kruskal-Wallis (epsilon-squared) for 3+ groups, Mann-Whitney U (rank-biserial r) for 2;
  chi-square test of the top-2-box share (Cramér's V); Holm (default) or Benjamini-Hochberg correction
  across all tests of one table.
* Waves: paired t-test on account-level values for accounts surveyed in both waves (when at least
  ``min_n`` such accounts exist), otherwise Welch's t-test on the two waves' accounts.
* Drivers: ordinal logistic regression (statsmodels ``OrderedModel``, logit link) of the outcome on the
  items, fitted on responses with complete answers; relative importance by Johnson's (2000) relative
  weights (share of the linear R² attributable to each item, correlated items handled).

Layout: :mod:`.scores` (NPS, top-box), :mod:`.consistency` (Cronbach's alpha), :mod:`.summary` (headline, items,
Likert distribution, account frame), :mod:`.comparisons` (groups, waves, p-value adjustment),
:mod:`.key_drivers` (ordinal logit, relative weights), :mod:`.surveys` (the survey table, waves, settings);
the words are apart from the statistics in :mod:`.labels` (``LABELS``), :mod:`.prose` (sentences) and
:mod:`.display` (display tables).
"""
from __future__ import annotations

from .comparisons import GroupTestResult, WaveChangeResult, adjust_pvalues, group_tests, wave_change
from .consistency import AlphaResult, ReliabilityResult, cronbach_alpha, reliability
from .display import format_table, likert_table, measure_label
from .key_drivers import DriversResult, drivers, relative_weights
from .labels import LABELS, construct_label, item_label, item_labels, likert_label
from .prose import coverage_sentence, nps_name, sentences
from .scores import NPSResult, TopBoxResult, nps, top_box
from .summary import (
    LIKERT_LEVELS,
    LikertResult,
    SummaryResult,
    account_satisfaction,
    headline,
    item_summary,
    likert_distribution,
)
from .surveys import item_list, latest_wave, resolve_settings, wave_labels

__all__ = [
    "LABELS", "LIKERT_LEVELS", "NPSResult", "TopBoxResult", "AlphaResult", "LikertResult", "SummaryResult",
    "ReliabilityResult", "GroupTestResult", "WaveChangeResult", "DriversResult", "nps", "top_box", "cronbach_alpha",
    "account_satisfaction", "likert_distribution", "item_summary", "headline", "reliability", "group_tests",
    "wave_change", "drivers", "sentences", "likert_label", "relative_weights", "resolve_settings", "wave_labels",
    "adjust_pvalues", "format_table", "item_list", "coverage_sentence", "latest_wave", "likert_table",
    "measure_label", "construct_label", "item_label", "item_labels", "nps_name",
]
