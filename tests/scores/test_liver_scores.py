"""ALBI, Child-Pugh and MELD: worked examples computed by hand, and every grade boundary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncotrack.scores.albi import albi, albi_grade, malbi_grade
from oncotrack.scores.child_pugh import (
    albumin_points,
    bilirubin_points,
    child_pugh,
    child_pugh_class,
    inr_points,
)
from oncotrack.scores.meld import meld, meld3, meld_na

# --- ALBI (Johnson 2015; mALBI Hiraoka 2017) --------------------------------------------------


@pytest.mark.parametrize(("bili", "alb", "coef", "score", "grade", "malbi"), [
    # 1.2 mg/dL x 17.1 = 20.52 µmol/L; 3.5 g/dL = 35 g/L:
    # 0.66 x log10(20.52) = 0.66 x 1.31218 = 0.86604; -0.085 x 35 = -2.975; sum -2.109 -> 2 (2b)
    (20.52, 35.0, -0.085, -2.11, 2, "2b"),
    # 0.66 x log10(10) = 0.66; -0.085 x 45 = -3.825; -3.165 -> grade 1
    (10.0, 45.0, -0.085, -3.17, 1, "1"),
    # 0.66 - 0.085 x 35 = -2.315: between -2.60 and -2.270 -> 2a
    (10.0, 35.0, -0.085, -2.31, 2, "2a"),
    # with the -0.0852 coefficient: 0.66 - 0.0852 x 35 = -2.322
    (10.0, 35.0, -0.0852, -2.32, 2, "2a"),
    # 3 mg/dL = 51.3 µmol/L: 0.66 x log10(51.3) = 0.66 x 1.71012 = 1.12868; -0.085 x 25 = -2.125;
    # -0.996 -> grade 3
    (51.3, 25.0, -0.085, -1.0, 3, "3"),
])
def test_albi_worked_examples(bili: float, alb: float, coef: float, score: float, grade: int,
                              malbi: str) -> None:
    result = albi(bili, alb, coef)
    assert (result.score, result.grade, result.malbi) == (score, grade, malbi)
    assert "log10" in result.rule


@pytest.mark.parametrize(("score", "grade", "malbi"), [
    (-2.60, 1, "1"), (-2.5999, 2, "2a"),       # grade 1 is <= -2.60
    (-2.270, 2, "2a"), (-2.2699, 2, "2b"),     # mALBI 2a is <= -2.270
    (-1.39, 2, "2b"), (-1.3899, 3, "3"),       # grade 2 is <= -1.39
])
def test_albi_boundaries(score: float, grade: int, malbi: str) -> None:
    assert albi_grade(score) == grade
    assert malbi_grade(score) == malbi


def test_albi_needs_positive_bilirubin() -> None:
    with pytest.raises(ValueError, match="above 0"):
        albi(0.0, 35.0)


@given(st.floats(1, 500), st.floats(10, 60), st.floats(0.01, 50))
def test_albi_worsens_with_bilirubin_and_improves_with_albumin(bili: float, alb: float,
                                                                 more: float) -> None:
    base = albi(bili, alb).score_exact
    assert albi(bili + more, alb).score_exact >= base
    assert albi(bili, min(alb + more, 70)).score_exact <= base


# --- Child-Pugh ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("mg_dl", "points"), [(1.99, 1), (2.0, 2), (3.0, 2), (3.01, 3)])
def test_bilirubin_bands(mg_dl: float, points: int) -> None:
    assert bilirubin_points(mg_dl) == points


def test_bilirubin_bands_in_umol() -> None:
    # 34.2 µmol/L / 17.1 = 2.0 mg/dL exactly -> 2 points; 51.3 / 17.1 = 3.0 -> 2 points
    assert child_pugh(34.2, 40, 1.0, "none", "none").items["bilirubin"] == 2
    assert child_pugh(34.1, 40, 1.0, "none", "none").items["bilirubin"] == 1
    assert child_pugh(51.3, 40, 1.0, "none", "none").items["bilirubin"] == 2
    assert child_pugh(51.4, 40, 1.0, "none", "none").items["bilirubin"] == 3


@pytest.mark.parametrize(("g_dl", "bands", "points"), [
    (3.51, "standard", 1), (3.5, "standard", 2), (2.8, "standard", 2), (2.79, "standard", 3),
    (3.0, "harrison", 2), (2.99, "harrison", 3), (2.8, "harrison", 3),
])
def test_albumin_bands(g_dl: float, bands: str, points: int) -> None:
    assert albumin_points(g_dl, bands) == points  # type: ignore[arg-type]


@pytest.mark.parametrize(("inr", "points"), [(1.69, 1), (1.7, 2), (2.3, 2), (2.31, 3)])
def test_inr_bands(inr: float, points: int) -> None:
    assert inr_points(inr) == points


@pytest.mark.parametrize(("points", "klass"), [(5, "A"), (6, "A"), (7, "B"), (9, "B"), (10, "C"),
                                                (15, "C")])
def test_child_pugh_classes(points: int, klass: str) -> None:
    assert child_pugh_class(points) == klass


def test_child_pugh_worked_example() -> None:
    # bilirubin 40 µmol/L = 2.34 mg/dL (2), albumin 30 g/L = 3.0 g/dL (2), INR 1.5 (1),
    # mild ascites (2), no encephalopathy (1): 8 points, class B
    result = child_pugh(40, 30, 1.5, "mild", "none")
    assert (result.points, result.child_pugh_class) == (8, "B")
    assert result.items == {"bilirubin": 2, "albumin": 2, "inr": 1, "ascites": 2,
                            "encephalopathy": 1}


def test_child_pugh_unknown_bedside_items_give_a_range() -> None:
    # labs 1 + 1 + 1 = 3; ascites and encephalopathy unknown: 3 + 2 = 5 to 3 + 6 = 9 -> A to B
    result = child_pugh(15, 40, 1.0, None, None)
    assert result.points is None
    assert result.points_range == (5, 9)
    assert result.class_range == ("A", "B")
    assert result.needs_clinical_input is not None
    # labs 3 + 3 + 3 = 9, +2..+6 -> 11-15: class C whatever the bedside items
    severe = child_pugh(80, 20, 2.5, None, None)
    assert severe.child_pugh_class == "C"
    assert severe.points is None


# --- MELD family (OPTN 9.1.D; Kim 2021) --------------------------------------------------------


def test_meld_worked_example() -> None:
    # 0.957 ln 1.9 = 0.61425; 0.378 ln 4.2 = 0.54246; 1.120 ln 1.6 = 0.52640; + 0.643
    # = 2.32612 -> 2.3 -> 23
    assert meld(1.9, 4.2, 1.6).score == 23


def test_meld_bounds() -> None:
    assert meld(0.5, 0.5, 0.9).score == 6             # labs below 1 count 1: 0.643 -> 6
    assert meld(5.0, 2.0, 1.2).score == meld(4.0, 2.0, 1.2).score   # creatinine capped at 4
    assert meld(1.0, 2.0, 1.2, dialysis=True).score == meld(4.0, 2.0, 1.2).score
    assert meld(4.0, 40.0, 8.0).score == 40           # capped at 40


def test_meld_na_worked_example() -> None:
    # MELD(i) 23 > 11: 23 + 1.32 x 9 - 0.033 x 23 x 9 = 23 + 11.88 - 6.831 = 28.049 -> 28
    assert meld_na(1.9, 4.2, 1.6, 128).score == 28
    # sodium below 125 counts 125: 23 + 1.32 x 12 - 0.033 x 23 x 12 = 29.732 -> 30
    assert meld_na(1.9, 4.2, 1.6, 118).score == 30
    # MELD(i) <= 11: no sodium term (1.0, 1.0, 1.0 -> 6)
    assert meld_na(1.0, 1.0, 1.0, 125).score == 6


def test_meld3_worked_example() -> None:
    # 4.56 ln 3 = 5.00967; 0.82 x 7 = 5.74; -0.24 x 7 x ln 3 = -1.84567; 9.09 ln 1.8 = 5.34298;
    # 11.14 ln 1.5 = 4.51688; 1.85 x 0.7 = 1.295; -1.83 x 0.7 x ln 1.5 = -0.51940; + 6
    # = 25.539 -> 26 (male); + 1.33 = 26.869 -> 27 (female)
    assert meld3(1.5, 3.0, 1.8, 130, 2.8, female=False).score == 26
    assert meld3(1.5, 3.0, 1.8, 130, 2.8, female=True).score == 27


def test_meld3_bounds() -> None:
    # everything at its bound: ln 1 = 0, Na 137, albumin 3.5 -> 6; female 7.33 -> 7
    assert meld3(0.5, 0.5, 0.8, 140, 4.0, female=False).score == 6
    assert meld3(0.5, 0.5, 0.8, 140, 4.0, female=True).score == 7
    assert meld3(3.5, 2.0, 1.2, 135, 3.0, False).score == meld3(3.0, 2.0, 1.2, 135, 3.0,
                                                                 False).score
    capped = meld3(3.0, 30.0, 6.0, 120, 1.0, female=True)
    uncapped = meld3(3.0, 30.0, 6.0, 120, 1.0, female=True, cap_at_40=False)
    assert capped.score == 40
    assert uncapped.score > 40
