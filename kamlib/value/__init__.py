"""Customer value assessment: who are the key accounts (大客户), and why.

Compute layer only (DataFrames in, DataFrames or frozen results out); figures are in
:mod:`kamlib.plotting.value`, narrative text in :func:`sentences` and friends.

Pipeline
--------
1. :func:`customer_indicators` - one row per account as of the period end: transaction, financial,
   contribution, characteristic and demand-match indicators (column names fixed in docs/CONTRACTS.md).
   :func:`group_indicators` does the same after rolling subsidiaries up to their parent group.
2. Single-indicator classification: :func:`abc_classes` (Pareto / ABC), :func:`double_abc`
   (revenue × profit grid flagging high-revenue, loss-making accounts), :func:`concentration` (Lorenz
   curve, Gini, "top 20% carry X%"), :func:`rfm_scores` (quintile scores + named segments).
3. Multi-indicator :func:`scorecard` (manual or entropy weights, 0-100 score with per-indicator
   contributions) and :func:`assign_tiers` (core / key / ordinary, 核心 / 重点 / 一般).
4. Dynamic identification: :func:`dynamic_identification` compares with the previous period (new and
   lost key accounts, :func:`tier_migration` matrix, Markov-implied next-period tier mix).

Modules
-------
``catalog`` (indicator groups, directions, tiers), ``labels`` (report texts), ``indicators`` and
``aggregates`` (step 1), ``groups`` (group roll-up), ``pareto``, ``inequality``, ``rfm`` (step 2),
``scoring``, ``tiers`` (step 3), ``dynamic`` (step 4), ``narrative`` and ``display`` (text and tables).
Everything public is re-exported here: use ``kamlib.value.<name>``.
"""
from __future__ import annotations

from .catalog import DEFAULT_SCORECARD_INDICATORS, DIRECTIONS, INDICATOR_GROUPS, TIERS
from .display import display_frame, display_table
from .dynamic import DynamicResult, dynamic_identification, dynamic_options, tier_migration
from .groups import group_indicators, rollup_ledger
from .indicators import customer_indicators, unavailable_indicators
from .inequality import ConcentrationResult, concentration
from .labels import LABELS, IndicatorName, indicator_label, reason_text, rfm_label
from .markov import TierForecast, markov_forecast
from .narrative import demoted_sentence, headline, headline_sentences, sentences
from .pareto import DoubleABCResult, abc_classes, abc_summary, double_abc, rank_accounts
from .rfm import RFM_SEGMENTS, rfm_scores, rfm_summary
from .scoring import ScorecardResult, entropy_weights, scorecard, top_accounts
from .tiers import DEMOTION_DEFAULTS, TierResult, assign_tiers, classify_tiers, tier_options, tier_summary, value_tiers

__all__ = [
    "LABELS", "INDICATOR_GROUPS", "DIRECTIONS", "DEFAULT_SCORECARD_INDICATORS", "RFM_SEGMENTS", "TIERS",
    "customer_indicators", "group_indicators", "rollup_ledger", "unavailable_indicators",
    "abc_classes", "abc_summary", "rank_accounts", "double_abc", "DoubleABCResult",
    "concentration", "ConcentrationResult",
    "rfm_scores", "rfm_summary", "rfm_label",
    "entropy_weights", "scorecard", "ScorecardResult",
    "top_accounts", "display_frame", "display_table", "assign_tiers", "tier_summary", "tier_migration",
    "dynamic_identification", "dynamic_options",
    "DynamicResult", "TierResult", "value_tiers", "classify_tiers", "tier_options", "DEMOTION_DEFAULTS", "TierForecast",
    "markov_forecast", "reason_text", "demoted_sentence", "headline", "sentences", "headline_sentences",
    "IndicatorName",
    "indicator_label",
]
