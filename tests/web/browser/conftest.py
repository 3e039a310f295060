"""A real server (uvicorn on 127.0.0.1, a fresh SQLite file) and Debian's Chromium.

Every request the browser makes is logged by route interception and only loopback requests are
let through, so a test can assert that nothing left the machine.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Route

from oncotrack.store import create_user
from oncotrack.web.app import create_app
from tests.chromium import chromium

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "out" / "screenshots"
PASSWORDS = {"viewer": "viewer-pass-1", "editor": "editor-pass-1"}
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@dataclass
class Server:
    url: str
    thread: threading.Thread
    server: uvicorn.Server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("web") / "oncotrack.db"
    app = create_app(f"sqlite:///{database}")
    with app.state.sessions() as db:
        for role, password in PASSWORDS.items():
            create_user(db, role, password, role)
        db.commit()
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", thread, running)
    running.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@dataclass
class Session:
    """A browser context (its own cookies) with every request URL it made."""

    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def open_session(browser: Browser, width: int = 1280) -> Session:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    session = Session(context, page)

    def guard(route: Route) -> None:
        url = route.request.url
        session.requests.append(url)
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    return session


def sign_in(session: Session, server: Server, role: str, shot: str | None = None) -> None:
    page = session.page
    page.goto(server.url + "/patients")
    assert "/login" in page.url  # no patient data without a session
    if shot:
        session.shot(shot, full_page=False)
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill(PASSWORDS[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/patients")
