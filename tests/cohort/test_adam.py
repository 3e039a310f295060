"""ADaM ADRS/ADTTE files: every format round-trips, XPT limits, Dataset-JSON shape, atomicity."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from oncotrack.cohort.schema import ADRS_COLUMNS, ADTTE_COLUMNS
from oncotrack.interop.adam import AdamFormatError, read_adam, write_adam

D = dt.date


def make_adrs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "USUBJID": ["001", "001", "001", "002", "002"],
            "PARAMCD": ["OVR", "OVR", "BOR", "OVR", "BOR"],
            "PARAM": ["Overall Response by Investigator", "Overall Response by Investigator",
                      "Best Overall Response", "Overall Response by Investigator",
                      "Best Overall Response"],
            "AVALC": ["PR", "PD", "PR", "SD", "SD"],
            "AVAL": [2.0, 5.0, 2.0, 3.0, 3.0],
            "ADT": [D(2022, 1, 19), D(2022, 4, 10), D(2022, 1, 19), D(1959, 12, 31), None],
            "ANL01FL": ["Y", "Y", "Y", None, "Y"],
        },
        schema_overrides={"ADT": pl.Date},
    ).select(ADRS_COLUMNS)


def make_adtte() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "USUBJID": ["001", "001", "002", "002"],
            "PARAMCD": ["OS", "PFS", "OS", "PFS"],
            "PARAM": ["Overall Survival", "Progression-Free Survival", "Overall Survival",
                      "Progression-Free Survival"],
            "STARTDT": [D(2021, 12, 3)] * 2 + [D(2022, 2, 1)] * 2,
            "ADT": [D(2024, 10, 5), D(2024, 5, 3), D(2023, 1, 31), D(2022, 9, 1)],
            "AVAL": [1038, 883, 365, 213],
            "CNSR": [0, 0, 1, 1],
            "EVNTDESC": ["Death", "Disease Progression", "Last Known Alive",
                         "Last Tumor Assessment"],
            "CNSDTDSC": [None, None, "Date last known alive", "Last adequate assessment"],
            "SRCDOM": ["ADSL", "ADRS", "ADSL", "ADRS"],
            "ARM": ["TACE", "TACE", "TACE + TKI", "TACE + TKI"],
            "WEIGHT": [61.25, 61.25, None, None],
        },
        schema_overrides={"AVAL": pl.Int64, "CNSR": pl.Int64},
    ).select([*ADTTE_COLUMNS, "ARM", "WEIGHT"])


@pytest.fixture
def written(tmp_path: Path) -> Path:
    out = tmp_path / "adam"
    write_adam(make_adrs(), make_adtte(), out, created=dt.datetime(2025, 1, 2, 3, 4, 5))
    return out


def test_writes_every_file(written: Path) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(f"{d}.{e}" for d in ("adrs", "adtte")
                           for e in ("csv", "parquet", "xpt", "json"))


@pytest.mark.parametrize("ext", ["csv", "parquet", "xpt", "json"])
def test_round_trip(written: Path, ext: str) -> None:
    assert_frame_equal(read_adam(written / f"adtte.{ext}"), make_adtte())
    assert_frame_equal(read_adam(written / f"adrs.{ext}"), make_adrs())


def test_dates_and_numbers_are_typed(written: Path) -> None:
    for ext in ("csv", "xpt", "json"):
        back = read_adam(written / f"adtte.{ext}")
        assert back.schema["STARTDT"] == pl.Date
        assert back.schema["AVAL"] == pl.Int64
        assert back.schema["CNSR"] == pl.Int64
        assert back.schema["USUBJID"] == pl.String  # "001" does not become 1
        assert back.item(0, "ADT") == D(2024, 10, 5)


def test_narrow_types_are_widened(tmp_path: Path) -> None:
    adtte = make_adtte().with_columns(pl.col("CNSR").cast(pl.Int8),
                                      pl.col("WEIGHT").cast(pl.Float32))
    write_adam(make_adrs(), adtte, tmp_path, formats=["parquet"])
    back = read_adam(tmp_path / "adtte.parquet")
    assert back.schema["CNSR"] == pl.Int64
    assert back.schema["WEIGHT"] == pl.Float64


def test_empty_string_is_kept_except_in_xpt(tmp_path: Path) -> None:
    adrs = make_adrs().with_columns(pl.lit("").alias("ANL01FL"))
    write_adam(adrs, make_adtte(), tmp_path, formats=("csv", "xpt", "json"))
    assert read_adam(tmp_path / "adrs.csv").get_column("ANL01FL").to_list() == [""] * 5
    assert read_adam(tmp_path / "adrs.json").get_column("ANL01FL").to_list() == [""] * 5
    # SAS has no empty string distinct from missing: blank comes back as null.
    assert read_adam(tmp_path / "adrs.xpt").get_column("ANL01FL").null_count() == 5


def test_xpt_carries_labels_and_formats(written: Path) -> None:
    import pyreadstat

    _, meta = pyreadstat.read_xport(str(written / "adtte.xpt"), metadataonly=True)
    assert meta.table_name == "ADTTE"
    assert meta.file_label == "Time-to-Event Analysis Dataset"
    labels = meta.column_names_to_labels
    assert labels["USUBJID"] == "Unique Subject Identifier"
    assert labels["CNSR"] == "Censor"
    assert labels["STARTDT"] == "Time-to-Event Origin Date for Subject"
    assert str(meta.original_variable_types["ADT"]).startswith("E8601DA")
    assert (written / "adtte.xpt").read_bytes().startswith(b"HEADER RECORD*******LIBRARY")


def test_xpt_rejects_long_names(tmp_path: Path) -> None:
    adtte = make_adtte().with_columns(pl.lit("x").alias("TOOLONGNAME"))
    with pytest.raises(AdamFormatError, match="TOOLONGNAME"):
        write_adam(make_adrs(), adtte, tmp_path / "out", formats=("xpt",))


def test_dataset_json_shape(written: Path) -> None:
    doc = json.loads((written / "adtte.json").read_text(encoding="utf-8"))
    assert doc["datasetJSONVersion"] == "1.1.0"
    assert doc["datasetJSONCreationDateTime"] == "2025-01-02T03:04:05"
    assert (doc["itemGroupOID"], doc["name"], doc["records"]) == ("IG.ADTTE", "ADTTE", 4)
    columns = {c["name"]: c for c in doc["columns"]}
    assert [c["name"] for c in doc["columns"]] == [*ADTTE_COLUMNS, "ARM", "WEIGHT"]
    assert columns["ADT"]["dataType"] == "date"
    assert columns["ADT"]["targetDataType"] == "integer"
    assert columns["STARTDT"]["dataType"] == "date"
    assert columns["AVAL"]["dataType"] == "integer"
    assert columns["WEIGHT"]["dataType"] == "double"
    assert columns["USUBJID"] == {"itemOID": "IT.ADTTE.USUBJID", "name": "USUBJID",
                                  "label": "Unique Subject Identifier", "dataType": "string",
                                  "length": 3, "keySequence": 1}
    assert doc["rows"][0][:7] == ["001", "OS", "Overall Survival", "2021-12-03", "2024-10-05",
                                  1038, 0]
    assert doc["rows"][2][-1] is None


def test_dataset_json_is_deterministic(tmp_path: Path) -> None:
    when = dt.datetime(2025, 1, 1)
    write_adam(make_adrs(), make_adtte(), tmp_path / "a", formats=("json", "csv"), created=when)
    write_adam(make_adrs(), make_adtte(), tmp_path / "b", formats=("json", "csv"), created=when)
    for name in ("adrs.json", "adtte.json", "adrs.csv", "adtte.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_error_leaves_nothing_half_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_adam(make_adrs(), make_adtte(), out, formats=("csv",))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = make_adtte().with_columns(pl.lit("x").alias("TOOLONGNAME"))
    # csv and parquet would be fine; xpt fails on the long name: nothing is replaced.
    with pytest.raises(AdamFormatError):
        write_adam(make_adrs(), bad, out, formats=("csv", "parquet", "xpt"))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_the_first_failing_file_is_reported(tmp_path: Path) -> None:
    """Files are written two at a time; the error raised is the first in file order (ADRS
    before ADTTE), whichever thread fails first."""
    adrs = make_adrs().with_columns(pl.lit("x").alias("ADRSLONGNAME"))
    adtte = make_adtte().with_columns(pl.lit("x").alias("ADTTELONGNAME"))
    for _ in range(5):
        with pytest.raises(AdamFormatError, match="ADRSLONGNAME"):
            write_adam(adrs, adtte, tmp_path / "out", formats=("csv", "xpt"))
    assert list(tmp_path.iterdir()) == []


def test_error_in_new_folder_creates_nothing(tmp_path: Path) -> None:
    bad = make_adtte().with_columns(pl.lit(True).alias("FLAG"))
    with pytest.raises(AdamFormatError, match="FLAG"):
        write_adam(make_adrs(), bad, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_and_suffix(tmp_path: Path) -> None:
    with pytest.raises(AdamFormatError, match="unknown format"):
        write_adam(make_adrs(), make_adtte(), tmp_path, formats=("sas7bdat",))
    with pytest.raises(AdamFormatError, match="unknown ADaM file type"):
        read_adam(tmp_path / "adrs.txt")


def test_dataset_json_reader_rejects_other_versions(written: Path) -> None:
    doc = json.loads((written / "adrs.json").read_text(encoding="utf-8"))
    doc["datasetJSONVersion"] = "1.0.0"
    (written / "adrs.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AdamFormatError, match=r"1\.0\.0"):
        read_adam(written / "adrs.json")


def test_nan_is_missing_in_dataset_json(tmp_path: Path) -> None:
    adtte = make_adtte().with_columns(pl.Series("WEIGHT", [float("nan"), 1.5, None, 2.0]))
    write_adam(make_adrs(), adtte, tmp_path, formats=("json",))
    assert read_adam(tmp_path / "adtte.json").get_column("WEIGHT").to_list() == [
        None, 1.5, None, 2.0]


def _xpt_without_timestamps(path: Path) -> bytes:
    import re

    return re.sub(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d", b"", path.read_bytes())


@pytest.mark.parametrize(("frame", "by_numpy"), [
    (pl.DataFrame({
        "USUBJID": ["A", "", None, "LONGER-ID-1234", "x y"],
        "AVAL": [0.0, -1.5, None, 1e10, 1e-5],
        "PCHG": [1 / 3, -0.1, 123456.789, 2.0**-60, 7.0],
        "ADT": [D(2024, 1, 1), None, D(1950, 6, 1), D(1960, 1, 1), D(1970, 1, 1)],
        "CNSR": [0, 1, None, -5, 2**31 - 1],
        "NOTE": pl.Series([None] * 5, dtype=pl.String),
    }), True),
    (pl.DataFrame({"USUBJID": ["é", "b"], "AVAL": [1.0, 2.0]}), False),  # non-ASCII
    (pl.DataFrame({"USUBJID": ["a", "b"], "AVAL": [-0.0, float("nan")]}), False),
    (pl.DataFrame({"USUBJID": ["a", "b"], "CNSR": [1, 2**40]}), False),
], ids=["edge-values", "non-ascii", "signed-zero-nan", "wide-integer"])
def test_xpt_records_are_pyreadstats(tmp_path: Path, frame: pl.DataFrame, by_numpy: bool,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The records are converted with numpy (pyreadstat writes the headers): the file is
    # pyreadstat's own, byte for byte, but for its creation time.
    import pyreadstat

    from oncotrack.interop import adam

    monkeypatch.setattr(adam, "_XPT_CHUNK", 2)

    (written,) = write_adam(frame, frame.head(0), tmp_path / "out", ["xpt"])[:1]
    reference = tmp_path / "reference.xpt"
    pyreadstat.write_xport(
        adam._normalise(frame, "ADRS"), str(reference),
        file_label=adam.DATASET_LABELS["ADRS"],
        column_labels={c: adam.VARIABLE_LABELS[c] for c in frame.columns
                       if c in adam.VARIABLE_LABELS},
        table_name="ADRS", file_format_version=5,
        variable_format={c: "E8601DA." if t == pl.Date else "8." for c, t in
                         frame.schema.items() if t in (pl.Date, pl.Int64)} or None)
    assert _xpt_without_timestamps(written) == _xpt_without_timestamps(reference)
    # Values the numpy conversion does not reproduce exactly are left to pyreadstat.
    probe = tmp_path / "probe.xpt"
    assert adam._write_xpt_records(adam._normalise(frame, "ADRS"), probe, lambda part: (
        pyreadstat.write_xport(part, str(probe), file_format_version=5))) is by_numpy


def test_dataset_json_rows_are_json_dumps_text(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows are formatted by polars a slice at a time: the file is what json.dumps gives for
    # the whole document, escapes, floats, nulls and non-finite numbers included.
    from oncotrack.interop import adam

    monkeypatch.setattr(adam, "_JSON_CHUNK", 3)

    frame = pl.DataFrame({
        "USUBJID": ["A", "", None, 'q"uote\\back', "new\nline\ttab\x01", "é ü 漢", "\u2028"],
        "AVAL": [0.0, -1.5, None, 1e10, 1e-5, float("nan"), float("inf")],
        "PCHG": [1 / 3, -0.1, 123456.789, 2.0**-60, 1e16, -0.0, 1e300],
        "ADT": [D(2024, 1, 1), None, D(1950, 6, 1), D(1960, 1, 1), D(1970, 1, 1),
                D(1000, 1, 1), D(9999, 12, 31)],
        "CNSR": [0, 1, None, -5, 2**62, -(2**63), 7],
        "NOTE": pl.Series([None] * 7, dtype=pl.String),
    })
    plain = pl.DataFrame({  # what polars' CSV writer formats as JSON has it
        "USUBJID": ["A", "123", None, "", "a, b", "é"],
        "AVAL": [0.0, -1.5, None, 1e10, 0.0001, -0.0],
        "ADT": [D(2024, 1, 1), None, D(1950, 6, 1), D(1000, 1, 1), D(9999, 12, 31),
                D(1970, 1, 1)],
        "CNSR": [0, 1, None, -5, 2**62, 7],
    })
    assert adam._json_by_csv(plain)
    assert not adam._json_by_csv(frame)
    quoted_late = plain.with_columns(USUBJID=pl.Series(["A", "B", "C", "D", "E", 'q"']))
    when = dt.datetime(2026, 1, 1, 12)
    for rows in (frame, frame.head(0), pl.DataFrame({"ADT": [D(999, 1, 1)]}), plain,
                 quoted_late):
        (written,) = write_adam(rows, rows.head(0), tmp_path / "out", ["json"],
                                created=when)[:1]
        expected = json.dumps(adam._dataset_json(rows, "ADRS", None, when), ensure_ascii=False,
                              allow_nan=False) + "\n"
        assert written.read_text(encoding="utf-8") == expected
