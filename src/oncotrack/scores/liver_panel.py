"""Liver function before each procedure: the labs closest before it, ALBI, Child-Pugh, CTCAE.

The reference case checked ALT and the ALBI grade before each of its eight TACE sessions
(Figure 3). For every procedure this module takes, per analyte, the latest lab on or before the
procedure day within a window (default 14 days), and derives:

* ALBI score, grade and mALBI (:mod:`oncotrack.scores.albi`) and its change since the previous
  procedure that had one;
* Child-Pugh (:mod:`oncotrack.scores.child_pugh`) when bilirubin, albumin and INR are there,
  with ascites and encephalopathy from the closest clinical status in the window;
* CTCAE v5.0 grades (:mod:`oncotrack.scores.ctcae`) against each lab's reference range, with the
  baseline-abnormal rule applied against the first panel's value;
* TACE liver-function eligibility (:mod:`oncotrack.scores.eligibility`);
* warnings: a worse ALBI grade than at the previous procedure, ALBI grade 3, Child-Pugh C,
  bilirubin > 3 mg/dL, any CTCAE grade ≥ 3.

Labs on the procedure day count as before it (drawn before the intervention). Conventions are in
docs/clinical-rules.md ("Liver panel per procedure").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from oncotrack.model.case import Case, ClinicalStatus, Tace
from oncotrack.model.dates import resolve
from oncotrack.model.units import ANALYTES, analyte_code, to_canonical
from oncotrack.scores.albi import ALBUMIN_COEFFICIENT, AlbiResult, albi
from oncotrack.scores.child_pugh import BILIRUBIN_UMOL_PER_MG_DL, ChildPughResult, child_pugh
from oncotrack.scores.ctcae import CtcaeGrade, grade_lab
from oncotrack.scores.eligibility import EligibilityResult, TaceLimits, tace_eligibility

DEFAULT_WINDOW_DAYS = 14
BILIRUBIN_WARNING_MG_DL = 3.0
"""Bilirubin above 3 mg/dL: the usual TACE contraindication (see scores.eligibility)."""
CTCAE_WARNING_GRADE = 3


class LabValue(BaseModel):
    """One lab in canonical units, as used by the scores."""

    model_config = ConfigDict(frozen=True)

    analyte: str
    date: dt.date
    value: float
    unit: str
    given: str
    """The value as recorded, with its unit."""
    low: float | None
    high: float | None
    illustrative: bool
    index: int
    """Position in the case's ``labs`` list."""


class PanelLab(BaseModel):
    model_config = ConfigDict(frozen=True)

    lab: LabValue
    days_before: int
    ctcae: CtcaeGrade | None
    ctcae_note: str | None = None


class ProcedurePanel(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedure_index: int
    date: dt.date
    date_given: str
    type: str
    name: str | None
    embolization_performed: bool | None
    labs: dict[str, PanelLab]
    albi: AlbiResult | None
    albi_change: float | None
    """ALBI score minus the previous procedure's (positive = worse)."""
    child_pugh: ChildPughResult | None
    tace_liver_function: EligibilityResult | None
    warnings: list[str]
    note: str | None
    imputed_date: str | None
    illustrative: bool


@dataclass(frozen=True)
class PanelOptions:
    window_days: int = DEFAULT_WINDOW_DAYS
    albumin_coefficient: float = ALBUMIN_COEFFICIENT
    procedure_types: tuple[str, ...] | None = None
    """None: every procedure."""
    tace_limits: TaceLimits = field(default_factory=TaceLimits)


def canonical_labs(case: Case) -> list[LabValue]:
    """The case's labs of known analytes in canonical units, by date (unknown analytes, such as
    tumour markers, are kept in the record but not used here)."""
    values = []
    for i, lab in enumerate(case.labs):
        try:
            code = analyte_code(lab.analyte)
        except ValueError:
            continue
        spec = ANALYTES[code]
        values.append(LabValue(
            analyte=code, date=lab.date.impute(lab.date_imputation),
            value=to_canonical(code, lab.value, lab.unit),
            unit=spec.unit, given=f"{lab.value:g} {lab.unit}",
            low=None if lab.low is None else to_canonical(code, lab.low, lab.unit, check=False),
            high=None if lab.high is None else to_canonical(code, lab.high, lab.unit, check=False),
            illustrative=lab.illustrative, index=i,
        ))
    return sorted(values, key=lambda v: (v.date, v.index))


def liver_panels(case: Case, options: PanelOptions | None = None) -> list[ProcedurePanel]:
    """One panel per procedure, in date order."""
    options = options or PanelOptions()
    labs = canonical_labs(case)
    baseline: dict[str, float] = {}
    panels: list[ProcedurePanel] = []
    order = sorted(enumerate(case.procedures),
                   key=lambda p: p[1].date.impute(p[1].date_imputation))
    for index, procedure in order:
        if options.procedure_types and procedure.type not in options.procedure_types:
            continue
        day, imputed = resolve(procedure.date, procedure.date_imputation,
                               f"procedures[{index}].date")
        chosen = _closest_before(labs, day, options.window_days)
        for code, lab in chosen.items():
            baseline.setdefault(code, lab.value)
        status = _clinical_status(case.clinical, day, options.window_days)
        previous = next((p for p in reversed(panels) if p.albi is not None), None)
        panels.append(_panel(index, procedure.type, getattr(procedure, "name", None),
                             procedure.embolization_performed if isinstance(procedure, Tace)
                             else None, day, str(procedure.date), chosen, baseline, status,
                             previous, options, imputed.describe() if imputed else None,
                             procedure.illustrative))
    return panels


def _closest_before(labs: Sequence[LabValue], day: dt.date, window: int) -> dict[str, LabValue]:
    first = day - dt.timedelta(days=window)
    chosen: dict[str, LabValue] = {}
    for lab in labs:  # sorted by date: a later lab of the same analyte replaces an earlier one
        if first <= lab.date <= day:
            chosen[lab.analyte] = lab
    return chosen


def _clinical_status(statuses: Sequence[ClinicalStatus], day: dt.date,
                     window: int) -> ClinicalStatus | None:
    first = day - dt.timedelta(days=window)
    dated = [(s.date.impute(s.date_imputation), s) for s in statuses]
    within = [(d, s) for d, s in dated if first <= d <= day]
    return max(within, key=lambda pair: pair[0])[1] if within else None


def _panel(
    index: int, kind: str, name: str | None, embolized: bool | None, day: dt.date,
    given: str, chosen: dict[str, LabValue], baseline: dict[str, float],
    status: ClinicalStatus | None, previous: ProcedurePanel | None, options: PanelOptions,
    imputed: str | None, illustrative: bool,
) -> ProcedurePanel:
    labs = {code: _graded(lab, day, baseline.get(code), status) for code, lab in chosen.items()}
    bili = chosen.get("bilirubin")
    alb = chosen.get("albumin")
    inr = chosen.get("inr")
    albi_result = (albi(bili.value, alb.value, options.albumin_coefficient)
                   if bili and alb else None)
    cp = (child_pugh(bili.value, alb.value, inr.value,
                     status.ascites if status else None,
                     status.encephalopathy if status else None)
          if bili and alb and inr else None)
    bili_mg = bili.value / BILIRUBIN_UMOL_PER_MG_DL if bili else None
    eligibility = (tace_eligibility(bili_mg, cp.child_pugh_class if cp else None,
                                    albi_result.grade if albi_result else None,
                                    options.tace_limits)
                   if chosen else None)
    change = (round(albi_result.score_exact - previous.albi.score_exact, 2)
              if albi_result and previous and previous.albi else None)
    warnings = _warnings(albi_result, previous, cp, bili_mg, labs)
    note = None if chosen else (
        f"no labs within {options.window_days} days before the procedure")
    return ProcedurePanel(
        procedure_index=index, date=day, date_given=given, type=kind, name=name,
        embolization_performed=embolized, labs=labs, albi=albi_result, albi_change=change,
        child_pugh=cp, tace_liver_function=eligibility, warnings=warnings, note=note,
        imputed_date=imputed, illustrative=illustrative,
    )


def _graded(lab: LabValue, day: dt.date, baseline: float | None,
            status: ClinicalStatus | None) -> PanelLab:
    days_before = (day - lab.date).days
    try:
        grade = grade_lab(lab.analyte, lab.value, uln=lab.high, lln=lab.low,
                          baseline=baseline,
                          on_anticoagulation=bool(status and status.on_anticoagulation))
    except ValueError as error:  # e.g. no reference range recorded for this lab
        return PanelLab(lab=lab, days_before=days_before, ctcae=None, ctcae_note=str(error))
    return PanelLab(lab=lab, days_before=days_before, ctcae=grade)


def _warnings(albi_result: AlbiResult | None, previous: ProcedurePanel | None,
              cp: ChildPughResult | None, bili_mg: float | None,
              labs: dict[str, PanelLab]) -> list[str]:
    warnings = []
    if albi_result and previous and previous.albi and albi_result.grade > previous.albi.grade:
        warnings.append(f"ALBI grade worse: {previous.albi.grade} -> {albi_result.grade} since "
                        f"the procedure of {previous.date}")
    if albi_result and albi_result.grade == 3:
        warnings.append(f"ALBI grade 3 ({albi_result.score:.2f})")
    if cp and cp.child_pugh_class == "C":
        warnings.append(f"Child-Pugh C ({cp.points} points)")
    if bili_mg is not None and bili_mg > BILIRUBIN_WARNING_MG_DL:
        warnings.append(f"bilirubin {bili_mg:.2f} mg/dL > {BILIRUBIN_WARNING_MG_DL:g} mg/dL")
    for code, panel_lab in labs.items():
        grade = panel_lab.ctcae.grade if panel_lab.ctcae else None
        if grade is not None and grade >= CTCAE_WARNING_GRADE:
            term = panel_lab.ctcae.term if panel_lab.ctcae else code
            warnings.append(f"CTCAE grade {grade}: {term}")
    return warnings
