"""Cohort pages: upload SDTM tables and subjects, see the endpoints and Kaplan–Meier curves (the
reading, derivation and analysis are oncotrack.store.cohorts' and oncotrack.cohort's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from oncotrack.store.cohorts import (
    ROLES,
    cohort_adtte,
    cohort_km_svg,
    create_cohort,
    get_cohort,
    list_cohorts,
)
from oncotrack.store.errors import InvalidRecord
from oncotrack.web import uploads
from oncotrack.web.pages import views
from oncotrack.web.pages.access import Db, Editor, Viewer
from oncotrack.web.pages.forms import map_errors
from oncotrack.web.pages.rendering import render

router = APIRouter(include_in_schema=False)

BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
MAX_GROUPS = 8
"""A column with more distinct values than this is not offered for comparing curves."""
_ADAM_COLUMNS = frozenset({"STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALU", "CNSR",
                           "STARTDT", "ADT", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR"})


@router.get("/cohorts")
def cohort_list(request: Request, _user: Viewer,
                db: Db) -> Response:
    return render(request, "cohorts.html", cohorts=list_cohorts(db), errors=[], name="",
                  when=views.when)


@dataclass(frozen=True)
class Upload:
    name: str
    files: dict[str, bytes]
    """Role (tu, tr, rs, subjects) -> the file's bytes."""
    names: dict[str, str]
    """Role -> the file's name (its type, and the place named in an error)."""


async def read_upload(request: Request) -> Upload:
    """The upload form, read on the event loop (the derivation then runs in the thread pool)."""
    form = await request.form()
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    for role in ROLES:
        upload = form.get(role)
        if isinstance(upload, UploadFile) and upload.filename:
            files[role] = await upload.read(uploads.MAX_COHORT_FILE + 1)
            if len(files[role]) > uploads.MAX_COHORT_FILE:
                raise InvalidRecord([{"loc": [role], "msg": f"{upload.filename}: larger than "
                                      f"{uploads.MAX_COHORT_FILE // 1024 // 1024} MB"}])
            names[role] = upload.filename
    name = form.get("name")
    return Upload(name if isinstance(name, str) else "", files, names)


@router.post("/cohorts")
def cohort_upload(request: Request, user: Editor, db: Db,
                  upload: Annotated[Upload, Depends(read_upload)]) -> Response:
    try:
        row = create_cohort(db, user, upload.name, upload.files, upload.names)
    except InvalidRecord as error:
        db.rollback()
        return render(request, "cohorts.html", 422, cohorts=list_cohorts(db), name=upload.name,
                      errors=map_errors(error.errors, []).general, when=views.when)
    return RedirectResponse(f"/cohorts/{row.id}", status_code=303)


def _landmarks(km: dict[str, Any]) -> dict[float, str]:
    out = {}
    for mark in km.get("landmarks", []):
        if mark.get("survival") is None:
            out[mark["months"]] = "—"
        else:
            out[mark["months"]] = (f"{100 * mark['survival']:.0f} % "
                                   f"({100 * mark['lower']:.0f}–{100 * mark['upper']:.0f})")
    return out


def _group_columns(adtte: pl.DataFrame) -> list[str]:
    return [c for c in adtte.columns if c not in _ADAM_COLUMNS
            and adtte.schema[c] in (pl.String, pl.Categorical)
            and 1 < adtte.get_column(c).n_unique() <= MAX_GROUPS]


@router.get("/cohorts/{cohort_id:int}")
def cohort_page(request: Request, cohort_id: int, _user: Viewer, db: Db, paramcd: str = "",
                by: str = "") -> Response:
    row = get_cohort(db, cohort_id)
    summary: dict[str, Any] = row.summary or {}
    survival: dict[str, Any] = summary.get("survival", {})
    endpoints = []
    months: set[float] = set()
    for code, result in survival.items():
        if "error" in result:
            endpoints.append({"label": code, "error": result["error"]})
            continue
        km = result["overall"]
        marks = _landmarks(km)
        months.update(marks)
        endpoints.append({"label": f"{code} — {result.get('param') or code}", "km": km,
                          "landmarks": marks, "error": None})
    paramcds = [c for c, r in survival.items() if "error" not in r]
    chosen = paramcd if paramcd in paramcds else ("OS" if "OS" in paramcds else
                                                  (paramcds[0] if paramcds else "OS"))
    columns = _group_columns(cohort_adtte(row))
    best = summary.get("best_response", {})
    responses = sorted({r for counts in best.values() for r in counts},
                       key=lambda r: BOR_ORDER.index(r) if r in BOR_ORDER else len(BOR_ORDER))
    return render(
        request, "cohort.html", cohort=row, summary=summary, endpoints=endpoints,
        landmark_months=sorted(months), paramcds=paramcds, paramcd=chosen,
        group_columns=columns, by=by if by in columns else "", when=views.when,
        bor_columns=[(c, {"BOR": "Best (unconfirmed)", "CBOR": "Best (confirmed)"}.get(c, c))
                     for c in best],
        bor_rows=responses,
        months=lambda m: "not reached" if m is None else f"{m:.1f}")


@router.get("/cohorts/{cohort_id:int}/km.svg")
def cohort_km(cohort_id: int, _user: Viewer, db: Db, paramcd: str = "OS",
              by: str = "") -> Response:
    svg = cohort_km_svg(db, cohort_id, paramcd, by or None)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=600"})
