"""A folder of case files as cohort input: `cohort derive --cases`, and what it refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from oncotrack import assess
from oncotrack.cli import app
from oncotrack.cohort.tables import cohort_limits
from oncotrack.interop.adam import read_adam
from oncotrack.interop.casefile import load_case, load_case_folder
from oncotrack.model.problems import CaseError
from tests.casebuilder import build, lesion, visit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("lms-deb-tace-anlotinib.yaml", "synthetic-long-course.yaml"):
        shutil.copy(EXAMPLES / name, cases / name)
    (cases / "README.txt").write_text("not a case file: ignored", encoding="utf-8")
    return cases


def test_derive_from_case_files_gives_what_assess_gives(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "adam"
    run = runner.invoke(app, ["cohort", "derive", "--cases", str(folder), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "2 subjects" in run.stdout
    adrs, adtte = read_adam(out / "adrs.parquet"), read_adam(out / "adtte.parquet")
    for path in sorted(folder.glob("*.yaml")):
        case = load_case(path)
        result = assess(case, criteria=["recist1.1"])
        subject = case.patient.id
        bor = adrs.filter((pl.col("USUBJID") == subject) & (pl.col("PARAMCD") == "BOR")).row(
            0, named=True)
        assert bor["AVALC"] == result.best_overall_response.unconfirmed.response.value
        for code, engine in (("PFS", result.endpoints.pfs), ("OS", result.endpoints.os)):
            row = adtte.filter((pl.col("USUBJID") == subject) & (pl.col("PARAMCD") == code)
                               ).row(0, named=True)
            assert engine is not None
            assert (row["AVAL"], row["ADT"], row["CNSR"] == 0) == (
                engine.days, engine.date, engine.event), (subject, code)


def test_reference_case_pfs_and_os_through_the_cohort_path(folder: Path, tmp_path: Path) -> None:
    """The published endpoints, derived by the columnar engine: PFS 29 and OS 34 months."""
    out = tmp_path / "adam"
    assert runner.invoke(app, ["cohort", "derive", "--cases", str(folder), "--out",
                               str(out)]).exit_code == 0
    adtte = read_adam(out / "adtte.csv")
    case = load_case(folder / "lms-deb-tace-anlotinib.yaml")
    mine = {r["PARAMCD"]: r for r in adtte.filter(pl.col("USUBJID") == case.patient.id)
            .iter_rows(named=True)}
    assert (mine["PFS"]["AVAL"], mine["PFS"]["CNSR"]) == (883, 0)
    assert (mine["OS"]["AVAL"], mine["OS"]["CNSR"]) == (1038, 0)


def test_cases_and_sdtm_options_are_exclusive(folder: Path, tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "derive", "--cases", str(folder), "--tu", "tu.csv",
                              "--out", str(tmp_path / "out")])
    assert run.exit_code == 2
    assert "leave out --tu" in run.stderr
    assert not (tmp_path / "out").exists()


def test_sdtm_needs_all_three_tables(tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "derive", "--tu", "tu.csv", "--out", str(tmp_path / "o")])
    assert run.exit_code == 2
    assert "missing --tr, --subjects" in run.stderr
    assert "Traceback" not in run.output


def test_a_bad_case_file_is_named_with_its_line_and_nothing_is_written(
        folder: Path, tmp_path: Path) -> None:
    (folder / "zz-broken.yaml").write_text("patient:\n  id: P-9\nlesions: 12\n", encoding="utf-8")
    out = tmp_path / "adam"
    run = runner.invoke(app, ["cohort", "derive", "--cases", str(folder), "--out", str(out)])
    assert run.exit_code == 2
    assert "zz-broken.yaml" in run.stderr
    assert "lesions" in run.stderr
    assert not out.exists()


def test_the_same_patient_in_two_files_is_refused(folder: Path) -> None:
    shutil.copy(folder / "lms-deb-tace-anlotinib.yaml", folder / "copy.yaml")
    with pytest.raises(CaseError) as caught:
        load_case_folder(folder)
    message = caught.value.describe()
    assert "copy.yaml" in message
    assert "lms-deb-tace-anlotinib.yaml" in message


@pytest.mark.parametrize("content", [None, "empty"])
def test_not_a_folder_or_no_case_files(tmp_path: Path, content: str | None) -> None:
    target = tmp_path / "x"
    if content == "empty":
        target.mkdir()
    with pytest.raises(CaseError, match="no case files" if content else "not a folder"):
        load_case_folder(target)


def test_progression_events_and_abnormal_markers_are_refused_with_their_place() -> None:
    lesions = [lesion("T1")]
    case = build(lesions, [
        visit("2024-01-01", {"T1": 30}, baseline=True),
        visit("2024-03-01", {"T1": 0}, tumour_markers_normal=False),
    ], events=[{"date": "2024-04-01", "type": "progression"}])
    places = [problem.path for problem in cohort_limits(case)]
    assert places == ["events[0].type", "assessments[1].tumour_markers_normal"]
    plain = build(lesions, [visit("2024-01-01", {"T1": 30}, baseline=True),
                            visit("2024-03-01", {"T1": 0}, tumour_markers_normal=True)])
    assert cohort_limits(plain) == []


def test_refused_case_fails_the_command(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    text = (EXAMPLES / "synthetic-long-course.yaml").read_text(encoding="utf-8")
    (cases / "p.yaml").write_text(
        text.replace("type: last-contact}", "type: progression}"), encoding="utf-8")
    run = runner.invoke(app, ["cohort", "derive", "--cases", str(cases), "--out",
                              str(tmp_path / "out")])
    assert run.exit_code == 2, run.output
    assert "p.yaml" in run.stderr
    assert "events[" in run.stderr
    assert "oncotrack assess" in run.stderr
    assert not (tmp_path / "out").exists()
