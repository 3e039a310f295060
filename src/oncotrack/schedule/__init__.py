"""Drug schedules: a regimen expanded into a daily calendar of planned and taken doses."""

from oncotrack.schedule.calendar import (
    CalendarDay,
    CycleSummary,
    HoldPlaced,
    RegimenCalendar,
    calendar_summary,
    expand_regimen,
)

__all__ = [
    "CalendarDay",
    "CycleSummary",
    "HoldPlaced",
    "RegimenCalendar",
    "calendar_summary",
    "expand_regimen",
]
