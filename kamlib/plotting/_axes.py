"""Tick formatters shared by every figure: amounts in 万/亿 (zh) or k/M (en) and shares in %, through
:mod:`kamlib.fmt`, so an axis reads like the tables next to it and never shows an offset such as ``1e7``;
and point labels that do not overlap one another."""
from __future__ import annotations

import warnings

from matplotlib.ticker import FuncFormatter

from .. import fmt

__all__ = ["label_points", "money_axis", "percent_axis", "plain_axis"]

#: where a point's label may go, in points from the point, tried in turn: above right, below right, above
#: left, below left, then further up and down
_LABEL_SPOTS = ((4, 4, "left", "bottom"), (4, -4, "left", "top"), (-4, 4, "right", "bottom"),
                (-4, -4, "right", "top"), (4, 14, "left", "bottom"), (4, -14, "left", "top"),
                (-4, 14, "right", "bottom"), (-4, -14, "right", "top"))


def label_points(ax, xs, ys, texts, fontsize="small"):
    """Write each text next to its point, on the first side where it overlaps no label written before.

    Returns the annotations. Without a renderer (a backend that cannot measure text) every label goes
    above right of its point.
    """
    renderer = getattr(ax.figure.canvas, "get_renderer", lambda: None)()
    ax.autoscale_view()   # measure against the final limits, not the lazily pending ones
    placed, notes = [], []
    with warnings.catch_warnings():
        # a glyph the font lacks is reported when the figure is drawn; measuring must not report it again
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        for x, y, text in zip(xs, ys, texts, strict=True):
            notes.append(_place(ax, x, y, text, fontsize, renderer, placed))
    return notes


def _place(ax, x, y, text, fontsize, renderer, placed: list):
    """One label on the first free spot of :data:`_LABEL_SPOTS` (its box is added to ``placed``)."""
    for dx, dy, ha, va in _LABEL_SPOTS:
        note = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                           fontsize=fontsize)
        if renderer is None:
            return note
        box = note.get_window_extent(renderer)
        if not any(box.overlaps(other) for other in placed):
            placed.append(box)
            return note
        note.remove()
    # every spot taken: above right, overlapping
    note = ax.annotate(text, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=fontsize)
    placed.append(note.get_window_extent(renderer))
    return note


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
