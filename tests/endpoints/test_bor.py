"""Table-driven tests for oncotrack.endpoints.bor, with every expected value worked by hand.

Reference date REF = 2024-01-01 (2024 is a leap year: February has 29 days). Day offsets used
below, counted by hand from REF (Jan has 31 days, Feb 29, Mar 31, Apr 30):

    d14  = 2024-01-15   (Jan 1 + 14)
    d27  = 2024-01-28   (Jan 1 + 27)
    d28  = 2024-01-29   (Jan 1 + 28)
    d41  = 2024-02-11   (Jan 1 + 30 = Jan 31, + 11 = Feb 11)
    d42  = 2024-02-12   (Jan 31 + 12)
    d56  = 2024-02-26   (Jan 31 + 26)
    d70  = 2024-03-11   (Feb 26 + 3 = Feb 29, + 11 = Mar 11; 56 + 14 = 70)
    d83  = 2024-03-24   (Feb 26 + 27: Feb 29 is +3, Mar 24 is +3+24)
    d84  = 2024-03-25   (Feb 26 + 28)
    d98  = 2024-04-08   (Mar 25 + 14: Mar 31 is +6, Apr 8 is +6+8)
    d112 = 2024-04-22   (Mar 25 + 28: Mar 31 is +6, Apr 22 is +6+22)
    d140 = 2024-05-20   (Apr 22 + 28: Apr 30 is +8, May 20 is +8+20)
    d168 = 2024-06-17   (May 20 + 28: May 31 is +11, Jun 17 is +11+17)

Defaults under test: sd_window_days=42, confirm_days=28, max_ne=1, accept_sd=False.
"SD minimum duration met" variant: first timepoint d56 (56 >= 42), second d112 (gap 56 >= 28).
"not met" variant: first timepoint d14 (14 < 42), second d41 (41 < 42).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncotrack.endpoints.bor import (
    RANK,
    BorOptions,
    ResponseAt,
    best_overall_response,
    confirmed_best_overall_response,
    on_study,
)
from oncotrack.model.vocabulary import Response

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD

REF = dt.date(2024, 1, 1)
DEFAULT = BorOptions()


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def series(*pairs: tuple[str, Response]) -> list[ResponseAt]:
    return [ResponseAt(D(day), response) for day, response in pairs]


# ---------------------------------------------------------------------------------------------
# RECIST 1.1 Table 3 (confirmation required), every row, both SD-duration variants where the
# row depends on it. Columns: id, timepoints, expected confirmed BOR, reported date,
# confirmed_by.
# ---------------------------------------------------------------------------------------------
TABLE3 = [
    # CR d56 -> CR d112: gap 112-56 = 56 >= 28, nothing between -> confirmed CR, dated to the
    # first CR (2024-02-26), confirmed by 2024-04-22.
    ("CR-CR", series(("2024-02-26", CR), ("2024-04-22", CR)),
     CR, D("2024-02-26"), D("2024-04-22")),
    # CR d14 -> CR d42: gap 42-14 = 28 >= 28 -> confirmed CR; the SD window plays no part.
    ("CR-CR early", series(("2024-01-15", CR), ("2024-02-12", CR)),
     CR, D("2024-01-15"), D("2024-02-12")),
    # CR d56 -> SD d112: SD breaks the CR window, no PR to confirm; CR on d56, 56 >= 42 counts as
    # SD, dated 2024-02-26 (the first CR/PR/SD at or after the window).
    ("CR-SD met", series(("2024-02-26", CR), ("2024-04-22", SD)),
     SD, D("2024-02-26"), None),
    # CR d14 -> SD d41: 14 < 42 and 41 < 42, no SD; Table 3: "otherwise, PD" (disease seen
    # after a CR is progression, footnote a). Date not asserted (Table 3 does not say).
    ("CR-SD not met", series(("2024-01-15", CR), ("2024-02-11", SD)),
     PD, None, None),
    # CR d56 -> PR d112: PR is not allowed in a CR window and nothing later confirms the PR;
    # CR on d56 (>= 42) is SD. Table 3 (a): SD (true CR, duration met) or PR (CR revised).
    ("CR-PR met", series(("2024-02-26", CR), ("2024-04-22", PR)),
     {SD, PR}, None, None),
    # CR d14 -> PR d41: both < 42 so no SD. Table 3 footnote (a): PD if the CR was true
    # (disease reappeared; SD duration not met), PR if the CR is revised to PR. Never NE.
    ("CR-PR not met", series(("2024-01-15", CR), ("2024-02-11", PR)),
     {PD, PR}, None, None),
    # CR d56 -> PD d112: no confirmation; CR on d56 >= 42 -> SD dated 2024-02-26.
    ("CR-PD met", series(("2024-02-26", CR), ("2024-04-22", PD)),
     SD, D("2024-02-26"), None),
    # CR d14 -> PD d41: 14 < 42 -> no SD; a PD exists -> PD dated to the PD, 2024-02-11.
    ("CR-PD not met", series(("2024-01-15", CR), ("2024-02-11", PD)),
     PD, D("2024-02-11"), None),
    # CR d56 -> NE d112: no second CR; CR on d56 >= 42 -> SD dated 2024-02-26.
    ("CR-NE met", series(("2024-02-26", CR), ("2024-04-22", NE)),
     SD, D("2024-02-26"), None),
    # CR d14 -> NE d41: 14 < 42, no PD -> NE, dated to the first counted timepoint 2024-01-15
    # (admiralonco: the earliest ADT among the NE records, the early CR recoded to NE).
    ("CR-NE not met", series(("2024-01-15", CR), ("2024-02-11", NE)),
     NE, D("2024-01-15"), None),
    # PR d56 -> CR d112: CR confirms a PR, gap 56 >= 28 -> PR dated 2024-02-26.
    ("PR-CR", series(("2024-02-26", PR), ("2024-04-22", CR)),
     PR, D("2024-02-26"), D("2024-04-22")),
    # PR d56 -> PR d112: gap 56 >= 28 -> PR dated 2024-02-26, confirmed by 2024-04-22.
    ("PR-PR", series(("2024-02-26", PR), ("2024-04-22", PR)),
     PR, D("2024-02-26"), D("2024-04-22")),
    # PR d56 -> SD d112: SD does not confirm; PR d56 >= 42 -> SD dated 2024-02-26.
    ("PR-SD", series(("2024-02-26", PR), ("2024-04-22", SD)),
     SD, D("2024-02-26"), None),
    # PR d56 -> PD d112: no confirmation; PR d56 >= 42 -> SD dated 2024-02-26.
    ("PR-PD met", series(("2024-02-26", PR), ("2024-04-22", PD)),
     SD, D("2024-02-26"), None),
    # PR d14 -> PD d41: 14 < 42 -> no SD; PD dated 2024-02-11.
    ("PR-PD not met", series(("2024-01-15", PR), ("2024-02-11", PD)),
     PD, D("2024-02-11"), None),
    # PR d56 -> NE d112: PR d56 >= 42 -> SD dated 2024-02-26.
    ("PR-NE met", series(("2024-02-26", PR), ("2024-04-22", NE)),
     SD, D("2024-02-26"), None),
    # PR d14 -> NE d41: 14 < 42, no PD -> NE dated 2024-01-15.
    ("PR-NE not met", series(("2024-01-15", PR), ("2024-02-11", NE)),
     NE, D("2024-01-15"), None),
    # NE d56 -> NE d112: nothing evaluable -> NE dated to the first NE, 2024-02-26.
    ("NE-NE", series(("2024-02-26", NE), ("2024-04-22", NE)),
     NE, D("2024-02-26"), None),
]


@pytest.mark.parametrize(
    ("timepoints", "expected", "date", "confirmed_by"),
    [pytest.param(*row[1:], id=row[0]) for row in TABLE3],
)
def test_recist_table3(
    timepoints: list[ResponseAt],
    expected: Response | set[Response],
    date: dt.date | None,
    confirmed_by: dt.date | None,
) -> None:
    best = confirmed_best_overall_response(timepoints, REF, DEFAULT)
    allowed = expected if isinstance(expected, set) else {expected}
    assert best.response in allowed, best.rule
    if date is not None:
        assert best.date == date
        assert best.confirmed_by == confirmed_by


# ---------------------------------------------------------------------------------------------
# Thresholds and special cases of the confirmed BOR. Columns: id, timepoints, options,
# expected response, reported date, confirmed_by.
# ---------------------------------------------------------------------------------------------
CONFIRMED = [
    # PR d56 -> PR d84: gap 84-56 = 28 >= 28 -> confirmed PR.
    ("confirm at exactly 28 days", series(("2024-02-26", PR), ("2024-03-25", PR)), DEFAULT,
     PR, D("2024-02-26"), D("2024-03-25")),
    # PR d56 -> PR d83: gap 83-56 = 27 < 28 -> not confirmed; PR d56 >= 42 -> SD 2024-02-26.
    ("confirm at 27 days fails", series(("2024-02-26", PR), ("2024-03-24", PR)), DEFAULT,
     SD, D("2024-02-26"), None),
    # CR d56 -> CR d84: gap 28 >= 28 -> confirmed CR.
    ("CR confirm at exactly 28 days", series(("2024-02-26", CR), ("2024-03-25", CR)), DEFAULT,
     CR, D("2024-02-26"), D("2024-03-25")),
    # CR d56 -> CR d83: gap 27 < 28 -> no CR; no PR; CR d56 >= 42 -> SD 2024-02-26.
    ("CR confirm at 27 days fails", series(("2024-02-26", CR), ("2024-03-24", CR)), DEFAULT,
     SD, D("2024-02-26"), None),
    # SD d42 -> PD d84: SD at 42 days, 42 >= 42 counts -> SD dated 2024-02-12.
    ("SD at exactly 42 days", series(("2024-02-12", SD), ("2024-03-25", PD)), DEFAULT,
     SD, D("2024-02-12"), None),
    # SD d41 -> PD d84: 41 < 42 -> the SD does not count; PD dated 2024-03-25.
    ("SD at 41 days is too early", series(("2024-02-11", SD), ("2024-03-25", PD)), DEFAULT,
     PD, D("2024-03-25"), None),
    # SD d41 alone: 41 < 42, no PD -> NE dated 2024-02-11.
    ("SD at 41 days alone", series(("2024-02-11", SD)), DEFAULT,
     NE, D("2024-02-11"), None),
    # PR d56, NE d70, PR d112: one NE between, 1 <= max_ne 1; gap 56 >= 28 -> PR.
    ("one NE between, max_ne 1", series(("2024-02-26", PR), ("2024-03-11", NE),
                                         ("2024-04-22", PR)), DEFAULT,
     PR, D("2024-02-26"), D("2024-04-22")),
    # PR d56, NE d70, NE d98, PR d112: 2 NE > max_ne 1 -> not confirmed (the PR on d112 has no
    # later timepoint) -> PR d56 >= 42 -> SD 2024-02-26.
    ("two NE between, max_ne 1", series(("2024-02-26", PR), ("2024-03-11", NE),
                                         ("2024-04-08", NE), ("2024-04-22", PR)), DEFAULT,
     SD, D("2024-02-26"), None),
    # Same series with max_ne=2: 2 <= 2 -> confirmed PR.
    ("two NE between, max_ne 2", series(("2024-02-26", PR), ("2024-03-11", NE),
                                         ("2024-04-08", NE), ("2024-04-22", PR)),
     BorOptions(max_ne=2), PR, D("2024-02-26"), D("2024-04-22")),
    # CR d56, NE d70, NE d98, CR d112: 2 NE > 1 -> no CR; CR d56 >= 42 -> SD.
    ("CR with two NE between, max_ne 1", series(("2024-02-26", CR), ("2024-03-11", NE),
                                                 ("2024-04-08", NE), ("2024-04-22", CR)),
     DEFAULT, SD, D("2024-02-26"), None),
    # PR d56, SD d84, PR d112, accept_sd False: 1 SD > 0 allowed -> not confirmed -> SD d56.
    ("SD between, accept_sd False", series(("2024-02-26", PR), ("2024-03-25", SD),
                                            ("2024-04-22", PR)), DEFAULT,
     SD, D("2024-02-26"), None),
    # Same with accept_sd True: 1 SD <= 1 -> PR, gap 56 >= 28, confirmed by 2024-04-22.
    ("SD between, accept_sd True", series(("2024-02-26", PR), ("2024-03-25", SD),
                                           ("2024-04-22", PR)), BorOptions(accept_sd=True),
     PR, D("2024-02-26"), D("2024-04-22")),
    # PR d56, SD d70, SD d98, PR d112, accept_sd True: 2 SD > 1 -> not confirmed -> SD d56.
    ("two SD between, accept_sd True", series(("2024-02-26", PR), ("2024-03-11", SD),
                                               ("2024-04-08", SD), ("2024-04-22", PR)),
     BorOptions(accept_sd=True), SD, D("2024-02-26"), None),
    # CR d56, SD d84, CR d112, accept_sd True: accept_sd is for PR only; SD breaks a CR window
    # -> no CR, no PR -> CR d56 >= 42 -> SD.
    ("accept_sd does not help a CR", series(("2024-02-26", CR), ("2024-03-25", SD),
                                             ("2024-04-22", CR)), BorOptions(accept_sd=True),
     SD, D("2024-02-26"), None),
    # PR d56, CR d70, PR d112: the CR on d70 is only 14 days after (< 28), so the first
    # confirmer is the PR on d112 (gap 56); window [CR, PR] has a PR after a CR -> fails; CR d70
    # has no later CR; PR d112 has nothing after -> SD dated 2024-02-26.
    ("PR-CR-PR window not confirmed", series(("2024-02-26", PR), ("2024-03-11", CR),
                                              ("2024-04-22", PR)), DEFAULT,
     SD, D("2024-02-26"), None),
    # PR d56, PR d70, CR d112: window [PR, CR] has no PR after the CR -> PR confirmed by CR.
    ("PR-PR-CR window confirmed", series(("2024-02-26", PR), ("2024-03-11", PR),
                                          ("2024-04-22", CR)), DEFAULT,
     PR, D("2024-02-26"), D("2024-04-22")),
    # PR d56, PD d84, PR d112, PR d140: everything after the first PD is dropped, leaving
    # PR d56, PD d84 -> PR unconfirmed, 56 >= 42 -> SD d56 (without the cut, PR d112 would be
    # confirmed by PR d140, gap 28).
    ("after first PD ignored", series(("2024-02-26", PR), ("2024-03-25", PD),
                                       ("2024-04-22", PR), ("2024-05-20", PR)), DEFAULT,
     SD, D("2024-02-26"), None),
    # SD d14, PD d28, CR d56, CR d112: cut after PD d28 -> SD d14 < 42 -> PD dated 2024-01-29.
    ("after first PD ignored, PD result", series(("2024-01-15", SD), ("2024-01-29", PD),
                                                  ("2024-02-26", CR), ("2024-04-22", CR)),
     DEFAULT, PD, D("2024-01-29"), None),
    # PR 2023-12-01 (before REF), PR d28 2024-01-29: the first is ignored; the second has no
    # confirmer and 28 < 42 -> NE dated 2024-01-29 (the two together would be PR, gap 59).
    ("before reference ignored", series(("2023-12-01", PR), ("2024-01-29", PR)), DEFAULT,
     NE, D("2024-01-29"), None),
    # No timepoints at all -> NE with no date.
    ("no timepoints", [], DEFAULT, NE, None, None),
    # Only a timepoint before REF -> nothing counted -> NE with no date.
    ("only before reference", series(("2023-12-15", CR)), DEFAULT, NE, None, None),
    # NON-CR/NON-PD d56, PD d112: 56 >= 42 -> NON-CR/NON-PD dated 2024-02-26.
    ("non-CR/non-PD in window", series(("2024-02-26", NON), ("2024-04-22", PD)), DEFAULT,
     NON, D("2024-02-26"), None),
    # NON-CR/NON-PD d28, PD d84: 28 < 42 -> does not count; PD dated 2024-03-25.
    ("non-CR/non-PD too early then PD", series(("2024-01-29", NON), ("2024-03-25", PD)),
     DEFAULT, PD, D("2024-03-25"), None),
    # NON-CR/NON-PD d28 alone: 28 < 42, no PD -> NE dated 2024-01-29.
    ("non-CR/non-PD too early alone", series(("2024-01-29", NON)), DEFAULT,
     NE, D("2024-01-29"), None),
    # NON-CR/NON-PD exactly d42 -> 42 >= 42 -> NON-CR/NON-PD dated 2024-02-12.
    ("non-CR/non-PD at exactly 42", series(("2024-02-12", NON)), DEFAULT,
     NON, D("2024-02-12"), None),
    # CR d14, CR d42, CR d70: the first CR is confirmed by the first CR >= 28 days later (d42,
    # gap 28) -> CR dated 2024-01-15, confirmed by 2024-02-12 (earliest date in the best class).
    ("earliest confirmed CR reported", series(("2024-01-15", CR), ("2024-02-12", CR),
                                              ("2024-03-11", CR)), DEFAULT,
     CR, D("2024-01-15"), D("2024-02-12")),
    # PR d14, PR d28, PR d56: PR d14 -> first confirmer >= 28 d is PR d56 (gap 42; PR d28 is
    # only 14 d later and lies between) -> PR dated 2024-01-15, confirmed by 2024-02-26.
    ("first response date, later confirmer", series(("2024-01-15", PR), ("2024-01-29", PR),
                                                    ("2024-02-26", PR)), DEFAULT,
     PR, D("2024-01-15"), D("2024-02-26")),
    # Unsorted input: PR d112 given before PR d56 -> sorted first -> PR d56 confirmed by d112.
    ("unsorted input", series(("2024-04-22", PR), ("2024-02-26", PR)), DEFAULT,
     PR, D("2024-02-26"), D("2024-04-22")),
]


@pytest.mark.parametrize(
    ("timepoints", "options", "expected", "date", "confirmed_by"),
    [pytest.param(*row[1:], id=row[0]) for row in CONFIRMED],
)
def test_confirmed_bor(
    timepoints: list[ResponseAt],
    options: BorOptions,
    expected: Response,
    date: dt.date | None,
    confirmed_by: dt.date | None,
) -> None:
    best = confirmed_best_overall_response(timepoints, REF, options)
    assert best.response is expected, best.rule
    assert best.date == date
    assert best.confirmed_by == confirmed_by


# ---------------------------------------------------------------------------------------------
# Unconfirmed BOR. Columns: id, timepoints, options, expected response, reported date.
# ---------------------------------------------------------------------------------------------
UNCONFIRMED = [
    # CR d56, PR d84, SD d112: rank CR 1 < PR 2 < SD 3 -> CR on 2024-02-26.
    ("CR beats PR and SD", series(("2024-02-26", CR), ("2024-03-25", PR), ("2024-04-22", SD)),
     DEFAULT, CR, D("2024-02-26")),
    # PR d14, SD d56, PD d84: an early PR stays PR (no window for CR/PR) -> PR on 2024-01-15.
    ("early PR counts", series(("2024-01-15", PR), ("2024-02-26", SD), ("2024-03-25", PD)),
     DEFAULT, PR, D("2024-01-15")),
    # PR d56, PR d84: best is PR, earliest date of the best -> 2024-02-26.
    ("earliest date of the best", series(("2024-03-25", PR), ("2024-02-26", PR)),
     DEFAULT, PR, D("2024-02-26")),
    # SD d56, NON d84: SD rank 3 < NON-CR/NON-PD rank 4 -> SD on 2024-02-26.
    ("SD beats NON-CR/NON-PD", series(("2024-02-26", SD), ("2024-03-25", NON)),
     DEFAULT, SD, D("2024-02-26")),
    # NON d56, PD d84: NON-CR/NON-PD rank 4 < PD 5 -> NON-CR/NON-PD on 2024-02-26.
    ("NON-CR/NON-PD beats PD", series(("2024-02-26", NON), ("2024-03-25", PD)),
     DEFAULT, NON, D("2024-02-26")),
    # SD d14, PD d56: SD at 14 < 42 is NE (rank 6); PD rank 5 is better -> PD on 2024-02-26.
    ("early SD then PD gives PD", series(("2024-01-15", SD), ("2024-02-26", PD)),
     DEFAULT, PD, D("2024-02-26")),
    # SD d14, NE d56: SD at 14 < 42 -> NE; both NE -> earliest NE, 2024-01-15.
    ("early SD then NE gives NE", series(("2024-01-15", SD), ("2024-02-26", NE)),
     DEFAULT, NE, D("2024-01-15")),
    # SD exactly d42: 42 >= 42 -> SD on 2024-02-12.
    ("SD at exactly 42", series(("2024-02-12", SD), ("2024-03-25", PD)),
     DEFAULT, SD, D("2024-02-12")),
    # SD d41: 41 < 42 -> NE; PD d84 rank 5 -> PD on 2024-03-25.
    ("SD at 41 is NE", series(("2024-02-11", SD), ("2024-03-25", PD)),
     DEFAULT, PD, D("2024-03-25")),
    # NON d28 alone: 28 < 42 -> NE on 2024-01-29.
    ("early NON-CR/NON-PD is NE", series(("2024-01-29", NON)), DEFAULT, NE, D("2024-01-29")),
    # SD d28 with sd_window_days=28: 28 >= 28 -> SD on 2024-01-29.
    ("custom SD window", series(("2024-01-29", SD)), BorOptions(sd_window_days=28),
     SD, D("2024-01-29")),
    # SD d56, PD d84, CR d112: the CR after the first PD is dropped -> SD on 2024-02-26.
    ("after first PD ignored", series(("2024-02-26", SD), ("2024-03-25", PD), ("2024-04-22", CR)),
     DEFAULT, SD, D("2024-02-26")),
    # CR 2023-12-01 (before REF), PD d56: the CR is ignored -> PD on 2024-02-26.
    ("before reference ignored", series(("2023-12-01", CR), ("2024-02-26", PD)),
     DEFAULT, PD, D("2024-02-26")),
    # Timepoint on REF itself is counted (>= REF): CR on 2024-01-01.
    ("on the reference date counts", series(("2024-01-01", CR)), DEFAULT, CR, D("2024-01-01")),
    # Nothing -> NE, no date.
    ("no timepoints", [], DEFAULT, NE, None),
]


@pytest.mark.parametrize(
    ("timepoints", "options", "expected", "date"),
    [pytest.param(*row[1:], id=row[0]) for row in UNCONFIRMED],
)
def test_unconfirmed_bor(
    timepoints: list[ResponseAt], options: BorOptions, expected: Response, date: dt.date | None
) -> None:
    best = best_overall_response(timepoints, REF, options)
    assert best.response is expected, best.rule
    assert best.date == date
    assert best.confirmed_by is None


def test_rank_order() -> None:
    # RECIST 1.1 §4.4.3 / admiralonco: CR > PR > SD > NON-CR/NON-PD > PD > NE.
    assert sorted(RANK, key=RANK.__getitem__) == [CR, PR, SD, NON, PD, NE]


def test_on_study_keeps_first_pd_and_drops_the_rest() -> None:
    # 2023-12-01 < REF dropped; d56 SD kept; d84 PD kept (inclusive); d112 CR dropped.
    tps = series(("2024-04-22", CR), ("2024-02-26", SD), ("2023-12-01", PR), ("2024-03-25", PD))
    assert [tp.date for tp in on_study(tps, REF)] == [D("2024-02-26"), D("2024-03-25")]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------
_responses = st.sampled_from(list(RANK))  # the RECIST 1.1 codes
_timepoints = st.lists(
    st.builds(
        ResponseAt,
        date=st.integers(min_value=-30, max_value=400).map(lambda d: REF + dt.timedelta(days=d)),
        response=_responses,
    ),
    max_size=8,
)
_options = st.builds(
    BorOptions,
    sd_window_days=st.integers(min_value=0, max_value=90),
    confirm_days=st.integers(min_value=1, max_value=60),
    max_ne=st.integers(min_value=0, max_value=3),
    accept_sd=st.booleans(),
)


@given(timepoints=_timepoints, options=_options)
def test_confirmed_never_better_than_unconfirmed(
    timepoints: list[ResponseAt], options: BorOptions
) -> None:
    confirmed = confirmed_best_overall_response(timepoints, REF, options)
    unconfirmed = best_overall_response(timepoints, REF, options)
    assert RANK[confirmed.response] >= RANK[unconfirmed.response]


@given(
    timepoints=_timepoints,
    after=st.lists(st.tuples(st.integers(min_value=1, max_value=200), _responses), max_size=5),
    options=_options,
)
def test_timepoints_after_first_pd_never_change_bor(
    timepoints: list[ResponseAt], after: list[tuple[int, Response]], options: BorOptions
) -> None:
    counted = on_study(timepoints, REF)
    if not counted or counted[-1].response is not Response.PD:
        return
    first_pd = counted[-1].date
    extra = [ResponseAt(first_pd + dt.timedelta(days=d), r) for d, r in after]
    for derive in (best_overall_response, confirmed_best_overall_response):
        assert derive([*timepoints, *extra], REF, options) == derive(timepoints, REF, options)
