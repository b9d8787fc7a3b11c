"""Shared look of every figure: seaborn theme, palette, and a CJK-capable font.

Chinese text must render on machines with no system CJK font (CI, servers, fresh laptops). We prefer an
installed CJK family and otherwise register Noto Sans CJK SC (SIL Open Font License) shipped by the
``mplfonts`` package, so no glyph falls back to empty boxes.
"""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager

_SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
               "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Heiti SC")

#: One palette for the whole report: tiers, segments and groups use the same colours in every figure.
PALETTE = "deep"
TIER_COLORS = {"core": "#C0392B", "key": "#E67E22", "ordinary": "#95A5A6"}


@functools.lru_cache(maxsize=1)
def cjk_font() -> str:
    """Name of a font family that has Simplified Chinese glyphs, registering a bundled one if needed."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in _SYSTEM_CJK:
        if name in installed:
            return name
    try:
        path = Path(str(resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"))
    except ModuleNotFoundError:  # pragma: no cover - mplfonts is a hard dependency
        path = None
    if path is None or not path.exists():
        from ..errors import KamlibError

        raise KamlibError("No CJK font found for Chinese figure text. Reinstall kamlib "
                          "(pip install -e .) so that the mplfonts package provides Noto Sans CJK SC.")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def set_theme(lang: str = "zh", context: str = "notebook") -> None:
    """Apply the report theme (call once per notebook; plot functions do not change global state).

    Under Jupyter's inline backend it also removes pyplot's post-cell redraw of new figures (the inline
    backend renders them itself; the images are the same).

    Parameters
    ----------
    lang : {"zh", "en"}
        Accepted for symmetry with the plot functions; the CJK font is set for both languages.
    context : str
        seaborn plotting context (``"paper"``, ``"notebook"``, ``"talk"``, ``"poster"``).

    Raises
    ------
    KamlibError
        If no CJK font is installed and the bundled one (``mplfonts``) is missing.
    """
    sns.set_theme(context=context, style="whitegrid", palette=PALETTE)
    plt.rcParams["font.sans-serif"] = [cjk_font(), "DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.dpi"] = 110
    plt.rcParams["figure.figsize"] = (8, 4.5)
    # no "1e7" offset or scientific notation above an axis: a reader sees the amounts, and plot functions put
    # them in the report's units with kamlib.plotting._axes (money_axis: 万/亿 or k/M; percent_axis)
    plt.rcParams["axes.formatter.useoffset"] = False
    plt.rcParams["axes.formatter.limits"] = (-9, 12)
    plt.rcParams["axes.formatter.use_locale"] = False
    if "inline" in matplotlib.get_backend():
        # The inline backend renders every figure itself when the cell ends. pyplot's REPL hook also redraws
        # each new figure just before that, a full draw whose pixels nobody sees: ~7 figures per notebook,
        # 0.3-0.5 s per notebook (same images without it). %matplotlib inline installs the hook again, and
        # the next set_theme removes it again.
        plt.uninstall_repl_displayhook()


def get_ax(ax=None, figsize=None):
    """The given Axes, or a new figure's Axes.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    figsize : tuple of float, optional
        (width, height) in inches of a new figure; None = the theme's default.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
