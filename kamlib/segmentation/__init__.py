"""Customer segmentation: features, clustering, an honest choice of k, stability, profiles and names.

Pipeline (compute -> :class:`SegmentationResult`; figures in :mod:`kamlib.plotting.segmentation`):

1. **Features** (:func:`build_features`) - the configured columns of the customer indicator frame
   (``value.customer_indicators``), numeric ones as float64, categorical ones as strings.
2. **Preprocessing** (inside :func:`segment`, reported in ``result.preprocessing``):

   * skewed amounts get a sign-preserving ``log1p``: every column named as a money amount
     (:data:`MONEY_COLUMNS`) and any non-negative column whose skewness exceeds 1 (order counts, recency);
   * **robust scaling**: ``(x - median) / IQR`` (MAD, then SD when the IQR is 0), so a few huge accounts do
     not define the scale; the scaled values are clipped at +/-:data:`CLIP_Z` so a handful of extreme
     accounts cannot claim a segment of their own;
   * **missing values** are imputed with the column median (0 after scaling) and flagged: the count per
     feature is in ``result.preprocessing["n_imputed"]``, the customers concerned in ``result.imputed``,
     and a warning says how many customers were affected. No customer is dropped. A column that is
     entirely missing (e.g. ``days_to_pay`` without an invoices table) or constant is left out, with a
     warning;
   * **categorical** features (industry, size band...) are **one-hot encoded with weighting**: each dummy is
     scaled by ``categorical_weight / sqrt(2)`` so that two customers in different categories are exactly
     ``categorical_weight`` apart (squared Euclidean) - about the spread of one robust-scaled numeric
     feature. One-hot was chosen over Gower distance and k-prototypes because it keeps a single Euclidean
     space for all three methods (k-means, Gaussian mixture, Ward), scales linearly to 100,000 customers
     (Gower needs an n x n distance matrix) and needs no extra dependency; the weight makes the
     categorical influence explicit and tunable. Rare levels beyond :data:`MAX_LEVELS` are pooled.

3. **Clustering**: k-means (default; k-means++ with several seeded restarts), Gaussian mixture (full
   covariance; adds BIC) or Ward hierarchical clustering (small books only: it needs O(n^2) memory).
4. **Choice of k** over ``k_range``: silhouette (on a seeded sample of ``silhouette_sample`` customers, so the
   cost stays near-linear), Calinski-Harabasz and Davies-Bouldin side by side (+ BIC for GMM). The rule
   (``k_rule``, stated in the result and the report):

   * ``"auto"`` (default): ``"bic"`` for GMM, ``"silhouette"`` otherwise;
   * ``"silhouette"``: the k with the highest silhouette; a smaller k wins when its silhouette is within
     ``k_tolerance`` (0.02) of the best (parsimony: fewer segments are easier to act on);
   * ``"consensus"``: the smallest sum of the ranks of the three indices (tie: smaller k);
   * ``"bic"``: the lowest BIC (GMM only).

5. **Stability**: the chosen solution is refitted on ``n_bootstrap`` seeded subsamples (80% of customers,
   drawn without replacement, so no customer is duplicated) and compared with the full-data partition on
   the same customers by the adjusted Rand index (ARI); ``result.stability`` is the mean. Below 0.75 a
   warning says the segments are not stable enough to act on.
6. **Profiles and names**: per segment size, share, revenue and revenue share, feature medians,
   over-represented categories (industries, regions... from ``context``), and a business name in the report
   language (``"High-value, slow payers"`` / ``"高价值、回款慢"``): the value word comes from revenue share
   versus customer share (>= 1.5x: high-value, <= 0.4x: small), the other words from the standardized
   medians - a feature names a segment when its median is at least 0.4 IQR from the book's median and at
   least 60% as extreme as the most extreme segment on that feature; at most three words, strongest first.

Performance: the cost grows about linearly with the number of customers (the silhouette uses a fixed-size
sample; k-means uses 4 restarts above 20,000 customers); 100,000 customers take seconds, not minutes.
Fits are single-threaded by default (``n_threads=1``): on a small shared machine OpenMP spin-waiting makes
multi-threaded fits slower, and ``kam run`` gets its parallelism from building regions side by side;
``n_threads=None`` lifts the limit.

Determinism: the same ``random_state`` gives the same labels, and the rows are put into a canonical order
(sorted by their feature values) before fitting, so reordering the input rows gives the same partition.
Segment numbers are canonical too: 1 = the segment with the largest revenue (or the largest segment when
there is no revenue column), and so on.

Small books: every k must leave at least :data:`MIN_PER_SEGMENT` customers per segment on average. When
only the top of ``k_range`` is infeasible, the range is shrunk with a warning; when even the smallest k is
infeasible, :class:`~kamlib.errors.AnalysisError` says how many customers there are and what to change
(the workbook shows that message in the report instead of the segmentation).

Modules: ``constants`` (thresholds), ``labels`` (texts), ``result``, ``features`` (steps 1-2), ``fitting``
(steps 3-4), ``pipeline`` (:func:`segment`, step 5), ``profiles`` and ``naming`` (step 6), ``tables`` and
``narrative`` (report output). Everything public is re-exported here: use ``kamlib.segmentation.<name>``.
"""
from __future__ import annotations

from .constants import (
                        CLIP_Z,
                        CONTEXT_ATTRIBUTES,
                        MAX_LEVELS,
                        MIN_PER_SEGMENT,
                        MONEY_COLUMNS,
                        PROJECTION_MAX,
                        RELATIVE_TRAIT,
                        STABILITY_WARN,
                        TRAIT_Z,
                        VALUE_LIFT,
                        WARD_MAX_N,
)
from .features import build_features
from .labels import LABELS, feature_label
from .narrative import crosstab_sentence, method_sentence, sentences
from .pipeline import segment
from .profiles import overrepresented
from .result import SegmentationResult
from .tables import crosstab, overrepresented_table, preprocessing_table, scores_table, segment_table

__all__ = ["SegmentationResult", "build_features", "segment", "crosstab", "crosstab_sentence", "overrepresented",
           "overrepresented_table", "preprocessing_table", "method_sentence",
           "segment_table", "scores_table", "sentences", "feature_label", "LABELS", "MONEY_COLUMNS",
           "CLIP_Z", "MAX_LEVELS", "MIN_PER_SEGMENT", "STABILITY_WARN", "TRAIT_Z", "RELATIVE_TRAIT", "VALUE_LIFT",
           "CONTEXT_ATTRIBUTES", "WARD_MAX_N", "PROJECTION_MAX"]
