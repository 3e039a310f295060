"""An app over an empty database (SQLite and PostgreSQL) with one user per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette's notice about httpx, not about this code
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from oncotrack.store import create_user
from oncotrack.web.app import create_app
from tests.dbfixtures import database_url  # noqa: F401  (fixture)

PASSWORDS = {"viewer": "viewer-pass-1", "editor": "editor-pass-1", "admin": "admin-pass-1"}
REFERENCE = Path(__file__).resolve().parents[3] / "examples" / "lms-deb-tace-anlotinib.yaml"


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:  # noqa: F811
    app = create_app(database_url)
    with app.state.sessions() as db:
        for role, password in PASSWORDS.items():
            create_user(db, role, password, role)
        db.commit()
    yield app
    app.state.engine.dispose()


@dataclass
class Client:
    """A TestClient signed in (or not) that sends its CSRF token on every unsafe request."""

    http: TestClient
    csrf: str

    def get(self, url: str, **kw: Any) -> Any:
        return self.http.get(url, **kw)

    def request(self, method: str, url: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **(kw.pop("headers", None) or {})}
        return self.http.request(method, url, headers=headers, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.request("DELETE", url, **kw)


def anonymous(app: FastAPI, ip: str = "10.0.0.1") -> Client:
    http = TestClient(app, client=(ip, 50000))
    token = http.get("/api/v1/auth/csrf").json()["csrf_token"]
    return Client(http, token)


def signed_in(app: FastAPI, role: str, ip: str = "10.0.0.1") -> Client:
    client = anonymous(app, ip)
    response = client.post("/api/v1/auth/login",
                           json={"username": role, "password": PASSWORDS[role]})
    assert response.status_code == 200, response.text
    client.csrf = response.json()["csrf_token"]
    return client


@pytest.fixture
def editor(app: FastAPI) -> Client:
    return signed_in(app, "editor")


@pytest.fixture
def viewer(app: FastAPI) -> Client:
    return signed_in(app, "viewer")


@pytest.fixture
def admin(app: FastAPI) -> Client:
    return signed_in(app, "admin")


def import_reference(client: Client) -> dict[str, Any]:
    with REFERENCE.open("rb") as handle:
        response = client.post("/api/v1/patients/import",
                               files={"file": (REFERENCE.name, handle, "application/yaml")})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
