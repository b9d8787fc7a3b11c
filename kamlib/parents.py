"""Account group trees: each account's ultimate parent along ``parent_id`` chains, and the problems of a
customers table's parents (cycles are hard problems, parents that are not accounts are flagged)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .ledger import Exclusion
from .validation import problem

__all__ = ["resolve_parents", "parent_problems"]


def resolve_parents(ids, parents) -> tuple[dict[str, str], list[list[str]], dict[str, str]]:
    """Each account's ultimate parent, following ``parent_id`` chains of any depth.

    Parameters
    ----------
    ids, parents : sequences of the same length
        Account ids and their ``parent_id`` (missing, empty or the account's own id: no parent).

    Returns
    -------
    top, cycles, unknown
        ``top``: account id -> ultimate parent id (itself when it has no parent; a parent id that is not an
        account heads its group). ``cycles``: each cycle of parents as a list of ids (its accounts are their
        own groups in ``top``). ``unknown``: account id -> parent id that is not an account.
    """
    def clean(v):
        return None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or str(v) == "" \
            else str(v)

    id_list = [str(i) for i in ids]
    known = set(id_list)
    parent_of = {i: p for i, p in zip(id_list, map(clean, parents), strict=True) if p is not None and p != i}
    unknown = {i: p for i, p in parent_of.items() if p not in known}
    top: dict[str, str] = {}
    cycles: list[list[str]] = []
    for start in id_list:
        path: list[str] = []
        on_path: dict[str, int] = {}
        node, root = start, None
        while root is None:
            if node in top:
                root = top[node]
            elif node in on_path:   # a cycle: its members and the chain leading into it stay apart
                cycles.append(path[on_path[node]:])
                root = ""
            else:
                on_path[node] = len(path)
                path.append(node)
                parent = parent_of.get(node)
                if parent is None or parent not in known:
                    root = parent or node
                else:
                    node = parent
        for n in path:
            top[n] = root or n
    return top, cycles, unknown


def parent_problems(customers: pd.DataFrame, path=None) -> tuple[list[dict], tuple[Exclusion, ...]]:
    """Cycles of ``parent_id`` (hard problems, with the ids) and parents that are not accounts (flagged: they
    head a group of their own) of a customers table.

    Parameters
    ----------
    customers : DataFrame
        Canonical customers table (``customer_id``, optional ``parent_id``).
    path : str or Path, optional
        Source file named in the problems.

    Returns
    -------
    problems, flags
        ``problems``: one validation problem (dict) for all the parent cycles, or none. ``flags``: one
        :class:`~kamlib.ledger.Exclusion` (rule ``unknown_parent``, nothing removed) when parents are not
        accounts, else empty. Both are empty without a ``parent_id`` column.
    """
    if "parent_id" not in customers or not customers["parent_id"].notna().any():
        return [], ()
    _, cycles, unknown = resolve_parents(customers["customer_id"], customers["parent_id"])
    problems = []
    if cycles:
        shown = "; ".join(" → ".join([*c, c[0]]) for c in cycles[:5])
        problems.append(problem("customers", "parent_id", "parent_cycle", sum(map(len, cycles)), (),
                                f"{len(cycles)} cycle(s) of parents: {shown}", path=path))
    flags: tuple[Exclusion, ...] = ()
    if unknown:
        ex = tuple(f"{c} → {p}" for c, p in list(unknown.items())[:5])
        flags = (Exclusion("customers", "unknown_parent", len(unknown),
                           f"kept: parent_id names {len(set(unknown.values())):,} id(s) that are not accounts; "
                           "each heads a group of its own in the group roll-up", examples=ex),)
    return problems, flags
