"""Plain summaries of a case's treatment, for tables and reports (no clinical judgement)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from oncotrack.model.case import Case, Radiotherapy, Tace
from oncotrack.model.dates import resolve


class ProcedureLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    date: dt.date
    date_given: str
    type: str
    detail: str
    embolization_performed: bool | None = None
    illustrative: bool = False
    imputed_date: str | None = None


class RegimenLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    drug: str
    start: dt.date
    start_given: str
    stop: dt.date | None
    schedule: str
    imputed_dates: list[str] = []


class TreatmentSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedures: list[ProcedureLine]
    tace_sessions: int
    tace_with_embolization: int
    regimens: list[RegimenLine]


def treatment_summary(case: Case) -> TreatmentSummary:
    """Procedures in date order, numbered, and the regimens with their schedules."""
    lines = []
    ordered = sorted(
        enumerate(case.procedures), key=lambda p: p[1].date.impute(p[1].date_imputation)
    )
    for number, (index, procedure) in enumerate(ordered, start=1):
        day, imputed = resolve(procedure.date, procedure.date_imputation,
                               f"procedures[{index}].date")
        lines.append(ProcedureLine(
            number=number,
            date=day,
            date_given=str(procedure.date),
            type=procedure.type,
            detail=_procedure_detail(procedure),
            embolization_performed=(
                procedure.embolization_performed if isinstance(procedure, Tace) else None
            ),
            illustrative=procedure.illustrative,
            imputed_date=imputed.describe() if imputed else None,
        ))
    taces = [p for p in case.procedures if isinstance(p, Tace)]
    regimens = []
    for index, regimen in enumerate(case.regimens):
        start, start_imp = resolve(regimen.start, regimen.start_imputation,
                                   f"regimens[{index}].start")
        stop, stop_imp = (None, None)
        if regimen.stop is not None:
            stop, stop_imp = resolve(regimen.stop, regimen.stop_imputation,
                                     f"regimens[{index}].stop")
        regimens.append(RegimenLine(
            drug=regimen.drug,
            start=start,
            start_given=str(regimen.start),
            stop=stop,
            schedule=_schedule(case, index),
            imputed_dates=[i.describe() for i in (start_imp, stop_imp) if i is not None],
        ))
    return TreatmentSummary(
        procedures=lines,
        tace_sessions=len(taces),
        tace_with_embolization=sum(1 for t in taces if t.embolization_performed),
        regimens=regimens,
    )


def _procedure_detail(procedure: object) -> str:
    if isinstance(procedure, Tace):
        kind = {"deb": "DEB-TACE", "conventional": "cTACE", "bland": "bland embolization"}
        parts = [procedure.name or kind[procedure.variant]]
        if procedure.embolic_device:
            size = f" {procedure.bead_size_um} µm" if procedure.bead_size_um else ""
            parts.append(f"{procedure.embolic_device}{size}")
        parts += [
            f"{d.drug} {d.dose:g} {d.unit or ''}".strip() if d.dose else d.drug
            for d in procedure.drugs
        ]
        if not procedure.embolization_performed:
            parts.append("arteriography only, no embolization")
        return ", ".join(parts)
    if isinstance(procedure, Radiotherapy):
        dose = f"{procedure.dose_gy:g} Gy" if procedure.dose_gy else ""
        fractions = f" in {procedure.fractions} fractions" if procedure.fractions else ""
        return " ".join(p for p in (dose + fractions, procedure.site or "") if p) or "radiotherapy"
    name: str | None = getattr(procedure, "name", None)
    return name or str(getattr(procedure, "type", "procedure"))


def _schedule(case: Case, index: int) -> str:
    regimen = case.regimens[index]
    parts = []
    if regimen.dose:
        parts.append(f"{regimen.dose:g} {regimen.unit or ''}".strip())
    if regimen.frequency:
        parts.append(regimen.frequency)
    if regimen.cycle:
        parts.append(f"{regimen.cycle.days_on} days on, {regimen.cycle.days_off} off")
    if regimen.cycles_planned:
        parts.append(f"{regimen.cycles_planned} cycles")
    if regimen.holds and (regimen.holds.days_before or regimen.holds.days_after):
        parts.append(f"held {regimen.holds.days_before} day(s) before to "
                     f"{regimen.holds.days_after} after {', '.join(regimen.holds.procedure_types)}")
    return "; ".join(parts)
