"""Server-rendered pages (Jinja2, small vanilla JS): sign-in, patients, data entry with the audit
trail, cohorts. They call the store and the engines in-process, with the same dependencies for
sign-in, roles and CSRF as the API; no clinical rule lives here."""

from fastapi import APIRouter

from oncotrack.web.pages import cohorts, patients, records, signin, static
from oncotrack.web.pages.rendering import render_error

router = APIRouter(include_in_schema=False)
for module in (static, signin, patients, records, cohorts):
    router.include_router(module.router)

__all__ = ["render_error", "router"]
