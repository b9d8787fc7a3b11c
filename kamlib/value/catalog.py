"""The indicator catalogue: tiers, indicator groups, directions and which amounts are log-scaled."""
from __future__ import annotations

TIERS = ("core", "key", "ordinary")


#: indicator -> group (the four groups of the issue) for the scorecard
INDICATOR_GROUPS: dict[str, str] = {
    "revenue": "transaction", "gross_profit": "transaction", "margin": "transaction",
    "order_count": "transaction", "avg_order_value": "transaction", "recency_days": "transaction",
    "tenure_days": "transaction", "frequency": "transaction", "revenue_growth": "transaction",
    "revenue_yoy": "transaction", "revenue_last_12m": "transaction", "revenue_share": "transaction",
    "profit_share": "transaction",
    "days_to_pay": "financial", "dso": "financial", "overdue_amount": "financial",
    "outstanding_amount": "financial", "late_share": "financial",
    "size_score": "characteristic", "n_members": "characteristic",
    "value_fit": "demand", "procurement_fit": "demand",
    # value still to come (kamlib.clv.indicator_columns; present only when BG/NBD applies to the ledger)
    "p_alive": "transaction", "expected_purchases_12m": "transaction", "expected_revenue_12m": "transaction",
    "clv": "transaction", "growth_potential": "transaction",
}

#: +1 = higher is better, -1 = lower is better (DSO, overdue, days to pay, late share, recency)
DIRECTIONS: dict[str, int] = {k: 1 for k in INDICATOR_GROUPS}
DIRECTIONS.update({"recency_days": -1, "days_to_pay": -1, "dso": -1, "overdue_amount": -1,
                   "outstanding_amount": -1, "late_share": -1})

#: amounts and counts with heavy right tails: scored on a signed log scale so one giant account does not
#: flatten every other account to ~0 after min-max scaling (and does not inflate its entropy weight)
LOG_SCALE = {"revenue", "gross_profit", "avg_order_value", "revenue_last_12m", "overdue_amount",
             "outstanding_amount", "order_count", "frequency",
             "expected_revenue_12m", "clv", "expected_purchases_12m"}

#: categorical / ordinal indicators: never entropy-weighted (a three-level band or a 1-5 score is dispersed
#: by construction, which the entropy method mistakes for information)
DISCRETE_INDICATORS = frozenset({"size_score", "value_fit", "procurement_fit", "n_members"})

#: default scorecard: a few indicators from each of the four groups
DEFAULT_SCORECARD_INDICATORS: tuple[str, ...] = (
    "revenue", "gross_profit", "frequency", "recency_days", "revenue_growth",   # transaction
    "dso", "late_share",                                                        # financial
    "size_score",                                                               # characteristic
    "value_fit", "procurement_fit",                                             # demand match
)
