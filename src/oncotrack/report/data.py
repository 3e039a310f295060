"""Everything a report shows, gathered once from the engines (no rule lives here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oncotrack.assessment import AssessmentResult, assess
from oncotrack.course import (
    LabsResult,
    ScheduleResult,
    StageResult,
    labs_view,
    schedule_view,
    stage_view,
)
from oncotrack.model.case import Case
from oncotrack.scores.liver_panel import PanelOptions


@dataclass(frozen=True)
class ReportData:
    """The case and every result derived from it, with the options used."""

    case: Case
    assessment: AssessmentResult
    labs: LabsResult
    schedule: ScheduleResult
    stage: StageResult
    source: str
    """Where the case came from (a file name), for the report's header."""


def build_report_data(case: Case, source: str = "", **options: Any) -> ReportData:
    """Assess ``case`` (``options`` as for :func:`oncotrack.assess`) and gather the views."""
    return gather_report_data(case, assess(case, **options), source)


def gather_report_data(case: Case, assessment: AssessmentResult, source: str = "") -> ReportData:
    """The views beside an assessment already made (e.g. cached by the web app)."""
    window = int(assessment.parameters["lab_window_days"])
    return ReportData(
        case=case,
        assessment=assessment,
        labs=labs_view(case, PanelOptions(window_days=window)),
        schedule=schedule_view(case),
        stage=stage_view(case),
        source=source,
    )
