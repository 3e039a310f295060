"""Patients and records through the API: audit rows, soft delete, 409, 422, derived results."""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import FastAPI

from oncotrack.assessment import assess
from oncotrack.interop.casefile import load_case as read_case_file
from oncotrack.interop.casefile import parse_case
from tests.web.api.conftest import REFERENCE, Client, import_reference, signed_in

API = "/api/v1"


def _audit(client: Client, patient_id: int) -> list[dict[str, Any]]:
    response = client.get(f"{API}/patients/{patient_id}/audit")
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_record_lifecycle_is_audited_with_old_new_and_reason(editor: Client) -> None:
    patient = editor.post(f"{API}/patients",
                          json={"patient": {"id": "SYN-7", "sex": "female", "age": 58}})
    assert patient.status_code == 201
    pid = patient.json()["id"]
    lesion = {"id": "T1", "organ": "liver", "role": "target"}
    created = editor.post(f"{API}/patients/{pid}/lesions",
                          json={"payload": lesion, "reason": "baseline CT read"})
    assert created.status_code == 201
    baseline = editor.post(f"{API}/patients/{pid}/assessments", json={
        "payload": {"date": "2024-01-10", "baseline": True, "target": {"T1": 40}}})
    assert baseline.status_code == 201
    record = baseline.json()
    changed = {**record["payload"], "target": {"T1": 42}}
    updated = editor.put(f"{API}/patients/{pid}/assessments/{record['id']}",
                         json={"payload": changed, "version": record["version"],
                               "reason": "re-measured on the portal phase"})
    assert updated.status_code == 200
    assert updated.json()["version"] == record["version"] + 1
    lab = editor.post(f"{API}/patients/{pid}/labs", json={"payload": {
        "date": "2024-01-09", "analyte": "ALT", "value": 30, "unit": "U/L"}}).json()
    deleted = editor.delete(f"{API}/patients/{pid}/labs/{lab['id']}",
                            params={"version": lab["version"], "reason": "wrong patient"})
    assert deleted.status_code == 204

    trail = _audit(editor, pid)
    assert [(e["action"], e["kind"]) for e in trail] == [
        ("delete", "labs"), ("create", "labs"), ("update", "assessments"),
        ("create", "assessments"), ("create", "lesions"), ("create", None)]
    assert all(e["username"] == "editor" for e in trail)
    update = trail[2]
    assert update["old"]["target"] == {"T1": 40.0}
    assert update["new"]["target"] == {"T1": 42.0}
    assert update["reason"] == "re-measured on the portal phase"
    assert trail[0]["old"]["analyte"] == "ALT"
    assert trail[0]["reason"] == "wrong patient"
    assert trail[4]["reason"] == "baseline CT read"
    # soft-deleted: gone from lists and the case, 404 by id
    assert editor.get(f"{API}/patients/{pid}/labs").json() == []
    assert editor.get(f"{API}/patients/{pid}/labs/{lab['id']}").status_code == 404


def test_a_stale_version_is_409_with_the_current_record(editor: Client, app: FastAPI) -> None:
    pid = import_reference(editor)["id"]
    record = editor.get(f"{API}/patients/{pid}/assessments").json()[1]
    other = signed_in(app, "admin")
    first = {**record["payload"], "target": {**record["payload"]["target"], "L1": 41}}
    second = {**record["payload"], "target": {**record["payload"]["target"], "L1": 39}}
    url = f"{API}/patients/{pid}/assessments/{record['id']}"
    assert other.put(url, json={"payload": first, "version": record["version"]}).status_code \
        == 200
    late = editor.put(url, json={"payload": second, "version": record["version"]})
    assert late.status_code == 409
    assert late.json()["current"]["payload"]["target"]["L1"] == 41
    assert late.json()["current"]["version"] == record["version"] + 1
    assert editor.get(url).json()["payload"]["target"]["L1"] == 41


def test_invalid_payloads_are_422_with_field_paths(editor: Client) -> None:
    pid = import_reference(editor)["id"]
    record = editor.get(f"{API}/patients/{pid}/assessments").json()[1]
    bad = {**record["payload"], "target": {**record["payload"]["target"], "L1": -3}}
    response = editor.put(f"{API}/patients/{pid}/assessments/{record['id']}",
                          json={"payload": bad, "version": record["version"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["target", "L1"]
    unknown = editor.post(f"{API}/patients/{pid}/events",
                          json={"payload": {"date": "2024-01-01", "type": "death", "colour": 1}})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"loc": ["colour"], "msg": "unknown field 'colour'"}]
    two_baselines = editor.post(f"{API}/patients/{pid}/assessments", json={"payload": {
        "date": "2030-01-01", "baseline": True, "target": {"L1": 10, "L2": 10, "L3": 10}}})
    assert two_baselines.status_code == 422
    assert ["baseline"] in [e["loc"] for e in two_baselines.json()["errors"]]
    assert editor.post(f"{API}/patients/{pid}/nonsense", json={"payload": {}}).status_code \
        == 422


def test_assessment_is_the_cli_json_and_follows_every_change(editor: Client) -> None:
    pid = import_reference(editor)["id"]
    expected = json.loads(assess(read_case_file(REFERENCE)).model_dump_json())
    response = editor.get(f"{API}/patients/{pid}/assessment")
    assert response.status_code == 200
    assert response.json() == expected
    record = editor.get(f"{API}/patients/{pid}/assessments").json()[-1]
    assert editor.delete(f"{API}/patients/{pid}/assessments/{record['id']}",
                         params={"version": record["version"]}).status_code == 204
    after = editor.get(f"{API}/patients/{pid}/assessment").json()
    assert len(after["timepoints"]) == len(expected["timepoints"]) - 1


def test_assessment_revalidates_by_etag(editor: Client) -> None:
    pid = import_reference(editor)["id"]
    url = f"{API}/patients/{pid}/assessment"
    first = editor.get(url)
    tag = first.headers["etag"]
    unchanged = editor.get(url, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    lab = editor.get(f"{API}/patients/{pid}/labs").json()[0]
    editor.delete(f"{API}/patients/{pid}/labs/{lab['id']}", params={"version": lab["version"]})
    changed = editor.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


def test_a_case_without_baseline_cannot_be_assessed_yet(editor: Client) -> None:
    pid = editor.post(f"{API}/patients", json={"patient": {"id": "NEW-1"}}).json()["id"]
    response = editor.get(f"{API}/patients/{pid}/assessment")
    assert response.status_code == 422
    assert "baseline" in response.json()["errors"][0]["msg"]


def test_export_round_trips_and_import_reports_problems_by_line(editor: Client) -> None:
    pid = import_reference(editor)["id"]
    exported = editor.get(f"{API}/patients/{pid}/case")
    assert exported.status_code == 200
    assert parse_case(exported.text, "x.yaml") == read_case_file(REFERENCE)
    as_json = editor.get(f"{API}/patients/{pid}/case", params={"format": "json"})
    assert parse_case(as_json.text, "x.json") == read_case_file(REFERENCE)
    again = editor.post(f"{API}/patients/import",
                        files={"file": ("again.yaml", exported.content)})
    assert again.status_code == 409
    replaced = editor.post(f"{API}/patients/import", data={"replace": "true"},
                           files={"file": ("again.yaml", exported.content)})
    assert replaced.status_code == 201
    assert editor.get(f"{API}/patients/{pid}").status_code == 404
    data = yaml.safe_load(exported.text)
    data["assessments"][1]["target"]["L1"] = "huge"
    broken = editor.post(f"{API}/patients/import",
                         files={"file": ("broken.yaml", yaml.safe_dump(data).encode())})
    assert broken.status_code == 422
    [error] = broken.json()["errors"]
    assert error["loc"] == ["assessments", 1, "target", "L1"]
    assert error["line"] > 1


def test_patient_update_and_soft_delete(editor: Client) -> None:
    created = editor.post(f"{API}/patients", json={"patient": {"id": "P-9", "age": 50}}).json()
    url = f"{API}/patients/{created['id']}"
    updated = editor.put(url, json={"patient": {"id": "P-9", "age": 51}, "version": 1,
                                    "reason": "typo"})
    assert updated.status_code == 200
    assert updated.json()["payload"]["patient"]["age"] == 51
    assert editor.delete(url, params={"version": 1}).status_code == 409
    assert editor.delete(url, params={"version": 2, "reason": "test"}).status_code == 204
    assert editor.get(url).status_code == 404
    assert editor.get(f"{API}/patients").json() == []
    assert [e["action"] for e in _audit(editor, created["id"])] == ["delete", "update", "create"]


def test_search_and_report(editor: Client) -> None:
    import_reference(editor)
    editor.post(f"{API}/patients", json={"patient": {"id": "OTHER-2"}})
    found = editor.get(f"{API}/patients", params={"search": "ref"}).json()
    assert [p["label"] for p in found] == ["LMS-REF-001"]
    assert found[0]["n_assessments"] == 10
    report = editor.get(f"{API}/patients/{found[0]['id']}/report")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "LMS-REF-001" in report.text
    assert "<script src=\"http" not in report.text
