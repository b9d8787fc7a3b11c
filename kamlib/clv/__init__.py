"""Customer lifetime value for non-contractual ordering: an account never announces that it has left, it just
stops ordering.

- :func:`rfm_summary` turns an order ledger into per-account frequency, recency, age ``T`` and mean repeat
  spend.
- :func:`fit_bgnbd` fits BG/NBD (Fader, Hardie & Lee 2005) for the purchase process: ``p_alive`` and
  ``expected_purchases`` per account.
- :func:`fit_gamma_gamma` fits the Gamma-Gamma spend model (Fader & Hardie 2013): ``expected_spend``.
- :func:`customer_value` combines them over a horizon, discounted.
- :func:`holdout_check` validates the purchase forecast on a holdout period, for leadership.
- :func:`book_value` scores a whole book for the workbook; :func:`book_sentences`, :func:`held_by_group`,
  :func:`top_by_clv` and :func:`slipping_away` put it in words and tables for the value report.
- :func:`simulate_orders` draws a ledger from known parameters (tests, benchmarks, teaching).

Both models are fitted by maximum likelihood on their closed-form likelihoods (scipy), with standard errors
from the inverse Hessian (delta method from the log scale). Books on which a model is not estimable (too few
repeat buyers, all spends identical, no accounts) raise :class:`kamlib.errors.AnalysisError` with the reason;
a fit that runs to the edge of the parameter space (e.g. nobody ever drops out) or does not converge returns
a result with ``converged=False`` and a keyed :class:`Note` in ``.warnings`` (also issued as a
:class:`kamlib.errors.StatisticalWarning`).
"""
from __future__ import annotations

from ._common import TIME_UNITS, Note
from .bgnbd import BGNBDResult, fit_bgnbd
from .book import BookValue, book_value, indicator_columns
from .gamma_gamma import GammaGammaResult, fit_gamma_gamma
from .holdout import HoldoutResult, holdout_check, holdout_sentence
from .labels import LABELS
from .prose import SlippingAway, book_sentences, held_by_group, holdout_text, slipping_away, top_by_clv
from .summary import rfm_summary, simulate_orders
from .value import customer_value

__all__ = [
    "TIME_UNITS", "Note", "LABELS",
    "rfm_summary", "simulate_orders",
    "BGNBDResult", "fit_bgnbd",
    "GammaGammaResult", "fit_gamma_gamma",
    "customer_value", "BookValue", "book_value", "indicator_columns",
    "HoldoutResult", "holdout_check", "holdout_sentence",
    "book_sentences", "held_by_group", "top_by_clv", "slipping_away", "SlippingAway", "holdout_text",
]
