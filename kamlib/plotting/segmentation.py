"""Figures for kamlib.segmentation results: k selection, PCA scatter, profile heatmap, size vs revenue.

Every function draws what a :class:`kamlib.segmentation.SegmentationResult` already holds (scores,
projection, standardized medians, profiles); nothing is refitted here.
"""
from __future__ import annotations

import numpy as np
import seaborn as sns

from .. import fmt
from ._axes import percent_axis
from ._theme import PALETTE, get_ax

__all__ = ["plot_k_selection", "plot_segment_projection", "plot_profile_heatmap", "plot_segment_shares",
           "segment_colors"]


def _lang(result, lang):
    return lang or getattr(result, "lang", "zh")


def _label(key: str, lang: str) -> str:
    from ..segmentation import LABELS

    return LABELS[key][lang]


def segment_colors(result) -> dict[int, tuple]:
    """One colour per segment number, the same in every segmentation figure.

    Parameters
    ----------
    result : kamlib.segmentation.SegmentationResult

    Returns
    -------
    dict of int to RGB tuple
        Segment number (1 to ``result.k``) -> colour of the report palette.
    """
    pal = sns.color_palette(PALETTE, n_colors=max(result.k, 1))
    return {j: pal[(j - 1) % len(pal)] for j in range(1, result.k + 1)}


def plot_k_selection(result, ax=None, lang: str | None = None, **kws):
    """The k-selection indices side by side, each rescaled to 0-1 with 1 = best, chosen k marked.

    Silhouette and Calinski-Harabasz are better when higher, Davies-Bouldin and BIC when lower (those are
    flipped), so all lines read "higher is better". Raw values: ``segmentation.scores_table(result)``.

    Parameters
    ----------
    result : kamlib.segmentation.SegmentationResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}, optional
        Defaults to the result's ``lang``.
    **kws
        ``figsize`` sizes a new figure; the rest is passed to the ``ax.plot`` call of each index.

    Returns
    -------
    Axes
    """
    lang = _lang(result, lang)
    ax = get_ax(ax, figsize=kws.pop("figsize", None))
    s = result.scores
    markers = {"silhouette": "o", "calinski_harabasz": "s", "davies_bouldin": "^", "bic": "D"}
    for col, mk in markers.items():
        if col not in s.columns or s[col].isna().all():
            continue
        v = s[col].astype(float)
        if col in ("davies_bouldin", "bic"):
            v = -v
        rng = v.max() - v.min()
        v = (v - v.min()) / rng if rng > 0 else v * 0 + 1.0
        ax.plot(s.index, v, marker=mk, label=_label(f"segmentation.{col}", lang), **kws)
    ax.axvline(result.k, color="0.3", linestyle="--", linewidth=1,
               label=f"{_label('segmentation.chosen', lang)}: k = {result.k}")
    ax.set_xticks(list(s.index))
    ax.set_xlabel("k")
    ax.set_ylabel(_label("segmentation.relative_score", lang))
    ax.set_ylim(-0.05, 1.1)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(_label("segmentation.k_choice", lang))
    return ax


def plot_segment_projection(result, ax=None, lang: str | None = None, s: float = 12, alpha: float = 0.6,
                            **kws):
    """Customers on the first two principal components of the preprocessed features, coloured by segment.

    Parameters
    ----------
    result : kamlib.segmentation.SegmentationResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}, optional
        Defaults to the result's ``lang``.
    s : float
        Marker size.
    alpha : float
        Marker opacity.
    **kws
        ``figsize`` sizes a new figure (default (7, 5.5)); the rest is passed to ``ax.scatter``.

    Returns
    -------
    Axes
    """
    lang = _lang(result, lang)
    ax = get_ax(ax, figsize=kws.pop("figsize", (7, 5.5)))
    p = result.projection
    colors = segment_colors(result)
    for j in range(1, result.k + 1):
        pts = p[p["segment"] == j]
        if len(pts):
            ax.scatter(pts["pc1"], pts["pc2"], s=s, alpha=alpha, color=colors[j], linewidths=0,
                       label=f"{j}. {result.names.get(j, '')}", **kws)
    ev1, ev2 = result.explained_variance
    pc = _label("segmentation.pc", lang)
    ax.set_xlabel(f"{pc}1 ({100 * ev1:.0f}%)")
    ax.set_ylabel(f"{pc}2 ({100 * ev2:.0f}%)")
    ax.legend(loc="best", fontsize=8, markerscale=1.5)
    title = _label("segmentation.projection", lang)
    if len(p) < result.n:
        title += f" (n = {fmt.integer(len(p))} / {fmt.integer(result.n)})"
    ax.set_title(title)
    return ax


def plot_profile_heatmap(result, ax=None, lang: str | None = None, cmap: str = "RdBu_r", annot: bool = True,
                         **kws):
    """Segments x features: median of the robust-scaled feature (0 = overall median, +/-1 = one IQR).

    Parameters
    ----------
    result : kamlib.segmentation.SegmentationResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}, optional
        Defaults to the result's ``lang``.
    cmap : str
        Diverging colormap, centred on 0.
    annot : bool
        Write each cell's value.
    **kws
        ``figsize`` sizes a new figure; the rest is passed to ``seaborn.heatmap``.

    Returns
    -------
    Axes
    """
    from ..segmentation import feature_label

    lang = _lang(result, lang)
    m = result.medians_z
    ax = get_ax(ax, figsize=kws.pop("figsize", (1.2 * max(m.shape[1], 4) + 2, 0.6 * m.shape[0] + 1.8)))
    data = m.copy()
    data.index = [f"{j}. {result.names.get(j, '')}" for j in m.index]
    data.columns = [feature_label(c, lang) for c in m.columns]
    lim = float(np.nanmax(np.abs(data.to_numpy()))) if data.size else 1.0
    sns.heatmap(data, ax=ax, cmap=cmap, center=0, vmin=-max(lim, 1.0), vmax=max(lim, 1.0), annot=annot,
                fmt=".1f", linewidths=0.5, cbar_kws={"shrink": 0.8}, **kws)
    ax.set_ylabel("")
    ax.set_xlabel("")
    ax.set_title(_label("segmentation.heatmap", lang))
    ax.tick_params(axis="x", rotation=30)
    for t in ax.get_xticklabels():
        t.set_ha("right")
    return ax


def plot_segment_shares(result, ax=None, lang: str | None = None, **kws):
    """Share of customers next to share of revenue per segment (who carries the business).

    Parameters
    ----------
    result : kamlib.segmentation.SegmentationResult
        Its ``profiles``: ``customer_share`` and, when revenue was given, ``revenue_share``.
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}, optional
        Defaults to the result's ``lang``.
    **kws
        ``figsize`` sizes a new figure; the rest is passed to ``seaborn.barplot``.

    Returns
    -------
    Axes
    """
    lang = _lang(result, lang)
    ax = get_ax(ax, figsize=kws.pop("figsize", None))
    p = result.profiles
    cols = ["customer_share"] + (["revenue_share"] if "revenue_share" in p.columns else [])
    d = p[cols].copy()
    d.index = [f"{j}. {result.names.get(j, '')}" for j in p.index]
    d.columns = [_label(f"segmentation.{c}", lang) for c in cols]
    long = d.reset_index(names="seg").melt(id_vars="seg", var_name="measure", value_name="share")
    sns.barplot(data=long, y="seg", x="share", hue="measure", ax=ax, orient="h", **kws)
    for cont in ax.containers:
        ax.bar_label(cont, labels=[fmt.pct(v, digits=0) for v in cont.datavalues], fontsize=8, padding=2)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(0, min(1.0, float(np.nanmax(long["share"])) * 1.2 + 0.02))
    percent_axis(ax, "x", lang)
    ax.legend(title=None, fontsize=8)
    ax.set_title(_label("segmentation.table", lang))
    return ax
