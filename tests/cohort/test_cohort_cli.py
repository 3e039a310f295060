"""The cohort command line end to end: synth -> cohort derive -> cohort survival."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from oncotrack.cli import app
from oncotrack.interop.adam import read_adam

runner = CliRunner()


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdtm")
    run = runner.invoke(app, ["synth", "--patients", "150", "--out", str(out), "--seed", "7"])
    assert run.exit_code == 0, run.output
    return out


@pytest.fixture(scope="module")
def adam(sdtm: Path) -> Path:
    out = sdtm / "adam"
    run = runner.invoke(app, ["cohort", "derive", "--tu", str(sdtm / "tu.csv"),
                              "--tr", str(sdtm / "tr.csv"), "--subjects", str(sdtm / "adsl.csv"),
                              "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "150 subjects" in run.stdout
    return out


def test_adam_round_trips_in_every_format(adam: Path) -> None:
    for name in ("adrs", "adtte"):
        frames = [read_adam(adam / f"{name}.{ext}") for ext in ("csv", "parquet", "xpt", "json")]
        for other in frames[1:]:
            # XPT keeps no empty strings apart from missing: compare with nulls for "".
            assert_frame_equal(frames[0], other.select(frames[0].columns), check_dtypes=False)


def test_adtte_holds_every_subject_once_per_parameter(adam: Path) -> None:
    adtte = read_adam(adam / "adtte.csv")
    counts = adtte.group_by("PARAMCD").agg(pl.col("USUBJID").n_unique().alias("n"))
    by_code = dict(counts.iter_rows())
    assert by_code["OS"] == by_code["PFS"] == by_code["TTP"] == 150
    assert set(adtte.get_column("CNSR").unique().to_list()) <= {0, 1}
    assert (adtte.get_column("AVAL") >= 1).all()


def test_survival_command(adam: Path, tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "survival", str(adam / "adtte.csv"), "-o",
                              str(tmp_path), "--compare-literature"])
    assert run.exit_code == 0, run.output
    assert "Pierce et al. 2018" in run.stdout
    assert "Chapiro et al. 2015" in run.stdout
    assert (tmp_path / "km_os.png").exists()
    assert (tmp_path / "survival.json").exists()


def test_bad_input_names_the_place_and_writes_nothing(sdtm: Path, tmp_path: Path) -> None:
    bad = tmp_path / "tr.csv"
    lines = (sdtm / "tr.csv").read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("TRDTC")
    row = lines[3].split(",")
    row[column] = "2022-13-45"
    lines[3] = ",".join(row)
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "adam"
    run = runner.invoke(app, ["cohort", "derive", "--tu", str(sdtm / "tu.csv"), "--tr", str(bad),
                              "--subjects", str(sdtm / "adsl.csv"), "--out", str(out)])
    assert run.exit_code == 2
    assert "tr.csv" in run.stderr
    assert "TRDTC" in run.stderr
    assert "row 3" in run.stderr
    assert "Traceback" not in run.output
    assert not out.exists()


def test_synth_rejects_unknown_formats(tmp_path: Path) -> None:
    run = runner.invoke(app, ["synth", "--patients", "5", "--out", str(tmp_path),
                              "--formats", "csv,sas7bdat"])
    assert run.exit_code == 2
