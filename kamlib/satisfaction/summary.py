"""Headline, item and Likert summaries, and the account-level frame joined to the customer table."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..i18n import unique_messages
from ._stats import (
    _check_range,
    _frame_html,
    _mean_ci,
    _mean_stat,
    _msg,
    _numeric,
    _share_stat,
    _top_flag,
    _unit,
    _warn,
)
from .labels import item_label, likert_label
from .scores import NPSResult, nps
from .surveys import _check_surveys, _item_columns, _options, _prepare, _waves

#: Likert scale points 5..1 with their labels
LIKERT_LEVELS = (5, 4, 3, 2, 1)


def account_satisfaction(surveys: pd.DataFrame, settings=None, *, constructs: Mapping[str, Sequence[str]] | None = None,
                         overall: str | None = None, nps: str | None = None) -> pd.DataFrame:
    """One row per surveyed account: the account-level satisfaction that joins the customer frame.

    Respondents of an account are averaged first (so an account weighs once, whatever its number of
    respondents). ``kamlib.workbook`` joins this frame onto ``wb.customers`` with the prefix ``sat_``.

    Parameters
    ----------
    surveys : DataFrame
        Canonical ``surveys`` table (``customer_id``, ``survey_date``, ``wave``, ``overall``, ``nps`` and the
        Likert items named in ``constructs``).
    constructs : dict of str to list of str, optional
        Construct name -> its Likert item columns (``params.satisfaction.constructs``); default none.
    overall, nps : str, optional
        Columns of overall satisfaction (1-5) and likelihood to recommend (0-10); default ``overall``, ``nps``.
    settings : SatisfactionSection, optional
        Deprecated: pass the options above as keywords.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with columns

    * ``n_responses`` (int), ``n_waves`` (int), ``first_survey_date``, ``last_survey_date``, ``last_wave``
    * ``overall``: mean overall satisfaction (1-5) over all the account's responses
    * ``overall_last_wave``: the same within the account's latest wave
    * ``csat``: share of the account's responses with overall 4-5
    * ``nps``: the account's NPS in points (share of promoters - detractors among its respondents, ×100)
    * ``nps_score``: mean 0-10 likelihood to recommend
    * ``dissatisfied``: 1.0 when ``overall`` < 3 (the survival covariate), else 0.0
    * ``construct_<name>``: mean of the construct's items (each response's items averaged first)

    Columns whose source column is absent are NaN. Accounts with one respondent are kept: the frame
    describes accounts, it does not claim precision (use the summary functions for intervals).
    """
    _check_surveys(surveys, "account_satisfaction")
    st = _options("account_satisfaction", settings, constructs=constructs, overall=overall, nps=nps)
    items_of = _item_columns(surveys, st.constructs, "account_satisfaction")
    s = surveys.copy()
    s["customer_id"] = s["customer_id"].astype("string")
    s = s[s["customer_id"].notna()]
    s["_wave"] = _waves(s)
    cols: dict[str, pd.Series] = {}
    g = s.groupby("customer_id", sort=True)
    cols["n_responses"] = g.size().astype("int64")
    cols["n_waves"] = g["_wave"].nunique().astype("int64")
    if "survey_date" in s.columns:
        d = pd.to_datetime(s["survey_date"])
        cols["first_survey_date"] = d.groupby(s["customer_id"]).min()
        cols["last_survey_date"] = d.groupby(s["customer_id"]).max()
        # latest wave = wave of the latest response (wave labels need not sort as strings)
        last = s.assign(_d=d).sort_values(["customer_id", "_d"]).groupby("customer_id")["_wave"].last()
    else:
        last = s.sort_values(["customer_id", "_wave"]).groupby("customer_id")["_wave"].last()
    cols["last_wave"] = last.astype("string")
    idx = cols["n_responses"].index
    ov = st.overall
    if ov in s.columns:
        o = pd.to_numeric(s[ov], errors="coerce").astype("float64")
        _check_range(o.to_numpy(), 1, 5, f"surveys.{ov}")
        cols["overall"] = o.groupby(s["customer_id"]).mean()
        in_last = s["_wave"] == s["customer_id"].map(last)
        cols["overall_last_wave"] = o[in_last].groupby(s["customer_id"][in_last]).mean().reindex(idx)
        sat = (o >= 4).astype("float64").where(o.notna())
        cols["csat"] = sat.groupby(s["customer_id"]).mean()
        cols["dissatisfied"] = (cols["overall"] < 3).astype("float64").where(cols["overall"].notna())
    else:
        for c in ("overall", "overall_last_wave", "csat", "dissatisfied"):
            cols[c] = pd.Series(np.nan, index=idx)
    nc = st.nps
    if nc in s.columns:
        x = pd.to_numeric(s[nc], errors="coerce").astype("float64")
        _check_range(x.to_numpy(), 0, 10, f"surveys.{nc}")
        cat = pd.Series(np.select([x >= 9, x <= 6], [100.0, -100.0], 0.0), index=s.index).where(x.notna())
        cols["nps"] = cat.groupby(s["customer_id"]).mean()
        cols["nps_score"] = x.groupby(s["customer_id"]).mean()
    else:
        cols["nps"] = pd.Series(np.nan, index=idx)
        cols["nps_score"] = pd.Series(np.nan, index=idx)
    for name, items in items_of.items():
        resp = s[items].apply(pd.to_numeric, errors="coerce").astype("float64").mean(axis=1)
        cols[f"construct_{name}"] = resp.groupby(s["customer_id"]).mean()
    out = pd.DataFrame({k: v.reindex(idx) for k, v in cols.items()})
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    return out


@dataclass(frozen=True, eq=False)
class SummaryResult:
    """A table of estimates with intervals (``estimate``, ``ci_lower``, ``ci_upper``, ``n``, ``estimable``)."""

    table: pd.DataFrame
    aggregate: str = "account"
    ci: float = 0.95
    kind: str = "summary"
    warnings: tuple = ()
    #: the headline NPS with its promoter / passive / detractor shares (the same number as the table's row)
    nps: NPSResult | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def headline(surveys: pd.DataFrame, settings=None, *, aggregate: Literal["account", "respondent"] | None = None,
             wave=None, overall: str | None = None, nps: str | None = None, ci: float | None = None,
             min_n: int | None = None) -> SummaryResult:
    """CSAT (top-2-box of overall), NPS and mean overall satisfaction, each with interval and n.

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    settings : SatisfactionSection, optional
        Deprecated: pass the options below as keywords (``params.satisfaction.<option>``).
    aggregate : {"account", "respondent"}, optional
        Unit of the estimates; default ``account`` (respondents averaged within an account first).
    wave : str or "latest", optional
        Restrict to one wave (``"latest"``: the last wave label); default all responses.
    overall, nps : str, optional
        Columns of overall satisfaction (1-5) and likelihood to recommend (0-10); default ``overall``, ``nps``.
    ci : float, optional
        Confidence level of the intervals; default 0.95.
    min_n : int, optional
        Fewest units for an estimate (below it: NaN, ``estimable=False``); default 10.

    Returns
    -------
    SummaryResult
        Rows ``csat`` (share), ``nps`` (points), ``overall`` (1-5 mean); columns ``estimate``, ``se``,
        ``ci_lower``, ``ci_upper``, ``n``, ``unit``, ``estimable``.
    """
    st = _options("headline", settings, aggregate=aggregate, overall=overall, nps=nps, ci=ci, min_n=min_n)
    agg = st.aggregate
    s = _prepare(surveys, "headline", wave)
    msgs: list = []
    acc = s["customer_id"]
    rows = {}
    nps_res: NPSResult | None = None
    unit = "accounts" if agg == "account" else "responses"
    if st.overall in s.columns:
        o = pd.to_numeric(s[st.overall], errors="coerce").astype("float64")
        rows["csat"] = _share_stat(_top_flag(o, 2, 5), acc, agg, st.ci, st.min_n, "CSAT", msgs)
        rows["overall"] = _mean_stat(o, acc, agg, st.ci, st.min_n, {"zh": "总体满意度均值", "en": "Mean overall "
                                     "satisfaction"}, msgs, (1, 5))
    if st.nps in s.columns:
        x = pd.to_numeric(s[st.nps], errors="coerce").astype("float64")
        nps_res = _headline_nps(x, acc, agg, st, msgs)
        rows["nps"] = {"estimate": nps_res.nps, "se": nps_res.se, "ci_lower": nps_res.ci_lower,
                       "ci_upper": nps_res.ci_upper, "n": nps_res.n, "estimable": nps_res.estimable}
    t = pd.DataFrame.from_dict(rows, orient="index",
                               columns=["estimate", "se", "ci_lower", "ci_upper", "n", "estimable"])
    t["unit"] = unit
    t.index.name = "measure"
    if len(t) and (t["n"] < 30).any() and t["estimable"].all():
        _warn(msgs, _msg("headline_small", **_unit(unit)))
    return SummaryResult(t, agg, st.ci, "headline", tuple(msgs), nps_res)


def _headline_nps(x: pd.Series, acc: pd.Series, agg: str, st, msgs: list) -> NPSResult:
    """The headline NPS: of responses (``agg="respondent"``) or the mean of the accounts' NPS, with the mean
    promoter / passive / detractor shares of the accounts (so the figure shows the table's number)."""
    if agg == "respondent":
        r = nps(x, ci=st.ci, min_n=st.min_n)
        msgs.extend(r.warnings)
        return r
    ok = x.notna()
    shares = pd.DataFrame({"p": (x[ok] >= 9).astype("float64"), "d": (x[ok] <= 6).astype("float64")})
    per_acc = shares.groupby(acc[ok]).mean()
    v = 100.0 * (per_acc["p"] - per_acc["d"])
    nan = float("nan")
    if len(v) < st.min_n:
        _warn(msgs, _msg("nps_ne_accounts", n=len(v), min_n=st.min_n))
        return NPSResult(nan, nan, nan, nan, nan, nan, nan, int(len(v)), st.ci, False, (), "account")
    m, lo, hi, se, n = _mean_ci(v, st.ci, -100.0, 100.0)
    if se == 0:
        _warn(msgs, _msg("nps_degenerate_accounts", n=n))
    pp, pd_ = float(per_acc["p"].mean()), float(per_acc["d"].mean())
    return NPSResult(m, se, lo, hi, pp, 1.0 - pp - pd_, pd_, n, st.ci, True, (), "account")


@dataclass(frozen=True, eq=False)
class LikertResult:
    """Answer distribution per item: ``shares`` (rows = items, columns = 1..scale, rows sum to 1),
    ``counts`` (responses) and ``n`` (units: accounts or responses)."""

    shares: pd.DataFrame
    counts: pd.DataFrame
    n: pd.Series
    aggregate: str = "account"
    scale: int = 5
    warnings: tuple[str, ...] = ()

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        out = self.shares.copy()
        if self.scale == 5:
            out.columns = [likert_label(c, lang) for c in out.columns]
        out["n"] = self.n
        return out

    def _repr_html_(self) -> str:
        return _frame_html(self.to_frame())


def likert_distribution(surveys: pd.DataFrame, items: Sequence[str], aggregate: str = "account",
                        scale: int = 5, wave=None) -> LikertResult:
    """Distribution of answers (1..scale) per item.

    With ``aggregate="account"`` each account carries weight 1 per item, split evenly over its respondents
    who answered the item, so a chatty account does not dominate; with ``"respondent"`` every answer counts
    once.

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    items : sequence of str
        Item columns (answers 1..``scale``), in display order.
    aggregate : {"account", "respondent"}, default "account"
        Weighting unit (see above).
    scale : int, default 5
        Highest answer.
    wave : str or "latest", optional
        Restrict to one wave (``"latest"``: the last wave label); default all responses.

    Returns
    -------
    LikertResult
        ``shares`` and ``counts`` (item x answer level, ``scale`` .. 1) and ``n`` per item.
    """
    s = _prepare(surveys, "likert_distribution", wave)
    missing = [i for i in items if i not in s.columns]
    if missing:
        raise DataError(f"likert_distribution: item column(s) {missing} not in the surveys table.")
    x = _numeric(s, items)
    _check_range(x.to_numpy().ravel(), 1, scale, f"Likert items (1-{scale})")
    levels = list(range(1, scale + 1))
    shares, counts, ns = {}, {}, {}
    for it in items:
        v = x[it]
        ok = v.notna()
        r = v[ok].round()
        acc = s["customer_id"][ok]
        counts[it] = r.value_counts().reindex(levels, fill_value=0).astype("int64")
        if aggregate == "account":
            w = 1.0 / acc.map(acc.value_counts())
            tot = w.groupby(r).sum().reindex(levels, fill_value=0.0)
            ns[it] = int(acc.nunique())
        else:
            tot = counts[it].astype("float64")
            ns[it] = int(ok.sum())
        shares[it] = tot / tot.sum() if tot.sum() > 0 else tot * np.nan
    sh = pd.DataFrame(shares).T
    sh.columns = levels
    ct = pd.DataFrame(counts).T
    ct.columns = levels
    return LikertResult(sh, ct, pd.Series(ns, name="n"), aggregate, scale, ())


def item_summary(surveys: pd.DataFrame, settings=None, *, constructs: Mapping[str, Sequence[str]] | None = None,
                 aggregate: Literal["account", "respondent"] | None = None, box: int = 2, scale: int = 5,
                 wave=None, overall: str | None = None, ci: float | None = None,
                 min_n: int | None = None) -> SummaryResult:
    """Top-box share and mean (each with interval) per item and per construct.

    A construct's score for a response is the mean of its answered items.

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    settings : SatisfactionSection, optional
        Deprecated: pass the options below as keywords (``params.satisfaction.<option>``).
    constructs : dict of str to list of str, optional
        Construct name -> its Likert item columns (``params.satisfaction.constructs``); default none.
    aggregate : {"account", "respondent"}, optional
        Unit of the estimates; default ``account`` (respondents averaged within an account first).
    box : int, default 2
        Top-box width: answers ``scale - box + 1`` .. ``scale`` count as satisfied.
    scale : int, default 5
        Highest answer of the Likert scale.
    wave : str or "latest", optional
        Restrict to one wave; default all responses.
    overall : str, optional
        Column of overall satisfaction (1-5), summarised as its own row; default ``overall``.
    ci : float, optional
        Confidence level of the intervals; default 0.95.
    min_n : int, optional
        Fewest units for an estimate (below it: NaN, ``estimable=False``); default 10.

    Returns
    -------
    SummaryResult
        Rows indexed by name with a ``level`` column ("item" / "construct" / "overall") and the
        ``construct`` each item belongs to; columns ``mean``, ``mean_lower``, ``mean_upper``, ``top_box``,
        ``top_box_lower``, ``top_box_upper``, ``n``, ``estimable``.
    """
    st = _options("item_summary", settings, constructs=constructs, aggregate=aggregate, overall=overall, ci=ci,
                  min_n=min_n)
    agg = st.aggregate
    s = _prepare(surveys, "item_summary", wave)
    items_of = _item_columns(s, st.constructs, "item_summary")
    msgs: list[str] = []
    acc = s["customer_id"]
    rows = []

    def one(name, level, construct, v):
        zh, en = item_label(name, "zh", st.constructs), item_label(name, "en", st.constructs)
        m = _mean_stat(v, acc, agg, st.ci, st.min_n, {"zh": f"{zh}均值", "en": f"Mean of {en}"}, msgs, (1, scale))
        tb = _share_stat(_top_flag(v, box, scale), acc, agg, st.ci, st.min_n,
                         {"zh": f"{zh}满意率", "en": f"Top-{box}-box of {en}"}, msgs)
        rows.append({"name": name, "level": level, "construct": construct, "mean": m["estimate"],
                     "mean_lower": m["ci_lower"], "mean_upper": m["ci_upper"], "top_box": tb["estimate"],
                     "top_box_lower": tb["ci_lower"], "top_box_upper": tb["ci_upper"], "n": m["n"],
                     "estimable": bool(m["estimable"] and tb["estimable"])})

    for cname, items in items_of.items():
        x = _numeric(s, items)
        _check_range(x.to_numpy().ravel(), 1, scale, f"construct {cname}")
        for it in items:
            one(it, "item", cname, x[it])
        if len(items) > 1:
            one(cname, "construct", cname, x.mean(axis=1))
    if st.overall in s.columns:
        one(st.overall, "overall", "", pd.to_numeric(s[st.overall], errors="coerce").astype("float64"))
    t = pd.DataFrame(rows, columns=["name", "level", "construct", "mean", "mean_lower", "mean_upper", "top_box",
                                    "top_box_lower", "top_box_upper", "n", "estimable"]).set_index("name")
    return SummaryResult(t, agg, st.ci, "items", unique_messages(msgs))

