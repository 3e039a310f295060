"""Time-to-event and response endpoints: PFS, TTP, OS, DoR, time to response, ORR and DCR.

Sources: FDA, "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics" (2018;
definitions) and its 2007 edition (Appendix: PFS censoring table); RECIST 1.1 §4.3.4 (progression
dated to the first scan showing it). Durations follow the CDISC ADaM ADTTE convention
``AVAL = ADT − STARTDT + 1`` (the reference day is day 1) and months are days / 30.4375 (the
mean Gregorian month). Every rule has a line in docs/clinical-rules.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pydantic import BaseModel, ConfigDict, Field

from oncotrack.model.dates import Imputation, ImputedDate, PartialDate, resolve
from oncotrack.model.vocabulary import Response

DAYS_PER_MONTH = 30.4375
"""365.25 / 12: the mean month, as in most SAPs and lifelines examples."""


def duration_days(start: dt.date, end: dt.date) -> int:
    """ADaM ADTTE: AVAL = ADT − STARTDT + 1, so an event on the reference day lasts 1 day."""
    return (end - start).days + 1


def months(days: int) -> float:
    """Days / 30.4375, two decimals."""
    return round(days / DAYS_PER_MONTH, 2)


def impute_death_date(
    given: PartialDate, last_known_alive: dt.date | None, field_name: str
) -> tuple[dt.date, ImputedDate | None]:
    """A partial death date: the first day of the missing period, but never before the last date
    the patient was known alive (the CDISC ADaM convention, as admiral's ``derive_vars_dt`` with
    ``date_imputation = "first"`` and a ``min_dates`` bound)."""
    day, imputed = resolve(given, Imputation.FIRST, field_name)
    if imputed is None:
        return day, None
    latest = given.impute(Imputation.LAST)
    if last_known_alive is not None and day < last_known_alive <= latest:
        rule = f"{imputed.rule}, raised to the last date known alive"
        return last_known_alive, replace(imputed, used=last_known_alive, rule=rule)
    return day, imputed


@dataclass(frozen=True)
class SurvivalOptions:
    dor_death_is_event: bool = True
    """DoR: whether death without progression ends the response (most SAPs: yes)."""
    assessment_interval_days: int | None = None
    """The protocol's imaging interval. When set, PD or death after ``missed_visits`` or more
    missed assessments is censored at the last adequate assessment (FDA 2007 Appendix)."""
    missed_visits: int = 2


@dataclass(frozen=True)
class Observation:
    """An assessed timepoint as the endpoint rules see it."""

    date: dt.date
    response: Response
    progression_date: dt.date | None = None

    @property
    def adequate(self) -> bool:
        """FDA 2007: an adequate assessment is one whose response is not NE."""
        return self.response is not Response.NE


@dataclass(frozen=True)
class CourseFacts:
    """Everything the endpoint rules need about one patient's course, already dated."""

    reference_date: dt.date
    observations: Sequence[Observation]
    progression_events: Sequence[dt.date] = ()
    """Progression recorded as an event (clinical, or radiological outside the series)."""
    death: dt.date | None = None
    new_therapy: Sequence[dt.date] = ()
    last_known_alive: dt.date | None = None
    flags: Sequence[str] = field(default_factory=tuple)


class TimeToEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: bool
    start_date: dt.date
    date: dt.date
    days: int = Field(description="date − start_date + 1 (ADaM AVAL).")
    months: float = Field(description="days / 30.4375.")
    reason: str = Field(description="What the event was, or why the time was censored.")


def _tte(event: bool, start: dt.date, end: dt.date, reason: str) -> TimeToEvent:
    days = duration_days(start, end)
    return TimeToEvent(event=event, start_date=start, date=end, days=days, months=months(days),
                       reason=reason)


def first_progression(facts: CourseFacts, after: dt.date) -> tuple[dt.date, str] | None:
    """The earliest documented progression on or after ``after``: a PD timepoint (dated to the
    first scan showing it, RECIST 1.1 §4.3.4) or a recorded progression event."""
    found: list[tuple[dt.date, str]] = []
    for obs in sorted(facts.observations, key=lambda o: o.date):
        if obs.response is Response.PD and obs.date >= after:
            when = obs.progression_date or obs.date
            found.append((when, f"progression (PD on the scan of {obs.date})"))
            break
    found += [(d, "progression (recorded event)") for d in facts.progression_events if d >= after]
    return min(found) if found else None


def _last_adequate(facts: CourseFacts, start: dt.date, until: dt.date | None) -> dt.date | None:
    days = [o.date for o in facts.observations
            if o.adequate and o.date >= start and (until is None or o.date <= until)]
    return max(days) if days else None


def _event_or_censor(
    facts: CourseFacts, start: dt.date, death_counts: bool, options: SurvivalOptions,
    name: str,
) -> TimeToEvent:
    """Shared by PFS, TTP and DoR: the FDA 2007 censoring table, row by row."""
    candidates: list[tuple[dt.date, str]] = []
    progression = first_progression(facts, start)
    if progression is not None:
        candidates.append(progression)
    if facts.death is not None and facts.death >= start and death_counts:
        candidates.append((facts.death, "death"))
    event = min(candidates) if candidates else None
    therapy = min((d for d in facts.new_therapy if d >= start), default=None)
    if therapy is not None and (event is None or therapy < event[0]):
        last = _last_adequate(facts, start, therapy)
        if last is None:
            return _tte(False, start, start, f"censored at the start: new anticancer therapy on "
                        f"{therapy} before any adequate assessment")
        return _tte(False, start, last, f"censored at the last adequate assessment before new "
                    f"anticancer therapy on {therapy}")
    if event is not None:
        when, what = event
        gap_limit = _gap_limit(options)
        if gap_limit is not None:
            last = _last_adequate(facts, start, when - dt.timedelta(days=1)) or start
            if (when - last).days > gap_limit:
                return _tte(False, start, last, f"censored at the last adequate assessment: "
                            f"{what} on {when} after {options.missed_visits} or more missed "
                            "assessments")
        return _tte(True, start, when, what)
    last = _last_adequate(facts, start, None)
    note = ""
    if facts.death is not None and not death_counts:
        note = f" (death on {facts.death} is not a {name} event)"
    if last is None:
        return _tte(False, start, start, f"censored at the start: no adequate assessment{note}")
    return _tte(False, start, last, f"censored at the last adequate assessment, no progression"
                f"{note}")


def _gap_limit(options: SurvivalOptions) -> int | None:
    if options.assessment_interval_days is None:
        return None
    return options.assessment_interval_days * options.missed_visits


def progression_free_survival(facts: CourseFacts, options: SurvivalOptions) -> TimeToEvent:
    """PFS: reference date to progression or death from any cause (FDA 2018), censored as in the
    FDA 2007 Appendix table."""
    return _event_or_censor(facts, facts.reference_date, True, options, "PFS")


def time_to_progression(facts: CourseFacts, options: SurvivalOptions) -> TimeToEvent:
    """TTP: as PFS, but deaths are not events; they are censored (FDA 2018)."""
    return _event_or_censor(facts, facts.reference_date, False, options, "TTP")


def overall_survival(facts: CourseFacts) -> TimeToEvent:
    """OS: reference date to death from any cause; otherwise censored at the last date known
    alive (FDA 2018)."""
    start = facts.reference_date
    if facts.death is not None:
        return _tte(True, start, facts.death, "death")
    last = facts.last_known_alive or start
    return _tte(False, start, max(last, start), "censored at the last date known alive")


def duration_of_response(
    facts: CourseFacts, response_date: dt.date | None, options: SurvivalOptions
) -> TimeToEvent | None:
    """DoR: first documented CR or PR to progression (or death, by option) — responders only."""
    if response_date is None:
        return None
    return _event_or_censor(facts, response_date, options.dor_death_is_event, options, "DoR")


def time_to_response(facts: CourseFacts, response_date: dt.date | None) -> TimeToEvent | None:
    """Reference date to the first documented CR or PR — responders only."""
    if response_date is None:
        return None
    return _tte(True, facts.reference_date, response_date, "first documented response")


OBJECTIVE_RESPONSE = frozenset({Response.CR, Response.PR, Response.ICR, Response.IPR})
"""FDA 2018: ORR counts CR and PR (iRECIST: iCR and iPR); SD is not part of it."""
DISEASE_CONTROL = frozenset({Response.CR, Response.PR, Response.SD, Response.NON_CR_NON_PD,
                             Response.ICR, Response.IPR, Response.ISD, Response.NON_ICR_NON_IUPD})
"""DCR (conventional, not FDA-defined): CR, PR or SD, the SD having met its minimum duration —
which the best-overall-response rules have already required."""


def is_objective_response(best: Response) -> bool:
    return best in OBJECTIVE_RESPONSE


def is_disease_control(best: Response) -> bool:
    return best in DISEASE_CONTROL
