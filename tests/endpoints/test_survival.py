"""Table-driven tests for oncotrack.endpoints.survival, with every expected value worked by hand.

Convention under test: days = date − start + 1 (ADaM AVAL, admiral ``derive_vars_duration`` with
``add_one = TRUE``); months = days / 30.4375, rounded to 2 decimals.

Reference date REF = 2024-01-01 (2024 is a leap year). Day offsets from REF, counted by hand
(Jan 31, Feb 29, Mar 31, Apr 30, May 31 days):

    d28  = 2024-01-29          d98  = 2024-04-08   (Mar 25 + 14)
    d30  = 2024-01-31          d112 = 2024-04-22   (Mar 25 + 28)
    d56  = 2024-02-26          d126 = 2024-05-06   (Apr 22 + 14)
    d60  = 2024-03-01          d168 = 2024-06-17   (Apr 22 + 56: Apr 30 +8, May 31 +39, Jun 17 +56)
    d70  = 2024-03-11          d169 = 2024-06-18
    d74  = 2024-03-15          (Jan 1 + 31 = Feb 1, + 29 = Mar 1 (d60), + 14 = Mar 15)
    d84  = 2024-03-25

So an end date at offset dN gives days = N + 1. Months worked below each row.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncotrack.endpoints.bor import RANK
from oncotrack.endpoints.survival import (
    CourseFacts,
    Observation,
    SurvivalOptions,
    TimeToEvent,
    duration_days,
    duration_of_response,
    impute_death_date,
    is_disease_control,
    is_objective_response,
    months,
    overall_survival,
    progression_free_survival,
    time_to_progression,
    time_to_response,
)
from oncotrack.model.dates import PartialDate
from oncotrack.model.vocabulary import Response

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NON = Response.NON_CR_NON_PD

REF = dt.date(2024, 1, 1)
DEFAULT = SurvivalOptions()
MISSED = SurvivalOptions(assessment_interval_days=56, missed_visits=2)  # limit 56 × 2 = 112


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def obs(day: str, response: Response, progression: str | None = None) -> Observation:
    return Observation(D(day), response, D(progression) if progression else None)


def facts(
    *observations: Observation,
    ref: dt.date = REF,
    progression_events: tuple[str, ...] = (),
    death: str | None = None,
    new_therapy: tuple[str, ...] = (),
    last_known_alive: str | None = None,
) -> CourseFacts:
    return CourseFacts(
        reference_date=ref,
        observations=list(observations),
        progression_events=[D(d) for d in progression_events],
        death=D(death) if death else None,
        new_therapy=[D(d) for d in new_therapy],
        last_known_alive=D(last_known_alive) if last_known_alive else None,
    )


def check(
    tte: TimeToEvent | None, event: bool, start: dt.date, date: dt.date, days: int, mo: float,
    reason: str,
) -> None:
    assert tte is not None
    assert (tte.event, tte.start_date, tte.date, tte.days, tte.months) == (
        event, start, date, days, mo), tte.reason
    assert reason in tte.reason


# ---------------------------------------------------------------------------------------------
# Duration arithmetic
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "days", "mo"),
    [
        # 2021-12-03 -> 2021-12-31 is 28 d, + 19 (Jan) = 47; + 1 = 48. 48 / 30.4375 = 1.577 -> 1.58
        pytest.param(D("2021-12-03"), D("2022-01-19"), 48, 1.58, id="48 days"),
        # 2021-12-03 -> 2023-12-03 is 365 + 365 = 730; -> 2024-01-03 is +31 = 761; -> 2024-10-03
        # is +274 (Jan 31 Feb 29 Mar 31 Apr 30 May 31 Jun 30 Jul 31 Aug 31 Sep 30) = 1035;
        # -> 2024-10-05 is 1037; + 1 = 1038. 1038 / 30.4375 = 34.1027 -> 34.10
        pytest.param(D("2021-12-03"), D("2024-10-05"), 1038, 34.10, id="1038 days"),
        # same day: 0 + 1 = 1. 1 / 30.4375 = 0.0329 -> 0.03
        pytest.param(REF, REF, 1, 0.03, id="same day"),
        # 2024 is a leap year: 365 + 1 = 366. 366 / 30.4375 = 12.0246 -> 12.02
        pytest.param(REF, D("2024-12-31"), 366, 12.02, id="leap year"),
    ],
)
def test_duration(start: dt.date, end: dt.date, days: int, mo: float) -> None:
    assert duration_days(start, end) == days
    assert months(days) == mo


# ---------------------------------------------------------------------------------------------
# PFS. Columns: id, facts, options, event, end date, days, months, reason fragment.
# ---------------------------------------------------------------------------------------------
PFS = [
    # PD scan d112 -> event 2024-04-22; 112 + 1 = 113 d; 113 / 30.4375 = 3.7125 -> 3.71
    ("PD at the scan", facts(obs("2024-02-26", SD), obs("2024-04-22", PD)), DEFAULT,
     True, D("2024-04-22"), 113, 3.71, "progression"),
    # Brief's example: start 2021-12-03, PD 2022-01-19 -> 48 d, 1.58 months (see test_duration)
    ("PD, 48 days", facts(obs("2022-01-19", PD), ref=D("2021-12-03")), DEFAULT,
     True, D("2022-01-19"), 48, 1.58, "progression"),
    # PD scan d112 dated back to progression_date d98 (2024-04-08): 98 + 1 = 99 d;
    # 99 / 30.4375 = 3.2526 -> 3.25
    ("PD dated to progression_date",
     facts(obs("2024-02-26", SD), obs("2024-04-22", PD, progression="2024-04-08")), DEFAULT,
     True, D("2024-04-08"), 99, 3.25, "progression"),
    # Only the first PD counts: PD d112 then PD d168 -> 2024-04-22, 113 d, 3.71
    ("first PD only", facts(obs("2024-04-22", PD), obs("2024-06-17", PD)), DEFAULT,
     True, D("2024-04-22"), 113, 3.71, "progression"),
    # Unsorted observations: PD d168 listed before PD d112 -> still the earliest, d112
    ("earliest PD when unsorted", facts(obs("2024-06-17", PD), obs("2024-04-22", PD)), DEFAULT,
     True, D("2024-04-22"), 113, 3.71, "progression"),
    # Death d74 (2024-03-15), no PD: a PFS event; 74 + 1 = 75 d; 75 / 30.4375 = 2.4641 -> 2.46
    ("death is an event", facts(obs("2024-02-26", SD), death="2024-03-15"), DEFAULT,
     True, D("2024-03-15"), 75, 2.46, "death"),
    # Death d112 before a PD d168 -> death first: 113 d, 3.71
    ("death before PD", facts(obs("2024-02-26", SD), obs("2024-06-17", PD), death="2024-04-22"),
     DEFAULT, True, D("2024-04-22"), 113, 3.71, "death"),
    # PD d112 before death d168 -> PD: 113 d, 3.71
    ("PD before death", facts(obs("2024-02-26", SD), obs("2024-04-22", PD), death="2024-06-17"),
     DEFAULT, True, D("2024-04-22"), 113, 3.71, "progression"),
    # New therapy d126 before PD d168: censored at the last adequate assessment on or before
    # 2024-05-06, i.e. SD d112 -> 113 d, 3.71
    ("new therapy before PD",
     facts(obs("2024-02-26", SD), obs("2024-04-22", SD), obs("2024-06-17", PD),
           new_therapy=("2024-05-06",)), DEFAULT,
     False, D("2024-04-22"), 113, 3.71, "new anticancer therapy"),
    # New therapy on the day of the SD d112 ("on or before") -> censored at d112: 113 d, 3.71
    ("new therapy on an assessment day",
     facts(obs("2024-02-26", SD), obs("2024-04-22", SD), obs("2024-06-17", PD),
           new_therapy=("2024-04-22",)), DEFAULT,
     False, D("2024-04-22"), 113, 3.71, "new anticancer therapy"),
    # New therapy d126 after PD d112 -> the PD stands: 113 d, 3.71
    ("new therapy after PD",
     facts(obs("2024-02-26", SD), obs("2024-04-22", PD), new_therapy=("2024-05-06",)), DEFAULT,
     True, D("2024-04-22"), 113, 3.71, "progression"),
    # New therapy d70 before death d112, last adequate SD d56 -> censored 2024-02-26:
    # 56 + 1 = 57 d; 57 / 30.4375 = 1.8727 -> 1.87
    ("new therapy before death",
     facts(obs("2024-02-26", SD), death="2024-04-22", new_therapy=("2024-03-11",)), DEFAULT,
     False, D("2024-02-26"), 57, 1.87, "new anticancer therapy"),
    # New therapy d70, only an NE (d56) before it -> no adequate assessment -> censored at the
    # start 2024-01-01: 0 + 1 = 1 d; 0.03
    ("new therapy, no adequate assessment",
     facts(obs("2024-02-26", NE), obs("2024-04-22", PD), new_therapy=("2024-03-11",)), DEFAULT,
     False, REF, 1, 0.03, "censored at the start"),
    # SD d56 then NE d112, no PD -> last adequate is d56 (NE is not adequate): 57 d, 1.87
    ("NE is not adequate", facts(obs("2024-02-26", SD), obs("2024-04-22", NE)), DEFAULT,
     False, D("2024-02-26"), 57, 1.87, "no progression"),
    # SD d56, PR d112, no PD -> censored at the last adequate assessment d112: 113 d, 3.71
    ("no progression", facts(obs("2024-02-26", SD), obs("2024-04-22", PR)), DEFAULT,
     False, D("2024-04-22"), 113, 3.71, "no progression"),
    # Nothing at all -> censored at the start: 1 d, 0.03
    ("no assessment", facts(), DEFAULT, False, REF, 1, 0.03, "censored at the start"),
    # Only NE -> no adequate assessment -> censored at the start: 1 d, 0.03
    ("only NE", facts(obs("2024-02-26", NE)), DEFAULT, False, REF, 1, 0.03,
     "censored at the start"),
    # Recorded progression event d60 (2024-03-01): 60 + 1 = 61 d; 61 / 30.4375 = 2.0041 -> 2.00
    ("recorded progression event",
     facts(obs("2024-02-26", SD), obs("2024-04-22", SD), progression_events=("2024-03-01",)),
     DEFAULT, True, D("2024-03-01"), 61, 2.00, "recorded event"),
    # PD scan d112 earlier than a recorded event d126 -> the scan: 113 d, 3.71
    ("PD scan before recorded event",
     facts(obs("2024-04-22", PD), progression_events=("2024-05-06",)), DEFAULT,
     True, D("2024-04-22"), 113, 3.71, "PD on the scan"),
    # Missed visits: interval 56 × 2 = 112. SD d56, PD d168: gap 168 − 56 = 112, not > 112
    # -> event 2024-06-17: 168 + 1 = 169 d; 169 / 30.4375 = 5.5524 -> 5.55
    ("gap exactly 112 is an event", facts(obs("2024-02-26", SD), obs("2024-06-17", PD)), MISSED,
     True, D("2024-06-17"), 169, 5.55, "progression"),
    # SD d56, PD d169: gap 113 > 112 -> censored at SD d56: 57 d, 1.87
    ("gap 113 is censored", facts(obs("2024-02-26", SD), obs("2024-06-18", PD)), MISSED,
     False, D("2024-02-26"), 57, 1.87, "missed"),
    # Same facts without the rule -> event at d169: 170 d; 170 / 30.4375 = 5.5852 -> 5.59
    ("no interval, no missed-visit rule", facts(obs("2024-02-26", SD), obs("2024-06-18", PD)),
     DEFAULT, True, D("2024-06-18"), 170, 5.59, "progression"),
    # SD d56, NE d112, PD d169: the NE is no adequate visit, gap 169 − 56 = 113 > 112 -> censored
    # at d56: 57 d, 1.87
    ("NE does not bridge a gap",
     facts(obs("2024-02-26", SD), obs("2024-04-22", NE), obs("2024-06-18", PD)), MISSED,
     False, D("2024-02-26"), 57, 1.87, "missed"),
    # SD d56, SD d112, PD d169: gap 169 − 112 = 57 <= 112 -> event: 170 d, 5.59
    ("short gap", facts(obs("2024-02-26", SD), obs("2024-04-22", SD), obs("2024-06-18", PD)),
     MISSED, True, D("2024-06-18"), 170, 5.59, "progression"),
    # Death d169 after SD d56: gap 113 > 112 -> censored at d56: 57 d, 1.87
    ("death after missed visits", facts(obs("2024-02-26", SD), death="2024-06-18"), MISSED,
     False, D("2024-02-26"), 57, 1.87, "missed"),
    # Death d30 (2024-01-31) before any assessment: gap from the start 30 <= 112 -> event:
    # 30 + 1 = 31 d; 31 / 30.4375 = 1.0185 -> 1.02
    ("death before first assessment", facts(death="2024-01-31"), MISSED,
     True, D("2024-01-31"), 31, 1.02, "death"),
]


@pytest.mark.parametrize(
    ("course", "options", "event", "date", "days", "mo", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in PFS],
)
def test_pfs(
    course: CourseFacts, options: SurvivalOptions, event: bool, date: dt.date, days: int,
    mo: float, reason: str,
) -> None:
    check(progression_free_survival(course, options), event, course.reference_date, date, days,
          mo, reason)


# ---------------------------------------------------------------------------------------------
# TTP: as PFS but death is censored.
# ---------------------------------------------------------------------------------------------
TTP = [
    # Death d74, last adequate SD d56 -> censored 2024-02-26: 57 d, 1.87
    ("death censored", facts(obs("2024-02-26", SD), death="2024-03-15"), DEFAULT,
     False, D("2024-02-26"), 57, 1.87, "not a TTP event"),
    # Death d112 before PD d168: death ignored -> PD 2024-06-17: 169 d, 5.55
    ("death ignored, later PD counts",
     facts(obs("2024-02-26", SD), obs("2024-06-17", PD), death="2024-04-22"), DEFAULT,
     True, D("2024-06-17"), 169, 5.55, "progression"),
    # Death d30, no assessment -> censored at the start: 1 d, 0.03
    ("death, no assessment", facts(death="2024-01-31"), DEFAULT,
     False, REF, 1, 0.03, "censored at the start"),
    # PD d112 -> event: 113 d, 3.71
    ("PD", facts(obs("2024-02-26", SD), obs("2024-04-22", PD)), DEFAULT,
     True, D("2024-04-22"), 113, 3.71, "progression"),
    # New therapy d126 before PD d168 -> censored at SD d112: 113 d, 3.71
    ("new therapy before PD",
     facts(obs("2024-04-22", SD), obs("2024-06-17", PD), new_therapy=("2024-05-06",)), DEFAULT,
     False, D("2024-04-22"), 113, 3.71, "new anticancer therapy"),
]


@pytest.mark.parametrize(
    ("course", "options", "event", "date", "days", "mo", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in TTP],
)
def test_ttp(
    course: CourseFacts, options: SurvivalOptions, event: bool, date: dt.date, days: int,
    mo: float, reason: str,
) -> None:
    check(time_to_progression(course, options), event, course.reference_date, date, days, mo,
          reason)


# ---------------------------------------------------------------------------------------------
# OS
# ---------------------------------------------------------------------------------------------
OS = [
    # Death d74 -> event: 75 d, 2.46
    ("death", facts(death="2024-03-15"), True, D("2024-03-15"), 75, 2.46, "death"),
    # Brief's example: 2021-12-03 -> death 2024-10-05 = 1038 d, 34.10 (see test_duration)
    ("death, 1038 days", facts(ref=D("2021-12-03"), death="2024-10-05"),
     True, D("2024-10-05"), 1038, 34.10, "death"),
    # Alive, last known 2024-10-05: Jan 1 -> Oct 1 = 274 d, + 4 = 278; + 1 = 279 d;
    # 279 / 30.4375 = 9.1663 -> 9.17
    ("censored at last known alive", facts(last_known_alive="2024-10-05"),
     False, D("2024-10-05"), 279, 9.17, "last date known alive"),
    # Alive, no last-known-alive date -> the start: 1 d, 0.03
    ("no last known alive", facts(), False, REF, 1, 0.03, "last date known alive"),
    # Last known alive before the start -> raised to the start: 1 d, 0.03
    ("last known alive before start", facts(last_known_alive="2023-12-01"),
     False, REF, 1, 0.03, "last date known alive"),
    # OS ignores progression and new therapy: PD d56, therapy d70, death d112 -> 113 d, 3.71
    ("progression does not end OS",
     facts(obs("2024-02-26", PD), death="2024-04-22", new_therapy=("2024-03-11",)),
     True, D("2024-04-22"), 113, 3.71, "death"),
]


@pytest.mark.parametrize(
    ("course", "event", "date", "days", "mo", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in OS],
)
def test_os(
    course: CourseFacts, event: bool, date: dt.date, days: int, mo: float, reason: str
) -> None:
    check(overall_survival(course), event, course.reference_date, date, days, mo, reason)


# ---------------------------------------------------------------------------------------------
# DoR: from the response date (d56 = 2024-02-26), so days = end − d56 + 1.
# ---------------------------------------------------------------------------------------------
RESP = D("2024-02-26")
NO_DEATH_EVENT = SurvivalOptions(dor_death_is_event=False)
DOR = [
    # PR d56, PR d112, PD d168: 168 − 56 = 112, + 1 = 113 d; 3.71
    ("PD ends response",
     facts(obs("2024-02-26", PR), obs("2024-04-22", PR), obs("2024-06-17", PD)), DEFAULT,
     True, D("2024-06-17"), 113, 3.71, "progression"),
    # PR d56, PR d84, death d126: death is an event by default; 126 − 56 = 70, + 1 = 71 d;
    # 71 / 30.4375 = 2.3326 -> 2.33
    ("death counted",
     facts(obs("2024-02-26", PR), obs("2024-03-25", PR), death="2024-05-06"), DEFAULT,
     True, D("2024-05-06"), 71, 2.33, "death"),
    # Same with dor_death_is_event=False: censored at the last adequate assessment d84:
    # 84 − 56 = 28, + 1 = 29 d; 29 / 30.4375 = 0.9528 -> 0.95
    ("death not counted",
     facts(obs("2024-02-26", PR), obs("2024-03-25", PR), death="2024-05-06"), NO_DEATH_EVENT,
     False, D("2024-03-25"), 29, 0.95, "not a DoR event"),
    # No event: PR d56, CR d112 -> censored at d112: 112 − 56 + 1 = 57 d; 57 / 30.4375 = 1.87
    ("censored, no progression", facts(obs("2024-02-26", PR), obs("2024-04-22", CR)), DEFAULT,
     False, D("2024-04-22"), 57, 1.87, "no progression"),
    # A recorded progression on d28, before the response date, does not end the response;
    # PR d56, PR d112 -> censored at d112: 57 d, 1.87
    ("progression before response ignored",
     facts(obs("2024-02-26", PR), obs("2024-04-22", PR), progression_events=("2024-01-29",)),
     DEFAULT, False, D("2024-04-22"), 57, 1.87, "no progression"),
    # New therapy d98 before PD d168 -> censored at PR d84: 29 d, 0.95
    ("new therapy before PD",
     facts(obs("2024-02-26", PR), obs("2024-03-25", PR), obs("2024-06-17", PD),
           new_therapy=("2024-04-08",)), DEFAULT,
     False, D("2024-03-25"), 29, 0.95, "new anticancer therapy"),
]


@pytest.mark.parametrize(
    ("course", "options", "event", "date", "days", "mo", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in DOR],
)
def test_dor(
    course: CourseFacts, options: SurvivalOptions, event: bool, date: dt.date, days: int,
    mo: float, reason: str,
) -> None:
    check(duration_of_response(course, RESP, options), event, RESP, date, days, mo, reason)


def test_dor_non_responder_is_none() -> None:
    assert duration_of_response(facts(obs("2024-02-26", SD)), None, DEFAULT) is None


def test_time_to_response() -> None:
    course = facts(obs("2024-02-26", PR), obs("2024-04-22", PR))
    # REF -> d56: 56 + 1 = 57 d; 1.87; always an event
    check(time_to_response(course, RESP), True, REF, RESP, 57, 1.87, "response")
    assert time_to_response(course, None) is None


# ---------------------------------------------------------------------------------------------
# Death date imputation. Columns: id, given, last known alive, expected date, imputed rule
# fragment (None: exact date, no imputation recorded).
# ---------------------------------------------------------------------------------------------
IMPUTE = [
    # '2024-10' -> first day of October
    ("month, no bound", "2024-10", None, D("2024-10-01"), "first day"),
    # last known alive 2024-10-15 lies inside Oct 1..Oct 31 and after Oct 1 -> raised
    ("month, raised", "2024-10", D("2024-10-15"), D("2024-10-15"), "raised"),
    # last known alive on the last day of the month, still inside -> 2024-10-31
    ("month, raised to last day", "2024-10", D("2024-10-31"), D("2024-10-31"), "raised"),
    # last known alive 2024-10-01 equals the first day -> 2024-10-01
    ("month, bound on first day", "2024-10", D("2024-10-01"), D("2024-10-01"), "first day"),
    # last known alive 2024-09-20 is before the month -> no change, 2024-10-01
    ("month, bound before", "2024-10", D("2024-09-20"), D("2024-10-01"), "first day"),
    # last known alive 2024-11-05 is after the month -> outside the possible range, 2024-10-01
    ("month, bound after", "2024-10", D("2024-11-05"), D("2024-10-01"), "first day"),
    # year only '2024' -> 2024-01-01
    ("year, no bound", "2024", None, D("2024-01-01"), "first day"),
    # year only, last known alive 2024-06-15 inside 2024 -> raised
    ("year, raised", "2024", D("2024-06-15"), D("2024-06-15"), "raised"),
    # exact dates are unchanged, even when the last-known-alive date is later
    ("exact, no bound", "2024-10-07", None, D("2024-10-07"), None),
    ("exact, later bound", "2024-10-07", D("2024-10-20"), D("2024-10-07"), None),
]


@pytest.mark.parametrize(
    ("given_text", "alive", "expected", "rule"),
    [pytest.param(*row[1:], id=row[0]) for row in IMPUTE],
)
def test_impute_death_date(
    given_text: str, alive: dt.date | None, expected: dt.date, rule: str | None
) -> None:
    day, imputed = impute_death_date(PartialDate.parse(given_text), alive, "death_date")
    assert day == expected
    if rule is None:
        assert imputed is None
    else:
        assert imputed is not None
        assert (imputed.field, imputed.given, imputed.used) == ("death_date", given_text, expected)
        assert rule in imputed.rule


# ---------------------------------------------------------------------------------------------
# ORR and DCR flags: ORR = CR or PR (FDA 2018); DCR = CR, PR, SD or NON-CR/NON-PD.
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("best", "orr", "dcr"),
    [
        (CR, True, True),
        (PR, True, True),
        (SD, False, True),
        (NON, False, True),
        (PD, False, False),
        (NE, False, False),
    ],
)
def test_orr_dcr(best: Response, orr: bool, dcr: bool) -> None:
    assert is_objective_response(best) is orr
    assert is_disease_control(best) is dcr


# ---------------------------------------------------------------------------------------------
# Property: with a death, PFS never runs longer than OS (all assessments on or before death).
# ---------------------------------------------------------------------------------------------
@st.composite
def _courses_with_death(draw: st.DrawFn) -> CourseFacts:
    death = draw(st.integers(min_value=0, max_value=400))
    offsets = st.integers(min_value=0, max_value=death)
    observations = draw(st.lists(
        st.builds(Observation, date=offsets.map(lambda d: REF + dt.timedelta(days=d)),
                  response=st.sampled_from(list(RANK))),
        max_size=6,
    ))
    day = offsets.map(lambda d: REF + dt.timedelta(days=d))
    return CourseFacts(
        reference_date=REF,
        observations=observations,
        progression_events=draw(st.lists(day, max_size=2)),
        death=REF + dt.timedelta(days=death),
        new_therapy=draw(st.lists(day, max_size=2)),
        last_known_alive=draw(st.none() | day),
    )


@given(
    course=_courses_with_death(),
    interval=st.none() | st.integers(min_value=14, max_value=90),
    missed=st.integers(min_value=1, max_value=3),
)
def test_pfs_never_longer_than_os(course: CourseFacts, interval: int | None, missed: int) -> None:
    options = SurvivalOptions(assessment_interval_days=interval, missed_visits=missed)
    pfs = progression_free_survival(course, options)
    ttp = time_to_progression(course, options)
    os_ = overall_survival(course)
    assert os_.event
    assert 1 <= pfs.days <= os_.days
    assert 1 <= ttp.days <= os_.days
