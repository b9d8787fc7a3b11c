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

Performance (measured, 2 cores): 100,000 synthetic customers, 6 features, k = 2..8 with 20 stability refits:
8.6 s for k-means (4 restarts above 20,000 customers), 17 s for a Gaussian mixture over k = 2..6 with 5 refits.
Books up to 20,000 customers are fitted single-threaded: on a busy machine OpenMP threads made small fits
about ten times slower.

Determinism: the same ``random_state`` gives the same labels, and the rows are put into a canonical order
(sorted by their feature values) before fitting, so reordering the input rows gives the same partition.
Segment numbers are canonical too: 1 = the segment with the largest revenue (or the largest segment when
there is no revenue column), and so on.

Small books: every k must leave at least :data:`MIN_PER_SEGMENT` customers per segment on average. When
only the top of ``k_range`` is infeasible, the range is shrunk with a warning; when even the smallest k is
infeasible, :class:`~kamlib.errors.AnalysisError` says how many customers there are and what to change
(the workbook shows that message in the report instead of the segmentation).
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import fmt
from .errors import AnalysisError, ParamsError, StatisticalWarning

__all__ = ["SegmentationResult", "build_features", "segment", "crosstab", "crosstab_sentence", "overrepresented",
           "overrepresented_table", "preprocessing_table", "method_sentence",
           "segment_table", "scores_table", "sentences", "feature_label", "LABELS", "MONEY_COLUMNS"]

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
_MISSING = "(missing)"
_OTHER = "(other)"
_METHODS = ("kmeans", "gmm", "ward")
_RULES = ("auto", "silhouette", "consensus", "bic")
#: Ward stores an n x n distance structure: beyond this many customers use k-means
WARD_MAX_N = 5000
#: points kept in the stored 2-D projection (a scatter of 100k points is unreadable and slow)
PROJECTION_MAX = 5000

LABELS: dict[str, dict[str, str]] = {
    "segmentation.title": {"zh": "客户细分", "en": "Customer segmentation"},
    "segmentation.k_choice": {"zh": "细分数量 k 的选择", "en": "Choosing the number of segments k"},
    "segmentation.projection": {"zh": "细分分布（主成分投影）", "en": "Segments in two dimensions (PCA)"},
    "segmentation.heatmap": {"zh": "细分画像（标准化中位数）", "en": "Segment profiles (standardized medians)"},
    "segmentation.table": {"zh": "细分一览", "en": "Segments at a glance"},
    "segmentation.profiles": {"zh": "细分特征中位数", "en": "Segment medians"},
    "segmentation.crosstab": {"zh": "细分 × 价值层级", "en": "Segments × value tiers"},
    "segmentation.stability": {"zh": "稳定性", "en": "Stability"},
    "segmentation.unavailable": {"zh": "本区域未能进行客户细分", "en": "No segmentation for this region"},
    "segmentation.segment": {"zh": "细分", "en": "Segment"},
    "segmentation.name": {"zh": "名称", "en": "Name"},
    "segmentation.customers": {"zh": "客户数", "en": "Customers"},
    "segmentation.customer_share": {"zh": "客户占比", "en": "Share of customers"},
    "segmentation.revenue": {"zh": "收入", "en": "Revenue"},
    "segmentation.revenue_share": {"zh": "收入占比", "en": "Revenue share"},
    "segmentation.overrepresented": {"zh": "显著偏多的类别", "en": "Over-represented"},
    "segmentation.total": {"zh": "合计", "en": "Total"},
    "segmentation.chosen": {"zh": "选定", "en": "chosen"},
    "segmentation.silhouette": {"zh": "轮廓系数（越高越好）", "en": "Silhouette (higher is better)"},
    "segmentation.calinski_harabasz": {"zh": "CH 指数（越高越好）", "en": "Calinski-Harabasz (higher is better)"},
    "segmentation.davies_bouldin": {"zh": "DB 指数（越低越好）", "en": "Davies-Bouldin (lower is better)"},
    "segmentation.bic": {"zh": "BIC（越低越好）", "en": "BIC (lower is better)"},
    "segmentation.pc": {"zh": "主成分", "en": "PC"},
    "segmentation.method": {"zh": "方法说明", "en": "Method"},
    "segmentation.typical": {"zh": "中等、表现平稳", "en": "Mid-range, typical"},
}

# feature -> (zh label, en label)
_FEATURE_LABELS = {
    "revenue": ("收入", "Revenue"), "gross_profit": ("毛利", "Gross profit"), "margin": ("毛利率", "Margin"),
    "order_count": ("订单数", "Orders"), "avg_order_value": ("平均订单额", "Avg order value"),
    "recency_days": ("距上次下单天数", "Days since last order"), "tenure_days": ("合作天数", "Tenure (days)"),
    "frequency": ("年订单频次", "Orders per year"), "revenue_growth": ("收入增长", "Revenue growth"),
    "revenue_yoy": ("收入同比", "Revenue YoY"), "revenue_last_12m": ("近12个月收入", "Revenue, last 12 months"),
    "days_to_pay": ("回款天数", "Days to pay"), "dso": ("应收账款周转天数", "DSO"),
    "overdue_amount": ("逾期金额", "Overdue amount"), "outstanding_amount": ("未收金额", "Outstanding amount"),
    "late_share": ("逾期付款占比", "Late-paid share"), "revenue_share": ("收入占比", "Revenue share"),
    "profit_share": ("毛利占比", "Profit share"), "value_fit": ("价值需求匹配度", "Value fit"),
    "procurement_fit": ("采购流程匹配度", "Procurement fit"), "industry": ("行业", "Industry"),
    "region": ("区域", "Region"), "size_band": ("规模", "Size band"), "business_unit": ("事业部", "Business unit"),
}

# feature -> ((zh high, en high), (zh low, en low)); the revenue-like ones lead a name
_TRAITS = {
    "revenue": (("高价值", "high-value"), ("小额", "small")),
    "revenue_last_12m": (("高价值", "high-value"), ("小额", "small")),
    "gross_profit": (("高毛利额", "high-profit"), ("低毛利额", "low-profit")),
    "order_count": (("高频", "frequent"), ("低频", "occasional")),
    "frequency": (("高频", "frequent"), ("低频", "occasional")),
    "avg_order_value": (("大单", "large orders"), ("小单", "small orders")),
    "margin": (("高毛利", "high-margin"), ("低毛利", "low-margin")),
    "recency_days": (("久未下单", "dormant"), ("近期活跃", "recently active")),
    "tenure_days": (("合作久", "long-standing"), ("新客户", "new")),
    "revenue_growth": (("增长快", "growing"), ("收入下滑", "declining")),
    "revenue_yoy": (("同比增长", "growing year on year"), ("同比下滑", "shrinking year on year")),
    "days_to_pay": (("回款慢", "slow payers"), ("回款快", "prompt payers")),
    "dso": (("回款慢", "slow payers"), ("回款快", "prompt payers")),
    "late_share": (("常逾期", "often late"), ("按时付款", "pays on time")),
    "overdue_amount": (("逾期多", "large overdue"), ("逾期少", "little overdue")),
    "value_fit": (("需求匹配高", "good fit"), ("需求匹配低", "poor fit")),
    "procurement_fit": (("采购匹配高", "easy to buy from us"), ("采购匹配低", "hard procurement fit")),
}
_LEAD_TRAITS = ("revenue", "revenue_last_12m", "gross_profit")
_RULE_TEXT = {
    "silhouette": ("轮廓系数最高（差距在 {tol} 以内时取较小的 k）",
                   "highest silhouette (a smaller k wins when within {tol} of the best)"),
    "consensus": ("三项指标排名之和最小（并列时取较小的 k）",
                  "best sum of ranks of the three indices (ties: smaller k)"),
    "bic": ("BIC 最低", "lowest BIC"),
    "given": ("参数中指定", "set in the params file"),
}
_METHOD_TEXT = {"kmeans": ("k-means 聚类", "k-means"), "gmm": ("高斯混合模型", "a Gaussian mixture"),
                "ward": ("Ward 层次聚类", "Ward hierarchical clustering")}


def _t(key: str, lang: str) -> str:
    return LABELS[key][lang]


def feature_label(col: str, lang: str = "zh") -> str:
    """Display label of an indicator column (``"days_to_pay"`` -> ``"回款天数"`` / ``"Days to pay"``)."""
    pair = _FEATURE_LABELS.get(col)
    return col if pair is None else pair[0 if lang == "zh" else 1]


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise ParamsError(f"unknown report language {lang!r}; use 'zh' or 'en' ('language:' in the params file)")


# ------------------------------------------------------------------------------------------ result

@dataclass(frozen=True)
class SegmentationResult:
    """A fitted segmentation (see the module docstring for every step).

    Attributes
    ----------
    labels : Series
        Segment number (1..k, int) per customer, indexed like the input features, named ``"segment"``.
    k : int
        Number of segments.
    scores : DataFrame
        One row per k fitted (index ``k``): ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``
        (+ ``bic`` for GMM) and ``chosen`` (bool).
    stability : float
        Mean adjusted Rand index between the full-data partition and refits on seeded 80% subsamples
        (NaN when ``n_bootstrap`` is 0).
    profiles : DataFrame
        One row per segment (index ``segment``): ``name``, ``customers``, ``customer_share``, ``revenue``,
        ``revenue_share`` (when a revenue column is available), the median of each numeric feature (raw
        units, column = feature name) and ``top_<attribute>`` (most over-represented category with its share
        and lift) for categorical features and context attributes.
    names : dict
        Segment number -> business name in ``lang``.
    method, k_rule, chosen_by : str
        Clustering method; the rule for k (``chosen_by`` is ``"given"`` when k was set).
    stability_runs : tuple of float
        ARI of each subsample refit.
    medians_z : DataFrame
        Segments x numeric features: median of the robust-scaled feature (0 = overall median, 1 = one IQR).
    projection : DataFrame
        ``pc1``, ``pc2``, ``segment`` for a seeded sample of at most 5,000 customers (first two principal
        components of the preprocessed features); ``explained_variance`` holds their variance shares.
    preprocessing : DataFrame
        Per input column: kind, transform, center, scale, n_imputed, used.
    imputed : Series
        Customers with at least one imputed feature value (bool, indexed like labels).
    warnings : tuple of str
        Soft problems (also issued as :class:`~kamlib.errors.StatisticalWarning`).
    """

    labels: pd.Series
    k: int
    scores: pd.DataFrame
    stability: float
    profiles: pd.DataFrame
    names: dict
    method: str = "kmeans"
    k_rule: str = "silhouette"
    chosen_by: str = "silhouette"
    k_range: tuple[int, int] = (2, 8)
    stability_runs: tuple[float, ...] = ()
    medians_z: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    projection: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    explained_variance: tuple[float, float] = (float("nan"), float("nan"))
    preprocessing: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    imputed: pd.Series = field(default_factory=lambda: pd.Series(dtype=bool), repr=False)
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    lang: str = "zh"
    random_state: int = 0
    k_tolerance: float = 0.02
    elapsed_seconds: float = float("nan")
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of customers segmented."""
        return int(len(self.labels))

    @property
    def sizes(self) -> pd.Series:
        """Customers per segment (index = segment number)."""
        return self.profiles["customers"]

    def to_frame(self) -> pd.DataFrame:
        """Per customer: ``segment`` (number) and ``segment_name``."""
        return pd.DataFrame({"segment": self.labels, "segment_name": self.labels.map(self.names)})

    def __repr__(self) -> str:
        return (f"SegmentationResult(method={self.method!r}, k={self.k} ({self.chosen_by}), n={self.n}, "
                f"stability={self.stability:.2f}, names={self.names})")

    def _repr_html_(self) -> str:
        return segment_table(self).to_html(escape=True)


# ------------------------------------------------------------------------------------------ features

def build_features(indicators: pd.DataFrame, features: Sequence[str], categorical: Sequence[str] = ()
                   ) -> pd.DataFrame:
    """The segmentation input: the configured indicator columns, numeric as float64, categorical as str.

    Parameters
    ----------
    indicators : DataFrame
        Customer indicator frame (``value.customer_indicators``), indexed by customer_id.
    features : sequence of str
        Numeric feature columns (params ``segmentation.features``).
    categorical : sequence of str
        Categorical feature columns (params ``segmentation.categorical``), e.g. ``industry``, ``size_band``.

    Returns
    -------
    DataFrame
        Same index as ``indicators``; numeric columns first, then categorical ones (string dtype, missing
        kept as <NA>). Transforms, scaling and imputation happen in :func:`segment` so that they are
        reported on the result.

    Raises
    ------
    ParamsError
        When a configured column is not in the indicator frame, or a numeric feature is not numeric.
    """
    features, categorical = list(dict.fromkeys(features)), list(dict.fromkeys(categorical))
    missing = [c for c in features + categorical if c not in indicators.columns]
    if missing:
        raise ParamsError(
            f"segmentation: column(s) {', '.join(map(repr, missing))} named in 'segmentation.features' or "
            f"'segmentation.categorical' are not customer indicator columns. Available: "
            f"{', '.join(map(str, indicators.columns))}. Fix the params file.")
    both = set(features) & set(categorical)
    if both:
        raise ParamsError(f"segmentation: {sorted(both)} listed both as numeric features and as categorical; "
                          "keep each column in one list.")
    out = {}
    for c in features:
        s = indicators[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype("float64")
        else:
            raise ParamsError(f"segmentation: feature {c!r} is not numeric (dtype {s.dtype}); list it under "
                              "'segmentation.categorical' instead of 'segmentation.features'.")
    for c in categorical:
        out[c] = indicators[c].astype("string")
    return pd.DataFrame(out, index=indicators.index)


# ------------------------------------------------------------------------------------------ preprocessing

@dataclass(frozen=True)
class _Prepared:
    X: np.ndarray                 # n x p design matrix (numeric robust-z, then weighted dummies)
    Z: pd.DataFrame               # robust-z of numeric features before imputation (NaN kept), for profiles
    table: pd.DataFrame           # preprocessing report
    imputed: np.ndarray           # bool per row
    numeric: list[str]
    categorical: list[str]
    notes: list[str]


def _skew(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return 0.0
    s = x.std()
    return 0.0 if s == 0 else float(((x - x.mean()) ** 3).mean() / s ** 3)


def _prepare(features: pd.DataFrame, categorical: Sequence[str], log_columns, categorical_weight: float,
             max_levels: int, feature_weights: Mapping[str, float] | None = None) -> _Prepared:
    notes: list[str] = []
    feature_weights = dict(feature_weights or {})
    unknown = set(feature_weights) - set(features.columns)
    if unknown:
        raise ParamsError(f"segmentation: feature_weights names {sorted(unknown)}, which are not features; "
                          f"features are {', '.join(map(str, features.columns))}.")
    skipped = []
    for c in features.columns:
        s = features[c]
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            notes.append(f"column {c!r} holds dates and was left out of the segmentation (use a numeric "
                         "indicator such as recency_days or tenure_days instead).")
            skipped.append(c)
        elif (c not in set(categorical) and not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
              and s.nunique(dropna=True) > max_levels):
            # an unlisted text column with many distinct values is an id or a name, not a segment trait
            notes.append(f"text column {c!r} has {s.nunique(dropna=True)} distinct values (an id or a name?) and "
                         f"was left out; pass it in categorical= to use it anyway (rarest levels pooled).")
            skipped.append(c)
    features = features.drop(columns=skipped)
    cat = [c for c in features.columns if c in set(categorical) or not (
        pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c]))]
    num = [c for c in features.columns if c not in cat]
    rows, cols, zcols = [], [], {}
    imputed = np.zeros(len(features), dtype=bool)
    for c in num:
        x = features[c].to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(x)
        n_missing = int(bad.sum())
        ok = x[~bad]
        info = {"column": c, "kind": "numeric", "transform": "none", "center": np.nan, "scale": np.nan,
                "weight": float(feature_weights.get(c, 1.0)), "n_imputed": n_missing, "used": False}
        if len(ok) == 0:
            notes.append(f"feature {c!r} is missing for every customer and was left out of the segmentation "
                         "(e.g. no invoices or no cost data in the ledger).")
            rows.append(info)
            continue
        if log_columns == "auto":
            use_log = c in MONEY_COLUMNS or (ok.min() >= 0 and _skew(ok) > 1.0)
        else:
            use_log = c in set(log_columns or ())
        if use_log:
            x = np.sign(x) * np.log1p(np.abs(x))
            ok = x[~bad]
            info["transform"] = "log1p"
        center = float(np.median(ok))
        q1, q3 = np.percentile(ok, [25, 75])
        scale = float(q3 - q1)
        if scale <= 0:
            scale = float(1.4826 * np.median(np.abs(ok - center)))
        if scale <= 0:
            scale = float(ok.std())
        if not scale > 0:
            notes.append(f"feature {c!r} has the same value for every customer and was left out.")
            rows.append(info)
            continue
        z = (x - center) / scale
        zcols[c] = z
        z = np.clip(np.where(bad, 0.0, z), -CLIP_Z, CLIP_Z)   # 0 = the median: median imputation
        imputed |= bad
        cols.append(z * info["weight"])
        info.update(center=center, scale=scale, used=True)
        rows.append(info)
    for c in cat:
        w = float(feature_weights.get(c, categorical_weight)) / math.sqrt(2.0)
        s = features[c].astype("string").fillna(_MISSING)
        counts = s.value_counts()
        n_missing = int((s == _MISSING).sum())
        if len(counts) > max_levels:
            keep = set(counts.index[: max_levels - 1])
            s = s.where(s.isin(keep), _OTHER)
            notes.append(f"categorical feature {c!r} has {len(counts)} levels; the "
                         f"{len(counts) - max_levels + 1} rarest were pooled as {_OTHER!r}.")
        levels = sorted(s.unique())
        info = {"column": c, "kind": "categorical", "transform": f"one-hot ({len(levels)} levels) x {w:.3f}",
                "center": np.nan, "scale": np.nan, "weight": w * math.sqrt(2.0), "n_imputed": n_missing,
                "used": len(levels) > 1}
        rows.append(info)
        if len(levels) < 2:
            notes.append(f"categorical feature {c!r} has a single level and was left out.")
            continue
        codes = pd.Categorical(s, categories=levels).codes
        cols.append(w * (codes[:, None] == np.arange(len(levels))[None, :]).astype("float64"))
    table = pd.DataFrame(rows, columns=["column", "kind", "transform", "center", "scale", "weight", "n_imputed",
                                        "used"]
                         ).set_index("column")
    if not cols:
        raise AnalysisError("segmentation: no usable feature (every configured feature is empty or constant). "
                            "Check 'segmentation.features' in the params file and that the ledger has the "
                            "data those indicators need.")
    X = np.column_stack([c if c.ndim == 2 else c[:, None] for c in cols])
    used_num = [c for c in num if c in zcols]
    Z = pd.DataFrame(zcols, index=features.index, columns=used_num)
    if imputed.any():
        per = ", ".join(f"{c} {int(n)}" for c, n in table.loc[table["n_imputed"] > 0, "n_imputed"].items()
                        if table.loc[c, "used"])
        notes.append(f"{int(imputed.sum())} of {len(features)} customers have missing feature values, imputed "
                     f"with the feature median ({per}); they are kept and flagged in result.imputed.")
    return _Prepared(X=X, Z=Z, table=table, imputed=imputed, numeric=used_num,
                     categorical=[c for c in cat if table.loc[c, "used"]], notes=notes)


# ------------------------------------------------------------------------------------------ fitting

def _fit(X: np.ndarray, k: int, method: str, random_state: int, n_init: int, linkage=None
         ) -> tuple[np.ndarray, float]:
    """Labels (0..k-1) and BIC (NaN except GMM) of one fit on X (rows in canonical order)."""
    if method == "kmeans":
        from sklearn.cluster import KMeans

        km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X)
        return km.labels_.astype(np.int64), float("nan")
    if method == "gmm":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=k, covariance_type="full", n_init=max(1, n_init // 2),
                             reg_covar=1e-4, random_state=random_state).fit(X)
        return gm.predict(X).astype(np.int64), float(gm.bic(X))
    from scipy.cluster.hierarchy import fcluster, linkage as _linkage

    Z = _linkage(X, method="ward") if linkage is None else linkage
    return (fcluster(Z, t=k, criterion="maxclust") - 1).astype(np.int64), float("nan")


class _SilhouetteSample:
    """The customers ``silhouette_score(X, labels, sample_size=sample, random_state=random_state)`` scores,
    with their pairwise distances computed once.

    Every candidate k is scored on the same seeded sample, so the distances do not depend on k: computing
    them once instead of once per k gives the same scores (tested against ``silhouette_score``) in ~40 % of
    the time (3,000 customers, k 2-8).
    """

    def __init__(self, X: np.ndarray, sample: int, random_state) -> None:
        from sklearn.metrics import pairwise_distances
        from sklearn.utils import check_random_state

        # the draw silhouette_score makes (all rows when there are no more than `sample`)
        self.idx = (check_random_state(random_state).permutation(len(X))[:sample] if len(X) > sample else None)
        self.distances = pairwise_distances(X if self.idx is None else X[self.idx])

    def score(self, labels: np.ndarray) -> float:
        from sklearn.metrics import silhouette_samples

        try:
            return float(np.mean(silhouette_samples(
                self.distances, labels if self.idx is None else labels[self.idx], metric="precomputed")))
        except ValueError:   # the seeded sample happened to hold a single segment
            return float("nan")


def _scores(X: np.ndarray, labels: np.ndarray, silhouette: _SilhouetteSample) -> dict:
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    n_lab = len(np.unique(labels))
    if n_lab < 2:
        return {"silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan}
    return {"silhouette": silhouette.score(labels), "calinski_harabasz": float(calinski_harabasz_score(X, labels)),
            "davies_bouldin": float(davies_bouldin_score(X, labels))}


def _choose_k(scores: pd.DataFrame, rule: str, tol: float) -> int:
    ok = scores.dropna(subset=["bic"] if rule == "bic" else ["silhouette"])
    if ok.empty:
        ok = scores
    if rule == "bic":
        return int(ok["bic"].idxmin())
    if rule == "silhouette":
        best = ok["silhouette"].max()
        return int(ok.index[ok["silhouette"] >= best - tol].min())
    ranks = (ok["silhouette"].rank(ascending=False) + ok["calinski_harabasz"].rank(ascending=False)
             + ok["davies_bouldin"].rank(ascending=True))
    return int(ranks.index[ranks == ranks.min()].min())


def _feasible_range(n: int, k: int | None, k_range: tuple[int, int], notes: list[str]) -> list[int]:
    k_lo, k_hi = int(k_range[0]), int(k_range[1])
    if k_lo < 2 or k_hi < k_lo:
        raise ParamsError(f"segmentation: k_range must be two integers 2 <= k_min <= k_max, got {k_range}")
    if k is not None:
        if k < 2:
            raise ParamsError(f"segmentation: k must be at least 2, got {k}")
        if n < MIN_PER_SEGMENT * k:
            raise AnalysisError(
                f"segmentation: only {n} customers, too few for k={k} segments (need at least "
                f"{MIN_PER_SEGMENT * k}, i.e. {MIN_PER_SEGMENT} per segment). Lower 'segmentation.k' or "
                "segment a larger book (e.g. several regions together).")
    max_k = n // MIN_PER_SEGMENT
    if max_k < k_lo:
        raise AnalysisError(
            f"segmentation: only {n} customers, too few to segment into k={k_lo}..{k_hi} segments (need at "
            f"least {MIN_PER_SEGMENT * k_lo} customers, {MIN_PER_SEGMENT} per segment). Lower "
            "'segmentation.k_min' or segment a larger book (e.g. several regions together).")
    if max_k < k_hi:
        notes.append(f"only {n} customers: k range {k_lo}..{k_hi} shrunk to {k_lo}..{max_k} "
                     f"(at least {MIN_PER_SEGMENT} customers per segment).")
        k_hi = max_k
    ks = list(range(k_lo, k_hi + 1))
    if k is not None and k not in ks:
        ks = sorted(set(ks) | {k})
    return ks


def _relabel(labels: np.ndarray, k: int, revenue: np.ndarray | None) -> np.ndarray:
    """Canonical numbering 1..k: by segment revenue (desc), then size (desc), then first occurrence."""
    present = np.unique(labels)
    size = np.bincount(labels, minlength=k).astype(float)
    first = np.array([np.argmax(labels == j) if j in present else len(labels) for j in range(k)])
    rev = np.zeros(k) if revenue is None else np.bincount(labels, weights=np.nan_to_num(revenue), minlength=k)
    order = np.lexsort((first, -size, -rev))   # last key is primary
    new = np.empty(k, dtype=np.int64)
    new[order] = np.arange(1, k + 1)
    return new[labels]


# ------------------------------------------------------------------------------------------ profiles & names

def _lift_top(values: pd.Series, labels: pd.Series, k_labels: Iterable[int], lang: str) -> dict:
    """Most over-represented level per segment: 'level (share in segment, lift x)' when lift >= 1.25."""
    s = values.astype("string").fillna(_MISSING)
    overall = s.value_counts(normalize=True)
    tab = pd.crosstab(labels, s, normalize="index")
    counts = pd.crosstab(labels, s)
    out = {}
    for j in k_labels:
        if j not in tab.index:
            out[j] = ""
            continue
        lift = tab.loc[j] / overall.reindex(tab.columns)
        lift = lift[(counts.loc[j] >= 5) & (lift >= 1.25) & (lift.index != _MISSING)]
        if lift.empty:
            out[j] = ""
            continue
        top = lift.sort_values(ascending=False, kind="stable").index[0]
        out[j] = f"{top} ({fmt.pct(tab.loc[j, top], 0)}, {lift[top]:.1f}×)"
    return out


def overrepresented(result: SegmentationResult, context: pd.DataFrame, columns: Sequence[str] | None = None,
                    min_lift: float = 1.25, min_count: int = 5) -> pd.DataFrame:
    """Categories over-represented in each segment, long format.

    Parameters
    ----------
    result : SegmentationResult
    context : DataFrame
        Customer attributes indexed like ``result.labels`` (e.g. ``wb.customers``).
    columns : sequence of str, optional
        Attributes to check (default: industry, region, size_band, business_unit when present).
    min_lift, min_count : float, int
        Keep levels whose share in the segment is at least ``min_lift`` times their overall share and that
        hold at least ``min_count`` of the segment's customers.

    Returns
    -------
    DataFrame
        Columns segment, name, attribute, level, customers, share_in_segment, overall_share, lift; sorted by
        segment and descending lift.
    """
    cols = [c for c in (columns or CONTEXT_ATTRIBUTES) if c in context.columns]
    lab = result.labels
    rows = []
    for c in cols:
        s = context[c].reindex(lab.index).astype("string").fillna(_MISSING)
        overall = s.value_counts(normalize=True)
        counts = pd.crosstab(lab, s)
        share = counts.div(counts.sum(axis=1), axis=0)
        for j in counts.index:
            for lev in counts.columns:
                lift = share.loc[j, lev] / overall[lev]
                if lev != _MISSING and counts.loc[j, lev] >= min_count and lift >= min_lift:
                    rows.append({"segment": int(j), "name": result.names.get(int(j), ""), "attribute": c,
                                 "level": lev, "customers": int(counts.loc[j, lev]),
                                 "share_in_segment": float(share.loc[j, lev]),
                                 "overall_share": float(overall[lev]), "lift": float(lift)})
    out = pd.DataFrame(rows, columns=["segment", "name", "attribute", "level", "customers", "share_in_segment",
                                      "overall_share", "lift"])
    return out.sort_values(["segment", "lift"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _name_segments(medians_z: pd.DataFrame, lang: str, value_lift: pd.Series | None = None) -> dict[int, str]:
    """Business name per segment from its standardized medians (module docstring, step 6).

    With ``value_lift`` (revenue share / customer share per segment) the value word comes from it instead
    of the revenue median: a segment holding 41% of customers and 95% of revenue is high-value even when
    its median sits only a fraction of the (very wide, log-scale) revenue IQR above the book's median.
    """
    if value_lift is not None:
        medians_z = medians_z.drop(columns=[c for c in ("revenue", "revenue_last_12m") if c in medians_z])
    names: dict[int, str] = {}
    li = 0 if lang == "zh" else 1
    sep = "、" if lang == "zh" else ", "
    all_traits: dict[int, list[str]] = {}
    # a trait names a segment only when it is strong in absolute terms (|z| >= TRAIT_Z) and relative to the
    # most extreme segment in the same direction (>= 60% of it): 60-day-terms strategic accounts paying in
    # 42 days are not "slow payers" next to a segment paying in 70.
    top_hi = medians_z.clip(lower=0).max(axis=0)
    top_lo = (-medians_z).clip(lower=0).max(axis=0)
    for j, row in medians_z.iterrows():
        cand = []
        for c, z in row.items():
            # the value trait leads every name, so it gets a lower bar: in a 2-way split the small half
            # often sits only ~0.35 IQR below the (log) median yet carries a few percent of revenue
            bar = 0.75 * TRAIT_Z if c in _LEAD_TRAITS else TRAIT_Z
            if not np.isfinite(z) or abs(z) < bar:
                continue
            if abs(z) < RELATIVE_TRAIT * (top_hi[c] if z > 0 else top_lo[c]):
                continue
            hi, lo = _TRAITS.get(c, ((f"{feature_label(c, 'zh')}高", f"high {feature_label(c, 'en').lower()}"),
                                     (f"{feature_label(c, 'zh')}低", f"low {feature_label(c, 'en').lower()}")))
            word = (hi if z > 0 else lo)[li]
            lead = c in _LEAD_TRAITS
            cand.append((not lead, -abs(z), word))
        if value_lift is not None and np.isfinite(value_lift.get(j, np.nan)):
            hi, lo = _TRAITS["revenue"]
            if value_lift[j] >= VALUE_LIFT[0]:
                cand.append((False, -np.inf, hi[li]))
            elif value_lift[j] <= VALUE_LIFT[1]:
                cand.append((False, -np.inf, lo[li]))
        cand.sort()
        words = list(dict.fromkeys(w for _, _, w in cand))
        all_traits[int(j)] = words
    for j, words in all_traits.items():
        # lead trait (value) first, then the strongest other traits: at most three words
        picked = words[:3]
        name = sep.join(picked) if picked else _t("segmentation.typical", lang)
        if lang == "en":
            name = name[:1].upper() + name[1:]
        names[j] = name
    # names must tell segments apart: add a trait, then a number, until unique
    seen: dict[str, list[int]] = {}
    for j, nm in names.items():
        seen.setdefault(nm, []).append(j)
    for nm, js in seen.items():
        if len(js) > 1:
            for j in js:
                extra = all_traits[j][3:4]
                names[j] = nm + (sep + extra[0] if extra else "") + f" ({_t('segmentation.segment', lang)} {j})"
    return names


def _profiles(features: pd.DataFrame, prep: _Prepared, labels: pd.Series, k: int, revenue: pd.Series | None,
              context: pd.DataFrame | None, names: dict, lang: str) -> pd.DataFrame:
    segs = list(range(1, k + 1))
    g = labels.groupby(labels)
    prof = pd.DataFrame(index=pd.Index(segs, name="segment"))
    prof["name"] = [names[j] for j in segs]
    prof["customers"] = g.size().reindex(segs, fill_value=0).astype("int64")
    prof["customer_share"] = prof["customers"] / max(len(labels), 1)
    if revenue is not None:
        rev = revenue.groupby(labels).sum().reindex(segs, fill_value=0.0)
        prof["revenue"] = rev.astype("float64")
        total = float(revenue.sum())
        prof["revenue_share"] = rev / total if total else np.nan
    for c in prep.numeric:
        prof[c] = features[c].astype("float64").groupby(labels).median().reindex(segs)
    attrs = list(prep.categorical)
    if context is not None:
        attrs += [c for c in CONTEXT_ATTRIBUTES if c in context.columns and c not in attrs]
    for c in attrs:
        src = features[c] if c in features.columns else context[c].reindex(labels.index)
        top = _lift_top(src, labels, segs, lang)
        prof[f"top_{c}"] = [top[j] for j in segs]
    return prof


# ------------------------------------------------------------------------------------------ segment

def segment(features: pd.DataFrame, k: int | None = None, k_range: tuple[int, int] = (2, 8),
            method: str = "kmeans", random_state: int = 0, *, n_bootstrap: int = 20,
            silhouette_sample: int = 3000, lang: str = "zh", k_rule: str = "auto", k_tolerance: float = 0.02,
            categorical: Sequence[str] = (), categorical_weight: float = 1.0, log_columns="auto",
            feature_weights: Mapping[str, float] | None = None, context: pd.DataFrame | None = None,
            revenue: pd.Series | str | None = "revenue",
            n_init: int | None = None, subsample: float = 0.8) -> SegmentationResult:
    """Segment customers by clustering; choose k honestly, check stability, profile and name the segments.

    Parameters
    ----------
    features : DataFrame
        One row per customer (e.g. :func:`build_features`). Numeric columns are transformed and scaled;
        non-numeric columns (and those in ``categorical``) are one-hot encoded with weighting.
    k : int, optional
        Fit exactly this many segments. ``None``: choose k from ``k_range`` by ``k_rule``.
    k_range : (int, int)
        Smallest and largest k considered (inclusive); all of them are scored and shown side by side.
    method : {"kmeans", "gmm", "ward"}
        k-means (default), Gaussian mixture (full covariance) or Ward hierarchical (at most 5,000 customers).
    random_state : int
        Seed of every random step (initialisation, silhouette sample, subsamples).
    n_bootstrap : int
        Number of 80% subsample refits for the stability ARI (0 skips it).
    silhouette_sample : int
        Customers sampled (seeded) for the silhouette when the book is larger.
    lang : {"zh", "en"}
        Language of the segment names.
    k_rule : {"auto", "silhouette", "consensus", "bic"}
        How k is chosen (module docstring); ``"auto"`` is ``"bic"`` for GMM and ``"silhouette"`` otherwise.
    k_tolerance : float
        Silhouette margin within which the smaller k is preferred.
    categorical : sequence of str
        Columns to treat as categorical even if numeric (e.g. coded size bands).
    categorical_weight : float
        Squared distance between two customers in different categories of one categorical feature.
    feature_weights : mapping, optional
        Feature -> weight multiplying its scaled values (default 1; for a categorical feature it replaces
        ``categorical_weight``). Down-weight noisy indicators (e.g. a short-window growth slope).
    log_columns : "auto" or sequence of str
        Columns that get the sign-preserving log1p (``"auto"``: money amounts and skewed non-negative ones).
    context : DataFrame, optional
        Customer attributes (industry, region, size_band, business_unit, revenue) used only to profile the
        segments, never to form them; indexed like ``features``.
    revenue : str or Series, optional
        Revenue per customer for revenue shares and the segment numbering: a column of ``features`` or
        ``context`` (default ``"revenue"``) or a Series.
    n_init : int, optional
        k-means restarts (default 10 up to 20,000 customers, else 4).
    subsample : float
        Share of customers in each stability refit.

    Returns
    -------
    SegmentationResult

    Raises
    ------
    AnalysisError
        Too few customers for the smallest k (or for the given k); Ward on more than 5,000 customers.
    ParamsError
        Unknown method, rule or language, or an invalid k range.
    """
    t0 = time.perf_counter()
    _check_lang(lang)
    if method not in _METHODS:
        raise ParamsError(f"segmentation: method must be one of {', '.join(_METHODS)}, got {method!r}")
    if k_rule not in _RULES:
        raise ParamsError(f"segmentation: k_rule must be one of {', '.join(_RULES)}, got {k_rule!r}")
    rule = ("bic" if method == "gmm" else "silhouette") if k_rule == "auto" else k_rule
    if rule == "bic" and method != "gmm":
        raise ParamsError("segmentation: k_rule='bic' needs method='gmm' (BIC is a likelihood criterion)")
    if not isinstance(features, pd.DataFrame):
        features = pd.DataFrame(features)
    n = len(features)
    notes: list[str] = []
    ks = _feasible_range(n, k, tuple(k_range), notes)
    if method == "ward" and n > WARD_MAX_N:
        raise AnalysisError(f"segmentation: Ward clustering needs memory growing with the square of the number "
                            f"of customers; {n} customers is more than {WARD_MAX_N}. Use method 'kmeans' (or "
                            "'gmm') in 'segmentation.method'.")

    import sklearn.cluster  # noqa: F401  (load the OpenMP/BLAS runtimes first, so the limit applies to them)
    from threadpoolctl import threadpool_limits

    # One thread, whatever the size: on a 2-core machine OpenMP spin-waiting made k-means on 2,000 customers
    # ten times slower with 2 threads than with 1, and the whole selection + stability run on 100,000
    # customers 2x slower (7.8 s vs 3.9 s, same result; benchmarks/bench_pack.py). kam run gets its
    # parallelism from building regions side by side instead.
    with threadpool_limits(limits=1):
        return _segment(features, n, k, ks, rule, method, random_state, n_bootstrap, silhouette_sample, lang,
                        k_tolerance, categorical, categorical_weight, log_columns, feature_weights, context,
                        revenue, n_init, subsample, notes, t0)


def _segment(features, n, k, ks, rule, method, random_state, n_bootstrap, silhouette_sample, lang, k_tolerance,
             categorical, categorical_weight, log_columns, feature_weights, context, revenue, n_init, subsample,
             notes, t0) -> SegmentationResult:
    prep = _prepare(features, categorical, log_columns, categorical_weight, MAX_LEVELS, feature_weights)
    notes.extend(prep.notes)
    X = prep.X
    # canonical row order (sorted by the feature values), so a reordered input gives the same fit
    order = np.lexsort(X.T[::-1])
    Xs = np.ascontiguousarray(X[order])
    if n_init is None:
        n_init = 10 if n <= 20000 else 4

    linkage = None
    if method == "ward":
        from scipy.cluster.hierarchy import linkage as _linkage

        linkage = _linkage(Xs, method="ward")
    fits: dict[int, np.ndarray] = {}
    rows = []
    sil = _SilhouetteSample(Xs, silhouette_sample, random_state)
    for kk in ks:
        lab, bic = _fit(Xs, kk, method, random_state, n_init, linkage)
        fits[kk] = lab
        row = {"k": kk, **_scores(Xs, lab, sil)}
        if method == "gmm":
            row["bic"] = bic
        rows.append(row)
    scores = pd.DataFrame(rows).set_index("k")
    if method != "gmm":
        scores_for_rule = scores.assign(bic=np.nan)
    else:
        scores_for_rule = scores
    if k is not None:
        k_star, chosen_by = int(k), "given"
    else:
        k_star, chosen_by = _choose_k(scores_for_rule, rule, k_tolerance), rule
    scores["chosen"] = scores.index == k_star
    ref = fits[k_star]

    # stability: refit on seeded subsamples, compare with the full partition on the same customers
    runs: list[float] = []
    if n_bootstrap > 0:
        from sklearn.metrics import adjusted_rand_score

        m = max(int(round(subsample * n)), MIN_PER_SEGMENT * k_star)
        m = min(m, n)
        boot_init = max(1, min(n_init, 4))
        for b in range(n_bootstrap):
            rng = np.random.default_rng([random_state, b])
            idx = np.sort(rng.choice(n, size=m, replace=False))
            lab_b, _ = _fit(Xs[idx], k_star, method, random_state + b + 1, boot_init)
            runs.append(float(adjusted_rand_score(ref[idx], lab_b)))
    stability = float(np.mean(runs)) if runs else float("nan")
    if runs and stability < STABILITY_WARN:
        notes.append(f"segments are not stable: refitting on {n_bootstrap} subsamples of "
                     f"{int(100 * subsample)}% of customers reproduces them with a mean adjusted Rand index of "
                     f"{stability:.2f} (below {STABILITY_WARN}); treat the segment boundaries as indicative.")

    # canonical numbering (in canonical row order, so ties break the same way for any input order),
    # then back to input order
    rev = _revenue(revenue, features, context)
    ref = _relabel(ref, k_star, None if rev is None else rev.to_numpy(dtype="float64", na_value=0.0)[order])
    lab = np.empty(n, dtype=np.int64)
    lab[order] = ref
    labels = pd.Series(lab, index=features.index, name="segment")

    sizes = np.bincount(lab, minlength=k_star + 1)[1:]
    small = [j + 1 for j, s in enumerate(sizes) if s < max(MIN_PER_SEGMENT, 0.02 * n)]
    if small:
        notes.append(f"segment(s) {', '.join(map(str, small))} hold fewer than 2% of customers "
                     f"({', '.join(str(int(sizes[j - 1])) for j in small)}): probably outliers rather than a "
                     "segment to act on.")

    medians_z = prep.Z.groupby(labels).median().reindex(range(1, k_star + 1))
    medians_z.index.name = "segment"
    lift = None
    if rev is not None and float(np.nansum(rev.to_numpy(dtype="float64", na_value=np.nan))) > 0:
        rs = rev.fillna(0.0).groupby(labels).sum().reindex(range(1, k_star + 1), fill_value=0.0)
        cs = labels.value_counts().reindex(range(1, k_star + 1), fill_value=0) / n
        lift = (rs / rs.sum()) / cs.where(cs > 0)
    names = _name_segments(medians_z, lang, lift)
    profiles = _profiles(features, prep, labels, k_star, rev, context, names, lang)

    # 2-D projection for the scatter (PCA on the preprocessed matrix, seeded sample of points)
    from sklearn.decomposition import PCA

    n_comp = min(2, X.shape[1])
    pca = PCA(n_components=n_comp, svd_solver="full").fit(Xs)
    # the sample is drawn in canonical row order, so the figure does not depend on the input order either
    keep = np.arange(n) if n <= PROJECTION_MAX else np.sort(
        order[np.random.default_rng(random_state).choice(n, PROJECTION_MAX, replace=False)])
    pcs = pca.transform(X[keep])
    if n_comp == 1:
        pcs = np.column_stack([pcs, np.zeros(len(keep))])
    projection = pd.DataFrame({"pc1": pcs[:, 0], "pc2": pcs[:, 1], "segment": lab[keep]},
                              index=features.index[keep])
    ev = tuple(float(v) for v in pca.explained_variance_ratio_) + (0.0,) * (2 - n_comp)

    for msg in notes:
        warnings.warn(msg, StatisticalWarning, stacklevel=3)
    return SegmentationResult(
        labels=labels, k=k_star, scores=scores, stability=stability, profiles=profiles, names=names,
        method=method, k_rule=rule, chosen_by=chosen_by, k_range=(ks[0], ks[-1]), stability_runs=tuple(runs),
        medians_z=medians_z, projection=projection, explained_variance=ev[:2], preprocessing=prep.table,
        imputed=pd.Series(prep.imputed, index=features.index, name="imputed"),
        features=tuple(prep.numeric), categorical=tuple(prep.categorical), lang=lang,
        random_state=random_state, k_tolerance=k_tolerance, elapsed_seconds=time.perf_counter() - t0,
        warnings=tuple(notes))


def _revenue(revenue, features: pd.DataFrame, context: pd.DataFrame | None) -> pd.Series | None:
    if revenue is None:
        return None
    if isinstance(revenue, pd.Series):
        return revenue.reindex(features.index).astype("float64")
    if revenue in features.columns and pd.api.types.is_numeric_dtype(features[revenue]):
        return features[revenue].astype("float64")
    if context is not None and revenue in context.columns:
        return context[revenue].reindex(features.index).astype("float64")
    return None


# ------------------------------------------------------------------------------------------ tables

def crosstab(result: SegmentationResult, other: pd.Series, normalize: bool | str = False,
             lang: str | None = None, margins: bool = True) -> pd.DataFrame:
    """Segment x another grouping (e.g. value tier) of the same customers.

    Parameters
    ----------
    result : SegmentationResult
    other : Series
        Indexed like ``result.labels`` (e.g. ``wb.customers["tier"]``); tier codes core/key/ordinary are
        shown in the report language and ordered core, key, ordinary.
    normalize : False, "index" or "columns"
        Counts, or shares within each segment (``"index"``) or within each column group (``"columns"``).
    lang : {"zh", "en"}, optional
        Display language (default: the result's).
    margins : bool
        Add a total row and column (counts only).

    Returns
    -------
    DataFrame
        Rows ``"<number> <name>"`` per segment, columns the groups.
    """
    from .i18n import TIERS, tier_label

    lang = lang or result.lang
    o = other.reindex(result.labels.index)
    tab = pd.crosstab(result.labels, o.astype("string").fillna(_MISSING))
    cols = [c for c in TIERS if c in tab.columns] + [c for c in tab.columns if c not in TIERS]
    tab = tab[cols]
    if normalize == "index":
        tab = tab.div(tab.sum(axis=1), axis=0)
    elif normalize == "columns":
        tab = tab.div(tab.sum(axis=0), axis=1)
    elif margins:
        tab.loc["__total__"] = tab.sum(axis=0)
        tab[_t("segmentation.total", lang)] = tab.sum(axis=1)
    tab.index = [_t("segmentation.total", lang) if j == "__total__" else f"{j} {result.names.get(int(j), '')}"
                 for j in tab.index]
    tab.index.name = _t("segmentation.segment", lang)
    tab.columns = [tier_label(c, lang) for c in tab.columns]
    tab.columns.name = None
    return tab


def segment_table(result: SegmentationResult, lang: str | None = None, formatted: bool = True,
                  max_features: int | None = None) -> pd.DataFrame:
    """Segment table for reports: name, customers, shares, revenue, feature medians, over-representation.

    With ``formatted`` the numbers are display strings (:func:`kamlib.fmt.format_frame`) and the columns
    carry labels in ``lang``.
    """
    lang = lang or result.lang
    p = result.profiles.copy()
    feats = list(result.features)[:max_features] if max_features else list(result.features)
    top = [c for c in p.columns if c.startswith("top_") and (p[c] != "").any()]   # skip empty columns
    base = ["name", "customers", "customer_share"] + [c for c in ("revenue", "revenue_share") if c in p.columns]
    p = p[base + [c for c in feats if c not in base] + top]
    if not formatted:
        return p
    formats = {"customers": "int", "customer_share": "pct", "revenue": "money", "revenue_share": "pct"}
    for c in feats:
        if c in MONEY_COLUMNS:
            formats[c] = "money"
        elif c in ("margin", "late_share", "revenue_growth", "revenue_yoy", "revenue_share", "profit_share"):
            formats[c] = "pct"
        elif c in ("order_count", "recency_days", "tenure_days", "days_to_pay", "dso"):
            formats[c] = "int"
    labels = {c: _t(f"segmentation.{c}", lang) for c in ("name", "customers", "customer_share", "revenue",
                                                         "revenue_share") if c in p.columns}
    for c in feats:
        if c not in labels:
            labels[c] = feature_label(c, lang) + (" (中位数)" if lang == "zh" else " (median)")
    for c in top:
        labels[c] = f"{_t('segmentation.overrepresented', lang)}: {feature_label(c[4:], lang)}"
    out = fmt.format_frame(p, formats, lang=lang, labels=labels)
    out.index.name = _t("segmentation.segment", lang)
    return out


def scores_table(result: SegmentationResult, lang: str | None = None) -> pd.DataFrame:
    """The k-selection indices side by side, formatted, with the chosen k marked."""
    lang = lang or result.lang
    s = result.scores.copy()
    chosen = s.pop("chosen")
    out = pd.DataFrame(index=s.index)
    for c in s.columns:
        digits = 3 if c in ("silhouette", "davies_bouldin") else 0
        out[_t(f"segmentation.{c}", lang)] = [fmt.number(v, digits, lang) for v in s[c]]
    out[_t("segmentation.chosen", lang)] = ["✓" if c else "" for c in chosen]
    out.index.name = "k"
    return out


# ------------------------------------------------------------------------------------------ narrative

def _stability_word(stab: float, lang: str) -> str:
    if not np.isfinite(stab):
        return "未评估" if lang == "zh" else "not assessed"
    if stab >= 0.9:
        return "非常稳定" if lang == "zh" else "very stable"
    if stab >= STABILITY_WARN:
        return "较稳定" if lang == "zh" else "reasonably stable"
    return "不稳定，细分边界仅供参考" if lang == "zh" else "unstable: treat the boundaries as indicative"


def sentences(result: SegmentationResult, lang: str | None = None, max_traits: int = 3) -> str:
    """Markdown narrative built from the numbers: how k was chosen, stability, and one line per segment."""
    lang = lang or result.lang
    _check_lang(lang)
    zh = lang == "zh"
    li = 0 if zh else 1
    r = result
    rule = _RULE_TEXT[r.chosen_by][li].format(tol=r.k_tolerance)
    method = _METHOD_TEXT[r.method][li]
    sil = r.scores.loc[r.k, "silhouette"] if r.k in r.scores.index else np.nan
    lo, hi = r.k_range
    if zh:
        how = ("k 由参数指定" if r.chosen_by == "given" else f"在 k = {lo}–{hi} 中按{rule}选定")
        head = f"用 {method}将 {fmt.integer(r.n)} 家客户分为 **{r.k} 个细分**：{how}（轮廓系数 {fmt.number(sil, 2)}）。"
        head += (f"在 {len(r.stability_runs)} 次 80% 子样本重抽中，细分结果的平均调整兰德指数为 "
                 f"{fmt.number(r.stability, 2)}，{_stability_word(r.stability, lang)}。"
                 if r.stability_runs else "未做稳定性检验。")
    else:
        how = ("k set in the params file" if r.chosen_by == "given" else f"k chosen from {lo}–{hi} by the {rule}")
        head = (f"{method[:1].upper() + method[1:]} splits {fmt.integer(r.n)} customers into **{r.k} segments**, "
                f"{how} (silhouette {fmt.number(sil, 2)}). ")
        head += (f"Refitted on {len(r.stability_runs)} subsamples of 80% of customers, the segments are "
                 f"reproduced with a mean adjusted Rand index of {fmt.number(r.stability, 2)}: "
                 f"{_stability_word(r.stability, lang)}." if r.stability_runs else "Stability was not assessed.")
    lines = [head, ""]
    p = r.profiles
    for j in p.index:
        row = p.loc[j]
        share = fmt.pct(row["customer_share"], 1)
        if "revenue_share" in p.columns:
            rev = (f"，贡献 {fmt.pct(row['revenue_share'], 1)} 的收入" if zh
                   else f", {fmt.pct(row['revenue_share'], 1)} of revenue")
        else:
            rev = ""
        z = r.medians_z.loc[j].dropna() if j in r.medians_z.index else pd.Series(dtype=float)
        # the features on which the segment differs most from the book (largest |standardized median|)
        z = z.sort_values(key=np.abs, ascending=False).head(max_traits)
        traits = [_feature_value(c, row[c] if c in row.index else np.nan, lang) for c in z.index]
        tail = ""
        if traits:
            tail = ("；中位数：" + "，".join(traits)) if zh else ("; medians: " + ", ".join(traits))
        tops = [str(row[c]) for c in p.columns if c.startswith("top_") and row[c]]
        if tops:
            tail += ("；偏多：" + "，".join(tops)) if zh else ("; over-represented: " + ", ".join(tops))
        if zh:
            lines.append(f"- **{j}. {row['name']}**：{fmt.integer(row['customers'])} 家客户（{share}）{rev}{tail}。")
        else:
            lines.append(f"- **{j}. {row['name']}**: {fmt.integer(row['customers'])} customers ({share}){rev}{tail}.")
    return "\n".join(lines)


def _feature_value(c: str, v, lang: str) -> str:
    lab = feature_label(c, lang)
    if c in MONEY_COLUMNS:
        s = fmt.money(v, lang)
    elif c in ("margin", "late_share", "revenue_growth", "revenue_yoy"):
        s = fmt.pct(v, 1)
    elif c in ("order_count", "recency_days", "tenure_days", "days_to_pay", "dso"):
        s = fmt.integer(v)
    else:
        s = fmt.number(v, 2)
    return f"{lab} {s}"


def overrepresented_table(result: SegmentationResult, context: pd.DataFrame, columns: Sequence[str] | None = None,
                          lang: str | None = None, top: int = 3) -> pd.DataFrame:
    """:func:`overrepresented`, at most ``top`` levels per segment and attribute, formatted for reports."""
    lang = lang or result.lang
    o = overrepresented(result, context, columns)
    o = o.groupby(["segment", "attribute"], sort=False).head(top)
    o = o.assign(attribute=[feature_label(a, lang) for a in o["attribute"]])
    zh = lang == "zh"
    labels = {"segment": _t("segmentation.segment", lang), "name": _t("segmentation.name", lang),
              "attribute": "属性" if zh else "Attribute", "level": "类别" if zh else "Category",
              "customers": _t("segmentation.customers", lang),
              "share_in_segment": "细分内占比" if zh else "Share in segment",
              "overall_share": "整体占比" if zh else "Overall share", "lift": "倍数" if zh else "Lift"}
    out = fmt.format_frame(o, {"customers": "int", "share_in_segment": "pct", "overall_share": "pct",
                               "lift": "number"}, lang=lang, labels=labels)
    out[labels["segment"]] = [str(v) for v in o["segment"]]
    return out.reset_index(drop=True)


def preprocessing_table(result: SegmentationResult, lang: str | None = None) -> pd.DataFrame:
    """How each input column entered the clustering: transform, robust centre and scale, weight, imputed."""
    lang = lang or result.lang
    zh = lang == "zh"
    p = result.preprocessing.copy()
    p.index = [feature_label(c, lang) for c in p.index]
    p["used"] = [("是" if u else "否") if zh else ("yes" if u else "no") for u in p["used"]]
    if zh:
        p["kind"] = p["kind"].map({"numeric": "数值", "categorical": "类别"})
        p["transform"] = [t.replace("one-hot", "独热编码").replace("levels", "类") .replace("none", "无")
                          for t in p["transform"]]
    labels = {"kind": "类型" if zh else "Kind", "transform": "变换" if zh else "Transform",
              "center": "中心（中位数）" if zh else "Centre (median)", "scale": "尺度（IQR）" if zh else "Scale (IQR)",
              "weight": "权重" if zh else "Weight", "n_imputed": "中位数填补数" if zh else "Imputed (median)",
              "used": "使用" if zh else "Used"}
    out = fmt.format_frame(p, {"n_imputed": "int"}, lang=lang, labels=labels)
    out.index.name = "特征" if zh else "Feature"
    return out


def crosstab_sentence(result: SegmentationResult, other: pd.Series, lang: str | None = None) -> str:
    """One sentence per tier: which segment holds most of its customers (numbers from :func:`crosstab`)."""
    from .i18n import TIERS, tier_label

    lang = lang or result.lang
    zh = lang == "zh"
    o = other.reindex(result.labels.index)
    tab = pd.crosstab(result.labels, o.astype("string"))
    parts = []
    for t in [c for c in TIERS if c in tab.columns] + [c for c in tab.columns if c not in TIERS]:
        col = tab[t]
        if col.sum() == 0:
            continue
        j = int(col.idxmax())
        share = col[j] / col.sum()
        name = result.names.get(j, "")
        if zh:
            parts.append(f"{tier_label(t, lang)}客户 {fmt.integer(col.sum())} 家，其中 {fmt.pct(share, 0)} 属于细分 {j}「{name}」")
        else:
            parts.append(f"of the {fmt.integer(col.sum())} {tier_label(t, lang)} accounts, {fmt.pct(share, 0)} are "
                         f"in segment {j} ({name})")
    if not parts:
        return ""
    return ("；".join(parts) + "。") if zh else (parts[0][:1].upper() + parts[0][1:] + "; " + "; ".join(parts[1:])
                                                 + ".").replace("; .", ".")


def method_sentence(result: SegmentationResult, lang: str | None = None) -> str:
    """How the features were prepared, how k was chosen and how stable the result is (numbers from the result)."""
    lang = lang or result.lang
    zh = lang == "zh"
    pp = result.preprocessing
    logs = [feature_label(c, lang) for c in pp.index[(pp["transform"] == "log1p") & pp["used"]]]
    cats = [feature_label(c, lang) for c in result.categorical]
    dropped = [feature_label(c, lang) for c in pp.index[~pp["used"].astype(bool)]]
    n_imp = int(result.imputed.sum())
    runs = np.asarray(result.stability_runs)
    rule = _RULE_TEXT[result.chosen_by][0 if zh else 1].format(tol=result.k_tolerance)
    sep = "、" if zh else ", "
    if zh:
        parts = [f"金额等偏态指标（{sep.join(logs)}）先取 log1p" if logs else "未做对数变换",
                 f"再按中位数和四分位距做稳健标准化（截断于 ±{CLIP_Z:g}）"]
        if cats:
            parts.append(f"类别特征（{sep.join(cats)}）独热编码并加权")
        text = "，".join(parts) + "。"
        text += (f"{fmt.integer(n_imp)} 家客户（{fmt.pct(n_imp / max(result.n, 1), 1)}）有缺失指标，以中位数填补并保留。"
                 if n_imp else "没有缺失指标。")
        if dropped:
            text += f"未使用的特征：{sep.join(dropped)}（全部缺失或为常数）。"
        text += f"k 的选择规则：{rule}。"
        if len(runs):
            text += (f"稳定性：{len(runs)} 次 80% 子样本重拟合，调整兰德指数均值 {fmt.number(runs.mean(), 2)}，"
                     f"最低 {fmt.number(runs.min(), 2)}（≥ 0.9 非常稳定，< {STABILITY_WARN:g} 不稳定）。")
        return text
    parts = [f"Skewed amounts ({sep.join(logs)}) were log1p-transformed" if logs else "No log transform",
             f"then robust-scaled by median and IQR (clipped at ±{CLIP_Z:g})"]
    if cats:
        parts.append(f"categorical features ({sep.join(cats)}) one-hot encoded with weights")
    text = ", ".join(parts) + ". "
    text += (f"{fmt.integer(n_imp)} customers ({fmt.pct(n_imp / max(result.n, 1), 1)}) had missing indicators, "
             "imputed with the median and kept. " if n_imp else "No indicator was missing. ")
    if dropped:
        text += f"Not used: {sep.join(dropped)} (empty or constant). "
    text += f"Rule for k: {rule}. "
    if len(runs):
        text += (f"Stability: {len(runs)} refits on 80% subsamples, mean adjusted Rand index "
                 f"{fmt.number(runs.mean(), 2)}, lowest {fmt.number(runs.min(), 2)} (≥ 0.9 very stable, "
                 f"< {STABILITY_WARN:g} unstable).")
    return text.strip()
