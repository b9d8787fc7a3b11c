"""The segmentation pipeline: preprocessing, choice of k, stability, profiles and names."""
from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParamsError, StatisticalWarning
from ..i18n import Message
from .constants import K_RULES, MAX_LEVELS, METHODS, MIN_PER_SEGMENT, PROJECTION_MAX, STABILITY_WARN, WARD_MAX_N
from .features import prepare
from .fitting import SilhouetteSample, choose_k, feasible_range, fit_labels, k_scores, relabel
from .labels import check_lang
from .naming import name_segments
from .profiles import profile_segments
from .result import SegmentationResult


def segment(features: pd.DataFrame, *, k: int | None = None, k_range: tuple[int, int] = (2, 8),
            method: str = "kmeans", random_state: int = 0, n_bootstrap: int = 20,
            silhouette_sample: int = 3000, lang: str = "zh", k_rule: str = "auto", k_tolerance: float = 0.02,
            categorical: Sequence[str] = (), categorical_weight: float = 1.0, log_columns="auto",
            feature_weights: Mapping[str, float] | None = None, context: pd.DataFrame | None = None,
            revenue: pd.Series | str | None = "revenue",
            n_init: int | None = None, subsample: float = 0.8, n_threads: int | None = 1) -> SegmentationResult:
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
        How k is chosen (package docstring); ``"auto"`` is ``"bic"`` for GMM and ``"silhouette"`` otherwise.
    k_tolerance : float
        Silhouette margin within which the smaller k is preferred.
    categorical : sequence of str
        Columns to treat as categorical even if numeric (e.g. coded size bands).
    categorical_weight : float
        Squared distance between two customers in different categories of one categorical feature.
    log_columns : "auto" or sequence of str
        Columns that get the sign-preserving log1p (``"auto"``: money amounts and skewed non-negative ones).
    feature_weights : mapping, optional
        Feature -> weight multiplying its scaled values (default 1; for a categorical feature it replaces
        ``categorical_weight``). Down-weight noisy indicators (e.g. a short-window growth slope).
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
    n_threads : int, optional
        Math threads for k-means (the OpenMP / BLAS thread pools); ``None`` lifts the limit. The default 1
        is fastest on a small shared machine, where OpenMP spin-waiting makes multi-threaded fits slower
        (benchmarks/bench_pack.py); ``kam run`` gets its parallelism from building regions side by side.
        The labels do not depend on it.

    Returns
    -------
    SegmentationResult

    Raises
    ------
    AnalysisError
        Too few customers for the smallest k (or for the given k); Ward on more than 5,000 customers.
    ParamsError
        Unknown method, rule or language, or an invalid k range or thread count.
    """
    t0 = time.perf_counter()
    check_lang(lang)
    if method not in METHODS:
        raise ParamsError(f"segmentation: method must be one of {', '.join(METHODS)}, got {method!r}")
    if k_rule not in K_RULES:
        raise ParamsError(f"segmentation: k_rule must be one of {', '.join(K_RULES)}, got {k_rule!r}")
    rule = ("bic" if method == "gmm" else "silhouette") if k_rule == "auto" else k_rule
    if rule == "bic" and method != "gmm":
        raise ParamsError("segmentation: k_rule='bic' needs method='gmm' (BIC is a likelihood criterion)")
    if n_threads is not None and n_threads < 1:
        raise ParamsError(f"segmentation: n_threads must be a positive integer or None, got {n_threads!r}")
    if not isinstance(features, pd.DataFrame):
        features = pd.DataFrame(features)
    n = len(features)
    notes: list[Message] = []
    ks = feasible_range(n, k, (k_range[0], k_range[1]), notes)
    if method == "ward" and n > WARD_MAX_N:
        raise AnalysisError(Message("segmentation.e.ward_too_big", {"n": n, "max": WARD_MAX_N}))
    settings = _Settings(
        k=k, ks=tuple(ks), rule=rule, method=method, random_state=random_state, n_bootstrap=n_bootstrap,
        silhouette_sample=silhouette_sample, lang=lang, k_tolerance=k_tolerance, categorical=tuple(categorical),
        categorical_weight=categorical_weight, log_columns=log_columns, feature_weights=feature_weights,
        n_init=n_init if n_init is not None else (10 if n <= 20000 else 4), subsample=subsample)

    import sklearn.cluster  # noqa: F401  (load the OpenMP/BLAS runtimes first, so the limit applies to them)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads):
        return _segment(features, context, revenue, settings, notes, t0)


@dataclass(frozen=True)
class _Settings:
    """The checked options of one :func:`segment` call (``ks``: the feasible k values, ``rule``: the
    resolved k rule, ``n_init``: the resolved restarts)."""

    k: int | None
    ks: tuple[int, ...]
    rule: str
    method: str
    random_state: int
    n_bootstrap: int
    silhouette_sample: int
    lang: str
    k_tolerance: float
    categorical: tuple[str, ...]
    categorical_weight: float
    log_columns: Any
    feature_weights: Mapping[str, float] | None
    n_init: int
    subsample: float


def _segment(features: pd.DataFrame, context: pd.DataFrame | None, revenue: pd.Series | str | None,
             s: _Settings, notes: list[Message], t0: float) -> SegmentationResult:
    n = len(features)
    prep = prepare(features, s.categorical, s.log_columns, s.categorical_weight, MAX_LEVELS, s.feature_weights)
    notes.extend(prep.notes)
    X = prep.X
    # canonical row order (sorted by the feature values), so a reordered input gives the same fit
    order = np.lexsort(X.T[::-1])
    Xs = np.ascontiguousarray(X[order])
    scores, fits = _fit_all(Xs, s)
    if s.k is not None:
        k_star, chosen_by = int(s.k), "given"
    else:
        scores_for_rule = scores if s.method == "gmm" else scores.assign(bic=np.nan)
        k_star, chosen_by = choose_k(scores_for_rule, s.rule, s.k_tolerance), s.rule
    scores["chosen"] = scores.index == k_star
    ref = fits[k_star]
    runs = _stability_runs(Xs, ref, k_star, s)
    stability = float(np.mean(runs)) if runs else float("nan")
    if runs and stability < STABILITY_WARN:
        notes.append(Message("segmentation.w.unstable", {"runs": s.n_bootstrap, "pct": int(100 * s.subsample),
                                                            "ari": stability, "min": STABILITY_WARN}))

    # canonical numbering (in canonical row order, so ties break the same way for any input order),
    # then back to input order
    rev = _revenue(revenue, features, context)
    ref = relabel(ref, k_star, None if rev is None else rev.to_numpy(dtype="float64", na_value=0.0)[order])
    lab = np.empty(n, dtype=np.int64)
    lab[order] = ref
    labels = pd.Series(lab, index=features.index, name="segment")

    sizes = np.bincount(lab, minlength=k_star + 1)[1:]
    small = [j + 1 for j, sz in enumerate(sizes) if sz < max(MIN_PER_SEGMENT, 0.02 * n)]
    if small:
        notes.append(Message("segmentation.w.small", {"segments": ", ".join(map(str, small)),
                                                         "sizes": ", ".join(str(int(sizes[j - 1])) for j in small)}))

    medians_z = prep.Z.groupby(labels).median().reindex(range(1, k_star + 1))
    medians_z.index.name = "segment"
    lift = None
    if rev is not None and float(np.nansum(rev.to_numpy(dtype="float64", na_value=np.nan))) > 0:
        rs = rev.fillna(0.0).groupby(labels).sum().reindex(range(1, k_star + 1), fill_value=0.0)
        cs = labels.value_counts().reindex(range(1, k_star + 1), fill_value=0) / n
        lift = (rs / rs.sum()) / cs.where(cs > 0)
    names = name_segments(medians_z, s.lang, lift)
    profiles = profile_segments(features, prep, labels, k_star, rev, context, names, s.lang)
    projection, ev = _projection(X, Xs, order, lab, features.index, s.random_state)

    for msg in notes:
        warnings.warn(StatisticalWarning(msg), stacklevel=3)
    return SegmentationResult(
        labels=labels, k=k_star, scores=scores, stability=stability, profiles=profiles, names=names,
        method=s.method, k_rule=s.rule, chosen_by=chosen_by, k_range=(s.ks[0], s.ks[-1]),
        stability_runs=tuple(runs), medians_z=medians_z, projection=projection, explained_variance=ev,
        preprocessing=prep.table, imputed=pd.Series(prep.imputed, index=features.index, name="imputed"),
        features=tuple(prep.numeric), categorical=tuple(prep.categorical), lang=s.lang,
        random_state=s.random_state, k_tolerance=s.k_tolerance, elapsed_seconds=time.perf_counter() - t0,
        warnings=tuple(notes))


def _fit_all(Xs: np.ndarray, s: _Settings) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """One fit per candidate k (rows in canonical order): the k-selection scores and the labels per k."""
    linkage = None
    if s.method == "ward":
        from scipy.cluster.hierarchy import linkage as _linkage

        linkage = _linkage(Xs, method="ward")
    fits: dict[int, np.ndarray] = {}
    rows = []
    sil = SilhouetteSample(Xs, s.silhouette_sample, s.random_state)
    for kk in s.ks:
        lab, bic = fit_labels(Xs, kk, s.method, s.random_state, s.n_init, linkage)
        fits[kk] = lab
        row = {"k": kk, **k_scores(Xs, lab, sil)}
        if s.method == "gmm":
            row["bic"] = bic
        rows.append(row)
    return pd.DataFrame(rows).set_index("k"), fits


def _stability_runs(Xs: np.ndarray, ref: np.ndarray, k: int, s: _Settings) -> list[float]:
    """ARI of refits on seeded subsamples against the full partition on the same customers."""
    runs: list[float] = []
    if s.n_bootstrap <= 0:
        return runs
    from sklearn.metrics import adjusted_rand_score

    n = len(Xs)
    m = min(max(int(round(s.subsample * n)), MIN_PER_SEGMENT * k), n)
    boot_init = max(1, min(s.n_init, 4))
    for b in range(s.n_bootstrap):
        rng = np.random.default_rng([s.random_state, b])
        idx = np.sort(rng.choice(n, size=m, replace=False))
        lab_b, _ = fit_labels(Xs[idx], k, s.method, s.random_state + b + 1, boot_init)
        runs.append(float(adjusted_rand_score(ref[idx], lab_b)))
    return runs


def _projection(X: np.ndarray, Xs: np.ndarray, order: np.ndarray, lab: np.ndarray, index: pd.Index,
                random_state: int) -> tuple[pd.DataFrame, tuple[float, float]]:
    """2-D projection for the scatter (PCA on the preprocessed matrix, seeded sample of points) and the
    variance shares of its two components."""
    from sklearn.decomposition import PCA

    n = len(X)
    n_comp = min(2, X.shape[1])
    pca = PCA(n_components=n_comp, svd_solver="full").fit(Xs)
    # the sample is drawn in canonical row order, so the figure does not depend on the input order either
    keep = np.arange(n) if n <= PROJECTION_MAX else np.sort(
        order[np.random.default_rng(random_state).choice(n, PROJECTION_MAX, replace=False)])
    pcs = pca.transform(X[keep])
    if n_comp == 1:
        pcs = np.column_stack([pcs, np.zeros(len(keep))])
    projection = pd.DataFrame({"pc1": pcs[:, 0], "pc2": pcs[:, 1], "segment": lab[keep]}, index=index[keep])
    ev = tuple(float(v) for v in pca.explained_variance_ratio_) + (0.0,) * (2 - n_comp)
    return projection, (ev[0], ev[1])


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
