"""Synthetic cohorts: shape, realism constraints, reproducibility and writing."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from oncotrack.cohort import schema
from oncotrack.cohort.derive import derive
from oncotrack.cohort.synth import synthesize, write_sdtm
from oncotrack.interop.sdtm import (
    USED_COLUMNS,
    coded_measurements,
    measurements_table,
    read_domain,
    read_subjects,
    responses_table,
    subjects_table,
)


@pytest.fixture(scope="module")
def cohort() -> dict[str, pl.DataFrame]:
    return synthesize(200, seed=7)


def test_tables_and_identifiers(cohort: dict[str, pl.DataFrame]) -> None:
    assert set(cohort) == {"TU", "TR", "RS", "ADSL"}
    adsl = cohort["ADSL"]
    assert adsl.height == 200
    assert adsl["USUBJID"].str.contains(r"^SYN-\d{7}$").all()
    assert adsl["USUBJID"].n_unique() == 200
    for name in ("TU", "TR", "RS"):
        assert cohort[name]["DOMAIN"].unique().to_list() == [name]
        seq = cohort[name][f"{name}SEQ"]
        assert cohort[name].select(pl.struct("USUBJID", seq.name).is_unique().all()).item()


def test_same_seed_same_cohort() -> None:
    first, second = synthesize(50, seed=3), synthesize(50, seed=3)
    for name in first:
        assert first[name].equals(second[name])
    assert not synthesize(50, seed=4)["TR"].equals(first["TR"])


def test_every_subject_has_one_baseline_and_a_follow_up(
        cohort: dict[str, pl.DataFrame]) -> None:
    table = measurements_table(cohort["TU"], cohort["TR"])
    assert table.schema == pl.Schema(schema.MEASUREMENTS)
    scans = table.select("USUBJID", "ADT", "BASEFL").unique()
    per_subject = scans.group_by("USUBJID").agg(
        pl.col("BASEFL").sum().alias("baselines"), (~pl.col("BASEFL")).sum().alias("follow_ups"),
        pl.col("ADT").filter(pl.col("BASEFL")).first().alias("bl"), pl.col("ADT").min())
    assert per_subject.height == 200
    assert (per_subject["baselines"] == 1).all()
    assert (per_subject["follow_ups"] >= 1).all()
    assert (per_subject["bl"] == per_subject["ADT"]).all()


def test_lesion_rules(cohort: dict[str, pl.DataFrame]) -> None:
    table = measurements_table(cohort["TU"], cohort["TR"])
    baseline_targets = table.filter(pl.col("BASEFL") & (pl.col("ROLE") == "TARGET"))
    counts = baseline_targets.group_by("USUBJID").len()["len"]
    assert counts.min() >= 1
    assert counts.max() <= 5
    per_organ = baseline_targets.group_by("USUBJID", "ORGAN").len()["len"]
    assert per_organ.max() <= 2  # type: ignore[operator]
    nodes = baseline_targets.filter("NODE")
    assert (nodes["ORGAN"] == "lymph node").all()
    assert (nodes["DIAM"] >= 15).all()
    assert (baseline_targets.filter(~pl.col("NODE"))["DIAM"] >= 10).all()
    non_targets = table.filter(pl.col("ROLE") == "NON-TARGET")
    assert set(non_targets["STATE"].unique()) <= {"PRESENT", "ABSENT",
                                                  "UNEQUIVOCAL PROGRESSION"}
    assert non_targets.group_by("USUBJID").len()["len"].max() <= 3 * 13  # type: ignore[operator]


def test_realistic_mix() -> None:
    cohort = synthesize(2000, seed=1)
    tr, rs, adsl = cohort["TR"], cohort["RS"], cohort["ADSL"]
    responses = set(rs["RSSTRESC"].unique())
    assert {"CR", "PR", "SD", "PD", "NE"} <= responses
    assert (tr["TRSTAT"] == "NOT DONE").sum() > 0
    assert (tr["TRORRES"] == "TOO SMALL TO MEASURE").sum() > 0
    assert (tr["TRGRPID"] == "NEW").sum() > 0
    assert (tr["TRSTRESC"] == "EQUIVOCAL").sum() > 0
    assert (rs["RSDTC"].str.len_chars() == 7).sum() > 0  # partial dates
    assert adsl["DTHDT"].is_not_null().sum() > 0
    assert adsl["NEWTHDT"].is_not_null().sum() > 0
    assert set(adsl["ARM"].unique()) == {"CONTROL", "EXPERIMENTAL"}
    visits = tr.select("USUBJID", "TRDTC").unique().sort("USUBJID", "TRDTC")
    gaps = visits.with_columns(
        pl.col("TRDTC").str.to_date().diff().dt.total_days().over("USUBJID"))["TRDTC"]
    assert gaps.drop_nulls().min() >= 20  # type: ignore[operator]
    subjects = subjects_table(adsl)
    assert (subjects["LSTALVDT"] >= subjects["RANDDT"]).all()
    dead = subjects.filter(pl.col("DTHDT").is_not_null())
    assert (dead["DTHDT"] >= dead["LSTALVDT"]).all()
    table = responses_table(rs)
    assert table.filter(pl.col("ADTF") == "D").height > 0


def test_write_and_read_back(tmp_path: Path) -> None:
    cohort = synthesize(30, seed=2)
    written = write_sdtm(cohort, tmp_path, formats=("csv", "parquet", "xpt", "json", "ndjson"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    assert len(written) == 20
    for kind in ("csv", "parquet", "xpt", "json", "ndjson"):
        for name in ("TU", "TR", "RS"):
            assert read_domain(tmp_path / f"{name.lower()}.{kind}").equals(cohort[name]), (
                name, kind)
        assert read_subjects(tmp_path / f"adsl.{kind}").equals(subjects_table(cohort["ADSL"]))
    # Parquet text as categoricals (dictionary-typed), read back as the text above.
    stored = pl.read_parquet_schema(tmp_path / "tr.parquet")
    assert stored["USUBJID"] == pl.Categorical
    assert stored["TRSTRESN"] == pl.Float64
    assert pl.read_parquet_schema(tmp_path / "adsl.parquet")["USUBJID"] == pl.String
    meta = json.loads((tmp_path / "tr.json").read_text())
    assert meta["name"] == "TR"
    assert meta["records"] == cohort["TR"].height


def test_write_nothing_on_error(tmp_path: Path) -> None:
    cohort = synthesize(10)
    bad = dict(cohort, TR=cohort["TR"].with_columns(pl.lit(float("nan")).alias("TRSTRESN")))
    with pytest.raises(ValueError, match="NaN"):
        write_sdtm(bad, tmp_path, formats=("csv", "json"))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="unknown format"):
        write_sdtm(cohort, tmp_path, formats=("csv", "sas7bdat"))
    assert list(tmp_path.iterdir()) == []


def test_bad_patient_count() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        synthesize(0)


@pytest.mark.parametrize("kind", ["csv", "parquet", "xpt", "json"])
def test_reading_only_the_used_columns_gives_the_same_measurements(tmp_path: Path,
                                                                    kind: str) -> None:
    cohort = synthesize(300, seed=5)
    write_sdtm(cohort, tmp_path, formats=(kind,))
    full = measurements_table(read_domain(tmp_path / f"tu.{kind}"),
                              read_domain(tmp_path / f"tr.{kind}"))
    tu = read_domain(tmp_path / f"tu.{kind}", "TU", columns=USED_COLUMNS["TU"])
    tr = read_domain(tmp_path / f"tr.{kind}", "TR", columns=USED_COLUMNS["TR"])
    assert set(tr.columns) <= set(USED_COLUMNS["TR"])
    assert measurements_table(tu, tr, check=False).equals(full)
    coded = coded_measurements(tu, tr, check=False)
    assert coded.frame.schema == pl.Schema(schema.CODED)
    subjects = subjects_table(cohort["ADSL"])
    by_table, by_code = derive(full, subjects), derive(coded, subjects)
    assert by_code.adrs.equals(by_table.adrs)
    assert by_code.adtte.equals(by_table.adtte)
    assert by_code.timepoints.equals(by_table.timepoints)
