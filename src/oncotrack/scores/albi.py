"""ALBI (albumin-bilirubin) score and grade, and the modified ALBI grade (mALBI).

Sources: Johnson PJ et al. Assessment of liver function in patients with hepatocellular
carcinoma: a new evidence-based approach — the ALBI grade. J Clin Oncol 2015;33:550-558
(formula and grades 1-3); Hiraoka A et al. Liver Cancer 2017;6:204-215 (mALBI: grade 2 split at
−2.270, the ALBI value matching ICG-R15 of 30 %). Lines in docs/clinical-rules.md.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

BILIRUBIN_COEFFICIENT = 0.66
ALBUMIN_COEFFICIENT = -0.085
"""Johnson 2015: ALBI = 0.66 × log10(bilirubin µmol/L) − 0.085 × albumin g/L. Some later papers
use −0.0852 (e.g. Marasco 2020); the coefficient is a parameter."""
GRADE_1_MAX = -2.60
GRADE_2_MAX = -1.39
"""Johnson 2015: grade 1 ≤ −2.60; grade 2 > −2.60 to ≤ −1.39; grade 3 > −1.39."""
MALBI_2A_MAX = -2.270
"""Hiraoka 2017: mALBI 2a > −2.60 to ≤ −2.270; 2b > −2.270 to ≤ −1.39."""


class AlbiResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: float
    """Rounded to two decimals, as reported."""
    score_exact: float
    """Four decimals; the grade is decided on the unrounded value."""
    grade: int
    malbi: str
    bilirubin_umol_l: float
    albumin_g_l: float
    albumin_coefficient: float
    rule: str


def albi_score(
    bilirubin_umol_l: float, albumin_g_l: float, albumin_coefficient: float = ALBUMIN_COEFFICIENT
) -> float:
    """Johnson 2015: 0.66 × log10(bilirubin µmol/L) + coefficient × albumin g/L."""
    if bilirubin_umol_l <= 0:
        raise ValueError("bilirubin must be above 0 µmol/L for the ALBI logarithm")
    return BILIRUBIN_COEFFICIENT * math.log10(bilirubin_umol_l) + albumin_coefficient * albumin_g_l


def albi_grade(score: float) -> int:
    """Johnson 2015: 1 when ≤ −2.60, 2 when ≤ −1.39, else 3."""
    if score <= GRADE_1_MAX:
        return 1
    if score <= GRADE_2_MAX:
        return 2
    return 3


def malbi_grade(score: float) -> str:
    """Hiraoka 2017: 1, 2a (≤ −2.270), 2b, 3."""
    grade = albi_grade(score)
    if grade != 2:
        return str(grade)
    return "2a" if score <= MALBI_2A_MAX else "2b"


def albi(
    bilirubin_umol_l: float, albumin_g_l: float, albumin_coefficient: float = ALBUMIN_COEFFICIENT
) -> AlbiResult:
    """The ALBI score, grade and mALBI grade, with the arithmetic spelled out."""
    score = albi_score(bilirubin_umol_l, albumin_g_l, albumin_coefficient)
    grade = albi_grade(score)
    bands = {1: f"<= {GRADE_1_MAX:.2f}", 2: f"> {GRADE_1_MAX:.2f} and <= {GRADE_2_MAX:.2f}",
             3: f"> {GRADE_2_MAX:.2f}"}
    rule = (f"0.66 x log10({bilirubin_umol_l:g} µmol/L) {albumin_coefficient:+g} x "
            f"{albumin_g_l:g} g/L = {score:.4f}; grade {grade} ({bands[grade]}, Johnson 2015)")
    return AlbiResult(
        score=round(score, 2), score_exact=round(score, 4), grade=grade,
        malbi=malbi_grade(score), bilirubin_umol_l=bilirubin_umol_l, albumin_g_l=albumin_g_l,
        albumin_coefficient=albumin_coefficient, rule=rule,
    )
