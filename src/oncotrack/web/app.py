"""The FastAPI application: database, sign-in, CSRF, the API, the pages and local API docs."""

from __future__ import annotations

import os
import secrets
from http.cookies import SimpleCookie
from pathlib import Path

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oncotrack import __version__
from oncotrack.store import db as store_db
from oncotrack.store.models import UserRow
from oncotrack.web import pages
from oncotrack.web.api import router as api_router
from oncotrack.web.auth import ANON_CSRF_COOKIE
from oncotrack.web.cache import Assessed, RevisionCache
from oncotrack.web.deps import load_web_session, verify_csrf
from oncotrack.web.docs import install_docs
from oncotrack.web.errors import install_error_handlers
from oncotrack.web.settings import Settings

DEMO_USERS = (("viewer", "viewer"), ("editor", "editor"), ("admin", "admin"))
REFERENCE_CASE = Path(os.environ.get(
    "ONCOTRACK_DEMO_CASE",
    Path(__file__).resolve().parents[3] / "examples" / "lms-deb-tace-anlotinib.yaml"))
"""The case ``--demo`` imports: the reference case of a source checkout, or
``ONCOTRACK_DEMO_CASE``."""


def create_app(database_url: str | None = None, *, secure_cookies: bool | None = None,
               demo: bool = False, settings: Settings | None = None) -> FastAPI:
    """The application over ``database_url`` (default: ``ONCOTRACK_DATABASE_URL`` or
    ``sqlite:///oncotrack.db``); the schema is migrated to the newest revision first.

    ``demo`` adds the users viewer, editor and admin (passwords from ``ONCOTRACK_DEMO_PASSWORD``
    or random, in ``app.state.demo_passwords``) and the reference case, when absent.
    """
    settings = settings or Settings.from_env(database_url, secure_cookies=secure_cookies,
                                             demo=demo)
    engine = store_db.make_engine(settings.database_url)
    store_db.upgrade(engine)
    app = FastAPI(
        title="oncotrack",
        version=__version__,
        summary="Tumour response (RECIST 1.1 and more), endpoints and liver scores, with the "
        "reasoning shown; cases stored with an audit trail.",
        docs_url=None, redoc_url=None,
        dependencies=[Depends(load_web_session), Depends(verify_csrf)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = store_db.session_factory(engine)
    app.state.assess_cache = RevisionCache[Assessed]()
    app.state.demo_passwords = {}
    install_error_handlers(app)
    install_docs(app)
    app.include_router(api_router)
    app.include_router(pages.router)
    app.state.render_error = pages.render_error  # refusals outside a form, in the pages' layout

    app.add_middleware(AnonymousCsrfCookie, secure=settings.secure_cookies)
    if settings.demo:
        with app.state.sessions() as db:
            app.state.demo_passwords = load_demo(db)
            db.commit()
    return app


class AnonymousCsrfCookie:
    """Sets the pre-sign-in CSRF cookie when a page or /auth/csrf handed out a new token (a
    plain ASGI middleware: Starlette's BaseHTTPMiddleware costs every request a task)."""

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app, self.secure = app, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            token = scope.get("state", {}).get("new_anon_csrf")
            if message["type"] == "http.response.start" and token:
                cookie = SimpleCookie()
                cookie[ANON_CSRF_COOKIE] = token
                morsel = cookie[ANON_CSRF_COOKIE]
                morsel["path"], morsel["httponly"], morsel["samesite"] = "/", True, "strict"
                if self.secure:
                    morsel["secure"] = True
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", morsel.OutputString())
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def load_demo(db: Session) -> dict[str, str]:
    """Demo users and the reference case, each only when absent; the new users' passwords."""
    from oncotrack.interop.casefile import load_case
    from oncotrack.store.repository import import_case
    from oncotrack.store.users import create_user, user_by_name

    passwords: dict[str, str] = {}
    fixed = os.environ.get("ONCOTRACK_DEMO_PASSWORD")
    admin: UserRow | None = None
    for username, role in DEMO_USERS:
        user = user_by_name(db, username)
        if user is None:
            password = fixed or secrets.token_urlsafe(12)
            user = create_user(db, username, password, role)
            passwords[username] = password
        if role == "admin":
            admin = user
    assert admin is not None
    from oncotrack.store.models import PatientRow

    case = load_case(REFERENCE_CASE)
    exists = db.query(PatientRow).filter(PatientRow.label == case.patient.id,
                                         PatientRow.deleted_at.is_(None)).first()
    if exists is None:
        import_case(db, admin, case, reason="demo: the reference case")
    return passwords
