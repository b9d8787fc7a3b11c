"""Group roll-up: subsidiaries merged into their parent group before the indicators are computed."""
from __future__ import annotations

import pandas as pd

from .. import validation as V
from ..errors import DataError, KamlibError
from ..ledger import Ledger
from ..parents import resolve_parents
from .indicators import customer_indicators


def rollup_ledger(ledger: Ledger) -> Ledger:
    """The ledger with subsidiaries merged into their ultimate parent group (``customers.parent_id``).

    ``parent_id`` chains of any depth are followed to the top (a grandchild reaches its grandparent). Orders,
    invoices and surveys of a member are re-keyed to the group id; the customers table keeps one row per
    group (the head's own row when the head is an account, else the first member's) with ``n_members`` =
    number of accounts rolled into it. Accounts without ``parent_id`` are their own group; a parent id that
    is not an account heads a group of its own.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger whose customers table has ``parent_id``.

    Returns
    -------
    Ledger
        The group-level ledger (``customer_id`` = group id).

    Raises
    ------
    KamlibError
        When the customers table has no ``parent_id`` column.
    DataError
        When parents form a cycle (the ids are named).
    """
    cust = ledger.customers
    if "parent_id" not in cust.columns:
        raise KamlibError("group roll-up needs customers.parent_id (map your group / holding column to "
                          "parent_id in the params 'columns:' section, or set value.group_rollup: false)")
    ids = cust["customer_id"].astype("str")
    top, cycles, _ = resolve_parents(ids, cust["parent_id"])
    if cycles:
        shown = "; ".join(" → ".join([*c, c[0]]) for c in cycles[:5])
        raise DataError(f"group roll-up: customers.parent_id forms {len(cycles)} cycle(s): {shown}. Fix: make "
                        "every chain end at a group head without a parent.",
                        [V.problem("customers", "parent_id", "parent_cycle", sum(map(len, cycles)), (), shown)])
    group = ids.map(top)
    mapping = pd.Series(group.to_numpy(), index=ids.to_numpy())

    def remap(df):
        if df is None:
            return None
        df = df.copy()
        cid = df["customer_id"].astype("str")
        df["customer_id"] = cid.map(mapping).fillna(cid).astype("str")
        return df

    c = cust.copy()
    c["group_id"] = group.to_numpy()
    c["is_parent"] = ids.to_numpy() == c["group_id"].to_numpy()
    c = c.sort_values(["group_id", "is_parent", "customer_id"], ascending=[True, False, True])
    n_members = c.groupby("group_id").size()
    top_rows = c.drop_duplicates("group_id").copy()
    top_rows["customer_id"] = top_rows["group_id"].astype("str")
    top_rows["n_members"] = top_rows["group_id"].map(n_members).astype("float64")
    top_rows = top_rows.drop(columns=["group_id", "is_parent"]).reset_index(drop=True)
    return Ledger(orders=remap(ledger.orders), customers=top_rows, invoices=remap(ledger.invoices),
                  surveys=remap(ledger.surveys), quality=ledger.quality, sources=ledger.sources,
                  survey_items=ledger.survey_items, grain=ledger.grain)


def group_indicators(ledger: Ledger, as_of, **kws) -> pd.DataFrame:
    """:func:`customer_indicators` at group level (``params.value.group_rollup``), indexed by group id,
    with an extra ``n_members`` column. Indicators are recomputed from the merged order lines (not
    averaged), so a group's growth, recency and DSO are exact.

    Parameters
    ----------
    ledger : Ledger
        Validated ledger whose customers table has ``parent_id``.
    as_of : date-like
        Period end.
    **kws
        Passed on to :func:`customer_indicators` (``growth_periods``, ``inactive_days``).

    Returns
    -------
    pandas.DataFrame
        The indicator frame of :func:`customer_indicators`, one row per group, plus ``n_members``.
    """
    rl = rollup_ledger(ledger)
    out = customer_indicators(rl, as_of, **kws)
    out["n_members"] = rl.customers.set_index(rl.customers["customer_id"].astype("str"))["n_members"]
    return out
