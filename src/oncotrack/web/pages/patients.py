"""Patient pages: the list with search, the patient page (results with their reasoning, records,
audit trail), the patient form, delete, and case-file import. (Export and the report download are
the API's GET routes, which the page links to: same session cookie, one implementation.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from oncotrack.interop.casefile import parse_case
from oncotrack.model.problems import CaseError
from oncotrack.report.data import ReportData, gather_report_data
from oncotrack.report.figures import FIGURE_NAMES, caption, figure_svg
from oncotrack.report.html import report_context
from oncotrack.report.interactive import lesion_chart, liver_chart
from oncotrack.store import repository as repo
from oncotrack.store.errors import Conflict, InvalidRecord, NotFound, VersionConflict
from oncotrack.store.models import PatientRow
from oncotrack.web import uploads
from oncotrack.web.cache import Assessed, RevisionCache, assessed
from oncotrack.web.pages import views
from oncotrack.web.pages.access import Db, Editor, Viewer
from oncotrack.web.pages.forms import SPECS, map_errors, payload_from_form, values_from_payload
from oncotrack.web.pages.rendering import render
from oncotrack.web.pages.submission import (
    Submitted,
    conflict_context,
    form_fields,
    form_version,
    reason_error,
)

router = APIRouter(include_in_schema=False)
PATIENT = SPECS["patients"]
SAVED = {"1": "Saved.", "deleted": "Deleted.", "imported": "Imported."}
"""The notice after a change (the page is reached by a redirect: ``?saved=...``)."""


# --- list ---------------------------------------------------------------------------------------


@router.get("/patients")
def patient_list(request: Request, _user: Viewer, db: Db, q: str = "") -> Response:
    return render(request, "patients.html", patients=repo.list_patients(db, q or None), q=q,
                  when=views.when)


# --- the patient page ---------------------------------------------------------------------------


def _page_cache(request: Request) -> RevisionCache[Any]:
    """What the patient page derives from a case (report views, charts, figures), per case
    revision, beside the app's assessment cache: never stale, as a change raises the revision.
    The charts and figures take most of a page's time (plotly and matplotlib), so they are made
    once per change, not once per view."""
    state = request.app.state
    cache: RevisionCache[Any] | None = getattr(state, "page_cache", None)
    if cache is None:
        cache = RevisionCache[Any](size=256)
        state.page_cache = cache
    return cache


def _assessed(request: Request, db: Session, patient_id: int) -> Assessed:
    cache: RevisionCache[Assessed] = request.app.state.assess_cache
    return assessed(cache, db, patient_id)


def _report_data(request: Request, db: Session, patient: PatientRow) -> tuple[
        ReportData | None, Assessed]:
    found = _assessed(request, db, patient.id)
    if found.result is None:
        return None, found
    result = found.result
    data: ReportData = _page_cache(request).get(
        (patient.id, found.revision, "report"),
        lambda: gather_report_data(found.case, result, source=f"patient {patient.label}"))
    return data, found


def _derived(request: Request, patient_id: int, revision: int, what: str,
             make: Callable[[], Any]) -> Any:
    return _page_cache(request).get((patient_id, revision, what), make)


@router.get("/patients/{patient_id:int}")
def patient_page(request: Request, patient_id: int, _user: Viewer, db: Db,
                 saved: str = "") -> Response:
    patient = repo.get_patient(db, patient_id)
    data, found = _report_data(request, db, patient)
    rows = [r for kind in SPECS if kind != "patients"
            for r in repo.list_records(db, patient_id, kind)]
    audit = [views.audit_view(row) for row in repo.audit_trail(db, patient_id)]
    context: dict[str, Any] = report_context(data) if data is not None else {"a": None}
    charts = _derived(request, patient_id, found.revision, "charts", lambda: [
        c for c in (lesion_chart(data), liver_chart(data)) if c]) if data else []
    return render(
        request, "patient.html", patient=patient, payload=patient.payload,
        info=patient.payload.get("patient", {}), result=found.result,
        problems=[p.describe() for p in found.error.problems] if found.error else [],
        records=views.record_groups(rows), audit=audit, charts=charts,
        timeline_caption=caption("timeline", data) if data else "",
        message=SAVED.get(saved), **context)


@router.get("/patients/{patient_id:int}/figures/{name}.svg")
def patient_figure(request: Request, patient_id: int, name: str, _user: Viewer,
                   db: Db) -> Response:
    if name not in FIGURE_NAMES:
        raise NotFound(f"figure {name!r}")
    data, found = _report_data(request, db, repo.get_patient(db, patient_id))
    svg = None if data is None else _derived(request, patient_id, found.revision,
                                             f"figure:{name}", lambda: figure_svg(name, data))
    if svg is None:
        raise NotFound(f"figure {name!r} of patient {patient_id} (nothing to draw yet)")
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=600"})


# --- new and edited patients --------------------------------------------------------------------


def _patient_form(request: Request, *, patient: PatientRow | None, values: dict[str, str],
                  errors: Any = None, version: int | None = None, conflict: Any = None,
                  status_code: int = 200) -> Response:
    return render(
        request, "record_form.html", status_code, spec=PATIENT, patient=patient, values=values,
        errors=errors or map_errors([], []), version=version, conflict=conflict,
        action=f"/patients/{patient.id}/edit" if patient else "/patients/new",
        cancel=f"/patients/{patient.id}" if patient else "/patients",
        heading=f"Edit patient {patient.label}" if patient else "New patient",
        submit_label="Create patient", noun="patient", **form_fields())


@router.get("/patients/new")
def new_patient_form(request: Request, _user: Editor) -> Response:
    return _patient_form(request, patient=None, values={"patient.sex": "unknown"})


@router.post("/patients/new")
def new_patient_submit(request: Request, user: Editor, db: Db, form: Submitted) -> Response:
    payload = payload_from_form(PATIENT, form, None)
    try:
        row = repo.create_patient(db, user, payload.get("patient", {}),
                                  source=payload.get("source"), notes=payload.get("notes"),
                                  endpoints=payload.get("endpoints"))
    except (InvalidRecord, Conflict) as error:
        db.rollback()
        return _patient_form(request, patient=None, values=form,
                             errors=_errors(error), status_code=422)
    return RedirectResponse(f"/patients/{row.id}?saved=1", status_code=303)


def _errors(error: InvalidRecord | Conflict) -> Any:
    names = [f.name for f in PATIENT.fields]
    if isinstance(error, Conflict):  # the label is taken
        return map_errors([{"loc": ["patient", "id"], "msg": error.message}], names)
    return map_errors(error.errors, names)


@router.get("/patients/{patient_id:int}/edit")
def edit_patient_form(request: Request, patient_id: int, _user: Editor,
                      db: Db) -> Response:
    patient = repo.get_patient(db, patient_id)
    return _patient_form(request, patient=patient, version=patient.version,
                         values=values_from_payload(PATIENT, patient.payload))


@router.post("/patients/{patient_id:int}/edit")
def edit_patient_submit(request: Request, patient_id: int, user: Editor, db: Db,
                        form: Submitted) -> Response:
    patient = repo.get_patient(db, patient_id)
    payload = payload_from_form(PATIENT, form, patient.payload)
    version = form_version(form)
    missing = reason_error(form)
    if missing:
        return _patient_form(request, patient=patient, values=form, version=version,
                             errors=missing, status_code=422)
    try:
        repo.update_patient(db, user, patient_id, payload, version, form["reason"].strip())
    except (InvalidRecord, Conflict) as error:
        db.rollback()
        return _patient_form(request, patient=patient, values=form, version=version,
                             errors=_errors(error), status_code=422)
    except VersionConflict as error:
        db.rollback()
        context = conflict_context(error, payload)
        return _patient_form(request, patient=patient, values=form,
                             version=context.version, conflict=context, status_code=409)
    return RedirectResponse(f"/patients/{patient_id}?saved=1", status_code=303)


# --- delete -------------------------------------------------------------------------------------


@router.get("/patients/{patient_id:int}/delete")
def delete_patient_form(request: Request, patient_id: int, _user: Editor,
                        db: Db) -> Response:
    patient = repo.get_patient(db, patient_id)
    return _delete_page(request, patient)


def _delete_page(request: Request, patient: PatientRow, *, error: str | None = None,
                 reason: str = "", conflict: Any = None, status_code: int = 200) -> Response:
    return render(request, "delete.html", status_code, patient=patient, noun="patient",
                  title=patient.label, summary=f"Patient {patient.label} and all its records.",
                  action=f"/patients/{patient.id}/delete", version=patient.version,
                  reason=reason, error=error, conflict=conflict)


@router.post("/patients/{patient_id:int}/delete")
def delete_patient_submit(request: Request, patient_id: int, user: Editor, db: Db,
                          form: Submitted) -> Response:
    patient = repo.get_patient(db, patient_id)
    reason = form.get("reason", "").strip()
    if not reason:
        return _delete_page(request, patient, error="Give a reason for the deletion.",
                            status_code=422)
    try:
        repo.delete_patient(db, user, patient_id, form_version(form), reason)
    except VersionConflict as error:
        db.rollback()
        fresh = repo.get_patient(db, patient_id)
        return _delete_page(request, fresh, reason=reason, status_code=409,
                            conflict=conflict_context(error, None))
    return RedirectResponse("/patients", status_code=303)


# --- import -------------------------------------------------------------------------------------


@router.get("/patients/import")
def import_form(request: Request, _user: Editor) -> Response:
    return render(request, "import.html", errors=[], replace=False, reason="")


@router.post("/patients/import")
def import_submit(request: Request, file: Annotated[UploadFile, File()], user: Editor, db: Db,
                  replace: Annotated[str | None, Form()] = None,
                  reason: Annotated[str, Form()] = "") -> Response:
    name = file.filename or "upload"
    raw = file.file.read(uploads.MAX_CASE_FILE + 1)
    if len(raw) > uploads.MAX_CASE_FILE:
        return render(request, "import.html", 413, replace=replace is not None, reason=reason,
                      errors=[f"{name}: larger than {uploads.MAX_CASE_FILE // 1024 // 1024} MB"])
    try:
        case = parse_case(raw.decode("utf-8"), source=name)
        row = repo.import_case(db, user, case, replace=replace is not None,
                               reason=reason.strip() or None)
    except UnicodeDecodeError:
        problems = [f"{name}: not a text file (expected YAML or JSON in UTF-8)"]
    except CaseError as error:
        problems = [p.describe(name) for p in error.problems]
    except (InvalidRecord, Conflict) as error:
        db.rollback()
        problems = [str(error)] if isinstance(error, Conflict) else [
            f"{name}: {e}" for e in map_errors(error.errors, []).general]
    else:
        return RedirectResponse(f"/patients/{row.id}?saved=imported", status_code=303)
    return render(request, "import.html", 422, errors=problems, replace=replace is not None,
                  reason=reason)
