"""The FastAPI application: database, sign-in, CSRF, the API, the pages and local API docs."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

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
REFERENCE_CASE = Path(__file__).resolve().parents[3] / "examples" / "lms-deb-tace-anlotinib.yaml"


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

    @app.middleware("http")
    async def csrf_cookie(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Set the pre-sign-in CSRF cookie when a page or /auth/csrf handed out a new token."""
        response = await call_next(request)
        token = getattr(request.state, "new_anon_csrf", None)
        if token:
            response.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="strict",
                                secure=settings.secure_cookies, path="/")
        return response

    if settings.demo:
        with app.state.sessions() as db:
            app.state.demo_passwords = load_demo(db)
            db.commit()
    return app


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
