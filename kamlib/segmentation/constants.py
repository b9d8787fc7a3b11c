"""Tunable thresholds of the segmentation (their roles are described in the package docstring)."""
from __future__ import annotations

#: money amounts: always log1p-transformed (sign-preserving) before scaling
MONEY_COLUMNS = frozenset({"revenue", "gross_profit", "avg_order_value", "revenue_last_12m", "overdue_amount",
                           "outstanding_amount"})
#: scaled values are clipped at +/- this many robust units
CLIP_Z = 6.0
#: categorical levels kept per feature (rarer levels are pooled as "(other)")
MAX_LEVELS = 20
#: minimum average number of customers per segment for a k to be feasible
MIN_PER_SEGMENT = 5
#: mean bootstrap ARI below which the report warns that segments are unstable
STABILITY_WARN = 0.75
#: robust-z threshold for a feature to characterise a segment in its name
TRAIT_Z = 0.4
#: ... and at least this share of the most extreme segment's z in the same direction
RELATIVE_TRAIT = 0.6
#: revenue share / customer share at or above which a segment is "high-value", at or below which "small"
VALUE_LIFT = (1.5, 0.4)
#: customer attributes profiled for over-representation when present in ``context``
CONTEXT_ATTRIBUTES = ("industry", "region", "size_band", "business_unit")
MISSING_LEVEL = "(missing)"
OTHER_LEVEL = "(other)"
METHODS = ("kmeans", "gmm", "ward")
K_RULES = ("auto", "silhouette", "consensus", "bic")
#: Ward stores an n x n distance structure: beyond this many customers use k-means
WARD_MAX_N = 5000
#: points kept in the stored 2-D projection (a scatter of 100k points is unreadable and slow)
PROJECTION_MAX = 5000
