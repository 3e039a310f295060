"""What the patient page shows of records and of the audit trail."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from oncotrack.web.pages.views import audit_view, changes, compare, record_summary, when


def test_changes_list_every_leaf_that_differs() -> None:
    old = {"date": "2024-03-15", "target": {"T1": 30, "T2": 20}, "new_lesions": [{"organ": "lung"}]}
    new = {"date": "2024-03-15", "target": {"T1": 34, "T2": 20}, "modality": "CT"}
    found = [(c.path, c.old, c.new) for c in changes(old, new)]
    assert found == [("modality", None, "CT"), ("new_lesions[0].organ", "lung", None),
                     ("target.T1", "30", "34")]


def test_compare_marks_the_fields_that_differ() -> None:
    rows = compare({"target": {"T1": 30.0}, "date": "2024-01-01"},
                   {"target": {"T1": 31}, "date": "2024-01-01"})
    assert [(r.path, r.stored, r.mine, r.differs) for r in rows] == [
        ("date", "2024-01-01", "2024-01-01", False), ("target.T1", "30", "31", True)]


def _audit(**values: Any) -> Any:
    base = {"at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), "username": "editor",
            "action": "update", "entity": "record", "entity_id": 7, "kind": "assessments",
            "old": None, "new": None, "reason": None}
    return SimpleNamespace(**{**base, **values})


def test_audit_rows_say_who_what_and_why() -> None:
    row = audit_view(_audit(old={"date": "2024-03-15", "target": {"T1": 30}},
                            new={"date": "2024-03-15", "target": {"T1": 34}},
                            reason="typo"))
    assert row.at == "2026-01-02 03:04"
    assert row.what == "imaging assessment 2024-03-15 (#7)"
    assert [(c.path, c.old, c.new) for c in row.changes] == [("target.T1", "30", "34")]
    assert row.reason == "typo"
    created = audit_view(_audit(action="create", kind="labs",
                                new={"date": "2024-01-01", "analyte": "ALT", "value": 40.0,
                                     "unit": "U/L"}))
    assert created.note == "ALT 40 U/L"
    patient = audit_view(_audit(action="create", entity="patient", kind=None,
                                new={"patient": {"id": "P-1", "sex": "female", "age": 58}}))
    assert (patient.what, patient.note) == ("patient", "P-1; female; 58 years")
    deleted = audit_view(_audit(action="delete", old={"date": "2024-01-01"}))
    assert deleted.note == "soft-deleted"


def test_record_summaries() -> None:
    assert record_summary("assessments", {"date": "2024-01-01", "baseline": True,
                                          "modality": "CT", "target": {"T1": 50.0}}) == \
        "baseline; CT; targets: T1 50"
    assert record_summary("procedures", {"type": "tace", "date": "2022-01-05", "name": "DEB-TACE 2",
                                         "variant": "deb", "embolization_performed": False}) == \
        "DEB-TACE 2; deb TACE, arteriography only"
    assert record_summary("regimens", {"drug": "anlotinib", "dose": 8, "unit": "mg",
                                       "start": "2021-12-03",
                                       "cycle": {"days_on": 14, "days_off": 7}}) == \
        "8 mg; 14 days on, 7 off; from 2021-12-03"
    assert when(None) == "—"
