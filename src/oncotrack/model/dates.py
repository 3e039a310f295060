"""Dates that may be partial (``YYYY``, ``YYYY-MM``) and the rule that imputes them.

Case reports and registries often know only the month or the year of an event ("in 2020 she
underwent resection"). oncotrack keeps what was written, imputes a full date by a documented rule
when a calculation needs one, and every result that used an imputed date says so.

Imputation rules (docs/clinical-rules.md, "Partial dates"):

* ``FIRST`` — the first day of the missing period (``2020`` → 2020-01-01, ``2021-06`` →
  2021-06-01). Used for the start of something that lasts: a diagnosis, a regimen's start. This is
  the usual CDISC ADaM convention for start dates.
* ``LAST`` — the last day of the missing period (``2022-01`` → 2022-01-31). Used for things that
  happened by a date: imaging assessments, procedures, events, a regimen's stop. The ADaM
  convention for response dates (an observation is never dated earlier than it can have been).
* Death uses ``FIRST`` but never earlier than the last date the patient was known alive; that
  bound needs the whole case and so lives in :mod:`oncotrack.endpoints.survival`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Imputation(StrEnum):
    """How a partial date becomes a full one (see the module docstring)."""

    FIRST = "first"
    LAST = "last"


_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to the day, the month or only the year."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2200:
            raise ValueError(f"year {self.year} is outside 1900-2200")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1-12")
        if self.day is not None:
            assert self.month is not None
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"day {self.day} does not exist in {self.year}-{self.month:02d}")

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        """Read ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, a year as an integer, or a date."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            raise ValueError("expected a date (YYYY-MM-DD, YYYY-MM or YYYY), not a date and time")
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, bool):
            raise ValueError(f"expected a date (YYYY-MM-DD, YYYY-MM or YYYY), got {value!r}")
        if isinstance(value, int):
            return cls(value)
        if not isinstance(value, str):
            raise ValueError(f"expected a date (YYYY-MM-DD, YYYY-MM or YYYY), got {value!r}")
        match = _PATTERN.match(value.strip())
        if match is None:
            raise ValueError(f"expected a date as YYYY-MM-DD, YYYY-MM or YYYY, got {value!r}")
        month, day = match["month"], match["day"]
        return cls(int(match["year"]), int(month) if month else None, int(day) if day else None)

    @classmethod
    def of(cls, day: dt.date) -> PartialDate:
        return cls(day.year, day.month, day.day)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    @property
    def is_partial(self) -> bool:
        return self.day is None

    def impute(self, rule: Imputation) -> dt.date:
        """The full date this partial date stands for under ``rule``; exact dates are unchanged."""
        if self.day is not None:
            assert self.month is not None
            return dt.date(self.year, self.month, self.day)
        if rule is Imputation.FIRST:
            return dt.date(self.year, self.month or 1, 1)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _parse(value: Any) -> PartialDate:
    return PartialDate.parse(value)


PartialDateField = Annotated[
    PartialDate,
    BeforeValidator(_parse),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer", "minimum": 1900, "maximum": 2200},
            ],
            "description": "A date: YYYY-MM-DD, or partial as YYYY-MM or YYYY (imputed by rule).",
        }
    ),
]
"""A :class:`PartialDate` as a pydantic field: parsed from text, written back as text."""


@dataclass(frozen=True)
class ImputedDate:
    """A date a result used, with how it was obtained when the record was partial."""

    field: str
    given: str
    used: dt.date
    rule: str

    def describe(self) -> str:
        return f"{self.field}: '{self.given}' imputed as {self.used.isoformat()} ({self.rule})"


def resolve(value: PartialDate, rule: Imputation, field: str) -> tuple[dt.date, ImputedDate | None]:
    """Impute ``value`` and, when it was partial, describe the imputation for the result's flags."""
    used = value.impute(rule)
    if not value.is_partial:
        return used, None
    period = "month" if value.precision is Precision.MONTH else "year"
    wording = f"{rule.value} day of the {period}"
    return used, ImputedDate(field=field, given=str(value), used=used, rule=wording)
