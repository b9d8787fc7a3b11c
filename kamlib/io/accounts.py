"""One account under two ids: likely duplicates flagged (normalised names, the same phone, e-mail or tax id)
and ``data.merge_ids`` (alias -> kept id) applied to every table."""
from __future__ import annotations

import re

import pandas as pd

from .. import validation as V
from ..ledger import Exclusion

#: legal-form suffixes removed from the end of a name before comparing (repeatedly: 集团股份有限公司)
_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "责任公司", "集团公司", "总公司",
             "分公司", "公司", "集团", "股份", "corporation", "company", "limited", "corp", "co", "ltd", "inc",
             "llc", "plc", "gmbh", "ag", "sa", "group")
_SUFFIX_RX = re.compile("(?:" + "|".join(map(re.escape, _SUFFIXES)) + r")$")
#: brackets, spaces and punctuation ignored when comparing names (after NFKC: full-width → half-width)
_NOISE_RX = r"[\s()\[\]{}<>【】〔〕「」『』《》〈〉.,，。·•'\"&/_\-]+"


def normalise_names(names: pd.Series) -> pd.Series:
    """Names as compared for duplicates: full-/half-width folded (NFKC), lower case, brackets, spaces and
    punctuation removed, legal-form suffixes (有限公司, 股份, Co., Ltd ...) stripped; empty -> missing.

    Parameters
    ----------
    names : Series

    Returns
    -------
    Series of string

    Examples
    --------
    >>> import pandas as pd
    >>> names = pd.Series(["上海华兴电子有限公司", "上海 华兴电子（有限公司）", "ACME Co., Ltd.", "有限公司"])
    >>> normalise_names(names).tolist()
    ['上海华兴电子', '上海华兴电子', 'acme', <NA>]
    """
    s = names.astype("string").str.normalize("NFKC").str.lower().str.replace(_NOISE_RX, "", regex=True)
    for _ in range(3):
        s = s.str.replace(_SUFFIX_RX, "", regex=True)
    return s.where(s.str.len() >= 2)


def _normalise(col: str, s: pd.Series) -> pd.Series:
    if col == "name":
        return normalise_names(s)
    s = s.astype("string").str.normalize("NFKC").str.strip()
    if col == "phone":
        d = s.str.replace(r"\D", "", regex=True).str.replace(r"^(?:0086|86)(?=1\d{10}$)", "", regex=True)
        return d.where(d.str.len() >= 7)
    if col == "email":
        e = s.str.lower()
        return e.where(e.str.contains("@", regex=False))
    t = s.str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)   # tax id
    return t.where(t.str.len() >= 6)


def likely_duplicates(customers: pd.DataFrame, k: int = 5) -> tuple[Exclusion, ...]:
    """A flag listing sets of accounts that look like one account under several ids: the same normalised
    name, phone, e-mail or tax id (examples name the ids and what they share)."""
    ids = customers["customer_id"].astype("string")
    sets: dict[tuple[str, ...], list[str]] = {}
    for col, label in (("name", "name"), ("tax_id", "tax id"), ("phone", "phone"), ("email", "e-mail")):
        if col not in customers:
            continue
        key = _normalise(col, customers[col])
        frame = pd.DataFrame({"id": ids, "key": key}).dropna().drop_duplicates()
        multi = frame[frame.duplicated("key", keep=False)]
        for _, grp in multi.groupby("key", sort=True):
            members = tuple(sorted(grp["id"].astype(str)))
            if len(members) > 1:
                sets.setdefault(members, []).append(label)
    if not sets:
        return ()
    accounts = len({i for m in sets for i in m})
    examples = tuple(f"{' = '.join(m)} (same {', '.join(why)})" for m, why in list(sets.items())[:k])
    return (Exclusion("customers", "likely_duplicate_account", accounts,
                      f"kept: {len(sets):,} set(s) of accounts look like one account under several ids (same "
                      "normalised name, phone, e-mail or tax id); if they are, merge them with data.merge_ids "
                      "{alias: kept id}", examples=examples),)


def merge_ids(tables: dict[str, pd.DataFrame], merge: dict[str, str], grain: str,
              derived: dict[str, pd.DataFrame] | None = None) -> list[str]:
    """Re-key every table's ``customer_id`` (and ``customers.parent_id``) from alias to kept id, in place;
    the alias's customers row is dropped when the kept id has one (else it takes the kept id). Returns notes
    with the rows re-keyed per table.

    ``derived`` may hold ``product_mix`` (:attr:`kamlib.ledger.Ledger.product_mix`), computed from the order
    lines: re-keyed the same way, in place, and summed again per account and product line (no note)."""
    if not merge:
        return []
    final = {str(a): str(b) for a, b in merge.items()}
    for a in list(final):   # alias chains (A -> B, B -> C) end at the last id
        seen = {a}
        while final[a] in final and final[a] not in seen:
            seen.add(final[a])
            final[a] = final[final[a]]
    notes = []
    aliases = pd.Series(list(final), dtype=V.STRING_DTYPE)
    for table, df in list(tables.items()):
        if df is None or "customer_id" not in df:
            continue
        hit = df["customer_id"].isin(aliases).fillna(False).to_numpy(dtype=bool)
        if table == "customers" and "parent_id" in df:
            df = df.assign(parent_id=df["parent_id"].replace(final).astype(V.STRING_DTYPE))
        if not hit.any():
            tables[table] = df
            continue
        df = df.assign(customer_id=df["customer_id"].replace(final).astype(V.STRING_DTYPE))
        if table == "customers":
            present = set(df.loc[~hit, "customer_id"].dropna())
            drop = hit & df["customer_id"].isin(present).to_numpy(dtype=bool)
            df = df.loc[~drop].drop_duplicates("customer_id")
            notes.append(f"customers: {int(hit.sum()):,} id(s) merged into another account by data.merge_ids")
        else:
            if table == "orders" and grain == "day":
                money = [c for c in ("revenue", "gross_profit", "n_orders", "n_lines") if c in df]
                df = df.groupby(["customer_id", "order_date"], as_index=False, sort=True)[money].sum()
            notes.append(f"{table}: {int(hit.sum()):,} row(s) re-keyed by data.merge_ids")
        tables[table] = df
    if derived is not None and derived.get("product_mix") is not None:
        mix = derived["product_mix"]
        if mix["customer_id"].isin(aliases).fillna(False).to_numpy(dtype=bool).any():
            # an alias's product lines join the kept id's: the pairs are summed again
            mix = mix.assign(customer_id=mix["customer_id"].replace(final).astype(V.STRING_DTYPE))
            derived["product_mix"] = mix.groupby(["customer_id", "product_line"], as_index=False, sort=True)[
                ["lines", "revenue"]].sum()
    return notes
