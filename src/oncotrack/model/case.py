"""What a case is: the patient, diagnoses, lesions, imaging, treatment, labs and events.

The model validates the shape of every field where it is read (types, ranges, spelling of codes);
:mod:`oncotrack.model.consistency` then checks what needs the whole case (one baseline, lesion ids
that exist, dates in order). Unknown keys are errors, so that a misspelt field is never silently
ignored.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)

from oncotrack.model.dates import Imputation, PartialDateField
from oncotrack.model.vocabulary import (
    Enhancement,
    EventType,
    LesionRole,
    MeasurementStatus,
    NonTargetStatus,
    Response,
)


class Record(BaseModel):
    """Base of every part of a case: strict keys, frozen values."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Sourced(Record):
    """A record whose values may be illustrative rather than published or measured."""

    illustrative: bool = Field(
        default=False,
        description="True when the values were chosen for illustration, not taken from a source.",
    )
    notes: str | None = None


# --- measurements -------------------------------------------------------------------------------

_MEASUREMENT_HELP = (
    "a diameter in mm (a number >= 0) or one of too-small, absent, not-evaluated"
)


def _parse_measurement(value: Any) -> float | MeasurementStatus:
    if isinstance(value, bool):
        raise ValueError(f"expected {_MEASUREMENT_HELP}, got {value!r}")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"expected {_MEASUREMENT_HELP}, got {value!r}")
        if number > 1000:
            raise ValueError(f"a diameter of {value} mm is implausible (more than 1 m)")
        return number
    if isinstance(value, str):
        try:
            return MeasurementStatus(value.strip().lower())
        except ValueError:
            pass
    raise ValueError(f"expected {_MEASUREMENT_HELP}, got {value!r}")


Measurement = Annotated[
    float | MeasurementStatus,
    BeforeValidator(_parse_measurement),
    PlainSerializer(lambda v: v.value if isinstance(v, MeasurementStatus) else v),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "number", "minimum": 0, "description": "diameter in mm"},
                {"enum": [s.value for s in MeasurementStatus]},
            ]
        }
    ),
]
"""A target lesion's diameter in mm (nodes: short axis), or why there is no number."""


def _parse_response(value: Any) -> Response:
    if isinstance(value, Response):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a response code such as PR, got {value!r}")
    return Response.parse(value)


ResponseCode = Annotated[
    Response,
    BeforeValidator(_parse_response),
    WithJsonSchema({"enum": [r.value for r in Response]}),
]


# --- patient and diagnosis ----------------------------------------------------------------------


class Patient(Record):
    id: str = Field(min_length=1, pattern=r"^\S+$", description="Pseudonymous identifier.")
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    age: int | None = Field(default=None, ge=0, le=120, description="Age at presentation.")
    birth_year: int | None = Field(default=None, ge=1900, le=2200)


class ReportedStage(Record):
    system: str = Field(min_length=1, description="e.g. 'AJCC 8th', 'MSTS'.")
    stage: str = Field(min_length=1)
    source: str | None = None


class FnclccScores(Record):
    """The three FNCLCC components (Trojani 1984; Guillou 1997), summed to a grade."""

    differentiation: int = Field(ge=1, le=3)
    mitotic_count_per_10_hpf: int = Field(ge=0, le=1000)
    necrosis: Literal["none", "<50%", ">=50%"]


class Diagnosis(Sourced):
    kind: Literal["primary", "metastasis", "recurrence"] = "primary"
    date: PartialDateField | None = None
    site: str = Field(min_length=1)
    histology: str | None = None
    grade: str | None = Field(default=None, description="e.g. FNCLCC G2.")
    size_cm: list[Annotated[float, Field(gt=0, le=200)]] | None = Field(
        default=None, description="Dimensions in cm, largest first (pathology)."
    )
    ihc: dict[str, str] = Field(default_factory=dict, description="Marker -> result.")
    molecular: dict[str, str] = Field(default_factory=dict, description="Test -> result.")
    reported_stages: list[ReportedStage] = Field(default_factory=list)
    confirmed_by: str | None = Field(default=None, description="e.g. surgical pathology, biopsy.")
    fnclcc: FnclccScores | None = Field(
        default=None, description="FNCLCC components; the grade is computed from them."
    )
    nodal_status: Literal["N0", "N1", "NX"] | None = Field(
        default=None, description="Regional lymph nodes at diagnosis (AJCC).")
    distant_metastasis: Literal["M0", "M1"] | None = Field(
        default=None, description="Distant metastasis at diagnosis (AJCC).")
    compartment: Literal["intracompartmental", "extracompartmental"] | None = Field(
        default=None, description="Anatomic extent for MSTS/Enneking staging (T1 / T2).")

    date_imputation: Imputation = Field(
        default=Imputation.FIRST, description="How a partial date is completed: first or last day."
    )


# --- lesions and imaging ------------------------------------------------------------------------


class Lesion(Sourced):
    id: str = Field(min_length=1, pattern=r"^\S+$")
    organ: str = Field(min_length=1)
    role: LesionRole
    lymph_node: bool = False
    description: str | None = None
    previously_treated: bool = Field(
        default=False,
        description="Irradiated or loco-regionally treated before baseline (RECIST 1.1 §3.1.3).",
    )


class NewLesion(Sourced):
    id: str | None = Field(
        default=None,
        description="Optional: the same id on a later assessment marks the same new lesion, so "
        "that an equivocal lesion confirmed later dates progression to its first appearance, and "
        "iRECIST can follow its size (list it at every assessment where it is seen).",
    )
    organ: str = Field(min_length=1)
    unequivocal: bool = True
    lymph_node: bool = False
    size_mm: float | None = Field(
        default=None, ge=0, le=1000,
        description="Longest diameter (nodes: short axis), for iRECIST new-lesion sums and the "
        "mRECIST 1 cm rule.")
    perpendicular_mm: float | None = Field(default=None, ge=0, le=1000)
    enhancement: Enhancement | None = Field(
        default=None, description="Arterial-phase pattern: typical (hyperenhancement with "
        "washout), atypical or none (mRECIST).")
    progression: bool = Field(
        default=False, description="Unequivocal growth of this new lesion since it was last seen "
        "(iRECIST new-lesion non-target progression).")


class Assessment(Sourced):
    date: PartialDateField
    baseline: bool = False
    modality: str | None = Field(default=None, description="CT, MRI, PET-CT, X-ray, clinical.")
    slice_thickness_mm: float | None = Field(default=None, gt=0, le=50)
    target: dict[str, Measurement] = Field(default_factory=dict)
    non_target: dict[str, NonTargetStatus] = Field(default_factory=dict)
    new_lesions: list[NewLesion] = Field(default_factory=list)
    tumour_markers_normal: bool | None = Field(
        default=None, description="False blocks a non-target CR (RECIST 1.1 §4.3.3)."
    )
    recorded_response: ResponseCode | None = Field(
        default=None, description="The overall response the clinician recorded, if any."
    )
    recorded_lesion_responses: dict[str, ResponseCode] = Field(
        default_factory=dict,
        description="Responses the clinician recorded lesion by lesion (not a RECIST category).",
    )
    contrast_phase: Literal["arterial", "portal-venous", "delayed", "multiphase", "none"] | None = (
        Field(default=None, description="Contrast phase(s) of the imaging."))
    viable: dict[str, Measurement] = Field(
        default_factory=dict,
        description="Target lesion -> longest diameter of its viable (arterially enhancing) part "
        "in mm; absent = no enhancing tissue (mRECIST, EASL).")
    perpendicular: dict[str, Measurement] = Field(
        default_factory=dict,
        description="Target lesion -> longest diameter perpendicular to the longest, mm (WHO).")
    viable_perpendicular: dict[str, Measurement] = Field(
        default_factory=dict,
        description="Target lesion -> perpendicular diameter of the viable part, mm (EASL).")
    attenuation_hu: dict[str, Annotated[float, Field(ge=-1000, le=3000, strict=False)]] = Field(
        default_factory=dict,
        description="Target lesion -> mean attenuation in Hounsfield units on portal-venous "
        "contrast CT (Choi).")
    non_target_viable: dict[str, Literal["present", "absent", "not-evaluated"]] = Field(
        default_factory=dict,
        description="Non-target lesion -> intratumoral arterial enhancement (mRECIST, EASL).")
    intratumoral_nodules: list[str] = Field(
        default_factory=list,
        description="Target lesions with a new intratumoral nodule or a growing one (Choi PD).")

    date_imputation: Imputation = Field(
        default=Imputation.LAST, description="How a partial date is completed: first or last day."
    )

    @field_validator("non_target", mode="before")
    @classmethod
    def _lower_statuses(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v.strip().lower() if isinstance(v, str) else v for k, v in value.items()}
        return value


# --- procedures ---------------------------------------------------------------------------------


class DrugDose(Record):
    drug: str = Field(min_length=1)
    dose: float | None = Field(default=None, gt=0)
    unit: str | None = None


class ProcedureBase(Sourced):
    date: PartialDateField
    name: str | None = None
    findings: str | None = None

    date_imputation: Imputation = Field(
        default=Imputation.LAST, description="How a partial date is completed: first or last day."
    )


class Surgery(ProcedureBase):
    type: Literal["surgery"]
    approach: str | None = Field(default=None, description="e.g. laparoscopic, open.")
    margin: str | None = Field(default=None, description="R0, R1, R2 or unknown.")


class Radiotherapy(ProcedureBase):
    type: Literal["radiotherapy"]
    site: str | None = None
    dose_gy: float | None = Field(default=None, gt=0, le=200)
    fractions: int | None = Field(default=None, gt=0, le=100)
    end_date: PartialDateField | None = None


class Tace(ProcedureBase):
    """Transarterial (chemo)embolization: conventional, drug-eluting bead, or bland."""

    type: Literal["tace"]
    variant: Literal["conventional", "deb", "bland"] = "conventional"
    embolic_device: str | None = Field(default=None, description="e.g. CareSphere microspheres.")
    bead_size_um: str | None = Field(default=None, description="e.g. '100-300'.")
    drugs: list[DrugDose] = Field(default_factory=list)
    embolization_performed: bool = Field(
        default=True, description="False when only arteriography was done."
    )
    treated_lesions: list[str] = Field(default_factory=list)


class Ablation(ProcedureBase):
    type: Literal["ablation"]
    technique: str | None = Field(default=None, description="RFA, MWA, cryoablation.")
    treated_lesions: list[str] = Field(default_factory=list)


class Biopsy(ProcedureBase):
    type: Literal["biopsy"]
    site: str | None = None


class OtherProcedure(ProcedureBase):
    type: Literal["other"]


Procedure = Annotated[
    Surgery | Radiotherapy | Tace | Ablation | Biopsy | OtherProcedure,
    Field(discriminator="type"),
]


# --- drug regimens ------------------------------------------------------------------------------


class Cycle(Record):
    days_on: int = Field(gt=0, le=366)
    days_off: int = Field(ge=0, le=366)


class Holds(Record):
    """Days the drug is withheld around a procedure (the reference case: 1 before, 1 after)."""

    procedure_types: list[str] = Field(default_factory=lambda: ["tace", "ablation", "surgery"])
    days_before: int = Field(default=0, ge=0, le=60)
    days_after: int = Field(default=0, ge=0, le=60)


class Interruption(Record):
    """Days the drug was not taken outside the planned off days and procedure holds."""

    start: PartialDateField
    stop: PartialDateField | None = Field(
        default=None, description="Last day without the drug; none: open until the next change."
    )
    reason: str | None = None


class DoseChange(Record):
    """A new daily (or per-administration) dose from ``date`` on."""

    date: PartialDateField
    dose: float = Field(gt=0)
    reason: str | None = None


class Regimen(Sourced):
    drug: str = Field(min_length=1, description="Drug or combination, e.g. 'anlotinib'.")
    dose: float | None = Field(default=None, gt=0)
    unit: str | None = None
    route: str | None = None
    frequency: str | None = Field(default=None, description="e.g. 'once daily', 'q3w'.")
    start: PartialDateField
    stop: PartialDateField | None = None
    cycle: Cycle | None = None
    cycles_planned: int | None = Field(default=None, gt=0)
    holds: Holds | None = None
    intent: str | None = Field(default=None, description="adjuvant, first line, ...")
    best_response_recorded: ResponseCode | None = None
    interruptions: list[Interruption] = Field(default_factory=list)
    dose_changes: list[DoseChange] = Field(default_factory=list)

    start_imputation: Imputation = Imputation.FIRST
    stop_imputation: Imputation = Imputation.LAST


# --- labs and events ----------------------------------------------------------------------------


class Lab(Sourced):
    date: PartialDateField
    analyte: str = Field(min_length=1, description="e.g. ALT, bilirubin, albumin, INR, platelets.")
    value: float
    unit: str = Field(min_length=1)
    low: float | None = Field(default=None, description="Lower limit of the reference range.")
    high: float | None = Field(default=None, description="Upper limit of the reference range.")

    date_imputation: Imputation = Field(
        default=Imputation.LAST, description="How a partial date is completed: first or last day."
    )


class ClinicalStatus(Sourced):
    """Bedside findings the liver scores need and a lab cannot give (Child-Pugh, MELD)."""

    date: PartialDateField
    ascites: Literal["none", "mild", "moderate-severe"] | None = Field(
        default=None, description="Child-Pugh: none; mild or controlled by diuretics; "
        "moderate to severe or refractory.")
    encephalopathy: Literal["none", "grade-1-2", "grade-3-4"] | None = Field(
        default=None, description="Child-Pugh: none; West Haven grade 1-2 (or controlled by "
        "medication); grade 3-4 (or refractory).")
    dialysis: bool | None = Field(
        default=None, description="Dialysis at least twice, or 24 h of CVVHD, in the past week "
        "(MELD sets creatinine to its maximum).")
    on_anticoagulation: bool | None = Field(
        default=None, description="CTCAE INR increased is graded against baseline when true.")

    date_imputation: Imputation = Field(
        default=Imputation.LAST, description="How a partial date is completed: first or last day."
    )


class Event(Sourced):
    date: PartialDateField
    type: EventType
    description: str | None = None

    date_imputation: Imputation = Field(
        default=Imputation.LAST, description="How a partial date is completed: first or last day."
    )


class EndpointSettings(Record):
    reference_date: PartialDateField | None = Field(
        default=None,
        description="Time zero for PFS, OS and TTP (randomisation or start of treatment).",
    )


class Case(Record):
    """One patient's course. Lists keep the order they were written in."""

    patient: Patient
    source: str | None = Field(default=None, description="Where the facts come from.")
    notes: str | None = None
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    lesions: list[Lesion] = Field(default_factory=list)
    assessments: list[Assessment] = Field(default_factory=list)
    procedures: list[Procedure] = Field(default_factory=list)
    regimens: list[Regimen] = Field(default_factory=list)
    labs: list[Lab] = Field(default_factory=list)
    clinical: list[ClinicalStatus] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    endpoints: EndpointSettings = Field(default_factory=EndpointSettings)

    def lesion(self, lesion_id: str) -> Lesion:
        for lesion in self.lesions:
            if lesion.id == lesion_id:
                return lesion
        raise KeyError(lesion_id)

    @property
    def baseline(self) -> Assessment | None:
        return next((a for a in self.assessments if a.baseline), None)

    def follow_ups(self) -> list[Assessment]:
        """Post-baseline assessments in date order (partial dates by their imputed day)."""
        later = [a for a in self.assessments if not a.baseline]
        return sorted(later, key=lambda a: a.date.impute(a.date_imputation))

