"""Churn survival analysis: churn durations, Kaplan-Meier, log-rank, Cox regression, PH check, at-risk list.

Key accounts rarely announce that they leave; they stop renewing or stop ordering. This module turns a
:class:`~kamlib.ledger.Ledger` into one duration per account (time from the start of the relationship to
churn, or to the period end when still active) and answers the three questions leadership asks:

* **how long do accounts stay?**  Kaplan-Meier curves overall and by group, with the number at risk,
  confidence bands (``log-log`` by default, ``log`` as in R ``survival``'s default, or ``plain``) and the
  median with its confidence interval ("not reached" when fewer than half the accounts have churned);
* **which kinds leave faster, and why?**  log-rank tests (optionally stratified) and Cox proportional-hazards
  regression (Efron ties by default, Breslow selectable, strata optional) with hazard ratios, Harrell's
  concordance and a Schoenfeld-residual test of proportional hazards;
* **who is at risk now?**  active accounts ranked by their predicted probability of churning within the next
  ``horizon_days``, with the revenue at stake.

Churn definition (:func:`churn_durations`)
------------------------------------------
* ``contractual``: the customers table has ``churn_date`` (or, failing that, ``contract_end_date``): the
  clock starts at ``first_contract_date`` (first order date when missing) and stops at churn, or is censored
  at ``as_of``.
* ``inactivity`` (most B2B ordering): an account is at risk from its first order and is lost once
  ``inactivity_days`` have passed after its last order without a new one; the loss is dated on the day the
  gap closes (``last order + inactivity_days``), so a one-time buyer is lost at ``inactivity_days``, never at
  day 0. Accounts whose gap has not closed by ``as_of`` are censored there. The choice of threshold matters:
  :func:`threshold_sensitivity` shows how the churn rate moves with it.

Active means not churned, for every account (:func:`active_flags`). Groups compared in the churn analysis
are taken at a landmark date, before churn (:mod:`.landmark`), and every active account is ranked by
expected revenue at risk (:func:`rank_at_risk`: Cox model, else 1 - P(alive), else a stated recency rule).
* ``auto``: contractual when the customers table carries ``churn_date`` / ``contract_end_date`` values,
  else inactivity.

Left truncation (late entry)
----------------------------
A ledger only covers an order window. Accounts that started before the window are in the data *because*
they survived until the window start; accounts lost earlier never appear. Treating their whole tenure as
observed would overstate survival. :func:`churn_durations` therefore returns ``entry_days`` (time from the
clock start to the window start, 0 for accounts that started inside the window), and :func:`kaplan_meier`,
:func:`logrank` and :func:`cox` take ``entry`` so that an account joins the risk set only from its entry
time (Kaplan-Meier with delayed entry; Cox with counting-process risk sets, as ``Surv(entry, time, status)``
in R). When only order dates are known (no ``first_contract_date``), the clock starts at the first observed
order, so tenure before the window is unknown; this is stated in the result's notes.

Everything here is pure: DataFrames in, DataFrames or frozen dataclasses out. Figures are in
:mod:`kamlib.plotting.survival`.

Layout: :mod:`.durations` (churn durations, covariates, threshold sensitivity), :mod:`.km` (Kaplan-Meier),
:mod:`.log_rank`, :mod:`.cox_model` (Cox fit, PH test, concordance), :mod:`.episodes` (complaint and contact
counts as time-varying covariates), :mod:`.landmark` (groups before churn),
:mod:`.risk` (at-risk list and ranking); the words
are apart from the statistics in :mod:`.prose` (sentences, ``LABELS``) and :mod:`.display` (display tables).
"""
from __future__ import annotations

from .cox_model import CoxResult, concordance_index, cox
from .display import (
                      at_risk_display,
                      at_risk_table,
                      cox_display,
                      cox_table,
                      median_display,
                      median_table,
                      ph_table,
                      ranking_display,
                      ranking_table,
                      retention_display,
                      retention_table,
                      sensitivity_display,
                      sensitivity_table,
)
from .durations import SensitivityResult, churn_covariates, churn_durations, resolve_definition, threshold_sensitivity
from .episodes import episodes, survey_states
from .km import KaplanMeierResult, kaplan_meier, pool_small_groups
from .landmark import active_flags, landmark_date, landmark_frame, tiers_as_of
from .log_rank import LogrankResult, logrank
from .prose import (
                      LABELS,
                      at_risk_sentence,
                      describe_churn,
                      landmark_sentence,
                      method_sentence,
                      ph_note,
                      ranking_sentence,
                      sentences,
                      term_label,
)
from .risk import RiskRanking, at_risk, churn_model, rank_at_risk, recency_probability

__all__ = [
    "LABELS", "churn_durations", "resolve_definition", "kaplan_meier", "pool_small_groups", "logrank", "cox",
    "threshold_sensitivity", "at_risk",
    "churn_covariates", "concordance_index", "sentences", "ph_note", "describe_churn", "median_display",
    "retention_display", "cox_display", "sensitivity_display", "at_risk_display", "at_risk_sentence", "term_label",
    "KaplanMeierResult", "LogrankResult", "CoxResult", "SensitivityResult",
    "landmark_date", "landmark_frame", "tiers_as_of", "active_flags", "churn_model", "rank_at_risk",
    "recency_probability", "RiskRanking", "ranking_display", "landmark_sentence", "method_sentence",
    "ranking_sentence", "median_table", "retention_table", "cox_table", "ph_table", "sensitivity_table",
    "at_risk_table", "ranking_table", "episodes", "survey_states",
]
