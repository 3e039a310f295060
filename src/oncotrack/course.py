"""The case-level views behind ``oncotrack labs``, ``schedule`` and ``stage``.

Each function gathers what one command shows from the engines; no clinical rule lives here.
``assess`` (:mod:`oncotrack.assessment`) includes the liver panel from here too.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from oncotrack.endpoints.survival import impute_death_date
from oncotrack.model.case import Case
from oncotrack.model.vocabulary import EventType
from oncotrack.schedule import CycleSummary, RegimenCalendar, calendar_summary, expand_regimen
from oncotrack.scores.albi import AlbiResult, albi
from oncotrack.scores.ctcae import CtcaeGrade, grade_lab
from oncotrack.scores.liver_panel import (
    LabValue,
    PanelOptions,
    ProcedurePanel,
    canonical_labs,
    liver_panels,
)
from oncotrack.scores.staging import StagingResult, stage_ajcc8_retroperitoneum, stage_msts


def known_alive_dates(case: Case) -> list[dt.date]:
    """Every dated record other than death: the patient was alive on each (OS censoring)."""
    days = [a.date.impute(a.date_imputation) for a in case.assessments]
    days += [p.date.impute(p.date_imputation) for p in case.procedures]
    days += [lab.date.impute(lab.date_imputation) for lab in case.labs]
    days += [c.date.impute(c.date_imputation) for c in case.clinical]
    days += [e.date.impute(e.date_imputation) for e in case.events
             if e.type is not EventType.DEATH]
    days += [r.start.impute(r.start_imputation) for r in case.regimens]
    days += [r.stop.impute(r.stop_imputation) for r in case.regimens if r.stop is not None]
    return days


def follow_up_end(case: Case) -> tuple[dt.date | None, str]:
    """Death (imputed by the death rule) or, failing that, the last date known alive."""
    alive = max(known_alive_dates(case), default=None)
    for i, event in enumerate(case.events):
        if event.type is EventType.DEATH:
            day, _ = impute_death_date(event.date, alive, f"events[{i}].date")
            return day, f"death on {day}"
    if alive is None:
        return None, "no dated record"
    return alive, f"last date known alive, {alive}"


# --- labs ----------------------------------------------------------------------------------------


class LabRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    lab: LabValue
    ctcae: CtcaeGrade | None
    ctcae_note: str | None = None


class AlbiAt(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: dt.date
    albi: AlbiResult


class LabsResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    case: str
    labs: list[LabRow]
    albi: list[AlbiAt]
    """ALBI on every date with both bilirubin and albumin."""
    liver_panel: list[ProcedurePanel]
    window_days: int


def labs_view(case: Case, options: PanelOptions | None = None) -> LabsResult:
    """Every lab in canonical units with its CTCAE grade (baseline: the first value of each
    analyte), ALBI by date, and the liver panel before each procedure."""
    options = options or PanelOptions()
    labs = canonical_labs(case)
    first: dict[str, float] = {}
    rows = []
    for lab in labs:
        baseline = first.setdefault(lab.analyte, lab.value)
        try:
            grade = grade_lab(lab.analyte, lab.value, uln=lab.high, lln=lab.low,
                              baseline=baseline)
            rows.append(LabRow(lab=lab, ctcae=grade))
        except ValueError as error:
            rows.append(LabRow(lab=lab, ctcae=None, ctcae_note=str(error)))
    by_date: dict[dt.date, dict[str, float]] = {}
    for lab in labs:
        by_date.setdefault(lab.date, {})[lab.analyte] = lab.value
    albi_rows = [AlbiAt(date=day, albi=albi(v["bilirubin"], v["albumin"],
                                            options.albumin_coefficient))
                 for day, v in sorted(by_date.items()) if "bilirubin" in v and "albumin" in v]
    return LabsResult(case=case.patient.id, labs=rows, albi=albi_rows,
                      liver_panel=liver_panels(case, options), window_days=options.window_days)


# --- drug calendars ------------------------------------------------------------------------------


class RegimenSchedule(BaseModel):
    model_config = ConfigDict(frozen=True)

    calendar: RegimenCalendar | None
    cycles: list[CycleSummary]
    drug: str
    problem: str | None = None


class ScheduleResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    case: str
    follow_up_end: dt.date | None
    follow_up_end_reason: str
    window: tuple[dt.date | None, dt.date | None]
    regimens: list[RegimenSchedule]


def schedule_view(case: Case, start: dt.date | None = None,
                  end: dt.date | None = None) -> ScheduleResult:
    """Every regimen expanded into its daily calendar, trimmed to ``start``..``end``."""
    until, reason = follow_up_end(case)
    regimens = []
    for regimen in case.regimens:
        try:
            calendar = expand_regimen(regimen, case.procedures, follow_up_end=until,
                                      window=(start, end))
        except ValueError as error:
            regimens.append(RegimenSchedule(calendar=None, cycles=[], drug=regimen.drug,
                                            problem=str(error)))
            continue
        regimens.append(RegimenSchedule(calendar=calendar, cycles=calendar_summary(calendar),
                                        drug=regimen.drug))
    return ScheduleResult(case=case.patient.id, follow_up_end=until, follow_up_end_reason=reason,
                          window=(start, end), regimens=regimens)


# --- staging -------------------------------------------------------------------------------------


class DiagnosisStaging(BaseModel):
    model_config = ConfigDict(frozen=True)

    diagnosis_index: int
    site: str
    histology: str | None
    ajcc: StagingResult | None
    """None when the site has no AJCC chapter here (only the retroperitoneum so far)."""
    msts: StagingResult
    note: str | None = None


class StageResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    case: str
    diagnoses: list[DiagnosisStaging]
    mismatches: list[str]


def stage_view(case: Case) -> StageResult:
    """AJCC 8th (retroperitoneum) and MSTS for each primary diagnosis, beside the reported one."""
    staged = []
    for i, diagnosis in enumerate(case.diagnoses):
        if diagnosis.kind != "primary":
            continue
        retroperitoneal = "retroperiton" in diagnosis.site.lower()
        staged.append(DiagnosisStaging(
            diagnosis_index=i, site=diagnosis.site, histology=diagnosis.histology,
            ajcc=stage_ajcc8_retroperitoneum(diagnosis) if retroperitoneal else None,
            msts=stage_msts(diagnosis),
            note=None if retroperitoneal else "AJCC 8th staging is implemented for the "
            "retroperitoneum only; this site is not staged by AJCC here",
        ))
    mismatches = [s.explanation for d in staged for s in (d.ajcc, d.msts)
                  if s is not None and s.matches_reported is False]
    return StageResult(case=case.patient.id, diagnoses=staged, mismatches=mismatches)
