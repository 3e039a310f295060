"""MELD, MELD-Na and MELD 3.0, as the OPTN allocation policy computes them.

Sources: OPTN Policy 9.1.D (MELD and MELD-Na, as quoted in MIT-LCP mimic-code
``meld.sql``; MELD-Na in force from January 2016); Kim WR et al. MELD 3.0: the model for end-stage
liver disease updated for the modern era. Gastroenterology 2021;161:1887-1895, adopted by OPTN in
July 2023. Inputs in mg/dL and mmol/L as the formulas are written; the callers convert from
canonical units. Lines in docs/clinical-rules.md.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

MELD_CAP = 40
"""OPTN: scores above 40 are reported as 40 (MELD, MELD-Na and, for allocation, MELD 3.0)."""
LAB_FLOOR = 1.0
"""OPTN: bilirubin, creatinine and INR below 1.0 are set to 1.0."""
MELD_CREATININE_CAP = 4.0
"""OPTN 9.1.D: creatinine above 4.0 mg/dL, or dialysis twice (or 24 h CVVHD) in the past week,
is set to 4.0."""
MELD3_CREATININE_CAP = 3.0
"""Kim 2021: creatinine capped at 3.0 mg/dL, and set to 3.0 with dialysis."""
SODIUM_BOUNDS = (125.0, 137.0)
ALBUMIN_BOUNDS_G_DL = (1.5, 3.5)
MELD_NA_THRESHOLD = 11
"""OPTN 2016: the sodium term applies only when MELD(i) > 11."""


class MeldResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: int
    variant: Literal["MELD", "MELD-Na", "MELD 3.0"]
    inputs_used: dict[str, float]
    """The values after the policy's bounds (what the formula saw)."""
    rule: str


def _floor(value: float) -> float:
    return max(value, LAB_FLOOR)


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def meld_initial(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float,
                 dialysis: bool = False) -> tuple[int, dict[str, float]]:
    """OPTN 9.1.D: MELD(i) = 0.957 ln(Cr) + 0.378 ln(bili) + 1.120 ln(INR) + 0.643, rounded to
    the tenth and multiplied by 10 (so an integer), capped at 40."""
    cr = MELD_CREATININE_CAP if dialysis else min(_floor(creatinine_mg_dl), MELD_CREATININE_CAP)
    bili, ratio = _floor(bilirubin_mg_dl), _floor(inr)
    raw = 0.957 * math.log(cr) + 0.378 * math.log(bili) + 1.120 * math.log(ratio) + 0.643
    score = min(_round_half_up(round(raw * 10, 6)), MELD_CAP)
    return score, {"creatinine_mg_dl": cr, "bilirubin_mg_dl": bili, "inr": ratio}


def meld(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float,
         dialysis: bool = False) -> MeldResult:
    score, used = meld_initial(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)
    rule = (f"10 x (0.957 ln Cr {used['creatinine_mg_dl']:g} + 0.378 ln bili "
            f"{used['bilirubin_mg_dl']:g} + 1.120 ln INR {used['inr']:g} + 0.643) = {score}"
            " (labs < 1 set to 1, Cr <= 4, cap 40; OPTN 9.1.D)")
    return MeldResult(score=score, variant="MELD", inputs_used=used, rule=rule)


def meld_na(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float, sodium_mmol_l: float,
            dialysis: bool = False) -> MeldResult:
    """OPTN 2016: MELD(i) + 1.32 (137 − Na) − 0.033 MELD(i) (137 − Na) when MELD(i) > 11;
    Na bounded to 125-137; rounded; capped at 40."""
    initial, used = meld_initial(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)
    na = _clamp(sodium_mmol_l, SODIUM_BOUNDS)
    used = {**used, "sodium_mmol_l": na}
    if initial <= MELD_NA_THRESHOLD:
        return MeldResult(score=initial, variant="MELD-Na", inputs_used=used,
                          rule=f"MELD(i) {initial} <= {MELD_NA_THRESHOLD}: no sodium term")
    raw = initial + 1.32 * (137 - na) - 0.033 * initial * (137 - na)
    score = min(_round_half_up(round(raw, 6)), MELD_CAP)
    rule = (f"MELD(i) {initial} + 1.32 x (137 - {na:g}) - 0.033 x {initial} x (137 - {na:g}) = "
            f"{raw:.2f} -> {score} (Na bounded 125-137, cap 40; OPTN 2016)")
    return MeldResult(score=score, variant="MELD-Na", inputs_used=used, rule=rule)


def meld3(creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float, sodium_mmol_l: float,
          albumin_g_dl: float, female: bool, dialysis: bool = False,
          cap_at_40: bool = True) -> MeldResult:
    """Kim 2021 (MELD 3.0): 1.33 (female) + 4.56 ln(bili) + 0.82 (137 − Na)
    − 0.24 (137 − Na) ln(bili) + 9.09 ln(INR) + 11.14 ln(Cr) + 1.85 (3.5 − alb)
    − 1.83 (3.5 − alb) ln(Cr) + 6, rounded to the nearest integer. OPTN allocation caps it at 40
    (``cap_at_40``, default); the model as published is not capped. Candidates aged 12-17 use a
    different intercept and are not covered."""
    cr = MELD3_CREATININE_CAP if dialysis else min(_floor(creatinine_mg_dl), MELD3_CREATININE_CAP)
    bili, ratio = _floor(bilirubin_mg_dl), _floor(inr)
    na = _clamp(sodium_mmol_l, SODIUM_BOUNDS)
    alb = _clamp(albumin_g_dl, ALBUMIN_BOUNDS_G_DL)
    raw = (1.33 * (1 if female else 0) + 4.56 * math.log(bili) + 0.82 * (137 - na)
           - 0.24 * (137 - na) * math.log(bili) + 9.09 * math.log(ratio) + 11.14 * math.log(cr)
           + 1.85 * (3.5 - alb) - 1.83 * (3.5 - alb) * math.log(cr) + 6)
    score = _round_half_up(round(raw, 6))
    if cap_at_40:
        score = min(score, MELD_CAP)
    used = {"creatinine_mg_dl": cr, "bilirubin_mg_dl": bili, "inr": ratio, "sodium_mmol_l": na,
            "albumin_g_dl": alb, "female": 1.0 if female else 0.0}
    cap = "cap 40 (OPTN)" if cap_at_40 else "no cap"
    rule = (f"MELD 3.0 = {raw:.2f} -> {score} (bili, INR, Cr >= 1; Cr <= 3; Na 125-137; "
            f"albumin 1.5-3.5 g/dL; {cap}; Kim 2021)")
    return MeldResult(score=score, variant="MELD 3.0", inputs_used=used, rule=rule)
