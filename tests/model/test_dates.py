"""Partial dates and their imputation rules (docs/clinical-rules.md, "Partial dates")."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncotrack.model.dates import Imputation, PartialDate, Precision, resolve

FIRST, LAST = Imputation.FIRST, Imputation.LAST


@pytest.mark.parametrize(("text", "rule", "expected"), [
    ("2021-12-03", FIRST, dt.date(2021, 12, 3)),     # exact dates are never changed
    ("2021-12-03", LAST, dt.date(2021, 12, 3)),
    ("2022-01", FIRST, dt.date(2022, 1, 1)),
    ("2022-01", LAST, dt.date(2022, 1, 31)),
    ("2024-02", LAST, dt.date(2024, 2, 29)),          # leap year
    ("2023-02", LAST, dt.date(2023, 2, 28)),
    ("2020", FIRST, dt.date(2020, 1, 1)),
    ("2020", LAST, dt.date(2020, 12, 31)),
    (2020, LAST, dt.date(2020, 12, 31)),              # YAML reads a bare year as a number
])
def test_imputation(text: object, rule: Imputation, expected: dt.date) -> None:
    assert PartialDate.parse(text).impute(rule) == expected


@pytest.mark.parametrize("text", ["2022-13", "2022-02-30", "22-01-01", "2022/01/01", "yesterday",
                                  "1899", "2022-1-5", ""])
def test_malformed_dates_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected|month|day|year"):
        PartialDate.parse(text)


def test_booleans_and_datetimes_are_not_dates() -> None:
    with pytest.raises(ValueError, match="expected a date"):
        PartialDate.parse(True)
    with pytest.raises(ValueError, match="not a date and time"):
        PartialDate.parse(dt.datetime(2022, 1, 1, 10, 0))


def test_resolve_describes_only_partial_dates() -> None:
    day, note = resolve(PartialDate.parse("2024-05"), LAST, "events[0].date")
    assert day == dt.date(2024, 5, 31)
    assert note is not None
    expected = "events[0].date: '2024-05' imputed as 2024-05-31 (last day of the month)"
    assert note.describe() == expected
    assert resolve(PartialDate.parse("2024-05-03"), LAST, "x") == (dt.date(2024, 5, 3), None)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))
def test_text_round_trip_and_bounds(day: dt.date) -> None:
    exact = PartialDate.of(day)
    assert PartialDate.parse(str(exact)) == exact
    assert exact.precision is Precision.DAY
    month = PartialDate(day.year, day.month)
    assert month.impute(FIRST) <= day <= month.impute(LAST)
    year = PartialDate(day.year)
    assert year.impute(FIRST) <= month.impute(FIRST) <= month.impute(LAST) <= year.impute(LAST)
