"""Patients, their records, and what is derived from them (assessment, report, case file)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from oncotrack.assessment import AssessmentResult
from oncotrack.interop.casefile import parse_case
from oncotrack.model.problems import CaseError
from oncotrack.store import repository as repo
from oncotrack.store.errors import InvalidRecord, NotFound
from oncotrack.store.models import RECORD_KINDS, PatientRow
from oncotrack.web import uploads
from oncotrack.web.api.schemas import (
    MAX_ID,
    AuditOut,
    Conflict409,
    Error,
    Id,
    InvalidBody,
    PatientIn,
    PatientOut,
    PatientUpdate,
    RecordIn,
    RecordOut,
    RecordUpdate,
)
from oncotrack.web.cache import Assessed, RevisionCache, assessed
from oncotrack.web.deps import DbSession, Editor, Viewer

router = APIRouter(tags=["patients"], responses={
    401: {"model": Error, "description": "Not signed in."},
    404: {"model": Error, "description": "No such patient or record (or deleted)."},
})
WRITE: dict[int | str, dict[str, Any]] = {
    403: {"model": Error, "description": "Role too low or CSRF token missing."},
    409: {"model": Conflict409, "description": "Changed by someone else since read "
          "(the current record is in the body), or the label is in use."},
    422: {"model": InvalidBody, "description": "Invalid payload: every error with its "
          "field path."}}

Kind = StrEnum("Kind", {k: k for k in RECORD_KINDS})  # type: ignore[misc]
"""The record kinds (the list fields of a case) as a path parameter."""
Version = Annotated[int, Query(ge=1, le=MAX_ID, description="The version read; a different "
                               "stored version is a 409.")]
Reason = Annotated[str | None, Query(max_length=2000, description="Why (kept in the audit "
                                     "trail).")]


def _cache(request: Request) -> RevisionCache[Assessed]:
    cache: RevisionCache[Assessed] = request.app.state.assess_cache
    return cache


# --- patients -----------------------------------------------------------------------------------


@router.get("/patients", response_model=list[repo.PatientSummary])
def list_patients(db: DbSession, _user: Viewer,
                  search: Annotated[str | None, Query(max_length=128)] = None
                  ) -> list[repo.PatientSummary]:
    """Patients not deleted, by label; ``search`` matches part of the label."""
    return repo.list_patients(db, search)


@router.post("/patients", response_model=PatientOut, status_code=201, responses=WRITE)
def create_patient(body: PatientIn, db: DbSession, user: Editor) -> dict[str, Any]:
    """A new patient (no records yet): ``patient.id`` is its pseudonymous label."""
    row = repo.create_patient(db, user, body.patient, source=body.source, notes=body.notes,
                              endpoints=body.endpoints)
    return repo.patient_out(row)


@router.post("/patients/import", response_model=PatientOut, status_code=201, responses=WRITE)
async def import_case(
    db: DbSession, user: Editor,
    file: Annotated[UploadFile, File(description="A case file, YAML or JSON.")],
    replace: Annotated[bool, Form(description="Supersede a patient with the same label.")]
    = False,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> dict[str, Any]:
    """Store a case file as a new patient (every problem reported with its line and path)."""
    data = await file.read(uploads.MAX_CASE_FILE + 1)
    name = file.filename or "case.yaml"
    if len(data) > uploads.MAX_CASE_FILE:
        raise InvalidRecord([{"loc": ["file"],
                              "msg": f"larger than {uploads.MAX_CASE_FILE} bytes"}])
    try:
        case = parse_case(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        raise InvalidRecord([{"loc": ["file"], "msg": "not UTF-8 text"}]) from None
    except CaseError as error:
        raise InvalidRecord([{"loc": list(p.location), "msg": p.message,
                              **({"line": p.line} if p.line else {})}
                             for p in error.problems]) from None
    row = repo.import_case(db, user, case, replace=replace, reason=reason)
    return repo.patient_out(row)


@router.get("/patients/{patient_id}", response_model=PatientOut)
def get_patient(patient_id: Id, db: DbSession, _user: Viewer) -> dict[str, Any]:
    return repo.patient_out(repo.get_patient(db, patient_id))


@router.put("/patients/{patient_id}", response_model=PatientOut, responses=WRITE)
def update_patient(patient_id: Id, body: PatientUpdate, db: DbSession,
                   user: Editor) -> dict[str, Any]:
    """Replace the patient's details; ``version`` must be the one read."""
    payload = body.model_dump(include={"patient", "source", "notes", "endpoints"},
                              exclude_none=True)
    row = repo.update_patient(db, user, patient_id, payload, body.version, body.reason)
    return repo.patient_out(row)


@router.delete("/patients/{patient_id}", status_code=204, response_class=Response,
               responses=WRITE)
def delete_patient(patient_id: Id, version: Version, db: DbSession, user: Editor,
                   reason: Reason = None) -> None:
    """Soft-delete the patient (kept for the audit trail)."""
    repo.delete_patient(db, user, patient_id, version, reason)


@router.get("/patients/{patient_id}/assessment", response_model=AssessmentResult,
            responses={422: {"model": InvalidBody,
                             "description": "The case cannot be assessed yet (e.g. no "
                             "baseline)."}})
def assessment(patient_id: Id, request: Request, db: DbSession, _user: Viewer) -> Response:
    """RECIST 1.1 (and the other criteria the data support), best response, endpoints, liver
    panel: the same JSON as ``oncotrack assess --format json``. Computed once per change of
    the case."""
    result = assessed(_cache(request), db, patient_id)
    if result.error is not None:
        return JSONResponse(status_code=422, content={
            "detail": "the case cannot be assessed yet",
            "errors": [{"loc": list(p.location), "msg": p.message}
                       for p in result.error.problems]})
    # The result changes only with the case's revision: a client that has it revalidates for
    # nothing (304, no body).
    headers = {"ETag": f'"patient-{patient_id}-r{result.revision}"',
               "Cache-Control": "private, no-cache"}
    if headers["ETag"] in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(result.json, media_type="application/json", headers=headers)


class CaseFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


@router.get("/patients/{patient_id}/case", response_class=Response,
            responses={200: {"content": {"application/yaml": {}, "application/json": {}},
                             "description": "The case file."}})
def export_case(patient_id: Id, db: DbSession, _user: Viewer,
                format: CaseFormat = CaseFormat.YAML) -> Response:
    """The patient's case file (YAML or JSON), as `oncotrack validate` reads it."""
    case = repo.export_case(db, patient_id)
    data = case.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data["patient"] = case.patient.model_dump(mode="json", exclude_none=True)
    name = f"{case.patient.id}.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format is CaseFormat.JSON:
        return JSONResponse(data, headers=headers)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return Response(text, media_type="application/yaml", headers=headers)


@router.get("/patients/{patient_id}/report", response_class=Response,
            responses={200: {"content": {"text/html": {}},
                             "description": "The self-contained case report."},
                       422: {"model": InvalidBody}})
def report(patient_id: Id, request: Request, db: DbSession, _user: Viewer) -> Response:
    """The case report as one self-contained HTML file (as `oncotrack report` writes it)."""
    revision = repo.case_revision(db, patient_id)
    html = _report_cache(request).get((patient_id, revision, "report"),
                                      lambda: _render_report(db, patient_id))
    label = repo.get_patient(db, patient_id).label
    return Response(html, media_type="text/html; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{label}-report.html"'})


def _report_cache(request: Request) -> RevisionCache[str]:
    state = request.app.state
    if not hasattr(state, "report_cache"):
        state.report_cache = RevisionCache[str](size=16)
    cache: RevisionCache[str] = state.report_cache
    return cache


def _render_report(db: DbSession, patient_id: Id) -> str:
    from oncotrack.report.data import build_report_data
    from oncotrack.report.html import standalone_html

    case = repo.load_case(db, patient_id)
    try:
        data = build_report_data(case, source=f"patient {case.patient.id}")
    except CaseError as error:
        raise InvalidRecord([{"loc": list(p.location), "msg": p.message, "scope": "case"}
                             for p in error.problems]) from None
    return standalone_html(data)


@router.get("/patients/{patient_id}/audit", response_model=list[AuditOut])
def audit(patient_id: Id, db: DbSession, _user: Viewer,
          limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> list[Any]:
    """Every change to the patient and its records, newest first: who, when, old and new
    values, and the reason given. Kept, and shown, after the patient is deleted."""
    if db.get(PatientRow, patient_id) is None:
        raise NotFound(f"patient {patient_id}")
    return list(repo.audit_trail(db, patient_id, limit))


# --- records ------------------------------------------------------------------------------------


@router.get("/patients/{patient_id}/{kind}", response_model=list[RecordOut])
def list_records(patient_id: Id, kind: Kind, db: DbSession,
                 _user: Viewer) -> list[dict[str, Any]]:
    """The patient's records of one kind, in case-file order."""
    return [repo.record_out(r) for r in repo.list_records(db, patient_id, kind.value)]


@router.post("/patients/{patient_id}/{kind}", response_model=RecordOut, status_code=201,
             responses=WRITE)
def add_record(patient_id: Id, kind: Kind, body: RecordIn, db: DbSession,
               user: Editor) -> dict[str, Any]:
    """Append a record (validated alone and in the case it makes)."""
    return repo.record_out(repo.add_record(db, user, patient_id, kind.value, body.payload,
                                           body.reason))


@router.get("/patients/{patient_id}/{kind}/{record_id}", response_model=RecordOut)
def get_record(patient_id: Id, kind: Kind, record_id: Id, db: DbSession,
               _user: Viewer) -> dict[str, Any]:
    return repo.record_out(repo.get_record(db, record_id, patient_id=patient_id,
                                           kind=kind.value))


@router.put("/patients/{patient_id}/{kind}/{record_id}", response_model=RecordOut,
            responses=WRITE)
def update_record(patient_id: Id, kind: Kind, record_id: Id, body: RecordUpdate,
                  db: DbSession, user: Editor) -> dict[str, Any]:
    """Replace a record's payload; ``version`` must be the one read (else 409 with the current
    record), ``reason`` goes to the audit trail with the old and new values."""
    repo.get_record(db, record_id, patient_id=patient_id, kind=kind.value)
    return repo.record_out(repo.update_record(db, user, record_id, body.payload, body.version,
                                              body.reason))


@router.delete("/patients/{patient_id}/{kind}/{record_id}", status_code=204,
               response_class=Response, responses=WRITE)
def delete_record(patient_id: Id, kind: Kind, record_id: Id, version: Version,
                  db: DbSession, user: Editor, reason: Reason = None) -> None:
    """Soft-delete a record (if the case stays consistent without it)."""
    repo.get_record(db, record_id, patient_id=patient_id, kind=kind.value)
    repo.delete_record(db, user, record_id, version, reason)


__all__ = ["router"]
