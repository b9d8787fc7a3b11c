"""Concentration of a value over accounts: Gini coefficient, Pareto curve, top shares."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import KamlibError, StatisticalWarning
from ..i18n import Message
from .ranking import order_desc


@dataclass(frozen=True, eq=False)
class ConcentrationResult:
    """Concentration of a value over accounts.

    Attributes
    ----------
    gini : float
        Gini coefficient (0 = all equal, → 1 = one account holds everything); NaN when the total is 0.
    lorenz : DataFrame
        Columns ``account_share`` and ``value_share``: cumulative shares with accounts sorted largest first
        (the Pareto curve), starting at (0, 0). The classical Lorenz curve (smallest first) is
        ``1 - value_share`` at ``1 - account_share``.
    n : int
    total : float
    """

    gini: float
    lorenz: pd.DataFrame
    n: int
    total: float
    values: pd.Series = field(repr=False)
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def top_share(self, q: float = 0.2) -> float:
        """Share of the total held by the top ``q`` of accounts (``ceil(q * n)`` accounts, at least 1).

        Parameters
        ----------
        q : float, default 0.2
            Share of accounts, in (0, 1].

        Returns
        -------
        float
            Their share of the total (NaN when the total is 0).
        """
        if not (0 < q <= 1):
            raise KamlibError(f"top_share: q must be a share in (0, 1], got {q}")
        if self.n == 0 or not self.total > 0:
            return float("nan")
        k = max(1, math.ceil(q * self.n - 1e-9))
        return float(self.values.iloc[:k].sum() / self.total)

    def accounts_for_share(self, share: float = 0.8) -> int:
        """How many of the largest accounts it takes to reach ``share`` of the total.

        Parameters
        ----------
        share : float, default 0.8
            Share of the total.

        Returns
        -------
        int
            Number of accounts, largest first (0 when the total is 0).
        """
        if self.n == 0 or not self.total > 0:
            return 0
        cum = self.values.cumsum().to_numpy() / self.total
        return min(int(np.searchsorted(cum, share - 1e-12)) + 1, self.n)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``n``, ``total``, ``gini``, ``top20_share``."""
        return pd.DataFrame({"n": [self.n], "total": [self.total], "gini": [self.gini],
                             "top20_share": [self.top_share(0.2)]})

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def concentration(values: pd.Series) -> ConcentrationResult:
    """Gini coefficient, Pareto/Lorenz curve and top-share of a per-account value (e.g. revenue).

    Negative values (net returns, loss-making accounts for profit) are set to 0 with a warning, as the
    Gini coefficient is defined for non-negative amounts. NaN values are dropped.

    Parameters
    ----------
    values : pandas.Series
        One value per account.

    Returns
    -------
    ConcentrationResult

    Examples
    --------
    >>> c = concentration(pd.Series([60.0, 20.0, 10.0, 10.0]))
    >>> round(c.gini, 3), c.top_share(0.25), c.accounts_for_share(0.8)
    (0.4, 0.6, 2)
    """
    v = pd.Series(values, dtype="float64").dropna()
    notes: list[Message] = []
    if (v < 0).any():
        msg = Message("value.w.negative_values", {"n": int((v < 0).sum())})
        notes.append(msg)
        warnings.warn(StatisticalWarning(msg), stacklevel=2)
        v = v.clip(lower=0)
    s = order_desc(v)
    n, total = len(s), float(s.sum())
    if n == 0 or total <= 0:
        if n:
            notes.append(Message("value.w.zero_total"))
        gini = float("nan")
        lor = pd.DataFrame({"account_share": [0.0, 1.0], "value_share": [0.0, np.nan]})
    else:
        asc = np.sort(s.to_numpy())
        i = np.arange(1, n + 1)
        gini = float(2.0 * np.sum(i * asc) / (n * total) - (n + 1.0) / n)
        gini = max(0.0, gini)
        lor = pd.DataFrame({"account_share": np.r_[0.0, i / n],
                            "value_share": np.r_[0.0, s.cumsum().to_numpy() / total]})
    return ConcentrationResult(gini=gini, lorenz=lor, n=n, total=total, values=s, warnings=tuple(notes))
