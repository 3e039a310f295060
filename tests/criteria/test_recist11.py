"""RECIST 1.1, rule by rule, with expected values worked by hand in each row.

Eisenhauer EA et al., Eur J Cancer 2009;45:228-247: §4.3.1 (target), §4.3.3 (non-target),
§4.3.4 (new lesions), §4.4.1 Tables 1 and 2 (overall response), §4.4.2 (missing assessments).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from oncotrack.criteria.recist11 import (
    TABLE_1,
    TABLE_2,
    PrPersistence,
    RecistOptions,
    TargetInput,
    assess_timepoints,
    baseline_findings,
    meets_pd,
    meets_pr,
    non_target_response,
    overall_response,
    per_lesion_reading,
    target_response,
)
from oncotrack.model.vocabulary import NonTargetStatus, Response
from tests.casebuilder import build, lesion, visit

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD
D = Decimal

# --- Table 1: patients with target disease --------------------------------------------------------

TABLE_1_ROWS = [
    # target, non-target, new lesion -> overall   (row of Table 1)
    (CR, CR, False, CR),     # CR | CR | No -> CR
    (CR, None, False, CR),   # CR, no non-target disease at all -> CR
    (CR, NON, False, PR),    # CR | Non-CR/non-PD | No -> PR
    (CR, NE, False, PR),     # CR | Not evaluated | No -> PR
    (PR, NON, False, PR),    # PR | Non-PD or not all evaluated | No -> PR
    (PR, NE, False, PR),
    (PR, CR, False, PR),
    (PR, None, False, PR),
    (SD, NON, False, SD),    # SD | Non-PD or not all evaluated | No -> SD
    (SD, NE, False, SD),
    (SD, None, False, SD),
    (NE, NON, False, NE),    # Not all evaluated | Non-PD | No -> NE
    (NE, CR, False, NE),
    (NE, None, False, NE),
    (PD, CR, False, PD),     # PD | Any | Yes or No -> PD
    (PD, NE, True, PD),
    (CR, PD, False, PD),     # Any | PD | Yes or No -> PD
    (SD, PD, True, PD),
    (CR, CR, True, PD),      # Any | Any | Yes -> PD
    (NE, NE, True, PD),
]


@pytest.mark.parametrize(("target", "non_target", "new", "expected"), TABLE_1_ROWS)
def test_table_1(target: Response, non_target: Response | None, new: bool, expected: Response
                 ) -> None:
    overall, rule = overall_response(target, non_target, new)
    assert overall is expected
    assert rule.startswith("Table 1")


def test_every_table_1_row_is_exercised() -> None:
    fired = {overall_response(t, n, new)[1] for t, n, new, _ in TABLE_1_ROWS}
    assert fired == {row.label for row in TABLE_1}


TABLE_2_ROWS = [
    # non-target, new lesion -> overall   (row of Table 2)
    (CR, False, CR),      # CR | No -> CR
    (NON, False, NON),    # Non-CR/non-PD | No -> Non-CR/non-PD (not "SD")
    (NE, False, NE),      # Not all evaluated | No -> NE
    (PD, False, PD),      # Unequivocal PD | Yes or No -> PD
    (PD, True, PD),
    (CR, True, PD),       # Any | Yes -> PD
    (NON, True, PD),
]


@pytest.mark.parametrize(("non_target", "new", "expected"), TABLE_2_ROWS)
def test_table_2(non_target: Response, new: bool, expected: Response) -> None:
    overall, rule = overall_response(None, non_target, new)
    assert overall is expected
    assert rule.startswith("Table 2")


def test_every_table_2_row_is_exercised() -> None:
    fired = {overall_response(None, n, new)[1] for n, new, _ in TABLE_2_ROWS}
    assert fired == {row.label for row in TABLE_2}


# --- thresholds, exactly and on both sides ---------------------------------------------------


@pytest.mark.parametrize(("total", "baseline", "expected"), [
    ("70", "100", True),      # -30.0 % exactly: PR
    ("70.1", "100", False),   # -29.9 %: not PR
    ("69.9", "100", True),
    # 10.0 + 10.7 + 30.3 = 51.0 at baseline; 10.7 + 10.7 + 14.3 = 35.7 = 0.70 x 51.0 exactly.
    # In binary floating point 10.7 + 10.7 + 14.3 > 0.7 * 51.0, which would miss the PR.
    ("35.7", "51.0", True),
])
def test_pr_threshold(total: str, baseline: str, expected: bool) -> None:
    assert meets_pr(D(total), D(baseline)) is expected


@pytest.mark.parametrize(("total", "nadir", "expected"), [
    ("30", "25", True),      # +20 % and +5 mm exactly: PD
    ("29.9", "25", False),   # +19.6 %
    ("12", "10", False),     # +20 % but only +2 mm: the 5 mm rule
    ("15", "10", True),      # +50 % and +5 mm
    ("14.9", "10", False),   # +49 % but +4.9 mm
    ("55", "50", False),     # +5 mm but only +10 %
    ("60", "50", True),
    # 5.0 + 23.0 = 28.0 at the nadir; 9.2 + 24.4 = 33.6 = 1.2 x 28.0 exactly (+5.6 mm): PD.
    # In floating point 9.2 + 24.4 < 1.2 * 28.0, which would miss the PD.
    ("33.6", "28.0", True),
    ("5", "0", True),        # from a 0 mm nadir any lesion of >= 5 mm is PD
    ("4", "0", False),
])
def test_pd_threshold(total: str, nadir: str, expected: bool) -> None:
    assert meets_pd(D(total), D(nadir)) is expected


# --- target response ----------------------------------------------------------------------------


def _target(values: dict[str, str | None], baseline: str, nadir: str, nodes: set[str] = frozenset(),
            after_cr: bool = False, pr_before: bool = False,
            persistence: PrPersistence = PrPersistence.WORKING_GROUP) -> Response:
    data = TargetInput(
        values={k: None if v is None else D(v) for k, v in values.items()},
        lymph_nodes=frozenset(nodes), baseline_sum=D(baseline), nadir_sum=D(nadir),
        after_overall_cr=after_cr, pr_reached_before=pr_before,
    )
    return target_response(data, RecistOptions(persistence)).response


@pytest.mark.parametrize(("values", "baseline", "nadir", "nodes", "expected"), [
    # non-nodal 0 mm and node 9.9 mm (< 10): CR although the sum is 9.9 mm (§4.3.1)
    ({"T1": "0", "N1": "9.9"}, "60", "60", {"N1"}, CR),
    # node at 10 mm is not normal: not CR; 10 of 60 is -83 %: PR
    ({"T1": "0", "N1": "10"}, "60", "60", {"N1"}, PR),
    # a non-nodal lesion too small to measure counts 5 mm and prevents CR
    ({"T1": "5", "N1": "5"}, "60", "60", {"N1"}, PR),
    # the nadir, not the baseline, is the reference for PD: 100 -> nadir 60 -> 72 (+20 %, +12 mm)
    ({"T1": "72"}, "100", "60", set(), PD),
    # -30 % from baseline is PR even when the sum rose slightly from the nadir
    ({"T1": "65"}, "100", "63", set(), PR),
    # neither: SD
    ({"T1": "90"}, "100", "90", set(), SD),
])
def test_target_categories(values: dict[str, str], baseline: str, nadir: str, nodes: set[str],
                           expected: Response) -> None:
    assert _target(values, baseline, nadir, nodes) is expected


def test_missing_lesion_gives_ne() -> None:
    # baseline 50 mm from 3 lesions; 2 measured at 30 mm: the missing one could change anything
    assert _target({"A": "20", "B": "10", "C": None}, "50", "50") is NE


def test_missing_lesion_still_pd_when_pd_is_met_anyway() -> None:
    # RECIST 1.1 §4.4.2: baseline 50 mm (3 lesions), follow-up 2 lesions alone sum to 80 mm:
    # 80 >= 1.2 x 50 = 60 and 80 - 50 = 30 >= 5, whatever the third lesion measures -> PD
    assert _target({"A": "50", "B": "30", "C": None}, "50", "50") is PD


def test_reappearance_after_overall_cr_is_pd() -> None:
    # after a true CR any reappearing lesion is PD, even 3 mm (below the +5 mm rule)
    assert _target({"T1": "3"}, "40", "0", after_cr=True) is PD
    # a node back to 9 mm is still normal: not a reappearance
    assert _target({"N1": "9"}, "20", "8", {"N1"}, after_cr=True) is CR


def test_pr_persistence_option() -> None:
    # 100 -> 70 (PR) -> 80: -20 % from baseline, +14.3 % from the nadir 70: not PD
    assert _target({"T1": "80"}, "100", "70", pr_before=True) is PR   # Working Group default
    assert _target({"T1": "80"}, "100", "70", pr_before=True,
                   persistence=PrPersistence.PAPER) is SD
    assert _target({"T1": "80"}, "100", "70", pr_before=False) is SD


# --- non-target ---------------------------------------------------------------------------------

P, A, G, X = (NonTargetStatus.PRESENT, NonTargetStatus.ABSENT, NonTargetStatus.PROGRESSION,
              NonTargetStatus.NOT_EVALUATED)


@pytest.mark.parametrize(("statuses", "markers", "expected"), [
    ({"N1": A, "N2": A}, None, CR),
    ({"N1": A, "N2": A}, True, CR),
    ({"N1": A, "N2": A}, False, NON),     # lesions gone, markers above normal: not CR
    ({"N1": A, "N2": P}, None, NON),
    ({"N1": P, "N2": G}, None, PD),
    ({"N1": X, "N2": G}, None, PD),       # progression wins over a missing lesion
    ({"N1": X, "N2": A}, None, NE),
    ({}, None, None),                     # no non-target disease
])
def test_non_target(statuses: dict[str, NonTargetStatus], markers: bool | None,
                    expected: Response | None) -> None:
    assert non_target_response(statuses, markers)[0] is expected


# --- per-lesion readings ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "baseline", "nadir", "node", "expected"), [
    ("74", "60", "60", False, PD),   # +23.3 % and +14 mm over its own nadir
    ("36", "60", "60", False, PR),   # -40 %
    ("38", "40", "40", False, SD),
    ("0", "40", "30", False, CR),
    ("9", "18", "18", True, CR),
    (None, "40", "40", False, NE),
])
def test_per_lesion_reading(value: str | None, baseline: str, nadir: str, node: bool,
                            expected: Response) -> None:
    got = per_lesion_reading(None if value is None else D(value), D(baseline), D(nadir), node)
    assert got is expected


# --- whole series -------------------------------------------------------------------------------


def test_series_with_nodes_too_small_and_non_target() -> None:
    case = build(
        [lesion("T1"), lesion("N1", "lymph node", node=True), lesion("NT1", "lung", "non-target")],
        [
            visit("2024-01-01", {"T1": 42, "N1": 18}, {"NT1": "present"}, baseline=True),
            # 30 + 5 (node too small) = 35: -41.7 % -> target PR; NT present -> PR
            visit("2024-02-15", {"T1": 30, "N1": "too-small"}, {"NT1": "present"}),
            # 0 + 5: T1 gone, node too small (< 10): target CR; NT absent -> CR
            visit("2024-04-01", {"T1": "absent", "N1": "too-small"}, {"NT1": "absent"}),
            # T1 reappears at 3 mm after an overall CR -> PD although +3 mm < 5 mm
            visit("2024-06-01", {"T1": 3, "N1": "too-small"}, {"NT1": "absent"}),
        ],
    )
    tps = assess_timepoints(case)
    assert [tp.overall for tp in tps] == [PR, CR, PD]
    assert tps[0].sum_mm == 35.0
    assert tps[0].change_from_baseline_pct == -41.7
    assert tps[1].sum_mm == 5.0          # a CR with a sum above 0 (node short axis kept)
    assert tps[1].nadir_mm == 35.0
    assert tps[2].nadir_mm == 5.0
    assert tps[2].nadir_date == dt.date(2024, 4, 1)
    assert "reappeared after an overall CR" in tps[2].target_rule


def test_nadir_ignores_incomplete_sums() -> None:
    case = build(
        [lesion("A"), lesion("B"), lesion("C", "lung")],
        [
            visit("2024-01-01", {"A": 20, "B": 20, "C": 10}, baseline=True),   # 50
            visit("2024-03-01", {"A": 10, "B": 10, "C": "not-evaluated"}),     # 20 + ? -> NE
            visit("2024-05-01", {"A": 15, "B": 15, "C": 10}),                  # 40: -20 % SD
        ],
    )
    tps = assess_timepoints(case)
    assert [tp.target for tp in tps] == [NE, SD]
    assert tps[0].missing_lesions == ["C"]
    assert tps[0].change_from_baseline_pct is None
    assert tps[1].nadir_mm == 50.0       # the 20 mm partial sum is not a nadir


def test_lesion_missing_from_follow_up_counts_as_not_evaluated() -> None:
    case = build([lesion("A"), lesion("B", "lung")],
                 [visit("2024-01-01", {"A": 20, "B": 20}, baseline=True),
                  visit("2024-03-01", {"A": 20})])
    (tp,) = assess_timepoints(case)
    assert tp.overall is NE
    assert tp.missing_lesions == ["B"]


def test_equivocal_new_lesion_confirmed_later_dates_pd_back() -> None:
    case = build(
        [lesion("T1")],
        [
            visit("2024-01-01", {"T1": 40}, baseline=True),
            visit("2024-03-01", {"T1": 38}, new=[{"id": "X", "organ": "bone",
                                                  "unequivocal": False}]),
            visit("2024-05-01", {"T1": 38}, new=[{"id": "X", "organ": "bone"}]),
        ],
    )
    first, second = assess_timepoints(case)
    assert first.overall is SD
    assert first.equivocal_new_lesions == ["bone (id X)"]
    assert second.overall is PD
    assert second.progression_date == dt.date(2024, 3, 1)


def test_non_target_only_disease_uses_table_2() -> None:
    case = build([lesion("NT1", "peritoneum", "non-target")],
                 [visit("2024-01-01", non_target={"NT1": "present"}, baseline=True),
                  visit("2024-03-01", non_target={"NT1": "present"})])
    (tp,) = assess_timepoints(case)
    assert tp.overall is NON
    assert tp.target is None
    assert tp.sum_mm is None


def test_recorded_response_disagreement_is_explained() -> None:
    case = build([lesion("T1")],
                 [visit("2024-01-01", {"T1": 40}, baseline=True),
                  visit("2024-03-01", {"T1": 30}, recorded_response="PR")])
    (tp,) = assess_timepoints(case)
    # 30 / 40 = -25 %: SD, not the recorded PR
    assert tp.agrees is False
    assert tp.disagreement is not None
    assert "recorded PR but RECIST 1.1 gives SD" in tp.disagreement


# --- baseline checks ----------------------------------------------------------------------------


def _codes(case_lesions: list[dict[str, object]], values: dict[str, object], **extra: object
           ) -> list[tuple[str, str | None]]:
    case = build(case_lesions, [visit("2024-01-01", values, baseline=True, **extra)])
    return [(f.code, f.lesion) for f in baseline_findings(case)]


def test_baseline_limits() -> None:
    six = [lesion(f"T{i}", organ) for i, organ in
           enumerate(["liver", "liver", "lung", "lung", "bone", "kidney"])]
    assert ("too-many-targets", None) in _codes(six, {f"T{i}": 20 for i in range(6)})
    three_liver = [lesion("A"), lesion("B"), lesion("C")]
    assert _codes(three_liver, {"A": 20, "B": 20, "C": 20}) == [
        ("too-many-targets-in-organ", "C")]
    # all lymph nodes count as one organ, whatever their site
    nodes = [lesion("N1", "para-aortic lymph node", node=True),
             lesion("N2", "iliac lymph node", node=True), lesion("N3", "hilar", node=True)]
    assert _codes(nodes, {"N1": 20, "N2": 20, "N3": 20}) == [("too-many-targets-in-organ", "N3")]
    two = [lesion("A"), lesion("B")]
    assert _codes(two, {"A": 20, "B": 20}) == []


@pytest.mark.parametrize(("node", "value", "thickness", "expected"), [
    (False, 10, None, []),                                # 10 mm: measurable
    (False, 9.9, None, [("not-measurable", "T")]),        # below 10 mm
    (False, 15, 8, [("not-measurable", "T")]),            # slices 8 mm: needs >= 16 mm
    (False, 16, 8, []),
    (False, "too-small", None, [("not-measurable", "T")]),
    (True, 15, None, []),                                 # node short axis 15 mm: target
    (True, 14.9, None, [("node-too-small", "T")]),
])
def test_measurability(node: bool, value: object, thickness: float | None,
                       expected: list[tuple[str, str]]) -> None:
    extra = {"slice_thickness_mm": thickness} if thickness else {}
    assert _codes([lesion("T", node=node)], {"T": value}, **extra) == expected


def test_previously_treated_and_late_baseline() -> None:
    treated = [{**lesion("T"), "previously_treated": True}]
    assert _codes(treated, {"T": 30}) == [("previously-treated-target", "T")]
    case = build([lesion("T")], [visit("2024-01-01", {"T": 30}, baseline=True)])
    assert baseline_findings(case, dt.date(2024, 1, 29)) == []          # 28 days: fine
    late = baseline_findings(case, dt.date(2024, 1, 30))                # 29 days
    assert [f.code for f in late] == ["baseline-too-early"]
