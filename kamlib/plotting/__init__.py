"""All figures: ``plot_*(result, ax=None, **kws) -> Axes``. Plot functions draw what a result object
already holds; they never recompute an analysis. Only this package imports matplotlib/seaborn.
"""
from . import clv as _clv
from . import satisfaction as _satisfaction
from . import segmentation as _segmentation
from . import survival as _survival
from . import value as _value
from ._theme import TIER_COLORS, cjk_font, get_ax, set_theme
from .clv import *  # noqa: F403
from .satisfaction import *  # noqa: F403
from .segmentation import *  # noqa: F403
from .survival import *  # noqa: F403
from .value import *  # noqa: F403

__all__ = ["TIER_COLORS", "cjk_font", "get_ax", "set_theme", *_value.__all__, *_segmentation.__all__,
           *_survival.__all__, *_satisfaction.__all__, *_clv.__all__]
