"""What every account-management table shares: the result type, the "needs data" reasons and the small
helpers that read the customer frame (tiers, churn flags, churn reasons, a lost account's last year)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..i18n import Message
from ..ledger import Ledger


@dataclass(frozen=True, eq=False)
class TableResult:
    """One account-management table, or why it is not available."""

    name: str
    table: pd.DataFrame | None = None
    reason: Message | None = None
    facts: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.table is not None


def _missing(name: str, table: str) -> TableResult:
    return TableResult(name, reason=Message("accounts.needs_table",
                                            {"table": table, "what": Message(f"accounts.what.{table}")}))


def _needs_column(name: str, table: str, column: str) -> TableResult:
    return TableResult(name, reason=Message("accounts.needs_column", {
        "table": table, "column": column, "what": Message(f"accounts.what.{table}.{column}")}))


def _norm(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower()


def _tier(frame: pd.DataFrame) -> pd.Series:
    return frame["tier"].astype("string") if "tier" in frame else pd.Series("ordinary", index=frame.index)


def annual_revenue_before_loss(frame: pd.DataFrame, ledger: Ledger) -> pd.Series:
    """Revenue of each account in the 365 days up to its last order: what a lost account was worth a year.

    A lost account's revenue over the whole window mixes years it bought and years it did not; the year
    before its last order is the revenue the book actually lost.

    Parameters
    ----------
    frame : DataFrame
        Workbook customer frame (index ``customer_id``); ``last_order_date`` used when present, else taken
        from the orders.
    ledger : Ledger
        Validated ledger (its orders, at any grain).

    Returns
    -------
    Series
        Indexed like ``frame``; 0 for accounts without orders.
    """
    o = ledger.orders
    cid = o["customer_id"].astype(str)
    last = (frame["last_order_date"] if "last_order_date" in frame
            else o.groupby(cid)["order_date"].max().reindex(frame.index))
    last = pd.to_datetime(last.set_axis(last.index.astype(str)))
    end = last.reindex(cid).to_numpy()
    inside = ((o["order_date"].to_numpy() > end - np.timedelta64(365, "D"))
              & (o["order_date"].to_numpy() <= end))
    rev = o.loc[inside, "revenue"].groupby(cid[inside]).sum()
    return rev.reindex(frame.index.astype(str), fill_value=0.0).set_axis(frame.index).astype("float64")


def _churned(frame: pd.DataFrame) -> pd.Series:
    return (frame["churned"].astype("boolean").fillna(False).astype(bool) if "churned" in frame
            else pd.Series(False, index=frame.index))


def _reasons(frame: pd.DataFrame, ledger: Ledger) -> pd.Series | None:
    """Churn reason of each account of ``frame`` (NaN while active); None when the column is absent or empty."""
    cust = ledger.customers
    if "churn_reason" not in cust or cust["churn_reason"].isna().all():
        return None
    reason = cust.set_index(cust["customer_id"].astype(str))["churn_reason"].astype("string").str.strip()
    return reason[~reason.index.duplicated()].reindex(frame.index.astype(str)).set_axis(frame.index).replace("", pd.NA)


def churn_difference_p(churned: pd.Series, accounts: pd.Series) -> float:
    """p-value of the chi-square test that every group churns at the same rate (NaN with fewer than two
    groups or no churn at all): a "highest churn" among groups is only worth a sentence when it is low."""
    from scipy.stats import chi2_contingency

    lost = churned.to_numpy(dtype=float)
    kept = accounts.to_numpy(dtype=float) - lost
    table = np.vstack([lost, kept])
    if table.shape[1] < 2 or lost.sum() == 0 or kept.sum() == 0:
        return float("nan")
    return float(chi2_contingency(table[:, table.sum(axis=0) > 0])[1])

