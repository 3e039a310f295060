"""The cohort tables do not depend on how they are computed: dense look-up arrays or their
fallbacks for key ranges too large for arrays, records in SDTM order or shuffled, scans by
visit or by date."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from oncotrack.cohort import derive as derive_module
from oncotrack.cohort.derive import derive
from oncotrack.cohort.synth import synthesize, write_sdtm
from oncotrack.interop import sdtm
from oncotrack.interop.sdtm import (
    coded_measurements,
    measurements_table,
    read_domain,
    subjects_table,
)
from oncotrack.model.problems import CohortInputError


@pytest.fixture(scope="module")
def cohort() -> dict[str, pl.DataFrame]:
    return synthesize(150, seed=11)


def test_fallbacks_for_large_key_ranges_give_the_same_tables(
        cohort: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    tu, tr, subjects = cohort["TU"], cohort["TR"], subjects_table(cohort["ADSL"])
    dense = measurements_table(tu, tr)
    derived = derive(coded_measurements(tu, tr), subjects)
    monkeypatch.setattr(sdtm, "_DENSE_LIMIT", 1)
    monkeypatch.setattr(derive_module, "_DENSE_GROUPS", 1)
    assert measurements_table(tu, tr).equals(dense)
    fallback = derive(coded_measurements(tu, tr), subjects)
    assert fallback.timepoints.equals(derived.timepoints)
    assert fallback.adrs.equals(derived.adrs)
    assert fallback.adtte.equals(derived.adtte)


def test_record_order_does_not_matter(cohort: dict[str, pl.DataFrame]) -> None:
    tu, tr = cohort["TU"], cohort["TR"]
    expected = measurements_table(tu, tr)
    shuffled_tu = tu.sample(fraction=1.0, shuffle=True, seed=3)
    shuffled_tr = tr.sample(fraction=1.0, shuffle=True, seed=4)
    assert measurements_table(shuffled_tu, shuffled_tr).equals(expected)


def test_scans_by_date_without_visit_numbers(cohort: dict[str, pl.DataFrame],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    tu, tr = cohort["TU"], cohort["TR"].drop("VISITNUM")
    by_date = measurements_table(tu, tr)
    monkeypatch.setattr(sdtm, "_DENSE_LIMIT", 1)
    assert measurements_table(tu, tr).equals(by_date)
    # The synthetic visits fall on distinct dates, so visits and dates give the same scans.
    assert by_date.equals(measurements_table(tu, cohort["TR"]))


def test_several_records_of_one_lesion_on_one_scan_keep_the_worst(
        cohort: dict[str, pl.DataFrame]) -> None:
    tu, tr = cohort["TU"], cohort["TR"]
    first = tr.filter((pl.col("TRTESTCD") == "LDIAM") & pl.col("TRSTRESN").is_not_null()
                      & (pl.col("TRDTC").str.len_chars() == 10)).head(1)
    # The same lesion measured again at the same visit a day later, larger: the visit's date is
    # the later one, and the larger diameter is kept, once.
    later = first.with_columns(
        TRSTRESN=pl.col("TRSTRESN") + 7,
        TRSTRESC=(pl.col("TRSTRESN") + 7).cast(pl.String),
        TRORRES=(pl.col("TRSTRESN") + 7).cast(pl.String),
        TRDTC=(pl.col("TRDTC").str.to_date() + pl.duration(days=1)).cast(pl.String))
    table = measurements_table(tu, pl.concat([tr, later.select(tr.columns)]))
    rows = table.filter((pl.col("USUBJID") == first["USUBJID"][0])
                        & (pl.col("LESIONID") == first["TRLNKID"][0])
                        & (pl.col("ADT") == later["TRDTC"].str.to_date()[0]))
    assert rows["DIAM"].to_list() == [later["TRSTRESN"][0]]
    assert table.height == measurements_table(tu, tr).height


@pytest.mark.parametrize("bits", [1, 2])
def test_counts_too_large_to_pack_are_counted_one_by_one(
        cohort: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch, bits: int) -> None:
    tu, tr, subjects = cohort["TU"], cohort["TR"], subjects_table(cohort["ADSL"])
    packed = derive(coded_measurements(tu, tr), subjects)
    monkeypatch.setattr(derive_module, "_COUNT_BITS", bits)
    one_by_one = derive(coded_measurements(tu, tr), subjects)
    assert one_by_one.timepoints.equals(packed.timepoints)
    assert one_by_one.adrs.equals(packed.adrs)


def test_measurements_read_from_files(cohort: dict[str, pl.DataFrame], tmp_path: Path) -> None:
    """read_coded_measurements (the command's path, which keeps no table it reads) gives what
    coded_measurements gives on the tables read, and its errors name the files."""
    write_sdtm(cohort, tmp_path, ["csv", "parquet"])
    for kind in ("csv", "parquet"):
        tu_path, tr_path = tmp_path / f"tu.{kind}", tmp_path / f"tr.{kind}"
        read = sdtm.read_coded_measurements(tu_path, tr_path)
        expected = coded_measurements(read_domain(tu_path, "TU"), read_domain(tr_path, "TR"))
        for name in ("frame", "scans", "lesions", "subjects"):
            assert getattr(read, name).equals(getattr(expected, name)), (kind, name)
    stray = cohort["TR"].with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("NOWHERE"))
        .otherwise(pl.col("TRLNKID")).alias("TRLNKID"))
    stray.write_csv(tmp_path / "stray.csv")
    with pytest.raises(CohortInputError) as raised:
        sdtm.read_coded_measurements(tmp_path / "tu.csv", tmp_path / "stray.csv")
    assert raised.value.file == str(tmp_path / "stray.csv")
    assert (raised.value.row, raised.value.column) == (5, "TRLNKID")
