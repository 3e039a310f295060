"""Investigator responses (SDTM RS) as given: the second stage of the derivation on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from oncotrack.cli import app
from oncotrack.cohort.derive import derive, derive_from_responses, disagreements
from oncotrack.cohort.synth import synthesize, write_sdtm
from oncotrack.cohort.tables import cases_to_frames
from oncotrack.interop.adam import read_adam
from oncotrack.interop.sdtm import responses_table
from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case
from tests.cohort.test_derive import cases

runner = CliRunner()


def _as_given(timepoints: pl.DataFrame) -> pl.DataFrame:
    return timepoints.select("USUBJID", "ADT", "OVRLRESP")


@st.composite
def measurable_cohorts(draw: st.DrawFn) -> list[Case]:
    """Cohorts whose responses carry everything the measurements tell: a target lesion, a
    reference date, new lesions unequivocal when first seen (no back-dated progression)."""
    built = []
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        data: dict[str, Any] = draw(cases(f"P{i:03d}"))
        assume(any(les["role"] == "target" for les in data["lesions"]))
        data["endpoints"] = {"reference_date": draw(st.sampled_from(
            ["2022-12-20", "2023-01-02", "2023-02-10"]))}
        for visit in data["assessments"]:
            for new in visit.get("new_lesions", []):
                new["unequivocal"] = True
        case = Case.model_validate(data)
        assume(not check_case(case))
        built.append(case)
    return built


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(measurable_cohorts(), st.sampled_from([{}, {"accept_sd": True}, {"max_ne": 0},
                                               {"confirm_days": 56}, {"sd_window_days": 28}]))
def test_responses_made_from_the_derived_ones_give_the_same_adrs_and_adtte(
    cohort: list[Case], options: dict[str, Any]
) -> None:
    measurements, subjects = cases_to_frames(cohort)
    derived = derive(measurements, subjects, **options)
    again = derive_from_responses(_as_given(derived.timepoints), subjects, **options)
    assert_frame_equal(again.adrs, derived.adrs)
    assert_frame_equal(again.adtte, derived.adtte)
    assert_frame_equal(again.timepoints.select("USUBJID", "ADT", "OVRLRESP"),
                       derived.timepoints.select("USUBJID", "ADT", "OVRLRESP"))
    assert disagreements(derived.timepoints, _as_given(derived.timepoints)).height == 0


SUBJECTS = pl.DataFrame({
    "USUBJID": ["A", "B"], "RANDDT": [dt.date(2024, 1, 1)] * 2, "TRTSDT": [None, None],
    "DTHDT": [None, dt.date(2024, 9, 1)], "LSTALVDT": [dt.date(2024, 12, 1), dt.date(2024, 9, 1)],
    "NEWTHDT": [None, None],
}, schema_overrides={"TRTSDT": pl.Date, "NEWTHDT": pl.Date})


def test_non_target_only_subjects_and_progression_dates() -> None:
    given = pl.DataFrame({
        "USUBJID": ["A", "A", "A", "B", "B"],
        "ADT": [dt.date(2024, 3, 1), dt.date(2024, 5, 1), dt.date(2024, 7, 1),
                dt.date(2024, 3, 1), dt.date(2024, 5, 1)],
        "OVRLRESP": ["NON-CR/NON-PD", "CR", "PD", "SD", "PD"],
    })
    derived = derive_from_responses(given, SUBJECTS)
    adrs = {(r["USUBJID"], r["PARAMCD"]): (r["AVALC"], r["ADT"])
            for r in derived.adrs.iter_rows(named=True)}
    # A NON-CR/NON-PD response means non-target disease only: the unconfirmed CR is
    # NON-CR/NON-PD, not SD (dated as the per-patient engine does: CR/PR/SD looked at first).
    assert adrs["A", "CBOR"] == ("NON-CR/NON-PD", dt.date(2024, 5, 1))
    assert adrs["B", "CBOR"] == ("SD", dt.date(2024, 3, 1))
    assert adrs["B", "PD"] == ("Y", dt.date(2024, 5, 1))
    pfs = derived.adtte.filter((pl.col("USUBJID") == "B") & (pl.col("PARAMCD") == "PFS"))
    assert (pfs["ADT"][0], pfs["CNSR"][0]) == (dt.date(2024, 5, 1), 0)
    assert derived.timepoints["SUMDIAM"].null_count() == derived.timepoints.height


def test_unknown_or_repeated_responses_are_refused() -> None:
    given = pl.DataFrame({"USUBJID": ["A"], "ADT": [dt.date(2024, 3, 1)],
                          "OVRLRESP": ["PROGRESSION"]})
    with pytest.raises(ValueError, match="unknown overall responses"):
        derive_from_responses(given, SUBJECTS)
    twice = pl.DataFrame({"USUBJID": ["A", "A"], "ADT": [dt.date(2024, 3, 1)] * 2,
                          "OVRLRESP": ["PR", "SD"]})
    with pytest.raises(ValueError, match="several responses"):
        derive_from_responses(twice, SUBJECTS)


def test_no_subjects_gives_empty_tables() -> None:
    # The second stage used to fail on an empty subject table (a date minus a date plus one
    # in ADTTE); now every table is empty, with its schema.
    from oncotrack.cohort.derive import ADRS_SCHEMA, ADTTE_SCHEMA

    nobody = SUBJECTS.head(0)
    derived = derive_from_responses(pl.DataFrame(
        schema={"USUBJID": pl.String, "ADT": pl.Date, "OVRLRESP": pl.String}), nobody)
    assert derived.adrs.height == derived.adtte.height == derived.timepoints.height == 0
    assert dict(derived.adrs.schema) == ADRS_SCHEMA
    assert dict(derived.adtte.schema) == ADTTE_SCHEMA


# --- the command line ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdtm")
    write_sdtm(synthesize(120, seed=11), out, ["csv"])
    return out


def _derive(*args: str) -> Any:
    return runner.invoke(app, ["cohort", "derive", *args])


def test_rs_alone_and_rs_made_from_derived_responses(sdtm: Path, tmp_path: Path) -> None:
    common = ["--subjects", str(sdtm / "adsl.csv"), "--formats", "csv"]
    run = _derive("--tu", str(sdtm / "tu.csv"), "--tr", str(sdtm / "tr.csv"),
                  "--out", str(tmp_path / "measured"), *common)
    assert run.exit_code == 0, run.output
    adrs = read_adam(tmp_path / "measured" / "adrs.csv")
    # An RS file holding the derived overall responses, one record per subject and date.
    ovr = adrs.filter(pl.col("PARAMCD") == "OVR")
    rs = ovr.select("USUBJID", RSTESTCD=pl.lit("OVRLRESP"), RSSTRESC="AVALC",
                    RSDTC=pl.col("ADT").dt.to_string("%Y-%m-%d"))
    rs.write_csv(tmp_path / "rs.csv")
    run = _derive("--rs", str(tmp_path / "rs.csv"), "--out", str(tmp_path / "given"), *common)
    assert run.exit_code == 0, run.output
    again = read_adam(tmp_path / "given" / "adrs.csv")
    # Equal except where progression was back-dated to an earlier equivocal new lesion,
    # which responses do not carry.
    backdated = adrs.filter((pl.col("PARAMCD") == "PD") & (pl.col("ADT").is_not_null())).join(
        ovr.filter(pl.col("AVALC") == "PD"), on=["USUBJID", "ADT"], how="anti")["USUBJID"]
    keep = ~pl.col("USUBJID").is_in(backdated.implode())
    assert_frame_equal(again.filter(keep), adrs.filter(keep))
    assert again.filter(keep).height > 0.9 * adrs.height
    # With both, the measurements decide and RS is compared: nothing differs here.
    run = _derive("--tu", str(sdtm / "tu.csv"), "--tr", str(sdtm / "tr.csv"),
                  "--rs", str(tmp_path / "rs.csv"), "--out", str(tmp_path / "both"), *common)
    assert run.exit_code == 0, run.output
    assert "at 0 subject-dates" in run.stdout
    listing = pl.read_csv(tmp_path / "both" / "rs_disagreements.csv")
    assert listing.height == 0


def test_investigator_rs_compared_with_the_measurements(sdtm: Path, tmp_path: Path) -> None:
    run = _derive("--tu", str(sdtm / "tu.csv"), "--tr", str(sdtm / "tr.csv"),
                  "--rs", str(sdtm / "rs.csv"), "--subjects", str(sdtm / "adsl.csv"),
                  "--out", str(tmp_path / "out"), "--formats", "csv")
    assert run.exit_code == 0, run.output
    listing = pl.read_csv(tmp_path / "out" / "rs_disagreements.csv", infer_schema=False)
    assert listing.columns == ["USUBJID", "ADT", "DERIVED", "GIVEN"]
    assert f"at {listing.height} subject-dates" in run.stdout
    given = responses_table(pl.read_csv(sdtm / "rs.csv", infer_schema=False))
    assert listing.height < given.height  # mostly the same reading


@pytest.mark.parametrize(("change", "column", "row"), [
    (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("GOOD"))
                              .otherwise(pl.col("RSSTRESC")).alias("RSSTRESC")), "RSSTRESC", 5),
    (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("2024-02-31"))
                              .otherwise(pl.col("RSDTC")).alias("RSDTC")), "RSDTC", 3),
    (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 6).then(pl.lit("NED"))
                              .otherwise(pl.col("RSSTRESC")).alias("RSSTRESC")), "RSSTRESC", 7),
    (lambda f: pl.concat([f, f[6:7]]), "RSDTC", None),
    (lambda f: f.drop("RSDTC"), "RSDTC", None),
])
def test_bad_rs_names_the_place_and_writes_nothing(sdtm: Path, tmp_path: Path, change: Any,
                                                   column: str, row: int | None) -> None:
    bad = tmp_path / "rs.csv"
    change(pl.read_csv(sdtm / "rs.csv", infer_schema=False)).write_csv(bad)
    out = tmp_path / "out"
    run = _derive("--rs", str(bad), "--subjects", str(sdtm / "adsl.csv"), "--out", str(out))
    assert run.exit_code == 2, run.output
    assert "rs.csv" in run.stderr
    assert f"column {column}" in run.stderr
    if row is not None:
        assert f"row {row} " in run.stderr
    assert "Traceback" not in run.output
    assert not out.exists()


def test_inputs_must_be_measurements_or_responses(sdtm: Path, tmp_path: Path) -> None:
    run = _derive("--tu", str(sdtm / "tu.csv"), "--subjects", str(sdtm / "adsl.csv"),
                  "--out", str(tmp_path / "out"))
    assert run.exit_code == 2
    assert "--tr" in run.stderr
    run = _derive("--rs", str(sdtm / "rs.csv"), "--subjects", str(sdtm / "adsl.csv"),
                  "--out", str(tmp_path / "out"), "--formats", "csv,sas7bdat")
    assert run.exit_code == 2
    assert not (tmp_path / "out").exists()
