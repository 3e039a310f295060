"""What the store refuses, as exceptions the web layer maps to HTTP statuses (404, 409, 422)."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of every refusal by the store."""


class NotFound(StoreError):
    """No such patient, record, cohort or user (or it was deleted)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class VersionConflict(StoreError):
    """The row changed since the caller read it: ``current`` is what is stored now (a dict in the
    shape the API returns), so that the caller can show it and nothing is silently overwritten."""

    def __init__(self, current: dict[str, Any] | None, expected: int) -> None:
        version = current.get("version") if current else None
        super().__init__(f"version conflict: expected version {expected}, the stored version is "
                         f"{version}; reload and apply the change again")
        self.current = current
        self.expected = expected


class InvalidRecord(StoreError):
    """A payload (or the case it would make) fails validation.

    ``errors`` is a list of ``{"loc": [...], "msg": str}``: ``loc`` is the field path inside the
    payload that was sent; a problem the change causes elsewhere in the case carries
    ``"scope": "case"`` and the path in the whole case (``["assessments", 2, "target", "T1"]``).
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(_describe(e) for e in errors) or "invalid record")


class Conflict(StoreError):
    """The change clashes with what exists (a patient label already used, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _describe(error: dict[str, Any]) -> str:
    loc = error.get("loc") or []
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{path}: {error.get('msg')}" if path else str(error.get("msg"))
