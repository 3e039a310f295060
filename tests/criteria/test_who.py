"""WHO criteria (Miller AB et al., Cancer 1981;47:207-214), with values worked by hand.

Product per lesion = longest diameter x longest perpendicular diameter; SPD = their sum.
CR: all known disease gone; PR: SPD -50 % from baseline; PD: +25 % in one or more lesions (default
against each lesion's smallest product) or a new lesion; otherwise no change (NC), reported as SD.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncotrack.criteria.choi import Comparison
from oncotrack.criteria.who import (
    TABLE_NON_TARGET,
    TABLE_TARGET,
    Options,
    PdReference,
    PdScope,
    WhoTargetInput,
    assess_timepoints,
    meets_pd,
    meets_pr,
    missing_data,
    overall_response,
    product_mm2,
    target_response,
)
from oncotrack.model.vocabulary import Response
from tests.casebuilder import build, lesion, visit

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD
D = Decimal

# --- the overall tables ---------------------------------------------------------------------------

TARGET_ROWS = [
    (PD, CR, False, PD),     # a measurable lesion +25 %
    (PD, None, True, PD),
    (SD, PD, False, PD),     # progression of non-measurable disease
    (PR, NON, True, PD),     # new lesion
    (CR, CR, True, PD),
    (CR, CR, False, CR),     # disappearance of all known disease
    (CR, None, False, CR),
    (CR, NON, False, PR),    # measurable lesions gone, other disease persists
    (CR, NE, False, PR),
    (PR, NON, False, PR),
    (PR, NE, False, PR),
    (PR, None, False, PR),
    (SD, NON, False, SD),    # no change (NC)
    (SD, None, False, SD),
    (NE, CR, False, NE),
    (NE, None, False, NE),
]


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TARGET_ROWS)
def test_target_table(target: Response, non_target: Response | None, new: bool,
                      expected: Response) -> None:
    overall, rule = overall_response(target, non_target, new)
    assert overall is expected
    assert rule.startswith("WHO:")


def test_every_target_row_is_exercised() -> None:
    fired = {overall_response(t, n, new)[1] for t, n, new, _ in TARGET_ROWS}
    assert fired == {row.label for row in TABLE_TARGET}


NON_TARGET_ROWS = [
    (PD, False, PD), (CR, True, PD), (CR, False, CR), (NON, False, NON), (NE, False, NE),
]


@pytest.mark.parametrize(("non_target", "new", "expected"), NON_TARGET_ROWS)
def test_non_target_table(non_target: Response, new: bool, expected: Response) -> None:
    assert overall_response(None, non_target, new)[0] is expected


def test_every_non_target_row_is_exercised() -> None:
    fired = {overall_response(None, n, new)[1] for n, new, _ in NON_TARGET_ROWS}
    assert fired == {row.label for row in TABLE_NON_TARGET}


# --- products and thresholds --------------------------------------------------------------------


def test_products() -> None:
    assert product_mm2(D("20"), D("10")) == D(200)
    assert product_mm2(D("12.5"), D("9.8")) == D("122.5")
    assert product_mm2(D(0), None) == 0          # gone: 0 mm² whatever the perpendicular
    assert product_mm2(D(20), None) is None      # perpendicular not evaluated
    assert product_mm2(None, D(10)) is None


@pytest.mark.parametrize(("spd", "baseline", "expected"), [
    ("400", "800", True),      # -50.0 % exactly: PR
    ("400.1", "800", False),   # -49.99 %
    ("399.9", "800", True),
])
def test_pr_threshold(spd: str, baseline: str, expected: bool) -> None:
    assert meets_pr(D(spd), D(baseline)) is expected


@pytest.mark.parametrize(("value", "reference", "how", "expected"), [
    ("125", "100", Comparison.INCLUSIVE, True),    # +25.0 % exactly: PD
    ("124.9", "100", Comparison.INCLUSIVE, False),
    ("122.5", "98", Comparison.INCLUSIVE, True),   # 1.25 x 98 = 122.5 exactly
    ("125", "100", Comparison.STRICT, False),      # "> 25 %" variant
    ("125.1", "100", Comparison.STRICT, True),
    ("0", "0", Comparison.INCLUSIVE, False),
    ("25", "0", Comparison.INCLUSIVE, True),       # back from 0 mm²
])
def test_pd_threshold(value: str, reference: str, how: Comparison, expected: bool) -> None:
    assert meets_pd(D(value), D(reference), how) is expected


# --- target rule, row by row --------------------------------------------------------------------


def _data(products: dict[str, str | None], lesion_ref: dict[str, str], baseline_spd: str,
          spd_ref: str | None = None, after_cr: bool = False) -> WhoTargetInput:
    return WhoTargetInput(
        products={k: D(v) if v is not None else None for k, v in products.items()},
        baseline_spd=D(baseline_spd), spd_reference=D(spd_ref or baseline_spd),
        lesion_reference={k: D(v) for k, v in lesion_ref.items()}, after_overall_cr=after_cr,
    )


@pytest.mark.parametrize(("data", "expected", "words"), [
    # mixed: L1 +25 % (200 -> 250) while the SPD falls 800 -> 550 (-31 %): PD by lesion
    (_data({"L1": "250", "L2": "300"}, {"L1": "200", "L2": "600"}, "800"), PD,
     "L1 250 mm² vs nadir 200 mm² (+25.0 %)"),
    # PD is met even with L2 missing
    (_data({"L1": "250", "L2": None}, {"L1": "200", "L2": "600"}, "800"), PD,
     "met although L2 not evaluated"),
    # nothing grew, L2 missing: NE
    (_data({"L1": "100", "L2": None}, {"L1": "200", "L2": "600"}, "800"), NE, "NE"),
    # a lesion back after an overall CR (against the baseline, where it is not +25 %)
    (_data({"L1": "25", "L2": "0"}, {"L1": "200", "L2": "600"}, "800", after_cr=True), PD,
     "reappeared"),
    (_data({"L1": "0", "L2": "0"}, {"L1": "200", "L2": "600"}, "800"), CR, "disappeared"),
    (_data({"L1": "100", "L2": "300"}, {"L1": "200", "L2": "600"}, "800"), PR, "-50.0 %"),
    (_data({"L1": "150", "L2": "500"}, {"L1": "200", "L2": "600"}, "800"), SD,
     "no change (NC)"),
])
def test_target_rule(data: WhoTargetInput, expected: Response, words: str) -> None:
    outcome = target_response(data, Options())
    assert outcome.response is expected
    assert words in outcome.rule


def test_sum_scope_judges_the_spd() -> None:
    mixed = _data({"L1": "250", "L2": "300"}, {"L1": "200", "L2": "600"}, "800")
    assert target_response(mixed, Options(pd_scope=PdScope.SUM)).response is SD
    grown = _data({"L1": "400", "L2": "600"}, {"L1": "200", "L2": "600"}, "800")  # SPD +25 %
    outcome = target_response(grown, Options(pd_scope=PdScope.SUM))
    assert outcome.response is PD
    assert "SPD 1000 mm² vs nadir 800 mm² (+25.0 %)" in outcome.rule


# --- whole cases --------------------------------------------------------------------------------

LESIONS = [lesion("L1"), lesion("L2", organ="lung")]


def _series() -> Any:
    # baseline: L1 20 x 10 = 200, L2 30 x 20 = 600, SPD 800 mm²
    # 1st: L1 14 x 7 = 98, L2 20 x 10 = 200, SPD 298 (-62.75 %): PR
    # 2nd: L1 12.5 x 9.8 = 122.5 = 1.25 x 98 (its nadir), L2 20 x 10: PD (vs baseline: -38.75 %)
    return build(LESIONS, [
        visit("2023-01-01", {"L1": 20, "L2": 30}, baseline=True,
              perpendicular={"L1": 10, "L2": 20}),
        visit("2023-03-01", {"L1": 14, "L2": 20}, perpendicular={"L1": 7, "L2": 10}),
        visit("2023-05-01", {"L1": 12.5, "L2": 20}, perpendicular={"L1": 9.8, "L2": 10}),
    ])


def test_series_pr_then_pd_over_the_lesion_nadir() -> None:
    first, second = assess_timepoints(_series())
    assert first.overall is PR
    assert first.sum_area_mm2 == 298.0
    assert first.baseline_sum_area_mm2 == 800.0
    assert first.change_from_baseline_pct == -62.8
    assert first.sum_mm is None
    assert first.baseline_sum_mm is None
    assert first.nadir_mm is None
    assert first.measure == "sum of products of diameters, mm²"
    assert first.criterion == "WHO"
    assert second.overall is PD
    assert "L1 122.5 mm² vs nadir 98 mm² (+25.0 %)" in second.target_rule
    assert second.nadir_area_mm2 == 298.0
    assert second.change_from_nadir_pct == 8.2


def test_series_options() -> None:
    case = _series()
    assert assess_timepoints(case, Options(pd_reference=PdReference.BASELINE))[1].overall is PR
    assert assess_timepoints(case, Options(pd_comparison=Comparison.STRICT))[1].overall is PR
    # SPD 322.5 vs nadir 298: +8.2 %, no PD; vs baseline -59.7 %: PR
    assert assess_timepoints(case, Options(pd_scope=PdScope.SUM))[1].overall is PR


def test_no_change_is_reported_as_sd() -> None:
    case = build(LESIONS, [
        visit("2023-01-01", {"L1": 20, "L2": 30}, baseline=True,
              perpendicular={"L1": 10, "L2": 20}),
        # L1 22 x 11 = 242 (+21 %), L2 30 x 20 = 600: SPD 842 (+5.25 %)
        visit("2023-03-01", {"L1": 22, "L2": 30}, perpendicular={"L1": 11, "L2": 20}),
    ])
    [tp] = assess_timepoints(case)
    assert tp.overall is SD
    assert "no change (NC)" in tp.target_rule
    assert tp.change_from_baseline_pct == 5.2  # 5.25 rounded half to even


def test_complete_response_and_new_lesion() -> None:
    case = build(LESIONS, [
        visit("2023-01-01", {"L1": 20, "L2": 30}, baseline=True,
              perpendicular={"L1": 10, "L2": 20}),
        visit("2023-03-01", {"L1": "absent", "L2": "absent"}),
        visit("2023-05-01", {"L1": "absent", "L2": "absent"}, new=[{"organ": "bone"}]),
    ])
    assert missing_data(case) == []
    first, second = assess_timepoints(case)
    assert first.overall is CR
    assert first.sum_area_mm2 == 0.0
    assert second.overall is PD
    assert second.rule == "WHO: new lesion -> PD"


def test_perpendicular_not_evaluated_is_ne() -> None:
    case = build(LESIONS, [
        visit("2023-01-01", {"L1": 20, "L2": 30}, baseline=True,
              perpendicular={"L1": 10, "L2": 20}),
        visit("2023-03-01", {"L1": 20, "L2": 30},
              perpendicular={"L1": 10, "L2": "not-evaluated"}),
    ])
    assert missing_data(case) == []
    [tp] = assess_timepoints(case)
    assert tp.overall is NE
    assert tp.missing_lesions == ["L2"]


def test_missing_data_wording() -> None:
    case = build(LESIONS, [
        visit("2023-01-01", {"L1": 20, "L2": 30}, baseline=True,
              perpendicular={"L1": "not-evaluated"}),
        visit("2023-03-01", {"L1": 14, "L2": "absent"}),
        visit("2023-05", {"L1": "not-evaluated", "L2": "too-small"}),
    ])
    assert missing_data(case) == [
        "perpendicular diameter of L1 at the baseline 2023-01-01 (recorded as not-evaluated)",
        "perpendicular diameter of L2 at the baseline 2023-01-01",
        "perpendicular diameter of L1 at 2023-03-01",
        "perpendicular diameter of L2 at 2023-05",
    ]
    with pytest.raises(ValueError, match="WHO needs perpendicular diameter"):
        assess_timepoints(case)


def test_notes_say_confirmation_is_in_the_best_response() -> None:
    [first, _] = assess_timepoints(_series())
    assert any("4 weeks" in n and "confirm_days 28" in n for n in first.notes)
    assert any("L1 98 mm² (baseline 200" in n for n in first.notes)


# --- properties ---------------------------------------------------------------------------------

diameter = st.integers(min_value=5, max_value=120)
growth = st.integers(min_value=112, max_value=300)  # per diameter, in hundredths: x1.12 .. x3.00


def _grown(value: int, hundredths: int) -> float:
    return float(D(value) * D(hundredths) / 100)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(diameter, diameter, growth, growth), min_size=1, max_size=4),
       st.sampled_from(list(PdScope)), st.sampled_from(list(PdReference)),
       st.booleans())
def test_every_lesion_grown_25_percent_is_pd(
    drawn: list[tuple[int, int, int, int]], scope: PdScope, reference: PdReference,
    new: bool,
) -> None:
    """If every lesion's product grew by 25 % or more at the first follow-up (where nadir and
    baseline coincide), WHO gives PD whatever the options."""
    ids = [f"L{i}" for i in range(len(drawn))]
    longest = {i: max(a, b) for i, (a, b, _, _) in zip(ids, drawn, strict=True)}
    short = {i: min(a, b) for i, (a, b, _, _) in zip(ids, drawn, strict=True)}
    grow_l = {i: _grown(longest[i], g) for i, (_, _, g, _) in zip(ids, drawn, strict=True)}
    grow_s = {i: _grown(short[i], h) for i, (_, _, _, h) in zip(ids, drawn, strict=True)}
    for i, (_, _, g, h) in zip(ids, drawn, strict=True):
        if g * h < 12500:  # keep only growth of the product by 25 % or more
            grow_s[i] = _grown(short[i], -(-12500 // g))
    day = dt.date(2023, 1, 1) + dt.timedelta(days=60)
    case = build([lesion(i) for i in ids], [
        visit("2023-01-01", longest, baseline=True, perpendicular=short),
        visit(day.isoformat(), grow_l, perpendicular=grow_s,
              new=[{"organ": "bone"}] if new else []),
    ])
    [tp] = assess_timepoints(case, Options(pd_scope=scope, pd_reference=reference))
    assert tp.overall is PD
