"""Problems found in a case record, each naming the place in the input it concerns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Location = tuple[str | int, ...]


def format_location(location: Location) -> str:
    """``('assessments', 3, 'target', 'T2')`` → ``assessments[3].target.T2`` (indices from 0)."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what was expected."""

    location: Location
    message: str
    line: int | None = None

    @property
    def path(self) -> str:
        return format_location(self.location)

    def describe(self, source: str | None = None) -> str:
        """``file: line N, path: message``, leaving out what is not known."""
        places = [source] if source else []
        where = ", ".join(
            ([f"line {self.line}"] if self.line is not None else [])
            + ([self.path] if self.location else [])
        )
        if where:
            places.append(where)
        return ": ".join([*places, self.message])


class CaseError(ValueError):
    """A case that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        return "\n".join(p.describe(self.source) for p in self.problems)


class CohortInputError(CaseError):
    """A cohort input file that cannot be used: one problem, naming file, row and column.

    ``row`` counts data records from 1 (a CSV's header is line 1, so row N is line N + 1);
    ``problems[0].location`` is ``(file, row, column)`` leaving out what is not known.
    """

    def __init__(self, file: str, message: str, *, row: int | None = None,
                 column: str | None = None, line: int | None = None) -> None:
        self.file, self.row, self.column, self.message = file, row, column, message
        location: Location = (file, *(() if row is None else (row,)),
                              *(() if column is None else (column,)))
        super().__init__([Problem(location, message, line=line)], source=file)

    def describe(self) -> str:
        where: list[str] = []
        if self.row is not None:
            line = self.problems[0].line
            where.append(f"row {self.row}" + (f" (line {line})" if line is not None else ""))
        if self.column is not None:
            where.append(f"column {self.column}")
        return ": ".join([self.file, *([", ".join(where)] if where else []), self.message])
