"""Churn durations per account, the churn covariates and the inactivity-threshold sensitivity."""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import KamlibError, StatisticalWarning
from ..i18n import Message
from ..ledger import take_rows


def _first_last_orders(orders: pd.DataFrame) -> pd.DataFrame:
    g = orders.groupby("customer_id", observed=True)["order_date"]
    # distinct order days: two lines of one order (or two orders on one day) are one purchase occasion
    return pd.DataFrame({"first_order_date": g.min(), "last_order_date": g.max(), "order_days": g.nunique()})


def _has_values(customers: pd.DataFrame, col: str) -> bool:
    return col in customers.columns and customers[col].notna().any()


def _prepare(ledger, as_of: pd.Timestamp, window_start) -> tuple:
    """Customers (unique index), first/last order per account and the window start: scanned once."""
    cust = ledger.customers.set_index("customer_id")
    cust = cust[~cust.index.duplicated()]
    orders = take_rows(ledger.orders, (ledger.orders["order_date"] <= as_of).to_numpy(dtype=bool))
    fl = _first_last_orders(orders).reindex(cust.index)
    ws = pd.Timestamp(window_start) if window_start is not None else pd.Timestamp(ledger.orders["order_date"].min())
    ws = ws.normalize() if not pd.isna(ws) else as_of
    return cust, fl, ws


def resolve_definition(customers: pd.DataFrame, definition: str = "auto") -> str:
    """The churn definition in force: ``auto`` is ``contractual`` when the customers table has churn or
    contract-end dates, else ``inactivity``.

    Parameters
    ----------
    customers : DataFrame
        The ledger's customers table.
    definition : {"auto", "contractual", "inactivity"}

    Returns
    -------
    str
        ``"contractual"`` or ``"inactivity"`` (an explicit choice is returned as given).
    """
    if definition != "auto":
        return definition
    contractual = any(_has_values(customers, c) for c in ("churn_date", "contract_end_date"))
    return "contractual" if contractual else "inactivity"


def churn_durations(ledger, as_of, inactivity_days: int = 180,
                    definition: Literal["auto", "contractual", "inactivity"] = "auto",
                    window_start=None) -> pd.DataFrame:
    """One churn duration per account: time at risk, churn flag and late-entry time.

    Parameters
    ----------
    ledger : kamlib.ledger.Ledger
        Validated ledger (``customers`` and ``orders`` are used).
    as_of : date-like
        Period end: churn after it is not known (censoring).
    inactivity_days : int
        Non-contractual definition: an account is at risk from its first order and is lost once
        ``inactivity_days`` have passed after its last order without a new one, i.e. on
        ``last_order_date + inactivity_days`` when that date is on or before ``as_of``; otherwise it is
        censored at ``as_of``. A one-time buyer is therefore lost at ``inactivity_days``, never at day 0.
    definition : {"auto", "contractual", "inactivity"}
        ``auto`` uses contractual dates when the customers table has ``churn_date`` or
        ``contract_end_date`` values, else inactivity.
    window_start : date-like, optional
        First day covered by the ledger (default: first order date). Accounts whose clock starts before it
        enter the risk set late, at ``entry_days``.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``start_date``, ``end_date``, ``duration_days`` (float),
    ``churned`` (bool), ``entry_days`` (float, 0 when the account started inside the window),
    ``last_order_date``, ``order_days`` (distinct order dates up to ``as_of``), ``one_time`` (at most one
    order day) and ``definition``. Accounts whose clock starts after ``as_of`` or who have no start
    date at all are left out (a :class:`StatisticalWarning` counts them).

    Raises
    ------
    KamlibError
        Unknown ``definition``, non-positive ``inactivity_days``, or a contractual definition requested on
        a ledger without churn / contract end dates.
    """
    if definition not in ("auto", "contractual", "inactivity"):
        raise KamlibError(f"survival.definition must be 'auto', 'contractual' or 'inactivity', got {definition!r}")
    if inactivity_days is None or int(inactivity_days) <= 0:
        raise KamlibError(f"survival.inactivity_days must be a positive number of days, got {inactivity_days!r}")
    as_of = pd.Timestamp(as_of).normalize()
    return _durations(_prepare(ledger, as_of, window_start), as_of, inactivity_days, definition)


def _durations(prepared: tuple, as_of: pd.Timestamp, inactivity_days: int, definition: str) -> pd.DataFrame:
    """:func:`churn_durations` on the output of :func:`_prepare` (validated arguments, normalised ``as_of``),
    so that several thresholds share one scan of the orders."""
    cust, fl, ws = prepared

    contractual_cols = [c for c in ("churn_date", "contract_end_date") if _has_values(cust, c)]
    resolved = resolve_definition(cust, definition)
    if resolved == "contractual" and not contractual_cols:
        raise KamlibError("survival.definition is 'contractual' but the customers table has no churn_date or "
                          "contract_end_date values. Map those columns in the params file (columns: customers:) "
                          "or set survival.definition: inactivity.")

    fcd = cust["first_contract_date"] if "first_contract_date" in cust.columns else \
        pd.Series(pd.NaT, index=cust.index, dtype="datetime64[ns]")
    first_order = fl["first_order_date"]
    # the clock starts at the first contract when known (earlier of contract and first order), else at
    # the first observed order
    start = fcd.where(fcd.notna() & ~(first_order < fcd), first_order)
    last_order = fl["last_order_date"]

    if resolved == "contractual":
        # without churn dates an expired, not renewed contract is a loss
        ev_date = cust["churn_date"] if "churn_date" in contractual_cols else cust["contract_end_date"]
        churned = (ev_date.notna() & (ev_date <= as_of)).astype(bool)
        end = ev_date.where(churned, as_of)
    else:
        # the loss is known only once the inactivity gap has passed: the event date is the day the gap
        # closes, so an account that ordered once is lost at inactivity_days, never at day 0
        lost_on = last_order + pd.Timedelta(days=int(inactivity_days))
        churned = (lost_on <= as_of).fillna(False).astype(bool)
        end = lost_on.where(churned, as_of)

    out = pd.DataFrame({"start_date": start, "end_date": end, "churned": churned,
                        "last_order_date": last_order,
                        "order_days": fl["order_days"].fillna(0).astype("int64")})
    bad = out["start_date"].isna() | (out["start_date"] > as_of)
    if bad.any():
        warnings.warn(StatisticalWarning(Message("survival.w.no_start", {"n": int(bad.sum()),
                                                                       "as_of": str(as_of.date())})), stacklevel=3)
        out = out[~bad]
    out["duration_days"] = (out["end_date"] - out["start_date"]).dt.days.astype("float64").clip(lower=0.0)
    entry = (ws - out["start_date"]).dt.days.astype("float64").clip(lower=0.0)
    out["entry_days"] = np.minimum(entry, out["duration_days"])
    out["churned"] = out["churned"].astype(bool)
    out["one_time"] = out["order_days"] <= 1
    out["definition"] = resolved
    out.index.name = "customer_id"
    out.attrs.update({"as_of": str(as_of.date()), "window_start": str(ws.date()), "definition": resolved,
                      "inactivity_days": int(inactivity_days)})
    return out[["start_date", "end_date", "duration_days", "churned", "entry_days", "last_order_date",
                "order_days", "one_time", "definition"]]


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Churn rate under several inactivity thresholds.

    ``table``: one row per threshold: ``inactivity_days, accounts, churned, churn_rate,
    churned_revenue_share`` and, when the ledger also has contractual churn dates, ``precision`` (share of
    inactivity-churned accounts that really churned) and ``recall`` (share of real churn detected).
    """

    table: pd.DataFrame
    chosen: int | None = None
    warnings: tuple = ()   # kamlib.i18n.Message (or text)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, escape=True)


def threshold_sensitivity(ledger, as_of, days: Iterable[int] = (90, 120, 180, 270, 365),
                          chosen: int | None = None, window_start=None) -> SensitivityResult:
    """How the non-contractual churn rate depends on the inactivity threshold.

    Parameters
    ----------
    ledger : Ledger
    as_of : date-like
    days : iterable of int
        Inactivity thresholds to compare (e.g. ``params.survival.sensitivity_days``).
    chosen : int, optional
        The threshold used in the report (marked in the figure).

    Returns
    -------
    SensitivityResult
    """
    days = sorted({int(d) for d in days})
    if not days or days[0] <= 0:
        raise KamlibError(f"sensitivity thresholds must be positive numbers of days, got {days}")
    as_of = pd.Timestamp(as_of)
    o = ledger.orders
    rev = take_rows(o, (o["order_date"] <= as_of).to_numpy(dtype=bool)).groupby("customer_id")["revenue"].sum()
    cust = ledger.customers.set_index("customer_id")
    truth = None
    if _has_values(cust, "churn_date"):
        truth = cust["churn_date"].notna() & (cust["churn_date"] <= as_of)
    rows = []
    day = as_of.normalize()
    prepared = _prepare(ledger, day, window_start)   # one scan of the orders for all thresholds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # the same exclusions repeat for every threshold
        for d in days:
            cd = _durations(prepared, day, d, "inactivity")
            ch = cd["churned"]
            r = rev.reindex(cd.index).fillna(0.0)
            row = {"inactivity_days": d, "accounts": int(len(cd)), "churned": int(ch.sum()),
                   "churn_rate": float(ch.mean()) if len(cd) else float("nan"),
                   "churned_revenue_share": float(r[ch].sum() / r.sum()) if r.sum() > 0 else float("nan")}
            if truth is not None:
                tr_ = truth.reindex(cd.index).fillna(False).astype(bool)
                row["precision"] = float((ch & tr_).sum() / ch.sum()) if ch.sum() else float("nan")
                row["recall"] = float((ch & tr_).sum() / tr_.sum()) if tr_.sum() else float("nan")
            rows.append(row)
    return SensitivityResult(table=pd.DataFrame(rows), chosen=chosen)


def churn_covariates(customers: pd.DataFrame, late_threshold: float = 0.5, dissatisfied_below: float = 3.0,
                     satisfaction: str | None = None, large_bands: Sequence[str] = ("大型", "large"),
                     missing: Literal["level", "keep"] = "level",
                     rates: Sequence[str] = ("complaints_per_year",)) -> pd.DataFrame:
    """Readable churn covariates from the customer frame (``wb.customers``).

    * ``late_payer``: ``late_share >= late_threshold`` (share of invoices paid late or overdue);
    * ``dissatisfied``: overall satisfaction of the account's latest survey wave below ``dissatisfied_below``;
      ``satisfaction`` names the column (default: the first of ``sat_overall_last_wave``, ``sat_overall``,
      ``overall``, ``sat_csat`` present). This is the account's current value, the one the at-risk ranking
      scores; given the ledger, :func:`churn_model` fits ``dissatisfied`` and ``not_surveyed`` as of each
      day from the dated answers (:func:`kamlib.survival.episodes.survey_states`), because surveys reach
      only accounts still active, so "never surveyed" over the whole period partly means "already lost";
    * ``large``: ``size_band`` in ``large_bands``;
    * ``complaints_per_year``, ``contacts_per_year`` (continuous): complaints / contacts in the last 12
      months, the frame's ``complaint_rate`` / ``contact_rate`` when present (the workbook adds them from the
      interactions table, see :func:`kamlib.accounts.contact_covariates`), those named in ``rates``; an
      account without observed time counts 0. For an active account this is its current count, the value
      the at-risk ranking scores. The Cox model does not fit them from this one value per account (for a
      lost account it holds the complaints of its last months, known only in hindsight): given the ledger,
      :func:`churn_model` counts them as of each day (:func:`kamlib.survival.episodes`). Contacts are left
      out by default: they are collinear with size and segment (key accounts are visited more) and a
      contact gap before a loss is as much its consequence as its cause, so on the demo they turn the
      large-account hazard ratio from below 1 to above 1.

    Only covariates whose source column exists and has values are returned, so the same code runs on
    ledgers without invoices or surveys. ``missing="level"`` (default) keeps every account: an account
    never surveyed gets ``dissatisfied = 0`` and ``not_surveyed = 1`` (its own level of the satisfaction
    factor, compared with satisfied accounts), one without invoices ``late_payer = 0`` and
    ``no_invoices = 1``; an unknown size band counts as not large. ``missing="keep"`` leaves NaN instead
    (the accounts then drop out of a Cox fit).

    Parameters
    ----------
    customers : DataFrame
        Customer frame indexed by ``customer_id`` (``late_share``, ``sat_overall``, ``size_band`` ...).
    late_threshold : float, default 0.5
        Late-paid share of invoices from which an account is a late payer.
    dissatisfied_below : float, default 3.0
        Overall satisfaction (1-5) below which an account is dissatisfied.
    satisfaction : str, optional
        Column of the satisfaction score (see above).
    large_bands : sequence of str, default ("大型", "large")
        ``size_band`` values that count as large.
    missing : {"level", "keep"}, default "level"
        How accounts without invoices / surveys are coded (see above).
    rates : sequence of str, default ("complaints_per_year",)
        Interaction rates to include (``complaints_per_year``, ``contacts_per_year``).

    Returns
    -------
    DataFrame
        Indexed like ``customers``; 0/1 float columns among ``late_payer``, ``no_invoices``,
        ``dissatisfied``, ``not_surveyed``, ``large``, and the rates ``complaints_per_year``,
        ``contacts_per_year``.
    """
    if missing not in ("level", "keep"):
        raise KamlibError(f"churn_covariates: missing must be 'level' or 'keep', got {missing!r}")
    out = pd.DataFrame(index=customers.index)

    def add(name: str, flag: pd.Series, known: pd.Series, missing_name: str | None) -> None:
        if not known.any():   # no source data at all: no covariate rather than a column of unknowns
            return
        if missing == "keep":
            out[name] = flag.astype(float).where(known)
            return
        out[name] = (flag & known).astype(float)
        if missing_name is not None and not known.all():
            out[missing_name] = (~known).astype(float)

    if "late_share" in customers:
        ls = customers["late_share"].astype(float)
        add("late_payer", ls >= late_threshold, ls.notna(), "no_invoices")
    sat = satisfaction
    if sat is None:
        sat = next((c for c in ("sat_overall_last_wave", "sat_overall", "overall", "sat_csat", "sat_overall_mean")
                    if c in customers), None)
    if sat is not None and sat in customers:
        sv = customers[sat].astype(float)
        add("dissatisfied", sv < dissatisfied_below, sv.notna(), "not_surveyed")
    if "size_band" in customers:
        sb = customers["size_band"]
        add("large", sb.isin(list(large_bands)), sb.notna(), None)
    for src, term in (("complaint_rate", "complaints_per_year"), ("contact_rate", "contacts_per_year")):
        if term in rates and src in customers and customers[src].notna().any():   # from kamlib.accounts
            r = customers[src].astype(float)
            out[term] = r if missing == "keep" else r.fillna(0.0)
    return out
