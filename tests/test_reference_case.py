"""The published reference case (examples/lms-deb-tace-anlotinib.yaml) end to end.

Published: PR by RECIST 1.1 on 2022-04-10, PFS 29 months and OS 34 months from the first
DEB-TACE on 2021-12-03, eight TACE sessions of which six embolized (seed-case-facts.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import oncotrack
from oncotrack.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def result_json() -> dict:
    run = runner.invoke(app, ["assess", str(EXAMPLE), "--format", "json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)


def test_best_overall_response_is_pr_first_reached_2022_04_10(result_json: dict) -> None:
    best = result_json["best_overall_response"]
    assert best["unconfirmed"] == {**best["unconfirmed"], "response": "PR", "date": "2022-04-10"}
    assert best["confirmed"]["response"] == "PR"
    assert best["confirmed"]["date"] == "2022-04-10"
    assert best["confirmed"]["confirmed_by"] == "2022-08-20"


def test_pfs_and_os_match_the_publication(result_json: dict) -> None:
    pfs, os_ = result_json["endpoints"]["pfs"], result_json["endpoints"]["os"]
    assert pfs["event"] is True
    assert 28.5 <= pfs["months"] <= 29.5
    # 2021-12-03 -> 2024-05-03: 882 days elapsed, 883 counting the first day; 883 / 30.4375
    assert (pfs["date"], pfs["days"], pfs["months"]) == ("2024-05-03", 883, 29.01)
    assert os_["event"] is True
    assert 34.0 <= os_["months"] <= 34.2
    # 2021-12-03 -> 2024-10-05: 1037 days elapsed, 1038 counting the first day; / 30.4375
    assert (os_["date"], os_["days"], os_["months"]) == ("2024-10-05", 1038, 34.1)


def test_timepoints_follow_the_narrative(result_json: dict) -> None:
    overall = {tp["date"]: tp["overall"] for tp in result_json["timepoints"]}
    assert overall["2022-01-19"] == "SD"        # lesion 3 grows, the sum stays SD
    assert overall["2022-04-10"] == "PR"
    assert overall["2024-03-19"] == "PR"        # continuing PR (Working Group default)
    assert overall["2024-05-03"] == "PD"
    first = result_json["timepoints"][0]
    # sum 38 + 33 + 74 = 145 vs baseline 40 + 35 + 60 = 135: +7.4 %
    assert (first["sum_mm"], first["change_from_baseline_pct"]) == (145.0, 7.4)
    readings = {r["lesion"]: r["per_lesion_reading"] for r in first["lesions"]}
    assert readings == {"L1": "SD", "L2": "SD", "L3": "PD"}
    # every per-lesion reading the authors published agrees with the derived one
    assert all(r["agrees"] for tp in result_json["timepoints"] for r in tp["lesions"]
               if r["recorded"] is not None)


def test_three_targets_in_the_liver_are_flagged(result_json: dict) -> None:
    codes = [f["code"] for f in result_json["findings"]]
    assert codes == ["too-many-targets-in-organ"]


def test_imputed_and_illustrative_values_are_declared(result_json: dict) -> None:
    imputed = "\n".join(result_json["imputed_dates"])
    assert "'2022-01' imputed as 2022-01-31" in imputed      # TACE 2
    assert "'2024-03' imputed as 2024-03-31" in imputed      # TACE 8
    assert "new therapy" in "\n".join(result_json["endpoints"]["imputed_dates"])
    assert len([i for i in result_json["illustrative"] if i.startswith("assessments")]) == 10


def test_paper_wording_option_turns_the_2024_03_19_pr_into_sd() -> None:
    result = oncotrack.assess(oncotrack.load_case(EXAMPLE), pr_persistence="paper")
    overall = {str(tp.date): tp.overall.value for tp in result.timepoints}
    # 29 + 25 + 42 = 96 mm: -28.9 % from 135 (not PR), +11.6 % from the nadir 86 (not PD)
    assert overall["2024-03-19"] == "SD"
    assert result.best_overall_response.confirmed.response.value == "PR"


def test_table_lists_the_eight_tace_sessions() -> None:
    run = runner.invoke(app, ["assess", str(EXAMPLE)])
    assert run.exit_code == 0
    assert "TACE sessions: 8 (6 with embolization)" in run.stdout
    for name in ["DEB-TACE 1", "DEB-TACE 6", "TACE 7 (arteriography only)",
                 "TACE 8 (arteriography only)"]:
        assert name in run.stdout
    assert run.stdout.count("arteriography only, no embolization") == 2


def test_python_api_returns_what_the_cli_prints(result_json: dict) -> None:
    result = oncotrack.assess(oncotrack.load_case(EXAMPLE))
    assert json.loads(result.model_dump_json()) == result_json
