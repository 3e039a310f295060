"""Choi criteria, rule by rule, with expected values worked by hand.

Choi H et al., J Clin Oncol 2007;25:1753-1759, criteria table: PR = size -10 % or density -15 %;
PD = size +10 % with the density not meeting PR, new lesions, new or growing intratumoral nodules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncotrack.criteria import recist11
from oncotrack.criteria.choi import (
    TABLE_NON_TARGET,
    TABLE_TARGET,
    ChoiTargetInput,
    Comparison,
    Options,
    SizeReference,
    assess_timepoints,
    mean_density,
    meets_density_pr,
    meets_size_pd,
    meets_size_pr,
    missing_data,
    overall_response,
    target_response,
)
from oncotrack.model.vocabulary import Response
from tests.casebuilder import build, lesion, visit

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD
D = Decimal
STRICT = Comparison.STRICT
INCL = Comparison.INCLUSIVE

# --- the overall tables ---------------------------------------------------------------------------

TARGET_ROWS = [
    # target, non-target, new lesion -> overall
    (PD, CR, False, PD),     # target PD (size with density, or nodules)
    (PD, None, True, PD),
    (SD, PD, False, PD),     # unequivocal non-target progression
    (PR, PD, False, PD),     # PR needs "no obvious progression of non-measurable disease"
    (PR, NON, True, PD),     # new lesion: PD whatever the size and density
    (CR, CR, True, PD),
    (CR, CR, False, CR),     # disappearance of all lesions, no new lesions
    (CR, None, False, CR),
    (CR, NON, False, PR),    # targets gone, non-target disease persists
    (CR, NE, False, PR),     # ... or not evaluated
    (PR, NON, False, PR),
    (PR, NE, False, PR),
    (PR, None, False, PR),
    (SD, NON, False, SD),
    (SD, None, False, SD),
    (NE, NON, False, NE),
    (NE, None, False, NE),
]


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TARGET_ROWS)
def test_target_table(target: Response, non_target: Response | None, new: bool,
                      expected: Response) -> None:
    overall, rule = overall_response(target, non_target, new)
    assert overall is expected
    assert rule.startswith("Choi:")


def test_every_target_row_is_exercised() -> None:
    fired = {overall_response(t, n, new)[1] for t, n, new, _ in TARGET_ROWS}
    assert fired == {row.label for row in TABLE_TARGET}


NON_TARGET_ROWS = [
    (PD, False, PD), (NON, True, PD), (CR, False, CR), (NON, False, NON), (NE, False, NE),
]


@pytest.mark.parametrize(("non_target", "new", "expected"), NON_TARGET_ROWS)
def test_non_target_table(non_target: Response, new: bool, expected: Response) -> None:
    assert overall_response(None, non_target, new)[0] is expected


def test_every_non_target_row_is_exercised() -> None:
    fired = {overall_response(None, n, new)[1] for n, new, _ in NON_TARGET_ROWS}
    assert fired == {row.label for row in TABLE_NON_TARGET}


# --- thresholds, both sides ---------------------------------------------------------------------


@pytest.mark.parametrize(("total", "baseline", "how", "expected"), [
    ("90", "100", INCL, True),     # -10.0 % exactly: PR
    ("90.1", "100", INCL, False),  # -9.9 %
    ("89.9", "100", INCL, True),
    ("90", "100", STRICT, False),  # "more than 10 %" (abstract): -10.0 % is not enough
    ("89.9", "100", STRICT, True),
    ("88", "100", INCL, True),     # -12 %: Choi PR, RECIST 1.1 SD
])
def test_size_pr_threshold(total: str, baseline: str, how: Comparison, expected: bool) -> None:
    assert meets_size_pr(D(total), D(baseline), how) is expected


@pytest.mark.parametrize(("density", "baseline", "how", "expected"), [
    ("85", "100", INCL, True),     # -15.0 % exactly
    ("85.1", "100", INCL, False),  # -14.9 %
    ("85", "100", STRICT, False),
    ("84.9", "100", STRICT, True),
    ("61.2", "72", INCL, True),    # 0.85 x 72 = 61.2 exactly
    ("61.3", "72", INCL, False),
    ("10", "0", INCL, False),      # baseline 0 HU: no percentage, never PR by density
    ("-20", "-10", INCL, False),   # negative baseline: not meaningful
])
def test_density_pr_threshold(density: str, baseline: str, how: Comparison,
                              expected: bool) -> None:
    assert meets_density_pr(D(density), D(baseline), how) is expected


def test_density_pr_without_lesions() -> None:
    assert meets_density_pr(None, D(90), INCL) is False


@pytest.mark.parametrize(("total", "reference", "how", "expected"), [
    ("110", "100", INCL, True),    # +10.0 % exactly: PD
    ("109.9", "100", INCL, False),
    ("110", "100", STRICT, False),
    ("110.1", "100", STRICT, True),
    ("0", "0", INCL, False),       # from 0 mm, nothing is no rise
    ("5", "0", INCL, True),        # from 0 mm any lesion is a rise
])
def test_size_pd_threshold(total: str, reference: str, how: Comparison, expected: bool) -> None:
    assert meets_size_pd(D(total), D(reference), how) is expected


def test_mean_density_is_the_simple_mean() -> None:
    assert mean_density([D(100), D(80)]) == D(90)
    assert mean_density([D("72.8")]) == D("72.8")
    assert mean_density([]) is None


# --- target rule, row by row --------------------------------------------------------------------


def _data(values: dict[str, str | None], density: str | None, *, baseline_sum: str = "100",
          baseline_density: str = "100", reference: str = "100",
          nodules: tuple[str, ...] = (), after_cr: bool = False) -> ChoiTargetInput:
    return ChoiTargetInput(
        values={k: D(v) if v is not None else None for k, v in values.items()},
        density=D(density) if density is not None else None,
        lymph_nodes=frozenset(),
        baseline_sum=D(baseline_sum), baseline_density=D(baseline_density),
        size_reference=D(reference), nodules=nodules, after_overall_cr=after_cr,
    )


@pytest.mark.parametrize(("values", "density", "kwargs", "expected", "words"), [
    # new or growing intratumoral nodule: PD even when size and density improve
    ({"L1": "60"}, "50", {"nodules": ("L1",)}, PD, "intratumoral nodule in L1"),
    # a lesion back after an overall CR
    ({"L1": "3"}, "90", {"after_cr": True, "reference": "0"}, PD, "reappeared"),
    # a target not evaluated: NE, even though the measured sum is already +20 %
    ({"L1": "120", "L2": None}, "100", {}, NE, "not evaluated"),
    # size +10 % exactly, density -10 %: PD
    ({"L1": "110"}, "90", {}, PD, "+10.0 %"),
    # size +12 %, density -20 %: not PD (density meets PR) -> PR by density
    ({"L1": "112"}, "80", {}, PR, "PR by density"),
    # all gone
    ({"L1": "0", "L2": "0"}, None, {}, CR, "CR"),
    # size -12 %, density unchanged: PR by size
    ({"L1": "88"}, "100", {}, PR, "RECIST 1.1 would need -30 %"),
    # size -5 %, density -20 %: PR by density
    ({"L1": "95"}, "80", {}, PR, "-20.0 %"),
    # size -9.9 %, density -14.9 %: SD
    ({"L1": "90.1"}, "85.1", {}, SD, "SD"),
    # size +9.9 % over the nadir: SD
    ({"L1": "109.9"}, "100", {}, SD, "SD"),
])
def test_target_rule(values: dict[str, str | None], density: str | None, kwargs: dict[str, Any],
                     expected: Response, words: str) -> None:
    outcome = target_response(_data(values, density, **kwargs), Options())
    assert outcome.response is expected
    assert words in outcome.rule


@pytest.mark.parametrize(("values", "density", "expected"), [
    ({"L1": "88"}, "80", PR),    # both: PR
    ({"L1": "88"}, "100", SD),   # size only: SD under modified Choi
    ({"L1": "95"}, "80", SD),    # density only: SD
    ({"L1": "112"}, "80", SD),   # size up, density meets PR: not PD, not PR
    ({"L1": "112"}, "95", PD),
])
def test_modified_choi_needs_both(values: dict[str, str], density: str,
                                  expected: Response) -> None:
    outcome = target_response(_data(values, density), Options(modified=True))
    assert outcome.response is expected
    if expected is not PD:
        assert "modified Choi" in outcome.rule


# --- whole cases --------------------------------------------------------------------------------

LESIONS = [lesion("L1"), lesion("L2", organ="lung")]


def _base(**extra: Any) -> dict[str, Any]:
    return visit("2023-01-01", {"L1": 60, "L2": 40}, baseline=True,
                 attenuation_hu={"L1": 100, "L2": 80}, **extra)


def test_choi_pr_by_size_where_recist_is_sd() -> None:
    # baseline 60 + 40 = 100 mm; follow-up 52 + 36 = 88 mm = -12 %; density unchanged (90 HU)
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 52, "L2": 36},
                                          attenuation_hu={"L1": 100, "L2": 80})])
    [tp] = assess_timepoints(case)
    [recist] = recist11.assess_timepoints(case)
    assert recist.overall is SD
    assert tp.overall is PR
    assert tp.target is PR
    assert tp.sum_mm == 88.0
    assert tp.change_from_baseline_pct == -12.0
    assert "-12.0 %" in tp.target_rule
    assert "RECIST 1.1 would need -30 %" in tp.target_rule
    assert tp.attenuation_change_pct == 0.0


def test_choi_pr_by_density_where_recist_is_sd() -> None:
    # 100 mm -> 95 mm (-5 %); density (100 + 80) / 2 = 90 HU -> (72 + 72) / 2 = 72 HU = -20 %
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 55, "L2": 40},
                                          attenuation_hu={"L1": 72, "L2": 72})])
    [tp] = assess_timepoints(case)
    assert recist11.assess_timepoints(case)[0].overall is SD
    assert tp.overall is PR
    assert tp.baseline_attenuation_hu == 90.0
    assert tp.attenuation_hu == 72.0
    assert tp.attenuation_change_pct == -20.0
    assert "PR by density" in tp.target_rule
    assert "RECIST 1.1 judges size only" in tp.target_rule
    assert tp.criterion == "Choi"
    assert "HU" in tp.measure


def test_modified_choi_on_a_case() -> None:
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 55, "L2": 40},
                                          attenuation_hu={"L1": 72, "L2": 72})])
    [tp] = assess_timepoints(case, Options(modified=True))
    assert tp.overall is SD
    assert any("modified Choi" in note for note in tp.notes)


def test_size_pd_reference_nadir_or_baseline() -> None:
    # 100 -> 70 mm (PR) -> 78 mm: +11.4 % over the nadir 70, -22 % from baseline; density flat
    hu = {"L1": 100, "L2": 80}
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 40, "L2": 30}, attenuation_hu=hu),
                           visit("2023-05-01", {"L1": 45, "L2": 33}, attenuation_hu=hu)])
    first, second = assess_timepoints(case)
    assert first.overall is PR
    assert second.overall is PD
    assert second.nadir_mm == 70.0
    assert second.change_from_nadir_pct == 11.4
    assert "vs nadir 70.0 mm is +11.4 %" in second.target_rule
    by_baseline = assess_timepoints(case, Options(size_pd_reference=SizeReference.BASELINE))
    assert by_baseline[1].overall is PR


def test_size_rise_with_falling_density_is_not_pd() -> None:
    # 100 -> 112 mm (+12 %); density 90 -> 70 HU (-22.2 %): PR by density, not PD
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 70, "L2": 42},
                                          attenuation_hu={"L1": 70, "L2": 70})])
    [tp] = assess_timepoints(case)
    assert tp.overall is PR
    assert tp.attenuation_change_pct == -22.2


def test_intratumoral_nodule_is_pd() -> None:
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 50, "L2": 30},
                                          attenuation_hu={"L1": 60, "L2": 60},
                                          intratumoral_nodules=["L2"])])
    [tp] = assess_timepoints(case)
    assert tp.overall is PD
    assert "intratumoral nodule in L2" in tp.target_rule


def test_new_lesion_and_non_target_progression_are_pd() -> None:
    lesions = [*LESIONS, lesion("N1", role="non-target")]
    hu = {"L1": 60, "L2": 60}
    case = build(lesions, [
        _base(non_target={"N1": "present"}),
        visit("2023-03-01", {"L1": 40, "L2": 30}, {"N1": "present"}, attenuation_hu=hu,
              new=[{"organ": "bone"}]),
        visit("2023-05-01", {"L1": 40, "L2": 30}, {"N1": "progression"}, attenuation_hu=hu),
    ])
    first, second = assess_timepoints(case)
    assert first.overall is PD
    assert first.rule == "Choi: new lesion -> PD"
    assert second.overall is PD
    assert "non-target" in second.rule


def test_complete_response_needs_no_attenuation() -> None:
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": "absent", "L2": "absent"})])
    assert missing_data(case) == []
    [tp] = assess_timepoints(case)
    assert tp.overall is CR
    assert tp.attenuation_hu is None
    assert tp.attenuation_change_pct is None


def test_target_not_evaluated_is_ne() -> None:
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 80},
                                          attenuation_hu={"L1": 100})])
    [tp] = assess_timepoints(case)
    assert tp.overall is NE
    assert tp.missing_lesions == ["L2"]
    assert tp.attenuation_hu is None


def test_missing_data_wording() -> None:
    case = build(LESIONS, [
        visit("2023-01-01", {"L1": 60, "L2": 40}, baseline=True, attenuation_hu={"L1": 100}),
        visit("2023-03-01", {"L1": 50, "L2": "absent"}),
        visit("2023-05", {"L1": "not-evaluated", "L2": "too-small"}),
    ])
    assert missing_data(case) == [
        "mean attenuation (HU, portal-venous CT) of L2 at the baseline 2023-01-01",
        "mean attenuation (HU, portal-venous CT) of L1 at 2023-03-01",
        "mean attenuation (HU, portal-venous CT) of L2 at 2023-05",
    ]
    with pytest.raises(ValueError, match="Choi needs mean attenuation"):
        assess_timepoints(case)


def test_notes_say_choi_is_an_extrapolation_outside_gist() -> None:
    case = build(LESIONS, [_base(), visit("2023-03-01", {"L1": 60, "L2": 40},
                                          attenuation_hu={"L1": 100, "L2": 80},
                                          contrast_phase="arterial")])
    [tp] = assess_timepoints(case)
    assert tp.overall is SD
    assert any("GIST" in n and "imatinib" in n and "extrapolation" in n for n in tp.notes)
    assert any("arterial" in n and "portal-venous" in n for n in tp.notes)


# --- properties ---------------------------------------------------------------------------------

sizes = st.integers(min_value=10, max_value=150)
densities = st.integers(min_value=5, max_value=200)


@st.composite
def choi_cases(draw: st.DrawFn) -> tuple[Any, bool]:
    n = draw(st.integers(min_value=1, max_value=3))
    ids = [f"L{i}" for i in range(n)]
    base = visit("2023-01-01", {i: draw(sizes) for i in ids}, baseline=True,
                 attenuation_hu={i: draw(densities) for i in ids})
    visits = [base]
    day = dt.date(2023, 1, 1)
    any_new = False
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        day += dt.timedelta(days=draw(st.integers(min_value=20, max_value=90)))
        new = draw(st.booleans())
        any_new = any_new or new
        visits.append(visit(day.isoformat(), {i: draw(sizes) for i in ids},
                            attenuation_hu={i: draw(densities) for i in ids},
                            new=[{"organ": "liver"}] if new else []))
    case = build([lesion(i) for i in ids], visits)
    return case, any_new


@settings(max_examples=150, deadline=None)
@given(choi_cases(), st.booleans())
def test_pr_never_comes_with_a_new_lesion(drawn: tuple[Any, bool], modified: bool) -> None:
    case, _ = drawn
    for assessment, tp in zip(case.follow_ups(), assess_timepoints(case, Options(
            modified=modified)), strict=True):
        if assessment.new_lesions:
            assert tp.overall is PD
        if tp.overall in (PR, CR):
            assert not tp.new_lesions


@settings(max_examples=150, deadline=None)
@given(choi_cases())
def test_choi_responds_whenever_recist_does(drawn: tuple[Any, bool]) -> None:
    """A RECIST 1.1 PR (-30 %) is always at least a Choi size decrease of 10 %: a Choi PR or CR
    (without new lesions, which make both PD)."""
    case, _ = drawn
    for choi_tp, recist_tp in zip(assess_timepoints(case), recist11.assess_timepoints(case),
                                  strict=True):
        if recist_tp.target is PR and recist_tp.overall is PR and choi_tp.target is not PD:
            assert choi_tp.overall in (PR, CR)
