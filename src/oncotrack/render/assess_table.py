"""The ``oncotrack assess`` table: every number with the rule that produced it."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from oncotrack.assessment import AssessmentResult
from oncotrack.endpoints.survival import TimeToEvent
from oncotrack.render.views import render_liver_panel


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f} %"


def _mm(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _code(value: object) -> str:
    return "—" if value is None else str(getattr(value, "value", value))


def render_assessment(result: AssessmentResult, console: Console) -> None:
    console.print(
        f"[bold]{result.case}[/] — {result.criteria}; reference date {result.reference_date} "
        f"({result.reference_date_source})"
    )
    params = result.parameters
    console.print(
        f"SD window {params['sd_window_days']} d (>=), confirmation {params['confirm_days']} d "
        f"(>=), max NE between {params['max_ne']}, accept SD {params['accept_sd']}, "
        f"PR persistence {params['pr_persistence']}"
    )
    if result.baseline and not result.baseline.targets:
        console.print(f"Baseline {result.baseline.date}: no target lesions; non-target: "
                      f"{', '.join(result.baseline.non_targets)}")
    elif result.baseline:
        targets = ", ".join(f"{k} {_mm(v)}" for k, v in result.baseline.targets.items())
        console.print(
            f"Baseline {result.baseline.date}: sum {_mm(result.baseline.sum_mm)} mm "
            f"({targets}); non-target: {', '.join(result.baseline.non_targets) or 'none'}"
        )
    for finding in result.findings:
        console.print(f"[yellow]warning:[/] {finding.message} ({finding.source})")
    _timepoints(result, console)
    _lesions(result, console)
    _best(result, console)
    _endpoints(result, console)
    _criteria(result, console)
    _treatment(result, console)
    if result.liver_panel:
        render_liver_panel(result.liver_panel, result.parameters["lab_window_days"], console)
    if result.imputed_dates:
        console.print("[bold]Imputed dates[/] (results above depend on them):")
        for line in result.imputed_dates:
            console.print(f"  • {line}")
    if result.illustrative:
        groups: dict[str, int] = {}
        for record in result.illustrative:
            name = record.split("[", 1)[0]
            groups[name] = groups.get(name, 0) + 1
        console.print(
            "[bold]Illustrative values[/] (not published; chosen to match the narrative; the "
            "JSON output lists each): "
            + ", ".join(f"{count} {name}" for name, count in groups.items())
        )


def _timepoints(result: AssessmentResult, console: Console) -> None:
    table = Table(title=f"Timepoint responses ({result.criteria})", title_justify="left")
    for name in ("Date", "Sum mm", "vs baseline", "Nadir mm (date)", "vs nadir", "Target",
                 "Non-target", "New", "Overall", "Recorded"):
        table.add_column(name)
    for tp in result.timepoints:
        recorded = _code(tp.recorded)
        if tp.agrees is not None:
            recorded += " ✓" if tp.agrees else " ✗"
        nadir = f"{_mm(tp.nadir_mm)} ({tp.nadir_date})" if tp.nadir_date else "—"
        table.add_row(
            tp.date_given + (" *" if tp.imputed_dates else ""), _mm(tp.sum_mm),
            _pct(tp.change_from_baseline_pct), nadir, _pct(tp.change_from_nadir_pct),
            _code(tp.target), _code(tp.non_target), "yes" if tp.new_lesions else "no",
            f"[bold]{tp.overall.value}[/]", recorded,
        )
    console.print(table)
    console.print("[bold]Why[/]")
    for tp in result.timepoints:
        console.print(f"  {tp.date}: {tp.rule}. Target — {tp.target_rule}. "
                      f"Non-target — {tp.non_target_rule}.")
        if tp.equivocal_new_lesions:
            console.print(f"    equivocal new lesions (not PD yet): "
                          f"{', '.join(tp.equivocal_new_lesions)}")
        if tp.disagreement:
            console.print(f"    [red]disagrees with the record:[/] {tp.disagreement}")


def _lesions(result: AssessmentResult, console: Console) -> None:
    if not any(tp.lesions for tp in result.timepoints):
        return
    table = Table(
        title="Per-lesion readings — NOT RECIST 1.1 (which judges the sum): the same thresholds "
        "applied to each lesion, as the reference case's authors reported",
        title_justify="left",
    )
    for name in ("Date", "Lesion", "mm", "vs baseline", "vs lesion nadir", "Reading", "Recorded"):
        table.add_column(name)
    for tp in result.timepoints:
        for reading in tp.lesions:
            recorded = _code(reading.recorded)
            if reading.agrees is not None:
                recorded += " ✓" if reading.agrees else " ✗"
            table.add_row(
                str(tp.date), reading.lesion, reading.recorded_as,
                _pct(reading.change_from_baseline_pct), _pct(reading.change_from_nadir_pct),
                reading.per_lesion_reading.value, recorded,
            )
    console.print(table)


def _best(result: AssessmentResult, console: Console) -> None:
    best = result.best_overall_response
    console.print("[bold]Best overall response[/]")
    console.print(f"  unconfirmed: [bold]{best.unconfirmed.response.value}[/] "
                  f"({best.unconfirmed.date}) — {best.unconfirmed.rule}")
    console.print(f"  confirmed:   [bold]{best.confirmed.response.value}[/] "
                  f"({best.confirmed.date}) — {best.confirmed.rule}")


def _endpoints(result: AssessmentResult, console: Console) -> None:
    e = result.endpoints
    table = Table(title="Endpoints (days = date − start + 1; months = days / 30.4375)",
                  title_justify="left")
    for name in ("Endpoint", "Outcome", "From", "To", "Days", "Months", "Reason"):
        table.add_column(name)
    rows: list[tuple[str, TimeToEvent | None]] = [
        ("PFS", e.pfs), ("TTP", e.ttp), ("OS", e.os), ("DoR", e.dor),
        ("Time to response", e.time_to_response),
    ]
    for name, tte in rows:
        if tte is None:
            table.add_row(name, "not applicable", "", "", "", "", "no objective response")
            continue
        table.add_row(name, "event" if tte.event else "censored", str(tte.start_date),
                      str(tte.date), str(tte.days), f"{tte.months:.2f}", tte.reason)
    console.print(table)
    console.print(f"DoR and time to response count from the {e.dor_basis}.")
    console.print(
        f"Objective response (CR/PR): unconfirmed {e.objective_response.unconfirmed}, confirmed "
        f"{e.objective_response.confirmed}. Disease control (CR/PR/SD): unconfirmed "
        f"{e.disease_control.unconfirmed}, confirmed {e.disease_control.confirmed}."
    )


def _criteria(result: AssessmentResult, console: Console) -> None:
    view = result.side_by_side
    if len(view.criteria) > 1:
        table = Table(title="Criteria side by side (overall response at each scan)",
                      title_justify="left")
        table.add_column("Date")
        for key in view.criteria:
            table.add_column(view.names[key])
        for row in view.rows:
            cells = [_code(row.responses[k]) for k in view.criteria]
            style = "bold" if row.differ else None
            table.add_row(str(row.date) + (" ≠" if row.differ else ""), *cells, style=style)
        table.add_row("Best (confirmed)", *[view.best[k]["confirmed"] for k in view.criteria],
                      style="bold")
        console.print(table)
        for line in view.differences:
            console.print(f"  ≠ {line}")
    for key, missing in view.not_assessed.items():
        requested = result.criteria_results[key].requested
        label = "not assessed" if requested else "not assessed (data missing)"
        console.print(f"[yellow]{view.names[key]} {label}[/]: needs " + "; ".join(missing[:5])
                      + (f"; and {len(missing) - 5} more" if len(missing) > 5 else ""))


def _treatment(result: AssessmentResult, console: Console) -> None:
    t = result.treatment
    if t.procedures:
        table = Table(
            title=f"Procedures — TACE sessions: {t.tace_sessions} "
            f"({t.tace_with_embolization} with embolization)",
            title_justify="left",
        )
        for name in ("#", "Date", "Type", "Detail", "Embolization"):
            table.add_column(name)
        for p in t.procedures:
            emb = "—" if p.embolization_performed is None else (
                "yes" if p.embolization_performed else "no")
            table.add_row(str(p.number), p.date_given + (" *" if p.imputed_date else ""),
                          p.type, p.detail, emb)
        console.print(table)
    for r in t.regimens:
        stop = f" to {r.stop}" if r.stop else " (no stop recorded)"
        console.print(f"Regimen: {r.drug} from {r.start_given}{stop}; {r.schedule}")
    console.print("* date recorded as partial and imputed (see below)")
