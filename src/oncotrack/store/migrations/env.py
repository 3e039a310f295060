"""Alembic environment: runs on the connection handed over by :func:`oncotrack.store.db.upgrade`
(or a URL from ``ONCOTRACK_DATABASE_URL`` when Alembic's own command line is used)."""

from __future__ import annotations

from alembic import context

from oncotrack.store.db import make_engine
from oncotrack.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine()
    with engine.begin() as own:
        context.configure(connection=own, target_metadata=target_metadata,
                          render_as_batch=own.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
