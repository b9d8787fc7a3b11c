"""Segmentation input: the feature frame, and its preprocessing (log, robust scaling, imputation,
weighted one-hot encoding) into the design matrix.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParamsError
from ..i18n import Message
from .constants import CLIP_Z, MISSING_LEVEL, MONEY_COLUMNS, OTHER_LEVEL
from .labels import FeatureName


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


@dataclass(frozen=True, eq=False)
class Prepared:
    """The preprocessed design matrix and its report (:func:`prepare`)."""

    X: np.ndarray                 # n x p design matrix (numeric robust-z, then weighted dummies)
    Z: pd.DataFrame               # robust-z of numeric features before imputation (NaN kept), for profiles
    table: pd.DataFrame           # preprocessing report
    imputed: np.ndarray           # bool per row
    numeric: list[str]
    categorical: list[str]
    notes: list[Message]


def _skew(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return 0.0
    s = x.std()
    return 0.0 if s == 0 else float(((x - x.mean()) ** 3).mean() / s ** 3)


def prepare(features: pd.DataFrame, categorical: Sequence[str], log_columns, categorical_weight: float,
            max_levels: int, feature_weights: Mapping[str, float] | None = None) -> Prepared:
    """Preprocess the features into the design matrix (package docstring, step 2).

    Parameters
    ----------
    features : DataFrame
        One row per customer (:func:`build_features`).
    categorical : sequence of str
        Columns treated as categorical even if numeric.
    log_columns : "auto" or sequence of str
        Columns that get the sign-preserving log1p (``"auto"``: money amounts and skewed non-negative ones).
    categorical_weight : float
        Squared distance between two customers in different categories of one categorical feature.
    max_levels : int
        Most levels kept per categorical feature (the rarest are pooled); also the distinct-value count above
        which an unlisted text column is taken for an id and left out.
    feature_weights : mapping, optional
        Feature -> weight multiplying its scaled values.

    Returns
    -------
    Prepared

    Raises
    ------
    ParamsError
        When ``feature_weights`` names a column that is not a feature.
    AnalysisError
        When no feature is usable (all empty or constant).
    """
    notes: list[Message] = []
    feature_weights = dict(feature_weights or {})
    unknown = set(feature_weights) - set(features.columns)
    if unknown:
        raise ParamsError(f"segmentation: feature_weights names {sorted(unknown)}, which are not features; "
                          f"features are {', '.join(map(str, features.columns))}.")
    skipped = []
    for c in features.columns:
        s = features[c]
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            notes.append(Message("segmentation.w.dates", {"feature": FeatureName(c)}))
            skipped.append(c)
        elif (c not in set(categorical) and not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
              and s.nunique(dropna=True) > max_levels):
            # an unlisted text column with many distinct values is an id or a name, not a segment trait
            notes.append(Message("segmentation.w.text_column",
                                 {"feature": FeatureName(c), "n": int(s.nunique(dropna=True))}))
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
            notes.append(Message("segmentation.w.all_missing", {"feature": FeatureName(c)}))
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
            notes.append(Message("segmentation.w.constant", {"feature": FeatureName(c)}))
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
        s = features[c].astype("string").fillna(MISSING_LEVEL)
        counts = s.value_counts()
        n_missing = int((s == MISSING_LEVEL).sum())
        if len(counts) > max_levels:
            keep = set(counts.index[: max_levels - 1])
            s = s.where(s.isin(keep), OTHER_LEVEL)
            notes.append(Message("segmentation.w.pooled", {"feature": FeatureName(c), "levels": len(counts),
                                                              "n": len(counts) - max_levels + 1}))
        levels = sorted(s.unique())
        info = {"column": c, "kind": "categorical", "transform": f"one-hot ({len(levels)} levels) x {w:.3f}",
                "center": np.nan, "scale": np.nan, "weight": w * math.sqrt(2.0), "n_imputed": n_missing,
                "used": len(levels) > 1}
        rows.append(info)
        if len(levels) < 2:
            notes.append(Message("segmentation.w.single_level", {"feature": FeatureName(c)}))
            continue
        codes = pd.Categorical(s, categories=levels).codes
        cols.append(w * (codes[:, None] == np.arange(len(levels))[None, :]).astype("float64"))
    table = pd.DataFrame(rows, columns=["column", "kind", "transform", "center", "scale", "weight", "n_imputed",
                                        "used"]
                         ).set_index("column")
    if not cols:
        raise AnalysisError(Message("segmentation.e.no_feature"))
    X = np.column_stack([c if c.ndim == 2 else c[:, None] for c in cols])
    used_num = [c for c in num if c in zcols]
    Z = pd.DataFrame(zcols, index=features.index, columns=used_num)
    if imputed.any():
        per = [Message("segmentation.w.imputed_n", {"feature": FeatureName(c), "n": int(n)})
               for c, n in table.loc[table["n_imputed"] > 0, "n_imputed"].items() if table.loc[c, "used"]]
        notes.append(Message("segmentation.w.imputed", {"n": int(imputed.sum()), "total": len(features), "per": per}))
    return Prepared(X=X, Z=Z, table=table, imputed=imputed, numeric=used_num,
                    categorical=[c for c in cat if table.loc[c, "used"]], notes=notes)
