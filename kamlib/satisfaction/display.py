"""Satisfaction result tables formatted for display: every header through :func:`kamlib.i18n.column_label`,
code values (measures, items, groupings, tests, units) as words of the report language, a meaningful index
(measure / item / construct / grouping) instead of a positional one, shares as %, counts as integers."""
from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from .. import fmt
from ..fmt import Lang
from ..i18n import column_label, tier_label
from .labels import LABELS, _t, construct_label, item_label

_QUADRANTS = {"keep": "q_keep", "focus": "q_focus", "low": "q_low", "overkill": "q_overkill"}

_PCT = {"top_box", "top_box_lower", "top_box_upper", "importance", "csat", "sat_csat", "promoters", "passives",
        "detractors", "share"}

_P = {"p", "p_adj", "chi2_p", "chi2_p_adj"}

_INT = {"n", "k", "k_groups", "n_a", "n_b", "n_paired", "sat_n_responses", "n_responses"}

#: columns whose number is on the scale of the row's measure (a share for CSAT, points for NPS)
_MEASURE_VALUES = ("estimate", "se", "ci_lower", "ci_upper", "level_a", "level_b", "change", "diff", "mean")

#: index names of result tables -> the column name whose header labels them
_INDEX_NAMES = {"name": "item", "item": "item", "construct": "construct", "measure": "measure",
                "customer_id": "customer_id"}

_DOMAIN = "satisfaction"


def _lab(key: str, lang: str, **params) -> str:
    text = LABELS[f"satisfaction.{key}"][lang]
    return text.format(**params) if params else text


def measure_label(code, lang: str = "zh", items: Mapping[str, str] | None = None, ltr: bool = False) -> str:
    """Display name of a measure code: overall, csat, nps (``ltr``: the 0-10 likelihood-to-recommend mean,
    as compared across groups), a construct or an item.

    Parameters
    ----------
    code : str
    lang : {"zh", "en"}, default "zh"
    items : mapping, optional
        Item and construct codes -> display names.
    ltr : bool, default False
        Name ``nps`` as the likelihood-to-recommend mean rather than the NPS.

    Returns
    -------
    str
    """
    c = str(code)
    if c == "nps" and ltr:
        return _lab("measure.ltr", lang)
    if f"satisfaction.measure.{c}" in LABELS:
        return _lab(f"measure.{c}", lang)
    if items and c in items:
        return items[c]
    return item_label(c, lang)


def test_label(test, lang: str = "zh") -> str:
    """'Kruskal-Wallis' -> 'Kruskal-Wallis 检验'; 'paired t (...)' -> '配对 t 检验（两期均受访的客户）'."""
    t = str(test)
    if t == "Kruskal-Wallis":
        return _lab("test.kruskal", lang)
    m = re.fullmatch(r"Mann-Whitney \((.*) vs (.*)\)", t)
    if m:
        return _lab("test.mannwhitney", lang, a=group_label(m.group(1), lang), b=group_label(m.group(2), lang))
    if t.startswith("paired t"):
        return _lab("test.paired", lang)
    if t.startswith("Welch t"):
        return _lab("test.welch", lang)
    if t == "not estimable":
        from ..i18n import tr

        return tr("i18n.not_estimable", lang)
    return t


def effect_label(name, lang: str = "zh") -> str:
    """Display name of an effect size ('epsilon²', 'rank-biserial r')."""
    n = str(name)
    if n.startswith("epsilon"):
        return _lab("effect.epsilon2", lang)
    if n.startswith("rank-biserial"):
        return _lab("effect.rank_biserial", lang)
    return n


def unit_label(unit, lang: str = "zh") -> str:
    """'accounts' / 'responses' / 'account×respondent_role' in the report language."""
    u = str(unit)
    if u in ("accounts", "responses"):
        return _lab(f"unit.{u}", lang)
    if u.startswith("account×"):
        return _lab("unit.account_by", lang, by=_column(u.split("×", 1)[1], lang))
    return u


def group_label(value, lang: str = "zh") -> str:
    """A group level: tiers and respondent roles in the report language, other values (segment names,
    regions) as they are."""
    v = str(value)
    if f"satisfaction.role.{v}" in LABELS:
        return _lab(f"role.{v}", lang)
    return tier_label(v, lang)


def _column(name: str, lang: str) -> str:
    return column_label(str(name), lang, _DOMAIN)


def _measure_fmt(code, col: str) -> str:
    """Format kind of a value column in the row of measure ``code``."""
    if code == "csat":
        return "pct"
    if code == "nps" and col != "mean":
        return "nps"
    return "number"


def _fmt_value(v, kind: str, lang: Lang) -> str:
    if kind == "pct":
        return fmt.pct(v, lang, digits=1)
    if kind == "nps":
        return fmt.number(v, lang, digits=1)
    return fmt.number(v, lang, digits=2)


def _set_index(out: pd.DataFrame) -> pd.DataFrame:
    """Key columns (grouping, measure, group) as the index when the table has a positional one."""
    if not isinstance(out.index, pd.RangeIndex):
        return out
    keys = [c for c in ("by", "measure", "group") if c in out.columns]
    if keys:
        return out.set_index(keys)
    return out


def format_table(df: pd.DataFrame, lang: Lang = "zh", formats: dict | None = None,
                 items: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A satisfaction result table ready for display in ``lang``.

    Shares as %, p-values, counts as integers, money via :func:`kamlib.fmt.money`, the measure's own scale
    per row (CSAT as %, NPS in points with one decimal), code values (measures, items, groupings, tests,
    effect sizes, units, tiers, roles, quadrants) as words, key columns as the index and every header
    through :func:`kamlib.i18n.column_label`.

    Parameters
    ----------
    df : DataFrame
        A table of a satisfaction result (``head.table``, ``groups.table``, ``drv.summary`` ...).
    lang : {"zh", "en"}
    formats : dict, optional
        Column -> :mod:`kamlib.fmt` format, overriding the choice made here.
    items : mapping, optional
        Item / construct code -> display name (:func:`kamlib.satisfaction.item_labels` of the settings).

    Returns
    -------
    DataFrame
        Display strings.
    """
    out = _set_index(df.copy())
    if "by" in out.columns or "by" in (out.index.names or []):
        out = out.rename(columns={"k": "k_groups"})
    ltr = "by" in (out.index.names or []) or "by" in out.columns
    measures = (out.index.get_level_values("measure") if "measure" in (out.index.names or [])
                else out["measure"] if "measure" in out.columns else None)
    f = {c: "pct" for c in out.columns if c in _PCT}
    f.update({c: "p" for c in out.columns if c in _P})
    f.update({c: "int" for c in out.columns if c in _INT})
    if "revenue" in out.columns:
        f["revenue"] = "money"
    if "sat_nps" in out.columns:   # an account's NPS in points, one decimal like the headline NPS
        out["sat_nps"] = [fmt.number(v, lang, digits=1) for v in out["sat_nps"]]
    f.update(formats or {})
    if measures is not None:
        codes = list(measures)
        for c in _MEASURE_VALUES:
            if c in out.columns and c not in (formats or {}):
                out[c] = [_fmt_value(v, _measure_fmt(m, c) if not ltr else "pct" if m == "csat" else "number", lang)
                          for v, m in zip(out[c], codes, strict=True)]
        if "top_box" in out.columns and ltr:
            out["top_box"] = [fmt.pct(v, lang, digits=1) for v in out["top_box"]]
            f.pop("top_box", None)
    for c in ("tier", "group"):
        if c in out.columns:
            out[c] = [group_label(v, lang) if isinstance(v, str) else v for v in out[c]]
    cells = {"quadrant": lambda v: _t(_QUADRANTS[v], lang) if v in _QUADRANTS else v,
             "estimable": lambda v: _lab("yes" if bool(v) else "no", lang),
             "unit": lambda v: unit_label(v, lang), "test": lambda v: test_label(v, lang),
             "effect_name": lambda v: effect_label(v, lang), "by": lambda v: _column(v, lang),
             "level": lambda v: _lab(f"level.{v}", lang) if f"satisfaction.level.{v}" in LABELS else v,
             "construct": lambda v: (items or {}).get(v) or construct_label(v, lang) if v else "",
             "measure": lambda v: measure_label(v, lang, items, ltr)}
    for c, conv in cells.items():
        if c in out.columns:
            out[c] = [conv(v) for v in out[c]]
    out = fmt.format_frame(out, f, lang=lang)
    out.columns = [_column(c, lang) for c in out.columns]
    return _label_index(out, lang, items, ltr)


def _label_index(out: pd.DataFrame, lang: Lang, items: Mapping[str, str] | None, ltr: bool) -> pd.DataFrame:
    conv = {"by": lambda v: _column(v, lang), "measure": lambda v: measure_label(v, lang, items, ltr),
            "group": lambda v: group_label(v, lang),
            "item": lambda v: measure_label(v, lang, items), "construct": lambda v: measure_label(v, lang, items)}
    names = [_INDEX_NAMES.get(str(n), n) for n in out.index.names]
    if isinstance(out.index, pd.MultiIndex):
        arrays = [[conv[n](v) if n in conv else v for v in out.index.get_level_values(i)]
                  for i, n in enumerate(names)]
        out.index = pd.MultiIndex.from_arrays(arrays, names=[_column(n, lang) if n else None for n in names])
    elif names[0] is not None:
        n = names[0]
        out.index = pd.Index([conv[n](v) if n in conv else v for v in out.index], name=_column(n, lang))
    return out


def likert_table(result, lang: Lang = "zh", items: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The answer distribution of a LikertResult: one row per item (display name), shares as %, n.

    Parameters
    ----------
    result : LikertResult
        :func:`~kamlib.satisfaction.likert_distribution` output.
    lang : {"zh", "en"}, default "zh"
    items : mapping, optional
        Item codes -> display names (:func:`~kamlib.satisfaction.item_labels`).

    Returns
    -------
    DataFrame
    """
    out = result.to_frame(lang)
    n = out.pop("n")
    out = out.map(lambda v: fmt.pct(v, lang, digits=1))
    out[column_label("n", lang)] = [fmt.integer(v) for v in n]
    out.index = pd.Index([measure_label(i, lang, items) for i in out.index], name=_column("item", lang))
    return out
