"""Sign-in and sign-out forms (the checks, throttling and sessions are oncotrack.web.auth's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from oncotrack.web.auth import TooManyAttempts, authenticate, client_ip, login, logout, settings_of
from oncotrack.web.pages.access import Db, Viewer
from oncotrack.web.pages.rendering import render, signed_in

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send users elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/patients"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/patients") -> Response:
    if signed_in(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None, username="")


@router.post("/login")
def login_submit(request: Request, db: Db, username: Annotated[str, Form()] = "",
                 password: Annotated[str, Form()] = "",
                 next: Annotated[str, Form()] = "/patients") -> Response:
    target = safe_next(next)
    try:
        user = authenticate(db, username, password, client_ip(request), settings_of(request))
    except TooManyAttempts as error:
        return render(request, "login.html", 429, next=target, username=username,
                      error=f"Too many failed sign-ins. Try again in {error.retry_after_s} s.")
    if user is None:
        return render(request, "login.html", 401, next=target, username=username,
                      error="Unknown user name or wrong password.")
    response = RedirectResponse(target, status_code=303)
    login(request, response, user)
    return response


@router.post("/logout")
def logout_submit(request: Request, _db: Db) -> Response:
    response = RedirectResponse("/login", status_code=303)
    logout(request, response)
    return response


@router.get("/")
def home(_user: Viewer) -> Response:
    return RedirectResponse("/patients", status_code=303)
