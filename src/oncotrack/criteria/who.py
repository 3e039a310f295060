"""WHO criteria: bidimensional measurement, sum of the products of the diameters.

Sources: Miller AB, Hoogstraten B, Staquet M, Winkler A. Reporting results of cancer treatment.
Cancer 1981;47:207-214 — cited below as "Miller 1981" — and the WHO Handbook for Reporting Results
of Cancer Treatment, WHO Offset Publication No. 48, Geneva 1979. Summaries checked: Therasse P et
al., J Natl Cancer Inst 2000;92:205-216 (preamble: WHO progression "related to change in a single
lesion by some and to a change in the overall tumor load ... by others"); the WHO column of
PMC2755245 Table 3; Wolchok JD et al., Clin Cancer Res 2009;15:7412-7420, Table 1 (WHO PD "compared
with nadir").

Each target lesion's size is the product of its longest diameter and the longest diameter
perpendicular to it (``Assessment.perpendicular``); the total is their sum (SPD). Diameters follow
the conventions of :mod:`oncotrack.criteria.recist11` (too small = 5 mm, absent = 0 mm).
Confirmation of CR and PR (a second assessment at least 4 weeks later) is a best-response matter,
applied by :mod:`oncotrack.endpoints.bor` (``BorOptions.confirm_days`` = 28).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from oncotrack.criteria.choi import Comparison, at_least
from oncotrack.criteria.recist11 import (
    ANY,
    NON_PD,
    NonTarget,
    Row,
    TargetOutcome,
    codes,
    first_matching_row,
    measurement_mm,
    non_target_response,
    non_target_statuses,
    percent_change,
    progression_dated,
    remember_equivocal,
    split_new_lesions,
)
from oncotrack.criteria.results import TimepointResult
from oncotrack.model.case import Assessment, Case, Lesion
from oncotrack.model.dates import resolve
from oncotrack.model.vocabulary import (
    LesionRole,
    MeasurementStatus,
    Response,
)

NAME = "WHO"
KEY = "who"
MEASURE = "sum of products of diameters, mm²"

PR_FRACTION = Decimal("0.50")
"""Miller 1981: PR is a decrease of 50 % or more in total tumour size (SPD) from baseline."""
PD_FRACTION = Decimal("1.25")
"""Miller 1981: PD is an increase of 25 % or more in the size of one or more measurable lesions."""

CONFIRMATION_NOTE = (
    "WHO (Miller 1981) asks for CR and PR to be confirmed by a second assessment at least 4 "
    "weeks later; oncotrack applies this in the confirmed best overall response "
    "(confirm_days 28), not at the single timepoint."
)


class PdScope(StrEnum):
    """What must grow by 25 % for PD.

    ``lesion`` (default): the product of any single measurable lesion — Miller 1981 "one or more
    measurable lesions". ``sum``: the SPD, as some groups read WHO (Therasse 2000 preamble;
    Wolchok 2009 Table 1).
    """

    LESION = "lesion"
    SUM = "sum"


class PdReference(StrEnum):
    """What the 25 % rise is measured against.

    ``nadir`` (default): the smallest measurement on study, baseline included (Wolchok 2009
    Table 1 "compared with nadir"; "from maximum response" in PMC3094725 Table 1). Miller 1981
    names no reference. ``baseline``: the baseline measurement.
    """

    NADIR = "nadir"
    BASELINE = "baseline"


@dataclass(frozen=True)
class Options:
    pd_scope: PdScope = PdScope.LESION
    pd_reference: PdReference = PdReference.NADIR
    pd_comparison: Comparison = Comparison.INCLUSIVE
    """``inclusive`` (>= 25 %, Miller 1981 "25% or more"); ``strict`` (> 25 %, as EASL-era
    summaries such as PMC3094725 Table 1 write it)."""


# --- single-value rules -------------------------------------------------------------------------


def product_mm2(longest: Decimal | None, perpendicular: Decimal | None) -> Decimal | None:
    """Longest diameter x longest perpendicular diameter (Miller 1981, bidimensional).

    A lesion that has disappeared (0 mm) is 0 mm² whatever its perpendicular; a diameter not
    evaluated makes the product unknown.
    """
    if longest is not None and longest == 0:
        return Decimal(0)
    if longest is None or perpendicular is None:
        return None
    return longest * perpendicular


def meets_pr(spd: Decimal, baseline: Decimal) -> bool:
    """Miller 1981: a decrease of 50 % or more in the SPD, the baseline as reference."""
    return spd <= PR_FRACTION * baseline


def meets_pd(value: Decimal, reference: Decimal, how: Comparison = Comparison.INCLUSIVE) -> bool:
    """Miller 1981: an increase of 25 % or more (from 0 mm², any value above 0)."""
    return at_least(value, PD_FRACTION, reference, how)


# --- target lesions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WhoTargetInput:
    """What the WHO target rule needs at one timepoint (products in mm²)."""

    products: Mapping[str, Decimal | None]
    baseline_spd: Decimal
    spd_reference: Decimal
    lesion_reference: Mapping[str, Decimal]
    after_overall_cr: bool = False


def target_response(data: WhoTargetInput, options: Options) -> TargetOutcome:
    """Target response (Miller 1981), in this order: PD (also with lesions missing, which cannot
    undo a rise already seen); reappearance after an overall CR; NE; CR; PR; no change (NC),
    reported as SD."""
    measured = {k: v for k, v in data.products.items() if v is not None}
    missing = tuple(sorted(k for k, v in data.products.items() if v is None))
    spd = sum(measured.values(), Decimal(0))
    ref_word = options.pd_reference.value
    ge = ">=" if options.pd_comparison is Comparison.INCLUSIVE else ">"
    if options.pd_scope is PdScope.LESION:
        grown = [k for k, v in sorted(measured.items())
                 if meets_pd(v, data.lesion_reference[k], options.pd_comparison)]
        if grown:
            parts = [f"{k} {_a(measured[k])} mm² vs {ref_word} {_a(data.lesion_reference[k])} mm² "
                     f"({_change(measured[k], data.lesion_reference[k])})" for k in grown]
            rule = (f"PD: {'; '.join(parts)}: {ge} +25 % in one or more measurable lesions "
                    "(Miller 1981)")
            return TargetOutcome(Response.PD, _with_missing(rule, missing), spd, missing)
    elif meets_pd(spd, data.spd_reference, options.pd_comparison):
        rule = (f"PD: SPD {_a(spd)} mm² vs {ref_word} {_a(data.spd_reference)} mm² "
                f"({_change(spd, data.spd_reference)}), {ge} +25 % (option pd_scope=sum)")
        return TargetOutcome(Response.PD, _with_missing(rule, missing), spd, missing)
    if data.after_overall_cr:
        back = sorted(k for k, v in measured.items() if v > 0)
        if back:
            rule = f"PD: {', '.join(back)} reappeared after an overall CR (RECIST FAQ)"
            return TargetOutcome(Response.PD, rule, spd, missing)
    if missing:
        rule = (f"NE: {', '.join(missing)} not evaluated (a diameter missing) and no measured "
                "lesion meets PD")
        return TargetOutcome(Response.NE, rule, spd, missing)
    if all(v == 0 for v in measured.values()):
        rule = "CR: every target lesion has disappeared (Miller 1981)"
        return TargetOutcome(Response.CR, rule, spd, missing)
    if meets_pr(spd, data.baseline_spd):
        rule = (f"PR: SPD {_a(spd)} mm² <= 50 % of baseline {_a(data.baseline_spd)} mm² "
                f"({_change(spd, data.baseline_spd)}) (Miller 1981)")
        return TargetOutcome(Response.PR, rule, spd, missing)
    rule = (f"SD: no change (NC) — SPD {_a(spd)} mm² is {_change(spd, data.baseline_spd)} from "
            f"baseline {_a(data.baseline_spd)} mm² (PR needs -50 %) and no lesion meets PD "
            "(Miller 1981)")
    return TargetOutcome(Response.SD, rule, spd, missing)


def _a(value: Decimal) -> str:
    """An area as written without trailing zeros: 1650.00 -> 1650, 122.50 -> 122.5."""
    return f"{value.normalize():f}"


def _change(value: Decimal, reference: Decimal) -> str:
    change = percent_change(value, reference)
    return f"{change:+.1f} %" if change is not None else "up from 0"


def _with_missing(rule: str, missing: Sequence[str]) -> str:
    if missing:
        rule += f"; met although {', '.join(missing)} not evaluated"
    return rule


# --- overall response ---------------------------------------------------------------------------

TABLE_TARGET: tuple[Row, ...] = (
    Row(frozenset({Response.PD}), ANY, ANY, Response.PD, "WHO: measurable lesion PD -> PD"),
    Row(ANY, codes(Response.PD), ANY, Response.PD,
        "WHO: progression of non-measurable (non-target) disease -> PD"),
    Row(ANY, ANY, True, Response.PD, "WHO: new lesion -> PD"),
    Row(frozenset({Response.CR}), codes(Response.CR, None), False, Response.CR,
        "WHO: disappearance of all known disease -> CR"),
    Row(frozenset({Response.CR}), codes(Response.NON_CR_NON_PD, Response.NE), False, Response.PR,
        "WHO: measurable lesions gone but other disease persists or not evaluated -> PR"),
    Row(frozenset({Response.PR}), NON_PD, False, Response.PR,
        "WHO: SPD -50 % or more, no progression elsewhere, no new lesion -> PR"),
    Row(frozenset({Response.SD}), NON_PD, False, Response.SD,
        "WHO: no change (NC), no progression elsewhere, no new lesion -> SD"),
    Row(frozenset({Response.NE}), NON_PD, False, Response.NE,
        "WHO: measurable lesions not all evaluated, no progression, no new lesion -> NE"),
)
"""Miller 1981 response categories arranged as RECIST 1.1 Table 1 (measurable disease)."""

TABLE_NON_TARGET: tuple[Row, ...] = (
    Row(ANY, codes(Response.PD), ANY, Response.PD,
        "WHO: progression of non-measurable disease -> PD"),
    Row(ANY, ANY, True, Response.PD, "WHO: new lesion -> PD"),
    Row(ANY, codes(Response.CR), False, Response.CR,
        "WHO: disappearance of all known disease -> CR"),
    Row(ANY, codes(Response.NON_CR_NON_PD), False, Response.NON_CR_NON_PD,
        "WHO: non-measurable disease only, persisting -> NON-CR/NON-PD"),
    Row(ANY, codes(Response.NE), False, Response.NE,
        "WHO: non-measurable disease only, not all evaluated -> NE"),
)
"""Without measurable targets (RECIST 1.1 Table 2 wording, for comparability)."""


def overall_response(
    target: Response | None, non_target: NonTarget, new_lesion: bool
) -> tuple[Response, str]:
    """The first matching row of :data:`TABLE_TARGET` (without targets
    :data:`TABLE_NON_TARGET`)."""
    table = TABLE_TARGET if target is not None else TABLE_NON_TARGET
    row = first_matching_row(table, target, non_target, new_lesion, NAME)
    return row.overall, row.label


# --- what the case must hold --------------------------------------------------------------------


def _targets(case: Case) -> list[Lesion]:
    return [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]


def missing_data(case: Case) -> list[str]:
    """The perpendicular diameter of every target at the baseline (a usable value) and wherever
    its longest diameter is measured after it (any recorded value, not-evaluated included)."""
    baseline = case.baseline
    if baseline is None:
        return []
    needs: list[str] = []
    for lesion in _targets(case):
        recorded = baseline.perpendicular.get(lesion.id)
        if recorded is None or measurement_mm(recorded) is None:
            how = "" if recorded is None else f" (recorded as {recorded})"
            needs.append(f"perpendicular diameter of {lesion.id} at the baseline "
                         f"{baseline.date}{how}")
    for assessment in case.follow_ups():
        for lesion in _targets(case):
            longest = measurement_mm(
                assessment.target.get(lesion.id, MeasurementStatus.NOT_EVALUATED))
            if longest and lesion.id not in assessment.perpendicular:
                needs.append(f"perpendicular diameter of {lesion.id} at {assessment.date}")
    return needs


def _products(assessment: Assessment, targets: Sequence[Lesion]) -> dict[str, Decimal | None]:
    products: dict[str, Decimal | None] = {}
    for t in targets:
        longest = measurement_mm(assessment.target.get(t.id, MeasurementStatus.NOT_EVALUATED))
        raw = assessment.perpendicular.get(t.id)
        perpendicular = measurement_mm(raw) if raw is not None else None
        products[t.id] = product_mm2(longest, perpendicular)
    return products


# --- the series of timepoints -------------------------------------------------------------------


@dataclass
class _History:
    nadir: Decimal
    nadir_date: dt.date
    lesion_nadir: dict[str, Decimal]
    overall_cr: bool = False
    equivocal_seen: dict[str, dt.date] = field(default_factory=dict)


def assess_timepoints(case: Case, options: Options | None = None) -> list[TimepointResult]:
    """WHO response at every follow-up of a case for which :func:`missing_data` is empty."""
    options = options or Options()
    needs = missing_data(case)
    if needs:
        raise ValueError("WHO needs " + "; ".join(needs))
    baseline = case.baseline
    if baseline is None:
        return []
    targets = _targets(case)
    non_targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET]
    base_products = {k: v if v is not None else Decimal(0)
                     for k, v in _products(baseline, targets).items()}
    baseline_spd = sum(base_products.values(), Decimal(0))
    history = _History(nadir=baseline_spd,
                       nadir_date=baseline.date.impute(baseline.date_imputation),
                       lesion_nadir=dict(base_products))
    position = {id(a): i for i, a in enumerate(case.assessments)}
    results = []
    for assessment in case.follow_ups():
        products = _products(assessment, targets)
        result = _timepoint(
            assessment, f"assessments[{position[id(assessment)]}].date", products, targets,
            non_targets, base_products, baseline_spd, history, options,
        )
        results.append(result)
        _remember(history, result, products, assessment)
    return results


def _timepoint(
    assessment: Assessment,
    date_field: str,
    products: Mapping[str, Decimal | None],
    targets: Sequence[Lesion],
    non_targets: Sequence[Lesion],
    base_products: Mapping[str, Decimal],
    baseline_spd: Decimal,
    history: _History,
    options: Options,
) -> TimepointResult:
    day, imputed = resolve(assessment.date, assessment.date_imputation, date_field)
    target: TargetOutcome | None = None
    if targets:
        nadir = options.pd_reference is PdReference.NADIR
        target = target_response(
            WhoTargetInput(
                products=products, baseline_spd=baseline_spd,
                spd_reference=history.nadir if nadir else baseline_spd,
                lesion_reference=history.lesion_nadir if nadir else base_products,
                after_overall_cr=history.overall_cr,
            ),
            options,
        )
    statuses = non_target_statuses(assessment, non_targets)
    nt_response, nt_rule = non_target_response(statuses, assessment.tumour_markers_normal)
    unequivocal, equivocal = split_new_lesions(assessment)
    overall, rule = overall_response(
        target.response if target else None, nt_response, bool(unequivocal))
    progression_date = None
    if overall is Response.PD:
        progression_date, note = progression_dated(day, unequivocal, history.equivocal_seen)
        rule += note
    spd = target.measured_sum if target else None
    complete = target is not None and not target.missing
    return TimepointResult(
        criterion=NAME,
        measure=MEASURE,
        date=day,
        date_given=str(assessment.date),
        sum_mm=None,
        baseline_sum_mm=None,
        change_from_baseline_pct=(
            percent_change(spd, baseline_spd) if spd is not None and complete else None),
        nadir_mm=None,
        nadir_date=history.nadir_date if targets else None,
        change_from_nadir_pct=(
            percent_change(spd, history.nadir) if spd is not None and complete else None),
        target=target.response if target else None,
        target_rule=target.rule if target else "no target lesions",
        non_target=nt_response,
        non_target_rule=nt_rule,
        new_lesions=bool(unequivocal),
        equivocal_new_lesions=equivocal,
        overall=overall,
        rule=rule,
        progression_date=progression_date,
        missing_lesions=list(target.missing) if target else [],
        illustrative=assessment.illustrative,
        imputed_dates=[imputed.describe()] if imputed else [],
        sum_area_mm2=float(spd) if spd is not None else None,
        baseline_sum_area_mm2=float(baseline_spd) if targets else None,
        nadir_area_mm2=float(history.nadir) if targets else None,
        notes=_notes(products, base_products, history, options),
    )


def _notes(
    products: Mapping[str, Decimal | None],
    base_products: Mapping[str, Decimal],
    history: _History,
    options: Options,
) -> list[str]:
    ge = ">=" if options.pd_comparison is Comparison.INCLUSIVE else ">"
    notes = [
        CONFIRMATION_NOTE,
        f"PD: {ge} +25 % of the {options.pd_scope.value} against the "
        f"{options.pd_reference.value}; SD is WHO's 'no change (NC)'",
    ]
    if products:
        lesions = ", ".join(
            f"{k} {_a(v)} mm² (baseline {_a(base_products[k])}, "
            f"smallest earlier {_a(history.lesion_nadir[k])})"
            if v is not None else f"{k} not evaluated"
            for k, v in products.items()
        )
        notes.append(f"products: {lesions}")
    return notes


def _remember(
    history: _History,
    result: TimepointResult,
    products: Mapping[str, Decimal | None],
    assessment: Assessment,
) -> None:
    measured = {k: v for k, v in products.items() if v is not None}
    if products and len(measured) == len(products):  # the nadir SPD is a complete one
        spd = sum(measured.values(), Decimal(0))
        if spd < history.nadir:
            history.nadir, history.nadir_date = spd, result.date
    for lesion_id, value in measured.items():
        history.lesion_nadir[lesion_id] = min(history.lesion_nadir[lesion_id], value)
    if result.overall is Response.CR:
        history.overall_cr = True
    remember_equivocal(history.equivocal_seen, assessment, result.date)
