"""Demo invoices: one per order, paid late by the planted late payers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._columns import _canonical, _dates, _group_rank, _str_series
from .constants import _LATE_SHARE, _SEG_TERMS60


def _invoices(rng, n, end, acc, info, extra) -> pd.DataFrame:
    cust, day = info["order_cust"], info["order_day"]
    n_inv = len(day)
    terms_c = np.where(rng.random(n) < _SEG_TERMS60[acc["seg"]], 60, 30)
    terms = terms_c[cust]
    # Late invoices per account: Binomial(n, 85% | 5%), then kept on the right side of one half so that
    # the ledger rule "late share >= 0.5" reproduces the latent late_payer trait exactly.
    late_c = acc["late"]
    n_c = np.bincount(cust, minlength=n)
    m_c = rng.binomial(n_c, np.where(late_c, _LATE_SHARE[True], _LATE_SHARE[False]))
    half = np.ceil(n_c / 2).astype(np.int64)
    m_c = np.where(late_c, np.maximum(m_c, half), np.minimum(m_c, (n_c - 1) // 2))
    rank = _group_rank(cust, rng.random(n_inv))
    late = rank < m_c[cust]
    mean_delay = np.where(late_c[cust], 40.0, 12.0)
    pay_days = np.where(late, terms + 1 + np.floor(rng.gamma(2.0, mean_delay / 2.0)),
                        np.ceil(terms * rng.uniform(0.35, 1.0, n_inv)))
    paid = day + pay_days
    unpaid = paid > end
    amount = np.round(info["order_amount"], 2)
    df = pd.DataFrame({
        "invoice_id": _str_series(pc.binary_join_element_wise("INV-", info["order_ids"], "")),
        "customer_id": _str_series(extra["cid"].take(pa.array(cust))),
        "invoice_date": _dates(day),
        "due_date": _dates(day + terms),
        "amount": amount,
        "paid_date": _dates(np.where(unpaid, np.nan, paid)),
        "paid_amount": np.where(unpaid, 0.0, amount),
    })
    return _canonical(df, "invoices")

