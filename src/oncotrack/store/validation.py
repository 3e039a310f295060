"""Every payload is checked by the case model before it is stored, with the case-file messages.

A record payload is validated by its list item's pydantic model (``Assessment``, ``Procedure``,
...) and stored normalised (``model_dump(mode="json", exclude_none=True)``); then the case it
would make is assembled and checked as a case file is (one baseline, known lesion ids, dates in
order). Errors name the field path inside the payload sent, or, for a problem elsewhere in the
case, the path in the whole case with ``"scope": "case"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from oncotrack.interop.casefile import validation_problems
from oncotrack.model.case import (
    Assessment,
    Case,
    ClinicalStatus,
    Diagnosis,
    Event,
    Lab,
    Lesion,
    Procedure,
    Regimen,
)
from oncotrack.model.consistency import check_case
from oncotrack.model.problems import Problem
from oncotrack.store.errors import InvalidRecord
from oncotrack.store.models import RECORD_KINDS

_ITEM_TYPES: dict[str, Any] = {
    "diagnoses": Diagnosis, "lesions": Lesion, "assessments": Assessment,
    "procedures": Procedure, "regimens": Regimen, "labs": Lab, "clinical": ClinicalStatus,
    "events": Event,
}
PATIENT_KEYS = ("patient", "source", "notes", "endpoints")
"""The keys of a patient payload: the Case fields that are not lists."""


@cache
def _adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(_ITEM_TYPES[kind])


def check_kind(kind: str) -> None:
    if kind not in RECORD_KINDS:
        raise InvalidRecord([{"loc": ["kind"], "msg": f"unknown record kind {kind!r}; expected "
                              f"one of {', '.join(RECORD_KINDS)}"}])


def _errors(problems: Sequence[Problem], **extra: Any) -> list[dict[str, Any]]:
    return [{"loc": list(p.location), "msg": p.message, **extra} for p in problems]


def normalise_record(kind: str, payload: Any) -> dict[str, Any]:
    """The payload validated by its model and dumped as stored; raises :class:`InvalidRecord`."""
    check_kind(kind)
    if not isinstance(payload, dict):
        raise InvalidRecord([{"loc": [], "msg": f"expected an object (one {kind} item), "
                              f"got {type(payload).__name__}"}])
    adapter = _adapter(kind)
    try:
        item = adapter.validate_python(payload)
    except ValidationError as error:
        raise InvalidRecord(_errors(validation_problems(error, payload))) from None
    dumped: dict[str, Any] = adapter.dump_python(item, mode="json", exclude_none=True)
    return dumped


def normalise_patient(payload: Any) -> dict[str, Any]:
    """A patient payload (``patient``, ``source``, ``notes``, ``endpoints``) validated and
    dumped as stored; raises :class:`InvalidRecord`."""
    if not isinstance(payload, dict):
        raise InvalidRecord([{"loc": [], "msg": "expected an object with keys "
                              f"{', '.join(PATIENT_KEYS)}"}])
    unknown = [key for key in payload if key not in PATIENT_KEYS]
    if unknown:
        raise InvalidRecord([{"loc": [key], "msg": f"unknown field {key!r}; a patient has "
                              f"{', '.join(PATIENT_KEYS)} (list items are records)"}
                             for key in unknown])
    try:
        case = Case.model_validate(payload)
    except ValidationError as error:
        raise InvalidRecord(_errors(validation_problems(error, payload))) from None
    dumped = case.model_dump(mode="json", exclude_none=True, include=set(PATIENT_KEYS))
    return dumped


def assemble(patient_payload: Mapping[str, Any],
             records: Mapping[str, Sequence[Mapping[str, Any]]]) -> Case:
    """The Case from stored payloads (already normalised, so only cross-record checks can fail)."""
    data: dict[str, Any] = dict(patient_payload)
    for kind in RECORD_KINDS:
        data[kind] = list(records.get(kind, ()))
    return Case.model_validate(data)


def check_assembled(patient_payload: Mapping[str, Any],
                    records: Mapping[str, Sequence[Mapping[str, Any]]],
                    changed: tuple[str, int] | None = None) -> Case:
    """The assembled case, or :class:`InvalidRecord` with its consistency problems.

    ``changed`` is ``(kind, index)`` of the item being written: its problems are reported with
    paths inside its payload; others keep the case path and ``"scope": "case"``.
    """
    try:
        case = assemble(patient_payload, records)
    except ValidationError as error:  # only when stored data predates a model change
        raise InvalidRecord(_errors(validation_problems(error, dict(records)),
                                    scope="case")) from None
    problems = check_case(case)
    if not problems:
        return case
    errors: list[dict[str, Any]] = []
    for problem in problems:
        where = problem.location
        if changed is not None and where[:2] == changed:
            errors.append({"loc": list(where[2:]), "msg": problem.message})
        else:
            errors.append({"loc": list(where), "msg": problem.message, "scope": "case"})
    raise InvalidRecord(errors)
