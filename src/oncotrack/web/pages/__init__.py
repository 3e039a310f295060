"""Server-rendered pages (owned by the pages side; this placeholder only exposes the router)."""

from fastapi import APIRouter

router = APIRouter()
