"""One clustering fit per k, the k-selection indices, the rule for k and canonical segment numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParamsError
from ..i18n import Message
from .constants import MIN_PER_SEGMENT


def fit_labels(X: np.ndarray, k: int, method: str, random_state: int, n_init: int, linkage=None
               ) -> tuple[np.ndarray, float]:
    """Labels (0..k-1) and BIC (NaN except GMM) of one fit on X (rows in canonical order).

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix (customers x columns).
    k : int
        Number of segments.
    method : {"kmeans", "gmm", "ward"}
        Clustering method.
    random_state : int
        Seed (k-means and GMM).
    n_init : int
        Restarts (k-means; GMM uses half as many, at least one).
    linkage : numpy.ndarray, optional
        Ward linkage of ``X``, computed once for every k (computed here when missing).

    Returns
    -------
    (numpy.ndarray, float)
        int64 labels 0..k-1 per row, and the BIC (GMM only, else NaN).
    """
    if method == "kmeans":
        from sklearn.cluster import KMeans

        km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X)
        return km.labels_.astype(np.int64), float("nan")
    if method == "gmm":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=k, covariance_type="full", n_init=max(1, n_init // 2),
                             reg_covar=1e-4, random_state=random_state).fit(X)
        return gm.predict(X).astype(np.int64), float(gm.bic(X))
    from scipy.cluster.hierarchy import fcluster
    from scipy.cluster.hierarchy import linkage as _linkage

    Z = _linkage(X, method="ward") if linkage is None else linkage
    return (fcluster(Z, t=k, criterion="maxclust") - 1).astype(np.int64), float("nan")


class SilhouetteSample:
    """The customers ``silhouette_score(X, labels, sample_size=sample, random_state=random_state)`` scores,
    with their pairwise distances computed once.

    Every candidate k is scored on the same seeded sample, so the distances do not depend on k: computing
    them once instead of once per k gives the same scores (tested against ``silhouette_score``) in a
    fraction of the time.
    """

    def __init__(self, X: np.ndarray, sample: int, random_state) -> None:
        from sklearn.metrics import pairwise_distances
        from sklearn.utils import check_random_state

        # the draw silhouette_score makes (all rows when there are no more than `sample`)
        self.idx = (check_random_state(random_state).permutation(len(X))[:sample] if len(X) > sample else None)
        self.distances = pairwise_distances(X if self.idx is None else X[self.idx])

    def score(self, labels: np.ndarray) -> float:
        """Mean silhouette of the sampled customers.

        Parameters
        ----------
        labels : numpy.ndarray
            Segment per row of the full ``X``.

        Returns
        -------
        float
            The mean silhouette (NaN when the sample holds a single segment).
        """
        from sklearn.metrics import silhouette_samples

        try:
            return float(np.mean(silhouette_samples(
                self.distances, labels if self.idx is None else labels[self.idx], metric="precomputed")))
        except ValueError:   # the seeded sample happened to hold a single segment
            return float("nan")


def k_scores(X: np.ndarray, labels: np.ndarray, silhouette: SilhouetteSample) -> dict:
    """The three k-selection indices of one partition.

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix.
    labels : numpy.ndarray
        Segment per row.
    silhouette : SilhouetteSample
        The seeded silhouette sample of ``X``.

    Returns
    -------
    dict
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin`` (NaN for a single segment).
    """
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    n_lab = len(np.unique(labels))
    if n_lab < 2:
        return {"silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan}
    return {"silhouette": silhouette.score(labels), "calinski_harabasz": float(calinski_harabasz_score(X, labels)),
            "davies_bouldin": float(davies_bouldin_score(X, labels))}


def choose_k(scores: pd.DataFrame, rule: str, tol: float) -> int:
    """The k chosen by ``rule`` (package docstring, step 4).

    Parameters
    ----------
    scores : DataFrame
        One row per k (index): ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``bic``.
    rule : {"silhouette", "consensus", "bic"}
        The rule for k.
    tol : float
        Silhouette margin within which the smaller k wins.

    Returns
    -------
    int

    Examples
    --------
    >>> s = pd.DataFrame({"silhouette": [0.50, 0.51, 0.40], "calinski_harabasz": [10.0, 30.0, 20.0],
    ...                   "davies_bouldin": [0.9, 0.8, 1.0], "bic": [np.nan] * 3}, index=[2, 3, 4])
    >>> choose_k(s, "silhouette", 0.02), choose_k(s, "silhouette", 0.0), choose_k(s, "consensus", 0.02)
    (2, 3, 3)
    """
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


def feasible_range(n: int, k: int | None, k_range: tuple[int, int], notes: list[Message]) -> list[int]:
    """The k values to fit: ``k_range`` shrunk to at least :data:`MIN_PER_SEGMENT` customers per segment,
    plus ``k`` when given.

    Parameters
    ----------
    n : int
        Number of customers.
    k : int, optional
        The k set in the params (always fitted).
    k_range : (int, int)
        Smallest and largest k.
    notes : list of str
        Receives a note when the range is shrunk.

    Returns
    -------
    list of int

    Raises
    ------
    ParamsError
        An invalid ``k`` or ``k_range``.
    AnalysisError
        Too few customers for ``k`` or for the smallest k of the range.
    """
    k_lo, k_hi = int(k_range[0]), int(k_range[1])
    if k_lo < 2 or k_hi < k_lo:
        raise ParamsError(f"segmentation: k_range must be two integers 2 <= k_min <= k_max, got {k_range}")
    if k is not None:
        if k < 2:
            raise ParamsError(f"segmentation: k must be at least 2, got {k}")
        if n < MIN_PER_SEGMENT * k:
            raise AnalysisError(Message("segmentation.e.too_few_k", {"n": n, "k": k, "need": MIN_PER_SEGMENT * k,
                                                                      "per": MIN_PER_SEGMENT}))
    max_k = n // MIN_PER_SEGMENT
    if max_k < k_lo:
        raise AnalysisError(Message("segmentation.e.too_few", {"n": n, "k_lo": k_lo, "k_hi": k_hi,
                                                                "need": MIN_PER_SEGMENT * k_lo,
                                                                "per": MIN_PER_SEGMENT}))
    if max_k < k_hi:
        notes.append(Message("segmentation.w.k_shrunk", {"n": n, "k_lo": k_lo, "k_hi": k_hi, "max_k": max_k,
                                                            "per": MIN_PER_SEGMENT}))
        k_hi = max_k
    ks = list(range(k_lo, k_hi + 1))
    if k is not None and k not in ks:
        ks = sorted(set(ks) | {k})
    return ks


def relabel(labels: np.ndarray, k: int, revenue: np.ndarray | None) -> np.ndarray:
    """Canonical numbering 1..k: by segment revenue (desc), then size (desc), then first occurrence.

    Parameters
    ----------
    labels : numpy.ndarray
        Labels 0..k-1 per row.
    k : int
        Number of segments.
    revenue : numpy.ndarray, optional
        Revenue per row (NaN counts as 0).

    Returns
    -------
    numpy.ndarray
        Labels 1..k per row.

    Examples
    --------
    >>> relabel(np.array([0, 0, 1, 2, 2, 2]), 3, None).tolist()
    [2, 2, 3, 1, 1, 1]
    >>> relabel(np.array([0, 0, 1, 2, 2, 2]), 3, np.array([1.0, 1.0, 50.0, 1.0, 1.0, 1.0])).tolist()
    [3, 3, 1, 2, 2, 2]
    """
    present = np.unique(labels)
    size = np.bincount(labels, minlength=k).astype(float)
    first = np.array([np.argmax(labels == j) if j in present else len(labels) for j in range(k)])
    rev = np.zeros(k) if revenue is None else np.bincount(labels, weights=np.nan_to_num(revenue), minlength=k)
    order = np.lexsort((first, -size, -rev))   # last key is primary
    new = np.empty(k, dtype=np.int64)
    new[order] = np.arange(1, k + 1)
    return new[labels]
