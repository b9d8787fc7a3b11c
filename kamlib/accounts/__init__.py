"""Account management (客户经营): account managers' books, contacts and complaints, why accounts
left, the pipeline, plan vs actual and product breadth. Computation in :mod:`.analyses` (books, contacts,
complaints, churn reasons, credit ratings) and :mod:`.sales` (pipeline, plan vs actual, breadth), display in
:mod:`.display`, sentences in :mod:`.prose`; texts in :data:`LABELS` (domain ``accounts``)."""
from __future__ import annotations

from ._common import TableResult, annual_revenue_before_loss
from .analyses import (
    churn_reasons,
    complaints,
    complaints_by_tier,
    contact_covariates,
    contact_stats,
    contacts,
    credit_ratings,
    inputs,
    manager_portfolios,
    not_contacted,
)
from .display import display_frame, display_table, facts_markdown, reason_markdown, shown_note
from .labels import LABELS
from .prose import inputs_markdown, summary_markdown
from .sales import breadth, period_bounds, pipeline, plan_view, plan_vs_actual
from .sampling import SampleResult, sample_size, survey_sample

__all__ = ["LABELS", "TableResult", "annual_revenue_before_loss", "breadth", "churn_reasons", "complaints",
           "complaints_by_tier",
           "contact_covariates", "contact_stats", "contacts", "credit_ratings", "inputs",
           "inputs_markdown", "display_frame", "display_table", "facts_markdown",
           "manager_portfolios", "not_contacted", "period_bounds", "pipeline", "plan_vs_actual", "plan_view",
           "reason_markdown", "SampleResult", "sample_size", "shown_note", "summary_markdown", "survey_sample"]
