"""Figures for kamlib.satisfaction results. They draw what a result holds and never recompute it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._axes import label_points, percent_axis
from ._theme import get_ax

__all__ = ["plot_likert", "plot_item_summary", "plot_nps", "plot_drivers", "plot_importance_performance",
           "plot_wave_change"]

# diverging red → grey → blue for 1..5 (colour-blind safe, neutral clearly distinct)
_LIKERT_COLORS = {1: "#B2182B", 2: "#EF8A62", 3: "#BDBDBD", 4: "#67A9CF", 5: "#2166AC"}


def _lab(key: str, lang: str) -> str:
    from ..satisfaction import LABELS

    return LABELS[f"satisfaction.{key}"][lang]


def _name(code, lang: str, items=None) -> str:
    from ..satisfaction.display import measure_label

    return measure_label(code, lang, items)


def plot_likert(result, ax=None, lang: str = "zh", neutral: str = "split", items=None, **kws):
    """Diverging stacked bar of a :class:`~kamlib.satisfaction.LikertResult` (5-point items).

    Negative answers extend left of zero, positive answers right. ``neutral="split"`` centres the neutral
    share on zero (half each side); ``neutral="separate"`` draws it as its own bar right of the axis so it
    neither inflates nor hides either side.

    Parameters
    ----------
    result : kamlib.satisfaction.LikertResult
        Of a 5-point scale.
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    neutral : {"split", "separate"}
        Where the neutral share is drawn (see above).
    items : mapping, optional
        Item codes -> display names.
    **kws
        Only ``figsize`` is used (size of a new figure).

    Returns
    -------
    Axes

    Raises
    ------
    ValueError
        If ``result.scale`` is not 5.
    """
    sh = result.shares
    if result.scale != 5:
        raise ValueError("plot_likert draws 5-point items")
    labels, items = items, list(sh.index)[::-1]
    ax = get_ax(ax, figsize=kws.pop("figsize", (9, 0.45 * len(items) + 1.5)))
    y = np.arange(len(items))
    s = sh.loc[items].fillna(0.0)
    half = s[3] / 2 if neutral == "split" else 0.0
    left_start = -(s[1] + s[2] + half)
    # left: 1, 2, (half of) 3 ; right: (half of) 3, 4, 5
    segs = [(1, left_start, s[1]), (2, left_start + s[1], s[2])]
    if neutral == "split":
        segs += [(3, -half, s[3])]
    segs += [(4, 0.0 if neutral != "split" else half, s[4]),
             (5, (0.0 if neutral != "split" else half) + s[4], s[5])]
    for lvl, start, width in segs:
        ax.barh(y, width, left=start, color=_LIKERT_COLORS[lvl], edgecolor="white", height=0.7,
                label=_lab(f"likert_{lvl}", lang))
    if neutral == "separate":
        off = 1.0 + 0.05
        ax.barh(y, s[3], left=off, color=_LIKERT_COLORS[3], edgecolor="white", height=0.7,
                label=_lab("likert_3", lang))
        ax.axvline(off - 0.025, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{_name(i, lang, labels)} (n = {int(result.n[i]):,})" for i in items])
    ax.set_xticks(np.array([-1, -0.5, 0, 0.5, 1]))
    percent_axis(ax, "x", lang, absolute=True)
    ax.set_xlim(-1, 1.05 + (1.0 if neutral == "separate" else 0))
    ax.set_xlabel(_lab("share", lang))
    handles, labels = ax.get_legend_handles_labels()
    order = dict(zip(labels, handles, strict=True))
    ax.legend([order[_lab(f"likert_{k}", lang)] for k in (1, 2, 3, 4, 5)],
              [_lab(f"likert_{k}", lang) for k in (1, 2, 3, 4, 5)], ncol=5, loc="upper center",
              bbox_to_anchor=(0.5, -0.15), frameon=False, fontsize="small")
    return ax


def plot_item_summary(result, ax=None, lang: str = "zh", value: str = "top_box", items=None, **kws):
    """Top-box share (or ``value="mean"``) with its interval per item and construct (SummaryResult).

    Constructs are drawn as squares, items as dots; not-estimable rows are left out of the figure.

    Parameters
    ----------
    result : kamlib.satisfaction.SummaryResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    value : {"top_box", "mean"}
        Column drawn, with its ``_lower`` / ``_upper`` interval.
    items : mapping, optional
        Item and construct codes -> display names.
    **kws
        Only ``figsize`` is used (size of a new figure).

    Returns
    -------
    Axes
    """
    t = result.table
    t = t[t["estimable"].astype(bool)]
    ax = get_ax(ax, figsize=kws.pop("figsize", (8, 0.4 * max(len(t), 1) + 1.5)))
    lo, hi = f"{value}_lower", f"{value}_upper"
    names = list(t.index)[::-1]
    y = np.arange(len(names))
    tt = t.loc[names]
    err = np.vstack([tt[value] - tt[lo], tt[hi] - tt[value]])
    is_c = (tt["level"] != "item").to_numpy()
    for mask, marker, color in ((~is_c, "o", "#4C72B0"), (is_c, "s", "#C44E52")):
        if mask.any():
            ax.errorbar(tt[value].to_numpy()[mask], y[mask], xerr=err[:, mask], fmt=marker, color=color,
                        capsize=3)
    ax.set_yticks(y, [_name(n, lang, items) for n in names])
    if value == "top_box":
        percent_axis(ax, "x", lang)
        ax.set_xlabel(_lab("top_2_box", lang))
    else:
        ax.set_xlabel(_lab("performance", lang))
    return ax


def plot_nps(result, ax=None, lang: str = "zh", **kws):
    """Stacked promoter / passive / detractor bar with the NPS and its interval (NPSResult); the title names
    how the NPS was computed (account-level or response-level) with the same number as the tables.

    Parameters
    ----------
    result : kamlib.satisfaction.NPSResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Only ``figsize`` is used (size of a new figure, default (8, 2.2)).

    Returns
    -------
    Axes
    """
    from .. import fmt
    from ..satisfaction.prose import nps_name

    ax = get_ax(ax, figsize=kws.pop("figsize", (8, 2.2)))
    parts = [("detractors", result.detractors, "#D55E00"), ("passives", result.passives, "#BDBDBD"),
             ("promoters", result.promoters, "#009E73")]
    left = 0.0
    for key, share, color in parts:
        share = 0.0 if pd.isna(share) else share
        ax.barh([0], [share], left=left, color=color, label=_lab(key, lang), height=0.6)
        if share > 0.06:
            ax.text(left + share / 2, 0, fmt.pct(share, digits=0), ha="center", va="center", color="white")
        left += share
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    percent_axis(ax, "x", lang)
    name = nps_name(getattr(result, "aggregate", "respondent"), lang)
    title = (f"{name} {fmt.number(result.nps, digits=1)} [{fmt.number(result.ci_lower, digits=1)}, "
             f"{fmt.number(result.ci_upper, digits=1)}], n = {result.n:,}" if result.estimable
             else f"{name} — n = {result.n:,}")
    ax.set_title(title)
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    return ax


def plot_drivers(result, ax=None, lang: str = "zh", items=None, **kws):
    """Ordinal-logit coefficients with intervals, strongest importance on top (DriversResult).

    Parameters
    ----------
    result : kamlib.satisfaction.DriversResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    items : mapping, optional
        Item and construct codes -> display names.
    **kws
        Only ``figsize`` is used (size of a new figure).

    Returns
    -------
    Axes
    """
    s = result.summary.dropna(subset=["coef"])
    ax = get_ax(ax, figsize=kws.pop("figsize", (8, 0.45 * max(len(s), 1) + 1.5)))
    s = s.iloc[::-1]
    y = np.arange(len(s))
    ax.errorbar(s["coef"], y, xerr=np.vstack([s["coef"] - s["ci_lower"], s["ci_upper"] - s["coef"]]),
                fmt="o", capsize=3, color="#4C72B0")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [_name(i, lang, items) for i in s.index])
    ax.set_xlabel(_lab("coef", lang))
    return ax


def plot_importance_performance(result, ax=None, lang: str = "zh", items=None, **kws):
    """Importance × performance quadrant chart of a DriversResult (lines at the mean of each axis).

    Parameters
    ----------
    result : kamlib.satisfaction.DriversResult
        Its ``summary`` with ``importance``, ``performance`` and ``quadrant``.
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    items : mapping, optional
        Item and construct codes -> display names.
    **kws
        Only ``figsize`` is used (size of a new figure, default (7, 6)).

    Returns
    -------
    Axes
    """
    s = result.summary.dropna(subset=["importance", "performance"])
    ax = get_ax(ax, figsize=kws.pop("figsize", (7, 6)))
    colors = {"keep": "#009E73", "focus": "#D55E00", "low": "#999999", "overkill": "#0072B2"}
    names = {"keep": "q_keep", "focus": "q_focus", "low": "q_low", "overkill": "q_overkill"}
    for q, g in s.groupby("quadrant"):
        ax.scatter(g["performance"], g["importance"], s=70, color=colors.get(q, "black"),
                   label=_lab(names[q], lang) if q in names else q)
    label_points(ax, s["performance"], s["importance"], [_name(item, lang, items) for item in s.index])
    ax.axvline(s["performance"].mean(), color="black", lw=0.6, ls="--")
    ax.axhline(s["importance"].mean(), color="black", lw=0.6, ls="--")
    ax.set_xlabel(_lab("performance", lang))
    ax.set_ylabel(_lab("importance", lang))
    percent_axis(ax, "y", lang)
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_wave_change(result, ax=None, lang: str = "zh", measures=None, items=None, **kws):
    """Level per wave with interval for each measure on the 1-5 scale (WaveChangeResult.levels).

    Parameters
    ----------
    result : kamlib.satisfaction.WaveChangeResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    measures : list of str, optional
        Measure codes drawn; default every estimable measure except ``csat`` and ``nps``.
    items : mapping, optional
        Item and construct codes -> display names.
    **kws
        Only ``figsize`` is used (size of a new figure, default (8, 4.5)).

    Returns
    -------
    Axes
    """
    lv = result.levels
    lv = lv[lv["estimable"].astype(bool)]
    if measures is None:
        measures = [m for m in lv["measure"].unique() if m not in ("csat", "nps")]
    lv = lv[lv["measure"].isin(measures)]
    ax = get_ax(ax, figsize=kws.pop("figsize", (8, 4.5)))
    waves = list(result.waves)
    x = {w: i for i, w in enumerate(waves)}
    for j, (m, g) in enumerate(lv.groupby("measure", sort=False)):
        xs = np.array([x[w] for w in g["wave"]]) + (j - len(measures) / 2) * 0.04
        ax.errorbar(xs, g["estimate"], yerr=np.vstack([g["estimate"] - g["ci_lower"], g["ci_upper"] - g["estimate"]]),
                    fmt="-o", capsize=3, label=_name(m, lang, items))
    ax.set_xticks(range(len(waves)), waves)
    ax.set_ylabel(_lab("performance", lang))
    # beside the plot: inside it the legend covers the lines
    ax.legend(frameon=False, fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax
