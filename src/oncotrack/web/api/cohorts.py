"""Cohorts uploaded as SDTM tables: derived endpoints and Kaplan–Meier curves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from oncotrack.store import cohorts as store
from oncotrack.store.errors import InvalidRecord
from oncotrack.web import uploads
from oncotrack.web.api.schemas import CohortBrief, CohortOut, Error, Id, InvalidBody
from oncotrack.web.deps import DbSession, Editor, Viewer

router = APIRouter(tags=["cohorts"], responses={
    401: {"model": Error, "description": "Not signed in."},
    404: {"model": Error, "description": "No such cohort."},
})


async def _read(upload: UploadFile | None, role: str) -> tuple[bytes, str] | None:
    if upload is None:
        return None
    data = await upload.read(uploads.MAX_COHORT_FILE + 1)
    if len(data) > uploads.MAX_COHORT_FILE:
        raise InvalidRecord([{"loc": [role],
                              "msg": f"larger than {uploads.MAX_COHORT_FILE} bytes"}])
    return data, upload.filename or role


@router.post("/cohorts", response_model=CohortOut, status_code=201, responses={
    403: {"model": Error}, 422: {"model": InvalidBody,
                                 "description": "A file that cannot be read: file, row, column."}})
async def create_cohort(
    db: DbSession, user: Editor,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    tu: Annotated[UploadFile, File(description="SDTM TU (csv, xpt, json).")],
    tr: Annotated[UploadFile, File(description="SDTM TR (csv, xpt, json).")],
    subjects: Annotated[UploadFile, File(description="ADSL-like subject table.")],
    rs: Annotated[UploadFile | None, File(description="SDTM RS (optional).")] = None,
) -> Any:
    """Upload SDTM TU/TR (and RS) with the subjects; derives RECIST 1.1 responses and endpoints
    for every subject (as `oncotrack cohort derive`) and their Kaplan–Meier analysis."""
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for role, upload in (("tu", tu), ("tr", tr), ("subjects", subjects), ("rs", rs)):
        read = await _read(upload, role)
        if read is not None:
            files[role], names[role] = read
    return store.create_cohort(db, user, name, files, names)


@router.get("/cohorts", response_model=list[CohortBrief])
def list_cohorts(db: DbSession, _user: Viewer) -> Any:
    return store.list_cohorts(db)


@router.get("/cohorts/{cohort_id}", response_model=CohortOut)
def get_cohort(cohort_id: Id, db: DbSession, _user: Viewer) -> Any:
    """The cohort's summary: subjects, best-response counts, Kaplan–Meier per endpoint."""
    return store.get_cohort(db, cohort_id)


@router.get("/cohorts/{cohort_id}/km.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}, 422: {"model": InvalidBody}})
def km_svg(cohort_id: Id, db: DbSession, _user: Viewer,
           paramcd: Annotated[str, Query(max_length=8, description="OS, PFS, TTP or DOR.")]
           = "OS",
           by: Annotated[str | None, Query(max_length=64,
                                           description="A subject column, e.g. ARM.")] = None
           ) -> Response:
    """Kaplan–Meier curves of one endpoint (by a subject column, with the log-rank test)."""
    svg = store.cohort_km_svg(db, cohort_id, paramcd, by)
    return Response(svg, media_type="image/svg+xml")
