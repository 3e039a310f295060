"""Jinja2 for the pages: the web templates, and the case report's section templates so that the
patient page shows the report's tables (one markup for both, see oncotrack.report.html)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

from oncotrack import __version__
from oncotrack.store.models import UserRow
from oncotrack.web.deps import csrf_token, has_role

ENV = Environment(
    loader=ChoiceLoader([PackageLoader("oncotrack.web", "templates"),
                         PackageLoader("oncotrack.report", "templates")]),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def signed_in(request: Request) -> UserRow | None:
    user: UserRow | None = getattr(request.state, "user", None)
    return user


def can_edit(request: Request) -> bool:
    """Whether to show edit controls (the routes check the role again: hiding is not refusing)."""
    user = signed_in(request)
    return user is not None and has_role(user, "editor")


def render(request: Request, template: str, status_code: int = 200, *,
           detached: bool = False, **context: Any) -> HTMLResponse:
    """``template`` with what every page needs: the user, the CSRF token, the role.

    ``detached``: the request's transaction is already over (an error page drawn by an exception
    handler after the rollback), so the session's rows cannot be read: the page shows no user.
    """
    user = None if detached else signed_in(request)
    page = ENV.get_template(template).render(
        request=request, user=user, csrf_token="" if detached else csrf_token(request),
        can_edit=False if detached else can_edit(request), app_version=__version__, **context)
    return HTMLResponse(page, status_code=status_code,
                        headers={"Cache-Control": "no-store"})


_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict",
           422: "Invalid input", 429: "Too many attempts"}


def render_error(request: Request, status_code: int, body: dict[str, Any]) -> HTMLResponse:
    """The error page (installed as ``app.state.render_error`` for refusals outside a form)."""
    return render(request, "error.html", status_code, detached=True, status=status_code,
                  title=_TITLES.get(status_code, "Error"), detail=str(body.get("detail", "")),
                  errors=body.get("errors") or [])
