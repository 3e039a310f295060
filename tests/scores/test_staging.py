"""AJCC 8th edition (retroperitoneum), FNCLCC grade and MSTS/Enneking, row by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import oncotrack
from oncotrack.model.case import Diagnosis, FnclccScores
from oncotrack.scores.staging import (
    AJCC8_RETROPERITONEUM,
    ajcc8_stage_retroperitoneum,
    ajcc8_t_retroperitoneum,
    fnclcc_grade,
    msts_stage,
    stage_ajcc8_retroperitoneum,
    stage_msts,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("size", "t"), [(5.0, "T1"), (5.1, "T2"), (10.0, "T2"), (10.1, "T3"),
                                         (15.0, "T3"), (15.1, "T4")])
def test_t_by_size(size: float, t: str) -> None:
    assert ajcc8_t_retroperitoneum(size) == t


AJCC_ROWS = [
    ("T1", "N0", "M0", "G1", "IA"), ("T1", "N0", "M0", "GX", "IA"),
    ("T2", "N0", "M0", "G1", "IB"), ("T3", "N0", "M0", "GX", "IB"), ("T4", "N0", "M0", "G1", "IB"),
    ("T1", "N0", "M0", "G2", "II"), ("T1", "N0", "M0", "G3", "II"),
    ("T2", "N0", "M0", "G2", "IIIA"), ("T2", "N0", "M0", "G3", "IIIA"),
    ("T3", "N0", "M0", "G2", "IIIB"), ("T4", "N0", "M0", "G3", "IIIB"),
    ("T1", "N1", "M0", "G1", "IIIB"),   # retroperitoneum: N1 M0 is IIIB (trunk/extremity: IV)
    ("T4", "N1", "M0", "G3", "IIIB"),
    ("T1", "N0", "M1", "G1", "IV"), ("T2", "N1", "M1", "GX", "IV"),
]


@pytest.mark.parametrize(("t", "n", "m", "g", "stage"), AJCC_ROWS)
def test_ajcc8_stage_groups(t: str, n: str, m: str, g: str, stage: str) -> None:
    assert ajcc8_stage_retroperitoneum(t, n, m, g) == stage


def test_every_ajcc_row_is_exercised() -> None:
    assert {row[4] for row in AJCC8_RETROPERITONEUM} <= {r[4] for r in AJCC_ROWS}
    assert len(AJCC8_RETROPERITONEUM) == 7


@pytest.mark.parametrize(("diff", "mitoses", "necrosis", "grade"), [
    (1, 9, "none", "G1"),      # 1 + 1 + 0 = 2
    (1, 10, "none", "G1"),     # 1 + 2 + 0 = 3
    (2, 10, "none", "G2"),     # 2 + 2 + 0 = 4
    (2, 19, "<50%", "G2"),     # 2 + 2 + 1 = 5
    (3, 10, "<50%", "G3"),     # 3 + 2 + 1 = 6
    (1, 20, ">=50%", "G3"),    # 1 + 3 + 2 = 6
    (3, 25, ">=50%", "G3"),    # 3 + 3 + 2 = 8
])
def test_fnclcc(diff: int, mitoses: int, necrosis: Any, grade: str) -> None:
    scores = FnclccScores(differentiation=diff, mitotic_count_per_10_hpf=mitoses,
                          necrosis=necrosis)
    assert fnclcc_grade(scores)[0] == grade


@pytest.mark.parametrize(("grade", "comp", "m", "stage"), [
    ("low", "T1", "M0", "IA"), ("low", "T2", "M0", "IB"), ("high", "T1", "M0", "IIA"),
    ("high", "T2", "M0", "IIB"), ("low", "T1", "M1", "IIIA"), ("high", "T2", "M1", "IIIB"),
])
def test_msts(grade: Any, comp: Any, m: Any, stage: str) -> None:
    assert msts_stage(grade, comp, m) == stage


def _diagnosis(**fields: Any) -> Diagnosis:
    return Diagnosis(site="retroperitoneum", **fields)


def test_complete_record_gives_one_stage() -> None:
    dx = _diagnosis(size_cm=[12, 6], grade="G2", nodal_status="N0", distant_metastasis="M0",
                    reported_stages=[{"system": "AJCC 8th", "stage": "IIIB"}])
    result = stage_ajcc8_retroperitoneum(dx)
    assert result.stage == "IIIB"           # T3 (12 cm) N0 M0 G2
    assert result.matches_reported is True


def test_fnclcc_components_decide_the_grade() -> None:
    dx = _diagnosis(size_cm=[4], distant_metastasis="M0",
                    fnclcc={"differentiation": 3, "mitotic_count_per_10_hpf": 12,
                            "necrosis": "<50%"})
    assert stage_ajcc8_retroperitoneum(dx).stage == "II"      # T1, 3 + 2 + 1 = 6: G3


def test_reference_case_stage_mismatch_is_flagged() -> None:
    case = oncotrack.load_case(ROOT / "examples" / "lms-deb-tace-anlotinib.yaml")
    ajcc = stage_ajcc8_retroperitoneum(case.diagnoses[0])
    # 9 cm: T2; nodes unknown: N0; M0 at resection; grade not recorded
    assert ajcc.reported == "IIIB"
    assert ajcc.matches_reported is False
    assert {o.stage: o.when for o in ajcc.options} == {"IB": "G1/GX", "IIIA": "G2/G3"}
    assert "does not match" in ajcc.explanation
    msts = stage_msts(case.diagnoses[0])
    assert msts.matches_reported is False   # IIIB needs metastasis (M1); recorded M0
    assert {o.stage for o in msts.options} == {"IB", "IIB"}
