"""The REST API under /api/v1: JSON in and out, every route described in /openapi.json."""

from fastapi import APIRouter

from oncotrack.web.api import auth, cohorts, patients, users

router = APIRouter(prefix="/api/v1")
for module in (auth, patients, cohorts, users):
    router.include_router(module.router)
