"""All criteria on the reference case, side by side, from the CLI and the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import oncotrack
from oncotrack.cli import app
from tests.casebuilder import build, lesion, visit

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"
runner = CliRunner()
ALL = ["recist1.1", "irecist", "mrecist", "easl", "choi", "who"]


@pytest.fixture(scope="module")
def result() -> dict:
    run = runner.invoke(app, ["assess", str(REFERENCE), "--format", "json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)


def test_every_criterion_runs_on_the_reference_case(result: dict) -> None:
    assert list(result["criteria_results"]) == ALL
    for key, criterion in result["criteria_results"].items():
        assert criterion["supported"], (key, criterion["missing_data"])
        assert set(criterion) >= {"timepoints", "best_overall_response", "endpoints"}
        assert len(criterion["timepoints"]) == 9
    # the top-level RECIST 1.1 keys stay as they were
    assert result["criteria"] == "RECIST 1.1"
    assert result["best_overall_response"] == \
        result["criteria_results"]["recist1.1"]["best_overall_response"]


def _row(result: dict, day: str) -> dict:
    return next(r for r in result["side_by_side"]["rows"] if r["date"] == day)["responses"]


def test_choi_pr_where_recist_gives_sd_and_why(result: dict) -> None:
    # 2022-01-19: sum 145 vs 135 mm (+7.4 %): RECIST SD; mean attenuation 50.0 HU vs 61.7 HU at
    # baseline ((62 + 58 + 65) / 3): -18.9 %, beyond Choi's -15 %: Choi PR
    row = _row(result, "2022-01-19")
    assert (row["recist1.1"], row["choi"]) == ("SD", "PR")
    why = next(d for d in result["side_by_side"]["differences"] if d.startswith("2022-01-19"))
    assert "-18.9 %" in why
    assert "Choi" in why


def test_mrecist_cr_where_recist_gives_pr_and_why(result: dict) -> None:
    # 2023-06-13: no enhancing tissue left in any target (viable: absent), the lesions still
    # measure 29 + 25 + 32 = 86 mm (-36.3 %): mRECIST CR, RECIST 1.1 PR
    row = _row(result, "2023-06-13")
    assert (row["recist1.1"], row["mrecist"]) == ("PR", "CR")
    why = next(d for d in result["side_by_side"]["differences"] if d.startswith("2023-06-13"))
    assert "mRECIST" in why
    assert "CR" in why


def test_who_reads_lesion_3_as_the_authors_did(result: dict) -> None:
    # 2022-01-19: lesion 3 product 74 x 55 = 4070 vs 60 x 45 = 2700 mm2 (+50.7 %): WHO PD (one
    # lesion >= +25 %), as the authors' per-lesion "PD" reading; RECIST 1.1 judges the sum: SD
    assert _row(result, "2022-01-19")["who"] == "PD"


def test_table_shows_the_side_by_side_and_differences() -> None:
    run = runner.invoke(app, ["assess", str(REFERENCE)])
    assert "Criteria side by side" in run.stdout
    assert "≠ 2022-01-19" in run.stdout


def test_a_criterion_without_its_data_says_what_it_needs() -> None:
    case = build([lesion("T1")], [visit("2024-01-01", {"T1": 40}, baseline=True),
                                  visit("2024-03-01", {"T1": 30})])
    result = oncotrack.assess(case)
    assert result.side_by_side.criteria == ["recist1.1", "irecist"]
    for key in ("mrecist", "easl", "choi", "who"):
        missing = result.criteria_results[key].missing_data
        assert missing, key
        assert result.criteria_results[key].timepoints == []
        assert "T1" in " ".join(missing)
    asked = oncotrack.assess(case, criteria=["choi"])
    assert list(asked.criteria_results) == ["choi"]
    assert asked.criteria_results["choi"].requested is True
    assert asked.criteria_results["choi"].supported is False


def test_criteria_option_errors_exit_2() -> None:
    run = runner.invoke(app, ["assess", str(REFERENCE), "--criteria", "recist1.1,grecist"])
    assert run.exit_code == 2
    assert "unknown criterion 'grecist'" in run.stderr


def test_criterion_options_reach_the_modules() -> None:
    case = oncotrack.load_case(REFERENCE)
    # modified Choi needs size AND density: 2022-01-19 (size +7.4 %, density -18.9 %) is SD
    modified = oncotrack.assess(case, criteria=["choi"],
                                criterion_options={"choi": {"modified": True}})
    assert modified.criteria_results["choi"].timepoints[0].overall.value == "SD"
    # WHO judged on the sum of products: 6068 vs 4960 mm2 is +22.3 %, below +25 %: SD
    summed = oncotrack.assess(case, criteria=["who"],
                              criterion_options={"who": {"pd_scope": "sum"}})
    assert summed.criteria_results["who"].timepoints[0].overall.value == "SD"
    # the top-level PR persistence reaches the criteria that have it: on 2024-03-19 the sum is
    # 96 mm, -28.9 % from baseline and +11.6 % over the nadir: iPR (Working Group), iSD (paper)
    def irecist_on(day: str, **options: object) -> str:
        result = oncotrack.assess(case, criteria=["irecist"], **options)
        tps = result.criteria_results["irecist"].timepoints
        return next(tp.overall.value for tp in tps if str(tp.date) == day)

    assert irecist_on("2024-03-19") == "iPR"
    assert irecist_on("2024-03-19", pr_persistence="paper") == "iSD"


@pytest.mark.parametrize(("option", "message"), [
    ("choi.colour=red", "Choi has no option 'colour'"),
    ("who.pd_scope=everything", "expected one of lesion, sum"),
    ("choi.modified=perhaps", "expected true or false"),
    ("martian.speed=1", "unknown criterion 'martian'"),
    ("choi", "expected criterion.name=value"),
])
def test_bad_criterion_options_exit_2(option: str, message: str) -> None:
    run = runner.invoke(app, ["assess", str(REFERENCE), "--criterion-option", option])
    assert run.exit_code == 2
    assert message in run.stderr
    assert "Traceback" not in run.output
