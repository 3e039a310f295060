"""Sign-in: argon2 password checks with throttling, server-side sessions, CSRF tokens.

A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure behind TLS); the
database keeps only its SHA-256 with the user, the expiry and the session's CSRF token. Before
sign-in a CSRF token lives in its own cookie (double submit), so that the sign-in form is
protected too. Failed sign-ins are counted per username and client address in their own
transaction (kept even when the request fails); past the limit, :class:`TooManyAttempts`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from oncotrack.store.models import LoginFailureRow, UserRow, WebSessionRow, utcnow
from oncotrack.store.repository import write_audit
from oncotrack.store.users import hash_password, needs_rehash, user_by_name, verify_password
from oncotrack.web.settings import Settings

SESSION_COOKIE = "oncotrack_session"
ANON_CSRF_COOKIE = "oncotrack_csrf"


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this username from this address; try again later."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _throttle_check(bookkeeping: Session, settings: Settings, username: str, ip: str) -> None:
    since = utcnow() - dt.timedelta(seconds=settings.login_window_s)
    count, oldest = bookkeeping.execute(
        select(func.count(), func.min(LoginFailureRow.at)).where(
            LoginFailureRow.username == username, LoginFailureRow.ip == ip,
            LoginFailureRow.at > since)).one()
    if count >= settings.login_attempts and oldest is not None:
        oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
        wait = oldest_at + dt.timedelta(seconds=settings.login_window_s) - utcnow()
        raise TooManyAttempts(max(1, int(wait.total_seconds()) + 1))


def authenticate(session: Session, username: str, password: str, client_ip: str,
                 settings: Settings | None = None) -> UserRow | None:
    """The active user with this password, or None; raises :class:`TooManyAttempts` when this
    username has failed too often from this address (checked before the password, so a
    throttled guess is never verified)."""
    settings = settings or Settings(database_url="")
    username = username.strip()[:64]
    with Session(bind=session.get_bind()) as bookkeeping:
        _throttle_check(bookkeeping, settings, username, client_ip)
        user = user_by_name(session, username) if username else None
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            bookkeeping.add(LoginFailureRow(username=username, ip=client_ip, at=utcnow()))
            write_audit(bookkeeping, None, "login-failed", "user", user.id if user else None,
                        new={"username": username, "ip": client_ip})
            bookkeeping.commit()
            return None
        bookkeeping.execute(delete(LoginFailureRow).where(
            LoginFailureRow.username == username, LoginFailureRow.ip == client_ip))
        bookkeeping.commit()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _db(request: Request) -> Session:
    db: Session = request.state.db
    return db


def login(request: Request, response: Response, user: UserRow) -> str:
    """Start a session for ``user`` (replacing the request's own, if any) and set its cookie.
    Returns the new session's CSRF token."""
    db = _db(request)
    settings = settings_of(request)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        db.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash(old)))
    now = utcnow()
    # Housekeeping at each sign-in: expired sessions and failures older than the window.
    db.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
    db.execute(delete(LoginFailureRow).where(
        LoginFailureRow.at <= now - dt.timedelta(seconds=settings.login_window_s)))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = WebSessionRow(token_hash=token_hash(token), user_id=user.id, csrf=csrf,
                        created_at=now, expires_at=now + dt.timedelta(hours=settings.session_hours))
    db.add(row)
    write_audit(db, user, "login", "user", user.id, new={"ip": client_ip(request)})
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_hours * 3600,
                        httponly=True, samesite="lax", secure=settings.secure_cookies, path="/")
    request.state.web_session, request.state.user = row, user
    return csrf


def logout(request: Request, response: Response) -> None:
    """End the request's session (if any) and clear its cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        db = _db(request)
        user = getattr(request.state, "user", None)
        db.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == token_hash(token)))
        if user is not None:
            write_audit(db, user, "logout", "user", user.id)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings_of(request).secure_cookies)
    request.state.web_session, request.state.user = None, None


# Built once: this query runs on every request, and building it costs as much as running it.
_LIVE_SESSION = (
    select(WebSessionRow, UserRow).join(UserRow, UserRow.id == WebSessionRow.user_id)
    .where(WebSessionRow.token_hash == bindparam("token_hash"),
           WebSessionRow.expires_at > bindparam("now"), UserRow.active.is_(True)))


def resolve_session(db: Session, token: str | None) -> tuple[WebSessionRow, UserRow] | None:
    """The live session and its active user for a cookie token, or None."""
    if not token:
        return None
    found = db.execute(_LIVE_SESSION, {"token_hash": token_hash(token), "now": utcnow()}).first()
    return (found[0], found[1]) if found else None


def anonymous_csrf(request: Request) -> str:
    """The pre-sign-in CSRF token: the cookie's, or a new one the middleware will set."""
    token = request.cookies.get(ANON_CSRF_COOKIE) or getattr(request.state, "new_anon_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_anon_csrf = token
    return token
