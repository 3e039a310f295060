"""mRECIST (Lencioni R, Llovet JM, Semin Liver Dis 2010;30:52-60), rule by rule, with expected
values worked by hand: Table 1 (target, viable sums), Table 2 (non-target enhancement), Table 3
(overall), the new-lesion rule (1 cm, typical pattern or 1 cm growth) and porta hepatis nodes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncotrack.criteria import mrecist, recist11
from oncotrack.criteria.mrecist import (
    TABLE_3,
    TABLE_NON_TARGET_ONLY,
    NewLesionHistory,
    NewLesionScope,
    Options,
    TargetInput,
    assess_timepoints,
    judge_new_lesion,
    meets_pd,
    missing_data,
    non_target_response,
    overall_response,
    target_response,
)
from oncotrack.criteria.recist11 import PrPersistence
from oncotrack.model.case import NewLesion
from oncotrack.model.vocabulary import Enhancement, NonTargetStatus, Response
from tests.casebuilder import build, lesion, visit

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD
D = Decimal


def test_module_contract() -> None:
    assert mrecist.NAME == "mRECIST"
    assert mrecist.KEY == "mrecist"
    assert Options().absolute_increase_mm is None  # the 2010 Table 1 has no 5 mm clause
    assert Options().new_lesion_scope is NewLesionScope.LIVER


# --- Table 3: overall response ------------------------------------------------------------------

TABLE_3_ROWS = [
    # target, non-target, new lesion -> overall
    (CR, CR, False, CR),     # CR | CR | No -> CR
    (CR, None, False, CR),   # CR, no non-target disease -> CR
    (CR, NON, False, PR),    # CR | IR/SD | No -> PR
    (CR, NE, False, PR),     # RECIST 1.1 Table 1 row: CR | not evaluated | No -> PR
    (PR, NON, False, PR),    # PR | Non-PD | No -> PR
    (PR, CR, False, PR),
    (PR, NE, False, PR),
    (PR, None, False, PR),
    (SD, NON, False, SD),    # SD | Non-PD | No -> SD
    (SD, NE, False, SD),
    (SD, None, False, SD),
    (NE, NON, False, NE),    # RECIST 1.1 Table 1 row: not all evaluated -> NE
    (NE, None, False, NE),
    (PD, CR, False, PD),     # PD | any | any -> PD
    (PD, NON, True, PD),
    (CR, PD, False, PD),     # any | PD | any -> PD
    (SD, PD, True, PD),
    (CR, CR, True, PD),      # any | any | Yes -> PD
    (NE, NE, True, PD),
]


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TABLE_3_ROWS)
def test_table_3(target: Response, non_target: Response | None, new: bool, expected: Response
                 ) -> None:
    overall, rule = overall_response(target, non_target, new)
    assert overall is expected
    assert rule.startswith(("mRECIST Table 3", "RECIST 1.1 Table 1"))


def test_every_table_3_row_is_exercised() -> None:
    fired = {overall_response(t, n, new)[1] for t, n, new, _ in TABLE_3_ROWS}
    expected = {row.label if row.label.startswith("RECIST") else f"mRECIST {row.label}"
                for row in TABLE_3}
    assert fired == expected


NON_TARGET_ONLY_ROWS = [
    (PD, False, PD), (PD, True, PD), (NON, True, PD), (CR, False, CR), (NON, False, NON),
    (NE, False, NE),
]


@pytest.mark.parametrize(("non_target", "new", "expected"), NON_TARGET_ONLY_ROWS)
def test_without_targets_recist_table_2_applies(non_target: Response, new: bool,
                                                expected: Response) -> None:
    overall, rule = overall_response(None, non_target, new)
    assert overall is expected
    assert rule.startswith("RECIST 1.1 Table 2")
    if non_target is NON and not new:
        assert "IR/SD" in rule


def test_every_non_target_only_row_is_exercised() -> None:
    fired = {overall_response(None, n, new)[1] for n, new, _ in NON_TARGET_ONLY_ROWS}
    assert fired == {row.label for row in TABLE_NON_TARGET_ONLY}


# --- Table 1: target response on the viable sum -------------------------------------------------


def _target(values: dict[str, float | None], baseline: float, nadir: float,
            options: Options | None = None, **flags: bool) -> recist11.TargetOutcome:
    data = TargetInput({k: D(str(v)) if v is not None else None for k, v in values.items()},
                       D(str(baseline)), D(str(nadir)), **flags)
    return target_response(data, options or Options())


def test_pr_at_exactly_minus_30_percent() -> None:
    out = _target({"L1": 70.0}, baseline=100, nadir=100)   # 70 / 100 = -30.0 %
    assert out.response is PR
    assert "70 % of the baseline viable sum 100" in out.rule


def test_sd_at_minus_29_9_percent() -> None:
    assert _target({"L1": 70.1}, baseline=100, nadir=100).response is SD   # -29.9 %


def test_pd_at_exactly_plus_20_percent_over_the_nadir() -> None:
    # baseline 100, nadir 50, now 60: 60 = 1.20 x 50 -> PD (and 60 is still -40 % from baseline)
    out = _target({"L1": 60.0}, baseline=100, nadir=50)
    assert out.response is PD
    assert "+20.0 %" in out.rule


def test_plus_19_9_percent_is_not_pd() -> None:
    # nadir 100 (= baseline), now 119.9: +19.9 % -> SD
    assert _target({"L1": 119.9}, baseline=100, nadir=100).response is SD


def test_no_absolute_clause_by_default_and_5_mm_as_an_option() -> None:
    # nadir 20, now 24: +20 % but only +4 mm
    assert _target({"L1": 24.0}, baseline=40, nadir=20).response is PD
    five = Options(absolute_increase_mm=5)
    out = _target({"L1": 24.0}, baseline=40, nadir=20, options=five)
    assert out.response is PR  # 24 <= 0.7 x 40 = 28
    # +5 mm exactly (25 = 1.25 x 20) meets both clauses
    out = _target({"L1": 25.0}, baseline=40, nadir=20, options=five)
    assert out.response is PD
    assert "+5 mm" in out.rule


def test_meets_pd_from_a_zero_nadir() -> None:
    assert meets_pd(D("3"), D("0"))          # any return of enhancement after 0 mm
    assert not meets_pd(D("0"), D("0"))      # 0 after 0 is not a rise
    assert not meets_pd(D("3"), D("0"), D("5"))  # the 5 mm option still applies


def test_cr_when_no_target_enhances() -> None:
    out = _target({"L1": 0.0, "L2": 0.0}, baseline=60, nadir=60)
    assert out.response is CR
    assert "no intratumoral arterial enhancement" in out.rule


def test_missing_viable_value_is_ne_unless_pd_is_met_anyway() -> None:
    out = _target({"L1": 20.0, "L2": None}, baseline=60, nadir=60)
    assert out.response is NE
    assert out.missing == ("L2",)
    # the measured 75 mm alone is +25 % over the nadir 60 -> PD whatever L2 is
    out = _target({"L1": 75.0, "L2": None}, baseline=80, nadir=60)
    assert out.response is PD
    assert "met although L2 not evaluated" in out.rule


def test_pr_persistence_option() -> None:
    # baseline 100, nadir 60 after a PR, now 71: -29 % from baseline, +18.3 % over the nadir
    assert _target({"L1": 71.0}, 100, 60, pr_reached_before=True).response is PR
    paper = Options(pr_persistence=PrPersistence.PAPER)
    assert _target({"L1": 71.0}, 100, 60, paper, pr_reached_before=True).response is SD


def test_enhancement_returning_after_an_overall_cr_is_pd_with_the_5_mm_option() -> None:
    five = Options(absolute_increase_mm=5)
    out = _target({"L1": 3.0}, baseline=40, nadir=0, options=five, after_overall_cr=True)
    assert out.response is PD
    assert "after an overall CR" in out.rule


# --- Table 2: non-target response ---------------------------------------------------------------

PRESENT, ABSENT, PROGRESSION = (NonTargetStatus.PRESENT, NonTargetStatus.ABSENT,
                                NonTargetStatus.PROGRESSION)


@pytest.mark.parametrize(("statuses", "enhancement", "expected", "words"), [
    ({"N1": PROGRESSION, "N2": PRESENT}, {"N1": "present", "N2": "absent"}, PD,
     "unequivocal progression of N1"),
    ({"N1": PRESENT, "N2": PRESENT}, {"N1": "present", "N2": "unknown"}, NON, "IR/SD"),
    ({"N1": PRESENT, "N2": PRESENT}, {"N1": "absent", "N2": "unknown"}, NE, "N2 not recorded"),
    ({"N1": PRESENT, "N2": ABSENT}, {"N1": "absent", "N2": "absent"}, CR,
     "no intratumoral arterial enhancement in any non-target"),
])
def test_table_2(statuses: dict[str, NonTargetStatus], enhancement: dict[str, str],
                 expected: Response, words: str) -> None:
    response, rule = non_target_response(statuses, enhancement)
    assert response is expected
    assert words in rule


def test_no_non_target_disease() -> None:
    assert non_target_response({}, {}) == (None, "no non-target lesions")


# --- new lesions --------------------------------------------------------------------------------


def _new(size: float | None, enhancement: str | None, organ: str = "liver",
         lesion_id: str | None = None, **extra: Any) -> NewLesion:
    return NewLesion.model_validate({"organ": organ, "size_mm": size,
                                     "enhancement": enhancement, "id": lesion_id, **extra})


@pytest.mark.parametrize(("size", "enhancement", "progression"), [
    (10.0, "typical", True),      # >= 1 cm with the typical pattern
    (9.9, "typical", False),      # below 1 cm: equivocal
    (25.0, "atypical", False),    # first sighting without the pattern: equivocal
    (25.0, "none", False),
    (None, "typical", False),     # size not recorded: equivocal, never guessed
    (12.0, None, False),          # pattern not recorded
])
def test_new_liver_lesion_on_first_sighting(size: float | None, enhancement: str | None,
                                            progression: bool) -> None:
    call = judge_new_lesion(_new(size, enhancement), NewLesionHistory(), NewLesionScope.LIVER)
    assert call.progression is progression


def test_atypical_new_lesion_growing_by_1_cm_is_pd_dated_to_its_first_sighting() -> None:
    history = NewLesionHistory()
    first = dt.date(2022, 1, 10)
    history.remember([_new(12.0, "atypical", lesion_id="N1")], first)
    grown = judge_new_lesion(_new(22.0, "atypical", lesion_id="N1"), history,
                             NewLesionScope.LIVER)          # 22 - 12 = 10 mm
    assert grown.progression
    assert grown.dated_to == first
    assert "grown 10.0 mm" in grown.reason
    short = judge_new_lesion(_new(21.9, "atypical", lesion_id="N1"), history,
                             NewLesionScope.LIVER)          # 9.9 mm
    assert not short.progression


def test_porta_hepatis_node_counts_from_2_cm() -> None:
    history = NewLesionHistory()
    node = {"lymph_node": True}
    assert judge_new_lesion(_new(20.0, None, "porta hepatis lymph node", **node), history,
                            NewLesionScope.LIVER).progression
    assert not judge_new_lesion(_new(19.9, None, "porta hepatis lymph node", **node), history,
                                NewLesionScope.LIVER).progression


def test_extrahepatic_new_lesion_follows_recist_unless_scope_all() -> None:
    lung = _new(6.0, None, "lung")
    assert judge_new_lesion(lung, NewLesionHistory(), NewLesionScope.LIVER).progression
    assert not judge_new_lesion(lung, NewLesionHistory(), NewLesionScope.ALL).progression


def test_a_lesion_the_reader_marked_equivocal_is_not_pd() -> None:
    call = judge_new_lesion(_new(30.0, "typical", unequivocal=False), NewLesionHistory(),
                            NewLesionScope.LIVER)
    assert not call.progression
    assert "marked equivocal" in call.reason


# --- whole cases --------------------------------------------------------------------------------


def _two_target_case(*follow_ups: dict[str, Any], non_targets: bool = False) -> Any:
    lesions = [lesion("L1"), lesion("L2")]
    base: dict[str, Any] = {"viable": {"L1": 40, "L2": 20}}
    if non_targets:
        lesions.append(lesion("N1", role="non-target"))
        base.update(non_target={"N1": "present"}, non_target_viable={"N1": "present"})
    return build(lesions, [visit("2022-01-01", {"L1": 50, "L2": 30}, baseline=True, **base),
                           *follow_ups])


def test_series_with_hand_worked_sums() -> None:
    # baseline viable 40 + 20 = 60 mm
    case = _two_target_case(
        visit("2022-03-01", {"L1": 45, "L2": 25}, viable={"L1": 30, "L2": 12}),  # 42: -30.0 %
        visit("2022-05-01", {"L1": 45, "L2": 25}, viable={"L1": 25, "L2": 10}),  # 35: nadir
        visit("2022-07-01", {"L1": 45, "L2": 25}, viable={"L1": 30, "L2": 12}),  # 42: +20.0 %
    )
    tps = assess_timepoints(case)
    assert [tp.overall for tp in tps] == [PR, PR, PD]
    assert [tp.sum_mm for tp in tps] == [42.0, 35.0, 42.0]
    assert tps[0].change_from_baseline_pct == -30.0
    assert tps[2].nadir_mm == 35.0
    assert tps[2].nadir_date == dt.date(2022, 5, 1)
    assert tps[2].change_from_nadir_pct == 20.0
    assert all(tp.criterion == "mRECIST" for tp in tps)
    assert tps[0].measure == mrecist.MEASURE
    assert tps[2].progression_date == dt.date(2022, 7, 1)


def test_mrecist_cr_while_recist_gives_pr() -> None:
    """Both lesions persist at half their size but no longer enhance: RECIST 1.1 sees a 50 %
    shrinkage (PR); mRECIST sees no viable tumour (CR)."""
    case = _two_target_case(
        visit("2022-03-01", {"L1": 25, "L2": 15}, viable={"L1": "absent", "L2": "absent"}))
    (m,) = assess_timepoints(case)
    (r,) = recist11.assess_timepoints(case)
    assert (m.target, m.overall, m.sum_mm) == (CR, CR, 0.0)
    assert (r.target, r.overall, r.sum_mm) == (PR, PR, 40.0)   # 40 / 80 = -50 %
    assert m.rule == "mRECIST Table 3: target CR, non-target CR (or none), no new lesion -> CR"


def test_non_target_enhancement_persisting_makes_target_cr_a_pr() -> None:
    case = _two_target_case(
        visit("2022-03-01", {"L1": 25, "L2": 15}, {"N1": "present"},
              viable={"L1": 0, "L2": 0}, non_target_viable={"N1": "present"}),
        visit("2022-05-01", {"L1": 25, "L2": 15}, {"N1": "present"},
              viable={"L1": 0, "L2": 0}, non_target_viable={"N1": "absent"}),
        non_targets=True)
    first, second = assess_timepoints(case)
    assert (first.target, first.non_target, first.overall) == (CR, NON, PR)
    assert "IR/SD" in first.non_target_rule
    assert (second.non_target, second.overall) == (CR, CR)


def test_whole_lesion_absent_needs_no_viable_value() -> None:
    case = _two_target_case(visit("2022-03-01", {"L1": "absent", "L2": 15}, viable={"L2": 10}))
    assert missing_data(case) == []
    (tp,) = assess_timepoints(case)
    assert tp.sum_mm == 10.0


def test_new_lesions_in_a_series() -> None:
    case = _two_target_case(
        visit("2022-03-01", {"L1": 45, "L2": 25}, viable={"L1": 35, "L2": 18},
              new=[{"organ": "liver", "id": "N1", "size_mm": 12, "enhancement": "atypical"}]),
        visit("2022-05-01", {"L1": 45, "L2": 25}, viable={"L1": 35, "L2": 18},
              new=[{"organ": "liver", "id": "N1", "size_mm": 23, "enhancement": "atypical"}]),
    )
    first, second = assess_timepoints(case)
    assert first.overall is SD                     # 53 / 60: -11.7 %
    assert first.equivocal_new_lesions == ["liver (id N1)"]
    assert "equivocal until it grows" in first.rule
    assert (second.overall, second.new_lesions) == (PD, True)
    assert second.progression_date == dt.date(2022, 3, 1)
    assert "dated to 2022-03-01" in second.rule


def test_typical_new_lesion_of_1_cm_is_pd_and_9_mm_is_not() -> None:
    def series(size: float) -> Response:
        case = _two_target_case(visit(
            "2022-03-01", {"L1": 45, "L2": 25}, viable={"L1": 35, "L2": 18},
            new=[{"organ": "liver", "size_mm": size, "enhancement": "typical"}]))
        return assess_timepoints(case)[0].overall
    assert series(10) is PD
    assert series(9) is SD


def test_missing_data_wording() -> None:
    case = build([lesion("L1"), lesion("L2")], [
        visit("2021-11-26", {"L1": 30, "L2": 20}, baseline=True, viable={"L1": 25}),
        visit("2022-01-10", {"L1": 30, "L2": "not-evaluated"}),
        visit("2022-03-10", {"L1": "absent", "L2": 20}, viable={"L2": 10}),
    ])
    assert missing_data(case) == [
        "viable (arterially enhancing) longest diameter of L2 at the baseline 2021-11-26",
        "viable (arterially enhancing) longest diameter of L1 at the follow-up 2022-01-10",
    ]
    with pytest.raises(ValueError, match="mRECIST needs: viable"):
        assess_timepoints(case)


def test_explicitly_not_evaluated_viable_value_gives_ne() -> None:
    case = _two_target_case(
        visit("2022-03-01", {"L1": 45, "L2": 25}, viable={"L1": 30, "L2": "not-evaluated"}))
    assert missing_data(case) == []
    (tp,) = assess_timepoints(case)
    assert (tp.target, tp.overall, tp.missing_lesions) == (NE, NE, ["L2"])


def test_non_enhancing_target_at_baseline_is_named() -> None:
    case = build([lesion("L1"), lesion("L2")], [
        visit("2022-01-01", {"L1": 30, "L2": 20}, baseline=True,
              viable={"L1": 25, "L2": "absent"}),
        visit("2022-03-01", {"L1": 30, "L2": 20}, viable={"L1": 25, "L2": "absent"}),
    ])
    findings = mrecist.baseline_findings(case)
    assert [f.lesion for f in findings] == ["L2"]
    (tp,) = assess_timepoints(case)
    assert any("L2: no arterial enhancement at baseline" in note for note in tp.notes)


# --- properties ---------------------------------------------------------------------------------


@st.composite
def consistent_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Targets with viable diameters never longer than the lesion (what the case checks ask)."""
    n = draw(st.integers(min_value=1, max_value=4))
    ids = [f"L{i}" for i in range(n)]
    day = dt.date(2023, 1, 1)

    def measures(minimum: float) -> tuple[dict[str, float], dict[str, Any]]:
        whole = {i: draw(st.floats(min_value=minimum, max_value=150).map(lambda x: round(x, 1)))
                 for i in ids}
        viable: dict[str, Any] = {}
        for i, w in whole.items():
            share = draw(st.one_of(st.just(None), st.floats(min_value=0, max_value=1)))
            viable[i] = "absent" if share is None else round(w * share, 1)
        return whole, viable

    whole, viable = measures(10)
    assessments = [visit(day.isoformat(), whole, baseline=True, viable=viable)]
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        day += dt.timedelta(days=draw(st.integers(min_value=14, max_value=120)))
        whole, viable = measures(0)
        new = draw(st.lists(st.fixed_dictionaries({
            "organ": st.sampled_from(["liver", "lung", "segment 7 of the liver"]),
            "size_mm": st.floats(min_value=0, max_value=40).map(lambda x: round(x, 1)),
            "enhancement": st.sampled_from(["typical", "atypical", "none"]),
            "unequivocal": st.booleans()}), max_size=2))
        assessments.append(visit(day.isoformat(), whole, viable=viable, new=new))
    return {"lesions": [lesion(i) for i in ids], "assessments": assessments}


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_cases())
def test_viable_sum_never_exceeds_the_recist_sum(data: dict[str, Any]) -> None:
    case = build(data["lesions"], data["assessments"])
    pairs = zip(assess_timepoints(case), recist11.assess_timepoints(case), strict=True)
    for m, r in pairs:
        assert m.sum_mm is not None
        assert r.sum_mm is not None
        assert m.sum_mm <= r.sum_mm
        assert m.baseline_sum_mm is not None
        assert r.baseline_sum_mm is not None
        assert m.baseline_sum_mm <= r.baseline_sum_mm


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_cases())
def test_an_unequivocal_typical_liver_lesion_of_1_cm_always_gives_pd(data: dict[str, Any]
                                                                     ) -> None:
    case = build(data["lesions"], data["assessments"])
    for assessment, tp in zip(case.follow_ups(), assess_timepoints(case), strict=True):
        if any(n.unequivocal and n.enhancement is Enhancement.TYPICAL and n.size_mm is not None
               and n.size_mm >= 10 and "liver" in n.organ for n in assessment.new_lesions):
            assert tp.overall is PD
            assert tp.new_lesions
