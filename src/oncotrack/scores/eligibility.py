"""Eligibility rules as data: thermal ablation of liver metastases, and TACE liver-function limits.

Each rule set is a table of criteria with its source; thresholds are parameters with documented
defaults, so a protocol with other limits changes numbers, not code.

Sources:
* Ablation: limited disease, 1-3 lesions each < 3 cm, as the reference case (Cui et al.,
  Discussion) quotes from Krzyston H et al., Liver-directed treatments of liver-dominant
  metastatic leiomyosarcoma, Diagn Interv Radiol 2020;26:449-455. Configurable.
* TACE liver function: decompensated liver disease (Child-Pugh C) is a contraindication to TACE
  in the EASL(-EORTC) guidelines for hepatocellular carcinoma (J Hepatol 2018;69:182-236).
  Bilirubin > 3 mg/dL and ALBI grade 3 are the limits the issue lists and common practice, not
  guideline text we could verify: they are configurable defaults, documented in
  docs/clinical-rules.md, and a protocol may set others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["met", "not met", "unknown"]
T = TypeVar("T")


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    verdict: Verdict
    detail: str


class EligibilityResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_set: str
    eligible: bool | None
    """True when every criterion is met, False when one is not, None when one is unknown."""
    criteria: list[Criterion]
    source: str


def _overall(criteria: Sequence[Criterion]) -> bool | None:
    if any(c.verdict == "not met" for c in criteria):
        return False
    if any(c.verdict == "unknown" for c in criteria):
        return None
    return True


class AblationLimits(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_lesions: int = Field(default=3, ge=1)
    max_diameter_mm: float = Field(default=30.0, gt=0)
    """Each lesion strictly smaller than this (Krzyston 2020: '< 3 cm')."""


ABLATION_SOURCE = ("Krzyston et al., Diagn Interv Radiol 2020;26:449-455, as quoted by Cui et al. "
                   "(1-3 lesions, each < 3 cm)")


def ablation_eligibility(
    lesion_diameters_mm: Sequence[float | None], limits: AblationLimits | None = None
) -> EligibilityResult:
    """Limited disease for percutaneous ablation: at most ``max_lesions`` lesions, each smaller
    than ``max_diameter_mm``. A lesion without a measurement makes the size criterion unknown."""
    limits = limits or AblationLimits()
    count = len(lesion_diameters_mm)
    count_ok: Verdict = "met" if 1 <= count <= limits.max_lesions else "not met"
    measured = [d for d in lesion_diameters_mm if d is not None]
    too_big = [d for d in measured if d >= limits.max_diameter_mm]
    size: Verdict = (
        "not met" if too_big else "unknown" if len(measured) < count else "met"
    )
    size_detail = (
        f"{len(too_big)} of {count} lesions >= {limits.max_diameter_mm:g} mm "
        f"(largest {max(measured):g} mm)" if too_big
        else f"{count - len(measured)} lesion(s) without a diameter" if size == "unknown"
        else f"all {count} lesions < {limits.max_diameter_mm:g} mm"
    )
    criteria = [
        Criterion(name=f"1-{limits.max_lesions} lesions", verdict=count_ok,
                  detail=f"{count} lesion(s)"),
        Criterion(name=f"each lesion < {limits.max_diameter_mm:g} mm", verdict=size,
                  detail=size_detail),
    ]
    return EligibilityResult(rule_set="ablation", eligible=_overall(criteria), criteria=criteria,
                             source=ABLATION_SOURCE)


class TaceLimits(BaseModel):
    """Liver-function limits for TACE; every threshold is a parameter."""

    model_config = ConfigDict(frozen=True)

    max_bilirubin_mg_dl: float = Field(default=3.0, gt=0)
    """Bilirubin must not exceed this (> 3 mg/dL is a contraindication)."""
    excluded_child_pugh: tuple[str, ...] = ("C",)
    excluded_albi_grades: tuple[int, ...] = (3,)


TACE_SOURCE = ("Child-Pugh C: EASL HCC guidelines, J Hepatol 2018;69:182-236; bilirubin and "
               "ALBI limits: configurable practice defaults")


def tace_eligibility(
    bilirubin_mg_dl: float | None, child_pugh_class: str | None, albi_grade: int | None,
    limits: TaceLimits | None = None,
) -> EligibilityResult:
    """Liver function acceptable for TACE: bilirubin ≤ limit, Child-Pugh and ALBI grade not
    excluded. An input that is missing makes its criterion unknown."""
    limits = limits or TaceLimits()
    criteria = [
        _criterion(f"bilirubin <= {limits.max_bilirubin_mg_dl:g} mg/dL", bilirubin_mg_dl,
                   lambda v: v <= limits.max_bilirubin_mg_dl, lambda v: f"{v:.2f} mg/dL"),
        _criterion(f"Child-Pugh not {'/'.join(limits.excluded_child_pugh)}", child_pugh_class,
                   lambda v: v not in limits.excluded_child_pugh, lambda v: f"class {v}"),
        _criterion(f"ALBI grade not {'/'.join(map(str, limits.excluded_albi_grades))}",
                   albi_grade, lambda v: v not in limits.excluded_albi_grades,
                   lambda v: f"grade {v}"),
    ]
    return EligibilityResult(rule_set="TACE liver function", eligible=_overall(criteria),
                             criteria=criteria, source=TACE_SOURCE)


def _criterion(name: str, value: T | None, ok: Callable[[T], bool],
               show: Callable[[T], str]) -> Criterion:
    if value is None:
        return Criterion(name=name, verdict="unknown", detail="not available")
    return Criterion(name=name, verdict="met" if ok(value) else "not met", detail=show(value))

