"""Request-scoped dependencies: the database transaction, the signed-in user, roles, CSRF.

Two of them run for every route (the app installs them globally): :func:`load_web_session`
finds the session from its cookie, and :func:`verify_csrf` checks the token of every unsafe
request (POST, PUT, PATCH, DELETE), in the ``X-CSRF-Token`` header or a ``csrf_token`` form
field, against the session's token (before sign-in: the CSRF cookie's).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, APIKeyHeader
from sqlalchemy.orm import Session

from oncotrack.store.db import has_writes
from oncotrack.store.models import ROLES, UserRow
from oncotrack.web.auth import (
    ANON_CSRF_COOKIE,
    SESSION_COOKIE,
    anonymous_csrf,
    resolve_session,
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Declared so that the OpenAPI schema (and the docs page's Authorize button) shows how to call
# the API: the session cookie from POST /api/v1/auth/login, and the CSRF token it returned.
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                              description="Set by POST /api/v1/auth/login.")
csrf_header = APIKeyHeader(name="X-CSRF-Token", auto_error=False,
                           description="Required on POST, PUT, PATCH and DELETE: the csrf_token "
                           "returned by /auth/login, /auth/csrf or /me.")


class LoginRequired(Exception):
    """A page needs a signed-in user: answered by a redirect to /login?next=<path>."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        return "/login?next=" + quote(self.next_path, safe="/")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route succeeds, else rolled back.

    Async, so that opening the session costs no trip to the thread pool; a request that wrote
    commits in the pool, one that only read is closed at once (its transaction rolled back).
    """
    db: Session = request.app.state.sessions()
    request.state.db = db
    try:
        yield db
        if has_writes(db):
            await run_in_threadpool(db.commit)
    except BaseException:
        if has_writes(db):
            await run_in_threadpool(db.rollback)
        raise
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_session)]
"""The request's database session (one transaction per request)."""


def load_web_session(request: Request, db: DbSession,
                     _cookie: Annotated[str | None, Depends(session_cookie)]) -> None:
    """Set ``request.state.user`` and ``.web_session`` from the session cookie (None if none)."""
    found = resolve_session(db, request.cookies.get(SESSION_COOKIE))
    request.state.web_session, request.state.user = found if found else (None, None)


def csrf_token(request: Request) -> str:
    """The CSRF token to put in forms (hidden ``csrf_token``) and ``<meta name="csrf-token">``."""
    web_session = getattr(request.state, "web_session", None)
    if web_session is not None:
        token: str = web_session.csrf
        return token
    return anonymous_csrf(request)


async def verify_csrf(request: Request,
                      header: Annotated[str | None, Depends(csrf_header)]) -> None:
    """403 for an unsafe request without the right CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = header
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get("csrf_token")
            sent = value if isinstance(value, str) else None
    web_session = getattr(request.state, "web_session", None)
    expected = web_session.csrf if web_session is not None \
        else request.cookies.get(ANON_CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "missing or wrong CSRF token (send the X-CSRF-Token header or a "
                            "csrf_token form field)")


async def current_user(request: Request) -> UserRow:
    """The signed-in user, or 401 (for the API). Async: it only reads what
    :func:`load_web_session` found, so it needs no trip to the thread pool."""
    user: UserRow | None = getattr(request.state, "user", None)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first",
                            headers={"WWW-Authenticate": "Cookie"})
    return user


async def current_user_or_redirect(request: Request) -> UserRow:
    """The signed-in user, or a redirect to the sign-in page (for pages)."""
    user: UserRow | None = getattr(request.state, "user", None)
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


def has_role(user: UserRow, role: str) -> bool:
    """Roles are ordered: viewer < editor < admin."""
    return ROLES.index(user.role) >= ROLES.index(role) if user.role in ROLES else False


def _role_check(role: str, source: Callable[[Request], Awaitable[UserRow]]
                ) -> Callable[..., Awaitable[UserRow]]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    async def check(user: UserRow) -> UserRow:
        if not has_role(user, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this needs the {role} role (you are {user.role})")
        return user

    # A real annotation object, not the string postponed evaluation would leave: FastAPI could
    # not resolve ``source``, a closure variable, from a string.
    check.__annotations__ = {"user": Annotated[UserRow, Depends(source)], "return": UserRow}
    return check


def require_role(role: str) -> Callable[..., Awaitable[UserRow]]:
    """A dependency giving the user if they have ``role`` or more; 401 if not signed in, 403
    if the role is too low."""
    return _role_check(role, current_user)


def require_page_role(role: str) -> Callable[..., Awaitable[UserRow]]:
    """As :func:`require_role`, but a page redirects to sign-in when no one is signed in."""
    return _role_check(role, current_user_or_redirect)


CurrentUser = Annotated[UserRow, Depends(current_user)]
"""The signed-in user (any role); 401 when none."""
Viewer = CurrentUser
Editor = Annotated[UserRow, Depends(require_role("editor"))]
"""A signed-in editor or admin; 401 / 403 otherwise."""
Admin = Annotated[UserRow, Depends(require_role("admin"))]
"""A signed-in admin; 401 / 403 otherwise."""
