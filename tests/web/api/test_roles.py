"""Every route of the app, walked as an anonymous user and as a viewer: no patient data without a
session, and no change by a viewer (checked server-side, whatever the pages show)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.web.api.conftest import Client, anonymous, import_reference, signed_in

PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout"),
          ("GET", "/api/v1/auth/csrf")}
"""Routes open without a session (none of them returns patient data)."""
PUBLIC_PAGES = re.compile(r"^/(login|logout|docs|static/.*|favicon\.ico)$")
"""Pages open without a session: sign-in, assets and the API docs (no patient data)."""
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SIGN_IN_OUT = {"/api/v1/auth/login", "/api/v1/auth/logout", "/login", "/logout"}
EDIT_FORMS = re.compile(r"^/(?!api/).*/(new|edit|delete|import)$")
"""Pages that are forms for a change: an editor's, so a viewer is refused them too (403)."""


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, included routers too (FastAPI >= 0.16x keeps those behind
    ``effective_route_contexts``; older versions flatten them into APIRoutes)."""
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.extend((method, route.path) for method in sorted(route.methods))
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                methods = getattr(context.original_route, "methods", None) or ()
                found.extend((method, context.path) for method in sorted(methods))
    return found


def _url(path: str, ids: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return str(ids.get(name, 1))
    return re.sub(r"\{([^}]+)\}", fill, path)


@pytest.fixture
def ids(app: FastAPI) -> dict[str, Any]:
    editor = signed_in(app, "editor")
    patient = import_reference(editor)
    record = editor.get(f"/api/v1/patients/{patient['id']}/assessments").json()[0]
    return {"patient_id": patient["id"], "id": patient["id"], "kind": "assessments",
            "record_id": record["id"], "cohort_id": 1, "user_id": 1}


def _send(client: Client, method: str, url: str) -> Any:
    if method in UNSAFE:
        return client.request(method, url, json={}, follow_redirects=False)
    return client.http.request(method, url, follow_redirects=False)


def test_the_walk_covers_every_documented_operation(app: FastAPI) -> None:
    walked = set(_routes(app))
    documented = {(method.upper(), path)
                  for path, operations in app.openapi()["paths"].items()
                  for method in operations}
    assert documented <= walked
    assert ("DELETE", "/api/v1/patients/{patient_id}/{kind}/{record_id}") in walked


def test_anonymous_gets_nothing_but_sign_in(app: FastAPI, ids: dict[str, Any]) -> None:
    client = anonymous(app)
    for method, path in _routes(app):
        url = _url(path, ids)
        response = _send(client, method, url)
        if path.startswith("/api/"):
            if (method, path) in PUBLIC:
                continue
            assert response.status_code == 401, (method, path, response.status_code)
        elif not PUBLIC_PAGES.match(path):
            assert response.status_code in (303, 307, 401), (method, path, response.status_code)
            if response.status_code != 401:
                assert response.headers["location"].startswith("/login"), (method, path)


def test_a_viewer_reads_but_never_writes(app: FastAPI, ids: dict[str, Any]) -> None:
    client = signed_in(app, "viewer")
    for method, path in _routes(app):
        if path in SIGN_IN_OUT or PUBLIC_PAGES.match(path):
            continue
        url = _url(path, ids)
        response = _send(client, method, url)
        if method in UNSAFE or path.startswith("/api/v1/users") or EDIT_FORMS.match(path):
            assert response.status_code == 403, (method, path, response.status_code)
        else:
            assert response.status_code not in (401, 403), (method, path, response.status_code)
    # nothing changed: the reference case is still whole, with one audit row (its import)
    editor = signed_in(app, "editor")
    audit = editor.get(f"/api/v1/patients/{ids['patient_id']}/audit").json()
    assert [entry["action"] for entry in audit] == ["import"]


def test_an_editor_cannot_manage_users_and_an_admin_can(app: FastAPI) -> None:
    editor = signed_in(app, "editor")
    new = {"username": "nurse", "password": "long-enough-1", "role": "viewer"}
    assert editor.post("/api/v1/users", json=new).status_code == 403
    admin = signed_in(app, "admin")
    created = admin.post("/api/v1/users", json=new)
    assert created.status_code == 201
    assert created.json()["role"] == "viewer"
    assert admin.post("/api/v1/users", json=new).status_code == 409
    assert "nurse" in [u["username"] for u in admin.get("/api/v1/users").json()]
