"""The repository on SQLite and PostgreSQL: round trips, versions, audit, soft delete, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from oncotrack.interop.casefile import load_case as read_case_file
from oncotrack.store import (
    AuditRow,
    Conflict,
    InvalidRecord,
    NotFound,
    RecordRow,
    UserRow,
    VersionConflict,
    add_record,
    audit_trail,
    case_revision,
    create_patient,
    delete_patient,
    delete_record,
    export_case,
    get_record,
    import_case,
    list_patients,
    list_records,
    load_case,
    update_patient,
    update_record,
)
from oncotrack.store.models import Base

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "lms-deb-tace-anlotinib.yaml"


def _with_target(payload: dict[str, Any], lesion: str, value: Any) -> dict[str, Any]:
    return {**payload, "target": {**payload["target"], lesion: value}}


def test_migration_creates_exactly_the_models(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        context = MigrationContext.configure(s.connection())
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_reference_case_round_trips(sessions: sessionmaker[Session], editor: UserRow) -> None:
    case = read_case_file(REFERENCE)
    with sessions() as s:
        row = import_case(s, editor, case)
        s.commit()
    with sessions() as s:
        assert load_case(s, row.id) == case
        assert export_case(s, row.id) == case
        [summary] = list_patients(s)
        assert (summary.label, summary.n_assessments) == (case.patient.id, len(case.assessments))
        [entry] = audit_trail(s, row.id)
        assert (entry.action, entry.username) == ("import", "editor1")


def test_update_versions_and_audits_old_and_new(sessions: sessionmaker[Session],
                                                editor: UserRow) -> None:
    with sessions() as s:
        patient = import_case(s, editor, read_case_file(REFERENCE))
        s.commit()
        record = list_records(s, patient.id, "assessments")[1]
        revision = case_revision(s, patient.id)
    old = record.payload
    new = _with_target(old, "L1", 41.5)
    with sessions() as s:
        updated = update_record(s, editor, record.id, new, record.version, "  re-measured  ")
        s.commit()
    assert updated.version == record.version + 1
    assert updated.payload["target"]["L1"] == 41.5
    with sessions() as s:
        assert case_revision(s, patient.id) == revision + 1
        entry = audit_trail(s, patient.id)[0]
        assert (entry.action, entry.entity, entry.entity_id, entry.kind) == (
            "update", "record", record.id, "assessments")
        assert entry.old == old
        assert entry.new["target"]["L1"] == 41.5
        assert entry.reason == "re-measured"
        assert load_case(s, patient.id).assessments[1].target["L1"] == 41.5


def test_stale_version_is_a_conflict_carrying_the_current_record(
        sessions: sessionmaker[Session], editor: UserRow) -> None:
    with sessions() as s:
        patient = import_case(s, editor, read_case_file(REFERENCE))
        s.commit()
        record = list_records(s, patient.id, "assessments")[2]
        update_record(s, editor, record.id, _with_target(record.payload, "L1", 30), 1, "first")
        s.commit()
    with sessions() as s, pytest.raises(VersionConflict) as raised:
        update_record(s, editor, record.id, _with_target(record.payload, "L1", 31), 1, "second")
    assert raised.value.current is not None
    assert raised.value.current["version"] == 2
    assert raised.value.current["payload"]["target"]["L1"] == 30
    with sessions() as s:
        assert get_record(s, record.id).payload["target"]["L1"] == 30
        assert [a.reason for a in audit_trail(s, patient.id) if a.action == "update"] == ["first"]


def test_soft_delete_hides_but_keeps_the_row(sessions: sessionmaker[Session],
                                             editor: UserRow) -> None:
    with sessions() as s:
        patient = import_case(s, editor, read_case_file(REFERENCE))
        s.commit()
        lab = list_records(s, patient.id, "labs")[0]
        n_labs = len(list_records(s, patient.id, "labs"))
        delete_record(s, editor, lab.id, lab.version, "entered twice")
        s.commit()
    with sessions() as s:
        assert len(list_records(s, patient.id, "labs")) == n_labs - 1
        assert len(load_case(s, patient.id).labs) == n_labs - 1
        with pytest.raises(NotFound):
            get_record(s, lab.id)
        kept = s.execute(select(RecordRow).where(RecordRow.id == lab.id)).scalar_one()
        assert kept.deleted_at is not None
        assert kept.payload == lab.payload
        entry = audit_trail(s, patient.id)[0]
        assert (entry.action, entry.old, entry.new, entry.reason) == (
            "delete", lab.payload, None, "entered twice")


def test_item_errors_name_the_field_path(sessions: sessionmaker[Session],
                                         editor: UserRow) -> None:
    with sessions() as s:
        patient = import_case(s, editor, read_case_file(REFERENCE))
        s.commit()
        record = list_records(s, patient.id, "assessments")[1]
    with sessions() as s, pytest.raises(InvalidRecord) as raised:
        update_record(s, editor, record.id, _with_target(record.payload, "L2", "big"), 1, None)
    [error] = raised.value.errors
    assert error["loc"] == ["target", "L2"]
    assert "expected a diameter in mm" in error["msg"]
    with sessions() as s, pytest.raises(InvalidRecord) as raised:
        add_record(s, editor, patient.id, "labs", {"date": "2022-01-01", "analyte": "ALT"})
    assert sorted(e["loc"][0] for e in raised.value.errors) == ["unit", "value"]


def test_case_consistency_is_checked_before_commit(sessions: sessionmaker[Session],
                                                    editor: UserRow) -> None:
    with sessions() as s:
        patient = import_case(s, editor, read_case_file(REFERENCE))
        s.commit()
        follow_up = list_records(s, patient.id, "assessments")[1]
        lesion = next(r for r in list_records(s, patient.id, "lesions")
                      if r.payload["id"] == "L1")
    # the changed record's own problem: a path inside its payload
    with sessions() as s, pytest.raises(InvalidRecord) as raised:
        update_record(s, editor, follow_up.id, _with_target(follow_up.payload, "L9", 10), 1, None)
    assert raised.value.errors[0]["loc"] == ["target", "L9"]
    assert "scope" not in raised.value.errors[0]
    # a problem the change causes elsewhere: the path in the whole case, scope "case"
    with sessions() as s, pytest.raises(InvalidRecord) as raised:
        delete_record(s, editor, lesion.id, lesion.version, "wrong lesion")
    assert all(e.get("scope") == "case" for e in raised.value.errors)
    assert raised.value.errors[0]["loc"][0] == "assessments"
    with sessions() as s:  # nothing was written
        assert load_case(s, patient.id) == read_case_file(REFERENCE)
        assert [a.action for a in audit_trail(s, patient.id)] == ["import"]


def test_patients_create_update_delete(sessions: sessionmaker[Session], editor: UserRow) -> None:
    with sessions() as s:
        row = create_patient(s, editor, {"id": "P-1", "sex": "male", "age": 60},
                             source="synthetic")
        s.commit()
        with pytest.raises(Conflict):
            create_patient(s, editor, {"id": "P-1"})
        s.rollback()
        with pytest.raises(InvalidRecord) as raised:
            create_patient(s, editor, {"id": "P 2", "age": 300})
        assert sorted(e["loc"][-1] for e in raised.value.errors) == ["age", "id"]
        s.rollback()
        updated = update_patient(s, editor, row.id, {"patient": {"id": "P-1", "age": 61}},
                                 row.version, "age at consent")
        s.commit()
        assert (updated.version, updated.payload["patient"]["age"]) == (2, 61)
        with pytest.raises(VersionConflict):
            delete_patient(s, editor, row.id, 1, "stale")
        s.rollback()
        delete_patient(s, editor, row.id, 2, "duplicate")
        s.commit()
        assert list_patients(s) == []
        with pytest.raises(NotFound):
            load_case(s, row.id)
        # the label is free again once its patient is deleted
        create_patient(s, editor, {"id": "P-1"})
        s.commit()
        actions = [a.action for a in audit_trail(s)]
        assert actions[:4] == ["create", "delete", "update", "create"]


def test_import_clash_and_replace(sessions: sessionmaker[Session], editor: UserRow) -> None:
    case = read_case_file(REFERENCE)
    with sessions() as s:
        first = import_case(s, editor, case)
        s.commit()
        with pytest.raises(Conflict):
            import_case(s, editor, case)
        s.rollback()
        second = import_case(s, editor, case, replace=True)
        s.commit()
        assert [p.id for p in list_patients(s)] == [second.id]
        assert first.id != second.id
        assert [a.action for a in audit_trail(s)][:2] == ["import", "delete"]


def test_search_matches_part_of_the_label_literally(sessions: sessionmaker[Session],
                                                    editor: UserRow) -> None:
    with sessions() as s:
        for label in ("ABC-1", "abd_2", "X%Y"):
            create_patient(s, editor, {"id": label})
        s.commit()
        assert [p.label for p in list_patients(s, "ab")] == ["ABC-1", "abd_2"]
        assert [p.label for p in list_patients(s, "_")] == ["abd_2"]
        assert [p.label for p in list_patients(s, "%")] == ["X%Y"]


def test_audit_trail_is_append_only(sessions: sessionmaker[Session], editor: UserRow) -> None:
    with sessions() as s:
        create_patient(s, editor, {"id": "P-1"})
        s.commit()
        for statement in ("UPDATE audit SET reason = 'x'", "DELETE FROM audit"):
            with pytest.raises(DBAPIError, match="append-only"):
                s.execute(text(statement))
            s.rollback()
        assert s.execute(select(AuditRow)).scalars().all() != []


def test_a_record_is_found_only_under_its_own_patient_and_kind(
        sessions: sessionmaker[Session], editor: UserRow) -> None:
    with sessions() as s:
        patient = import_case(s, editor, read_case_file(REFERENCE))
        other = create_patient(s, editor, {"id": "OTHER-1"})
        s.commit()
        record = list_records(s, patient.id, "labs")[0]
        assert get_record(s, record.id, patient_id=patient.id, kind="labs").id == record.id
        with pytest.raises(NotFound, match=f"record {record.id} of patient {other.id}"):
            get_record(s, record.id, patient_id=other.id)
        with pytest.raises(NotFound, match=f"record {record.id} in events"):
            get_record(s, record.id, patient_id=patient.id, kind="events")
