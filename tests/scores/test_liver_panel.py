"""The liver panel before each procedure, on synthetic cases and the reference case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import oncotrack
from oncotrack.scores.liver_panel import PanelOptions, liver_panels
from tests.casebuilder import build, lesion, visit

ROOT = Path(__file__).resolve().parents[2]


def _case(labs: list[dict[str, Any]], procedures: list[dict[str, Any]], **rest: Any
          ) -> oncotrack.Case:
    return build([lesion("T1")], [visit("2024-01-01", {"T1": 30}, baseline=True)],
                 labs=labs, procedures=procedures, **rest)


def _lab(date: str, analyte: str, value: float, unit: str, **rng: float) -> dict[str, Any]:
    return {"date": date, "analyte": analyte, "value": value, "unit": unit, **rng}


def test_closest_labs_within_the_window_and_unit_conversion() -> None:
    case = _case(
        [_lab("2024-01-01", "bilirubin", 0.5, "mg/dL"),          # 16 days before: outside
         _lab("2024-01-10", "bilirubin", 1.2, "mg/dL", high=1.2),  # 20.52 µmol/L
         _lab("2024-01-12", "albumin", 3.5, "g/dL", low=3.5),      # 35 g/L
         _lab("2024-01-17", "bilirubin", 0.9, "mg/dL")],           # after the procedure
        [{"type": "tace", "date": "2024-01-17"}],
    )
    (panel,) = liver_panels(case)
    # the 2024-01-17 lab is on the procedure day: drawn before it, so it is the closest
    assert panel.labs["bilirubin"].lab.value == 0.9 * 17.1
    assert panel.labs["bilirubin"].days_before == 0
    assert panel.labs["albumin"].lab.value == 35.0
    # 0.9 mg/dL = 15.39 µmol/L: 0.66 x log10(15.39) = 0.78358; -0.085 x 35 = -2.975 -> -2.19
    assert panel.albi is not None
    assert (panel.albi.score, panel.albi.grade) == (-2.19, 2)
    window_7 = liver_panels(case, PanelOptions(window_days=4))[0]
    assert "albumin" not in window_7.labs                      # 5 days before, window 4


def test_worked_albi_and_change_since_previous() -> None:
    case = _case(
        [_lab("2024-01-10", "bilirubin", 1.2, "mg/dL"), _lab("2024-01-10", "albumin", 3.5, "g/dL"),
         _lab("2024-03-01", "bilirubin", 3.5, "mg/dL"), _lab("2024-03-01", "albumin", 2.5, "g/dL"),
         _lab("2024-03-01", "INR", 1.2, "ratio")],
        [{"type": "tace", "date": "2024-01-11"}, {"type": "tace", "date": "2024-03-02"},
         {"type": "tace", "date": "2024-06-01"}],
        clinical=[{"date": "2024-03-01", "ascites": "mild", "encephalopathy": "none"}],
    )
    first, second, third = liver_panels(case)
    assert first.albi is not None
    assert first.albi.score == -2.11
    # 3.5 mg/dL = 59.85 µmol/L: 0.66 x log10(59.85) = 1.17286; -0.085 x 25 = -2.125 -> -0.952
    assert second.albi is not None
    assert second.albi.score == -0.95
    assert second.albi.grade == 3
    assert second.albi_change == round(-0.9521 - -2.1090, 2)
    # bilirubin 3.5 mg/dL (3) + albumin 2.5 g/dL (3) + INR 1.2 (1) + mild ascites (2) + none (1)
    assert second.child_pugh is not None
    assert second.child_pugh.points == 10
    assert second.warnings == [
        "ALBI grade worse: 2 -> 3 since the procedure of 2024-01-11",
        "ALBI grade 3 (-0.95)",
        "Child-Pugh C (10 points)",
        "bilirubin 3.50 mg/dL > 3 mg/dL",
    ]
    assert second.tace_liver_function is not None
    assert second.tace_liver_function.eligible is False
    assert third.labs == {}
    assert third.note == "no labs within 14 days before the procedure"


def test_reference_case_has_albi_before_all_eight_tace_sessions() -> None:
    case = oncotrack.load_case(ROOT / "examples" / "lms-deb-tace-anlotinib.yaml")
    panels = [p for p in liver_panels(case) if p.type == "tace"]
    assert len(panels) == 8
    assert all(p.albi is not None and p.albi.grade == 1 for p in panels)
    assert all(p.labs["alt"].ctcae is not None and p.labs["alt"].ctcae.grade == 0
               for p in panels)
    assert all(p.labs["alt"].lab.illustrative for p in panels)
    assert [p.date_given for p in panels][1] == "2022-01"
    assert panels[1].imputed_date is not None
    assert all(p.child_pugh is not None and p.child_pugh.child_pugh_class == "A" for p in panels)
