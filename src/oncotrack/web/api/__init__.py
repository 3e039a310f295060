"""The REST API under /api/v1: JSON in and out, every route described in /openapi.json."""

from fastapi import APIRouter

from oncotrack.web.api import auth

router = APIRouter(prefix="/api/v1")
router.include_router(auth.router)
