"""Typed run parameters: one YAML file per region / business unit.

A params file says where the ledger is, how its columns map onto the canonical names, which customers
belong to the region, and how each analysis is configured. It is validated before any notebook kernel
starts; every problem is reported with the file, the key, what is allowed and what was found::

    params/east.yaml: 'segmentation.k_max' must be an int in [2, 20], got 0

Conventions
-----------
* ``extends: _base.yaml`` merges a shared base file (deep merge; the region file wins). Files whose
  name starts with ``_`` are bases, not regions, and ``kam run`` skips them.
* Relative paths are relative to the params file's folder.
* Quote-safe: numbers are not guessed by the YAML parser. ``region: 007`` stays the string "007"; fields
  typed as numbers are converted by the model, so ``k_max: 8`` still works.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ParamsError
from .ledger import TABLES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class DataSection(_Strict):
    """Where the ledger tables are. Paths may be CSV (UTF-8, UTF-8-BOM, GB18030/GBK), Parquet or .xlsx."""

    orders: Path
    customers: Path | None = None
    invoices: Path | None = None
    surveys: Path | None = None
    interactions: Path | None = None
    opportunities: Path | None = None
    targets: Path | None = None
    encoding: str = Field(default="auto", description="CSV encoding: auto (detect), utf-8, utf-8-sig, gb18030, gbk")
    sheet: str | int | None = Field(default=None, description="Excel sheet name or index (default: first sheet)")
    merge_ids: dict[str, str] = Field(
        default_factory=dict, description="account id -> the id it is merged into (one account under two ids), "
                                          "applied to customer_id and parent_id of every table at load time, "
                                          "e.g. {C00077: C00012}")
    date_format: str | None = Field(
        default=None, description="strptime format of text dates, e.g. '%d/%m/%Y' (default: auto: ISO, 2024/3/5, "
                          "20240305, 2024年3月5日; slash dates like 5/3/2024 month-first unless the data "
                          "shows day-first)")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        import codecs

        if v != "auto":
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"must be 'auto' or a Python codec name such as utf-8, utf-8-sig, gb18030, gbk; "
                                 f"got {v!r}") from None
        return v


class RulesSection(_Strict):
    """Documented soft-exclusion rules. Every excluded row is counted in the data-quality summary."""

    cancelled_prefix: str | None = Field(default=None, description="order_id prefix marking a cancellation, e.g. 'C'")
    cancelled_status: list[str] = Field(default_factory=list, description="status values marking a cancellation")
    exclude_returns: bool = True
    exclude_zero_price: bool = True
    exclude_duplicate_lines: bool = Field(
        default=True, description="exclude exact duplicate order / invoice lines (identical in every mapped "
                                  "column, e.g. an export appended twice): the first copy is kept, the others "
                                  "counted as duplicate_line; false keeps them all")
    negative_revenue: Literal["error", "exclude"] = "error"
    future_dates: Literal["exclude", "error"] = "exclude"
    exclude_values: dict[str, list[str]] = Field(
        default_factory=dict, description="orders column -> values to exclude (e.g. non-product stock codes)")
    exclude_patterns: dict[str, list[str]] = Field(
        default_factory=dict, description="orders column -> regular expressions; values in which one is "
                                          "found are excluded (e.g. '^gift_' for gift vouchers)")


class ValueSection(_Strict):
    abc_cutoffs: tuple[float, float] = (0.8, 0.95)
    rfm_bins: int = Field(default=5, ge=2, le=10)
    rfm_segments: dict[str, list[str]] | None = None
    indicators: list[str] | None = Field(default=None, description="scorecard indicators (default: one set per group)")
    scorecard_method: Literal["entropy", "manual"] = "entropy"
    weights: dict[str, float] | None = None
    tier_rule: Literal["value", "score", "rule_of_thumb"] = Field(
        default="value",
        description="value: revenue/profit share rule with named demotions; score: scorecard quantiles")
    tier_quantiles: tuple[float, float] = Field(default=(0.80, 0.95), description="score quantiles for key, core")
    tier_shares: tuple[float, float] = Field(default=(0.30, 0.80), description="cumulative value shares: core, key")
    tier_thresholds: dict[Literal["core", "key"], float] | None = Field(
        default=None, description="absolute thresholds on tier_basis instead of shares, e.g. {core: 5e6, key: 1e6}")
    tier_basis: str = Field(default="revenue_last_12m", description="indicator the absolute thresholds apply to")
    demotion: dict[str, float] = Field(default_factory=dict, description="demotion limits: shrinking_yoy, "
                                       "shrinking_trend, margin_band, late_share (kamlib.value.DEMOTION_DEFAULTS)")
    weight_cap: float = Field(default=0.35, gt=0, le=1, description="warn when one indicator takes more of the weight")
    forecast_periods: int = Field(default=4, ge=1, le=20, description="periods ahead of the Markov tier-mix forecast")
    growth_periods: int = Field(default=4, ge=2, le=24, description="quarters used for the revenue-growth slope")
    period: Literal["month", "quarter", "year"] = "quarter"
    group_rollup: bool | Literal["auto"] = Field(
        default="auto", description="group accounts (subsidiaries rolled up to their ultimate parent): "
                                    "auto = on when any account has a parent_id")
    top_n: int = Field(default=20, ge=1, le=500)

    @field_validator("abc_cutoffs", "tier_quantiles", "tier_shares")
    @classmethod
    def _increasing(cls, v):
        a, b = v
        if not (0 < a < b < 1):
            raise ValueError(f"must be two increasing shares strictly between 0 and 1, got [{a}, {b}]")
        return v


class SegmentationSection(_Strict):
    features: list[str] = Field(default_factory=lambda: [
        "revenue", "margin", "order_count", "recency_days", "revenue_growth", "days_to_pay"])
    categorical: list[str] = Field(default_factory=list)
    method: Literal["kmeans", "gmm", "ward"] = "kmeans"
    k: int | None = Field(default=None, ge=2, le=20)
    k_min: int = Field(default=2, ge=2, le=20)
    k_max: int = Field(default=8, ge=2, le=20)
    n_bootstrap: int = Field(default=20, ge=0, le=500)
    silhouette_sample: int = Field(default=3000, ge=200)
    k_rule: Literal["auto", "silhouette", "consensus", "bic"] = Field(
        default="auto", description="how k is chosen: auto = bic for gmm, silhouette otherwise")
    feature_weights: dict[str, float] = Field(
        default_factory=dict,
        description="feature -> weight of its scaled values (default 1), e.g. revenue_growth: 0.5")
    categorical_weight: float = Field(default=1.0, gt=0, le=10, description="weight of each categorical feature")

    @model_validator(mode="after")
    def _range(self):
        if self.k_min > self.k_max:
            raise ValueError(f"k_min ({self.k_min}) must not exceed k_max ({self.k_max})")
        return self


class SurvivalSection(_Strict):
    definition: Literal["auto", "contractual", "inactivity"] = "auto"
    inactivity_days: int = Field(default=180, ge=7, le=3650)
    sensitivity_days: list[int] = Field(default_factory=lambda: [90, 120, 180, 270, 365])
    horizon_days: int = Field(default=180, ge=7, le=3650)
    groups: list[str] = Field(default_factory=lambda: ["tier", "segment", "region"])
    covariates: list[str] | None = None
    conf_type: Literal["log-log", "log", "plain"] = "log-log"
    ties: Literal["efron", "breslow"] = "efron"
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    top_at_risk: int = Field(default=25, ge=1, le=1000)
    strata: str | None = Field(default=None, description="customer column whose levels get their own Cox baseline "
                                                 "hazard (e.g. business_unit); None: no strata")
    window_start: dt.date | None = Field(default=None, description="first day the ledger covers (late entry / left "
                                                           "truncation); default: the first order date")
    landmark_date: dt.date | None = Field(default=None, description="date at which churn groups (tiers) are taken; "
                                                            "default: see kamlib.survival.landmark_date")


class SatisfactionSection(_Strict):
    constructs: dict[str, list[str]] = Field(default_factory=dict)
    overall: str = "overall"
    nps: str = "nps"
    aggregate: Literal["account", "respondent"] = "account"
    missing: Literal["pairwise", "listwise"] = "pairwise"
    ci: float = Field(default=0.95, gt=0.5, lt=1)
    min_n: int = Field(default=10, ge=2)
    answer_labels: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict, description="a company's own answer wording -> score 1-5 (5 best), added to the "
                                          "built-in Chinese and English five-point wordings, e.g. {很好: 5}")
    correction: Literal["holm", "fdr_bh"] = "holm"
    group_by: list[str] = Field(default_factory=lambda: ["tier", "respondent_role"])
    drivers_max_responses: int | None = Field(
        default=20000, ge=100, description="the driver model (ordinal logit) is fitted on a seeded random sample of at "
        "most this many complete responses (cost grows with n; at 20,000 the coefficients are already "
        "precise); null = every response")


class ClvSection(_Strict):
    horizon_months: float = Field(default=12, gt=0, le=120, description="future window of expected revenue "
                                                                        "and customer lifetime value")
    discount_rate: float = Field(default=0.10, ge=0, lt=1, description="annual discount rate of the CLV")
    holdout: bool = Field(default=True, description="check the purchase forecast on a holdout period")


class ReportSection(_Strict):
    mask_pii: bool = Field(default=True, description="mask contact names, phones, e-mails (on for distributed reports)")
    mask_names: bool = Field(default=False, description="also mask account names and account managers")
    pdf: bool = False
    currency: str = Field(default="CNY", description="ISO code of the money amounts (CNY shows as 元 in zh)")


class Params(_Strict):
    """One region / business unit run."""

    region: str = Field(..., description="short id used in report file names, e.g. east or 007")
    title: str | None = None
    language: Literal["zh", "en"] = "zh"
    as_of: dt.date | None = Field(default=None, description="period end (default: last order date)")
    data: DataSection
    columns: dict[str, dict[str, str]] = Field(default_factory=dict,
                                               description="table -> {source column: canonical column}")
    filter: dict[str, list[str]] = Field(default_factory=dict,
                                         description="customer attribute -> values kept, e.g. region: [华东]")
    rules: RulesSection = Field(default_factory=RulesSection)
    value: ValueSection = Field(default_factory=ValueSection)
    segmentation: SegmentationSection = Field(default_factory=SegmentationSection)
    survival: SurvivalSection = Field(default_factory=SurvivalSection)
    satisfaction: SatisfactionSection = Field(default_factory=SatisfactionSection)
    clv: ClvSection = Field(default_factory=ClvSection)
    report: ReportSection = Field(default_factory=ReportSection)
    random_state: int = Field(default=0, ge=0)
    timeout_seconds: int = Field(default=1800, ge=10, le=86400, description="per-notebook execution timeout")
    source: Path | None = Field(default=None, exclude=True,
                                description="the params file this came from (set by load_params)")
    key_sources: dict[str, str] = Field(
        default_factory=dict, exclude=True, repr=False,
        description="dotted key -> the file that set it (the region file or a base it extends; set by load_params)")

    def where(self, key: str | None = None) -> str:
        """The file that set ``key`` (dotted, e.g. ``data.orders``): the region file or the base it extends;
        the params file itself when the key is unknown or not given."""
        if key:
            parts = key.split(".")
            for i in range(len(parts), 0, -1):
                hit = self.key_sources.get(".".join(parts[:i]))
                if hit:
                    return hit
        return str(self.source) if self.source else "params"

    @field_validator("region")
    @classmethod
    def _region_id(cls, v: str) -> str:
        if not re.fullmatch(r"[^/\\:*?\"<>|\s]+", v):
            raise ValueError(f"must be a short id without spaces or / \\ : * ? \" < > |, got {v!r}")
        return v

    @field_validator("columns")
    @classmethod
    def _known_tables(cls, v: dict) -> dict:
        for table in v:
            if table not in TABLES:
                raise ValueError(f"unknown table {table!r}; tables are {', '.join(TABLES)}")
        return v

    @field_validator("filter", mode="before")
    @classmethod
    def _filter_lists(cls, v):
        # `filter: {region: 华东}` is natural to write; accept a scalar as a one-value list.
        if isinstance(v, dict):
            return {k: (val if isinstance(val, list) else [val]) for k, val in v.items()}
        return v

    @property
    def label(self) -> str:
        return self.title or self.region


# ---------------------------------------------------------------------------------------------- loading

class _QuoteSafeLoader(yaml.SafeLoader):
    """SafeLoader that leaves numbers and dates as strings, so ids like 007 survive; pydantic converts
    the fields that really are numbers or dates."""


_QuoteSafeLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                                                  "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        raise ParamsError(f"{path}: params file not found. Create it (copy params/east.yaml) or fix the path.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParamsError(f"{path}: params files must be UTF-8 text ({e.reason} at byte {e.start}). "
                          "Re-save the file as UTF-8.") from e
    try:
        data = yaml.load(text, Loader=_QuoteSafeLoader)
    except yaml.YAMLError as e:
        raise ParamsError(f"{path}: not valid YAML: {e}") from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of keys (region:, data:, ...), got {type(data).__name__}")
    return data


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _resolve_paths(raw: dict, folder: Path) -> dict:
    data = raw.get("data")
    if isinstance(data, dict):
        data = dict(data)
        for key in ("orders", "customers", "invoices", "surveys", "interactions", "opportunities", "targets"):
            if isinstance(data.get(key), str):
                p = Path(data[key]).expanduser()
                data[key] = str(p if p.is_absolute() else (folder / p).resolve())
        raw = {**raw, "data": data}
    return raw


def _key_paths(raw: dict, prefix: str = "") -> list[str]:
    """Every dotted key of a nested mapping (``data``, ``data.orders`` ...)."""
    out = []
    for k, v in raw.items():
        key = f"{prefix}{k}"
        out.append(key)
        if isinstance(v, dict):
            out += _key_paths(v, key + ".")
    return out


def _load_raw(path: Path, seen: tuple[Path, ...] = (), origins: dict[str, str] | None = None,
              shown: Path | None = None) -> dict:
    """The merged mapping of ``path`` and the bases it extends; ``origins`` collects dotted key -> the file
    that set it (the extending file wins, as in the merge)."""
    shown = shown or path
    path = path.resolve()
    if path in seen:
        raise ParamsError(f"{path}: 'extends' forms a cycle: {' -> '.join(str(p) for p in seen + (path,))}")
    raw = _resolve_paths(_read_yaml(path), path.parent)
    parent = raw.pop("extends", None)
    if parent is not None and not isinstance(parent, str):
        raise ParamsError(f"{path}: 'extends' must be a file name such as _base.yaml, got {parent!r}")
    if parent is not None:
        base = _load_raw(path.parent / parent, seen + (path,), origins, shown.parent / parent)
    if origins is not None:
        origins.update({k: str(shown) for k in _key_paths(raw)})
    return raw if parent is None else _deep_merge(base, raw)


def _known_keys(loc: tuple) -> list[str]:
    """The keys allowed next to the unknown key at ``loc`` (the fields of the section that holds it)."""
    model: Any = Params
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        model = next((a for a in (ann, *getattr(ann, "__args__", ())) if isinstance(a, type)
                      and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return [k for k in getattr(model, "model_fields", {}) if k not in ("source", "key_sources")]


def _describe(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    kind, msg, got = err["type"], err["msg"], err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"'{loc}' is required but missing"
    if kind == "extra_forbidden":
        from difflib import get_close_matches

        known = _known_keys(tuple(err["loc"]))
        near = get_close_matches(str(err["loc"][-1]), known, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(repr(n) for n in near)}? " if near else ""
        allowed = f"allowed here: {', '.join(known)}; " if known else ""
        return f"unknown key '{loc}' ({hint}{allowed}see README 'Params reference')"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"'{loc}' {msg.lower()}, got {got!r}"
    if kind == "literal_error":
        return f"'{loc}' must be one of {ctx.get('expected', '')}, got {got!r}"
    if kind == "value_error":
        return f"'{loc}' {msg.removeprefix('Value error, ')}"
    return f"'{loc}': {msg}, got {got!r}"


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Read and validate a params file.

    Parameters
    ----------
    path : str or Path
        YAML params file.
    overrides : dict, optional
        Values merged over the file (deep merge), e.g. from a notebook's parameters cell.

    Returns
    -------
    Params
        The validated params; ``source`` is the file and ``key_sources`` says where each key came from
        (the file, a base it ``extends``, or the overrides).

    Raises
    ------
    ParamsError
        Listing *every* invalid key at once, each with the file, the key, what is allowed and what was found.
    """
    path = Path(path)
    origins: dict[str, str] = {}
    raw = _load_raw(path, origins=origins)
    if overrides:
        raw = _deep_merge(raw, overrides)
        origins.update({k: "overrides" for k in _key_paths(overrides)})
    try:
        return Params.model_validate({**raw, "source": str(path), "key_sources": origins})
    except ValidationError as e:
        lines = [f"{_origin(origins, err['loc'], path)}: {_describe(err)}" for err in e.errors()]
        raise ParamsError("\n".join(lines)) from None


def _origin(origins: dict[str, str], loc: tuple, path: Path) -> str:
    """The file that set the key at ``loc`` (or its nearest parent key); ``path`` when none did."""
    parts = [str(p) for p in loc]
    for i in range(len(parts), 0, -1):
        hit = origins.get(".".join(parts[:i]))
        if hit:
            return hit
    return str(path)


def discover(patterns: list[str] | None = None, folder: str | Path = "params") -> list[Path]:
    """Params files matching ``patterns`` (files or globs), or every ``folder/*.yaml`` region file.

    Files whose name starts with ``_`` are bases for ``extends`` and are skipped.

    Parameters
    ----------
    patterns : list of str, optional
        Files or glob patterns; default every ``*.yaml`` in ``folder``.
    folder : str or Path, default "params"
        Folder of the region files when no pattern is given.

    Returns
    -------
    list of Path
        In pattern order, each file once.

    Raises
    ------
    ParamsError
        When a pattern matches no file.
    """
    import glob

    if not patterns:
        patterns = [str(Path(folder) / "*.yaml")]
    found: list[Path] = []
    for pat in patterns:
        hits = sorted(glob.glob(pat)) if any(ch in pat for ch in "*?[") else [pat]
        if not hits:
            raise ParamsError(f"no params file matches {pat!r}; region files live in params/*.yaml")
        for h in hits:
            p = Path(h)
            if not p.name.startswith("_") and p not in found:
                found.append(p)
    return found
