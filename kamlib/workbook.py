"""Per-region orchestration: from a params file to the customer frame every notebook starts from.

A :class:`Workbook` bundles, for one region / business unit, the validated ledger subset, the period end,
and the customer-level frame (value indicators, scorecard score and tier, segment, churn status and
account-level satisfaction) together with the fitted scorecard and segmentation results, so that each
notebook displays them instead of recomputing them.

A region's workbook is built once per ``kam run`` and stored in the run cache (:mod:`kamlib.runcache`);
:func:`open_workbook` takes it from there when it is current and builds it directly otherwise.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import AnalysisError, KamlibError, KamlibWarning
from .i18n import unique_messages
from .ledger import Ledger
from .params import Params, load_params

if TYPE_CHECKING:
    from .clv import BookValue
    from .runcache import prepare_run_cache, save_workbook, workbook_key, workbook_summary
    from .segmentation import SegmentationResult
    from .survival import CoxResult, RiskRanking, SensitivityResult
    from .value import DynamicResult, ScorecardResult

__all__ = ["ChurnRisk", "Workbook", "build_workbook", "churn_risk", "headline_kpis", "mask_workbook", "open_workbook",
           "period_end",
           # the run cache's, re-exported (see __getattr__)
           "prepare_run_cache", "save_workbook", "workbook_key", "workbook_summary"]


@dataclass(frozen=True, eq=False)
class Workbook:
    """Everything the notebooks of one region start from (see module docstring)."""

    params: Params
    ledger: Ledger
    as_of: pd.Timestamp
    customers: pd.DataFrame
    #: the fitted scorecard (``value.scorecard``): weights, scores and the indicators it used
    scorecard: ScorecardResult
    #: the fitted segmentation (``segmentation.segment``); None when the book is too small to segment
    segmentation: SegmentationResult | None = None
    churn: pd.DataFrame | None = None
    warnings: tuple[Any, ...] = ()   # keyed kamlib.i18n.Message or text
    #: group-level indicators (``value.group_indicators``) when ``params.value.group_rollup`` is on
    groups: pd.DataFrame | None = None
    #: tier migration against the previous period (``value.dynamic_identification``); None when the ledger
    #: does not reach back one period (the reason is in ``unavailable["migration"]``)
    migration: DynamicResult | None = None
    #: churn rate by inactivity threshold (``survival.threshold_sensitivity``)
    sensitivity: SensitivityResult | None = None
    #: value still to come: BG/NBD + Gamma-Gamma per account (``clv.book_value``)
    clv: BookValue | None = None
    #: analysis -> why it could not run ("groups", "migration"); the notebooks show the reason
    unavailable: dict = field(default_factory=dict)
    #: set when the workbook was loaded from a run cache
    cache_file: str | None = field(default=None, compare=False)

    @property
    def lang(self) -> str:
        return self.params.language

    @property
    def title(self) -> str:
        return self.params.label

    def __repr__(self) -> str:
        return (f"Workbook(region={self.params.region!r}, as_of={self.as_of.date()}, "
                f"customers={len(self.customers)}, order_lines={self.ledger.order_lines})")


def period_end(params: Params, ledger: Ledger) -> pd.Timestamp:
    """The analysis date: ``params.as_of`` or, by default, the last order date in the ledger.

    Parameters
    ----------
    params : Params
    ledger : Ledger

    Returns
    -------
    Timestamp
    """
    if params.as_of is not None:
        return pd.Timestamp(params.as_of)
    return pd.Timestamp(ledger.orders["order_date"].max()).normalize()


def build_workbook(params: Params, ledger: Ledger) -> Workbook:
    """Compute the customer frame for one region (pure: no disk access).

    Soft problems (a segmentation that cannot run on a tiny book, statistical warnings) are collected in
    ``Workbook.warnings`` so the reports can show them; they never abort the build.

    Parameters
    ----------
    params : Params
        The region's params.
    ledger : Ledger
        The region's validated ledger (:func:`kamlib.io.load_ledger`).

    Returns
    -------
    Workbook
    """
    from . import clv, satisfaction, segmentation, survival, value

    as_of = period_end(params, ledger)
    notes: list[Any] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KamlibWarning)
        vs = params.value
        ind = value.customer_indicators(ledger, as_of, growth_periods=vs.growth_periods)
        # value still to come (BG/NBD + Gamma-Gamma) joins the indicators, so the scorecard can use it
        contractual = survival.resolve_definition(ledger.customers, params.survival.definition) == "contractual"
        book = clv.book_value(ledger.orders, as_of, horizon_months=params.clv.horizon_months,
                              discount_rate=params.clv.discount_rate, holdout=params.clv.holdout,
                              contractual=contractual)
        ind = ind.join(clv.indicator_columns(book, ind))
        sc = value.scorecard(ind, weights=vs.weights, method=vs.scorecard_method, indicators_used=vs.indicators,
                             weight_cap=vs.weight_cap, lang=params.language)
        frame = ind.copy()
        frame["score"] = sc.scores
        tiers = value.classify_tiers(ind, sc.scores, **value.tier_options(vs))
        frame["tier"], frame["tier_reason"] = tiers.tiers, tiers.reasons

        seg = None
        ss = params.segmentation
        try:
            feats = segmentation.build_features(ind, ss.features, ss.categorical)
            seg = segmentation.segment(feats, k=ss.k, k_range=(ss.k_min, ss.k_max), method=ss.method,
                                       random_state=params.random_state, n_bootstrap=ss.n_bootstrap,
                                       silhouette_sample=ss.silhouette_sample, lang=params.language,
                                       k_rule=ss.k_rule, feature_weights=ss.feature_weights,
                                       categorical=ss.categorical, categorical_weight=ss.categorical_weight,
                                       context=ind)
            frame["segment"] = seg.labels
            frame["segment_name"] = seg.labels.map(seg.names)
        except AnalysisError as e:   # keyed: the report shows the reason in its own language
            notes.append(e.note)
            frame["segment"] = pd.NA
            frame["segment_name"] = pd.NA

        churn = survival.churn_durations(ledger, as_of, params.survival.inactivity_days,
                                         definition=params.survival.definition,
                                         window_start=params.survival.window_start)
        frame = frame.join(churn[["duration_days", "churned"]], how="left")
        frame["active"] = survival.active_flags(churn, frame.index)   # one churn definition: active == not churned
        # tiers before churn: the churn report compares tiers as of a landmark date, not period-end tiers
        landmark = survival.landmark_date(churn, params.survival.landmark_date)
        churn["tier_at_landmark"] = survival.tiers_as_of(
            ledger, landmark, growth_periods=vs.growth_periods, scorecard_method=vs.scorecard_method,
            scorecard_weights=vs.weights, indicators=vs.indicators, rule=vs.tier_rule,
            quantiles=vs.tier_quantiles).reindex(churn.index)
        churn.attrs["landmark"] = str(landmark.date())
        if ledger.interactions is not None:   # complaints and contacts per year: churn covariates
            from .accounts import contact_covariates
            frame = frame.join(contact_covariates(ledger, as_of, churn["start_date"], churn["end_date"]), how="left")

        if ledger.surveys is not None and len(ledger.surveys):
            ps = params.satisfaction
            sat = satisfaction.account_satisfaction(ledger.surveys, constructs=ps.constructs, overall=ps.overall,
                                                    nps=ps.nps)
            frame = frame.join(sat.add_prefix("sat_"), how="left")
    # keyed messages stay keyed, so the report shows them in its own language
    notes.extend(w.message.note if isinstance(w.message, KamlibWarning) else str(w.message)
                 for w in caught if issubclass(w.category, KamlibWarning))

    # the analyses that read the order and invoice rows run here too, so that the notebooks only display
    # results: a stored workbook then leaves those rows out (see save_workbook). Their soft warnings are
    # the notebooks' business (on each result), as when the notebooks computed them.
    unavailable: dict[str, Any] = {}   # analysis -> reason (keyed kamlib.i18n.Message or text)
    groups = migration = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KamlibWarning)
        rollup = vs.group_rollup
        if rollup == "auto":   # on when any account has a parent
            rollup = "parent_id" in ledger.customers and bool(ledger.customers["parent_id"].notna().any())
        if rollup:
            try:
                groups = value.group_indicators(ledger, as_of, growth_periods=vs.growth_periods)
            except KamlibError as e:
                unavailable["groups"] = e.note
        try:
            migration = value.dynamic_identification(ledger, as_of, current_tiers=frame["tier"], weights=sc.weights,
                                                     current_indicators=ind, **value.dynamic_options(vs))
        except AnalysisError as e:   # e.g. the ledger does not reach back one period
            unavailable["migration"] = e.note
        sv = params.survival   # the same observation window as the churn clock above
        sensitivity = survival.threshold_sensitivity(ledger, as_of, sv.sensitivity_days,
                                                     chosen=sv.inactivity_days, window_start=sv.window_start)
    return Workbook(params=params, ledger=ledger, as_of=as_of, customers=frame, scorecard=sc,
                    segmentation=seg, churn=churn, warnings=unique_messages(notes), groups=groups,
                    migration=migration, sensitivity=sensitivity, clv=book, unavailable=unavailable)




def open_workbook(params_file: str | Path | Params, run_cache: str | Path | None = None,
                  distribute: bool = False) -> Workbook:
    """The workbook of one region: from the run cache when it is current, else built from the ledger.

    Parameters
    ----------
    params_file : path or Params
        The region's params file (the papermill parameter of every notebook).
    run_cache : path, optional
        Run-cache folder written by ``kam run`` (:func:`kamlib.runcache.prepare_run_cache`).
    distribute : bool, default False
        True for reports that leave the analyst's desk (``kam run`` sets it): personal data is masked as
        ``params.report`` says (:func:`mask_workbook`). Analysts' own runs see unmasked data.

    Returns
    -------
    Workbook
    """
    from .io import load_ledger

    params = params_file if isinstance(params_file, Params) else load_params(params_file)
    wb = None
    if run_cache:
        from .runcache import load_workbook

        wb = load_workbook(params, run_cache)
    if wb is None:
        # the workbook needs no order lines: the day grain is reduced inside the scan (smaller, faster)
        wb = build_workbook(params, load_ledger(params, grain="day"))
    return mask_workbook(wb) if distribute else wb


def mask_workbook(wb: Workbook) -> Workbook:
    """The workbook with personal data masked per ``params.report`` (mask_pii, mask_names).

    Masking happens after the analyses ran, so masked and unmasked reports show the same numbers.

    Parameters
    ----------
    wb : Workbook

    Returns
    -------
    Workbook
        ``wb`` itself when nothing is to be masked, else a copy with masked customers and surveys.
    """
    from dataclasses import replace

    from .privacy import mask_frame, pii_columns

    rs = wb.params.report
    if not rs.mask_pii and not rs.mask_names:
        return wb
    cust_cols = pii_columns("customers", rs.mask_names) if rs.mask_pii else ("name",)
    survey_cols = pii_columns("surveys") if rs.mask_pii else ()
    ledger = wb.ledger.with_tables(customers=mask_frame(wb.ledger.customers, cust_cols),
                                   surveys=mask_frame(wb.ledger.surveys, survey_cols))
    return replace(wb, ledger=ledger, customers=mask_frame(wb.customers, cust_cols))


def headline_kpis(wb: Workbook) -> dict:
    """Headline numbers for the report index: accounts, revenue, core accounts, churn rate, NPS.

    Parameters
    ----------
    wb : Workbook

    Returns
    -------
    dict
        ``region``, ``title``, ``language``, ``as_of`` (ISO date), ``accounts``, ``revenue``,
        ``core_accounts``, ``churn_rate`` and ``nps`` (None when not available).
    """
    from . import satisfaction

    c = wb.customers
    kpis = {
        "region": wb.params.region,
        "title": wb.title,
        "language": wb.lang,
        "as_of": wb.as_of.date().isoformat(),
        "accounts": int(len(c)),
        "revenue": float(c["revenue"].sum()) if "revenue" in c else None,
        "core_accounts": int((c["tier"] == "core").sum()) if "tier" in c else None,
        "churn_rate": None,
        "nps": None,
    }
    if wb.churn is not None and len(wb.churn):
        kpis["churn_rate"] = float(wb.churn["churned"].mean())
    s, ps = wb.ledger.surveys, wb.params.satisfaction
    if s is not None and ps.nps in s and s[ps.nps].notna().any():
        # the same aggregation (account-level by default) as the satisfaction report, so the index agrees
        res = satisfaction.headline(s, aggregate=ps.aggregate, overall=ps.overall, nps=ps.nps, ci=ps.ci,
                                    min_n=ps.min_n).table
        if "nps" in res.index and bool(res.loc["nps", "estimable"]):
            kpis["nps"] = float(res.loc["nps", "estimate"])
    return kpis


@dataclass(frozen=True, eq=False)
class ChurnRisk:
    """The churn model and the at-risk ranking of a region, as the churn report shows them.

    ``data``: one row per account (customer frame, churn clock, churn covariates); ``covariates``: the Cox
    terms asked for; ``model``: the fitted Cox model (None when the book does not support one);
    ``ranking``: every active account by expected revenue at risk.
    """

    data: pd.DataFrame
    covariates: list[str]
    model: CoxResult | None
    ranking: RiskRanking


def churn_risk(wb: Workbook) -> ChurnRisk:
    """The region's churn model and at-risk ranking, with the settings of ``wb.params`` (one definition for
    the churn report and the account-management report, so both show the same revenue at risk).

    Parameters
    ----------
    wb : Workbook
        The region's workbook.

    Returns
    -------
    ChurnRisk
        Time-dependent terms (complaints, satisfaction) are taken as of each day from the ledger
        (:func:`kamlib.survival.churn_model`).
    """
    from . import survival

    ss = wb.params.survival
    churn = wb.churn
    if churn is None:
        raise KamlibError("churn_risk: the workbook has no churn clock (build it with build_workbook)")
    covariates = survival.churn_covariates(wb.customers)
    # one row per account: customer frame + churn clock; covariates keep unsurveyed / uninvoiced accounts
    data = wb.customers.drop(columns=["duration_days", "churned"], errors="ignore").join(
        churn[["start_date", "duration_days", "churned", "entry_days"]], how="inner").join(covariates)
    terms = list(ss.covariates or covariates.columns)
    model = survival.churn_model(data, terms, ties=ss.ties, ci=1 - ss.alpha, strata=ss.strata, ledger=wb.ledger,
                                 overall=wb.params.satisfaction.overall)
    ranking = survival.rank_at_risk(churn, data, ss.horizon_days, model=model, covariates=data,
                                    columns=("name", "tier", "account_manager"))
    return ChurnRisk(data=data, covariates=terms, model=model, ranking=ranking)


#: names of the run cache (:mod:`kamlib.runcache`) that ``kamlib.workbook`` still provides
_RUN_CACHE_NAMES = ("prepare_run_cache", "save_workbook", "workbook_key", "workbook_summary")


def __getattr__(name: str) -> Any:
    # imported on first use: kamlib.runcache imports this module (it stores Workbooks)
    if name in _RUN_CACHE_NAMES:
        from . import runcache

        return getattr(runcache, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
