"""Static assets: the pages' CSS and JS, the report's stylesheet, and plotly.js from the installed
plotly package (never a CDN: the app works with no internet)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from oncotrack.store.errors import NotFound

router = APIRouter(include_in_schema=False)

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_CACHE = {"Cache-Control": "public, max-age=3600"}


def _plotly_js() -> bytes:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


@functools.cache
def asset(name: str) -> bytes:
    """The bytes of a served asset; NotFound for any name not in the list (no path walking)."""
    if name == "plotly.min.js":
        return _plotly_js()
    if name == "report.css":
        return (resources.files("oncotrack.report") / "templates" / "report.css").read_bytes()
    if name in ("app.css", "app.js"):
        return (resources.files("oncotrack.web") / "static" / name).read_bytes()
    raise NotFound(f"static file {name!r}")


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    media_type = _TYPES.get(Path(name).suffix, "application/octet-stream")
    return Response(asset(name), media_type=media_type, headers=_CACHE)
