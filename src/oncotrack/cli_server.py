"""The commands of the web application: ``serve``, ``db upgrade`` and ``users add``.

They take the database from ``ONCOTRACK_DATABASE_URL`` (default: the SQLite file oncotrack.db
in the working directory). A database that cannot be reached, or bad input, prints one line and
exits with code 2 — never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

EXIT_BAD_INPUT = 2
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

db_app = typer.Typer(help="The database: create or migrate its schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the web application and their roles.",
                        no_args_is_help=True)


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


def _fail(message: str) -> NoReturn:
    err.print(f"error: {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def _database_errors(url: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        first = str(cause).strip().splitlines()
        _fail(f"database {_safe(url)}: {first[0] if first else type(error).__name__}")


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Add demo users (viewer, editor, admin; "
                                       "passwords printed, or ONCOTRACK_DEMO_PASSWORD) and the "
                                       "reference case.")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
) -> None:
    """Run the web application (migrates the database first). Pages at /, API at /api/v1,
    interactive API docs at /docs."""
    import uvicorn

    from oncotrack.model.problems import CaseError
    from oncotrack.store.db import database_url
    from oncotrack.web.app import create_app

    url = database_url()
    with _database_errors(url):
        try:
            app = create_app(url, demo=demo)
        except CaseError as error:  # --demo's reference case missing or unreadable
            _fail(f"--demo: {error.describe()}")
    for username, password in sorted(app.state.demo_passwords.items()):
        print(f"demo user {username}: password {password}")
    print(f"oncotrack on http://{host}:{port}/ (database {_safe(url)})", flush=True)
    # Keep idle connections 30 s (uvicorn's default, 5 s, makes browsers and proxies reconnect
    # between most clicks).
    if workers > 1:
        uvicorn.run("oncotrack.web.asgi:app", host=host, port=port, workers=workers,
                    log_level="warning", timeout_keep_alive=30)
    else:
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=30)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or migrate it to the newest revision."""
    from oncotrack.store.db import database_url, upgrade

    url = database_url()
    with _database_errors(url):
        upgrade(url)
    print(f"database {_safe(url)}: schema up to date")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.", show_default=False)],
    role: Annotated[Role, typer.Option(help="viewer reads; editor also records and edits; "
                                       "admin also manages users.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                 "from the first line of standard input.")]
    = False,
) -> None:
    """Add a user (the password is prompted twice, or read with --password-stdin)."""
    from oncotrack.store.db import database_url, make_engine, session_factory, upgrade
    from oncotrack.store.errors import Conflict, InvalidRecord
    from oncotrack.store.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    url = database_url()
    with _database_errors(url):
        upgrade(url)
        engine = make_engine(url)
        try:
            with session_factory(engine)() as db:
                create_user(db, username, password, role.value)
                db.commit()
        except InvalidRecord as error:
            _fail("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors))
        except Conflict as error:
            _fail(error.message)
        finally:
            engine.dispose()
    print(f"user {username} added with role {role.value}")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
