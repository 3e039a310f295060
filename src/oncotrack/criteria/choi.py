"""Choi criteria: tumour size and CT density (attenuation) of the target lesions.

Source: Choi H, Charnsangavej C, Faria SC et al. Correlation of computed tomography and positron
emission tomography in patients with metastatic gastrointestinal stromal tumor treated at a single
institution with imatinib mesylate: proposal of new computed tomography response criteria. J Clin
Oncol 2007;25:1753-1759 — cited below as "Choi 2007"; the criteria are its table of "modified CT
response evaluation criteria" (read in the reproduction of Table 2 of PMC5658474 and in Radiopaedia
"Choi response criteria"; the abstract from PubMed 17470865). Modified Choi: PR needs both
criteria (Radiopaedia, first proposed for renal cell carcinoma on tyrosine kinase inhibitors).

Size is the RECIST sum of longest diameters (nodes: short axis) with the RECIST 1.1 conventions of
:mod:`oncotrack.criteria.recist11` (too small = 5 mm, absent = 0 mm). Density is the simple mean of
the target lesions' mean attenuation in Hounsfield units on portal-venous CT. Choi 2007 was
developed for GIST on imatinib; anything else is an extrapolation, and every result says so.

Arithmetic is exact (:class:`~decimal.Decimal` from the written values), as in RECIST 1.1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from oncotrack.criteria.recist11 import (
    ANY,
    NON_PD,
    NonTarget,
    Row,
    TargetOutcome,
    codes,
    first_matching_row,
    lesion_gone,
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

NAME = "Choi"
KEY = "choi"
MEASURE = "sum of longest diameters (nodes: short axis), mm; mean attenuation of the targets, HU"

SIZE_PR_FRACTION = Decimal("0.90")
"""Choi 2007 criteria table: PR is a decrease in size of >= 10 % (from baseline)."""
DENSITY_PR_FRACTION = Decimal("0.85")
"""Choi 2007 criteria table: PR is a decrease in tumour density (HU) of >= 15 % (from baseline)."""
SIZE_PD_FRACTION = Decimal("1.10")
"""Choi 2007 criteria table: PD is an increase in tumour size of >= 10 %."""

EXTRAPOLATION_NOTE = (
    "Choi criteria were developed for metastatic GIST treated with imatinib (Choi 2007); their "
    "use in other sarcomas or under anti-angiogenic drugs (e.g. anlotinib, pazopanib) is an "
    "extrapolation, not a validated use."
)
PHASE_OF_CHOI = frozenset({"portal-venous", "multiphase"})
"""Choi 2007 measured attenuation on portal-venous phase CT."""


class Comparison(StrEnum):
    """How a percentage threshold is met.

    ``inclusive`` (default): ">= 10 %", as the criteria table of Choi 2007 is written (and as
    reproduced in PMC5658474 Table 2 and Radiopaedia). ``strict``: "more than 10 %", the wording
    of the Choi 2007 abstract ("a decrease in tumor size of more than 10% or a decrease in tumor
    density of more than 15%").
    """

    INCLUSIVE = "inclusive"
    STRICT = "strict"


class SizeReference(StrEnum):
    """What a rise in size is measured against for PD.

    ``nadir`` (default): the smallest complete sum on study, baseline included. Choi 2007 defines
    size as the sum of longest diameters "as defined in RECIST", and RECIST measures growth from
    the smallest sum; the paper itself compared one follow-up with the baseline, where the two
    coincide, and names no reference. ``baseline``: the baseline sum.
    """

    NADIR = "nadir"
    BASELINE = "baseline"


@dataclass(frozen=True)
class Options:
    comparison: Comparison = Comparison.INCLUSIVE
    modified: bool = False
    """Modified Choi: PR needs both the size (-10 %) and the density (-15 %) criteria."""
    size_pd_reference: SizeReference = SizeReference.NADIR


# --- single-value rules -------------------------------------------------------------------------


def at_most(value: Decimal, fraction: Decimal, reference: Decimal, how: Comparison) -> bool:
    """A decrease to ``fraction`` of ``reference`` (0.90: -10 %) or more: ``<=`` or ``<``."""
    limit = fraction * reference
    return value <= limit if how is Comparison.INCLUSIVE else value < limit


def at_least(value: Decimal, fraction: Decimal, reference: Decimal, how: Comparison) -> bool:
    """An increase to ``fraction`` of ``reference`` (1.10: +10 %) or more: ``>=`` or ``>``.

    From a 0 mm reference only a value above 0 is an increase.
    """
    limit = fraction * reference
    met = value >= limit if how is Comparison.INCLUSIVE else value > limit
    return met and value > reference


def meets_size_pr(total: Decimal, baseline: Decimal, how: Comparison) -> bool:
    """Choi 2007: a decrease in size (sum of longest diameters) of >= 10 % from baseline."""
    return at_most(total, SIZE_PR_FRACTION, baseline, how)


def meets_density_pr(density: Decimal | None, baseline: Decimal | None, how: Comparison) -> bool:
    """Choi 2007: a decrease in density of >= 15 % from baseline.

    Undefined (not met) when no target is left to measure or the baseline mean is at or below
    0 HU, where a percentage decrease has no meaning.
    """
    if density is None or baseline is None or baseline <= 0:
        return False
    return at_most(density, DENSITY_PR_FRACTION, baseline, how)


def meets_size_pd(total: Decimal, reference: Decimal, how: Comparison) -> bool:
    """Choi 2007: an increase in size of >= 10 % (reference: option ``size_pd_reference``)."""
    return at_least(total, SIZE_PD_FRACTION, reference, how)


def mean_density(values: Sequence[Decimal]) -> Decimal | None:
    """The simple (unweighted) mean of the targets' mean attenuations; None without targets.

    Choi 2007 reports density as the mean HU of the lesions (abstract: "mean baseline tumor ...
    density ... 72.8 HU" over 172 lesions); no weighting by lesion size is described, and a case
    does not record ROI areas, so each lesion counts once.
    """
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values)


def density_change(density: Decimal | None, baseline: Decimal | None) -> float | None:
    """Percentage change in density; None when undefined (no lesion, baseline <= 0 HU)."""
    if density is None or baseline is None or baseline <= 0:
        return None
    return percent_change(density, baseline)


def _sign(how: Comparison) -> tuple[str, str]:
    return (">=", "<=") if how is Comparison.INCLUSIVE else (">", "<")


# --- target lesions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiTargetInput:
    """What the Choi target rule needs at one timepoint."""

    values: Mapping[str, Decimal | None]
    density: Decimal | None
    lymph_nodes: frozenset[str]
    baseline_sum: Decimal
    baseline_density: Decimal | None
    size_reference: Decimal
    nodules: tuple[str, ...] = ()
    after_overall_cr: bool = False


def target_response(data: ChoiTargetInput, options: Options) -> TargetOutcome:
    """Target response by size, density and intratumoral nodules (Choi 2007 criteria table).

    Order: PD by new or growing intratumoral nodules; PD on reappearance after an overall CR
    (RECIST FAQ, as RECIST 1.1 in oncotrack); NE when a target was not evaluated; PD by size
    (+10 %) with the density not meeting PR; CR; PR by size or density (both with option
    ``modified``); SD.

    With a target not evaluated the timepoint is NE even when the measured sum has risen by 10 %:
    unlike RECIST 1.1 §4.4.2, Choi PD by size also needs the density to miss PR, and the density
    of the unmeasured lesion is unknown.
    """
    how = options.comparison
    ge, le = _sign(how)
    measured = {k: v for k, v in data.values.items() if v is not None}
    missing = tuple(sorted(k for k, v in data.values.items() if v is None))
    total = sum(measured.values(), Decimal(0))
    ref_word = options.size_pd_reference.value
    if data.nodules:
        rule = (f"PD: new or growing intratumoral nodule in {', '.join(data.nodules)} "
                "(Choi 2007)")
        return TargetOutcome(Response.PD, rule, total, missing)
    if data.after_overall_cr:
        back = sorted(k for k, v in measured.items() if not lesion_gone(v, k in data.lymph_nodes))
        if back:
            rule = f"PD: {', '.join(back)} reappeared after an overall CR (RECIST FAQ)"
            return TargetOutcome(Response.PD, rule, total, missing)
    if missing:
        rule = (f"NE: {', '.join(missing)} not evaluated; neither the size nor the mean density "
                "of all targets is known (a size rise alone is not Choi PD, which also needs the "
                "density to miss PR)")
        return TargetOutcome(Response.NE, rule, total, missing)
    size = _size_words(total, data.baseline_sum)
    density = _density_words(data.density, data.baseline_density)
    size_pr = meets_size_pr(total, data.baseline_sum, how)
    density_pr = meets_density_pr(data.density, data.baseline_density, how)
    if meets_size_pd(total, data.size_reference, how) and not density_pr:
        change = percent_change(total, data.size_reference)
        rise = f"{change:+.1f} %" if change is not None else "a rise from 0 mm"
        rule = (f"PD: sum {total} mm vs {ref_word} {data.size_reference} mm is {rise} "
                f"({ge} +10 %) and the density does not meet PR (density: {density}) (Choi 2007)")
        return TargetOutcome(Response.PD, rule, total, missing)
    if all(lesion_gone(v, k in data.lymph_nodes) for k, v in measured.items()):
        rule = "CR: every target lesion gone (nodes: short axis < 10 mm) (Choi 2007)"
        return TargetOutcome(Response.CR, rule, total, missing)
    size_text = f"size: {size} ({le} -10 % needed)"
    density_text = f"density: {density} ({le} -15 % needed)"
    if options.modified:
        if size_pr and density_pr:
            rule = f"PR (modified Choi): both {size_text} and {density_text}"
            return TargetOutcome(Response.PR, rule, total, missing)
        rule = (f"SD (modified Choi): PR needs both criteria; {size_text}, {density_text}; "
                "not PD")
        return TargetOutcome(Response.SD, rule, total, missing)
    if size_pr:
        rule = (f"PR by size: {size_text} (Choi 2007; RECIST 1.1 would need -30 %)"
                + (f"; also by {density_text}" if density_pr else ""))
        return TargetOutcome(Response.PR, rule, total, missing)
    if density_pr:
        rule = (f"PR by density: {density_text}, although {size_text} is not met (Choi 2007 "
                "counts a fall in density alone; RECIST 1.1 judges size only)")
        return TargetOutcome(Response.PR, rule, total, missing)
    rule = (f"SD: neither {size_text} nor {density_text}, and not PD "
            f"(+10 % over the {ref_word} {data.size_reference} mm) (Choi 2007)")
    return TargetOutcome(Response.SD, rule, total, missing)


def _size_words(total: Decimal, baseline: Decimal) -> str:
    change = percent_change(total, baseline)
    shown = f"{change:+.1f} %" if change is not None else "undefined"
    return f"sum {total} mm vs baseline {baseline} mm = {shown}"


def _density_words(density: Decimal | None, baseline: Decimal | None) -> str:
    if density is None:
        return "no target left to measure"
    if baseline is None or baseline <= 0:
        return f"mean {_hu(density)} HU vs baseline {_hu(baseline)} HU: no percentage (<= 0 HU)"
    return (f"mean {_hu(density)} HU vs baseline {_hu(baseline)} HU = "
            f"{density_change(density, baseline):+.1f} %")


def _hu(value: Decimal | None) -> str:
    return "none" if value is None else f"{value.quantize(Decimal('0.1'))}"


# --- overall response ---------------------------------------------------------------------------

TABLE_TARGET: tuple[Row, ...] = (
    Row(frozenset({Response.PD}), ANY, ANY, Response.PD,
        "Choi: target PD (size with density, or intratumoral nodules) -> PD"),
    Row(ANY, codes(Response.PD), ANY, Response.PD,
        "Choi: unequivocal progression of non-target disease -> PD"),
    Row(ANY, ANY, True, Response.PD, "Choi: new lesion -> PD"),
    Row(frozenset({Response.CR}), codes(Response.CR, None), False, Response.CR,
        "Choi: disappearance of all lesions, no new lesions -> CR"),
    Row(frozenset({Response.CR}), codes(Response.NON_CR_NON_PD, Response.NE), False, Response.PR,
        "Choi: targets gone but non-target disease persists or not evaluated -> PR"),
    Row(frozenset({Response.PR}), NON_PD, False, Response.PR,
        "Choi: target PR, no new lesions, no obvious progression of non-measurable disease "
        "-> PR"),
    Row(frozenset({Response.SD}), NON_PD, False, Response.SD,
        "Choi: target SD, non-target not PD, no new lesions -> SD"),
    Row(frozenset({Response.NE}), NON_PD, False, Response.NE,
        "Choi: targets not all evaluated, non-target not PD, no new lesions -> NE"),
)
"""Choi 2007 criteria table arranged as RECIST 1.1 Table 1 (target disease present)."""

TABLE_NON_TARGET: tuple[Row, ...] = (
    Row(ANY, codes(Response.PD), ANY, Response.PD,
        "Choi: unequivocal progression of non-target disease -> PD"),
    Row(ANY, ANY, True, Response.PD, "Choi: new lesion -> PD"),
    Row(ANY, codes(Response.CR), False, Response.CR,
        "Choi: disappearance of all lesions, no new lesions -> CR"),
    Row(ANY, codes(Response.NON_CR_NON_PD), False, Response.NON_CR_NON_PD,
        "Choi: non-target disease only, persisting -> NON-CR/NON-PD"),
    Row(ANY, codes(Response.NE), False, Response.NE,
        "Choi: non-target disease only, not all evaluated -> NE"),
)
"""Without target lesions Choi has no size or density: RECIST 1.1 Table 2 applies."""


def overall_response(
    target: Response | None, non_target: NonTarget, new_lesion: bool
) -> tuple[Response, str]:
    """The first matching row of :data:`TABLE_TARGET` (or, without targets,
    :data:`TABLE_NON_TARGET`)."""
    table = TABLE_TARGET if target is not None else TABLE_NON_TARGET
    row = first_matching_row(table, target, non_target, new_lesion, NAME)
    return row.overall, row.label


# --- what the case must hold --------------------------------------------------------------------


def _targets(case: Case) -> list[Lesion]:
    return [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]


def _present(assessment: Assessment, lesion_id: str) -> bool:
    """Measured and not gone (a value above 0 mm, or too small to measure)."""
    value = measurement_mm(assessment.target.get(lesion_id, MeasurementStatus.NOT_EVALUATED))
    return value is not None and value > 0


def missing_data(case: Case) -> list[str]:
    """The attenuation of every target at the baseline and wherever it is measured after it.

    A target that has disappeared (absent, 0 mm) or was not evaluated needs no attenuation.
    """
    baseline = case.baseline
    if baseline is None:
        return []
    needs: list[str] = []
    for assessment in [baseline, *case.follow_ups()]:
        where = (f"the baseline {assessment.date}" if assessment is baseline
                 else str(assessment.date))
        for lesion in _targets(case):
            wanted = assessment is baseline or _present(assessment, lesion.id)
            if wanted and lesion.id not in assessment.attenuation_hu:
                needs.append(f"mean attenuation (HU, portal-venous CT) of {lesion.id} at {where}")
    return needs


# --- the series of timepoints -------------------------------------------------------------------


@dataclass
class _History:
    nadir: Decimal
    nadir_date: dt.date
    overall_cr: bool = False
    equivocal_seen: dict[str, dt.date] = field(default_factory=dict)


def assess_timepoints(case: Case, options: Options | None = None) -> list[TimepointResult]:
    """Choi response at every follow-up of a case for which :func:`missing_data` is empty."""
    options = options or Options()
    needs = missing_data(case)
    if needs:
        raise ValueError("Choi needs " + "; ".join(needs))
    baseline = case.baseline
    if baseline is None:
        return []
    targets = _targets(case)
    non_targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET]
    base_values = {t.id: measurement_mm(baseline.target[t.id]) for t in targets}
    baseline_sum = sum((v for v in base_values.values() if v is not None), Decimal(0))
    baseline_density = mean_density(
        [Decimal(str(baseline.attenuation_hu[t.id])) for t in targets])
    history = _History(nadir=baseline_sum,
                       nadir_date=baseline.date.impute(baseline.date_imputation))
    position = {id(a): i for i, a in enumerate(case.assessments)}
    results = []
    for assessment in case.follow_ups():
        values = {
            t.id: measurement_mm(assessment.target.get(t.id, MeasurementStatus.NOT_EVALUATED))
            for t in targets
        }
        densities = [Decimal(str(assessment.attenuation_hu[t.id])) for t in targets
                     if _present(assessment, t.id)]
        density = mean_density(densities)
        result = _timepoint(
            assessment, f"assessments[{position[id(assessment)]}].date", values, density,
            targets, non_targets, baseline_sum, baseline_density, history, options,
        )
        results.append(result)
        _remember(history, result, values, assessment)
    return results


def _timepoint(
    assessment: Assessment,
    date_field: str,
    values: Mapping[str, Decimal | None],
    density: Decimal | None,
    targets: Sequence[Lesion],
    non_targets: Sequence[Lesion],
    baseline_sum: Decimal,
    baseline_density: Decimal | None,
    history: _History,
    options: Options,
) -> TimepointResult:
    day, imputed = resolve(assessment.date, assessment.date_imputation, date_field)
    target: TargetOutcome | None = None
    if targets:
        reference = (history.nadir if options.size_pd_reference is SizeReference.NADIR
                     else baseline_sum)
        target = target_response(
            ChoiTargetInput(
                values=values, density=density,
                lymph_nodes=frozenset(t.id for t in targets if t.lymph_node),
                baseline_sum=baseline_sum, baseline_density=baseline_density,
                size_reference=reference,
                nodules=tuple(sorted(set(assessment.intratumoral_nodules))),
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
    total = target.measured_sum if target else None
    complete = target is not None and not target.missing
    return TimepointResult(
        criterion=NAME,
        measure=MEASURE,
        date=day,
        date_given=str(assessment.date),
        sum_mm=float(total) if total is not None else None,
        baseline_sum_mm=float(baseline_sum) if targets else None,
        change_from_baseline_pct=(
            percent_change(total, baseline_sum) if total is not None and complete else None),
        nadir_mm=float(history.nadir) if targets else None,
        nadir_date=history.nadir_date if targets else None,
        change_from_nadir_pct=(
            percent_change(total, history.nadir) if total is not None and complete else None),
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
        attenuation_hu=float(round(density, 1)) if density is not None and complete else None,
        baseline_attenuation_hu=(
            float(round(baseline_density, 1)) if baseline_density is not None else None),
        attenuation_change_pct=(
            density_change(density, baseline_density) if complete else None),
        notes=_notes(assessment, options),
    )


def _notes(assessment: Assessment, options: Options) -> list[str]:
    notes = [EXTRAPOLATION_NOTE]
    phase = assessment.contrast_phase
    if phase is not None and phase not in PHASE_OF_CHOI:
        notes.append(f"contrast phase recorded as {phase}; Choi 2007 measured attenuation on "
                     "portal-venous CT, so densities may not be comparable")
    variant = "modified Choi (PR needs size and density)" if options.modified else "Choi"
    notes.append(f"{variant}; thresholds {options.comparison.value} "
                 f"({'>=' if options.comparison is Comparison.INCLUSIVE else '>'}); size PD "
                 f"against the {options.size_pd_reference.value}; density = simple mean over "
                 "the target lesions still present")
    return notes


def _remember(
    history: _History,
    result: TimepointResult,
    values: Mapping[str, Decimal | None],
    assessment: Assessment,
) -> None:
    measured = [v for v in values.values() if v is not None]
    if values and len(measured) == len(values):  # the nadir is the smallest complete sum
        total = sum(measured, Decimal(0))
        if total < history.nadir:
            history.nadir, history.nadir_date = total, result.date
    if result.overall is Response.CR:
        history.overall_cr = True
    remember_equivocal(history.equivocal_seen, assessment, result.date)
