"""Checks that need the whole case: one baseline, known lesion ids, dates in order.

Each returns :class:`~oncotrack.model.problems.Problem` values naming the place, so that a case
file with several mistakes is reported in one pass. Clinical judgements about a valid record (too
many targets, a small node chosen as target) are not errors: they are RECIST warnings, made in
:mod:`oncotrack.criteria.recist11`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from oncotrack.model.case import Assessment, Case
from oncotrack.model.dates import Imputation
from oncotrack.model.problems import Problem
from oncotrack.model.units import analyte_code, to_canonical
from oncotrack.model.vocabulary import (
    EventType,
    LesionRole,
    MeasurementStatus,
    NonTargetStatus,
)


def check_case(case: Case) -> list[Problem]:
    """Every consistency problem in ``case``, in the order of the file."""
    return [
        *_lesion_ids(case),
        *_baseline(case),
        *_assessment_dates(case),
        *_measured_lesions(case),
        *_events(case),
        *_regimens(case),
        *_procedures(case),
        *_labs(case),
    ]


def _lesion_ids(case: Case) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, lesion in enumerate(case.lesions):
        if lesion.id in seen:
            yield Problem(
                ("lesions", i, "id"),
                f"duplicate lesion id {lesion.id!r} (already used by lesions[{seen[lesion.id]}])",
            )
        else:
            seen[lesion.id] = i


def _baseline(case: Case) -> Iterator[Problem]:
    if not case.assessments:
        return
    baselines = [i for i, a in enumerate(case.assessments) if a.baseline]
    if not baselines:
        yield Problem(("assessments",), "no assessment is marked 'baseline: true'")
    for i in baselines[1:]:
        yield Problem(
            ("assessments", i, "baseline"),
            f"a second baseline; assessments[{baselines[0]}] is already the baseline",
        )
    if not case.lesions:
        yield Problem(("lesions",), "assessments are recorded but no lesion is listed")


def _assessment_dates(case: Case) -> Iterator[Problem]:
    baseline = case.baseline
    first_seen: dict[object, int] = {}
    for i, assessment in enumerate(case.assessments):
        day = assessment.date.impute(assessment.date_imputation)
        if day in first_seen:
            yield Problem(
                ("assessments", i, "date"),
                f"a second assessment on {day} (assessments[{first_seen[day]}] has the same "
                "date); record one assessment per date",
            )
        first_seen.setdefault(day, i)
        if baseline is None or assessment is baseline:
            continue
        base_day = baseline.date.impute(baseline.date_imputation)
        if day < base_day:
            yield Problem(
                ("assessments", i, "date"),
                f"follow-up dated {assessment.date}, before the baseline of {baseline.date}",
            )


def _measured_lesions(case: Case) -> Iterator[Problem]:
    roles: dict[str, LesionRole] = {}
    for lesion in case.lesions:  # a duplicated id is reported once, by _lesion_ids
        roles.setdefault(lesion.id, lesion.role)
    baseline = case.baseline
    baseline_targets = baseline.target if baseline is not None else {}
    # A target with no baseline value is reported once: where it is first measured, or at the
    # baseline when no follow-up measures it.
    unmeasured = {lid for lid, role in roles.items()
                  if role is LesionRole.TARGET and lid not in baseline_targets}
    for i, assessment in enumerate(case.assessments):
        yield from _unknown_or_misplaced(i, assessment, roles)
        if assessment.baseline:
            continue
        for lesion_id in assessment.target:
            if lesion_id in unmeasured:
                unmeasured.discard(lesion_id)
                yield Problem(
                    ("assessments", i, "target", lesion_id),
                    f"target lesion {lesion_id} is measured here but has no baseline measurement",
                )
    for i, assessment in enumerate(case.assessments):
        if assessment.baseline:
            yield from _baseline_values(i, assessment, case, unmeasured)


def _unknown_or_misplaced(
    i: int, assessment: Assessment, roles: dict[str, LesionRole]
) -> Iterator[Problem]:
    for section, expected in (("target", LesionRole.TARGET), ("non_target", LesionRole.NON_TARGET)):
        keys = assessment.target if section == "target" else assessment.non_target
        for lesion_id in keys:
            role = roles.get(lesion_id)
            if role is None:
                known = ", ".join(sorted(roles)) or "none"
                yield Problem(
                    ("assessments", i, section, lesion_id),
                    f"no lesion with id {lesion_id!r} in lesions (known: {known})",
                )
            elif role is not expected:
                other = "non_target" if section == "target" else "target"
                yield Problem(
                    ("assessments", i, section, lesion_id),
                    f"{lesion_id} is a {role.value} lesion; record it under {other}",
                )
    per_target: dict[str, Iterable[str]] = {
        "recorded_lesion_responses": assessment.recorded_lesion_responses,
        "viable": assessment.viable, "perpendicular": assessment.perpendicular,
        "viable_perpendicular": assessment.viable_perpendicular,
        "attenuation_hu": assessment.attenuation_hu,
    }
    for section, ids in per_target.items():
        for lesion_id in ids:
            if roles.get(lesion_id) is not LesionRole.TARGET:
                yield Problem(("assessments", i, section, lesion_id),
                              f"{lesion_id!r} is not a target lesion")
    for j, lesion_id in enumerate(assessment.intratumoral_nodules):
        if roles.get(lesion_id) is not LesionRole.TARGET:
            yield Problem(("assessments", i, "intratumoral_nodules", j),
                          f"{lesion_id!r} is not a target lesion")
    for lesion_id in assessment.non_target_viable:
        if roles.get(lesion_id) is not LesionRole.NON_TARGET:
            yield Problem(("assessments", i, "non_target_viable", lesion_id),
                          f"{lesion_id!r} is not a non-target lesion")
    yield from _viable_within_whole(i, assessment)


def _viable_within_whole(i: int, assessment: Assessment) -> Iterator[Problem]:
    """The viable part of a lesion cannot be longer than the lesion."""
    pairs = (("viable", assessment.viable, assessment.target, "longest diameter"),
             ("viable_perpendicular", assessment.viable_perpendicular, assessment.perpendicular,
              "perpendicular diameter"))
    for section, part, whole, what in pairs:
        for lesion_id, value in part.items():
            total = whole.get(lesion_id)
            if isinstance(value, float) and isinstance(total, float) and value > total:
                yield Problem(("assessments", i, section, lesion_id),
                              f"{value:g} mm is longer than the lesion's {what} {total:g} mm")


def _baseline_values(
    i: int, baseline: Assessment, case: Case, unmeasured: set[str]
) -> Iterator[Problem]:
    for lesion in case.lesions:
        if lesion.role is LesionRole.TARGET:
            value = baseline.target.get(lesion.id)
            if value is None and lesion.id in unmeasured:
                yield Problem(
                    ("assessments", i, "target"),
                    f"target lesion {lesion.id} has no baseline measurement",
                )
            elif value in (MeasurementStatus.ABSENT, MeasurementStatus.NOT_EVALUATED):
                yield Problem(
                    ("assessments", i, "target", lesion.id),
                    f"a target lesion needs a measured baseline diameter, got {value.value!r}",
                )
    for lesion_id, status in baseline.non_target.items():
        if status is not NonTargetStatus.PRESENT:
            yield Problem(
                ("assessments", i, "non_target", lesion_id),
                f"at baseline a non-target lesion is 'present', got {status.value!r}",
            )
    if baseline.new_lesions:
        yield Problem(("assessments", i, "new_lesions"), "a baseline cannot have new lesions")


def _events(case: Case) -> Iterator[Problem]:
    deaths = [i for i, e in enumerate(case.events) if e.type is EventType.DEATH]
    for i in deaths[1:]:
        yield Problem(("events", i, "type"), f"a second death (events[{deaths[0]}])")
    if not deaths:
        return
    death = case.events[deaths[0]]
    # A partial death date is compared by its earliest possible day: only what is surely later
    # than death is an error.
    death_day = death.date.impute(Imputation.FIRST)
    for i, assessment in enumerate(case.assessments):
        if assessment.date.impute(Imputation.FIRST) > death_day:
            yield Problem(
                ("assessments", i, "date"),
                f"assessment dated {assessment.date}, after death on {death.date}",
            )


def _regimens(case: Case) -> Iterator[Problem]:
    for i, regimen in enumerate(case.regimens):
        if regimen.stop is None:
            continue
        start = regimen.start.impute(regimen.start_imputation)
        stop = regimen.stop.impute(regimen.stop_imputation)
        if stop < start:
            yield Problem(
                ("regimens", i, "stop"), f"stop {regimen.stop} is before start {regimen.start}"
            )


def _procedures(case: Case) -> Iterator[Problem]:
    known = {lesion.id for lesion in case.lesions}
    for i, procedure in enumerate(case.procedures):
        for j, lesion_id in enumerate(getattr(procedure, "treated_lesions", [])):
            if lesion_id not in known:
                yield Problem(
                    ("procedures", i, "treated_lesions", j), f"no lesion with id {lesion_id!r}"
                )


def _labs(case: Case) -> Iterator[Problem]:
    for i, lab in enumerate(case.labs):
        try:
            code = analyte_code(lab.analyte)
        except ValueError:
            code = None  # other analytes (tumour markers, ...) are recorded but not converted
        if code is not None:
            try:
                to_canonical(code, lab.value, lab.unit)
            except ValueError as error:
                yield Problem(("labs", i), f"{lab.analyte} on {lab.date}: {error}")
        if lab.low is not None and lab.high is not None and lab.low > lab.high:
            yield Problem(
                ("labs", i, "low"), f"reference range low {lab.low} is above high {lab.high}"
            )

