"""One call from a case to every result: RECIST 1.1 timepoints, best response and endpoints.

This is the Python API behind ``oncotrack assess``: the CLI prints what :func:`assess` returns,
so ``assess(case).model_dump(mode="json")`` is exactly the CLI's JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from oncotrack.comparison import SideBySide, side_by_side
from oncotrack.course import known_alive_dates
from oncotrack.criteria import recist11, registry
from oncotrack.criteria.results import Finding, TimepointResult
from oncotrack.endpoints.bor import (
    BestResponse,
    BorOptions,
)
from oncotrack.endpoints.survival import (
    CourseFacts,
    Observation,
    SurvivalOptions,
    TimeToEvent,
    duration_of_response,
    impute_death_date,
    is_disease_control,
    is_objective_response,
    overall_survival,
    progression_free_survival,
    time_to_progression,
    time_to_response,
)
from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case
from oncotrack.model.dates import Imputation, ImputedDate, resolve
from oncotrack.model.problems import CaseError, Problem
from oncotrack.model.summary import TreatmentSummary, treatment_summary
from oncotrack.model.vocabulary import EventType, LesionRole
from oncotrack.scores.liver_panel import PanelOptions, ProcedurePanel, liver_panels

TREATMENT_PROCEDURES = frozenset({"surgery", "radiotherapy", "tace", "ablation"})


class Options(BaseModel):
    """Every parameter of an assessment, with its default (docs/clinical-rules.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference_date: dt.date | None = Field(
        default=None, description="Overrides endpoints.reference_date in the case."
    )
    sd_window_days: int = Field(default=42, ge=0)
    confirm_days: int = Field(default=28, ge=0)
    max_ne: int = Field(default=1, ge=0)
    accept_sd: bool = False
    pr_persistence: recist11.PrPersistence = recist11.PrPersistence.WORKING_GROUP
    dor_basis: Literal["confirmed", "unconfirmed"] = "confirmed"
    dor_death_is_event: bool = True
    assessment_interval_days: int | None = Field(default=None, gt=0)
    missed_visits: int = Field(default=2, ge=1)
    lab_window_days: int = Field(default=14, ge=0, le=365)
    criteria: list[str] | None = Field(
        default=None, description="Criterion keys to apply (recist1.1, irecist, mrecist, easl, "
        "choi, who); default: every criterion the data support.")

    criterion_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Options of each criterion, e.g. {'choi': {'modified': True}, "
        "'mrecist': {'absolute_increase_mm': 5}} (docs/clinical-rules.md lists them).")

    @field_validator("criterion_options")
    @classmethod
    def _known_options(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        known = registry.available()
        for key, settings in value.items():
            if key not in known:
                raise ValueError(f"unknown criterion {key!r}; expected {', '.join(known)}")
            known[key].options(settings)  # raises on an unknown option or a bad value
        return value

    @field_validator("criteria")
    @classmethod
    def _known_criteria(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else registry.parse_keys(",".join(value))


class Baseline(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: dt.date
    sum_mm: float | None
    targets: dict[str, float]
    non_targets: list[str]


class BestOverallResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    unconfirmed: BestResponse
    confirmed: BestResponse


class Flags(BaseModel):
    model_config = ConfigDict(frozen=True)

    unconfirmed: bool
    confirmed: bool


class Endpoints(BaseModel):
    model_config = ConfigDict(frozen=True)

    pfs: TimeToEvent
    ttp: TimeToEvent
    os: TimeToEvent
    dor: TimeToEvent | None
    dor_basis: str
    time_to_response: TimeToEvent | None
    objective_response: Flags
    disease_control: Flags
    imputed_dates: list[str] = Field(
        default_factory=list, description="Imputed dates these endpoints depend on."
    )


class CriterionResult(BaseModel):
    """One criterion's results, with the same keys as RECIST 1.1's at the top level."""

    model_config = ConfigDict(frozen=True)

    key: str
    criteria: str
    supported: bool
    requested: bool
    """True when asked for by name (then missing data is reported, not silently skipped)."""
    missing_data: list[str]
    timepoints: list[TimepointResult]
    best_overall_response: BestOverallResponse | None
    endpoints: Endpoints | None


class AssessmentResult(BaseModel):
    """Everything ``oncotrack assess`` reports; see docs/json-output.md for each key."""

    model_config = ConfigDict(frozen=True)

    case: str
    criteria: str = recist11.NAME
    reference_date: dt.date
    reference_date_source: str
    parameters: dict[str, Any]
    baseline: Baseline | None
    findings: list[Finding]
    timepoints: list[TimepointResult]
    best_overall_response: BestOverallResponse
    endpoints: Endpoints
    treatment: TreatmentSummary
    criteria_results: dict[str, CriterionResult] = Field(
        description="Every criterion applied, keyed by criterion (recist1.1, irecist, ...).")
    side_by_side: SideBySide
    liver_panel: list[ProcedurePanel] = Field(
        description="Liver function before each procedure (labs within the window, ALBI, "
        "Child-Pugh, CTCAE, warnings).")
    imputed_dates: list[str] = Field(description="Every imputed date used anywhere above.")
    illustrative: list[str] = Field(description="Records whose values are illustrative.")


def assess(case: Case, **options: Any) -> AssessmentResult:
    """Assess ``case`` by RECIST 1.1 and derive its endpoints.

    Keyword options are those of :class:`Options` (``reference_date``, ``sd_window_days``,
    ``confirm_days``, ``max_ne``, ``accept_sd``, ``pr_persistence``, ...). Raises
    :class:`~oncotrack.model.problems.CaseError` for an inconsistent case.
    """
    problems = check_case(case)
    if case.baseline is None and not problems:
        problems = [Problem(("assessments",), "nothing to assess: no baseline assessment")]
    if problems:
        raise CaseError(problems)
    opts = Options(**options)
    reference, reference_source, reference_imputed = reference_date(case, opts)
    timepoints = recist11.assess_timepoints(
        case, recist11.RecistOptions(pr_persistence=opts.pr_persistence)
    )
    bor_options = BorOptions(opts.sd_window_days, opts.confirm_days, opts.max_ne, opts.accept_sd)
    known = registry.available()
    wanted = opts.criteria if opts.criteria is not None else list(known)
    results: dict[str, CriterionResult] = {}
    for key in wanted:
        criterion = known[key]
        results[key] = _criterion_result(
            criterion, case, reference, bor_options, opts, reference_imputed,
            timepoints if key == "recist1.1" else None, required=opts.criteria is not None,
        )
    recist = results.get("recist1.1") or _criterion_result(
        known["recist1.1"], case, reference, bor_options, opts, reference_imputed, timepoints,
        required=True)
    best, endpoints = recist.best_overall_response, recist.endpoints
    assert best is not None  # RECIST 1.1 is always supported
    assert endpoints is not None
    findings = recist11.baseline_findings(case, reference)
    treatment = treatment_summary(case)
    panels = liver_panels(case, PanelOptions(window_days=opts.lab_window_days))
    every_imputation = sorted({
        *endpoints.imputed_dates,
        *(i for tp in timepoints for i in tp.imputed_dates),
        *(p.imputed_date for p in treatment.procedures if p.imputed_date),
        *(i for r in treatment.regimens for i in r.imputed_dates),
    })
    return AssessmentResult(
        case=case.patient.id,
        reference_date=reference,
        reference_date_source=reference_source,
        parameters=opts.model_dump(mode="json", exclude={"reference_date"}),
        baseline=_baseline(case),
        findings=findings,
        timepoints=timepoints,
        best_overall_response=best,
        endpoints=endpoints,
        treatment=treatment,
        liver_panel=panels,
        criteria_results=results,
        side_by_side=side_by_side(results),
        imputed_dates=every_imputation,
        illustrative=_illustrative(case),
    )


def reference_date(case: Case, opts: Options) -> tuple[dt.date, str, list[str]]:
    """Time zero of PFS, OS and TTP, why it was chosen, and the imputations it used.

    The option, else endpoints.reference_date, else the first treatment on or after the
    baseline scan, else the baseline date itself. Public because the cohort tables built from
    case files (:mod:`oncotrack.cohort.tables`) must resolve it exactly as :func:`assess` does."""
    if opts.reference_date is not None:
        return opts.reference_date, "given as an option", []
    given = case.endpoints.reference_date
    if given is not None:
        day, imputed = resolve(given, Imputation.FIRST, "endpoints.reference_date")
        return day, "endpoints.reference_date in the case", [imputed.describe()] if imputed else []
    baseline = case.baseline
    floor = baseline.date.impute(baseline.date_imputation) if baseline else dt.date.min
    starts: list[tuple[dt.date, str, ImputedDate | None]] = []
    for i, procedure in enumerate(case.procedures):
        if procedure.type in TREATMENT_PROCEDURES:
            day, imputed = resolve(procedure.date, procedure.date_imputation,
                                   f"procedures[{i}].date")
            starts.append((day, f"first treatment after baseline: {procedure.type} on {day}",
                           imputed))
    for i, regimen in enumerate(case.regimens):
        day, imputed = resolve(regimen.start, regimen.start_imputation, f"regimens[{i}].start")
        starts.append((day, f"first treatment after baseline: {regimen.drug} from {day}",
                       imputed))
    after = sorted((s for s in starts if s[0] >= floor), key=lambda s: s[0])
    if after:
        day, why, imputed = after[0]
        return day, why, [imputed.describe()] if imputed else []
    assert baseline is not None  # assess() requires one
    day = baseline.date.impute(baseline.date_imputation)
    return day, "baseline date (no reference date and no treatment after baseline)", []


def _course_facts(
    case: Case, reference: dt.date, timepoints: list[TimepointResult],
    observations: list[Observation],
) -> tuple[CourseFacts, list[str]]:
    flags: list[str] = []

    def day_of(i: int, kind: str) -> dt.date:
        event = case.events[i]
        day, imputed = resolve(event.date, event.date_imputation, f"events[{i}].date")
        if imputed:
            flags.append(f"{kind}: {imputed.describe()}")
        return day

    alive = known_alive_dates(case)
    death = None
    for i, event in enumerate(case.events):
        if event.type is EventType.DEATH:
            death, imputed = impute_death_date(event.date, max(alive, default=None),
                                               f"events[{i}].date")
            if imputed:
                flags.append(f"death: {imputed.describe()}")
    facts = CourseFacts(
        reference_date=reference,
        observations=observations,
        progression_events=[day_of(i, "progression") for i, e in enumerate(case.events)
                            if e.type is EventType.PROGRESSION],
        death=death,
        new_therapy=[day_of(i, "new therapy") for i, e in enumerate(case.events)
                     if e.type is EventType.NEW_THERAPY],
        last_known_alive=max(alive, default=None),
    )
    for tp in timepoints:
        flags.extend(i for i in tp.imputed_dates)
    return facts, flags


def _criterion_result(
    criterion: registry.Criterion, case: Case, reference: dt.date, bor_options: BorOptions,
    opts: Options, reference_imputed: list[str], timepoints: list[TimepointResult] | None,
    required: bool,
) -> CriterionResult:
    """One criterion's timepoints, best response and endpoints; or what data it lacks."""
    missing = criterion.missing_data(case)
    if missing:
        return CriterionResult(key=criterion.key, criteria=criterion.name, supported=False,
                               requested=required, missing_data=missing, timepoints=[],
                               best_overall_response=None, endpoints=None)
    if timepoints is not None:
        series = timepoints
    else:
        settings = dict(opts.criterion_options.get(criterion.key, {}))
        if "pr_persistence" in _option_names(criterion):
            settings.setdefault("pr_persistence", opts.pr_persistence.value)
        series = criterion.timepoints(case, settings)
    unconfirmed, confirmed = criterion.best(series, reference, bor_options, case)
    best = BestOverallResponse(unconfirmed=unconfirmed, confirmed=confirmed)
    facts, flags = _course_facts(case, reference, series, criterion.observations(series))
    endpoints = _endpoints(facts, best, opts, [*reference_imputed, *flags])
    return CriterionResult(key=criterion.key, criteria=criterion.name, supported=True,
                           requested=required, missing_data=[], timepoints=series,
                           best_overall_response=best, endpoints=endpoints)


def _option_names(criterion: registry.Criterion) -> set[str]:
    cls = getattr(criterion.module, "Options", None)
    if cls is None or not dataclasses.is_dataclass(cls):
        return set()
    return {f.name for f in dataclasses.fields(cls)}


def _endpoints(
    facts: CourseFacts, best: BestOverallResponse, opts: Options, flags: list[str]
) -> Endpoints:
    survival = SurvivalOptions(opts.dor_death_is_event, opts.assessment_interval_days,
                               opts.missed_visits)
    basis = best.confirmed if opts.dor_basis == "confirmed" else best.unconfirmed
    response_date = basis.date if is_objective_response(basis.response) else None
    return Endpoints(
        pfs=progression_free_survival(facts, survival),
        ttp=time_to_progression(facts, survival),
        os=overall_survival(facts),
        dor=duration_of_response(facts, response_date, survival),
        dor_basis=f"{opts.dor_basis} best overall response ({basis.response.value})",
        time_to_response=time_to_response(facts, response_date),
        objective_response=Flags(
            unconfirmed=is_objective_response(best.unconfirmed.response),
            confirmed=is_objective_response(best.confirmed.response),
        ),
        disease_control=Flags(
            unconfirmed=is_disease_control(best.unconfirmed.response),
            confirmed=is_disease_control(best.confirmed.response),
        ),
        imputed_dates=sorted(set(flags)),
    )


def _baseline(case: Case) -> Baseline | None:
    baseline = case.baseline
    if baseline is None:
        return None
    targets = {
        lesion.id: float(recist11.measurement_mm(baseline.target[lesion.id]) or 0)
        for lesion in case.lesions if lesion.role is LesionRole.TARGET
    }
    return Baseline(
        date=baseline.date.impute(baseline.date_imputation),
        sum_mm=sum(targets.values()) if targets else None,
        targets=targets,
        non_targets=[lesion.id for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET],
    )


def _illustrative(case: Case) -> list[str]:
    marked: list[str] = []
    groups: list[tuple[str, list[Any]]] = [
        ("diagnoses", case.diagnoses), ("lesions", case.lesions),
        ("assessments", case.assessments), ("procedures", case.procedures),
        ("regimens", case.regimens), ("labs", case.labs), ("events", case.events),
    ]
    for name, records in groups:
        for i, record in enumerate(records):
            if record.illustrative:
                when = getattr(record, "date", None) or getattr(record, "start", None)
                marked.append(f"{name}[{i}]" + (f" ({when})" if when else ""))
    return marked


__all__ = ["AssessmentResult", "Options", "assess"]
