"""What a response criterion returns: per-timepoint results that show how they were reached.

The shape is shared by every criterion so that results sit side by side and serialise to the
same JSON keys (``timepoints``; see docs/json-output.md).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from oncotrack.model.vocabulary import Response


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class Finding(Result):
    """A warning about the record that does not stop the assessment (e.g. a baseline check)."""

    code: str
    message: str
    lesion: str | None = None
    source: str


class LesionReading(Result):
    """One target lesion at one timepoint.

    ``per_lesion_reading`` applies the RECIST thresholds to this lesion alone, as the reference
    case's authors did. RECIST 1.1 judges the sum, never single lesions: this column is labelled
    a per-lesion reading and never feeds the overall response.
    """

    lesion: str
    organ: str
    lymph_node: bool
    recorded_as: str = Field(description="The value as written: mm, too-small, absent, ...")
    value_mm: float | None = Field(description="The value used: too-small = 5, absent = 0.")
    baseline_mm: float
    change_from_baseline_pct: float | None
    nadir_mm: float | None = Field(description="This lesion's smallest earlier value.")
    change_from_nadir_pct: float | None
    per_lesion_reading: Response
    recorded: Response | None = None
    agrees: bool | None = None


class TimepointResult(Result):
    """One follow-up judged by one criterion. RECIST-family criteria fill the ``sum_mm`` fields;
    bidimensional criteria (WHO, EASL) the ``sum_area_mm2`` fields; Choi also the attenuation
    fields. ``change_from_*_pct`` always refer to the criterion's primary measure."""

    criterion: str = "RECIST 1.1"
    measure: str = Field(default="sum of longest diameters (nodes: short axis), mm",
                         description="What the primary measure is, with its unit.")
    date: dt.date
    date_given: str = Field(description="The date as recorded (may be partial).")
    sum_mm: float | None = Field(description="Sum of diameters of the measured targets.")
    baseline_sum_mm: float | None
    change_from_baseline_pct: float | None
    nadir_mm: float | None = Field(description="The smallest earlier sum, baseline included.")
    nadir_date: dt.date | None
    change_from_nadir_pct: float | None
    target: Response | None = Field(description="None when there is no target disease.")
    target_rule: str
    non_target: Response | None = Field(description="None when there is no non-target disease.")
    non_target_rule: str
    new_lesions: bool = Field(description="True when an unequivocal new lesion was seen.")
    equivocal_new_lesions: list[str] = Field(default_factory=list)
    overall: Response
    rule: str = Field(description="The row of the overall-response table that fired.")
    progression_date: dt.date | None = Field(
        default=None,
        description="For PD: the date progression is dated to (earlier than this timepoint when "
        "an equivocal new lesion seen before is now unequivocal).",
    )
    missing_lesions: list[str] = Field(default_factory=list)
    lesions: list[LesionReading] = Field(default_factory=list)
    recorded: Response | None = None
    agrees: bool | None = None
    disagreement: str | None = None
    illustrative: bool = False
    imputed_dates: list[str] = Field(default_factory=list)
    sum_area_mm2: float | None = Field(default=None, description="WHO, EASL: sum of areas.")
    baseline_sum_area_mm2: float | None = None
    nadir_area_mm2: float | None = None
    attenuation_hu: float | None = Field(default=None, description="Choi: mean attenuation.")
    baseline_attenuation_hu: float | None = None
    attenuation_change_pct: float | None = None
    new_lesion_sum_mm: float | None = Field(
        default=None, description="iRECIST: sum of the new-lesion targets (NLT), kept apart.")
    notes: list[str] = Field(default_factory=list,
                             description="Criterion-specific remarks (e.g. an option in force).")
