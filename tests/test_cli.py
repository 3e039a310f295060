"""The command line on good input: validate, schema, assess and its options."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from oncotrack.cli import app
from oncotrack.interop.casefile import read_case_data

ROOT = Path(__file__).resolve().parents[1]
ISSUE_EXAMPLE = ROOT / "tests" / "data" / "issue-example.yaml"
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"
runner = CliRunner()


def test_issue_example_gives_the_documented_json() -> None:
    run = runner.invoke(app, ["assess", str(ISSUE_EXAMPLE), "--format", "json"])
    assert run.exit_code == 0
    out = json.loads(run.stdout)
    assert out["case"] == "LMS-001"
    assert out["criteria"] == "RECIST 1.1"
    assert out["reference_date"] == "2021-12-03"
    (tp,) = out["timepoints"]
    expected = {"date": "2022-01-19", "sum_mm": 35.0, "change_from_baseline_pct": -41.7,
                "change_from_nadir_pct": -41.7, "target": "PR", "non_target": "CR",
                "new_lesions": True, "overall": "PD", "recorded": "PR", "agrees": False}
    assert {k: tp[k] for k in expected} == expected
    assert out["best_overall_response"]["unconfirmed"]["response"] == "PD"
    assert out["best_overall_response"]["confirmed"]["date"] == "2022-01-19"
    pfs, os_ = out["endpoints"]["pfs"], out["endpoints"]["os"]
    assert {k: pfs[k] for k in ("event", "date", "days", "months")} == {
        "event": True, "date": "2022-01-19", "days": 48, "months": 1.58}
    assert {k: os_[k] for k in ("event", "date", "days", "months")} == {
        "event": True, "date": "2024-10-05", "days": 1038, "months": 34.1}


def test_options_reach_the_engine() -> None:
    run = runner.invoke(app, ["assess", str(ISSUE_EXAMPLE), "--format", "json",
                              "--reference-date", "2021-11-26", "--sd-window", "56",
                              "--confirm-days", "35", "--max-ne", "0", "--accept-sd"])
    assert run.exit_code == 0
    out = json.loads(run.stdout)
    assert out["reference_date"] == "2021-11-26"
    assert out["parameters"]["sd_window_days"] == 56
    assert out["parameters"]["confirm_days"] == 35
    assert out["parameters"]["max_ne"] == 0
    assert out["parameters"]["accept_sd"] is True
    assert out["endpoints"]["pfs"]["days"] == 55   # 2021-11-26 -> 2022-01-19 is 54 days, + 1


def test_bad_option_values_exit_2_without_traceback() -> None:
    for args in (["--reference-date", "2021-13-01"], ["--sd-window", "-1"],
                 ["--pr-persistence", "sometimes"]):
        run = runner.invoke(app, ["assess", str(ISSUE_EXAMPLE), *args])
        assert run.exit_code == 2, args
        assert "Traceback" not in run.output


def test_validate_summarises_a_good_case() -> None:
    run = runner.invoke(app, ["validate", str(REFERENCE)])
    assert run.exit_code == 0
    assert "valid case LMS-REF-001" in run.stdout
    assert "10 procedures" in run.stdout


def test_schema_validates_the_examples() -> None:
    run = runner.invoke(app, ["schema"])
    assert run.exit_code == 0
    schema = json.loads(run.stdout)
    for path in (ISSUE_EXAMPLE, REFERENCE):
        jsonschema.validate(read_case_data(path), schema)
    bad = read_case_data(ISSUE_EXAMPLE)
    bad["assessments"][1]["target"]["T1"] = "big"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_committed_schema_is_current() -> None:
    run = runner.invoke(app, ["schema"])
    committed = (ROOT / "docs" / "case-file.schema.json").read_text()
    assert json.loads(committed) == json.loads(run.stdout), "run: oncotrack schema > docs/..."


def test_json_case_files_with_tab_indentation(tmp_path: Path) -> None:
    data = read_case_data(ISSUE_EXAMPLE)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, indent="\t"))
    run = runner.invoke(app, ["validate", str(path)])
    assert run.exit_code == 0, run.output
    data["assessments"][1]["target"]["T1"] = -3
    path.write_text(json.dumps(data, indent="\t"))
    run = runner.invoke(app, ["validate", str(path)])
    assert run.exit_code == 2
    line = path.read_text().splitlines().index('\t\t\t\t"T1": -3,') + 1
    assert f"line {line}, assessments[1].target.T1: expected a diameter" in run.stderr
