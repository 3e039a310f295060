"""The pages over HTTP (in-process): sign-in, roles and CSRF on every page route, case-file import
with errors naming the place, the reference case's page, deleting with a reason, cohorts."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette's notice about httpx, not about this code
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from oncotrack.cohort.synth import synthesize, write_sdtm
from oncotrack.store import create_user
from oncotrack.web.app import create_app

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"
PASSWORDS = {"viewer": "viewer-pass-1", "editor": "editor-pass-1"}
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(f"sqlite:///{tmp_path / 'pages.db'}")
    with app.state.sessions() as db:
        for role, password in PASSWORDS.items():
            create_user(db, role, password, role)
        db.commit()
    yield app
    app.state.engine.dispose()


def sign_in(app: FastAPI, role: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    token = LOGIN_TOKEN.search(client.get("/login").text)
    assert token
    response = client.post("/login", data={"username": role, "password": PASSWORDS[role],
                                           "csrf_token": token.group(1)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/patients")
    found = TOKEN.search(page.text)
    assert found
    return client, found.group(1)


def import_reference(client: TestClient, token: str) -> str:
    response = client.post("/patients/import", data={"csrf_token": token},
                           files={"file": ("case.yaml", REFERENCE.read_bytes())},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0]


def test_no_page_without_a_session(app: FastAPI) -> None:
    client = TestClient(app)
    for path in ("/patients", "/patients/1", "/cohorts", "/patients/new"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=" + path


def test_sign_in_refuses_a_wrong_password_and_foreign_redirects(app: FastAPI) -> None:
    client = TestClient(app)
    token = LOGIN_TOKEN.search(client.get("/login").text)
    assert token
    wrong = client.post("/login", data={"username": "editor", "password": "nope",
                                        "csrf_token": token.group(1)})
    assert wrong.status_code == 401
    assert "wrong password" in wrong.text
    right = client.post("/login", data={"username": "editor", "password": PASSWORDS["editor"],
                                        "csrf_token": token.group(1),
                                        "next": "//elsewhere.example/x"},
                        follow_redirects=False)
    assert right.headers["location"] == "/patients"


def test_forms_need_the_csrf_token(app: FastAPI) -> None:
    client, token = sign_in(app, "editor")
    bare = client.post("/patients/new", data={"patient.id": "X-1"})
    assert bare.status_code == 403
    good = client.post("/patients/new", data={"patient.id": "X-1", "csrf_token": token},
                       follow_redirects=False)
    assert good.status_code == 303


def test_viewer_gets_403_on_every_change(app: FastAPI) -> None:
    editor, editor_token = sign_in(app, "editor")
    patient = import_reference(editor, editor_token)
    viewer, token = sign_in(app, "viewer")
    page = viewer.get(patient)
    assert page.status_code == 200
    assert "/edit" not in page.text
    assert "/delete" not in page.text
    record = re.search(r'id="record-(\d+)"', page.text)
    assert record
    rid = record.group(1)
    for path in ("/patients/new", f"{patient}/edit", f"{patient}/delete",
                 f"{patient}/labs/new", f"{patient}/assessments/{rid}/edit",
                 f"{patient}/assessments/{rid}/delete", "/patients/import"):
        assert viewer.get(path).status_code == 403, path
        assert viewer.post(path, data={"csrf_token": token, "reason": "x", "version": "1"}
                           ).status_code == 403, path
    assert viewer.post("/cohorts", data={"csrf_token": token, "name": "x"}).status_code == 403
    refused = viewer.get("/patients/new")
    assert "<h1>Not allowed</h1>" in refused.text  # the pages' own error page
    assert "this needs the editor role" in refused.text
    api = viewer.get("/api/v1/users")
    assert api.status_code == 403
    assert api.json()["detail"]  # the API still answers JSON


def test_reference_case_page_shows_the_results_with_their_reasoning(app: FastAPI) -> None:
    client, _token = sign_in(app, "viewer")
    editor, editor_token = sign_in(app, "editor")
    patient = import_reference(editor, editor_token)
    page = client.get(patient).text
    assert "lms-deb-tace-anlotinib" in page or "LMS" in page
    assert "-30.4 %" in page  # 2022-04-10, against the baseline sum
    assert "883" in page  # PFS days
    assert "29.01" in page
    assert "IIIA (G2/G3)" in page  # the stage recomputed beside the reported one
    assert "organ" in page  # the warning on three targets in one organ
    audit = page[page.index('id="audit-table"'):]
    assert "import" in audit
    timeline = client.get(f"{patient}/figures/timeline.svg")
    assert timeline.status_code == 200
    assert timeline.text.lstrip().startswith(("<?xml", "<svg"))
    missing = client.get(f"{patient}/figures/nope.svg")
    assert missing.status_code == 404
    assert "<h1>Not found</h1>" in missing.text  # the pages' own error page


def test_import_errors_name_the_line_and_path(app: FastAPI) -> None:
    client, token = sign_in(app, "editor")
    text = REFERENCE.read_text().replace("target: {L1: 40,", "target: {L1: forty,", 1)
    assert "forty" in text
    response = client.post("/patients/import", data={"csrf_token": token},
                           files={"file": ("bad.yaml", text.encode())})
    assert response.status_code == 422
    problems = re.findall(r"<li>([^<]+)</li>", response.text)
    assert any("bad.yaml" in p and "line" in p and "target.L1" in p for p in problems), problems
    assert "No patient yet" in client.get("/patients").text  # nothing half-written


def test_delete_asks_for_a_reason_and_is_audited(app: FastAPI) -> None:
    client, token = sign_in(app, "editor")
    patient = import_reference(client, token)
    page = client.get(patient).text
    lab = re.search(r'href="(/patients/\d+/labs/(\d+)/delete)"', page)
    assert lab
    path, rid = lab.group(1), lab.group(2)
    form = client.get(path).text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    refused = client.post(path, data={"csrf_token": token, "version": version.group(1)})
    assert refused.status_code == 422
    done = client.post(path, data={"csrf_token": token, "version": version.group(1),
                                   "reason": "duplicate entry"}, follow_redirects=False)
    assert done.status_code == 303
    after = client.get(patient).text
    assert f'id="record-{rid}"' not in after
    assert "duplicate entry" in after[after.index('id="audit-table"'):]


def test_cohort_upload_endpoints_and_curve(app: FastAPI, tmp_path: Path) -> None:
    client, token = sign_in(app, "editor")
    files = {p.stem: p for p in write_sdtm(synthesize(60, seed=3), tmp_path)}
    response = client.post("/cohorts", data={"csrf_token": token, "name": "synthetic 60"},
                           files={role: (files[table].name, files[table].read_bytes())
                                  for role, table in (("tu", "tu"), ("tr", "tr"), ("rs", "rs"),
                                                      ("subjects", "adsl"))},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "60 subjects" in page.text
    assert 'id="cohort-endpoints"' in page.text
    assert "OS" in page.text
    curve = client.get(response.headers["location"] + "/km.svg?paramcd=OS&by=ARM")
    assert curve.status_code == 200
    assert "<svg" in curve.text
    missing = client.post("/cohorts", data={"csrf_token": token, "name": "no files"})
    assert missing.status_code == 422
    assert "required" in missing.text


def _version_of(client: TestClient, path: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def test_stale_delete_and_stale_patient_edit_get_409(app: FastAPI) -> None:
    client, token = sign_in(app, "editor")
    patient = import_reference(client, token)
    lab = re.search(r'href="(/patients/\d+/labs/\d+)/edit"', client.get(patient).text)
    assert lab
    base = lab.group(1)
    stale = _version_of(client, base + "/delete")
    form = client.get(base + "/edit").text
    values = dict(re.findall(r'<input[^>]*name="([^"]+)" value="([^"]*)"', form))
    values.update({"csrf_token": token, "value": "31", "reason": "recalibrated"})
    assert client.post(base + "/edit", data=values, follow_redirects=False).status_code == 303
    refused = client.post(base + "/delete", data={"csrf_token": token, "version": stale,
                                                  "reason": "duplicate"})
    assert refused.status_code == 409
    assert "changed this lab value meanwhile" in refused.text
    assert 'name="version" value="2"' in refused.text  # the delete form now carries the new one
    assert re.search(r'id="record-\d+"', client.get(patient).text)
    old = _version_of(client, patient + "/edit")
    first = client.post(patient + "/edit", data={"csrf_token": token, "version": old,
                                                 "patient.id": "LMS-REF-001", "patient.age": "70",
                                                 "reason": "age at referral"},
                        follow_redirects=False)
    assert first.status_code == 303
    second = client.post(patient + "/edit", data={"csrf_token": token, "version": old,
                                                  "patient.id": "LMS-REF-001",
                                                  "patient.age": "68", "reason": "other"})
    assert second.status_code == 409
    assert 'value="68"' in second.text  # the input is kept
    assert "patient.age" in second.text


def test_static_assets_are_local_and_listed(app: FastAPI) -> None:
    client = TestClient(app)
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert len(plotly.content) > 1_000_000
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/report.css").text.startswith(":root")
    assert client.get("/static/secrets.txt").status_code == 404
    assert client.get("/static/..%2Fpages%2F__init__.py").status_code == 404


def test_every_record_form_renders_with_its_stored_values(app: FastAPI) -> None:
    client, token = sign_in(app, "editor")
    patient = import_reference(client, token)
    page = client.get(patient).text
    for kind in ("diagnoses", "lesions", "assessments", "procedures", "regimens", "labs",
                 "events"):
        assert client.get(f"{patient}/{kind}/new").status_code == 200, kind
        link = re.search(rf'href="({patient}/{kind}/\d+/edit)"', page)
        assert link, kind
        assert client.get(link.group(1)).status_code == 200, kind
    assert client.get(f"{patient}/clinical/new").status_code == 200
    diagnosis = re.search(rf'href="({patient}/diagnoses/\d+/edit)"', page)
    assert diagnosis
    form = client.get(diagnosis.group(1)).text
    assert "Desmin: positive" in form
    assert 'value="9 × 4.5 × 4.5"' in form


def test_cohort_upload_page_refuses_an_oversized_table(app: FastAPI,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from oncotrack.web import uploads

    monkeypatch.setattr(uploads, "MAX_COHORT_FILE", 1024 * 1024)  # 1 MB for the test
    client, token = sign_in(app, "editor")
    response = client.post("/cohorts", data={"csrf_token": token, "name": "too big"},
                           files={"tr": ("tr.csv", b"x" * (1024 * 1024 + 1))},
                           follow_redirects=False)
    assert response.status_code == 422
    assert "tr.csv: larger than 1 MB" in response.text
