"""Mapping an export's column names onto the canonical ones (``columns:`` in the params), with
did-you-mean hints for misspelt names and the required columns each table must end up with."""
from __future__ import annotations

from difflib import get_close_matches

from .. import validation as V
from ..ledger import TABLES
from ..params import Params
from .files import _Source, _where


def _did_you_mean(near: list[str]) -> str:
    """' (did you mean 'a', 'b'?)' for close matches of a misspelt name, '' when there are none."""
    return f" (did you mean {', '.join(map(repr, near))}?)" if near else ""


def _extra_items(table: str, params: Params) -> list[str]:
    """Survey items named in satisfaction.constructs that are not canonical survey columns."""
    if table != "surveys":
        return []
    items = [it for group in params.satisfaction.constructs.values() for it in group]
    return list(dict.fromkeys(it for it in items if it not in TABLES["surveys"].names))


def _map_columns(src: _Source, params: Params, problems: list) -> dict[str, str] | None:
    """canonical name -> source header name, after the ``columns:`` mapping; None when a problem is fatal."""
    table = src.table
    spec = TABLES[table]
    mapping = params.columns.get(table, {})
    items = _extra_items(table, params)
    allowed = set(spec.names) | set(items)
    present = list(src.columns)
    ok = True
    out: dict[str, str] = {}
    sources_for: dict[str, list[str]] = {}
    for source, target in mapping.items():
        source_s = str(source).strip()
        if source_s not in src.columns:
            near = get_close_matches(source_s, present, n=3, cutoff=0.5)
            problems.append(V.problem(
                table, str(target), "unmapped_column", 0, (),
                f"columns.{table} maps {source_s!r} → {target}, but {src.path.name} has no column {source_s!r}"
                + _did_you_mean(near)
                + f"; its columns are: {', '.join(present)}",
                path=src.path))
            ok = False
            continue
        if target not in allowed and table != "surveys":
            near = get_close_matches(str(target), sorted(allowed), n=3, cutoff=0.5)
            problems.append(V.problem(
                table, str(target), "unknown_target", 0, (),
                f"columns.{table} maps {source_s!r} onto {target!r}, which is not a {table} column"
                + _did_you_mean(near)
                + f"; canonical columns: {', '.join(spec.names)}",
                path=src.path))
            ok = False
            continue
        sources_for.setdefault(target, []).append(source_s)
    mapped_sources = {s for v in sources_for.values() for s in v}
    exact = set(present)
    for name in present:
        if name in mapped_sources:
            continue
        if name in allowed or (table == "surveys" and name in mapping.values()):
            sources_for.setdefault(name, []).append(name)
        elif name.lower() in allowed and name.lower() not in exact and name.lower() not in sources_for:
            # 'Customer_ID' / 'ORDER_DATE' are the canonical names in another case: use them
            sources_for.setdefault(name.lower(), []).append(name)
    for target, sources in sources_for.items():
        if len(sources) > 1:
            problems.append(V.problem(table, target, "duplicate_target", 0, (),
                                      f"{' and '.join(map(repr, sources))} both become {target!r}", path=src.path))
            ok = False
        out[target] = sources[0]
    # surveys: targets outside the canonical names are Likert items (named in satisfaction.constructs)
    return out if ok else None


def _required_missing(table: str, mapped: dict[str, str]) -> list[str]:
    spec = TABLES[table]
    missing = [c for c in spec.required_names if c not in mapped]
    if table == "orders" and "revenue" in missing and {"quantity", "unit_price"} <= set(mapped):
        missing.remove("revenue")   # derived as quantity × unit_price
    return missing


def _missing_column_problems(src: _Source, missing: list[str], params: Params, problems: list) -> None:
    """One missing_column problem per required column the mapped file lacks, naming its columns."""
    table = src.table
    for m in missing:
        hint = ""
        near = get_close_matches(m, list(src.columns), n=1, cutoff=0.6)
        if near:
            hint = f" (maybe {near[0]!r}?)"
        extra = (" (or quantity and unit_price, from which it is derived)" if m == "revenue" else "")
        problems.append(V.problem(
            table, m, "missing_column", 0, (),
            f"required column {m!r}{extra} is missing from {src.path.name}; its columns are: "
            f"{', '.join(src.columns)}{hint}",
            fix=f"map the column that holds it under columns: {table}: {{<your column>: {m}}} in "
                f"{_where(params, f'columns.{table}')}",
            path=src.path))
