"""iRECIST, rule by rule, with expected values worked by hand in each case.

Seymour L et al., Lancet Oncol 2017;18:e143-e152 (PMC5648544): Table 2 (timepoint response),
Table 3 (best overall response); EORTC iRECIST FAQ (recist.eortc.org/irecist); admiralonco
vignette irecist.Rmd (iBOR order, iCPD dated to the first iUPD of its block).

Unless stated otherwise: targets T1 (liver) 30 mm and T2 (lung) 20 mm at baseline, sum 50 mm
(PR at <= 35 mm, PD at >= 60 mm over a 50 mm nadir); non-target N1 (bone) present.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncotrack.criteria import irecist, recist11
from oncotrack.criteria.irecist import (
    NLNT,
    NLT,
    Options,
    assess_timepoints,
    assign_new_lesion_roles,
    best_overall_response,
    missing_data,
    observations,
    window_verdict,
)
from oncotrack.endpoints.bor import BorOptions
from oncotrack.endpoints.survival import CourseFacts, SurvivalOptions, progression_free_survival
from oncotrack.model.case import Case, NewLesion
from oncotrack.model.vocabulary import Response
from tests.casebuilder import build, lesion, visit

ICR, IPR, ISD = Response.ICR, Response.IPR, Response.ISD
IUPD, ICPD, NE = Response.IUPD, Response.ICPD, Response.NE
NON = Response.NON_ICR_NON_IUPD

LESIONS = [lesion("T1"), lesion("T2", "lung"), lesion("N1", "bone", "non-target")]
BASE = visit("2023-01-01", {"T1": 30, "T2": 20}, {"N1": "present"}, baseline=True)
REF = dt.date(2023, 1, 1)


def nl(lesion_id: str, size: float | None = None, organ: str = "liver", **extra: Any
       ) -> dict[str, Any]:
    data: dict[str, Any] = {"id": lesion_id, "organ": organ, **extra}
    if size is not None:
        data["size_mm"] = size
    return data


def fu(date: str, t1: float | str = 30, t2: float | str = 20, n1: str = "present",
       new: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return visit(date, {"T1": t1, "T2": t2}, {"N1": n1}, new=new)


def case(*follow_ups: dict[str, Any], lesions: list[dict[str, Any]] | None = None,
         baseline: dict[str, Any] | None = None) -> Case:
    return build(lesions or LESIONS, [baseline or BASE, *follow_ups])


def codes(c: Case, options: Options | None = None) -> list[Response]:
    return [tp.overall for tp in assess_timepoints(c, options)]


# --- Seymour Table 2, column "no previous iUPD" ---------------------------------------------------


def test_row_icr_icr_no_new_is_icr() -> None:
    # T 0 + 0 = 0 mm -> target CR; N1 absent -> non-target CR; no new lesion -> iCR
    assert codes(case(fu("2023-03-01", "absent", "absent", "absent"))) == [ICR]


def test_row_icr_non_icr_is_ipr() -> None:
    # target CR, N1 present (non-iCR/non-iUPD) -> iPR
    assert codes(case(fu("2023-03-01", "absent", "absent"))) == [IPR]


def test_row_ipr_non_icr_is_ipr() -> None:
    # 20 + 14 = 34 mm <= 35 mm (70 % of 50) -> target PR -> iPR
    assert codes(case(fu("2023-03-01", 20, 14))) == [IPR]


def test_row_isd_non_icr_is_isd() -> None:
    # 28 + 20 = 48 mm: neither <= 35 nor >= 60 -> iSD
    assert codes(case(fu("2023-03-01", 28, 20))) == [ISD]


def test_row_target_upd_is_iupd() -> None:
    # 40 + 20 = 60 mm: +10 mm and +20.0 % over 50 -> target PD -> iUPD
    assert codes(case(fu("2023-03-01", 40, 20))) == [IUPD]


def test_row_non_target_upd_is_iupd() -> None:
    # targets SD (50 mm), N1 unequivocal progression -> iUPD
    assert codes(case(fu("2023-03-01", n1="progression"))) == [IUPD]


def test_row_target_and_non_target_upd_with_new_lesion_is_iupd() -> None:
    assert codes(case(fu("2023-03-01", 40, 20, "progression", [nl("A", 12)]))) == [IUPD]


def test_row_new_lesion_first_appearance_is_iupd() -> None:
    # targets SD, N1 present, new lesion A -> iUPD (RECIST 1.1 §4.3.4 PD)
    assert codes(case(fu("2023-03-01", new=[nl("A", 12)]))) == [IUPD]


def test_non_target_only_disease_gives_non_icr_non_iupd() -> None:
    c = build([lesion("N1", "bone", "non-target")],
              [visit("2023-01-01", non_target={"N1": "present"}, baseline=True),
               visit("2023-03-01", non_target={"N1": "present"})])
    assert codes(c) == [NON]


# --- Seymour Table 2, column "previous iUPD" ------------------------------------------------------


def test_row_prior_iupd_new_lesions_unchanged_remain_iupd_then_growth_confirms() -> None:
    # A 12 mm (NLT) -> iUPD; A 12 mm 35 days later, targets unchanged -> iUPD (no change);
    # A 17 mm: 17 - 12 = 5 mm >= 5 -> iCPD
    c = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-05", new=[nl("A", 12)]),
             fu("2023-05-03", new=[nl("A", 17)]))
    assert codes(c) == [IUPD, IUPD, ICPD]


def test_row_prior_iupd_new_lesion_count_increase_confirms() -> None:
    c = case(fu("2023-03-01", new=[nl("A", 12)]),
             fu("2023-04-05", new=[nl("A", 12), nl("B", 6, "lung")]))
    assert codes(c) == [IUPD, ICPD]


def test_row_prior_iupd_nlnt_growth_confirms() -> None:
    # A 6 mm (< 10 mm: NLNT); any growth of an NLNT confirms (need not be unequivocal)
    c = case(fu("2023-03-01", new=[nl("A", 6)]),
             fu("2023-04-05", new=[nl("A", 8, progression=True)]))
    assert codes(c) == [IUPD, ICPD]


def test_row_prior_non_target_iupd_remains_unless_it_grows_further() -> None:
    # N1 progression -> iUPD; N1 present (no change since) with targets SD -> iUPD remains;
    # N1 "progression" again = further increase -> iCPD
    c = case(fu("2023-03-01", n1="progression"), fu("2023-04-05"),
             fu("2023-05-10", n1="progression"))
    assert codes(c) == [IUPD, IUPD, ICPD]


def test_row_prior_target_iupd_remains_unless_sum_rises_5_mm() -> None:
    # 60 mm iUPD; 64 mm: +4 < 5 -> iUPD; 65 mm: +5 since the iUPD -> iCPD
    c = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 44, 20), fu("2023-05-10", 45, 20))
    assert codes(c) == [IUPD, IUPD, ICPD]


def test_row_prior_target_iupd_new_category_confirms() -> None:
    # target iUPD, then N1 unequivocal progression (a category not progressed) -> iCPD
    c = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 40, 20, "progression"))
    assert codes(c) == [IUPD, ICPD]


def test_row_prior_iupd_target_and_non_target_with_new_lesions() -> None:
    # T PD + N1 PD + A 12 mm -> iUPD; same sizes, A same, N1 present -> iUPD;
    # then A 17 mm -> iCPD (new lesions grew)
    c = case(fu("2023-03-01", 40, 20, "progression", [nl("A", 12)]),
             fu("2023-04-05", 40, 20, new=[nl("A", 12)]),
             fu("2023-05-10", 40, 20, new=[nl("A", 17)]))
    assert codes(c) == [IUPD, IUPD, ICPD]


# --- Seymour 2017 worked examples (Table 3) and FAQ scenarios -------------------------------------


def test_iupd_then_icpd_progression_dated_to_first_iupd() -> None:
    c = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 46, 20))
    tps = assess_timepoints(c)
    # 66 - 60 = 6 mm >= 5, 35 days after the iUPD -> iCPD dated 2023-03-01
    assert [tp.overall for tp in tps] == [IUPD, ICPD]
    assert tps[1].progression_date == dt.date(2023, 3, 1)
    un, conf = best_overall_response(tps, REF, BorOptions())
    assert (un.response, un.date) == (ICPD, dt.date(2023, 3, 1))  # Table 3 example 6
    assert conf.response is ICPD


def test_iupd_then_isd_resets_and_a_new_iupd_must_qualify_again() -> None:
    # 60 mm iUPD (nadir 50); 52 mm: 52 < 60 -> not PD, SD -> iSD, reset;
    # 58 mm: vs nadir 50, +8 mm but +16 % < 20 % -> iSD; 62 mm: +12 mm, +24 % -> new iUPD;
    # 67 mm: +5 since the new iUPD -> iCPD dated to the second iUPD (admiralonco)
    c = case(fu("2023-03-01", 40, 20), fu("2023-04-12", 32, 20), fu("2023-05-24", 38, 20),
             fu("2023-07-05", 42, 20), fu("2023-08-09", 47, 20))
    tps = assess_timepoints(c)
    assert [tp.overall for tp in tps] == [IUPD, ISD, ISD, IUPD, ICPD]
    assert tps[-1].progression_date == dt.date(2023, 7, 5)
    un, _ = best_overall_response(tps, REF, BorOptions())
    assert un.response is ISD  # Table 3 example 5: iUPD, iSD, ... -> iSD


def test_iupd_then_only_ne_is_iupd() -> None:
    # Table 3 example 8: iUPD, NE, NE -> iBOR iUPD
    c = case(fu("2023-03-01", 40, 20),
             fu("2023-04-05", "not-evaluated", "not-evaluated", "not-evaluated"),
             fu("2023-05-10", "not-evaluated", "not-evaluated", "not-evaluated"))
    tps = assess_timepoints(c)
    # 60 mm iUPD; then T1, T2 not evaluated: measured sum 0 mm, not a further rise -> target NE
    # after a target iUPD: cannot show resolution -> iUPD remains (not NE)
    assert [tp.overall for tp in tps] == [IUPD, IUPD, IUPD]
    un, conf = best_overall_response(tps, REF, BorOptions())
    assert (un.response, un.date) == (IUPD, dt.date(2023, 3, 1))
    assert conf.response is IUPD


def test_iupd_then_ipr_gives_ipr() -> None:
    # Table 3 example 3 and FAQ scenario B: new lesion A -> iUPD (targets SD 50 mm);
    # then 20 + 14 = 34 mm <= 35 mm (PR): the targets improved, A persists unchanged -> iPR
    c = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-12", 20, 14, new=[nl("A", 12)]))
    tps = assess_timepoints(c)
    assert [tp.overall for tp in tps] == [IUPD, IPR]
    un, _ = best_overall_response(tps, REF, BorOptions())
    assert un.response is IPR


def test_faq_scenario_f_pr_then_new_lesion_then_no_change_stays_iupd() -> None:
    c = case(fu("2023-03-01", 20, 14), fu("2023-04-12", 20, 14, new=[nl("A", 12)]),
             fu("2023-05-24", 20, 14, new=[nl("A", 12)]))
    assert codes(c) == [IPR, IUPD, IUPD]


def test_persisting_new_lesions_after_reset_do_not_trigger_a_new_iupd() -> None:
    # A appears (iUPD), targets shrink to PR with A unchanged -> iPR (reset);
    # A unchanged again -> iPR, not a new iUPD (FAQ "How do new lesions define progression?")
    c = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-12", 20, 14, new=[nl("A", 12)]),
             fu("2023-05-24", 20, 14, new=[nl("A", 12)]))
    assert codes(c) == [IUPD, IPR, IPR]


def test_after_reset_nlt_meeting_pd_over_its_nadir_is_a_new_iupd() -> None:
    # NLT nadir 10 mm; 14 mm: +4 mm (< 5) -> iPR; 15 mm: +5 mm and +50 % -> iUPD
    c = case(fu("2023-03-01", new=[nl("A", 10)]), fu("2023-04-12", 20, 14, new=[nl("A", 10)]),
             fu("2023-05-24", 20, 14, new=[nl("A", 14)]),
             fu("2023-07-05", 20, 14, new=[nl("A", 15)]))
    assert codes(c) == [IUPD, IPR, IPR, IUPD]


def test_icr_then_iupd_then_icpd_gives_icr() -> None:
    # Table 3 example 1: iCR, iCR, iUPD, iCPD -> iCR
    c = case(fu("2023-03-01", "absent", "absent", "absent"),
             fu("2023-04-12", "absent", "absent", "absent"),
             fu("2023-05-24", "absent", "absent", "absent", [nl("A", 12)]),
             fu("2023-07-05", "absent", "absent", "absent", [nl("A", 12), nl("B", 12, "lung")]))
    tps = assess_timepoints(c)
    assert [tp.overall for tp in tps] == [ICR, ICR, IUPD, ICPD]
    un, conf = best_overall_response(tps, REF, BorOptions())
    assert un.response is ICR
    assert (conf.response, conf.confirmed_by) == (ICR, dt.date(2023, 4, 12))


def test_iupd_iupd_icpd_gives_icpd_dated_to_first_iupd() -> None:
    # Table 3 example 7
    c = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-05", new=[nl("A", 12)]),
             fu("2023-05-10", new=[nl("A", 12), nl("B", 12, "lung")]))
    tps = assess_timepoints(c)
    assert [tp.overall for tp in tps] == [IUPD, IUPD, ICPD]
    un, _ = best_overall_response(tps, REF, BorOptions())
    assert (un.response, un.date) == (ICPD, dt.date(2023, 3, 1))


def test_new_lesion_sum_is_kept_apart_from_the_target_sum() -> None:
    tps = assess_timepoints(case(fu("2023-03-01", new=[nl("A", 12), nl("B", 11, "lung")])))
    assert tps[0].sum_mm == 50.0          # 30 + 20, new lesions not added
    assert tps[0].new_lesion_sum_mm == 23.0  # 12 + 11


# --- NLT and NLNT -------------------------------------------------------------------------------


def _roles(*lesions: NewLesion) -> dict[str, str]:
    return assign_new_lesion_roles(list(lesions), {})


def test_measurability_of_new_lesions() -> None:
    roles = _roles(
        NewLesion(id="a", organ="liver", size_mm=10),   # >= 10 mm -> NLT
        NewLesion(id="b", organ="lung", size_mm=9.9),   # < 10 mm -> NLNT
        NewLesion(id="c", organ="node", lymph_node=True, size_mm=15),   # SA >= 15 -> NLT
        NewLesion(id="d", organ="node2", lymph_node=True, size_mm=14.9),  # < 15 -> NLNT
        NewLesion(id="e", organ="bone"),                 # no size -> NLNT
    )
    assert roles == {"a": NLT, "b": NLNT, "c": NLT, "d": NLNT, "e": NLNT}


def test_at_most_two_nlt_per_organ_largest_first_and_nodes_are_one_organ() -> None:
    roles = _roles(
        NewLesion(id="a", organ="liver", size_mm=12),
        NewLesion(id="b", organ="Liver", size_mm=20),
        NewLesion(id="c", organ="liver", size_mm=15),
        NewLesion(id="n1", organ="neck", lymph_node=True, size_mm=16),
        NewLesion(id="n2", organ="axilla", lymph_node=True, size_mm=17),
        NewLesion(id="n3", organ="groin", lymph_node=True, size_mm=18),
    )
    # liver: b 20 and c 15 are NLT, a 12 the third -> NLNT; nodes: n3 18, n2 17 -> NLT, n1 NLNT
    assert roles == {"b": NLT, "c": NLT, "a": NLNT, "n3": NLT, "n2": NLT, "n1": NLNT}


def test_at_most_five_nlt_in_total_counting_earlier_ones() -> None:
    earlier = {"x1": (NLT, "liver"), "x2": (NLT, "lung"), "x3": (NLT, "bone"),
               "x4": (NLT, "kidney")}
    roles = assign_new_lesion_roles(
        [NewLesion(id="a", organ="brain", size_mm=30),
         NewLesion(id="b", organ="skin", size_mm=20)], earlier)
    assert roles == {"a": NLT, "b": NLNT}  # 4 earlier + a = 5; b is the sixth


# --- thresholds and cumulative increases ----------------------------------------------------------


def test_target_rise_of_4_9_mm_does_not_confirm_5_0_does() -> None:
    below = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 44.9, 20))  # +4.9 -> iUPD
    at = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 45.0, 20))     # +5.0 -> iCPD
    assert codes(below) == [IUPD, IUPD]
    assert codes(at) == [IUPD, ICPD]


def test_nlt_rise_of_4_9_mm_does_not_confirm_5_0_does() -> None:
    below = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-05", new=[nl("A", 16.9)]))
    at = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-05", new=[nl("A", 17)]))
    assert codes(below) == [IUPD, IUPD]
    assert codes(at) == [IUPD, ICPD]


def test_increases_add_up_4_then_2_mm() -> None:
    # FAQ: +4 mm then +2 mm meets iCPD: 60 -> 64 (iUPD) -> 66 (+6 since the iUPD) -> iCPD
    c = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 44, 20), fu("2023-05-10", 46, 20))
    assert codes(c) == [IUPD, IUPD, ICPD]
    n = case(fu("2023-03-01", new=[nl("A", 12)]), fu("2023-04-05", new=[nl("A", 16)]),
             fu("2023-05-10", new=[nl("A", 18)]))
    assert codes(n) == [IUPD, IUPD, ICPD]


def test_rule_shows_the_arithmetic() -> None:
    tps = assess_timepoints(case(fu("2023-03-01", 40, 20), fu("2023-04-05", 45, 20)))
    assert "65.0 mm is 5.0 mm above 60.0 mm" in tps[1].rule


# --- confirmation window --------------------------------------------------------------------------


def _window_case(days: int, new_lesion: bool = False) -> Case:
    second = (dt.date(2023, 3, 1) + dt.timedelta(days=days)).isoformat()
    new = [nl("B", 12, "lung")] if new_lesion else None
    return case(fu("2023-03-01", 40, 20), fu(second, 46 if not new_lesion else 40, 20, new=new))


def test_window_27_days_cannot_confirm() -> None:
    tps = assess_timepoints(_window_case(27))
    assert [tp.overall for tp in tps] == [IUPD, IUPD]
    assert "too early" in tps[1].rule


def test_window_28_and_56_days_confirm() -> None:
    assert codes(_window_case(28)) == [IUPD, ICPD]
    assert codes(_window_case(56)) == [IUPD, ICPD]


def test_window_57_days_confirms_late_unless_enforced() -> None:
    tps = assess_timepoints(_window_case(57))
    assert tps[1].overall is ICPD
    assert "later than the recommended 56" in tps[1].rule
    assert codes(_window_case(57), Options(enforce_max_window=True)) == [IUPD, IUPD]


def test_window_tolerance_option() -> None:
    assert codes(_window_case(26), Options(window_tolerance_days=2)) == [IUPD, ICPD]


def test_early_scan_with_an_additional_new_lesion_confirms_per_faq() -> None:
    assert codes(_window_case(14, new_lesion=True)) == [IUPD, ICPD]
    off = Options(early_new_lesion_confirms=False)
    assert codes(_window_case(14, new_lesion=True), off) == [IUPD, IUPD]


def test_early_growth_then_in_window_scan_confirms() -> None:
    # 14 days: +6 mm but too early -> iUPD; 35 days: still +6 over the iUPD -> iCPD
    c = case(fu("2023-03-01", 40, 20), fu("2023-03-15", 46, 20), fu("2023-04-05", 46, 20))
    assert codes(c) == [IUPD, IUPD, ICPD]


def test_window_verdict_edges() -> None:
    opts = Options()
    assert window_verdict(27, False, opts)[0] is False
    assert window_verdict(28, False, opts)[0] is True
    assert window_verdict(56, False, opts)[0] is True
    assert window_verdict(57, False, opts)[0] is True
    assert window_verdict(57, False, Options(enforce_max_window=True))[0] is False


# --- best response confirmation, endpoints, data --------------------------------------------------


def test_confirmed_ipr_needs_a_second_response_28_days_later() -> None:
    c = case(fu("2023-03-01", 20, 14), fu("2023-03-20", 20, 14), fu("2023-04-12", 20, 14))
    tps = assess_timepoints(c)
    un, conf = best_overall_response(tps, REF, BorOptions())
    assert (un.response, un.date) == (IPR, dt.date(2023, 3, 1))
    # 2023-03-01 -> 2023-04-12 = 42 days >= 28 (03-20 is only 19 days later)
    assert (conf.response, conf.confirmed_by) == (IPR, dt.date(2023, 4, 12))


def test_unconfirmed_ipr_before_iupd_is_isd_when_confirmation_required() -> None:
    c = case(fu("2023-03-01", 20, 14), fu("2023-04-12", 40, 20))
    _, conf = best_overall_response(assess_timepoints(c), REF, BorOptions())
    assert conf.response is ISD  # iPR on day 59 (>= 42) unconfirmed -> iSD


def test_observations_icpd_is_progression_at_first_iupd_and_iupd_is_not() -> None:
    c = case(fu("2023-03-01", 40, 20), fu("2023-04-05", 46, 20))
    obs = observations(assess_timepoints(c))
    assert obs[0].response is IUPD
    assert obs[0].progression_date is None
    assert obs[1].response is Response.PD
    assert obs[1].progression_date == dt.date(2023, 3, 1)
    pfs = progression_free_survival(CourseFacts(REF, obs), SurvivalOptions())
    assert pfs.event
    assert pfs.date == dt.date(2023, 3, 1)
    unconfirmed = observations(assess_timepoints(case(fu("2023-03-01", 40, 20))))
    pfs = progression_free_survival(CourseFacts(REF, unconfirmed), SurvivalOptions())
    assert not pfs.event  # censored: an iUPD alone is not progression


def test_new_lesions_need_ids() -> None:
    c = case(fu("2023-03-01", new=[{"organ": "liver", "size_mm": 12}]))
    assert any("an id for the new lesion in liver" in m for m in missing_data(c))
    assert missing_data(case(fu("2023-03-01", new=[nl("A", 12)]))) == []


def test_module_contract() -> None:
    assert irecist.NAME == "iRECIST"
    assert irecist.KEY == "irecist"
    tps = assess_timepoints(case(fu("2023-03-01")))
    assert tps[0].criterion == "iRECIST"
    assert tps[0].sum_mm == 50.0


# --- properties -----------------------------------------------------------------------------------

ORGANS = ["liver", "lung", "bone", "lymph node"]
values = st.one_of(st.integers(min_value=0, max_value=90).map(float),
                   st.sampled_from(["too-small", "absent", "not-evaluated"]))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    ids = ["A", "B", "C"]
    assessments = [BASE]
    day = dt.date(2023, 1, 1)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        day += dt.timedelta(days=draw(st.integers(min_value=14, max_value=70)))
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))
        new = [nl(i, draw(st.integers(min_value=3, max_value=30)), draw(st.sampled_from(ORGANS)),
                  progression=draw(st.booleans())) for i in chosen]
        assessments.append(fu(day.isoformat(), draw(values), draw(values),
                              draw(st.sampled_from(["present", "absent", "progression"])), new))
    return build(LESIONS, assessments)


def _first(tps: list[Any], codes_: set[Response]) -> dt.date | None:
    return next((tp.progression_date or tp.date for tp in tps if tp.overall in codes_), None)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_icpd_only_after_an_iupd(c: Case) -> None:
    tps = assess_timepoints(c)
    for i, tp in enumerate(tps):
        if tp.overall is ICPD:
            assert any(earlier.overall is IUPD for earlier in tps[:i])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_no_iupd_without_recist_pd_in_a_category(c: Case) -> None:
    # The first iUPD of a case is RECIST 1.1 PD at that timepoint; and iRECIST's first
    # progression date is never earlier than RECIST 1.1's first PD.
    recist = recist11.assess_timepoints(c)
    irec = assess_timepoints(c)
    first_i = next((i for i, tp in enumerate(irec) if tp.overall is IUPD), None)
    if first_i is not None:
        assert recist[first_i].overall is Response.PD
        assert all(tp.overall is not Response.PD for tp in recist[:first_i])
    confirmed = _first(irec, {ICPD})
    pd = _first(recist, {Response.PD})
    if confirmed is not None:
        assert pd is not None
        assert confirmed >= pd
