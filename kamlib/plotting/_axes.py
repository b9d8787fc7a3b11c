"""Tick formatters shared by every figure: amounts in 万/亿 (zh) or k/M (en) and shares in %, through
:mod:`kamlib.fmt`, so an axis reads like the tables next to it and never shows an offset such as ``1e7``."""
from __future__ import annotations

from matplotlib.ticker import FuncFormatter

from .. import fmt

__all__ = ["money_axis", "percent_axis", "plain_axis"]


def _axes(ax, axis: str):
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis must be 'x', 'y' or 'both', got {axis!r}")
    return [a for name, a in (("x", ax.xaxis), ("y", ax.yaxis)) if axis in (name, "both")]


def money_axis(ax, axis: str = "y", lang: str = "zh", digits: int = 0):
    """Ticks of ``axis`` as money (``kamlib.fmt.money``: 1,200万 / 1.5亿 in zh, 12k / 1.5M in en).

    Returns ``ax`` so calls chain.
    """
    lg: fmt.Lang = "en" if lang == "en" else "zh"
    for a in _axes(ax, axis):
        a.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.money(v, lg, digits=digits)))
    return ax


def percent_axis(ax, axis: str = "y", lang: str = "zh", digits: int = 0, absolute: bool = False):
    """Ticks of ``axis`` for shares 0-1 as percentages (``0.25`` -> ``25%``); ``absolute`` drops the sign
    (the left half of a diverging bar). Returns ``ax``."""
    for a in _axes(ax, axis):
        a.set_major_formatter(FuncFormatter(
            lambda v, _pos: fmt.pct(abs(v) if absolute else v, "en" if lang == "en" else "zh", digits=digits)))
    return ax


def plain_axis(ax, axis: str = "both"):
    """Plain numbers with thousands separators and no offset or scientific notation. Returns ``ax``."""
    for a in _axes(ax, axis):
        a.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"))
    return ax
