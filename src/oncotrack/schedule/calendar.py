"""The drug calendar: one regimen expanded into what was planned and taken, day by day.

A pure function of the regimen, the procedures and two caller-given dates: no file, clock or
database is read. Every rule below says where it comes from; where no source decides, the
convention is oncotrack's and is named as such.

**Period.** The calendar runs from ``regimen.start`` (imputed by ``start_imputation``, by default
the first day of a partial period: docs/clinical-rules.md, "Partial dates") to the earliest of

* ``regimen.stop`` (imputed by ``stop_imputation``, by default the last day) — "regimen stop";
* the last day of the last planned cycle when ``cycles_planned`` and ``cycle`` are both set (the
  cycle is ``days_on + days_off`` long, so its trailing off days belong to it) — "last planned
  cycle";
* ``follow_up_end`` given by the caller — "end of follow-up given by the caller". A drug cannot be
  recorded as taken after follow-up ends (death, last contact), so the caller's date also caps a
  later recorded stop (oncotrack convention).

With none of the first and third, the end is unknown and :func:`expand_regimen` raises
``ValueError``. Both ends are included.

**Cycles.** Day 1 is the start; cycle days ``1..days_on`` are "on" and the next ``days_off`` are
"off", repeating from the start (the cycle as the regimen writes it). Without a cycle every day is
"on": a continuous once-daily drug; ``cycles_planned`` then has no length and is ignored (a note
says so).

**Holds** (source: the reference case, Cui et al., J Hepatocell Carcinoma: anlotinib was "stopped
the day before, the day of and the day after each interventional procedure", recorded as
``holds: {procedure_types: [tace], days_before: 1, days_after: 1}``). For every procedure whose
``type`` is in ``holds.procedure_types`` and whose date is exact, the days from
``date − days_before`` to ``date + days_after`` inside the regimen are held. Conventions
(oncotrack; no source in the case decides them):

* a held day that the cycle makes "off" stays "off": nothing is lost, and its ``reason`` says it
  also lies in a hold;
* holds do not shift the cycle: cycle day numbers run on from the start whatever is held (the case
  never says a cycle restarts after a procedure);
* a procedure known only to the month or year gets no hold (its day is unknown; placing the hold on
  an imputed day would invent missed doses) and a note names it, when any day it could hold falls
  inside the regimen;
* a day inside two holds is counted once, as lost to the earlier procedure, so ``days_lost`` adds
  up to the held days.

**Interruptions** are "days the drug was not taken outside the planned off days and procedure
holds" (the model's definition, :class:`oncotrack.model.case.Interruption`), so a day that is off
or held keeps that status; the other days from ``start`` to ``stop`` inclusive are "interrupted".
An interruption without ``stop`` lasts until the day before the next dose change after its start,
else to the end of the regimen (the model's field description). Partial dates: start imputed to the
first day, stop to the last (the ADaM start/end convention of docs/clinical-rules.md).

**Doses.** From a dose change's date on (a partial date: its first day), planned and actual doses
use the new dose: the plan follows the prescribed changes (oncotrack convention), so
``relative_dose_intensity`` measures what was missed against what was prescribed at the time. The
classical measure against the starting dose, where reductions count as lost intensity, is given as
``rdi_vs_starting_dose``. Without ``regimen.dose`` each on-day counts one "administration": the
totals count administrations (``dose_known`` is false, ``unit`` is "administration") and dose
changes, whose amounts cannot be related to an unknown dose, are ignored with a note.

**Relative dose intensity** = delivered dose / planned dose over the same period (Hryniuk & Bush
1984; Longo 1991): ``actual_total / planned_total`` over the days returned; ``None`` when nothing
was planned on those days.

**Window.** ``window=(from, to)`` trims the days returned (either end may be ``None``: open). The
totals, the relative dose intensity and the holds (their held span and ``days_lost``) are about the
days returned only; ``totals_scope`` says which days those are.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from oncotrack.model.case import Procedure, Regimen
from oncotrack.model.dates import Imputation, Precision, resolve

DayStatus = Literal["on", "off", "hold", "interrupted"]

ADMINISTRATION = "administration"
"""The unit counted when a regimen gives no dose: one per planned on-day."""

END_STOP = "regimen stop"
END_CYCLES = "last planned cycle"
END_FOLLOW_UP = "end of follow-up given by the caller"

_ONE_DAY = dt.timedelta(days=1)

_PROCEDURE_LABELS = {"tace": "TACE", "other": "procedure"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalendarDay(_Frozen):
    date: dt.date
    cycle: int | None = Field(description="1-based cycle number; None without a cycle.")
    cycle_day: int | None = Field(description="1-based day within the cycle; None without one.")
    status: DayStatus
    planned_dose: float = Field(description="What the plan gives that day (0 on off days).")
    actual_dose: float = Field(description="What was taken: 0 on off, hold and interrupted days.")
    reason: str | None = None


class HoldPlaced(_Frozen):
    """A hold around one procedure, over the days returned."""

    procedure_date: dt.date
    procedure_type: str
    procedure_name: str | None = None
    first_held: dt.date
    last_held: dt.date
    days_lost: int = Field(description="Planned on-days turned into hold days (off days lose "
                           "nothing; a day in two holds counts for the earlier procedure).")


class RegimenCalendar(_Frozen):
    drug: str
    unit: str | None
    dose_known: bool = Field(description="False: no dose given, doses count administrations.")
    start: dt.date
    end: dt.date
    end_reason: str
    totals_scope: str = Field(description="Which days the totals, RDI and holds are over.")
    days: list[CalendarDay]
    planned_total: float
    actual_total: float
    relative_dose_intensity: float | None = Field(
        description="actual_total / planned_total over the days returned (Hryniuk & Bush 1984).")
    rdi_vs_starting_dose: float | None = Field(
        description="actual_total / (starting dose × planned on-days): dose reductions count.")
    holds: list[HoldPlaced]
    notes: list[str]


class CycleSummary(_Frozen):
    """One row of :func:`calendar_summary`: one cycle (or the whole period without a cycle)."""

    cycle: int | None
    first_day: dt.date
    last_day: dt.date
    on_days: int = Field(description="Days the drug was taken.")
    off_days: int
    held_days: int
    interrupted_days: int
    planned: float
    actual: float


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _label(procedure_type: str) -> str:
    return _PROCEDURE_LABELS.get(procedure_type, procedure_type)


def _period(
    regimen: Regimen, follow_up_end: dt.date | None, notes: list[str]
) -> tuple[dt.date, dt.date, str]:
    start, imputed = resolve(regimen.start, regimen.start_imputation, "start")
    if imputed is not None:
        notes.append(imputed.describe())
    candidates: list[tuple[dt.date, str]] = []
    if regimen.stop is not None:
        stop, imputed = resolve(regimen.stop, regimen.stop_imputation, "stop")
        if imputed is not None:
            notes.append(imputed.describe())
        candidates.append((stop, END_STOP))
    if regimen.cycles_planned is not None:
        if regimen.cycle is None:
            notes.append(f"cycles_planned = {regimen.cycles_planned} ignored: the regimen gives "
                         "no cycle length")
        else:
            length = regimen.cycle.days_on + regimen.cycle.days_off
            last = start + dt.timedelta(days=regimen.cycles_planned * length - 1)
            candidates.append((last, f"{END_CYCLES} (cycles_planned = {regimen.cycles_planned})"))
    if follow_up_end is not None:
        candidates.append((follow_up_end, END_FOLLOW_UP))
    if not candidates:
        raise ValueError(f"regimen {regimen.drug!r} has no stop date: give follow_up_end (the end "
                         "of follow-up) to expand it")
    end, end_reason = min(candidates, key=lambda c: c[0])  # stable: ties keep the first reason
    if end < start:
        raise ValueError(f"regimen {regimen.drug!r} ends ({end_reason}, {end}) before it starts "
                         f"({start})")
    return start, end, end_reason


def _dose_steps(regimen: Regimen, notes: list[str]) -> tuple[list[tuple[dt.date, float]], bool]:
    """(from date, dose) steps in date order; the regimen dose holds from the start."""
    if regimen.dose is None:
        notes.append(f"no dose given: each planned on-day counts 1 {ADMINISTRATION}")
        if regimen.dose_changes:
            notes.append(f"{_plural(len(regimen.dose_changes), 'dose change')} ignored: no "
                         "starting dose to relate the new doses to")
        return [(dt.date.min, 1.0)], False
    steps = [(dt.date.min, regimen.dose)]
    for i, change in enumerate(regimen.dose_changes):
        day, imputed = resolve(change.date, Imputation.FIRST, f"dose_changes[{i}].date")
        if imputed is not None:
            notes.append(imputed.describe())
        steps.append((day, change.dose))
    steps.sort(key=lambda s: s[0])  # stable: two changes on one day, the later listed wins
    return steps, True


def _dose_on(steps: list[tuple[dt.date, float]], day: dt.date) -> float:
    dose = steps[0][1]
    for since, value in steps:
        if since > day:
            break
        dose = value
    return dose


def _base_status(regimen: Regimen, start: dt.date, day: dt.date) -> tuple[int | None, int | None,
                                                                          DayStatus]:
    if regimen.cycle is None:
        return None, None, "on"
    length = regimen.cycle.days_on + regimen.cycle.days_off
    offset = (day - start).days
    cycle_day = offset % length + 1
    status: DayStatus = "on" if cycle_day <= regimen.cycle.days_on else "off"
    return offset // length + 1, cycle_day, status


@dataclass(frozen=True)
class _Hold:
    procedure: Procedure
    date: dt.date
    first: dt.date
    last: dt.date


def _holds(
    regimen: Regimen, procedures: Sequence[Procedure], start: dt.date, end: dt.date,
    notes: list[str],
) -> list[_Hold]:
    if regimen.holds is None:
        return []
    rule = regimen.holds
    before = dt.timedelta(days=rule.days_before)
    after = dt.timedelta(days=rule.days_after)
    placed: list[_Hold] = []
    for procedure in procedures:
        if procedure.type not in rule.procedure_types:
            continue
        label = _label(procedure.type)
        if procedure.date.is_partial:
            earliest = procedure.date.impute(Imputation.FIRST) - before
            latest = procedure.date.impute(Imputation.LAST) + after
            if latest >= start and earliest <= end:
                period = "month" if procedure.date.precision is Precision.MONTH else "year"
                notes.append(f"no hold placed around {label} {procedure.date} (date known only "
                             f"to the {period})")
            continue
        day = procedure.date.impute(Imputation.FIRST)
        first, last = max(day - before, start), min(day + after, end)
        if first <= last:
            placed.append(_Hold(procedure, day, first, last))
    placed.sort(key=lambda h: h.date)
    return placed


def _hold_words(hold: _Hold, day: dt.date) -> str:
    offset = (day - hold.date).days
    where = (f"{_plural(-offset, 'day')} before" if offset < 0
             else f"{_plural(offset, 'day')} after" if offset > 0 else "day of")
    return f"{where} {_label(hold.procedure.type)} on {hold.date}"


def _interruptions(
    regimen: Regimen, end: dt.date, notes: list[str]
) -> list[tuple[dt.date, dt.date, str]]:
    found: list[tuple[dt.date, dt.date, str]] = []
    changes = sorted(c.date.impute(Imputation.FIRST) for c in regimen.dose_changes)
    for i, gap in enumerate(regimen.interruptions):
        first, imputed = resolve(gap.start, Imputation.FIRST, f"interruptions[{i}].start")
        if imputed is not None:
            notes.append(imputed.describe())
        if gap.stop is not None:
            last, imputed = resolve(gap.stop, Imputation.LAST, f"interruptions[{i}].stop")
            if imputed is not None:
                notes.append(imputed.describe())
            if last < first:
                raise ValueError(f"interruptions[{i}] of {regimen.drug!r} stops ({last}) before "
                                 f"it starts ({first})")
            span = f"{first} to {last}"
        else:
            following = [c for c in changes if c > first]
            if following:
                last = following[0] - _ONE_DAY
                span = f"from {first}, open until the dose change on {following[0]}"
            else:
                last = end
                span = f"from {first}, open to the end of the regimen"
        why = gap.reason or "no reason recorded"
        found.append((first, last, f"interrupted: {why} ({span})"))
    return found


def expand_regimen(
    regimen: Regimen,
    procedures: Sequence[Procedure],
    *,
    follow_up_end: dt.date | None = None,
    window: tuple[dt.date | None, dt.date | None] = (None, None),
) -> RegimenCalendar:
    """Expand ``regimen`` into one :class:`CalendarDay` per day, with holds around
    ``procedures``, interruptions and dose changes applied (rules: the module docstring).

    Raises ``ValueError`` when the end cannot be known (no stop, no cycles_planned with a cycle,
    no ``follow_up_end``), when the regimen ends before it starts, or when an interruption stops
    before it starts.
    """
    notes: list[str] = []
    start, end, end_reason = _period(regimen, follow_up_end, notes)
    steps, dose_known = _dose_steps(regimen, notes)
    holds = _holds(regimen, procedures, start, end, notes)
    gaps = _interruptions(regimen, end, notes)

    shown_first = max(start, window[0]) if window[0] is not None else start
    shown_last = min(end, window[1]) if window[1] is not None else end
    if window != (None, None):
        notes.append(f"window {window[0] or '…'} to {window[1] or '…'}: days, totals, relative "
                     "dose intensity and holds cover only the days shown")

    days: list[CalendarDay] = []
    lost = [0] * len(holds)
    touched = [False] * len(holds)
    for day in _days(shown_first, shown_last) if shown_first <= shown_last else []:
        cycle, cycle_day, status = _base_status(regimen, start, day)
        covering = [i for i, h in enumerate(holds) if h.first <= day <= h.last]
        reasons: list[str] = []
        if covering:
            for i in covering:
                touched[i] = True
            words = "; ".join(_hold_words(holds[i], day) for i in covering)
            if status == "on":
                status = "hold"
                lost[covering[0]] += 1
                reasons.append(f"hold: {words}")
            else:
                reasons.append(f"off: planned off day within the hold ({words}); nothing lost")
        if status == "on":
            reasons += [text for first, last, text in gaps if first <= day <= last]
            if reasons:
                status = "interrupted"
        dose = _dose_on(steps, day)
        planned = 0.0 if status == "off" else dose
        actual = dose if status == "on" else 0.0
        days.append(CalendarDay(date=day, cycle=cycle, cycle_day=cycle_day, status=status,
                                planned_dose=planned, actual_dose=actual,
                                reason="; ".join(reasons) or None))

    planned_total = math.fsum(d.planned_dose for d in days)
    actual_total = math.fsum(d.actual_dose for d in days)
    planned_on_days = sum(1 for d in days if d.status != "off")
    starting = _dose_on(steps, start) * planned_on_days
    placed = [
        HoldPlaced(procedure_date=h.date, procedure_type=h.procedure.type,
                   procedure_name=h.procedure.name, first_held=max(h.first, shown_first),
                   last_held=min(h.last, shown_last), days_lost=lost[i])
        for i, h in enumerate(holds) if touched[i]
    ]
    if days:
        scope = f"the {_plural(len(days), 'day')} shown, {days[0].date} to {days[-1].date}"
    else:
        scope = "no day: the window lies outside the regimen"
    return RegimenCalendar(
        drug=regimen.drug,
        unit=regimen.unit if dose_known else ADMINISTRATION,
        dose_known=dose_known,
        start=start,
        end=end,
        end_reason=end_reason,
        totals_scope=scope,
        days=days,
        planned_total=planned_total,
        actual_total=actual_total,
        relative_dose_intensity=actual_total / planned_total if planned_total > 0 else None,
        rdi_vs_starting_dose=actual_total / starting if starting > 0 else None,
        holds=placed,
        notes=notes,
    )


def calendar_summary(calendar: RegimenCalendar) -> list[CycleSummary]:
    """One row per cycle over the days returned (one row, ``cycle`` None, without a cycle).

    ``on_days`` counts days the drug was taken; planned on-days are ``on_days + held_days +
    interrupted_days``. A cycle cut by the window or the end shows only its days in the calendar.
    """
    rows: list[CycleSummary] = []
    groups: list[list[CalendarDay]] = []
    for day in calendar.days:
        if groups and groups[-1][0].cycle == day.cycle:
            groups[-1].append(day)
        else:
            groups.append([day])
    for group in groups:
        def count(status: DayStatus, days: list[CalendarDay] = group) -> int:
            return sum(1 for d in days if d.status == status)

        rows.append(CycleSummary(
            cycle=group[0].cycle, first_day=group[0].date, last_day=group[-1].date,
            on_days=count("on"), off_days=count("off"), held_days=count("hold"),
            interrupted_days=count("interrupted"),
            planned=math.fsum(d.planned_dose for d in group),
            actual=math.fsum(d.actual_dose for d in group),
        ))
    return rows
