"""Terminal tables for ``oncotrack labs``, ``schedule``, ``stage`` and the liver panel."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from oncotrack.course import LabsResult, ScheduleResult, StageResult
from oncotrack.scores.liver_panel import ProcedurePanel
from oncotrack.scores.staging import StagingResult


def _num(value: float | None, digits: int = 2) -> str:
    """At most ``digits`` decimals, without trailing zeros (30 stays 30, 12.50 is 12.5)."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def render_liver_panel(panels: list[ProcedurePanel], window_days: int, console: Console) -> None:
    table = Table(title=f"Liver function before each procedure (labs within {window_days} days "
                  "before; * illustrative values)", title_justify="left")
    for name in ("Procedure", "Date", "Labs from", "ALT U/L", "Bili µmol/L", "Alb g/L", "ALBI",
                 "Grade", "Δ ALBI", "Child-Pugh", "CTCAE ≥ 1", "Warnings"):
        table.add_column(name)
    for panel in panels:
        labs = panel.labs
        when = sorted({lab.lab.date for lab in labs.values()})
        graded = [f"{lab.ctcae.term.split(' ')[0]} G{lab.ctcae.grade}"
                  for lab in labs.values() if lab.ctcae and lab.ctcae.grade]
        cp = panel.child_pugh
        cp_text = "—" if cp is None else (
            f"{cp.child_pugh_class} ({cp.points})" if cp.points is not None
            else f"{cp.class_range[0]}-{cp.class_range[1]} ({cp.points_range[0]}-"
            f"{cp.points_range[1]})")
        star = " *" if any(lab.lab.illustrative for lab in labs.values()) else ""
        table.add_row(
            f"{panel.name or panel.type}", panel.date_given + (" (imputed)" if panel.imputed_date
                                                               else ""),
            ", ".join(str(d) for d in when) + star if when else (panel.note or "—"),
            _value(panel, "alt", 0), _value(panel, "bilirubin", 1), _value(panel, "albumin", 1),
            f"{panel.albi.score:.2f}" if panel.albi else "—",
            f"{panel.albi.grade} ({panel.albi.malbi})" if panel.albi else "—",
            f"{panel.albi_change:+.2f}" if panel.albi_change is not None else "—",
            cp_text, ", ".join(graded) or "none", "; ".join(panel.warnings) or "—",
        )
    console.print(table)


def _value(panel: ProcedurePanel, analyte: str, digits: int) -> str:
    lab = panel.labs.get(analyte)
    return "—" if lab is None else _num(lab.lab.value, digits)


def render_labs(result: LabsResult, console: Console) -> None:
    table = Table(title=f"Labs of {result.case} in canonical units, CTCAE v5.0 grade (baseline: "
                  "the first value of each analyte)", title_justify="left")
    for name in ("Date", "Analyte", "As recorded", "Value", "Unit", "Range", "CTCAE", "Why"):
        table.add_column(name)
    for row in result.labs:
        lab = row.lab
        grade = "—" if row.ctcae is None else (
            "?" if row.ctcae.grade is None else f"G{row.ctcae.grade}")
        why = row.ctcae.rule if row.ctcae else (row.ctcae_note or "")
        if row.ctcae and row.ctcae.needs_clinical_input:
            why += f" ({row.ctcae.needs_clinical_input})"
        table.add_row(str(lab.date), lab.analyte, lab.given + (" *" if lab.illustrative else ""),
                      _num(lab.value), lab.unit, f"{_num(lab.low)}-{_num(lab.high)}", grade, why)
    console.print(table)
    if result.albi:
        console.print("[bold]ALBI by date[/] (Johnson 2015; mALBI Hiraoka 2017)")
        for at in result.albi:
            console.print(f"  {at.date}: {at.albi.score:.2f}, grade {at.albi.grade} "
                          f"(mALBI {at.albi.malbi}) — {at.albi.rule}")
    render_liver_panel(result.liver_panel, result.window_days, console)
    console.print("* illustrative value (not published)")


def render_schedule(result: ScheduleResult, console: Console, daily: bool) -> None:
    console.print(f"[bold]{result.case}[/]: drug calendars to {result.follow_up_end} "
                  f"({result.follow_up_end_reason})")
    for item in result.regimens:
        calendar = item.calendar
        if calendar is None:
            console.print(f"[yellow]{item.drug}:[/] no calendar — {item.problem}")
            continue
        if not calendar.days:
            console.print(f"{calendar.drug}: not given in the days shown ({calendar.start} to "
                          f"{calendar.end})")
            continue
        unit = calendar.unit or ""
        rdi = ("—" if calendar.relative_dose_intensity is None
               else f"{calendar.relative_dose_intensity:.1%}")
        console.print(
            f"[bold]{calendar.drug}[/] {calendar.start} to {calendar.end} ({calendar.end_reason}): "
            f"planned {_num(calendar.planned_total)} {unit}, taken {_num(calendar.actual_total)} "
            f"{unit}, relative dose intensity {rdi}"
        )
        if daily:
            table = Table(show_header=True)
            for name in ("Date", "Cycle", "Day", "Status", "Planned", "Taken", "Why"):
                table.add_column(name)
            for day in calendar.days:
                table.add_row(str(day.date), str(day.cycle or "—"), str(day.cycle_day or "—"),
                              day.status, _num(day.planned_dose), _num(day.actual_dose),
                              day.reason or "")
            console.print(table)
        elif item.cycles:
            table = Table(show_header=True)
            for name in ("Cycle", "From", "To", "On", "Off", "Held", "Interrupted", "Planned",
                         "Taken"):
                table.add_column(name)
            for c in item.cycles:
                table.add_row(str(c.cycle or "—"), str(c.first_day), str(c.last_day),
                              str(c.on_days), str(c.off_days), str(c.held_days),
                              str(c.interrupted_days), _num(c.planned), _num(c.actual))
            console.print(table)
        for hold in calendar.holds:
            console.print(f"  hold around {hold.procedure_type} {hold.procedure_date}: "
                          f"{hold.first_held} to {hold.last_held}, "
                          f"{hold.days_lost} dose day(s) lost")
        for note in calendar.notes:
            console.print(f"  note: {note}")


def _staging_line(result: StagingResult) -> str:
    stage = result.stage or " or ".join(
        f"{o.stage} ({o.when})" if o.when else o.stage for o in result.options)
    verdict = {True: "matches", False: "MISMATCH", None: "cannot be decided"}[
        result.matches_reported] if result.reported else "no reported stage"
    return (f"{result.system}: recomputed {stage}; reported {result.reported or '—'} "
            f"→ {verdict}")


def render_stage(result: StageResult, console: Console) -> None:
    for dx in result.diagnoses:
        console.print(f"[bold]{dx.site}[/] ({dx.histology or 'histology not recorded'})")
        for staging in (dx.ajcc, dx.msts):
            if staging is None:
                continue
            console.print(f"  {_staging_line(staging)}")
            console.print(f"    {staging.explanation}")
        if dx.note:
            console.print(f"  note: {dx.note}")
    if not result.diagnoses:
        console.print("no primary diagnosis recorded")
