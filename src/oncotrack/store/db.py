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
from sqlalchemy.orm import Session, sessionmaker

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
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_size", 20)
    options.setdefault("max_overflow", 20)
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
    # expire_on_commit=False: rows returned by a request stay readable after its commit.
    return sessionmaker(engine, expire_on_commit=False)


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
