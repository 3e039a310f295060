"""From per-patient :class:`~oncotrack.model.case.Case` objects to the columnar tables.

:func:`cases_to_frames` is the bridge between the per-patient engine and the cohort derivation:
the property tests feed the same cases to both and compare. Every value is taken as the
per-patient engine takes it (imputed scan dates, too small = 5 mm, absent = 0 mm, the engine's
reference date, the death date imputation of :mod:`oncotrack.endpoints.survival`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

from oncotrack.assessment import TREATMENT_PROCEDURES, Options, reference_date
from oncotrack.cohort.schema import (
    ABSENT,
    EQUIVOCAL,
    MEASUREMENTS,
    NOT_EVALUATED,
    PRESENT,
    ROLE_NEW,
    ROLE_NON_TARGET,
    ROLE_TARGET,
    SUBJECTS,
    UNEQUIVOCAL,
    UNEQUIVOCAL_PROGRESSION,
)
from oncotrack.course import known_alive_dates
from oncotrack.criteria.recist11 import measurement_mm
from oncotrack.endpoints.survival import impute_death_date
from oncotrack.model.case import Assessment, Case
from oncotrack.model.dates import Precision
from oncotrack.model.problems import Problem
from oncotrack.model.vocabulary import (
    EventType,
    LesionRole,
    MeasurementStatus,
    NonTargetStatus,
)

_STATE = {
    NonTargetStatus.PRESENT: PRESENT,
    NonTargetStatus.ABSENT: ABSENT,
    NonTargetStatus.PROGRESSION: UNEQUIVOCAL_PROGRESSION,
    NonTargetStatus.NOT_EVALUATED: NOT_EVALUATED,
}


def _date_flag(assessment: Assessment) -> str | None:
    precision = assessment.date.precision
    if precision is Precision.DAY:
        return None
    return "D" if precision is Precision.MONTH else "M"


def _measurement_rows(case: Case) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {name: [] for name in MEASUREMENTS}

    def add(day: dt.date, flag: str | None, base: bool, lesion_id: str | None, role: str,
            organ: str, node: bool, diam: float | None, state: str | None) -> None:
        for name, value in (("USUBJID", case.patient.id), ("ADT", day), ("ADTF", flag),
                            ("BASEFL", base), ("LESIONID", lesion_id), ("ROLE", role),
                            ("ORGAN", organ.strip().lower()), ("NODE", node), ("DIAM", diam),
                            ("STATE", state)):
            columns[name].append(value)

    targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]
    non_targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET]
    for assessment in case.assessments:
        day = assessment.date.impute(assessment.date_imputation)
        flag = _date_flag(assessment)
        for lesion in targets:
            raw = assessment.target.get(lesion.id, MeasurementStatus.NOT_EVALUATED)
            value = measurement_mm(raw)
            add(day, flag, assessment.baseline, lesion.id, ROLE_TARGET, lesion.organ,
                lesion.lymph_node, float(value) if value is not None else None, None)
        for lesion in non_targets:
            status = assessment.non_target.get(lesion.id, NonTargetStatus.NOT_EVALUATED)
            if assessment.baseline and lesion.id not in assessment.non_target:
                status = NonTargetStatus.PRESENT  # a non-target lesion is present at baseline
            add(day, flag, assessment.baseline, lesion.id, ROLE_NON_TARGET, lesion.organ,
                lesion.lymph_node, None, _STATE[status])
        for new in assessment.new_lesions:
            add(day, flag, assessment.baseline, new.id, ROLE_NEW, new.organ, new.lymph_node,
                new.size_mm, UNEQUIVOCAL if new.unequivocal else EQUIVOCAL)
    return columns


def _subject_row(case: Case) -> dict[str, Any]:
    reference, _, _ = reference_date(case, Options())
    alive = max(known_alive_dates(case), default=None)
    death: dt.date | None = None
    new_therapy: list[dt.date] = []
    for i, event in enumerate(case.events):
        if event.type is EventType.DEATH and death is None:
            death, _ = impute_death_date(event.date, alive, f"events[{i}].date")
        elif event.type is EventType.NEW_THERAPY:
            new_therapy.append(event.date.impute(event.date_imputation))
    baseline = case.baseline
    floor = baseline.date.impute(baseline.date_imputation) if baseline else dt.date.min
    starts = [p.date.impute(p.date_imputation) for p in case.procedures
              if p.type in TREATMENT_PROCEDURES]
    starts += [r.start.impute(r.start_imputation) for r in case.regimens]
    return {
        "USUBJID": case.patient.id,
        "RANDDT": reference,
        "TRTSDT": min((d for d in starts if d >= floor), default=None),
        "DTHDT": death,
        "LSTALVDT": alive,
        # New therapy censors PFS from the reference date on: the first one on or after it.
        "NEWTHDT": min((d for d in new_therapy if d >= reference), default=None),
    }


def cohort_limits(case: Case) -> list[Problem]:
    """What in ``case`` the columnar derivation does not take into account, with its place.

    The cohort tables carry imaging and the subject's dates; a progression recorded as an event
    (clinical progression, which ends PFS in :func:`oncotrack.assess`) and tumour markers that
    block a complete response (RECIST 1.1 §4.3.3) are not in them, so such a case would get a
    different result from the cohort engine. It is refused instead: assess it on its own.
    """
    problems = [
        Problem(("events", i, "type"), "a progression event (clinical progression) is not "
                "carried by the cohort tables; assess this case with `oncotrack assess`")
        for i, event in enumerate(case.events) if event.type is EventType.PROGRESSION]
    problems += [
        Problem(("assessments", i, "tumour_markers_normal"), "abnormal tumour markers (which "
                "block a complete response) are not carried by the cohort tables; assess this "
                "case with `oncotrack assess`")
        for i, assessment in enumerate(case.assessments)
        if assessment.tumour_markers_normal is False]
    return problems


def cases_to_frames(cases: Iterable[Case]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(MEASUREMENTS, SUBJECTS)`` for ``cases``, one subject per case (``USUBJID`` = the
    patient id).

    Every target and non-target lesion has a row at every scan (a target not evaluated: DIAM
    null; a non-target not evaluated: NOT EVALUATED); each new lesion a row (LESIONID its id,
    null without one). ``RANDDT`` is the reference date the per-patient engine resolves by
    default; ``DTHDT`` the death date imputed as the engine imputes it; ``LSTALVDT`` the last
    date known alive (:func:`oncotrack.course.known_alive_dates`); ``NEWTHDT`` the first
    new-therapy event on or after ``RANDDT``.
    """
    measurement_columns: dict[str, list[Any]] = {name: [] for name in MEASUREMENTS}
    subject_rows: list[dict[str, Any]] = []
    for case in cases:
        for name, values in _measurement_rows(case).items():
            measurement_columns[name].extend(values)
        subject_rows.append(_subject_row(case))
    measurements = pl.DataFrame(measurement_columns, schema=MEASUREMENTS)
    subjects = pl.DataFrame({name: [row[name] for row in subject_rows] for name in SUBJECTS},
                            schema=SUBJECTS)
    return measurements, subjects
