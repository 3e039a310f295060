"""``oncotrack db upgrade`` and ``oncotrack users add``: work, and fail in one line with code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncotrack.cli import app
from oncotrack.store import make_engine, session_factory, user_by_name
from oncotrack.store.users import verify_password

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ONCOTRACK_DATABASE_URL", url)
    return url


def test_upgrade_then_add_a_user(db_env: str) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "schema up to date" in result.output
    result = runner.invoke(app, ["users", "add", "dana", "--role", "editor", "--password-stdin"],
                           input="a-long-password\n")
    assert result.exit_code == 0, result.output
    engine = make_engine(db_env)
    with session_factory(engine)() as db:
        user = user_by_name(db, "dana")
        assert user is not None
        assert user.role == "editor"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "a-long-password")
    engine.dispose()


@pytest.mark.parametrize(("arguments", "stdin", "message"), [
    (["users", "add", "x y", "--role", "viewer", "--password-stdin"], "long-enough\n",
     "username"),
    (["users", "add", "eve", "--role", "viewer", "--password-stdin"], "short\n",
     "at least 8 characters"),
    (["users", "add", "eve", "--role", "boss", "--password-stdin"], "long-enough\n", "boss"),
])
def test_bad_input_exits_2_without_traceback(db_env: str, arguments: list[str], stdin: str,
                                             message: str) -> None:
    result = runner.invoke(app, arguments, input=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_duplicate_user_and_an_unreachable_database_exit_2(
        db_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    add = ["users", "add", "eve", "--role", "viewer", "--password-stdin"]
    assert runner.invoke(app, add, input="long-enough\n").exit_code == 0
    again = runner.invoke(app, add, input="long-enough\n")
    assert again.exit_code == 2
    assert "already exists" in again.output
    monkeypatch.setenv("ONCOTRACK_DATABASE_URL",
                       "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "error: database" in result.output
    assert "secret" not in result.output
    assert "Traceback" not in result.output


def test_serve_demo_without_the_reference_case_exits_2(db_env: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import oncotrack.web.app

    monkeypatch.setattr(oncotrack.web.app, "REFERENCE_CASE", tmp_path / "missing.yaml")
    result = runner.invoke(app, ["serve", "--demo", "--port", "1"])
    assert result.exit_code == 2
    assert "--demo" in result.output
    assert "file not found" in result.output
    assert "Traceback" not in result.output
