"""Tests for oncotrack.schedule.calendar, every expected value worked by hand.

Synthetic calendar (2024 is a leap year; 2024-01-01 is a Monday). A 14/7 cycle is 21 days, so
every cycle starts on a Monday:

    cycle 1: on 2024-01-01..01-14 (days 1-14), off 01-15..01-21 (days 15-21)
    cycle 2: on 2024-01-22..02-04,             off 02-05..02-11
    cycle 3: on 2024-02-12..02-25,             off 02-26..03-03 (Feb 26-29, Mar 1-3: 7 days)

Holds are 1 day before, the day of and 1 day after, as in the reference case.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import oncotrack
from oncotrack.model.case import Procedure, Regimen
from oncotrack.schedule import CalendarDay, RegimenCalendar, calendar_summary, expand_regimen

D = dt.date
REFERENCE = Path(__file__).parents[2] / "examples" / "lms-deb-tace-anlotinib.yaml"
PROCEDURE = TypeAdapter(Procedure)
HOLD_1_1 = {"procedure_types": ["tace", "ablation"], "days_before": 1, "days_after": 1}


def regimen(**extra: Any) -> Regimen:
    data: dict[str, Any] = {"drug": "anlotinib", "dose": 8, "unit": "mg", "start": "2024-01-01",
                            "cycle": {"days_on": 14, "days_off": 7}, "holds": HOLD_1_1}
    data.update(extra)
    return Regimen.model_validate(data)


def proc(kind: str, date: str) -> Procedure:
    return PROCEDURE.validate_python({"type": kind, "date": date})


def day(cal: RegimenCalendar, when: dt.date) -> CalendarDay:
    return next(d for d in cal.days if d.date == when)


def statuses(cal: RegimenCalendar, first: dt.date, last: dt.date) -> list[str]:
    return [d.status for d in cal.days if first <= d.date <= last]


# --- cycles -------------------------------------------------------------------------------------


def test_14_7_cycle_from_a_monday() -> None:
    # Stop on the last off day of cycle 2: 42 days, 28 on-days, 28 × 8 mg = 224 mg.
    cal = expand_regimen(regimen(stop="2024-02-11"), [])
    assert (cal.start, cal.end, cal.end_reason) == (D(2024, 1, 1), D(2024, 2, 11), "regimen stop")
    assert len(cal.days) == 42
    assert statuses(cal, D(2024, 1, 1), D(2024, 1, 14)) == ["on"] * 14
    assert statuses(cal, D(2024, 1, 15), D(2024, 1, 21)) == ["off"] * 7
    first_off = day(cal, D(2024, 1, 15))
    assert (first_off.cycle, first_off.cycle_day, first_off.planned_dose) == (1, 15, 0.0)
    cycle_2 = day(cal, D(2024, 1, 22))
    assert (cycle_2.cycle, cycle_2.cycle_day, cycle_2.status) == (2, 1, "on")
    assert cycle_2.date.weekday() == 0  # Monday
    assert (cal.planned_total, cal.actual_total, cal.relative_dose_intensity) == (224, 224, 1.0)
    assert cal.holds == []
    assert cal.notes == []


def test_no_cycle_is_continuous_daily() -> None:
    # Pazopanib 800 mg daily, 2024-02-27..03-02 = Feb 27, 28, 29, Mar 1, 2: 5 days, 4000 mg.
    # TACE on 02-29 holds 02-28..03-01: 3 days, actual 2 × 800 = 1600, RDI 1600/4000 = 0.4.
    reg = regimen(drug="pazopanib", dose=800, cycle=None, start="2024-02-27", stop="2024-03-02")
    cal = expand_regimen(reg, [proc("tace", "2024-02-29")])
    assert [d.status for d in cal.days] == ["on", "hold", "hold", "hold", "on"]
    assert all(d.cycle is None and d.cycle_day is None for d in cal.days)
    assert (cal.planned_total, cal.actual_total) == (4000, 1600)
    assert cal.relative_dose_intensity == pytest.approx(0.4)
    [row] = calendar_summary(cal)
    assert (row.cycle, row.first_day, row.last_day) == (None, D(2024, 2, 27), D(2024, 3, 2))
    assert (row.on_days, row.held_days, row.planned, row.actual) == (2, 3, 4000, 1600)


def test_cycles_planned_ends_after_the_last_cycle_off_days_included() -> None:
    # 2 cycles of 21 days: the last day is 2024-01-01 + 41 = 2024-02-11 (cycle 2, day 21).
    cal = expand_regimen(regimen(cycles_planned=2), [], follow_up_end=D(2025, 1, 1))
    assert cal.end == D(2024, 2, 11)
    assert cal.end_reason == "last planned cycle (cycles_planned = 2)"
    assert cal.days[-1].cycle == 2
    assert cal.days[-1].cycle_day == 21
    assert cal.planned_total == 28 * 8


def test_cycles_planned_without_a_cycle_is_ignored_with_a_note() -> None:
    cal = expand_regimen(regimen(cycle=None, cycles_planned=2), [], follow_up_end=D(2024, 1, 3))
    assert cal.end == D(2024, 1, 3)
    assert cal.end_reason == "end of follow-up given by the caller"
    assert "cycles_planned = 2 ignored: the regimen gives no cycle length" in cal.notes


# --- end of the regimen -------------------------------------------------------------------------


def test_stop_date_and_follow_up() -> None:
    # Exact stop 2024-01-10: 10 days, all on (cycle days 1-10).
    cal = expand_regimen(regimen(stop="2024-01-10"), [], follow_up_end=D(2024, 6, 1))
    assert (len(cal.days), cal.end_reason, cal.planned_total) == (10, "regimen stop", 80)
    # A follow-up ending before the stop caps it (the drug cannot be recorded after it).
    cal = expand_regimen(regimen(stop="2024-01-10"), [], follow_up_end=D(2024, 1, 5))
    assert (cal.end, cal.end_reason) == (D(2024, 1, 5), "end of follow-up given by the caller")
    # A month-only stop is imputed to its last day (the regimen's stop_imputation default).
    cal = expand_regimen(regimen(stop="2024-01"), [])
    assert cal.end == D(2024, 1, 31)
    assert "stop: '2024-01' imputed as 2024-01-31 (last day of the month)" in cal.notes
    # A month-only start is imputed to its first day.
    cal = expand_regimen(regimen(start="2024-01", stop="2024-01-02"), [])
    assert cal.start == D(2024, 1, 1)
    assert "start: '2024-01' imputed as 2024-01-01 (first day of the month)" in cal.notes


def test_unknown_or_inverted_end_is_an_error() -> None:
    with pytest.raises(ValueError, match="no stop date: give follow_up_end"):
        expand_regimen(regimen(), [])
    with pytest.raises(ValueError, match="before it starts"):
        expand_regimen(regimen(), [], follow_up_end=D(2023, 12, 31))


# --- holds --------------------------------------------------------------------------------------


def test_tace_mid_cycle_loses_three_on_days() -> None:
    # TACE 2024-01-08 (cycle 1 day 8): 01-07, 01-08, 01-09 held. One cycle (stop 01-21):
    # 14 on-days planned, 14 - 3 = 11 taken: RDI = 11/14; 112 mg planned, 88 mg taken.
    cal = expand_regimen(regimen(stop="2024-01-21"), [proc("tace", "2024-01-08")])
    assert statuses(cal, D(2024, 1, 6), D(2024, 1, 10)) == ["on", "hold", "hold", "hold", "on"]
    held = day(cal, D(2024, 1, 7))
    assert (held.planned_dose, held.actual_dose) == (8, 0)
    assert held.reason == "hold: 1 day before TACE on 2024-01-08"
    assert day(cal, D(2024, 1, 8)).reason == "hold: day of TACE on 2024-01-08"
    assert day(cal, D(2024, 1, 9)).reason == "hold: 1 day after TACE on 2024-01-08"
    assert (cal.planned_total, cal.actual_total) == (112, 88)
    assert cal.relative_dose_intensity == pytest.approx(11 / 14)
    [hold] = cal.holds
    assert (hold.procedure_date, hold.procedure_type) == (D(2024, 1, 8), "tace")
    assert (hold.first_held, hold.last_held, hold.days_lost) == (D(2024, 1, 7), D(2024, 1, 9), 3)
    # Holds do not shift the cycle: day 15 is still the first off day.
    assert day(cal, D(2024, 1, 15)).status == "off"


@pytest.mark.parametrize(("tace", "first", "expected", "lost"), [
    # TACE on the first off day (01-15): 01-14 (day 14, on) held; 01-15, 01-16 stay off.
    ("2024-01-15", D(2024, 1, 13), ["on", "hold", "off", "off", "off"], 1),
    # TACE on the last off day (01-21): 01-20, 01-21 stay off; 01-22 (cycle 2 day 1) held.
    ("2024-01-21", D(2024, 1, 19), ["off", "off", "off", "hold", "on"], 1),
    # TACE mid-break (01-18): 01-17..01-19 all off: the hold is placed but loses nothing.
    ("2024-01-18", D(2024, 1, 16), ["off", "off", "off", "off", "off"], 0),
])
def test_hold_straddling_off_days(tace: str, first: dt.date, expected: list[str],
                                  lost: int) -> None:
    cal = expand_regimen(regimen(stop="2024-02-11"), [proc("tace", tace)])
    assert statuses(cal, first, first + dt.timedelta(days=4)) == expected
    assert cal.holds[0].days_lost == lost
    off = day(cal, D.fromisoformat(tace))
    assert off.status == "off"
    assert (off.planned_dose, off.actual_dose) == (0, 0)
    assert off.reason == (f"off: planned off day within the hold (day of TACE on {tace}); "
                          "nothing lost")


def test_overlapping_holds_count_each_day_once() -> None:
    # TACE 01-08 holds 01-07..01-09, ablation 01-10 holds 01-09..01-11: 01-07..01-11 held
    # (5 on-days). 01-09 lies in both and counts for the earlier TACE: 3 + 2 = 5.
    # One cycle: RDI = (14 - 5)/14 = 9/14.
    cal = expand_regimen(regimen(stop="2024-01-21"),
                         [proc("ablation", "2024-01-10"), proc("tace", "2024-01-08")])
    assert statuses(cal, D(2024, 1, 6), D(2024, 1, 12)) == ["on"] + ["hold"] * 5 + ["on"]
    assert day(cal, D(2024, 1, 9)).reason == (
        "hold: 1 day after TACE on 2024-01-08; 1 day before ablation on 2024-01-10")
    assert [(h.procedure_type, h.days_lost) for h in cal.holds] == [("tace", 3), ("ablation", 2)]
    assert cal.relative_dose_intensity == pytest.approx(9 / 14)


def test_partial_dated_procedure_gets_a_note_not_a_hold() -> None:
    # TACE 2024-01 (month only): no hold, a note. TACE 2023-06 could not touch the regimen: no
    # note. A biopsy is not in procedure_types: nothing.
    procedures = [proc("tace", "2024-01"), proc("tace", "2023-06"), proc("biopsy", "2024-01-08")]
    cal = expand_regimen(regimen(stop="2024-01-21"), procedures)
    assert cal.holds == []
    assert statuses(cal, D(2024, 1, 1), D(2024, 1, 14)) == ["on"] * 14
    assert cal.notes == ["no hold placed around TACE 2024-01 (date known only to the month)"]


def test_procedure_before_start_holds_only_days_inside_the_regimen() -> None:
    # TACE 12-31 holds 12-30..2024-01-01: only 01-01 (day 1) is in the regimen.
    cal = expand_regimen(regimen(stop="2024-01-21"), [proc("tace", "2023-12-31")])
    assert [d.status for d in cal.days[:2]] == ["hold", "on"]
    assert (cal.holds[0].first_held, cal.holds[0].days_lost) == (D(2024, 1, 1), 1)


# --- interruptions and dose changes -------------------------------------------------------------


def test_interruption() -> None:
    # 01-03..01-05 interrupted (3 on-days); 01-13..01-16: 01-13, 01-14 interrupted, 01-15 and
    # 01-16 stay off (an interruption is outside the off days). 5 lost: RDI (14 - 5)/14 = 9/14.
    reg = regimen(stop="2024-01-21", interruptions=[
        {"start": "2024-01-03", "stop": "2024-01-05", "reason": "hand-foot skin reaction"},
        {"start": "2024-01-13", "stop": "2024-01-16"},
    ])
    cal = expand_regimen(reg, [])
    assert statuses(cal, D(2024, 1, 2), D(2024, 1, 6)) == ["on"] + ["interrupted"] * 3 + ["on"]
    assert statuses(cal, D(2024, 1, 12), D(2024, 1, 17)) == [
        "on", "interrupted", "interrupted", "off", "off", "off"]
    assert day(cal, D(2024, 1, 4)).reason == (
        "interrupted: hand-foot skin reaction (2024-01-03 to 2024-01-05)")
    assert day(cal, D(2024, 1, 4)).actual_dose == 0
    assert cal.relative_dose_intensity == pytest.approx(9 / 14)
    [row] = calendar_summary(cal)
    assert (row.on_days, row.off_days, row.held_days, row.interrupted_days) == (9, 7, 0, 5)


def test_hold_wins_over_an_interruption() -> None:
    reg = regimen(stop="2024-01-21", interruptions=[{"start": "2024-01-08", "stop": "2024-01-08"}])
    cal = expand_regimen(reg, [proc("tace", "2024-01-08")])
    assert day(cal, D(2024, 1, 8)).status == "hold"


def test_open_interruption_until_the_next_dose_change() -> None:
    # Interrupted from 01-10 with no stop; 6 mg from 01-22. 01-10..01-14 interrupted (5 on-days),
    # 01-15..01-21 off, 01-22 on at 6 mg. Stop 02-04 (end of cycle 2's on days).
    # Planned 14 × 8 + 14 × 6 = 196; taken 9 × 8 + 14 × 6 = 156; RDI 156/196.
    # Against the starting dose: 156 / (28 × 8 = 224).
    reg = regimen(stop="2024-02-04", interruptions=[{"start": "2024-01-10"}],
                  dose_changes=[{"date": "2024-01-22", "dose": 6, "reason": "hypertension"}])
    cal = expand_regimen(reg, [])
    assert statuses(cal, D(2024, 1, 9), D(2024, 1, 15)) == ["on"] + ["interrupted"] * 5 + ["off"]
    assert day(cal, D(2024, 1, 10)).reason == (
        "interrupted: no reason recorded (from 2024-01-10, open until the dose change on "
        "2024-01-22)")
    assert (day(cal, D(2024, 1, 22)).status, day(cal, D(2024, 1, 22)).actual_dose) == ("on", 6)
    assert (cal.planned_total, cal.actual_total) == (196, 156)
    assert cal.relative_dose_intensity == pytest.approx(156 / 196)
    assert cal.rdi_vs_starting_dose == pytest.approx(156 / 224)


def test_open_interruption_without_a_later_change_runs_to_the_end() -> None:
    reg = regimen(stop="2024-01-21", interruptions=[{"start": "2024-01-13"}])
    cal = expand_regimen(reg, [])
    assert statuses(cal, D(2024, 1, 13), D(2024, 1, 15)) == ["interrupted", "interrupted", "off"]


def test_dose_change() -> None:
    # 8 mg on 01-01..01-07 (56 mg), 6 mg on 01-08..01-14 (42 mg): 98 mg planned and taken.
    # RDI 1.0 (the plan follows the change); against 8 mg: 98/112 = 0.875.
    cal = expand_regimen(regimen(stop="2024-01-21",
                                 dose_changes=[{"date": "2024-01-08", "dose": 6}]), [])
    assert [d.planned_dose for d in cal.days[5:9]] == [8, 8, 6, 6]
    assert (cal.planned_total, cal.actual_total, cal.relative_dose_intensity) == (98, 98, 1.0)
    assert cal.rdi_vs_starting_dose == pytest.approx(0.875)
    # A month-only change starts on the first day of its month, with a note.
    cal = expand_regimen(regimen(stop="2024-02-04",
                                 dose_changes=[{"date": "2024-02", "dose": 4}]), [])
    assert day(cal, D(2024, 1, 31)).planned_dose == 8
    assert day(cal, D(2024, 2, 1)).planned_dose == 4
    assert "dose_changes[0].date: '2024-02' imputed as 2024-02-01 (first day of the month)" in (
        cal.notes)


def test_missing_dose_counts_administrations() -> None:
    # No dose: each on-day is 1 administration; 14 on-days, TACE 01-08 holds 3: 11 of 14.
    reg = regimen(dose=None, unit=None, stop="2024-01-21",
                  dose_changes=[{"date": "2024-01-10", "dose": 5}])
    cal = expand_regimen(reg, [proc("tace", "2024-01-08")])
    assert (cal.unit, cal.dose_known) == ("administration", False)
    assert (cal.planned_total, cal.actual_total) == (14, 11)
    assert "1 dose change ignored: no starting dose to relate the new doses to" in cal.notes


# --- window and summary -------------------------------------------------------------------------


def test_window_trims_days_totals_and_holds() -> None:
    # Regimen 01-01..03-03 (3 cycles), TACE 01-08. Window 01-09..01-28 = 20 days:
    # 01-09 hold, 01-10..01-14 on (5), 01-15..01-21 off (7), 01-22..01-28 on (7).
    # Planned on-days 1 + 5 + 7 = 13 → 104 mg; taken 12 → 96 mg. The hold shows only 01-09.
    cal = expand_regimen(regimen(stop="2024-03-03"), [proc("tace", "2024-01-08")],
                         window=(D(2024, 1, 9), D(2024, 1, 28)))
    assert (cal.start, cal.end) == (D(2024, 1, 1), D(2024, 3, 3))
    assert (cal.days[0].date, cal.days[-1].date, len(cal.days)) == (D(2024, 1, 9),
                                                                    D(2024, 1, 28), 20)
    assert (cal.days[0].cycle_day, day(cal, D(2024, 1, 22)).cycle_day) == (9, 1)
    assert (cal.planned_total, cal.actual_total) == (104, 96)
    assert cal.totals_scope == "the 20 days shown, 2024-01-09 to 2024-01-28"
    [hold] = cal.holds
    assert (hold.first_held, hold.last_held, hold.days_lost) == (D(2024, 1, 9), D(2024, 1, 9), 1)
    # Open ends and a window outside the regimen.
    assert len(expand_regimen(regimen(stop="2024-03-03"), [],
                              window=(None, D(2024, 1, 5))).days) == 5
    empty = expand_regimen(regimen(stop="2024-03-03"), [], window=(D(2025, 1, 1), None))
    assert (empty.days, empty.planned_total, empty.relative_dose_intensity) == ([], 0, None)


def test_calendar_summary_per_cycle() -> None:
    # Two cycles, TACE 01-08: cycle 1 has 11 on, 3 held, 7 off (112 planned, 88 taken);
    # cycle 2 (01-22..02-11) 14 on, 7 off (112, 112).
    cal = expand_regimen(regimen(stop="2024-02-11"), [proc("tace", "2024-01-08")])
    rows = calendar_summary(cal)
    assert [(r.cycle, r.first_day, r.last_day) for r in rows] == [
        (1, D(2024, 1, 1), D(2024, 1, 21)), (2, D(2024, 1, 22), D(2024, 2, 11))]
    assert [(r.on_days, r.held_days, r.off_days, r.planned, r.actual) for r in rows] == [
        (11, 3, 7, 112, 88), (14, 0, 7, 112, 112)]


# --- the reference case -------------------------------------------------------------------------


def test_reference_case_anlotinib() -> None:
    """Anlotinib 8 mg daily from 2021-12-06, 14/7, held 1 day before to 1 day after each TACE.

    Offsets from 2021-12-06 (day 1 = offset 0), cycle = offset // 21 + 1, day = offset % 21 + 1:
      2022-04-13: 25 (Dec) + 31 + 28 + 31 + 13 = 128 → cycle 7, day 3  (on: 3 days lost)
      2022-08-24: 128 + 17 + 31 + 30 + 31 + 30 + 31 + 24 = 261 → cycle 13, day 10 (3 lost)
      2022-12-16: 261 + 7 + 30 + 31 + 30 + 16 = 375 → cycle 18, day 19 (off: days 18-20, 0 lost)
      2023-03-23: 375 + 15 + 31 + 28 + 23 = 472 → cycle 23, day 11 (3 lost)
      2023-06-21: 472 + 8 + 30 + 31 + 21 = 562 → cycle 27, day 17 (off: days 16-18, 0 lost)
    2021-12-06..2024-10-05 is 1035 days = 49 cycles (49 × 14 = 686 on-days) + 6 days of cycle 50
    (on): 692 on-days, 5536 mg planned; 9 held → 683 × 8 = 5464 mg; RDI 683/692.
    The TACE of 2021-12-03 holds 12-02..12-04, all before the start: no hold.
    """
    case = oncotrack.load_case(REFERENCE)
    anlotinib = next(r for r in case.regimens if r.drug == "anlotinib")
    cal = expand_regimen(anlotinib, case.procedures, follow_up_end=D(2024, 10, 5))
    first = cal.days[0]
    assert (first.date, first.status, first.cycle, first.cycle_day) == (D(2021, 12, 6), "on", 1, 1)
    assert next(d for d in cal.days if d.status == "off").date == D(2021, 12, 20)
    exact = [D(2022, 4, 13), D(2022, 8, 24), D(2022, 12, 16), D(2023, 3, 23), D(2023, 6, 21)]
    for tace in exact:
        for offset in (-1, 0, 1):
            assert day(cal, tace + dt.timedelta(days=offset)).status != "on", (tace, offset)
    assert [h.procedure_date for h in cal.holds] == exact
    assert [h.days_lost for h in cal.holds] == [3, 3, 0, 3, 0]
    assert (day(cal, D(2022, 4, 13)).cycle, day(cal, D(2022, 4, 13)).cycle_day) == (7, 3)
    assert "no hold placed around TACE 2022-01 (date known only to the month)" in cal.notes
    assert "no hold placed around TACE 2024-03 (date known only to the month)" in cal.notes
    assert (len(cal.days), cal.planned_total, cal.actual_total) == (1035, 5536, 5464)
    assert cal.relative_dose_intensity == pytest.approx(683 / 692)
    assert (cal.end_reason, cal.unit) == ("end of follow-up given by the caller", "mg")


# --- properties ---------------------------------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Regimen, list[Procedure], tuple[D | None, D | None]]:
    start = draw(st.dates(D(2023, 1, 1), D(2024, 12, 31)))
    length = draw(st.integers(1, 150))

    def at(lo: int = -10, hi: int = length + 10) -> str:
        return (start + dt.timedelta(days=draw(st.integers(lo, hi)))).isoformat()

    data: dict[str, Any] = {"drug": "x", "start": start.isoformat(),
                            "stop": (start + dt.timedelta(days=length - 1)).isoformat()}
    if draw(st.booleans()):
        data["dose"] = draw(st.floats(0.1, 1000))
    if draw(st.booleans()):
        data["cycle"] = {"days_on": draw(st.integers(1, 28)), "days_off": draw(st.integers(0, 14))}
        if draw(st.booleans()):
            data["cycles_planned"] = draw(st.integers(1, 6))
    data["holds"] = {"procedure_types": ["tace", "surgery"],
                     "days_before": draw(st.integers(0, 3)), "days_after": draw(st.integers(0, 3))}
    data["interruptions"] = [
        {"start": (s := at(0, length))} | ({"stop": s} if draw(st.booleans()) else {})
        for _ in range(draw(st.integers(0, 2)))
    ]
    data["dose_changes"] = [{"date": at(), "dose": draw(st.floats(0.1, 1000))}
                            for _ in range(draw(st.integers(0, 2)))]
    procedures = [proc(draw(st.sampled_from(["tace", "surgery", "biopsy"])), at())
                  for _ in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()):
        procedures.append(proc("tace", at()[:7]))  # month only: a note, no hold
    lo = D.fromisoformat(at()) if draw(st.booleans()) else None
    hi = D.fromisoformat(at()) if draw(st.booleans()) else None
    return Regimen.model_validate(data), procedures, (lo, hi)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_delivered_never_exceeds_planned(
    scenario: tuple[Regimen, list[Procedure], tuple[D | None, D | None]],
) -> None:
    reg, procedures, window = scenario
    cal = expand_regimen(reg, procedures, window=window)
    assert cal.actual_total <= cal.planned_total
    if cal.relative_dose_intensity is not None:
        assert 0 <= cal.relative_dose_intensity <= 1
    else:
        assert cal.planned_total == 0
    dates = [d.date for d in cal.days]
    assert all((b - a).days == 1 for a, b in pairwise(dates))
    assert len(set(dates)) == len(dates)
    assert all(cal.start <= d <= cal.end for d in dates)
    for d in cal.days:
        assert d.actual_dose == (d.planned_dose if d.status == "on" else 0)
        assert (d.planned_dose == 0) == (d.status == "off")
    assert sum(h.days_lost for h in cal.holds) == sum(1 for d in cal.days if d.status == "hold")
    rows = calendar_summary(cal)
    assert sum(r.on_days + r.off_days + r.held_days + r.interrupted_days for r in rows) == len(
        cal.days)
