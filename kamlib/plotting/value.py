"""Figures for kamlib.value results. Each draws what the result already holds; nothing is recomputed."""
from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.patches import Rectangle

from ._theme import TIER_COLORS, get_ax

__all__ = ["plot_lorenz", "plot_double_abc", "plot_rfm", "plot_weights", "plot_contributions",
           "plot_tier_summary", "plot_migration", "plot_tier_forecast"]


def _t(key: str, lang: str) -> str:
    from ..i18n import tr

    return tr(key, lang)


def plot_lorenz(result, ax=None, lang: str = "zh", mark: float = 0.2, **kws):
    """Pareto curve of a :class:`~kamlib.value.ConcentrationResult` (accounts largest first), with the
    equality line and the top-``mark`` share marked.

    Parameters
    ----------
    result : kamlib.value.ConcentrationResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    mark : float
        Account share (0-1) whose value share is marked, e.g. 0.2 = the top 20% of accounts.
    **kws
        Passed to the ``ax.plot`` call of the curve (``color`` sets its colour).

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    lor = result.lorenz
    ax.plot(lor["account_share"], lor["value_share"], lw=2, color=kws.pop("color", "#2E86C1"), **kws)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label=_t("value.equality", lang))
    if result.n and result.total > 0:
        share = result.top_share(mark)
        ax.axvline(mark, color="#C0392B", lw=1, ls=":")
        ax.axhline(share, color="#C0392B", lw=1, ls=":")
        ax.annotate(f"{mark:.0%} → {share:.1%}", xy=(mark, share), xytext=(mark + 0.05, share - 0.12),
                    arrowprops={"arrowstyle": "->", "color": "#C0392B"}, color="#C0392B")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.yaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_xlabel(_t("value.lorenz_x", lang))
    ax.set_ylabel(_t("value.lorenz_y", lang))
    ax.set_title(f"{_t('value.pareto', lang)} (Gini {result.gini:.2f})")
    ax.legend(loc="lower right")
    return ax


def plot_double_abc(result, ax=None, lang: str = "zh", **kws):
    """Heat map of the revenue × profit ABC grid (account counts), loss column highlighted.

    Parameters
    ----------
    result : kamlib.value.DoubleABCResult
        Its ``grid``: account counts, revenue class (rows) × profit class (``loss`` = negative gross profit).
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Passed to ``seaborn.heatmap`` (``cmap`` defaults to ``"Blues"``).

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    grid = result.grid.rename(columns={"loss": _t("value.col.loss_making", lang)})
    sns.heatmap(grid, annot=True, fmt="d", cmap=kws.pop("cmap", "Blues"), cbar=False, ax=ax, linewidths=0.5, **kws)
    if "loss" in result.grid.columns and result.grid["loss"].sum() > 0:
        j = list(result.grid.columns).index("loss")
        ax.add_patch(Rectangle((j, 0), 1, len(grid), fill=False, edgecolor="#C0392B", lw=2))
    ax.set_xlabel(_t("value.col.profit_class", lang))
    ax.set_ylabel(_t("value.col.revenue_class", lang))
    ax.set_title(_t("value.double_abc", lang))
    return ax


def plot_rfm(summary: pd.DataFrame, ax=None, lang: str = "zh", **kws):
    """Accounts and revenue share per RFM segment (:func:`kamlib.value.rfm_summary`).

    Parameters
    ----------
    summary : DataFrame
        :func:`kamlib.value.rfm_summary` output: indexed by RFM segment, ``account_share`` and
        ``revenue_share`` (0-1).
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Accepted for a uniform signature; not used.

    Returns
    -------
    Axes
    """
    from ..value import rfm_label

    ax = get_ax(ax)
    s = summary.sort_values("revenue_share")
    y = np.arange(len(s))
    labels = [rfm_label(v, lang) for v in s.index]
    ax.barh(y - 0.2, s["account_share"], height=0.4, label=_t("value.col.account_share", lang), color="#95A5A6")
    ax.barh(y + 0.2, s["revenue_share"], height=0.4, label=_t("value.col.revenue_share", lang), color="#2E86C1")
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_title(_t("value.rfm", lang))
    ax.legend(loc="lower right")
    return ax


def plot_weights(result, ax=None, lang: str = "zh", **kws):
    """Scorecard indicator weights (:class:`~kamlib.value.ScorecardResult`), heaviest on top.

    Parameters
    ----------
    result : kamlib.value.ScorecardResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Only ``color`` is used (the bar colour); others are ignored.

    Returns
    -------
    Axes
    """
    from ..value import indicator_label

    ax = get_ax(ax)
    w = result.weights.sort_values()
    ax.barh([indicator_label(i, lang) for i in w.index], w.to_numpy(), color=kws.pop("color", "#2E86C1"))
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_xlabel(_t("value.col.weight", lang))
    ax.set_title(_t("value.weights", lang))
    return ax


def plot_contributions(result, n: int = 15, ax=None, lang: str = "zh", names: pd.Series | None = None,
                       tiers: pd.Series | None = None, among=None, **kws):
    """Stacked bars: each top-``n`` account's score split into indicator contributions (points);
    ``among``: restrict to these account ids (e.g. the active ones); ``tiers`` colours the labels.

    Parameters
    ----------
    result : kamlib.value.ScorecardResult
    n : int
        Number of top-scoring accounts shown.
    ax : matplotlib Axes, optional
        When omitted, a new figure sized to ``n`` rows.
    lang : {"zh", "en"}
    names : Series, optional
        Display name per account id; ids without one (or all, when omitted) show the id.
    tiers : Series, optional
        Tier (``core``/``key``/``ordinary``) per account id, colouring each label.
    among : iterable of account ids, optional
        Rank only these accounts (passed to ``result.top``).
    **kws
        Accepted for a uniform signature; not used.

    Returns
    -------
    Axes
    """
    from ..value import indicator_label

    top = result.top(n, among=among).iloc[::-1]
    contrib = top.drop(columns="score")
    ax = get_ax(ax, figsize=(9, max(3.5, 0.32 * len(top) + 1)))
    left = np.zeros(len(top))
    colors = sns.color_palette("tab20", contrib.shape[1])
    ylabels = [str(names.get(i, i)) if names is not None else str(i) for i in top.index]
    for k, col in enumerate(contrib.columns):
        ax.barh(ylabels, contrib[col].to_numpy(), left=left, color=colors[k], label=indicator_label(col, lang))
        left += contrib[col].to_numpy()
    if tiers is not None:
        for lab, cid in zip(ax.get_yticklabels(), top.index, strict=False):
            lab.set_color(TIER_COLORS.get(tiers.get(cid), "black"))
    ax.set_xlabel(_t("value.contribution", lang))
    ax.set_title(_t("value.top_accounts", lang))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    return ax


def plot_tier_summary(summary: pd.DataFrame, ax=None, lang: str = "zh", **kws):
    """Revenue per tier stacked by group (:func:`kamlib.value.tier_summary` with ``by``).

    Parameters
    ----------
    summary : DataFrame
        :func:`kamlib.value.tier_summary` output with ``by``: one row per group, ``core_revenue``,
        ``key_revenue`` and ``ordinary_revenue``.
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Accepted for a uniform signature; not used.

    Returns
    -------
    Axes
    """
    from ..i18n import tier_label

    ax = get_ax(ax)
    s = summary.iloc[::-1]
    left = np.zeros(len(s))
    for t in ("core", "key", "ordinary"):
        v = s[f"{t}_revenue"].to_numpy(dtype=float)
        ax.barh([str(i) for i in s.index], v, left=left, color=TIER_COLORS[t], label=tier_label(t, lang))
        left += v
    ax.set_xlabel(_t("value.col.revenue", lang))
    ax.set_title(_t("value.tiers_by", lang))
    ax.legend(loc="lower right")
    return ax


def plot_migration(result, ax=None, lang: str = "zh", **kws):
    """Heat map of the tier migration counts (:class:`~kamlib.value.DynamicResult` or a
    :func:`kamlib.value.tier_migration` frame).

    Parameters
    ----------
    result : kamlib.value.DynamicResult or DataFrame
        A result with a ``matrix``, or the migration count frame itself (previous tier × current tier).
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Passed to ``seaborn.heatmap`` (``cmap`` defaults to ``"Oranges"``).

    Returns
    -------
    Axes
    """
    from ..i18n import tier_label

    m = result.matrix if hasattr(result, "matrix") else result
    ax = get_ax(ax)
    disp = m.rename(index=lambda v: tier_label(v, lang), columns=lambda v: tier_label(v, lang))
    sns.heatmap(disp, annot=True, fmt="d", cmap=kws.pop("cmap", "Oranges"), cbar=False, ax=ax, linewidths=0.5,
                **kws)
    ax.set_ylabel(_t("value.col.previous", lang))
    ax.set_xlabel(_t("value.col.current", lang))
    ax.set_title(_t("value.migration", lang))
    return ax


def plot_tier_forecast(result, ax=None, lang: str = "zh", **kws):
    """Accounts per tier now and ``n`` periods ahead (:class:`~kamlib.value.TierForecast`, or a
    :class:`~kamlib.value.DynamicResult` holding one), lost accounts dashed; the backtest's actual mix of this
    period is marked at period 0.

    Parameters
    ----------
    result : kamlib.value.TierForecast or kamlib.value.DynamicResult
        A forecast (``forecast`` frame per period with ``core``, ``key``, ``ordinary``, ``lost``, and
        ``backtest`` or None), or a result whose ``forecast`` holds one.
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    **kws
        Passed to the ``ax.plot`` call of each tier's line.

    Returns
    -------
    Axes
    """
    from ..i18n import tier_label

    fc = result.forecast if hasattr(result, "backtest") else result.forecast.forecast
    bt = result.backtest if hasattr(result, "backtest") else result.forecast.backtest
    ax = get_ax(ax)
    x = fc.index.to_numpy()
    for t in ("core", "key", "ordinary"):
        ax.plot(x, fc[t].to_numpy(dtype=float), marker="o", color=TIER_COLORS[t], label=tier_label(t, lang), **kws)
        if bt is not None:
            ax.scatter([0], [bt.loc[t, "forecast"]], marker="x", color=TIER_COLORS[t], zorder=3)
    ax.plot(x, fc["lost"].to_numpy(dtype=float), ls="--", color="#34495E", label=tier_label("lost", lang))
    ax.set_xticks(x)
    ax.set_xlabel(_t("value.col.period", lang))
    ax.set_ylabel(_t("value.col.accounts", lang))
    ax.set_title(_t("value.forecast", lang))
    ax.legend(loc="best")
    return ax
