"""All figures: ``plot_*(result, ax=None, **kws) -> Axes``. Plot functions draw what a result object
already holds; they never recompute an analysis. Only this package imports matplotlib/seaborn.
"""
from ._theme import TIER_COLORS, cjk_font, get_ax, set_theme
from .value import *  # noqa: F401,F403
from .segmentation import *  # noqa: F401,F403
from .survival import *  # noqa: F401,F403
from .satisfaction import *  # noqa: F401,F403
