"""PII masking for distributed reports.

Reports that leave the analyst's desk (``kam run``) mask personal data by default: contact names, phones,
e-mails, respondent names and account managers (columns flagged ``pii=True`` in :mod:`kamlib.ledger`);
account names too when ``report.mask_names`` is on. Analysts' own runs in JupyterLab are unmasked.
Masking keeps just enough to recognise a record (first character, last digits, mail domain) and is
deterministic, so the same account reads the same in every report.
"""
from __future__ import annotations

import re

import pandas as pd

from .ledger import TABLES

_EMAIL = re.compile(r"^([^@\s])[^@\s]*(@.+)$")


def mask_name(value) -> object:
    """'张伟' -> '张*', 'Zhang Wei' -> 'Z********'; missing values stay missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    s = str(value).strip()
    return s[:1] + "*" * max(len(s) - 1, 1) if s else s


def mask_phone(value) -> object:
    """'13812345678' -> '*******5678' (last four digits kept)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    digits = re.sub(r"\D", "", str(value))
    return "*" * max(len(digits) - 4, 3) + digits[-4:] if digits else "***"


def mask_email(value) -> object:
    """'li.na@example.com' -> 'l***@example.com'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    m = _EMAIL.match(str(value).strip())
    return f"{m.group(1)}***{m.group(2)}" if m else "***"


_MASKERS = {"phone": mask_phone, "email": mask_email}


def pii_columns(table: str, mask_names: bool = False) -> tuple[str, ...]:
    """Columns of a canonical table that distributed reports mask."""
    spec = TABLES[table]
    cols = [c.name for c in spec.columns if c.pii]
    if mask_names and table == "customers":
        cols.append("name")
    return tuple(cols)


def mask_frame(df: pd.DataFrame | None, columns) -> pd.DataFrame | None:
    """A copy of ``df`` with each of ``columns`` that is present masked (phones, e-mails, names)."""
    if df is None:
        return None
    out = df.copy()
    for col in columns:
        if col in out.columns:
            masker = _MASKERS.get(col, mask_name)
            out[col] = out[col].map(masker).astype(out[col].dtype) if len(out) else out[col]
    return out
