"""ADTR (sum of diameters per scan), subject columns carried into ADaM, and the figures command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from oncotrack.cli import app
from oncotrack.cohort.adtr import ADTR_COLUMNS, adtr
from oncotrack.cohort.carry import carry_subject_columns
from oncotrack.cohort.derive import derive
from oncotrack.cohort.figures import swimmer_selection
from oncotrack.cohort.tables import cases_to_frames
from oncotrack.interop.adam import read_adam
from tests.casebuilder import build, lesion, visit

runner = CliRunner()


def test_sums_changes_and_nadir_by_hand() -> None:
    # Baseline 30 + 20 = 50 mm; then 35 (−30.0 %: PR, Table 1's boundary), then 42
    # (nadir 35: +20.0 % and +7 mm: PD).
    case = build([lesion("T1"), lesion("T2", organ="lung")], [
        visit("2024-01-01", {"T1": 30, "T2": 20}, baseline=True),
        visit("2024-03-01", {"T1": 21, "T2": 14}),
        visit("2024-05-01", {"T1": 25.2, "T2": 16.8}),
    ])
    table = adtr(derive(*cases_to_frames([case])).timepoints)
    assert table.columns == list(ADTR_COLUMNS)
    rows = table.select("ADT", "AVAL", "BASE", "CHG", "PCHG", "NADIR", "PCHGNAD", "AVALC").rows()
    assert rows == [
        (dt.date(2024, 3, 1), 35.0, 50.0, -15.0, -30.0, 50.0, -30.0, "PR"),
        (dt.date(2024, 5, 1), 42.0, 50.0, -8.0, -16.0, 35.0, 20.0, "PD"),
    ]
    assert set(table.get_column("PARAMCD")) == {"SDIAM"}


def test_subjects_without_targets_have_no_records() -> None:
    case = build([lesion("N1", role="non-target")], [
        visit("2024-01-01", non_target={"N1": "present"}, baseline=True),
        visit("2024-03-01", non_target={"N1": "present"}),
    ])
    assert adtr(derive(*cases_to_frames([case])).timepoints).height == 0


def test_grouping_columns_are_carried_and_schema_dates_are_not() -> None:
    frame = pl.DataFrame({"USUBJID": ["B", "A", "B"], "PARAMCD": ["OS", "OS", "PFS"]})
    subjects = pl.DataFrame({"USUBJID": ["A", "B"], "RANDDT": [dt.date(2024, 1, 1)] * 2,
                             "ARM": ["X", "Y"]})
    carried = carry_subject_columns(frame, subjects)
    assert carried.columns == ["USUBJID", "PARAMCD", "ARM"]
    assert carried.get_column("ARM").to_list() == ["Y", "X", "Y"]
    assert carry_subject_columns(frame, subjects.drop("ARM")) is frame


def test_adtr_is_sorted_by_subject_and_date_whatever_the_input_order() -> None:
    day = dt.date(2024, 1, 1)
    timepoints = pl.DataFrame({
        "USUBJID": ["B", "B", "A", "C"],
        "ADT": [day + dt.timedelta(days=d) for d in (60, 30, 90, 10)],
        "SUMDIAM": [10.0, 12.0, 5.0, None], "BASE": [20.0, 20.0, 8.0, None],
        "PCHGBL": [-50.0, -40.0, -37.5, None], "NADIR": [12.0, 20.0, 8.0, None],
        "PCHGNAD": [-16.7, -40.0, -37.5, None], "OVRLRESP": ["PR", "PR", "PR", "NE"],
    })
    expected = [("A", 90), ("B", 30), ("B", 60)]
    for frame in (timepoints, timepoints.sort("USUBJID", "ADT")):
        table = adtr(frame)
        assert [(r[0], (r[1] - day).days) for r in table.select("USUBJID", "ADT").rows()] \
            == expected


def test_carried_columns_for_runs_of_subjects_in_any_order() -> None:
    subjects = pl.DataFrame({"USUBJID": ["A", "B", "C"], "ARM": ["X", "Y", "Z"]})
    in_order = pl.DataFrame({"USUBJID": ["A", "A", "B", "C", "C"], "N": [1, 2, 3, 4, 5]})
    assert carry_subject_columns(in_order, subjects).get_column("ARM").to_list() \
        == ["X", "X", "Y", "Z", "Z"]
    mixed = pl.DataFrame({"USUBJID": ["C", None, "A", "A", "Q", "C"]})
    assert carry_subject_columns(mixed, subjects).get_column("ARM").to_list() \
        == ["Z", None, "X", "X", None, "Z"]
    # A subject listed twice repeats its records, as a join does.
    twice = pl.concat([subjects, subjects.head(1).with_columns(ARM=pl.lit("W"))])
    assert carry_subject_columns(in_order, twice).get_column("ARM").to_list() \
        == ["X", "W", "X", "W", "Y", "Z", "Z"]


def test_swimmer_selection_puts_responders_first_then_longest() -> None:
    adtte = pl.DataFrame({"USUBJID": ["A", "B", "C", "D"], "PARAMCD": ["OS"] * 4,
                          "AVAL": [100, 300, 200, 300]})
    adrs = pl.DataFrame({"USUBJID": ["A", "B", "C", "D"], "PARAMCD": ["RSP"] * 4,
                         "AVALC": ["Y", "N", "Y", "N"]})
    chosen = swimmer_selection(adtte, adrs, 3).get_column("USUBJID").to_list()
    assert chosen == ["C", "A", "B"]  # responders by time, then B before D (same time, id)


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("figs")
    assert runner.invoke(app, ["synth", "--patients", "80", "--out", str(root / "sdtm"),
                               "--seed", "3"]).exit_code == 0
    run = runner.invoke(app, ["cohort", "derive", "--tu", str(root / "sdtm/tu.csv"),
                              "--tr", str(root / "sdtm/tr.csv"),
                              "--subjects", str(root / "sdtm/adsl.csv"), "--out",
                              str(root / "adam")])
    assert run.exit_code == 0, run.output
    return root / "adam"


def test_derive_writes_adtr_and_arm_in_every_format(derived: Path) -> None:
    for ext in ("csv", "parquet", "xpt", "json"):
        table = read_adam(derived / f"adtr.{ext}")
        assert table.columns[: len(ADTR_COLUMNS)] == list(ADTR_COLUMNS)
        assert "ARM" in table.columns
    assert "ARM" in read_adam(derived / "adtte.csv").columns


def test_survival_by_arm_from_derived_adtte(derived: Path, tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "survival", str(derived / "adtte.csv"), "--by", "ARM",
                              "-o", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert "log-rank by ARM" in run.stdout


def test_figures_command(derived: Path, tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "figures", str(derived), "-o", str(tmp_path),
                              "--by", "ARM", "--swimmers", "12"])
    assert run.exit_code == 0, run.output
    assert "swimmer: 12 of 80 subjects" in run.stdout
    for name in ("waterfall", "swimmer"):
        for ext in ("png", "svg", "pdf"):
            assert (tmp_path / f"{name}.{ext}").stat().st_size > 1000
    assert (tmp_path / "swimmer.svg").read_text(encoding="utf-8").count('id="swim-') == 12


@pytest.mark.parametrize(("args", "message"), [
    (["--by", "NOPE"], "--by NOPE: no such column"),
    (["--swimmers", "500"], "at most 50 subjects"),
])
def test_figures_command_bad_options(derived: Path, tmp_path: Path, args: list[str],
                                     message: str) -> None:
    run = runner.invoke(app, ["cohort", "figures", str(derived), "-o", str(tmp_path), *args])
    assert run.exit_code == 2
    assert message in run.stderr


def test_figures_command_needs_derived_tables(tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "figures", str(tmp_path), "-o", str(tmp_path / "f")])
    assert run.exit_code == 2
    assert "no adrs.parquet, .csv, .json or .xpt" in run.stderr
