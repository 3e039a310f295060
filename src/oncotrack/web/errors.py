"""What a refused request gets back: JSON under /api, a short HTML page elsewhere.

Store refusals map to HTTP: not found 404, version conflict 409 (with the current record),
conflict 409, invalid record 422 (with every error's field path), too many sign-ins 429.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from oncotrack.store.errors import Conflict, InvalidRecord, NotFound, VersionConflict
from oncotrack.web.auth import TooManyAttempts
from oncotrack.web.deps import LoginRequired


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or \
        "application/json" in request.headers.get("accept", "")


def _answer(request: Request, status: int, body: dict[str, Any],
            headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)
    render = getattr(request.app.state, "render_error", None)
    if render is not None:  # the pages' own error page, when they provide one
        page: Response = render(request, status, body)
        return page
    text = html.escape(str(body.get("detail", "")))
    items = "".join(f"<li>{html.escape(str(e.get('loc')))}: {html.escape(str(e.get('msg')))}</li>"
                    for e in body.get("errors", []))
    return HTMLResponse(f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{text}</p>"
                        f"<ul>{items}</ul>", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    def not_found(request: Request, error: NotFound) -> Response:
        return _answer(request, 404, {"detail": str(error)})

    @app.exception_handler(VersionConflict)
    def version_conflict(request: Request, error: VersionConflict) -> Response:
        return _answer(request, 409, {"detail": str(error), "current": error.current})

    @app.exception_handler(Conflict)
    def conflict(request: Request, error: Conflict) -> Response:
        return _answer(request, 409, {"detail": error.message})

    @app.exception_handler(InvalidRecord)
    def invalid(request: Request, error: InvalidRecord) -> Response:
        return _answer(request, 422, {"detail": str(error), "errors": error.errors})

    @app.exception_handler(TooManyAttempts)
    def throttled(request: Request, error: TooManyAttempts) -> Response:
        return _answer(request, 429, {"detail": str(error)},
                       headers={"Retry-After": str(error.retry_after_s)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        """FastAPI's JSON under /api (and for JSON clients); the pages' error page elsewhere
        (e.g. a viewer opening an editor's form: 403)."""
        if _wants_json(request) or error.status_code < 400:
            return await http_exception_handler(request, error)
        return _answer(request, error.status_code, {"detail": error.detail},
                       headers=dict(error.headers) if error.headers else None)

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(error.location, status_code=303)
