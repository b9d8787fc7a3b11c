"""Customer lifetime value for non-contractual ordering: an account never announces that it has left, it just
stops ordering.

- :func:`rfm_summary` turns an order ledger into per-account frequency, recency, age ``T`` and mean repeat
  spend.
- :func:`fit_bgnbd` fits BG/NBD (Fader, Hardie & Lee 2005) for the purchase process: ``p_alive`` and
  ``expected_purchases`` per account.
- :func:`fit_gamma_gamma` fits the Gamma-Gamma spend model (Fader & Hardie 2013): ``expected_spend``.
- :func:`customer_value` combines them over a horizon, discounted.
- :func:`holdout_check` validates the purchase forecast on a holdout period, for leadership.
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
from .summary import rfm_summary, simulate_orders
from .value import customer_value

LABELS: dict[str, dict[str, str]] = {
    "clv.title": {"zh": "客户终身价值", "en": "Customer lifetime value"},
    "clv.holdout": {"zh": "模型验证：预测与实际复购", "en": "Holdout check: predicted vs actual repeat purchases"},
    "clv.frequency_bucket": {"zh": "校准期复购次数", "en": "Repeat purchases in calibration"},
    "clv.mean_holdout": {"zh": "验证期人均复购次数", "en": "Mean repeat purchases in holdout"},
    "clv.actual": {"zh": "实际", "en": "actual"},
    "clv.predicted": {"zh": "预测 (BG/NBD)", "en": "predicted (BG/NBD)"},
    "clv.p_alive": {"zh": "存活概率 P(alive)", "en": "P(alive)"},
    "clv.accounts": {"zh": "客户数", "en": "accounts"},
    "clv.value": {"zh": "价值", "en": "value"},
}

__all__ = [
    "TIME_UNITS", "Note", "LABELS",
    "rfm_summary", "simulate_orders",
    "BGNBDResult", "fit_bgnbd",
    "GammaGammaResult", "fit_gamma_gamma",
    "customer_value", "BookValue", "book_value", "indicator_columns",
    "HoldoutResult", "holdout_check", "holdout_sentence",
]
