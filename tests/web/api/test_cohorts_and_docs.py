"""Cohort upload through the API, and the interactive docs served without the internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from oncotrack.cohort.synth import synthesize, write_sdtm
from tests.web.api.conftest import Client, anonymous


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sdtm")
    write_sdtm(synthesize(40, seed=3), folder)
    return {role: folder / f"{name}.csv" for role, name in
            (("tu", "tu"), ("tr", "tr"), ("rs", "rs"), ("subjects", "adsl"))}


def _files(sdtm: dict[str, Path], **override: tuple[str, bytes]) -> dict[str, tuple[str, bytes]]:
    files = {role: (path.name, path.read_bytes()) for role, path in sdtm.items()}
    files.update(override)
    return files


def test_cohort_upload_derives_endpoints_and_km(editor: Client, viewer: Client,
                                                sdtm: dict[str, Path]) -> None:
    created = editor.post("/api/v1/cohorts", data={"name": "synthetic 40"}, files=_files(sdtm))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["summary"]["subjects"] == 40
    assert {"OS", "PFS"} <= set(body["summary"]["survival"])
    assert sum(body["summary"]["best_response"]["BOR"].values()) == 40
    cohort = viewer.get(f"/api/v1/cohorts/{body['id']}")
    assert cohort.status_code == 200
    assert [c["id"] for c in viewer.get("/api/v1/cohorts").json()] == [body["id"]]
    svg = viewer.get(f"/api/v1/cohorts/{body['id']}/km.svg", params={"paramcd": "PFS"})
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<?xml")
    assert "<svg" in svg.text
    by_arm = viewer.get(f"/api/v1/cohorts/{body['id']}/km.svg", params={"by": "ARM"})
    assert by_arm.status_code == 200
    assert viewer.get(f"/api/v1/cohorts/{body['id']}/km.svg",
                      params={"by": "NO_SUCH"}).status_code == 422
    assert viewer.post("/api/v1/cohorts", data={"name": "x"}, files=_files(sdtm)).status_code \
        == 403


def test_bad_cohort_files_name_file_row_and_column(editor: Client,
                                                   sdtm: dict[str, Path]) -> None:
    lines = sdtm["tr"].read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("TRSTRESN")
    row = lines[1].split(",")
    row[column] = "twelve"
    broken = "\n".join([lines[0], ",".join(row), *lines[2:]]).encode()
    response = editor.post("/api/v1/cohorts", data={"name": "broken"},
                           files=_files(sdtm, tr=("my-tr.csv", broken)))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"][0] == "my-tr.csv"
    assert "TRSTRESN" in [str(part) for part in error["loc"]] or "TRSTRESN" in error["msg"]
    missing = editor.post("/api/v1/cohorts", data={"name": "half"},
                          files={"tu": ("tu.csv", sdtm["tu"].read_bytes())})
    assert missing.status_code == 422


def test_docs_load_every_asset_from_this_server(app: FastAPI) -> None:
    client = anonymous(app)
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    urls += re.findall(r"url: '([^']+)'", page.text)
    assert urls
    for url in urls:
        assert url.startswith("/"), f"{url} is not served by this server"
        assert client.get(url).status_code == 200, url
    schema = client.get("/openapi.json").json()
    assert "/api/v1/patients/{patient_id}/assessment" in schema["paths"]
