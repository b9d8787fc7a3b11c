"""The fitted segmentation result."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..i18n import Message


@dataclass(frozen=True, eq=False)
class SegmentationResult:
    """A fitted segmentation (see the package docstring for every step).

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
    warnings : tuple of kamlib.i18n.Message
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
    warnings: tuple[Message, ...] = ()

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
        from .tables import segment_table

        return segment_table(self).to_html(escape=True)
