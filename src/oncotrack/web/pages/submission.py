"""What every record form shares: the reason an edit needs, the 409 view, the fixed choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from oncotrack.store.errors import InvalidRecord, VersionConflict
from oncotrack.store.validation import normalise_patient, normalise_record
from oncotrack.web.pages.forms import (
    DATE_PATTERN,
    EXTRA_MEASUREMENTS,
    MEASUREMENT_WORDS,
    NON_TARGET_CHOICES,
    FormErrors,
)
from oncotrack.web.pages.views import CompareRow, compare


def reason_error(form: Mapping[str, str]) -> FormErrors | None:
    """An edit or delete without a reason is refused before anything is written."""
    if form.get("reason", "").strip():
        return None
    return FormErrors({"reason": ["give a reason for the change (kept in the audit trail)"]},
                      [])


@dataclass(frozen=True)
class ConflictView:
    detail: str
    version: int | None
    """The stored version: the form carries it, so that saving again replaces it knowingly."""
    rows: list[CompareRow]
    gone: bool


def _as_stored(kind: str | None, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """``payload`` as the store would keep it (defaults filled in), so that the comparison
    shows real differences only; as typed when it does not validate."""
    try:
        return normalise_patient(dict(payload)) if kind is None else normalise_record(
            kind, dict(payload))
    except InvalidRecord:
        return payload


def conflict_context(error: VersionConflict, mine: Mapping[str, Any] | None,
                     kind: str | None = None) -> ConflictView:
    """The stored record beside what the user submitted (``mine``; None for a delete).
    ``kind``: the record kind (None: the patient's own payload)."""
    current = error.current or {}
    stored = current.get("payload")
    version = current.get("version")
    rows = compare(stored, _as_stored(kind, mine) if mine is not None else stored or {})
    return ConflictView(
        detail=f"You edited version {error.expected}; the stored version is now "
        f"{version if version is not None else 'deleted'}.",
        version=int(version) if version is not None else None,
        rows=rows, gone=current.get("deleted_at") is not None or version is None)


def form_fields() -> dict[str, Any]:
    """Template values every form needs."""
    return {"date_pattern": DATE_PATTERN, "measurement_words": MEASUREMENT_WORDS,
            "extra_measurements": EXTRA_MEASUREMENTS,
            "non_target_choices": NON_TARGET_CHOICES}


async def read_form(request: Request) -> dict[str, str]:
    """The submitted text fields (the last value of a repeated name; files are read apart)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


Submitted = Annotated[dict[str, str], Depends(read_form)]
"""The form, read on the event loop, so that the route itself can be a plain function: FastAPI
runs those in its thread pool, and a route's database work and engine calls never block the loop
(an ``async`` route calling the store would)."""


def form_version(form: Mapping[str, str]) -> int:
    """The record version the form was made from (its hidden ``version`` field)."""
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise InvalidRecord([{"loc": ["version"], "msg": "the form lost its version field; "
                              "reload the page"}]) from None
