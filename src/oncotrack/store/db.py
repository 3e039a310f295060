"""Where the database is, how to connect, and how to bring its schema up to date.

SQLite (a file in the working directory) needs no set-up; PostgreSQL is chosen with
``ONCOTRACK_DATABASE_URL=postgresql+psycopg://user@host:5432/db``. The schema is created and
migrated by Alembic with the migrations shipped inside this package, so ``oncotrack db upgrade``
works from an installed wheel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

DEFAULT_URL = "sqlite:///oncotrack.db"
ENV_VAR = "ONCOTRACK_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url() -> str:
    """``ONCOTRACK_DATABASE_URL``, else a SQLite file ``oncotrack.db`` in the working directory."""
    return os.environ.get(ENV_VAR) or DEFAULT_URL


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout, so that readers
    never wait for a writer and concurrent writers queue rather than fail."""
    url = url or database_url()
    # As many connections as the web server runs requests at once (FastAPI's thread pool has
    # 40 threads), so that no request waits for a connection another request holds.
    options.setdefault("pool_size", 20)
    options.setdefault("max_overflow", 20)
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") == "sqlite:":
            raise ValueError("an in-memory SQLite database is private to one connection; use a "
                             "file (sqlite:///path/oncotrack.db)")
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    if _is_file(dbapi_connection):
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _is_file(dbapi_connection: Any) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[1] == "main" and row[2] for row in rows)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that note whether they wrote anything (:func:`has_writes`), so that a request
    that only read can end without a commit round trip."""
    # expire_on_commit=False: rows returned by a request stay readable after its commit.
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "do_orm_execute", _note_statement)
    event.listen(factory, "after_flush", _note_flush)
    event.listen(factory, "after_commit", _forget_writes)
    event.listen(factory, "after_rollback", _forget_writes)
    return factory


def has_writes(session: Session) -> bool:
    """True when the session changed something since its last commit or rollback, or holds
    changes not yet flushed."""
    return bool(session.info.get("writes") or session.new or session.dirty or session.deleted)


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["writes"] = True


def _note_flush(session: Session, _context: Any) -> None:
    session.info["writes"] = True


def _forget_writes(session: Session) -> None:
    session.info.pop("writes", None)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str | Engine | None = None) -> None:
    """Create or migrate the schema to the newest revision (Alembic ``upgrade head``)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if not isinstance(url, Engine):
        engine.dispose()
