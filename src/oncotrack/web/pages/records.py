"""Forms to add, edit and delete one record of a patient (an imaging assessment with its per-lesion
measurements, a procedure, a regimen, a lab value, an event, a diagnosis, a lesion, ...).

The store validates every change (the record and the case it makes) and refuses a stale version;
the form then comes back with the user's input, the errors beside their fields, or the stored
version beside the input (409), so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from oncotrack.model.vocabulary import LesionRole
from oncotrack.store import repository as repo
from oncotrack.store.errors import InvalidRecord, NotFound, VersionConflict
from oncotrack.store.models import PatientRow, RecordRow
from oncotrack.web.pages import views
from oncotrack.web.pages.access import Db, Editor
from oncotrack.web.pages.forms import (
    EXTRA_MEASUREMENTS,
    RECORD_KINDS,
    SPECS,
    FormErrors,
    input_names,
    map_errors,
    payload_from_form,
    values_from_payload,
)
from oncotrack.web.pages.rendering import render
from oncotrack.web.pages.submission import (
    Submitted,
    conflict_context,
    form_fields,
    form_version,
    reason_error,
)

router = APIRouter(include_in_schema=False)

BLANK_NEW_LESION_ROWS = 1


def _kind(kind: str) -> str:
    if kind not in RECORD_KINDS:
        raise NotFound(f"record kind {kind!r}")
    return kind


def _lesions(db: Session, patient_id: int) -> list[dict[str, Any]]:
    return [r.payload for r in repo.list_records(db, patient_id, "lesions")]


def _new_lesion_rows(values: dict[str, str]) -> int:
    used = {int(k.split(".")[1]) for k, v in values.items()
            if k.startswith("new_lesions.") and k.split(".")[1].isdigit() and v.strip()}
    return (max(used) + 1 if used else 0) + BLANK_NEW_LESION_ROWS


def _extra_given(values: dict[str, str], errors: FormErrors | None) -> bool:
    """Open the other criteria's measurements when any is filled in or wrong."""
    keys = {key for key, _, _ in EXTRA_MEASUREMENTS}
    named = [k for k, v in values.items() if v.strip()] + list(errors.by_field if errors else [])
    return any(name.split(".")[0] in keys for name in named)


def _baseline_values(db: Session, patient_id: int, record_id: int | None) -> dict[str, str]:
    """The baseline measurements, shown beside a follow-up's inputs for reference."""
    for row in repo.list_records(db, patient_id, "assessments"):
        if row.payload.get("baseline") and row.id != record_id:
            return {k: views.display(v) for k, v in (row.payload.get("target") or {}).items()}
    return {}


def _form_page(request: Request, db: Session, patient: PatientRow, kind: str, *,
               values: dict[str, str], record: RecordRow | None = None,
               errors: FormErrors | None = None, version: int | None = None,
               conflict: Any = None, status_code: int = 200) -> Response:
    spec = SPECS[kind]
    lesions = _lesions(db, patient.id) if kind == "assessments" else []
    target = LesionRole.TARGET.value
    action = (f"/patients/{patient.id}/{kind}/{record.id}/edit" if record
              else f"/patients/{patient.id}/{kind}/new")
    heading = (f"Edit {spec.title} {views.record_title(kind, record.payload)}" if record
               else f"Add {'an' if spec.title[0] in 'aeiou' else 'a'} {spec.title}")
    return render(
        request, "record_form.html", status_code, spec=spec, patient=patient, values=values,
        errors=errors or FormErrors({}, []), version=version, conflict=conflict, action=action,
        heading=heading, cancel=f"/patients/{patient.id}#records-{kind}",
        submit_label=f"Add {spec.title}", noun=spec.title,
        targets=[le for le in lesions if le.get("role") == target],
        non_targets=[le for le in lesions if le.get("role") != target],
        new_lesion_rows=_new_lesion_rows(values),
        extra_open=_extra_given(values, errors),
        baseline_values=_baseline_values(db, patient.id, record.id if record else None)
        if kind == "assessments" and not values.get("baseline") else {},
        **form_fields())


def _mapped(error: InvalidRecord, kind: str, lesions: list[dict[str, Any]],
            values: dict[str, str]) -> FormErrors:
    return map_errors(error.errors, input_names(SPECS[kind], lesions, _new_lesion_rows(values)))


@router.get("/patients/{patient_id:int}/{kind}/new")
def new_record_form(request: Request, patient_id: int, kind: str, _user: Editor,
                    db: Db) -> Response:
    patient = repo.get_patient(db, patient_id)
    # the model's defaults (a TACE is embolized unless unticked)
    return _form_page(request, db, patient, _kind(kind),
                      values=values_from_payload(SPECS[kind], {}))


@router.post("/patients/{patient_id:int}/{kind}/new")
def new_record_submit(request: Request, patient_id: int, kind: str, user: Editor, db: Db,
                      form: Submitted) -> Response:
    patient = repo.get_patient(db, patient_id)
    kind = _kind(kind)
    lesions = _lesions(db, patient_id) if kind == "assessments" else []
    payload = payload_from_form(SPECS[kind], form, None, lesions)
    try:
        row = repo.add_record(db, user, patient_id, kind, payload)
    except InvalidRecord as error:
        db.rollback()
        return _form_page(request, db, patient, kind, values=form,
                          errors=_mapped(error, kind, lesions, form), status_code=422)
    return RedirectResponse(f"/patients/{patient_id}?saved=1#record-{row.id}", status_code=303)


@router.get("/patients/{patient_id:int}/{kind}/{record_id:int}/edit")
def edit_record_form(request: Request, patient_id: int, kind: str, record_id: int,
                     _user: Editor, db: Db) -> Response:
    patient = repo.get_patient(db, patient_id)
    row = repo.get_record(db, record_id, patient_id=patient_id, kind=_kind(kind))
    return _form_page(request, db, patient, kind, record=row, version=row.version,
                      values=values_from_payload(SPECS[kind], row.payload))


@router.post("/patients/{patient_id:int}/{kind}/{record_id:int}/edit")
def edit_record_submit(request: Request, patient_id: int, kind: str, record_id: int, user: Editor,
                       db: Db, form: Submitted) -> Response:
    patient = repo.get_patient(db, patient_id)
    row = repo.get_record(db, record_id, patient_id=patient_id, kind=_kind(kind))
    version = form_version(form)
    lesions = _lesions(db, patient_id) if kind == "assessments" else []
    payload = payload_from_form(SPECS[kind], form, row.payload, lesions)
    missing = reason_error(form)
    if missing:
        return _form_page(request, db, patient, kind, record=row, values=form, version=version,
                          errors=missing, status_code=422)
    try:
        repo.update_record(db, user, record_id, payload, version, form["reason"].strip())
    except InvalidRecord as error:
        db.rollback()
        return _form_page(request, db, patient, kind, record=row, values=form, version=version,
                          errors=_mapped(error, kind, lesions, form), status_code=422)
    except VersionConflict as error:
        db.rollback()
        context = conflict_context(error, payload, kind)
        # the form now carries the stored version: saving again replaces it, knowingly
        return _form_page(request, db, patient, kind, record=row, values=form,
                          version=context.version, conflict=context, status_code=409)
    return RedirectResponse(f"/patients/{patient_id}?saved=1#record-{record_id}",
                            status_code=303)


@router.get("/patients/{patient_id:int}/{kind}/{record_id:int}/delete")
def delete_record_form(request: Request, patient_id: int, kind: str, record_id: int,
                       _user: Editor, db: Db) -> Response:
    patient = repo.get_patient(db, patient_id)
    row = repo.get_record(db, record_id, patient_id=patient_id, kind=_kind(kind))
    return _delete_page(request, patient, row)


def _delete_page(request: Request, patient: PatientRow, row: RecordRow, *,
                 error: str | None = None, reason: str = "", conflict: Any = None,
                 status_code: int = 200) -> Response:
    return render(
        request, "delete.html", status_code, patient=patient, noun=SPECS[row.kind].title,
        title=views.record_title(row.kind, row.payload),
        summary=views.record_summary(row.kind, row.payload),
        action=f"/patients/{patient.id}/{row.kind}/{row.id}/delete", version=row.version,
        reason=reason, error=error, conflict=conflict)


@router.post("/patients/{patient_id:int}/{kind}/{record_id:int}/delete")
def delete_record_submit(request: Request, patient_id: int, kind: str, record_id: int,
                         user: Editor, db: Db, form: Submitted) -> Response:
    patient = repo.get_patient(db, patient_id)
    row = repo.get_record(db, record_id, patient_id=patient_id, kind=_kind(kind))
    reason = form.get("reason", "").strip()
    if not reason:
        return _delete_page(request, patient, row, status_code=422,
                            error="Give a reason for the deletion.")
    try:
        repo.delete_record(db, user, record_id, form_version(form), reason)
    except InvalidRecord as error:
        db.rollback()
        problems = "; ".join(map_errors(error.errors, []).general)
        return _delete_page(request, patient, row, reason=reason, status_code=422,
                            error=f"The case would be inconsistent without it: {problems}")
    except VersionConflict as error:
        db.rollback()
        stored = repo.get_record(db, record_id, patient_id=patient_id, kind=kind)
        return _delete_page(request, patient, stored, reason=reason, status_code=409,
                            conflict=conflict_context(error, None, kind))
    return RedirectResponse(f"/patients/{patient_id}?saved=deleted#records-{kind}",
                            status_code=303)
