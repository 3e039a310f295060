"""Settings of the web application, from arguments or ``ONCOTRACK_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

from oncotrack.store.db import database_url


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


@dataclass(frozen=True)
class Settings:
    database_url: str
    secure_cookies: bool = False
    """Send cookies only over HTTPS (set it behind TLS: ``ONCOTRACK_SECURE_COOKIES=1``)."""
    session_hours: int = 12
    """A sign-in lasts this long (``ONCOTRACK_SESSION_HOURS``)."""
    login_attempts: int = 5
    """Failed sign-ins allowed per username and client address within ``login_window_s``."""
    login_window_s: int = 15 * 60
    demo: bool = False

    @classmethod
    def from_env(cls, database_url_: str | None = None, *, secure_cookies: bool | None = None,
                 demo: bool = False) -> Settings:
        return cls(
            database_url=database_url_ or database_url(),
            secure_cookies=_flag("ONCOTRACK_SECURE_COOKIES") if secure_cookies is None
            else secure_cookies,
            session_hours=_int("ONCOTRACK_SESSION_HOURS", 12),
            login_attempts=_int("ONCOTRACK_LOGIN_ATTEMPTS", 5),
            login_window_s=_int("ONCOTRACK_LOGIN_WINDOW_S", 15 * 60),
            demo=demo,
        )
