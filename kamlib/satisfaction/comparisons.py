"""Group comparisons, wave-to-wave change and p-value adjustment."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import KamlibError
from ..i18n import unique_messages
from ._stats import (
    _account_codes,
    _frame_html,
    _mean_ci,
    _msg,
    _nps_points,
    _numeric,
    _top_flag,
    _unit,
    _unit_values,
    _warn,
)
from .surveys import _item_columns, _options, _prepare, _sorted_waves


@dataclass(frozen=True, eq=False)
class GroupTestResult:
    """Group comparisons: one row per (grouping, measure) in ``table``; group levels in ``groups``.

    ``table`` columns: ``by``, ``measure``, ``test`` (Kruskal-Wallis / Mann-Whitney), ``k`` (groups
    compared), ``n``, ``statistic``, ``p``, ``p_adj``, ``effect`` and ``effect_name`` (epsilon² or
    rank-biserial r), ``chi2``, ``chi2_p``, ``chi2_p_adj``, ``cramers_v`` (top-2-box share by group),
    ``unit``. ``correction`` names the multiple-testing method, applied across all rank tests of the table
    and, separately, across all chi-square tests.
    """

    table: pd.DataFrame
    groups: pd.DataFrame
    correction: str = "holm"
    aggregate: str = "account"
    warnings: tuple = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def _by(b: str) -> dict:
    """``by_zh`` / ``by_en`` parameters: the grouping's header, or its name when it has none."""
    from ..i18n import COLUMNS, column_label

    return {f"by_{lg}": column_label(b, lg, "satisfaction") if b in COLUMNS else str(b) for lg in ("zh", "en")}


def _meas(m: str, ltr: bool = False) -> dict:
    from .display import measure_label

    return {f"measure_{lg}": measure_label(m, lg, ltr=ltr) for lg in ("zh", "en")}


def _measures(s: pd.DataFrame, st, constructs) -> dict[str, tuple[pd.Series, int | None]]:
    """measure name -> (response-level values, scale for top-box or None)."""
    out: dict[str, tuple[pd.Series, int | None]] = {}
    if st.overall in s.columns:
        out[st.overall] = (pd.to_numeric(s[st.overall], errors="coerce").astype("float64"), 5)
    if st.nps in s.columns:
        out[st.nps] = (pd.to_numeric(s[st.nps], errors="coerce").astype("float64"), None)
    for cname, items in constructs.items():
        out[cname] = (_numeric(s, items).mean(axis=1), 5)
    return out


def adjust_pvalues(p, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values: Holm's step-down ("holm") or Benjamini-Hochberg ("fdr_bh").

    The same values as ``statsmodels.stats.multitest.multipletests(p, method=...)[1]`` (tested), without
    its full garbage collection on every Holm call, which is slow in a notebook kernel holding a large book.

    Parameters
    ----------
    p : array-like of float
        Raw p-values.
    method : {"holm", "fdr_bh"}, default "holm"

    Returns
    -------
    ndarray
        Adjusted p-values in the order of ``p``, at most 1.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype="float64")
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ps * np.arange(m, 0, -1))
    elif method == "fdr_bh":
        adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
    else:
        raise KamlibError(f"adjust_pvalues: method must be 'holm' or 'fdr_bh', got {method!r}")
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def group_tests(surveys: pd.DataFrame, customers: pd.DataFrame | None = None, by: Sequence[str] | None = None,
                settings=None, *, constructs: Mapping[str, Sequence[str]] | None = None,
                aggregate: Literal["account", "respondent"] | None = None, wave=None, overall: str | None = None,
                nps: str | None = None, ci: float | None = None, min_n: int | None = None,
                correction: Literal["holm", "fdr_bh"] | None = None) -> GroupTestResult:
    """Compare satisfaction across groups (tier, segment, region, respondent role ...).

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table.
    customers : DataFrame, optional
        Account attributes indexed by ``customer_id`` (e.g. ``wb.customers`` with ``tier``, ``segment``).
        A grouping column found in ``surveys`` (e.g. ``respondent_role``) is taken from there instead.
    by : list of str, optional
        Grouping columns; default ``tier`` and ``respondent_role`` (``params.satisfaction.group_by``). Missing
        columns are skipped with a warning.
    settings : SatisfactionSection, optional
        Deprecated: pass the options below as keywords (``params.satisfaction.<option>``).
    constructs : dict of str to list of str, optional
        Construct name -> its Likert item columns; each construct is compared as one measure. Default none.
    aggregate : {"account", "respondent"}, optional
        Account (default): the unit is the account (respondents of one account in one group averaged first);
        for a respondent attribute such as role, the unit is (account, role).
    wave : str or "latest", optional
        Restrict to one wave; default all responses.
    overall, nps : str, optional
        Columns of overall satisfaction (1-5) and likelihood to recommend (0-10); default ``overall``, ``nps``.
    ci : float, optional
        Confidence level of the group estimates; default 0.95.
    min_n : int, optional
        Fewest units for a group to enter a test; default 10.
    correction : {"holm", "fdr_bh"}, optional
        Multiplicity adjustment of the p-values; default ``holm``.

    Returns
    -------
    GroupTestResult
        One row per (grouping, measure, test) with the statistic, effect size, raw and adjusted p-value.

    Notes
    -----
    Rank tests compare the measure's distribution (Kruskal-Wallis with epsilon² = H / (n - 1) for 3+ groups;
    Mann-Whitney U with rank-biserial r = 2 U / (n1 n2) - 1 for 2, positive when the first group listed is
    higher). The chi-square test compares the share in the top-2-box (unit mean ≥ 4 for account units).
    Groups with fewer than ``min_n`` units are left out of the test (warning). P-values are adjusted with
    ``correction`` (Holm or Benjamini-Hochberg) across every rank test of the table, and separately
    across every chi-square test.
    """

    st = _options("group_tests", settings, constructs=constructs, aggregate=aggregate, overall=overall, nps=nps,
                  ci=ci, min_n=min_n, correction=correction)
    agg = st.aggregate
    s = _prepare(surveys, "group_tests", wave)
    items_of = _item_columns(s, st.constructs, "group_tests")
    msgs: list = []
    by = list(st.group_by if by is None else by)
    meas = _measures(s, st, items_of)
    acc = _account_codes(s["customer_id"])
    rows, grows = [], []
    warned: set[str] = set()
    for b in by:
        respondent_attr = b in s.columns
        if respondent_attr:
            g = s[b].astype("string")
        elif customers is not None and b in customers.columns:
            g = s["customer_id"].map(customers[b].astype("string"))
        else:
            _warn(msgs, _msg("group_missing", **_by(b)))
            continue
        for mname, (v, scale) in meas.items():
            d = pd.DataFrame({"acc": acc, "g": g, "v": v}).dropna()
            if agg == "account":
                d = d.groupby(["acc", "g"], as_index=False)["v"].mean()
            sizes = d.groupby("g")["v"].size()
            small = sizes[sizes < st.min_n]
            if len(small) and b not in warned:
                warned.add(b)  # one warning per grouping, not per measure
                from .display import group_label

                _warn(msgs, _msg("group_small", min_n=st.min_n, **_by(b),
                                 **_unit("accounts" if agg == "account" else "responses"),
                                 groups_zh="、".join(group_label(x, "zh") for x in small.index),
                                 groups_en=", ".join(group_label(x, "en") for x in small.index)))
            keep = [k for k in sizes.index if sizes[k] >= st.min_n]
            for lvl in sizes.index:
                vv = d.loc[d["g"] == lvl, "v"]
                m, lo, hi, _, n = _mean_ci(vv, st.ci)
                grows.append({"by": b, "measure": mname, "group": str(lvl), "n": n,
                              "mean": m if n >= st.min_n else np.nan,
                              "ci_lower": lo if n >= st.min_n else np.nan,
                              "ci_upper": hi if n >= st.min_n else np.nan,
                              "top_box": float((vv >= 4).mean()) if scale and n >= st.min_n else np.nan,
                              "estimable": n >= st.min_n})
            row = {"by": b, "measure": mname, "test": "", "k": len(keep), "n": 0, "statistic": np.nan,
                   "unit": ("responses" if agg == "respondent" else f"account×{b}" if respondent_attr
                            else "accounts"),
                   "p": np.nan, "effect": np.nan, "effect_name": "", "chi2": np.nan, "chi2_p": np.nan,
                   "cramers_v": np.nan}
            if len(keep) < 2:
                row["test"] = "not estimable"
                rows.append(row)
                continue
            d = d[d["g"].isin(keep)]
            samples = [d.loc[d["g"] == k_, "v"].to_numpy() for k_ in keep]
            n = int(len(d))
            row["n"] = n
            if np.ptp(d["v"].to_numpy()) == 0:
                _warn(msgs, _msg("group_constant", **_by(b), **_meas(mname, ltr=True)))
                row["test"] = "not estimable"
                rows.append(row)
                continue
            if len(keep) == 2:
                u = stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided")
                row.update(test=f"Mann-Whitney ({keep[0]} vs {keep[1]})", statistic=float(u.statistic),
                           p=float(u.pvalue), effect=float(2 * u.statistic / (len(samples[0]) * len(samples[1])) - 1),
                           effect_name="rank-biserial r")
            else:
                h = stats.kruskal(*samples)
                row.update(test="Kruskal-Wallis", statistic=float(h.statistic), p=float(h.pvalue),
                           effect=float(h.statistic / (n - 1)), effect_name="epsilon²")
            if scale:
                top = (d["v"] >= 4)
                tab = pd.crosstab(d["g"], top)
                if tab.shape == (len(keep), 2):
                    chi2, p, _, expected = stats.chi2_contingency(tab.to_numpy(), correction=False)
                    if (expected < 5).any() and f"chi2:{b}" not in warned:
                        warned.add(f"chi2:{b}")
                        _warn(msgs, _msg("chi2_approx", **_by(b)))
                    row.update(chi2=float(chi2), chi2_p=float(p), cramers_v=float(np.sqrt(chi2 / n)))
            rows.append(row)
    cols = ["by", "measure", "test", "k", "n", "statistic", "p", "p_adj", "effect", "effect_name", "chi2",
            "chi2_p", "chi2_p_adj", "cramers_v"]
    t = pd.DataFrame(rows)
    if len(t):
        for pc in ("p", "chi2_p"):
            adj = np.full(len(t), np.nan)
            ok = t[pc].notna().to_numpy()
            if ok.any():
                adj[ok] = adjust_pvalues(t.loc[ok, pc].to_numpy(), st.correction)
            t[pc + "_adj" if pc == "chi2_p" else "p_adj"] = adj
    t = t.reindex(columns=cols + ["unit"])
    gt = pd.DataFrame(grows, columns=["by", "measure", "group", "n", "mean", "ci_lower", "ci_upper", "top_box",
                                      "estimable"])
    return GroupTestResult(t, gt, st.correction, agg, unique_messages(msgs))


@dataclass(frozen=True, eq=False)
class WaveChangeResult:
    """Change of each measure between consecutive waves (``table``) and the level per wave (``levels``).

    ``table`` columns: ``measure``, ``wave_a``, ``wave_b``, ``level_a``, ``level_b``, ``change``
    (level_b - level_a over all units), ``n_a``, ``n_b``, ``n_paired``, ``test``, ``diff`` (the difference
    the test estimates: mean within-account change for the paired test), ``ci_lower``, ``ci_upper``, ``p``,
    ``p_adj``, ``estimable``.
    """

    table: pd.DataFrame
    levels: pd.DataFrame
    waves: tuple[str, ...] = ()
    aggregate: str = "account"
    correction: str = "holm"
    warnings: tuple = ()
    overall: str = "overall"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.table)


def wave_change(surveys: pd.DataFrame, settings=None, *, constructs: Mapping[str, Sequence[str]] | None = None,
                aggregate: Literal["account", "respondent"] | None = None, overall: str | None = None,
                nps: str | None = None, ci: float | None = None, min_n: int | None = None,
                correction: Literal["holm", "fdr_bh"] | None = None) -> WaveChangeResult:
    """Change in CSAT, NPS, mean overall and each construct between consecutive survey waves.

    Accounts surveyed in both waves are compared with themselves: a paired t-test on the account-level
    values (mean score, top-2-box share, account NPS) when at least ``min_n`` accounts answered both waves.
    Otherwise the two waves are compared as independent samples (Welch's t-test on the units chosen by
    ``aggregate``). P-values are adjusted across the table with ``correction``. With fewer than two
    waves the table is empty and a warning says so.

    Parameters
    ----------
    surveys : DataFrame
        Canonical surveys table with at least two waves (``wave`` or ``survey_date``).
    settings : SatisfactionSection, optional
        Deprecated: pass the options below as keywords (``params.satisfaction.<option>``).
    constructs : dict of str to list of str, optional
        Construct name -> its Likert item columns; each construct's change is a row. Default none.
    aggregate : {"account", "respondent"}, optional
        Unit of the independent-samples comparison; default ``account``.
    overall, nps : str, optional
        Columns of overall satisfaction (1-5) and likelihood to recommend (0-10); default ``overall``, ``nps``.
    ci : float, optional
        Confidence level of the change intervals; default 0.95.
    min_n : int, optional
        Fewest accounts in both waves for the paired test, and fewest units per wave; default 10.
    correction : {"holm", "fdr_bh"}, optional
        Multiplicity adjustment of the p-values; default ``holm``.

    Returns
    -------
    WaveChangeResult
        One row per (consecutive wave pair, measure): both waves' values, the change with its interval,
        the test used and raw and adjusted p-values.
    """

    st = _options("wave_change", settings, constructs=constructs, aggregate=aggregate, overall=overall, nps=nps,
                  ci=ci, min_n=min_n, correction=correction)
    agg = st.aggregate
    s = _prepare(surveys, "wave_change")
    items_of = _item_columns(s, st.constructs, "wave_change")
    msgs: list = []
    waves = _sorted_waves(s["_wave"])
    meas: dict[str, tuple[pd.Series, tuple[float, float]]] = {}
    if st.overall in s.columns:
        o = pd.to_numeric(s[st.overall], errors="coerce").astype("float64")
        meas["csat"] = (_top_flag(o, 2, 5), (0.0, 1.0))
        meas[st.overall] = (o, (1.0, 5.0))
    if st.nps in s.columns:
        meas["nps"] = (_nps_points(pd.to_numeric(s[st.nps], errors="coerce").astype("float64")), (-100.0, 100.0))
    for cname, items in items_of.items():
        meas[cname] = (_numeric(s, items).mean(axis=1), (1.0, 5.0))
    cols = ["measure", "wave_a", "wave_b", "level_a", "level_b", "change", "n_a", "n_b", "n_paired", "test",
            "diff", "ci_lower", "ci_upper", "p", "p_adj", "estimable"]
    lvl_rows = []
    acc = _account_codes(s["customer_id"])
    for mname, (v, bounds) in meas.items():
        for w in waves:
            sel = s["_wave"] == w
            m, lo, hi, _, n = _mean_ci(_unit_values(v[sel], acc[sel], agg), st.ci, *bounds)
            ok = n >= st.min_n
            lvl_rows.append({"measure": mname, "wave": w, "estimate": m if ok else np.nan,
                             "ci_lower": lo if ok else np.nan, "ci_upper": hi if ok else np.nan, "n": n,
                             "estimable": ok})
    levels = pd.DataFrame(lvl_rows, columns=["measure", "wave", "estimate", "ci_lower", "ci_upper", "n", "estimable"])
    if len(waves) < 2:
        _warn(msgs, _msg("one_wave", k=len(waves), waves=", ".join(waves) or "—"))
        return WaveChangeResult(pd.DataFrame(columns=cols), levels, tuple(waves), agg, st.correction, tuple(msgs),
                                st.overall)
    rows = []
    for mname, (v, _bounds) in meas.items():
        for wa, wb_ in zip(waves[:-1], waves[1:], strict=True):
            sa, sb = s["_wave"] == wa, s["_wave"] == wb_
            ua = _unit_values(v[sa], acc[sa], agg)
            ub = _unit_values(v[sb], acc[sb], agg)
            aa = v[sa].groupby(acc[sa]).mean().dropna()
            ab = v[sb].groupby(acc[sb]).mean().dropna()
            both = aa.index.intersection(ab.index)
            row: dict[str, Any] = {
                "measure": mname, "wave_a": wa, "wave_b": wb_, "level_a": ua.mean() if len(ua) else np.nan,
                "level_b": ub.mean() if len(ub) else np.nan, "n_a": len(ua), "n_b": len(ub),
                "n_paired": len(both), "test": "not estimable", "diff": np.nan, "ci_lower": np.nan,
                "ci_upper": np.nan, "p": np.nan, "estimable": False}
            row["change"] = row["level_b"] - row["level_a"]
            tq = 0.5 + st.ci / 2
            if len(both) >= st.min_n:
                dd = (ab[both] - aa[both]).to_numpy()
                m, lo, hi, se, n = _mean_ci(dd, st.ci)
                p = float(stats.ttest_1samp(dd, 0.0).pvalue) if se > 0 else (1.0 if m == 0 else 0.0)
                row.update(test="paired t (accounts in both waves)", diff=m, ci_lower=lo, ci_upper=hi, p=p,
                           estimable=True)
            elif len(ua) >= st.min_n and len(ub) >= st.min_n:
                r = stats.ttest_ind(ub, ua, equal_var=False)
                va, vb = ua.var(ddof=1) / len(ua), ub.var(ddof=1) / len(ub)
                se = float(np.sqrt(va + vb))
                dfw = (va + vb) ** 2 / (va ** 2 / (len(ua) - 1) + vb ** 2 / (len(ub) - 1)) if se > 0 else 1.0
                h = float(stats.t.ppf(tq, dfw)) * se
                diff = float(ub.mean() - ua.mean())
                row.update(test="Welch t (independent waves)", diff=diff, ci_lower=diff - h, ci_upper=diff + h,
                           p=float(r.pvalue) if se > 0 else np.nan, estimable=se > 0)
            else:
                _warn(msgs, _msg("wave_few", wa=wa, wb=wb_, na=len(ua), nb=len(ub), npaired=len(both),
                                 min_n=st.min_n, **_meas(mname)))
            rows.append(row)
    t = pd.DataFrame(rows)
    ok = t["p"].notna().to_numpy()
    adj = np.full(len(t), np.nan)
    if ok.any():
        adj[ok] = adjust_pvalues(t.loc[ok, "p"].to_numpy(), st.correction)
    t["p_adj"] = adj
    return WaveChangeResult(t.reindex(columns=cols), levels, tuple(waves), agg, st.correction,
                            unique_messages(msgs), st.overall)

