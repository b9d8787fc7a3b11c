"""Figures for kamlib.clv results: the holdout validation figure (predicted vs actual repeat purchases per
calibration frequency) and the spread of P(alive) against account value. They draw what the results hold and
compute nothing new."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import fmt
from ..i18n import column_label, tr
from ._theme import get_ax

__all__ = ["plot_holdout", "plot_p_alive"]


def plot_holdout(result, ax=None, lang: str = "zh", title: str | None = None, **kws):
    """Mean holdout repeat purchases per calibration-frequency bucket: actual (solid) vs BG/NBD (dashed).

    Parameters
    ----------
    result : kamlib.clv.HoldoutResult
    ax : matplotlib Axes, optional
    lang : {"zh", "en"}
    title : str, optional
        Defaults to the localized "holdout check" heading.
    **kws
        Passed to both ``ax.plot`` calls (e.g. ``linewidth``).
    """
    ax = get_ax(ax)
    tab = result.table
    pos = np.arange(len(tab))
    ax.plot(pos, tab["actual"].to_numpy(), marker="o", label=tr("clv.actual", lang), **kws)
    ax.plot(pos, tab["predicted"].to_numpy(), marker="s", linestyle="--", label=tr("clv.predicted", lang), **kws)
    ax.set_xticks(pos)
    ax.set_xticklabels(list(tab.index))
    ax.set_xlabel(tr("clv.frequency_bucket", lang))
    ax.set_ylabel(tr("clv.mean_holdout", lang))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.2g}" if v < 10 else f"{v:,.0f}"))
    ax.set_title(title if title is not None else tr("clv.holdout", lang))
    ax.legend()
    return ax


def plot_p_alive(values, ax=None, lang: str = "zh", value_column: str = "clv", title: str | None = None, **kws):
    """Each account's P(alive) against its value (log scale): valuable accounts low on the chart are the
    ones quietly slipping away.

    Parameters
    ----------
    values : DataFrame
        :func:`kamlib.clv.customer_value` output (``p_alive`` and ``value_column``).
    **kws
        Passed to ``ax.scatter``.
    """
    ax = get_ax(ax)
    v = values[value_column].to_numpy(dtype=float)
    p = values["p_alive"].to_numpy(dtype=float)
    ok = np.isfinite(v) & (v > 0) & np.isfinite(p)
    opts = {"s": 8, "alpha": 0.5} | kws
    ax.scatter(v[ok], p[ok], **opts)
    ax.set_xscale("log")
    money_lang: fmt.Lang = "en" if lang == "en" else "zh"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: fmt.money(x, money_lang, digits=0)))
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: fmt.pct(y, digits=0)))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(column_label(value_column, lang, domain="clv"))
    ax.set_ylabel(tr("clv.p_alive", lang))
    if title is not None:
        ax.set_title(title)
    return ax
