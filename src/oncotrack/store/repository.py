"""Read and change cases in the database; every change is validated, versioned and audited.

Every function takes the SQLAlchemy session first and, where it writes, the acting user. None
commits: the caller commits once (per request), so a change and its audit row land together or
not at all. Writers to one case first raise the patient's ``case_revision`` (an UPDATE, which
locks the row until commit on PostgreSQL and takes the write lock on SQLite), so writes to a case
are serialised, the version check that follows sees every committed change, and the assembled
case is validated against what is committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oncotrack.model.case import Case
from oncotrack.store.errors import Conflict, InvalidRecord, NotFound, VersionConflict
from oncotrack.store.models import (
    RECORD_KINDS,
    AuditRow,
    PatientRow,
    RecordRow,
    UserRow,
    utcnow,
)
from oncotrack.store.validation import (
    PATIENT_KEYS,
    assemble,
    check_assembled,
    check_kind,
    normalise_patient,
    normalise_record,
)


class PatientSummary(BaseModel):
    """One line of the patient list."""

    model_config = ConfigDict(frozen=True)

    id: int
    label: str
    sex: str | None
    age: int | None
    n_assessments: int
    updated_at: dt.datetime
    version: int


# --- shapes returned to callers (also the body of a 409) ---------------------------------------


def patient_out(row: PatientRow) -> dict[str, Any]:
    return {"id": row.id, "label": row.label, "version": row.version,
            "case_revision": row.case_revision, "payload": row.payload,
            "created_at": row.created_at, "updated_at": row.updated_at}


def record_out(row: RecordRow) -> dict[str, Any]:
    return {"id": row.id, "patient_id": row.patient_id, "kind": row.kind,
            "position": row.position, "version": row.version, "payload": row.payload,
            "created_at": row.created_at, "updated_at": row.updated_at}


# --- helpers ------------------------------------------------------------------------------------


def write_audit(s: Session, user: UserRow | None, action: str, entity: str,
                entity_id: int | None, *, patient_id: int | None = None, kind: str | None = None,
                old: Any = None, new: Any = None, reason: str | None = None) -> None:
    """Append one audit row in the caller's transaction."""
    s.add(AuditRow(at=utcnow(), user_id=user.id if user else None,
                   username=user.username if user else None, action=action, entity=entity,
                   entity_id=entity_id, patient_id=patient_id, kind=kind, old=old, new=new,
                   reason=_reason(reason)))


def _reason(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    return reason or None


def _lock_case(s: Session, user: UserRow, patient_id: int) -> None:
    """Raise the case revision: the first write of every change to a case (see module doc)."""
    result = s.execute(
        update(PatientRow)
        .where(PatientRow.id == patient_id, PatientRow.deleted_at.is_(None))
        .values(case_revision=PatientRow.case_revision + 1, updated_at=utcnow(),
                updated_by=user.id)
        .execution_options(synchronize_session=False))
    if _rowcount(result) != 1:
        raise NotFound(f"patient {patient_id}")


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _fresh_patient(s: Session, patient_id: int) -> PatientRow:
    row = s.execute(select(PatientRow).where(PatientRow.id == patient_id,
                                             PatientRow.deleted_at.is_(None))
                    .execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"patient {patient_id}")
    return row


def _active_records(s: Session, patient_id: int, kind: str | None = None) -> list[RecordRow]:
    query = select(RecordRow).where(RecordRow.patient_id == patient_id,
                                    RecordRow.deleted_at.is_(None))
    if kind is not None:
        query = query.where(RecordRow.kind == kind)
    query = query.order_by(RecordRow.kind, RecordRow.position, RecordRow.id)
    return list(s.execute(query.execution_options(populate_existing=True)).scalars())


def _by_kind(rows: Iterable[RecordRow]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {kind: [] for kind in RECORD_KINDS}
    for row in rows:
        grouped[row.kind].append(row.payload)
    return grouped


def _check_change(patient: PatientRow, rows: list[RecordRow], kind: str, record_id: int | None,
                  payload: dict[str, Any] | None) -> None:
    """Validate the case as it would be with record ``record_id`` (None: a new record appended)
    replaced by ``payload`` (None: deleted)."""
    grouped: dict[str, list[dict[str, Any]]] = {k: [] for k in RECORD_KINDS}
    changed: tuple[str, int] | None = None
    for row in rows:
        if row.id == record_id:
            if payload is None:
                continue
            changed = (kind, len(grouped[kind]))
            grouped[kind].append(payload)
        else:
            grouped[row.kind].append(row.payload)
    if record_id is None and payload is not None:
        changed = (kind, len(grouped[kind]))
        grouped[kind].append(payload)
    check_assembled(patient.payload, grouped, changed)


# --- patients -----------------------------------------------------------------------------------


def list_patients(s: Session, search: str | None = None) -> list[PatientSummary]:
    """Patients not deleted, by label; ``search`` matches part of the label, any case."""
    counts = (select(RecordRow.patient_id, func.count().label("n"))
              .where(RecordRow.kind == "assessments", RecordRow.deleted_at.is_(None))
              .group_by(RecordRow.patient_id).subquery())
    query = (select(PatientRow, counts.c.n)
             .outerjoin(counts, counts.c.patient_id == PatientRow.id)
             .where(PatientRow.deleted_at.is_(None)).order_by(PatientRow.label))
    if search and search.strip():
        pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(func.lower(PatientRow.label).like(pattern, escape="\\"))
    summaries = []
    for row, n in s.execute(query):
        patient = row.payload.get("patient", {})
        summaries.append(PatientSummary(
            id=row.id, label=row.label, sex=patient.get("sex"), age=patient.get("age"),
            n_assessments=n or 0, updated_at=row.updated_at, version=row.version))
    return summaries


def get_patient(s: Session, patient_id: int) -> PatientRow:
    """The patient (not deleted), read afresh; raises :class:`NotFound`."""
    return _fresh_patient(s, patient_id)


def _insert_patient(s: Session, user: UserRow, payload: dict[str, Any]) -> PatientRow:
    label = payload["patient"]["id"]
    _label_free(s, label)
    now = utcnow()
    row = PatientRow(label=label, payload=payload, version=1, case_revision=1, created_at=now,
                     created_by=user.id, updated_at=now, updated_by=user.id)
    s.add(row)
    try:
        s.flush()
    except IntegrityError:  # the same label created at the same moment by someone else; the
        # caller rolls the whole transaction back
        raise Conflict(f"a patient labelled {label!r} already exists") from None
    return row


def _label_free(s: Session, label: str, except_id: int | None = None) -> None:
    query = select(PatientRow.id).where(PatientRow.label == label,
                                        PatientRow.deleted_at.is_(None))
    if except_id is not None:
        query = query.where(PatientRow.id != except_id)
    if s.execute(query).first() is not None:
        raise Conflict(f"a patient labelled {label!r} already exists")


def create_patient(s: Session, user: UserRow, patient: dict[str, Any], *,
                   source: str | None = None, notes: str | None = None,
                   endpoints: dict[str, Any] | None = None) -> PatientRow:
    """A new patient with no records; ``patient`` is the Case's ``patient`` mapping."""
    payload: dict[str, Any] = {"patient": patient}
    for key, value in (("source", source), ("notes", notes), ("endpoints", endpoints)):
        if value is not None:
            payload[key] = value
    normalised = normalise_patient(payload)
    row = _insert_patient(s, user, normalised)
    write_audit(s, user, "create", "patient", row.id, patient_id=row.id, new=normalised)
    return row


def update_patient(s: Session, user: UserRow, patient_id: int, payload: dict[str, Any],
                   expected_version: int, reason: str | None) -> PatientRow:
    """Replace the patient payload (``patient``, ``source``, ``notes``, ``endpoints``)."""
    new = normalise_patient(payload)
    _lock_case(s, user, patient_id)
    row = _fresh_patient(s, patient_id)
    if row.version != expected_version:
        raise VersionConflict(patient_out(row), expected_version)
    if new["patient"]["id"] != row.label:
        _label_free(s, new["patient"]["id"], except_id=patient_id)
    check_assembled(new, _by_kind(_active_records(s, patient_id)))
    old = row.payload
    result = s.execute(
        update(PatientRow)
        .where(PatientRow.id == patient_id, PatientRow.version == expected_version)
        .values(payload=new, label=new["patient"]["id"], version=PatientRow.version + 1)
        .execution_options(synchronize_session=False))
    if _rowcount(result) != 1:
        raise VersionConflict(patient_out(_fresh_patient(s, patient_id)), expected_version)
    write_audit(s, user, "update", "patient", patient_id, patient_id=patient_id, old=old, new=new,
           reason=reason)
    return _fresh_patient(s, patient_id)


def delete_patient(s: Session, user: UserRow, patient_id: int, expected_version: int,
                   reason: str | None) -> None:
    """Soft-delete the patient (its records stay, unreachable, for the audit trail)."""
    _lock_case(s, user, patient_id)
    row = _fresh_patient(s, patient_id)
    if row.version != expected_version:
        raise VersionConflict(patient_out(row), expected_version)
    _soft_delete_patient(s, user, row, reason)


def _soft_delete_patient(s: Session, user: UserRow, row: PatientRow, reason: str | None) -> None:
    result = s.execute(
        update(PatientRow).where(PatientRow.id == row.id, PatientRow.version == row.version)
        .values(deleted_at=utcnow(), version=PatientRow.version + 1)
        .execution_options(synchronize_session=False))
    if _rowcount(result) != 1:
        raise VersionConflict(patient_out(_fresh_patient(s, row.id)), row.version)
    write_audit(s, user, "delete", "patient", row.id, patient_id=row.id, old=row.payload,
           reason=reason)


def load_case(s: Session, patient_id: int) -> Case:
    """The patient's case: records in their order, validated as a case file is."""
    patient = get_patient(s, patient_id)
    return check_assembled(patient.payload, _by_kind(_active_records(s, patient_id)))


# Built once: read on every view of a patient's derived results.
_CASE_REVISION = select(PatientRow.case_revision).where(
    PatientRow.id == bindparam("patient_id"), PatientRow.deleted_at.is_(None))


def case_revision(s: Session, patient_id: int) -> int:
    """The patient's case revision (raised by every change): a cache key for derived results."""
    revision = s.execute(_CASE_REVISION, {"patient_id": patient_id}).scalar_one_or_none()
    if revision is None:
        raise NotFound(f"patient {patient_id}")
    return int(revision)


export_case = load_case


# --- records ------------------------------------------------------------------------------------


def list_records(s: Session, patient_id: int, kind: str) -> list[RecordRow]:
    check_kind(kind)
    get_patient(s, patient_id)
    return _active_records(s, patient_id, kind)


def get_record(s: Session, record_id: int, *, patient_id: int | None = None,
               kind: str | None = None) -> RecordRow:
    """The record (not deleted, of a patient not deleted), read afresh; raises NotFound, also
    when ``patient_id`` or ``kind`` is given and the record is not that patient's or kind's
    (an address like /patients/1/labs/7 must not reach another patient's record)."""
    row = s.execute(
        select(RecordRow).join(PatientRow, PatientRow.id == RecordRow.patient_id)
        .where(RecordRow.id == record_id, RecordRow.deleted_at.is_(None),
               PatientRow.deleted_at.is_(None))
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if (row is None or (patient_id is not None and row.patient_id != patient_id)
            or (kind is not None and row.kind != kind)):
        where = "".join([f" in {kind}" if kind else "",
                         f" of patient {patient_id}" if patient_id is not None else ""])
        raise NotFound(f"record {record_id}{where}")
    return row


def add_record(s: Session, user: UserRow, patient_id: int, kind: str, payload: dict[str, Any],
               reason: str | None = None) -> RecordRow:
    """Append one item to the patient's ``kind`` list."""
    new = normalise_record(kind, payload)
    _lock_case(s, user, patient_id)
    patient = _fresh_patient(s, patient_id)
    rows = _active_records(s, patient_id)
    _check_change(patient, rows, kind, None, new)
    last = s.execute(select(func.max(RecordRow.position)).where(
        RecordRow.patient_id == patient_id, RecordRow.kind == kind)).scalar_one_or_none()
    now = utcnow()
    row = RecordRow(patient_id=patient_id, kind=kind, position=(last or 0) + 1, payload=new,
                    version=1, created_at=now, created_by=user.id, updated_at=now,
                    updated_by=user.id)
    s.add(row)
    s.flush()
    write_audit(s, user, "create", "record", row.id, patient_id=patient_id, kind=kind, new=new,
           reason=reason)
    return row


def _locked_record(s: Session, user: UserRow, record_id: int,
                   expected_version: int) -> tuple[RecordRow, PatientRow, list[RecordRow]]:
    """The record after locking its case, checked against ``expected_version``."""
    patient_id = get_record(s, record_id).patient_id
    _lock_case(s, user, patient_id)
    patient = _fresh_patient(s, patient_id)
    rows = _active_records(s, patient_id)
    current = next((r for r in rows if r.id == record_id), None)
    if current is None:
        raise NotFound(f"record {record_id}")
    if current.version != expected_version:
        raise VersionConflict(record_out(current), expected_version)
    return current, patient, rows


def _write_record(s: Session, current: RecordRow, expected_version: int,
                  **values: Any) -> None:
    result = s.execute(
        update(RecordRow)
        .where(RecordRow.id == current.id, RecordRow.version == expected_version,
               RecordRow.deleted_at.is_(None))
        .values(version=RecordRow.version + 1, **values)
        .execution_options(synchronize_session=False))
    if _rowcount(result) != 1:  # cannot happen while the case lock is held; kept as a guard
        raise VersionConflict(record_out(current), expected_version)


def update_record(s: Session, user: UserRow, record_id: int, payload: dict[str, Any],
                  expected_version: int, reason: str | None) -> RecordRow:
    """Replace one record's payload; the old and new values go to the audit trail."""
    kind = get_record(s, record_id).kind
    new = normalise_record(kind, payload)
    current, patient, rows = _locked_record(s, user, record_id, expected_version)
    _check_change(patient, rows, kind, record_id, new)
    old = current.payload
    _write_record(s, current, expected_version, payload=new, updated_at=utcnow(),
                  updated_by=user.id)
    write_audit(s, user, "update", "record", record_id, patient_id=patient.id, kind=kind, old=old,
           new=new, reason=reason)
    return get_record(s, record_id)


def delete_record(s: Session, user: UserRow, record_id: int, expected_version: int,
                  reason: str | None) -> None:
    """Soft-delete one record, if the case stays consistent without it."""
    current, patient, rows = _locked_record(s, user, record_id, expected_version)
    _check_change(patient, rows, current.kind, record_id, None)
    now = utcnow()
    _write_record(s, current, expected_version, deleted_at=now, updated_at=now,
                  updated_by=user.id)
    write_audit(s, user, "delete", "record", record_id, patient_id=patient.id, kind=current.kind,
           old=current.payload, reason=reason)


# --- whole cases --------------------------------------------------------------------------------


def import_case(s: Session, user: UserRow, case: Case, *, replace: bool = False,
                reason: str | None = None) -> PatientRow:
    """Store a whole case as a new patient. A label already in use is a :class:`Conflict`
    unless ``replace``, which soft-deletes that patient first (audited)."""
    data = case.model_dump(mode="json", exclude_none=True)
    patient_payload = normalise_patient({k: data[k] for k in PATIENT_KEYS if k in data})
    records = {kind: [normalise_record(kind, item) for item in data.get(kind, [])]
               for kind in RECORD_KINDS}
    check_assembled(patient_payload, records)
    label = case.patient.id
    existing = s.execute(select(PatientRow).where(PatientRow.label == label,
                                                  PatientRow.deleted_at.is_(None))
                         ).scalar_one_or_none()
    if existing is not None:
        if not replace:
            raise Conflict(f"a patient labelled {label!r} already exists (id {existing.id}); "
                           "import with replace to supersede it")
        _lock_case(s, user, existing.id)
        _soft_delete_patient(s, user, _fresh_patient(s, existing.id),
                             reason or "replaced by an imported case file")
    row = _insert_patient(s, user, patient_payload)
    now = utcnow()
    for kind in RECORD_KINDS:
        for position, payload in enumerate(records[kind], start=1):
            s.add(RecordRow(patient_id=row.id, kind=kind, position=position, payload=payload,
                            version=1, created_at=now, created_by=user.id, updated_at=now,
                            updated_by=user.id))
    s.flush()
    write_audit(s, user, "import", "patient", row.id, patient_id=row.id, new=data, reason=reason)
    return row


def audit_trail(s: Session, patient_id: int | None = None, limit: int = 500) -> list[AuditRow]:
    """The newest ``limit`` audit rows (of one patient, or all), newest first."""
    query = select(AuditRow)
    if patient_id is not None:
        query = query.where(AuditRow.patient_id == patient_id)
    return list(s.execute(query.order_by(AuditRow.id.desc()).limit(max(1, limit))).scalars())


def assemble_rows(patient: PatientRow, rows: Iterable[RecordRow]) -> Case:
    """A Case from rows already read (no validation beyond the model's)."""
    return assemble(patient.payload, _by_kind(rows))


__all__ = [
    "InvalidRecord", "PatientSummary", "add_record", "assemble_rows", "audit_trail",
    "case_revision", "create_patient", "delete_patient", "delete_record", "export_case",
    "get_patient", "get_record", "import_case", "list_patients", "list_records", "load_case",
    "patient_out", "record_out", "update_patient", "update_record",
]
