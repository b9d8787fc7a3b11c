"""Single-indicator classification: Pareto / ABC classes, rankings and the revenue × profit grid."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError, KamlibError
from ..i18n import Message
from .catalog import DIRECTIONS, INDICATOR_GROUPS, LOG_SCALE
from .ranking import order_desc


def abc_classes(values: pd.Series, cutoffs: Sequence[float] = (0.8, 0.95)) -> pd.Series:
    """Pareto / ABC classes: "A" for the accounts carrying the first ``cutoffs[0]`` of cumulative value,
    "B" for the next ``cutoffs[1] - cutoffs[0]``, "C" for the rest.

    Parameters
    ----------
    values : pandas.Series
        One value per account (revenue, gross profit, ...), indexed by account.
    cutoffs : (float, float), default (0.8, 0.95)
        Cumulative shares closing classes A and B.

    Returns
    -------
    pandas.Series
        "A"/"B"/"C" (``str`` dtype) with the same index, order and name as ``values``; missing for NaN values.

    Notes
    -----
    Accounts are ranked largest first (ties by account id, so the result does not depend on row order).
    An account belongs to the class in which its cumulative share *starts*: the account that crosses
    80% is still A. This keeps a dominant account (say 90% of revenue) in A instead of leaving A empty.
    Zero and negative values carry no share of the positive total and are always C.

    Examples
    --------
    >>> abc_classes(pd.Series([90.0, 6.0, 3.0, 1.0, 0.0], index=list("abcde"))).tolist()
    ['A', 'B', 'C', 'C', 'C']
    """
    a, b = float(cutoffs[0]), float(cutoffs[1])
    if not (0 < a < b <= 1):
        raise KamlibError(f"abc_classes: cutoffs must be two increasing shares in (0, 1], got {tuple(cutoffs)}")
    s = order_desc(values)
    pos = s.clip(lower=0).fillna(0.0)
    total = float(pos.sum())
    if total > 0:
        before = (pos.cumsum() - pos) / total
        cls = np.where(before < a - 1e-12, "A", np.where(before < b - 1e-12, "B", "C"))
        cls = np.where(pos.to_numpy() <= 0, "C", cls)
    else:
        cls = np.full(len(s), "C")
    out = pd.Series(cls, index=s.index, dtype="str").where(s.notna())
    return out.reindex(values.index).rename(values.name)


def rank_accounts(indicators: pd.DataFrame, by: str = "revenue", cutoffs: Sequence[float] = (0.8, 0.95),
                  columns: Sequence[str] = ("name", "region", "industry")) -> pd.DataFrame:
    """Single-indicator classification: accounts ranked by one indicator (best first, using its direction:
    lowest DSO first), with rank, value, share of total and cumulative share, and the ABC class for
    additive amounts (revenue, gross profit, ... - not for ratios or "lower is better" indicators).

    Parameters
    ----------
    indicators : pandas.DataFrame
        Customer indicator frame (:func:`customer_indicators`).
    by : str, default "revenue"
        Indicator to rank by.
    cutoffs : (float, float), default (0.8, 0.95)
        Cumulative shares closing ABC classes A and B (:func:`abc_classes`).
    columns : sequence of str
        Descriptive columns carried along when present.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, best first: ``rank``, the ``columns`` present, the indicator ``by`` and,
        for additive amounts, ``value_share``, ``cum_value_share`` and ``class``.

    Raises
    ------
    KamlibError
        When ``by`` is not a column of ``indicators``.
    """
    if by not in indicators:
        raise KamlibError(f"rank_accounts: unknown indicator {by!r}; available: "
                          f"{', '.join(c for c in indicators.columns if c in INDICATOR_GROUPS)}")
    v = indicators[by].astype("float64")
    lower = DIRECTIONS.get(by, 1) < 0
    order = order_desc(-v if lower else v).index
    out = indicators.loc[order, [c for c in columns if c in indicators]].copy()
    out[by] = v.loc[order]
    out.insert(0, "rank", np.arange(1, len(order) + 1))
    additive = by in LOG_SCALE | {"order_count"} and not lower
    if additive:
        tot = float(v.clip(lower=0).sum())
        out["value_share"] = v.loc[order] / tot if tot > 0 else np.nan
        out["cum_value_share"] = out["value_share"].clip(lower=0).cumsum()
        out["class"] = abc_classes(v, cutoffs).loc[order]
    out.index.name = "customer_id"
    return out


def abc_summary(values: pd.Series, classes: pd.Series | None = None,
                cutoffs: Sequence[float] = (0.8, 0.95)) -> pd.DataFrame:
    """Accounts and value per ABC class: accounts, share of accounts, value, share of value, cumulative.

    Parameters
    ----------
    values : pandas.Series
        One value per account.
    classes : pandas.Series, optional
        ABC class per account (default: :func:`abc_classes` of ``values`` with ``cutoffs``).
    cutoffs : (float, float), default (0.8, 0.95)
        Cumulative shares closing classes A and B when ``classes`` is not given.

    Returns
    -------
    pandas.DataFrame
        Rows A, B, C (index ``class``): ``accounts``, ``account_share``, ``value``, ``value_share``,
        ``cum_value_share``.

    Examples
    --------
    >>> s = abc_summary(pd.Series([70.0, 20.0, 5.0, 5.0], index=list("wxyz")))
    >>> s["accounts"].tolist(), s["value_share"].tolist()
    ([2, 1, 1], [0.9, 0.05, 0.05])
    """
    if classes is None:
        classes = abc_classes(values, cutoffs)
    df = pd.DataFrame({"cls": classes.astype("object"), "v": values.astype("float64")})
    g = df.groupby("cls").agg(accounts=("v", "size"), value=("v", "sum")).reindex(["A", "B", "C"]).fillna(0)
    g["accounts"] = g["accounts"].astype("int64")
    n, tot = int(g["accounts"].sum()), float(g["value"].sum())
    g["account_share"] = g["accounts"] / n if n else np.nan
    g["value_share"] = g["value"] / tot if tot else np.nan
    g["cum_value_share"] = g["value_share"].cumsum()
    g.index.name = "class"
    return g[["accounts", "account_share", "value", "value_share", "cum_value_share"]]


@dataclass(frozen=True, eq=False)
class DoubleABCResult:
    """Revenue × profit ABC grid.

    Attributes
    ----------
    classes : DataFrame
        Per account: revenue, gross_profit, revenue_class, profit_class, loss_making.
    grid : DataFrame
        Account counts, rows = revenue class, columns = profit class ("loss" = negative gross profit).
    revenue_grid : DataFrame
        Revenue per cell.
    flagged : DataFrame
        High-revenue (class A) accounts with negative gross profit, largest revenue first.
    """

    classes: pd.DataFrame
    grid: pd.DataFrame
    revenue_grid: pd.DataFrame
    flagged: pd.DataFrame
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def to_frame(self) -> pd.DataFrame:
        """The account-count grid (:attr:`grid`)."""
        return self.grid

    def _repr_html_(self) -> str:
        return self.grid.to_html()


def double_abc(indicators: pd.DataFrame, cutoffs: Sequence[float] = (0.8, 0.95)) -> DoubleABCResult:
    """ABC on revenue and on gross profit, cross-tabulated; accounts with negative profit form a
    separate "loss" profit class so high-revenue, loss-making accounts stand out.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Customer indicator frame with ``revenue`` and ``gross_profit``.
    cutoffs : (float, float), default (0.8, 0.95)
        Cumulative shares closing classes A and B (:func:`abc_classes`).

    Returns
    -------
    DoubleABCResult

    Raises
    ------
    AnalysisError
        When gross profit is missing for every account (no profit or cost in the ledger).
    """
    if indicators["gross_profit"].isna().all():
        raise AnalysisError("double ABC needs gross profit; the ledger has no gross_profit or cost column "
                            "(map one in the params 'columns:' section)")
    rev, gp = indicators["revenue"], indicators["gross_profit"]
    rc = abc_classes(rev, cutoffs).astype("object")
    pc = abc_classes(gp, cutoffs).astype("object")
    pc = pc.where(~(gp < 0), "loss")
    cl = pd.DataFrame({"revenue": rev, "gross_profit": gp, "revenue_class": rc, "profit_class": pc})
    cl["loss_making"] = gp < 0
    rows, cols = ["A", "B", "C"], ["A", "B", "C", "loss"]
    grid = pd.crosstab(cl["revenue_class"], cl["profit_class"]).reindex(index=rows, columns=cols, fill_value=0)
    rgrid = cl.pivot_table(index="revenue_class", columns="profit_class", values="revenue", aggfunc="sum",
                           observed=False).reindex(index=rows, columns=cols).fillna(0.0)
    for g in (grid, rgrid):
        g.index.name, g.columns.name = "revenue_class", "profit_class"
    flagged = cl[(cl["revenue_class"] == "A") & cl["loss_making"]]
    flagged = flagged.loc[order_desc(flagged["revenue"]).index]
    extra = [c for c in ("name", "region", "industry", "margin") if c in indicators]
    flagged = flagged.join(indicators[extra])
    notes: list[Message] = []
    if len(flagged):
        notes.append(Message("value.w.loss_making_a", {"n": len(flagged)}))
    return DoubleABCResult(classes=cl, grid=grid.astype("int64"), revenue_grid=rgrid, flagged=flagged,
                           warnings=tuple(notes))
