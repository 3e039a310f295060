from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oncotrack.store import UserRow, create_user, make_engine, session_factory, upgrade
from tests.dbfixtures import database_url, pg_url  # noqa: F401  (fixtures)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    engine = make_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def editor(sessions: sessionmaker[Session]) -> UserRow:
    with sessions() as s:
        user = create_user(s, "editor1", "password-1", "editor")
        s.commit()
        return user
