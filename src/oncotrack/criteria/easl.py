"""EASL criteria for hepatocellular carcinoma: bidimensional measurement of the enhancing tumour.

Sources: Bruix J et al. Clinical management of hepatocellular carcinoma. Conclusions of the
Barcelona-2000 EASL conference. J Hepatol 2001;35:421-430 ("EASL 2001": response is the reduction
of viable, contrast-enhancing tumour, measured as WHO measures tumour, i.e. bidimensionally); the
thresholds as tabulated by Riaz A et al., J Hepatol 2011;54:695-704, Table 1 ("EASL table": CR
100 % decrease of enhancing tissue; PR ≥ 50 % decrease; SD < 50 % decrease; PD > 25 % increase
and/or new enhancement in previously treated lesions) and Radiol Oncol 2018;52:353-364, Table 4
(same wording). EASL-EORTC 2012 (J Hepatol 2012;56:908-943) recommends mRECIST for response; no
EASL thresholds could be read in it here. Non-target lesions and the overall table follow mRECIST
(:mod:`oncotrack.criteria.mrecist`), as the brief for this module asks; EASL 2001 has no non-target
table of its own. Every rule has a line in docs/clinical-rules.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from oncotrack.criteria.mrecist import (
    NewLesionHistory,
    NewLesionScope,
    judge_new_lesions,
    judge_new_lesions_recist,
    new_lesion_summary,
    non_target_enhancement,
    non_target_response,
    overall_response,
)
from oncotrack.criteria.recist11 import (
    TargetOutcome,
    measurement_mm,
    non_target_statuses,
    percent_change,
)
from oncotrack.criteria.results import TimepointResult
from oncotrack.model.case import Assessment, Case, Lesion
from oncotrack.model.dates import resolve
from oncotrack.model.vocabulary import LesionRole, MeasurementStatus, Response

NAME = "EASL"
KEY = "easl"
MEASURE = "sum of viable areas (viable diameter × viable perpendicular), mm²"

PR_FRACTION = Decimal("0.50")
"""EASL table: PR is a decrease of at least 50 % of the enhancing area from baseline."""
PD_FRACTION = Decimal("1.25")
"""EASL table: PD is an increase of more than 25 % of the enhancing area (option ``pd_inclusive``
for "25 % or more", WHO's wording in Miller 1981)."""


class PdReference(StrEnum):
    """What the +25 % of PD is measured from.

    ``nadir`` (default): the smallest sum of areas on study, baseline included — WHO's "increase
    from maximum response" (Riaz 2011 Table 1, WHO row), which EASL amends only by measuring the
    enhancing part. ``baseline``: the baseline sum of areas.
    """

    NADIR = "nadir"
    BASELINE = "baseline"


class NewLesionRule(StrEnum):
    """How new lesions are judged. ``recist`` (default): any unequivocal new lesion is PD (EASL 2001
    has no size or pattern rule). ``mrecist``: the mRECIST 2010 rule (≥ 1 cm with the typical
    pattern, or ≥ 1 cm grown ≥ 1 cm; porta hepatis nodes ≥ 2 cm)."""

    RECIST = "recist"
    MRECIST = "mrecist"


@dataclass(frozen=True)
class Options:
    pd_reference: PdReference = PdReference.NADIR
    pd_inclusive: bool = False
    """False (default): PD needs more than +25 % (the EASL table's ">25 %"); True: +25 % or more."""
    new_enhancement_is_pd: bool = True
    """EASL table: new enhancement in a previously treated lesion is PD — a target whose enhancing
    area was 0 at its last evaluated follow-up enhancing again."""
    new_lesion_rule: NewLesionRule = NewLesionRule.RECIST


# --- single-value rules -------------------------------------------------------------------------


def viable_area(assessment: Assessment, lesion_id: str) -> Decimal | None:
    """Viable LD × viable perpendicular in mm² (absent = 0, too small = 5 mm); unknown if either
    is missing. No enhancing tissue (viable LD 0 or absent, or the whole lesion absent) is 0 mm²
    without a perpendicular."""
    raw = assessment.viable.get(lesion_id)
    if raw is None:
        whole = assessment.target.get(lesion_id)
        return Decimal(0) if whole is MeasurementStatus.ABSENT else None
    diameter = measurement_mm(raw)
    if diameter is None:
        return None
    if diameter == 0:
        return Decimal(0)
    perpendicular_raw = assessment.viable_perpendicular.get(lesion_id)
    perpendicular = measurement_mm(perpendicular_raw) if perpendicular_raw is not None else None
    if perpendicular is None:
        return None
    return diameter * perpendicular


def _mm2(value: Decimal) -> str:
    """An area as written in rules: 720.00 -> 720, 122.50 -> 122.5."""
    return format(value.normalize(), "f")


def meets_pr(total: Decimal, baseline: Decimal) -> bool:
    """EASL table: at least a 50 % decrease of the enhancing area from baseline."""
    return total <= PR_FRACTION * baseline


def meets_pd(total: Decimal, reference: Decimal, inclusive: bool = False) -> bool:
    """EASL table: more than +25 % of enhancing area (``inclusive``: +25 % or more) over the
    reference. The sum must also exceed the reference, so from 0 mm² any return of enhancement
    is PD and 0 after 0 is not."""
    limit = PD_FRACTION * reference
    grown = total >= limit if inclusive else total > limit
    return grown and total > reference


# --- target lesions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    areas: Mapping[str, Decimal | None]
    baseline_sum: Decimal
    reference_sum: Decimal
    reference_name: str
    enhancement_gone_before: frozenset[str] = frozenset()


def target_response(data: TargetInput, options: Options) -> TargetOutcome:
    """Target response on the sum of enhancing areas (EASL table), in this order: PD by area (also
    with missing lesions); PD by new enhancement in a treated lesion; NE; CR; PR; SD."""
    measured = {k: v for k, v in data.areas.items() if v is not None}
    missing = tuple(sorted(k for k, v in data.areas.items() if v is None))
    total = sum(measured.values(), Decimal(0))
    rise = (f"enhancing area {_mm2(total)} mm² vs {data.reference_name} "
            f"{_mm2(data.reference_sum)} mm²")
    if meets_pd(total, data.reference_sum, options.pd_inclusive):
        change = percent_change(total, data.reference_sum)
        pct = f"{change:+.1f} %" if change is not None else "any rise from 0 mm²"
        sign = ">=" if options.pd_inclusive else ">"
        rule = f"PD: {rise} ({pct}), {sign} +25 % (EASL table; option pd_inclusive)"
        if missing:
            rule += f"; met although {', '.join(missing)} not evaluated (RECIST 1.1 §4.4.2)"
        return TargetOutcome(Response.PD, rule, total, missing)
    if options.new_enhancement_is_pd:
        back = sorted(k for k, v in measured.items() if v > 0 and k in data.enhancement_gone_before)
        if back:
            rule = (f"PD: new enhancement in {', '.join(back)}, which had none at an earlier "
                    "follow-up (EASL table: new enhancement in previously treated lesions)")
            return TargetOutcome(Response.PD, rule, total, missing)
    if missing:
        rule = (f"NE: enhancing area of {', '.join(missing)} not evaluated and the measured {rise} "
                "is not PD (RECIST 1.1 §4.4.2)")
        return TargetOutcome(Response.NE, rule, total, missing)
    if all(v == 0 for v in measured.values()):
        rule = "CR: 100 % loss of enhancing tissue in every target lesion (EASL table)"
        return TargetOutcome(Response.CR, rule, total, missing)
    if meets_pr(total, data.baseline_sum):
        rule = (f"PR: enhancing area {_mm2(total)} mm² <= 50 % of the baseline "
                f"{_mm2(data.baseline_sum)} mm² (EASL table)")
        return TargetOutcome(Response.PR, rule, total, missing)
    rule = (f"SD: enhancing area {_mm2(total)} mm² neither -50 % from baseline "
            f"{_mm2(data.baseline_sum)} mm² nor PD over the {data.reference_name} "
            f"{_mm2(data.reference_sum)} mm² (EASL table)")
    return TargetOutcome(Response.SD, rule, total, missing)


# --- data checks --------------------------------------------------------------------------------


def _targets(case: Case) -> list[Lesion]:
    return [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]


def _missing_at(assessment: Assessment, lesion: Lesion, where: str, baseline: bool) -> list[str]:
    whole = assessment.target.get(lesion.id)
    raw = assessment.viable.get(lesion.id)
    if not baseline and (whole is None or whole is MeasurementStatus.NOT_EVALUATED
                         or whole is MeasurementStatus.ABSENT):
        return []  # not measured at this follow-up (NE), or gone as a whole (0 mm²)
    if raw is None or raw is MeasurementStatus.NOT_EVALUATED:
        if baseline or raw is None:
            return [f"viable (arterially enhancing) longest diameter of {lesion.id} at {where}",
                    f"viable perpendicular diameter of {lesion.id} at {where}"]
        return []
    diameter = measurement_mm(raw)
    perpendicular = assessment.viable_perpendicular.get(lesion.id)
    if diameter != 0 and (perpendicular is None
                          or (baseline and perpendicular is MeasurementStatus.NOT_EVALUATED)):
        return [f"viable perpendicular diameter of {lesion.id} at {where}"]
    return []


def missing_data(case: Case) -> list[str]:
    """The viable diameters EASL needs and the case lacks: for every target, the viable longest
    diameter and the viable perpendicular diameter at the baseline and at every follow-up where the
    target was measured (no perpendicular is needed where the viable diameter is 0 or absent, nor
    anything where the whole lesion is absent). Never guessed."""
    baseline = case.baseline
    if baseline is None:
        return ["a baseline assessment"]
    missing = []
    for lesion in _targets(case):
        missing += _missing_at(baseline, lesion, f"the baseline {baseline.date}", baseline=True)
    for assessment in case.follow_ups():
        for lesion in _targets(case):
            missing += _missing_at(assessment, lesion, f"the follow-up {assessment.date}",
                                   baseline=False)
    return missing


# --- the series of timepoints -------------------------------------------------------------------


@dataclass
class _History:
    nadir: Decimal
    nadir_date: dt.date
    enhancement_gone: set[str] = field(default_factory=set)
    new: NewLesionHistory = field(default_factory=NewLesionHistory)


def assess_timepoints(case: Case, options: Options | None = None) -> list[TimepointResult]:
    """EASL response at every follow-up, in date order (ValueError if data are missing)."""
    options = options or Options()
    missing = missing_data(case)
    if missing:
        raise ValueError("EASL needs: " + "; ".join(missing))
    baseline = case.baseline
    assert baseline is not None
    targets = _targets(case)
    non_targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET]
    base_areas = {t.id: _require(viable_area(baseline, t.id)) for t in targets}
    baseline_sum = sum(base_areas.values(), Decimal(0))
    base_day = baseline.date.impute(baseline.date_imputation)
    history = _History(nadir=baseline_sum, nadir_date=base_day)
    history.new.remember(baseline.new_lesions, base_day)
    notes = [f"{t}: no enhancing tissue at baseline (0 mm²); EASL measures enhancing tumour"
             for t, area in base_areas.items() if area == 0]
    if options.pd_reference is PdReference.BASELINE:
        notes.append("option pd_reference=baseline: PD is measured from the baseline area")
    if options.pd_inclusive:
        notes.append("option pd_inclusive: PD at +25 % or more (WHO wording)")
    if options.new_lesion_rule is NewLesionRule.MRECIST:
        notes.append("option new_lesion_rule=mrecist: new lesions judged by the mRECIST 2010 rule")
    position = {id(a): i for i, a in enumerate(case.assessments)}
    results = []
    for assessment in case.follow_ups():
        day, imputed = resolve(assessment.date, assessment.date_imputation,
                               f"assessments[{position[id(assessment)]}].date")
        areas = {t.id: viable_area(assessment, t.id) for t in targets}
        if options.pd_reference is PdReference.NADIR:
            reference, reference_name = history.nadir, "nadir"
        else:
            reference, reference_name = baseline_sum, "baseline"
        target = None
        if targets:
            target = target_response(
                TargetInput(areas, baseline_sum, reference, reference_name,
                            frozenset(history.enhancement_gone)), options)
        statuses = non_target_statuses(assessment, non_targets)
        enhancement = {n.id: non_target_enhancement(assessment, n) for n in non_targets}
        nt_response, nt_rule = non_target_response(statuses, enhancement)
        if options.new_lesion_rule is NewLesionRule.MRECIST:
            calls = judge_new_lesions(assessment.new_lesions, history.new, NewLesionScope.LIVER)
        else:
            calls = judge_new_lesions_recist(assessment.new_lesions, history.new)
        new_pd, equivocal, dated, new_rule = new_lesion_summary(calls, day)
        overall, rule = overall_response(target.response if target else None, nt_response, new_pd,
                                         NAME)
        progression_date = None
        if overall is Response.PD:
            progression_date = dated if new_pd and dated is not None else day
            if progression_date < day:
                rule += (f"; dated to {progression_date}, when the new lesion was first seen "
                         "(RECIST 1.1 §4.3.4)")
        if calls:
            rule += f"; new lesions: {new_rule}"
        total = target.measured_sum if target else None
        complete = target is not None and not target.missing
        results.append(TimepointResult(
            criterion=NAME, measure=MEASURE, date=day, date_given=str(assessment.date),
            sum_mm=None, baseline_sum_mm=None, nadir_mm=None,
            nadir_date=history.nadir_date if targets else None,
            change_from_baseline_pct=(percent_change(total, baseline_sum)
                                      if total is not None and complete else None),
            change_from_nadir_pct=(percent_change(total, history.nadir)
                                   if total is not None and complete else None),
            sum_area_mm2=float(total) if total is not None else None,
            baseline_sum_area_mm2=float(baseline_sum) if targets else None,
            nadir_area_mm2=float(history.nadir) if targets else None,
            target=target.response if target else None,
            target_rule=target.rule if target else "no target lesions",
            non_target=nt_response, non_target_rule=nt_rule,
            new_lesions=new_pd, equivocal_new_lesions=equivocal,
            overall=overall, rule=rule, progression_date=progression_date,
            missing_lesions=list(target.missing) if target else [],
            illustrative=assessment.illustrative,
            imputed_dates=[imputed.describe()] if imputed else [],
            notes=list(notes),
        ))
        measured = {k: v for k, v in areas.items() if v is not None}
        if areas and len(measured) == len(areas):  # the nadir is the smallest complete sum
            total_now = sum(measured.values(), Decimal(0))
            if total_now < history.nadir:
                history.nadir, history.nadir_date = total_now, day
        for lesion_id, area in measured.items():  # enhancement is "new" after a look without
            if area == 0:
                history.enhancement_gone.add(lesion_id)
            else:
                history.enhancement_gone.discard(lesion_id)
        history.new.remember(assessment.new_lesions, day)
    return results


def _require(value: Decimal | None) -> Decimal:
    if value is None:  # missing_data() rejects this first
        raise ValueError("a target lesion has no baseline viable area")
    return value
