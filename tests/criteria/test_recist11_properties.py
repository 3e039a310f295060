"""Invariants of RECIST 1.1 over generated cases (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from oncotrack.assessment import assess
from oncotrack.criteria.recist11 import assess_timepoints
from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case
from oncotrack.model.vocabulary import Response
from tests.casebuilder import build

ORGANS = ["liver", "lung", "bone", "kidney", "lymph node", "peritoneum"]
STATUSES = ["present", "absent", "progression", "not-evaluated"]
diameters = st.one_of(
    st.integers(min_value=0, max_value=150).map(float),
    st.decimals(min_value=0, max_value=150, places=1).map(float),
)
follow_up_values = st.one_of(diameters, st.sampled_from(["too-small", "absent", "not-evaluated"]))


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """Case-file dictionaries: 1-6 lesions, a baseline and 1-6 follow-ups, maybe new lesions."""
    n = draw(st.integers(min_value=1, max_value=6))
    lesions = []
    for i in range(n):
        organ = draw(st.sampled_from(ORGANS))
        role = draw(st.sampled_from(["target", "non-target"]))
        lesions.append({"id": f"L{i}", "organ": organ, "role": role,
                        "lymph_node": organ == "lymph node"})
    targets = [lesion["id"] for lesion in lesions if lesion["role"] == "target"]
    non_targets = [lesion["id"] for lesion in lesions if lesion["role"] == "non-target"]
    day = dt.date(2023, 1, 1)
    assessments = [{
        "date": day.isoformat(), "baseline": True,
        "target": {t: draw(st.floats(min_value=10, max_value=150).map(lambda x: round(x, 1)))
                   for t in targets},
        "non_target": dict.fromkeys(non_targets, "present"),
    }]
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        day += dt.timedelta(days=draw(st.integers(min_value=7, max_value=120)))
        assessments.append({
            "date": day.isoformat(),
            "target": {t: draw(follow_up_values) for t in targets},
            "non_target": {t: draw(st.sampled_from(STATUSES)) for t in non_targets},
            "new_lesions": draw(st.lists(
                st.fixed_dictionaries({"organ": st.sampled_from(ORGANS),
                                       "unequivocal": st.booleans()}), max_size=2)),
        })
    return {"patient": {"id": "GEN-1"}, "lesions": lesions, "assessments": assessments,
            "endpoints": {"reference_date": "2023-01-02"}}


def _case(data: dict[str, Any]) -> Case:
    return build(data["lesions"], data["assessments"], endpoints=data["endpoints"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_an_unequivocal_new_lesion_always_gives_pd(data: dict[str, Any]) -> None:
    case = _case(data)
    for assessment, tp in zip(case.follow_ups(), assess_timepoints(case), strict=True):
        if any(n.unequivocal for n in assessment.new_lesions):
            assert tp.overall is Response.PD


@settings(max_examples=150)
@given(cases(), st.data())
def test_growth_of_every_target_by_a_quarter_never_gives_pr_or_cr(
    data: dict[str, Any], draws: st.DataObject
) -> None:
    baseline = data["assessments"][0]["target"]
    assume(baseline)
    for follow_up in data["assessments"][1:]:
        follow_up["target"] = {
            k: round(v * draws.draw(st.floats(min_value=1.25, max_value=3)), 1) + 0.1
            for k, v in baseline.items()
        }
    for tp in assess_timepoints(_case(data)):
        assert tp.overall not in (Response.PR, Response.CR)
        assert tp.target not in (Response.PR, Response.CR)


@settings(max_examples=150)
@given(cases(), st.randoms(use_true_random=False))
def test_responses_do_not_depend_on_the_order_lesions_are_listed(
    data: dict[str, Any], rng: Any
) -> None:
    before = [(tp.overall, tp.target, tp.sum_mm) for tp in assess_timepoints(_case(data))]
    rng.shuffle(data["lesions"])
    for assessment in data["assessments"]:
        for key in ("target", "non_target"):
            items = list(assessment[key].items())
            rng.shuffle(items)
            assessment[key] = dict(items)
    after = [(tp.overall, tp.target, tp.sum_mm) for tp in assess_timepoints(_case(data))]
    assert before == after


@st.composite
def loose_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Messier cases: any ids, dates in any order, events; many will not validate."""
    data = draw(cases())
    if draw(st.booleans()):
        data["assessments"].reverse()
    if draw(st.booleans()):
        data["events"] = [{"date": draw(st.dates(dt.date(2022, 1, 1), dt.date(2026, 1, 1))
                                        ).isoformat(),
                           "type": draw(st.sampled_from(
                               ["progression", "death", "last-contact", "new-therapy"]))}]
    if draw(st.booleans()):
        data["endpoints"] = {}
    return data


@settings(max_examples=200)
@given(loose_cases())
def test_any_case_that_validates_also_assesses(data: dict[str, Any]) -> None:
    case = Case.model_validate(data)
    assume(not check_case(case))
    result = assess(case)
    assert len(result.timepoints) == len(case.assessments) - 1
    result.model_dump_json()
