"""EASL (Bruix J et al., J Hepatol 2001;35:421-430; thresholds as tabulated by Riaz A et al.,
J Hepatol 2011;54:695-704, Table 1), rule by rule, with areas worked by hand (viable longest
diameter × viable perpendicular diameter, mm²)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncotrack.criteria import easl
from oncotrack.criteria.easl import (
    NewLesionRule,
    Options,
    PdReference,
    TargetInput,
    assess_timepoints,
    meets_pd,
    meets_pr,
    missing_data,
    target_response,
)
from oncotrack.criteria.recist11 import TargetOutcome
from oncotrack.model.case import Case
from oncotrack.model.vocabulary import Response
from tests.casebuilder import build, lesion, visit

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD
D = Decimal


def test_module_contract() -> None:
    assert (easl.NAME, easl.KEY) == ("EASL", "easl")
    options = Options()
    assert options.pd_reference is PdReference.NADIR
    assert options.pd_inclusive is False
    assert options.new_enhancement_is_pd is True
    assert options.new_lesion_rule is NewLesionRule.RECIST


# --- thresholds ---------------------------------------------------------------------------------


def test_pr_at_exactly_minus_50_percent_and_not_at_minus_49_9() -> None:
    assert meets_pr(D("500"), D("1000"))
    assert not meets_pr(D("501"), D("1000"))


def test_pd_at_plus_25_percent_depends_on_the_inclusive_option() -> None:
    assert not meets_pd(D("1000"), D("800"))               # exactly +25 %: not "> 25 %"
    assert meets_pd(D("1000"), D("800"), inclusive=True)   # "25 % or more"
    assert meets_pd(D("1000.1"), D("800"))                 # +25.0125 %
    assert not meets_pd(D("999.9"), D("800"), inclusive=True)
    assert meets_pd(D("1"), D("0"))                         # enhancement back after 0 mm²
    assert not meets_pd(D("0"), D("0"))


def _target(areas: dict[str, float | None], baseline: float, reference: float,
            options: Options | None = None, gone: frozenset[str] = frozenset(),
            name: str = "nadir") -> TargetOutcome:
    data = TargetInput({k: D(str(v)) if v is not None else None for k, v in areas.items()},
                       D(str(baseline)), D(str(reference)), name, gone)
    return target_response(data, options or Options())


@pytest.mark.parametrize(("areas", "baseline", "reference", "expected"), [
    ({"L1": 0.0, "L2": 0.0}, 1000, 1000, CR),     # 100 % loss of enhancing tissue
    ({"L1": 500.0, "L2": 0.0}, 1000, 1000, PR),   # -50.0 %
    ({"L1": 501.0, "L2": 0.0}, 1000, 1000, SD),   # -49.9 %
    ({"L1": 1000.0, "L2": 0.0}, 1000, 800, SD),   # +25.0 % over the nadir: not > 25 %
    ({"L1": 1001.0, "L2": 0.0}, 1000, 800, PD),   # +25.1 %
    ({"L1": 300.0, "L2": None}, 1000, 1000, NE),  # L2 not evaluated, not PD
    ({"L1": 1300.0, "L2": None}, 1000, 1000, PD),  # PD met anyway
])
def test_target_table(areas: dict[str, float | None], baseline: float, reference: float,
                      expected: Response) -> None:
    assert _target(areas, baseline, reference).response is expected


def test_reference_option_nadir_or_baseline() -> None:
    # baseline 1000, nadir 600, now 760: +26.7 % over the nadir, -24 % from baseline
    assert _target({"L1": 760.0}, 1000, 600).response is PD
    out = _target({"L1": 760.0}, 1000, 1000, Options(pd_reference=PdReference.BASELINE),
                  name="baseline")
    assert out.response is SD
    assert "baseline 1000" in out.rule


def test_new_enhancement_in_a_treated_lesion() -> None:
    # L1 had no enhancing tissue at its last look; now 20 mm² while the sum stays below the nadir
    out = _target({"L1": 20.0, "L2": 324.0}, 1300, 400, gone=frozenset({"L1"}))
    assert out.response is PD
    assert "new enhancement in L1" in out.rule
    off = Options(new_enhancement_is_pd=False)
    assert _target({"L1": 20.0, "L2": 324.0}, 1300, 400, off, frozenset({"L1"})).response is PR


# --- whole cases --------------------------------------------------------------------------------


def _case(*follow_ups: dict[str, Any], non_targets: bool = False) -> Case:
    lesions = [lesion("L1"), lesion("L2")]
    # baseline areas: L1 20 x 20 = 400, L2 30 x 30 = 900; sum 1300 mm²
    base: dict[str, Any] = {"viable": {"L1": 20, "L2": 30},
                            "viable_perpendicular": {"L1": 20, "L2": 30}}
    if non_targets:
        lesions.append(lesion("N1", role="non-target"))
        base.update(non_target={"N1": "present"}, non_target_viable={"N1": "present"})
    return build(lesions, [visit("2022-01-01", {"L1": 30, "L2": 40}, baseline=True, **base),
                           *follow_ups])


def _fu(date: str, l1: tuple[Any, Any], l2: tuple[Any, Any], **extra: Any) -> dict[str, Any]:
    viable = {k: v[0] for k, v in (("L1", l1), ("L2", l2)) if v[0] is not None}
    perp = {k: v[1] for k, v in (("L1", l1), ("L2", l2)) if v[1] is not None}
    return visit(date, {"L1": 30, "L2": 40}, viable=viable, viable_perpendicular=perp, **extra)


def test_series_with_hand_worked_areas() -> None:
    case = _case(
        _fu("2022-03-01", ("absent", None), (20, 20)),   # 0 + 400 = 400: -69.2 % -> PR
        _fu("2022-05-01", (5, 4), (18, 18)),             # 20 + 324 = 344: L1 enhances again
    )
    first, second = assess_timepoints(case)
    assert (first.sum_area_mm2, first.baseline_sum_area_mm2, first.nadir_area_mm2) == (
        400.0, 1300.0, 1300.0)
    assert first.change_from_baseline_pct == -69.2
    assert (first.target, first.overall) == (PR, PR)
    assert (first.sum_mm, first.baseline_sum_mm, first.nadir_mm) == (None, None, None)
    assert first.measure == "sum of viable areas (viable diameter × viable perpendicular), mm²"
    assert first.criterion == "EASL"
    assert second.nadir_area_mm2 == 400.0
    assert second.nadir_date == dt.date(2022, 3, 1)
    assert second.change_from_nadir_pct == -14.0
    assert (second.target, second.overall) == (PD, PD)
    assert "new enhancement in L1" in second.target_rule
    (_, off_second) = assess_timepoints(case, Options(new_enhancement_is_pd=False))
    assert off_second.overall is PR   # 344 <= 650


def test_complete_response_and_non_target_enhancement() -> None:
    case = _case(
        _fu("2022-03-01", (0, None), ("absent", None),
            non_target={"N1": "present"}, non_target_viable={"N1": "present"}),
        _fu("2022-05-01", (0, None), ("absent", None),
            non_target={"N1": "present"}, non_target_viable={"N1": "absent"}),
        non_targets=True)
    first, second = assess_timepoints(case)
    assert (first.target, first.non_target, first.overall) == (CR, NON, PR)
    assert first.rule == ("EASL, by mRECIST Table 3: target CR, non-target IR/SD, no new lesion "
                          "-> PR")
    assert (second.target, second.non_target, second.overall) == (CR, CR, CR)


def test_pd_by_area_over_the_nadir() -> None:
    case = _case(
        _fu("2022-03-01", (15, 10), (20, 20)),   # 150 + 400 = 550: -57.7 % PR, nadir
        _fu("2022-05-01", (15, 10), (22, 22.5)),  # 150 + 495 = 645: +17.3 %, PR (<= 650)
        _fu("2022-07-01", (15, 10), (23, 24)),   # 150 + 552 = 702: +27.6 % over 550 -> PD
    )
    tps = assess_timepoints(case)
    assert [tp.sum_area_mm2 for tp in tps] == [550.0, 645.0, 702.0]
    assert [tp.overall for tp in tps] == [PR, PR, PD]
    assert tps[2].change_from_nadir_pct == 27.6


def test_new_lesions_rule_option() -> None:
    small = [{"organ": "liver", "size_mm": 6, "enhancement": "typical"}]
    case = _case(_fu("2022-03-01", (20, 20), (30, 30), new=small))
    (default,) = assess_timepoints(case)
    assert (default.overall, default.new_lesions) == (PD, True)   # unequivocal new lesion
    (mrecist_rule,) = assess_timepoints(case, Options(new_lesion_rule=NewLesionRule.MRECIST))
    assert (mrecist_rule.overall, mrecist_rule.new_lesions) == (SD, False)
    assert mrecist_rule.equivocal_new_lesions == ["liver"]


def test_missing_data_wording() -> None:
    case = build([lesion("L1"), lesion("L2")], [
        visit("2021-11-26", {"L1": 30, "L2": 20}, baseline=True,
              viable={"L1": 25, "L2": 15}, viable_perpendicular={"L1": 20}),
        visit("2022-01-10", {"L1": 30, "L2": 20}, viable={"L1": 0, "L2": 10}),
        visit("2022-03-10", {"L1": "absent", "L2": 20}),
    ])
    assert missing_data(case) == [
        "viable perpendicular diameter of L2 at the baseline 2021-11-26",
        "viable perpendicular diameter of L2 at the follow-up 2022-01-10",
        "viable (arterially enhancing) longest diameter of L2 at the follow-up 2022-03-10",
        "viable perpendicular diameter of L2 at the follow-up 2022-03-10",
    ]
    with pytest.raises(ValueError, match="EASL needs: viable perpendicular"):
        assess_timepoints(case)


def test_no_baseline() -> None:
    case = Case.model_validate({"patient": {"id": "X"}, "lesions": [lesion("L1")],
                                "assessments": [visit("2022-01-01", {"L1": 30})]})
    assert missing_data(case) == ["a baseline assessment"]


# --- property -----------------------------------------------------------------------------------


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(min_value=10, max_value=100),
                          st.floats(min_value=0.05, max_value=0.7)), min_size=1, max_size=4))
def test_every_viable_diameter_down_by_30_percent_halves_the_area(
    lesions: list[tuple[float, float]]
) -> None:
    """Both viable diameters at most 70 % of baseline: area at most 49 % -> PR (or CR)."""
    ids = [f"L{i}" for i in range(len(lesions))]
    base = {i: round(d, 1) for i, (d, _) in zip(ids, lesions, strict=True)}
    later = {i: round(base[i] * f, 1) for i, (_, f) in zip(ids, lesions, strict=True)}
    case = build([lesion(i) for i in ids], [
        visit("2022-01-01", base, baseline=True, viable=base, viable_perpendicular=base),
        visit("2022-03-01", base, viable=later, viable_perpendicular=later),
    ])
    (tp,) = assess_timepoints(case)
    assert tp.overall in (PR, CR)
    assert tp.sum_area_mm2 is not None
    assert tp.baseline_sum_area_mm2 is not None
    assert tp.sum_area_mm2 <= 0.5 * tp.baseline_sum_area_mm2
