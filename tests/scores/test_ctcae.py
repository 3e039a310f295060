"""CTCAE v5.0 laboratory grades, boundary by boundary, each row worked by hand.

Source: NCI CTCAE v5.0 (27 Nov 2017), as transcribed machine-readably by admiral ncictcaev5.json
(pharmaverse/admiral data-raw/adlb_grading/ncictcaev5.json). ">" excludes the threshold, "<"
excludes it, "a - b" and "125-129" include both ends. Values in the canonical units of
oncotrack.model.units.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncotrack.model.units import ANALYTES
from oncotrack.scores.ctcae import (
    TERMS,
    CtcaeGrade,
    Direction,
    Term,
    grade_lab,
    terms_for,
)

# (analyte, value, keyword arguments, expected grade)
Row = tuple[str, float, dict[str, Any], int]

ALT = {"uln": 40}
ALT_BL = {"uln": 40, "baseline": 60}  # baseline 60 > ULN 40: abnormal, graded on 60
AST = {"uln": 35}
AST_BL = {"uln": 35, "baseline": 50}
BILI = {"uln": 21}
BILI_BL = {"uln": 21, "baseline": 30}
ALP = {"uln": 120}
ALP_BL = {"uln": 120, "baseline": 150}
GGT = {"uln": 60}
GGT_BL = {"uln": 60, "baseline": 80}
NA = {"lln": 135, "uln": 145}
K = {"lln": 3.5, "uln": 5.1}

ROWS: list[Row] = [
    # --- ALT, baseline normal, ULN 40: G1 >40-120, G2 >120-200, G3 >200-800, G4 >800
    ("alt", 40, ALT, 0),        # 40 = 1.0 x ULN, not > ULN
    ("alt", 40.1, ALT, 1),      # > 40
    ("alt", 120, ALT, 1),       # 120 = 3.0 x 40, G2 needs > 3.0
    ("alt", 120.1, ALT, 2),     # > 120
    ("alt", 200, ALT, 2),       # 200 = 5.0 x 40
    ("alt", 200.1, ALT, 3),
    ("alt", 800, ALT, 3),       # 800 = 20.0 x 40
    ("alt", 800.1, ALT, 4),
    ("alt", 40.1, {"uln": 40, "baseline": 40}, 1),  # baseline = ULN is normal: ULN bands
    # --- ALT, baseline abnormal 60 (> ULN 40): G1 90-180, G2 >180-300, G3 >300-1200, G4 >1200
    ("alt", 50, ALT_BL, 0),     # above ULN but 50/60 = 0.83 x BL < 1.5
    ("alt", 89.9, ALT_BL, 0),   # 89.9/60 = 1.498 x BL < 1.5
    ("alt", 90, ALT_BL, 1),     # 90 = 1.5 x 60: "1.5 - 3.0 x baseline" includes 1.5
    ("alt", 180, ALT_BL, 1),    # 180 = 3.0 x 60
    ("alt", 180.1, ALT_BL, 2),
    ("alt", 300, ALT_BL, 2),    # 300 = 5.0 x 60
    ("alt", 300.1, ALT_BL, 3),
    ("alt", 1200, ALT_BL, 3),   # 1200 = 20.0 x 60
    ("alt", 1200.1, ALT_BL, 4),
    # --- AST, ULN 35: 35 / 105 / 175 / 700
    ("ast", 35, AST, 0),
    ("ast", 35.1, AST, 1),
    ("ast", 105, AST, 1),       # 3.0 x 35 = 105
    ("ast", 105.1, AST, 2),
    ("ast", 175, AST, 2),       # 5.0 x 35 = 175
    ("ast", 175.1, AST, 3),
    ("ast", 700, AST, 3),       # 20.0 x 35 = 700
    ("ast", 700.1, AST, 4),
    # --- AST, baseline abnormal 50: 1.5 x = 75, 3 x = 150, 5 x = 250, 20 x = 1000
    ("ast", 74.9, AST_BL, 0),
    ("ast", 75, AST_BL, 1),
    ("ast", 150, AST_BL, 1),
    ("ast", 150.1, AST_BL, 2),
    ("ast", 250, AST_BL, 2),
    ("ast", 250.1, AST_BL, 3),
    ("ast", 1000, AST_BL, 3),
    ("ast", 1000.1, AST_BL, 4),
    # --- bilirubin, ULN 21: 1.5 x = 31.5, 3 x = 63, 10 x = 210
    ("bilirubin", 21, BILI, 0),
    ("bilirubin", 21.1, BILI, 1),
    ("bilirubin", 31.5, BILI, 1),
    ("bilirubin", 31.6, BILI, 2),
    ("bilirubin", 63, BILI, 2),
    ("bilirubin", 63.1, BILI, 3),
    ("bilirubin", 210, BILI, 3),
    ("bilirubin", 210.1, BILI, 4),
    # --- bilirubin, baseline abnormal 30 (> 21): G1 ">1.0 - 1.5 x BL" = >30-45, 90, 300
    ("bilirubin", 30, BILI_BL, 0),   # 1.0 x BL, not > 1.0
    ("bilirubin", 30.1, BILI_BL, 1),
    ("bilirubin", 45, BILI_BL, 1),   # 1.5 x 30
    ("bilirubin", 45.1, BILI_BL, 2),
    ("bilirubin", 90, BILI_BL, 2),   # 3.0 x 30
    ("bilirubin", 90.1, BILI_BL, 3),
    ("bilirubin", 300, BILI_BL, 3),  # 10.0 x 30
    ("bilirubin", 300.1, BILI_BL, 4),
    # --- ALP, ULN 120: 2.5 x = 300, 5 x = 600, 20 x = 2400
    ("alp", 120, ALP, 0),
    ("alp", 120.1, ALP, 1),
    ("alp", 300, ALP, 1),
    ("alp", 300.1, ALP, 2),
    ("alp", 600, ALP, 2),
    ("alp", 600.1, ALP, 3),
    ("alp", 2400, ALP, 3),
    ("alp", 2400.1, ALP, 4),
    # --- ALP, baseline abnormal 150: G1 "2.0 - 2.5 x BL" = 300-375, 750, 3000
    ("alp", 299.9, ALP_BL, 0),  # 1.9993 x BL < 2.0
    ("alp", 300, ALP_BL, 1),    # 2.0 x 150, included
    ("alp", 375, ALP_BL, 1),    # 2.5 x 150
    ("alp", 375.1, ALP_BL, 2),
    ("alp", 750, ALP_BL, 2),    # 5.0 x 150
    ("alp", 750.1, ALP_BL, 3),
    ("alp", 3000, ALP_BL, 3),   # 20.0 x 150
    ("alp", 3000.1, ALP_BL, 4),
    # --- GGT, ULN 60: 150, 300, 1200
    ("ggt", 60, GGT, 0),
    ("ggt", 60.1, GGT, 1),
    ("ggt", 150, GGT, 1),
    ("ggt", 150.1, GGT, 2),
    ("ggt", 300, GGT, 2),
    ("ggt", 300.1, GGT, 3),
    ("ggt", 1200, GGT, 3),
    ("ggt", 1200.1, GGT, 4),
    # --- GGT, baseline abnormal 80: 2.0 x = 160 (included, as the v5 text; admiral's code
    # uses ">"), 2.5 x = 200, 5 x = 400, 20 x = 1600
    ("ggt", 159.9, GGT_BL, 0),
    ("ggt", 160, GGT_BL, 1),
    ("ggt", 200, GGT_BL, 1),
    ("ggt", 200.1, GGT_BL, 2),
    ("ggt", 400, GGT_BL, 2),
    ("ggt", 400.1, GGT_BL, 3),
    ("ggt", 1600, GGT_BL, 3),
    ("ggt", 1600.1, GGT_BL, 4),
    # --- hypoalbuminemia, LLN 35 g/L: G1 <35-30, G2 <30-20, G3 <20 (G4 clinical only)
    ("albumin", 35, {"lln": 35}, 0),
    ("albumin", 34.9, {"lln": 35}, 1),
    ("albumin", 30, {"lln": 35}, 1),   # 30 is not < 30
    ("albumin", 29.9, {"lln": 35}, 2),
    ("albumin", 20, {"lln": 35}, 2),
    ("albumin", 19.9, {"lln": 35}, 3),
    # --- platelets, LLN 150: G1 <150-75, G2 <75-50, G3 <50-25, G4 <25
    ("platelets", 150, {"lln": 150}, 0),
    ("platelets", 149.9, {"lln": 150}, 1),
    ("platelets", 75, {"lln": 150}, 1),
    ("platelets", 74.9, {"lln": 150}, 2),
    ("platelets", 50, {"lln": 150}, 2),
    ("platelets", 49.9, {"lln": 150}, 3),
    ("platelets", 25, {"lln": 150}, 3),
    ("platelets", 24.9, {"lln": 150}, 4),
    ("platelets", 40, {}, 3),  # below every LLN-dependent band: the LLN is not needed
    # --- neutrophils, LLN 2.0: 1.5 / 1.0 / 0.5
    ("neutrophils", 2.0, {"lln": 2.0}, 0),
    ("neutrophils", 1.9, {"lln": 2.0}, 1),
    ("neutrophils", 1.5, {"lln": 2.0}, 1),
    ("neutrophils", 1.49, {"lln": 2.0}, 2),
    ("neutrophils", 1.0, {"lln": 2.0}, 2),
    ("neutrophils", 0.99, {"lln": 2.0}, 3),
    ("neutrophils", 0.5, {"lln": 2.0}, 3),
    ("neutrophils", 0.49, {"lln": 2.0}, 4),
    # --- WBC, LLN 4.0: 3.0 / 2.0 / 1.0
    ("wbc", 4.0, {"lln": 4.0}, 0),
    ("wbc", 3.9, {"lln": 4.0}, 1),
    ("wbc", 3.0, {"lln": 4.0}, 1),
    ("wbc", 2.99, {"lln": 4.0}, 2),
    ("wbc", 2.0, {"lln": 4.0}, 2),
    ("wbc", 1.99, {"lln": 4.0}, 3),
    ("wbc", 1.0, {"lln": 4.0}, 3),
    ("wbc", 0.99, {"lln": 4.0}, 4),
    # --- lymphocytes, LLN 1.0: 0.8 / 0.5 / 0.2
    ("lymphocytes", 1.0, {"lln": 1.0}, 0),
    ("lymphocytes", 0.99, {"lln": 1.0}, 1),
    ("lymphocytes", 0.8, {"lln": 1.0}, 1),
    ("lymphocytes", 0.79, {"lln": 1.0}, 2),
    ("lymphocytes", 0.5, {"lln": 1.0}, 2),
    ("lymphocytes", 0.49, {"lln": 1.0}, 3),
    ("lymphocytes", 0.2, {"lln": 1.0}, 3),
    ("lymphocytes", 0.19, {"lln": 1.0}, 4),
    # --- anemia, LLN 120 g/L: G1 <120-100, G2 <100-80, G3 <80 (G4 clinical only)
    ("hemoglobin", 120, {"lln": 120}, 0),
    ("hemoglobin", 119, {"lln": 120}, 1),
    ("hemoglobin", 100, {"lln": 120}, 1),
    ("hemoglobin", 99.9, {"lln": 120}, 2),
    ("hemoglobin", 80, {"lln": 120}, 2),
    ("hemoglobin", 79.9, {"lln": 120}, 3),
    # --- creatinine, ULN 100 µmol/L, no baseline: 150 / 300 / 600
    ("creatinine", 100, {"uln": 100}, 0),
    ("creatinine", 100.1, {"uln": 100}, 1),
    ("creatinine", 150, {"uln": 100}, 1),     # 1.5 x ULN
    ("creatinine", 150.1, {"uln": 100}, 2),
    ("creatinine", 300, {"uln": 100}, 2),     # 3.0 x ULN
    ("creatinine", 300.1, {"uln": 100}, 3),
    ("creatinine", 600, {"uln": 100}, 3),     # 6.0 x ULN
    ("creatinine", 600.1, {"uln": 100}, 4),
    # --- creatinine, ULN 100, baseline 60: also G2 >1.5-3.0 x BL (>90-180), G3 >3.0 x BL (>180)
    ("creatinine", 90, {"uln": 100, "baseline": 60}, 0),     # 1.5 x BL, below ULN
    ("creatinine", 90.1, {"uln": 100, "baseline": 60}, 2),   # > 1.5 x BL, though < ULN
    ("creatinine", 180, {"uln": 100, "baseline": 60}, 2),    # 3.0 x BL; 1.8 x ULN is G2 too
    ("creatinine", 180.1, {"uln": 100, "baseline": 60}, 3),  # > 3.0 x BL; ULN alone: G2
    ("creatinine", 600.1, {"uln": 100, "baseline": 60}, 4),  # > 6.0 x ULN
    # --- INR, not on anticoagulation: G1 >1.2-1.5, G2 >1.5-2.5, G3 >2.5 (no G4)
    ("inr", 1.2, {}, 0),
    ("inr", 1.21, {}, 1),
    ("inr", 1.5, {}, 1),
    ("inr", 1.51, {}, 2),
    ("inr", 2.5, {}, 2),
    ("inr", 2.51, {}, 3),
    ("inr", 9.0, {}, 3),
    # --- INR on anticoagulation, baseline 2.0: G1 >2.0-3.0, G2 >3.0-5.0, G3 >5.0
    ("inr", 2.0, {"baseline": 2.0, "on_anticoagulation": True}, 0),   # 1.0 x BL, not > 1
    ("inr", 2.01, {"baseline": 2.0, "on_anticoagulation": True}, 1),
    ("inr", 3.0, {"baseline": 2.0, "on_anticoagulation": True}, 1),   # 1.5 x BL
    ("inr", 3.01, {"baseline": 2.0, "on_anticoagulation": True}, 2),
    ("inr", 5.0, {"baseline": 2.0, "on_anticoagulation": True}, 2),   # 2.5 x BL
    ("inr", 5.01, {"baseline": 2.0, "on_anticoagulation": True}, 3),
    # --- hyponatremia, LLN 135: G1 <135-130, G2/G3 125-129, G3 120-124, G4 <120
    ("sodium", 135, NA, 0),
    ("sodium", 134, NA, 1),
    ("sodium", 130, NA, 1),
    ("sodium", 129.5, NA, 1),   # above "129" (admiral: <= 129); not in 125-129
    ("sodium", 129, NA, 2),     # 125-129, symptoms not given: G2 with "G3 if symptomatic"
    ("sodium", 129, {**NA, "symptomatic": True}, 3),
    ("sodium", 129, {**NA, "symptomatic": False}, 2),
    ("sodium", 125, NA, 2),
    ("sodium", 124.9, NA, 3),   # below 125: "120-124 regardless of symptoms"
    ("sodium", 124.9, {**NA, "symptomatic": False}, 3),
    ("sodium", 120, NA, 3),
    ("sodium", 119.9, NA, 4),
    ("sodium", 128, {}, 2),     # below 130: hyponatremia whatever the LLN
    # --- hypernatremia, ULN 145: G1 >145-150, G2 >150-155, G3 >155-160, G4 >160
    ("sodium", 145, NA, 0),
    ("sodium", 146, NA, 1),
    ("sodium", 150, NA, 1),
    ("sodium", 150.1, NA, 2),
    ("sodium", 155, NA, 2),
    ("sodium", 155.1, NA, 3),
    ("sodium", 160, NA, 3),
    ("sodium", 160.1, NA, 4),
    ("sodium", 160.1, {}, 4),
    # --- hypokalemia, LLN 3.5: G1 <3.5-3.0 (G2 if symptomatic), G3 <3.0-2.5, G4 <2.5
    ("potassium", 3.5, K, 0),
    ("potassium", 3.4, K, 1),
    ("potassium", 3.4, {**K, "symptomatic": True}, 2),
    ("potassium", 3.0, K, 1),
    ("potassium", 3.0, {**K, "symptomatic": True}, 2),
    ("potassium", 2.99, K, 3),
    ("potassium", 2.5, K, 3),
    ("potassium", 2.49, K, 4),
    # --- hyperkalemia, ULN 5.1: G1 >5.1-5.5, G2 >5.5-6.0, G3 >6.0-7.0, G4 >7.0
    ("potassium", 5.1, K, 0),
    ("potassium", 5.2, K, 1),
    ("potassium", 5.5, K, 1),
    ("potassium", 5.51, K, 2),
    ("potassium", 6.0, K, 2),
    ("potassium", 6.01, K, 3),
    ("potassium", 7.0, K, 3),
    ("potassium", 7.01, K, 4),
    # --- exact decimals: float arithmetic would put these one band too high
    ("bilirubin", 15.3, {"uln": 10.2}, 1),   # 1.5 x 10.2 = 15.3 exactly (float: 15.299999...)
    ("alt", 30.6, {"uln": 10.2}, 1),         # 3.0 x 10.2 = 30.6 exactly
    ("creatinine", 60.6, {"uln": 10.1}, 3),  # 6.0 x 10.1 = 60.6 exactly: G3, not G4
]


@pytest.mark.parametrize(("analyte", "value", "kwargs", "expected"), ROWS)
def test_grade_boundaries(analyte: str, value: float, kwargs: dict[str, Any],
                          expected: int) -> None:
    result = grade_lab(analyte, value, **kwargs)
    assert result.grade == expected, result.rule
    assert result.rule.startswith(f"G{expected}: ")
    assert result.source == "CTCAE v5.0"


def test_rule_shows_band_and_arithmetic() -> None:
    result = grade_lab("alt", 150, uln=40, baseline=30)
    # 150 / 40 = 3.75 x ULN: G2 ">3.0-5.0 x ULN"; baseline 30 <= ULN 40 is normal
    assert result.rule == "G2: >3.0-5.0 x ULN (baseline normal): 150 U/L = 3.75 x ULN 40 U/L"
    assert result.term == "Alanine aminotransferase increased"
    assert result.baseline_abnormal is False
    assert result.needs_clinical_input is None


def test_baseline_abnormal_is_reported() -> None:
    result = grade_lab("alt", 90, uln=40, baseline=60)
    assert result.baseline_abnormal is True
    assert result.rule == (
        "G1: 1.5-3.0 x baseline (baseline abnormal: baseline 60 U/L > ULN 40 U/L): "
        "90 U/L = 1.5 x baseline 60 U/L"
    )


def test_creatinine_baseline_band_is_marked() -> None:
    # 90.1 / 60 = 1.5017 x baseline: G2 by baseline; 0.901 x ULN alone would be G0
    result = grade_lab("creatinine", 90.1, uln=100, baseline=60)
    assert result.baseline_abnormal is True
    assert "x baseline" in result.rule
    # 150.1 = 1.501 x ULN (G2) and 2.5 x baseline (G2): the ULN band is reported
    assert grade_lab("creatinine", 150.1, uln=100, baseline=60).baseline_abnormal is False


def test_inr_on_anticoagulation_ignores_absolute_bands() -> None:
    # INR 3.0 on warfarin with baseline 2.5 is 1.2 x BL (G1), not the absolute >2.5 (G3)
    result = grade_lab("inr", 3.0, baseline=2.5, on_anticoagulation=True)
    assert result.grade == 1
    assert result.baseline_abnormal is True
    assert grade_lab("inr", 3.0, baseline=2.5).grade == 3  # not on anticoagulation


@pytest.mark.parametrize(("analyte", "value", "kwargs", "expected_grade", "needs"), [
    ("albumin", 19.9, {"lln": 35}, 3,
     "G4 if life-threatening consequences; urgent intervention indicated"),
    ("hemoglobin", 79.9, {"lln": 120}, 3,
     "G4 if life-threatening consequences; urgent intervention indicated"),
    ("hemoglobin", 90, {"lln": 120}, 2,
     "G3 if transfusion indicated; G4 if life-threatening consequences; urgent intervention "
     "indicated"),
    ("sodium", 127, {"lln": 135, "uln": 145}, 2,
     "G3 if symptomatic; G4 if life-threatening consequences"),
    ("sodium", 127, {"lln": 135, "uln": 145, "symptomatic": True}, 3,
     "G4 if life-threatening consequences"),
    ("sodium", 110, {}, 4, None),
    ("potassium", 3.2, {"lln": 3.5}, 1,
     "G2 if symptomatic or intervention indicated; G3 if hospitalization indicated; "
     "G4 if life-threatening consequences"),
    ("potassium", 3.2, {"lln": 3.5, "symptomatic": False}, 1,
     "G2 if intervention indicated; G3 if hospitalization indicated; "
     "G4 if life-threatening consequences"),
    ("potassium", 5.8, {}, 2, "G3 if hospitalization indicated; G4 if life-threatening "
     "consequences"),
    ("potassium", 7.5, {}, 4, None),
    ("sodium", 148, {"uln": 145}, 1,
     "G2 if intervention initiated; G3 if hospitalization indicated; "
     "G4 if life-threatening consequences"),
    ("inr", 1.3, {}, 1, "G2 if dose adjustment indicated"),
    ("platelets", 10, {}, 4, None),
    ("alt", 1000, {"uln": 40}, 4, None),
    ("hemoglobin", 130, {"lln": 120}, 0, None),
])
def test_clinical_criteria_are_not_guessed(
    analyte: str, value: float, kwargs: dict[str, Any], expected_grade: int, needs: str | None
) -> None:
    result = grade_lab(analyte, value, **kwargs)
    assert result.grade == expected_grade
    assert result.needs_clinical_input == needs


def test_sodium_and_potassium_pick_the_direction() -> None:
    assert grade_lab("sodium", 130, lln=135, uln=145).term == "Hyponatremia"
    assert grade_lab("sodium", 150, lln=135, uln=145).term == "Hypernatremia"
    normal = grade_lab("potassium", 4.2, lln=3.5, uln=5.1)
    assert normal.grade == 0
    assert normal.term == "Hypokalemia / Hyperkalemia"
    assert normal.rule == "G0: 4.2 mmol/L within LLN 3.5 - ULN 5.1 mmol/L"


@pytest.mark.parametrize(("analyte", "value", "kwargs", "message"), [
    ("alt", 150, {}, r"^ALT needs uln= \(upper limit of normal\)"),
    ("alt", 150, {"baseline": 60}, r"^ALT needs uln= \(upper limit of normal\)"),
    ("ast", 20, {"lln": 5}, r"^AST needs uln="),
    ("alp", 300, {}, r"^ALP needs uln="),
    ("ggt", 300, {}, r"^GGT needs uln="),
    ("bilirubin", 30, {}, r"^Bilirubin needs uln="),
    ("creatinine", 300, {"baseline": 60}, r"^Creatinine needs uln="),
    ("albumin", 32, {}, r"^Albumin needs lln= \(lower limit of normal\)"),
    ("platelets", 100, {}, r"^Platelet count needs lln="),
    ("neutrophils", 1.8, {}, r"^Neutrophil count needs lln="),
    ("wbc", 3.5, {}, r"^WBC needs lln="),
    ("lymphocytes", 0.9, {}, r"^Lymphocyte count needs lln="),
    ("hemoglobin", 110, {}, r"^Haemoglobin needs lln="),
    ("sodium", 133, {"uln": 145}, r"^Sodium needs lln="),
    ("sodium", 148, {"lln": 135}, r"^Sodium needs uln="),
    ("potassium", 4.0, {}, r"^Potassium needs lln="),
    ("inr", 3.0, {"on_anticoagulation": True}, r"^INR needs baseline= \(baseline value\)"),
])
def test_missing_limits_are_errors(
    analyte: str, value: float, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        grade_lab(analyte, value, **kwargs)


@pytest.mark.parametrize(("analyte", "value", "kwargs", "message"), [
    ("troponin", 1, {}, "unknown analyte"),
    ("alt", float("nan"), {"uln": 40}, "value must be a finite number"),
    ("alt", -1, {"uln": 40}, "value must be 0 or more"),
    ("alt", 50, {"uln": 0}, "uln must be above 0"),
    ("sodium", 140, {"lln": 145, "uln": 135}, "lln= 145 must be below uln= 135"),
])
def test_bad_input(analyte: str, value: float, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grade_lab(analyte, value, **kwargs)


def test_aliases_are_accepted() -> None:
    assert grade_lab("ALT", 150, uln=40).analyte == "alt"
    assert grade_lab("Hb", 75).grade == 3


def test_terms_table_covers_every_analyte() -> None:
    assert {term.analyte for term in TERMS} == set(ANALYTES)
    assert len(TERMS) == 17
    assert [t.term for t in terms_for("potassium")] == ["Hypokalemia", "Hyperkalemia"]
    for term in TERMS:
        grades = [band.grade for band in term.bands]
        assert grades == sorted(grades, reverse=True), term.term
        assert grades[-1] == 1, term.term


def test_result_is_frozen() -> None:
    result = grade_lab("alt", 150, uln=40)
    assert isinstance(result, CtcaeGrade)
    with pytest.raises(ValueError, match="frozen"):
        result.grade = 1  # type: ignore[misc]


# --- property: the grade never falls as the value worsens ---------------------------------------

def _term_grade(result: CtcaeGrade, term: str) -> int:
    """The grade of ``term`` (0 when the value was graded in the other direction)."""
    assert result.grade is not None
    return result.grade if result.term == term else 0


LIMITS: dict[str, tuple[float, float]] = {
    # analyte -> (LLN, ULN) drawn around; plausible reference ranges
    "alt": (5, 40), "ast": (5, 35), "alp": (40, 120), "ggt": (5, 60), "bilirubin": (3, 21),
    "creatinine": (45, 100), "albumin": (35, 50), "hemoglobin": (120, 160),
    "platelets": (150, 400), "neutrophils": (2.0, 7.5), "wbc": (4.0, 10.0),
    "lymphocytes": (1.0, 4.0), "inr": (0.8, 1.2), "sodium": (135, 145), "potassium": (3.5, 5.1),
}


@st.composite
def _case(draw: st.DrawFn, term: Term) -> tuple[list[float], dict[str, Any]]:
    """Limits around a plausible reference range, an optional baseline, and values: random ones
    plus every band threshold and its neighbours 0.01 either side, in increasing order."""
    lln, uln = LIMITS[term.analyte]
    scale = draw(st.floats(0.8, 1.2))
    lln, uln = round(lln * scale, 2), round(uln * scale, 2)
    kwargs: dict[str, Any] = {"lln": lln, "uln": uln}
    baseline: float | None = None
    if draw(st.booleans()):
        baseline = round(uln * draw(st.floats(0.2, 3.0)), 2)
    if term.analyte == "inr":
        kwargs["on_anticoagulation"] = draw(st.booleans())
        baseline = baseline or round(draw(st.floats(0.8, 3.5)), 2)
    if baseline is not None:
        kwargs["baseline"] = baseline
    kwargs["symptomatic"] = draw(st.sampled_from([None, True, False]))
    if term.analyte in ("sodium", "potassium"):
        bottom, top = lln * 0.6, uln * 1.5
    elif term.direction is Direction.INCREASED:
        bottom, top = 0.0, uln * 25
    else:
        bottom, top = 0.0, uln * 1.5
    values = draw(st.lists(st.floats(bottom, top), min_size=1, max_size=20))
    limits = [Decimal(str(x)) if x is not None else None for x in (uln, lln, baseline)]
    for band in (*term.bands, *term.baseline_bands):
        threshold = band.threshold(*limits)
        if threshold is not None:
            values += [float(threshold) + step for step in (-0.01, 0.0, 0.01)]
    return sorted({round(v, 2) for v in values if v >= 0}), kwargs


@pytest.mark.parametrize("term", TERMS, ids=[t.term for t in TERMS])
@settings(max_examples=100)
@given(data=st.data())
def test_grade_is_monotone_in_the_worsening_direction(term: Term, data: st.DataObject) -> None:
    """For "increased" terms the grade never falls as the value rises (same limits, baseline,
    symptoms); for "decreased" terms it never falls as the value falls."""
    values, kwargs = data.draw(_case(term))
    grades = [_term_grade(grade_lab(term.analyte, v, **kwargs), term.term) for v in values]
    if term.direction is Direction.DECREASED:
        grades.reverse()
    assert grades == sorted(grades), list(zip(values, grades, strict=True))
