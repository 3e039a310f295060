"""Sign-in, sessions, cookies, CSRF and throttling."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from oncotrack.store import UserRow, create_user
from oncotrack.store.models import WebSessionRow, utcnow
from oncotrack.web.app import create_app
from tests.web.api.conftest import PASSWORDS, TestClient, anonymous, signed_in


def test_no_patient_data_without_a_session(app: FastAPI) -> None:
    client = anonymous(app)
    for url in ("/api/v1/patients", "/api/v1/patients/1", "/api/v1/patients/1/assessment",
                "/api/v1/me", "/api/v1/cohorts", "/api/v1/patients/1/audit"):
        assert client.get(url).status_code == 401, url


def test_sign_in_sets_a_protected_session_cookie(app: FastAPI) -> None:
    client = anonymous(app)
    response = client.post("/api/v1/auth/login",
                           json={"username": "editor", "password": PASSWORDS["editor"]})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "oncotrack_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie
    me = client.get("/api/v1/me").json()
    assert me["user"]["username"] == "editor"
    assert me["csrf_token"] == response.json()["csrf_token"]


def test_secure_cookies_behind_tls(database_url: str) -> None:
    app = create_app(database_url, secure_cookies=True)
    with app.state.sessions() as db:
        create_user(db, "editor", PASSWORDS["editor"], "editor")
        db.commit()
    http = TestClient(app, base_url="https://testserver")
    csrf = http.get("/api/v1/auth/csrf")
    assert "secure" in csrf.headers["set-cookie"].lower()
    response = http.post("/api/v1/auth/login", headers={"X-CSRF-Token": csrf.json()["csrf_token"]},
                         json={"username": "editor", "password": PASSWORDS["editor"]})
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()
    app.state.engine.dispose()


def test_wrong_password_is_401_and_logout_ends_the_session(app: FastAPI) -> None:
    client = anonymous(app)
    response = client.post("/api/v1/auth/login",
                           json={"username": "editor", "password": "not-it"})
    assert response.status_code == 401
    client = signed_in(app, "editor")
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_unsafe_requests_need_the_sessions_csrf_token(app: FastAPI) -> None:
    client = signed_in(app, "editor")
    body = {"patient": {"id": "P-1"}}
    missing = client.http.post("/api/v1/patients", json=body)
    assert missing.status_code == 403
    assert "CSRF" in missing.json()["detail"]
    wrong = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    other = signed_in(app, "admin")  # another session's token is not this session's
    assert client.post("/api/v1/patients", json=body,
                       headers={"X-CSRF-Token": other.csrf}).status_code == 403
    assert client.post("/api/v1/patients", json=body).status_code == 201


def test_sign_in_itself_needs_a_csrf_token(app: FastAPI) -> None:
    client = anonymous(app)
    response = client.http.post("/api/v1/auth/login",
                                json={"username": "editor", "password": PASSWORDS["editor"]})
    assert response.status_code == 403


def test_failed_sign_ins_are_throttled_per_username_and_address(app: FastAPI) -> None:
    attacker = anonymous(app, ip="10.9.9.9")
    for _ in range(5):
        response = attacker.post("/api/v1/auth/login",
                                 json={"username": "editor", "password": "guess"})
        assert response.status_code == 401
    blocked = attacker.post("/api/v1/auth/login",
                            json={"username": "editor", "password": PASSWORDS["editor"]})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # the same user from another address, and another user from this one, are not blocked
    assert signed_in(app, "editor", ip="10.1.1.1").get("/api/v1/me").status_code == 200
    assert signed_in(app, "viewer", ip="10.9.9.9").get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("body", [{"username": "", "password": "x"}, {"username": "a"}, {}])
def test_malformed_sign_in_is_422(app: FastAPI, body: dict[str, str]) -> None:
    assert anonymous(app).post("/api/v1/auth/login", json=body).status_code == 422


def test_an_expired_session_is_refused_and_swept_at_the_next_sign_in(app: FastAPI) -> None:
    client = signed_in(app, "editor")
    with app.state.sessions() as db:
        db.execute(update(WebSessionRow).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.commit()
    assert client.get("/api/v1/me").status_code == 401
    signed_in(app, "viewer")
    with app.state.sessions() as db:
        assert db.execute(select(func.count()).select_from(WebSessionRow)).scalar_one() == 1


def test_a_deactivated_user_is_signed_out_at_once(app: FastAPI) -> None:
    client = signed_in(app, "editor")
    with app.state.sessions() as db:
        db.execute(update(UserRow).where(UserRow.username == "editor").values(active=False))
        db.commit()
    assert client.get("/api/v1/me").status_code == 401
    response = anonymous(app).post("/api/v1/auth/login",
                                   json={"username": "editor", "password": PASSWORDS["editor"]})
    assert response.status_code == 401
