"""Two editors save the same assessment at the same moment on PostgreSQL: one wins, the other
gets a version conflict with the winner's record, and nothing is lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from oncotrack.interop.casefile import load_case as read_case_file
from oncotrack.store import (
    VersionConflict,
    audit_trail,
    create_user,
    get_record,
    import_case,
    list_records,
    make_engine,
    session_factory,
    update_record,
    upgrade,
)

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "lms-deb-tace-anlotinib.yaml"


def _wait_until_blocked(sessions: Any, backend_pid: int) -> None:
    """Return once the backend ``backend_pid`` waits for a lock (bounded, not a timing test)."""
    deadline = time.monotonic() + 60
    with sessions() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(text(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": backend_pid}).scalar_one_or_none()
            probe.rollback()
            if waiting == "Lock":
                return
            time.sleep(0.02)
    pytest.fail("the second editor never waited for the first one's lock")


def test_simultaneous_edits_one_wins_one_conflicts(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as s:
        alice = create_user(s, "alice", "password-a", "editor")
        bob = create_user(s, "bob", "password-b", "editor")
        patient = import_case(s, alice, read_case_file(REFERENCE))
        s.commit()
        record = list_records(s, patient.id, "assessments")[1]
    base = record.payload
    alice_payload = {**base, "target": {**base["target"], "L1": 40.0}}
    bob_payload = {**base, "target": {**base["target"], "L2": 27.0}}

    first, second = sessions(), sessions()
    second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
    outcome: dict[str, Any] = {}

    def bob_saves() -> None:
        try:
            update_record(second, bob, record.id, bob_payload, record.version, "bob's edit")
            second.commit()
            outcome["bob"] = "saved"
        except VersionConflict as conflict:
            second.rollback()
            outcome["bob"] = conflict
        except Exception as error:  # pragma: no cover - reported by the assertion below
            second.rollback()
            outcome["bob"] = error

    # Alice's update holds the case lock (not yet committed) while Bob's, with the same
    # version, starts and has to wait for it.
    update_record(first, alice, record.id, alice_payload, record.version, "alice's edit")
    thread = threading.Thread(target=bob_saves)
    thread.start()
    _wait_until_blocked(sessions, second_pid)
    first.commit()
    thread.join(timeout=60)
    assert not thread.is_alive()
    first.close()
    second.close()

    conflict = outcome["bob"]
    assert isinstance(conflict, VersionConflict), conflict
    assert conflict.current is not None
    assert conflict.current["version"] == record.version + 1
    assert conflict.current["payload"]["target"]["L1"] == 40.0  # Bob is shown Alice's value

    with sessions() as s:
        stored = get_record(s, record.id)
        assert stored.payload["target"]["L1"] == 40.0
        assert stored.version == record.version + 1
        assert [(a.username, a.reason) for a in audit_trail(s, patient.id)
                if a.action == "update"] == [("alice", "alice's edit")]
        # Nothing is lost: Bob re-applies his change on the current version.
        merged = {**stored.payload,
                  "target": {**stored.payload["target"], "L2": 27.0}}
        update_record(s, bob, record.id, merged, stored.version, "bob's edit, re-applied")
        s.commit()
        final = get_record(s, record.id)
        assert (final.payload["target"]["L1"], final.payload["target"]["L2"]) == (40.0, 27.0)
        assert len([a for a in audit_trail(s, patient.id) if a.action == "update"]) == 2
    engine.dispose()
