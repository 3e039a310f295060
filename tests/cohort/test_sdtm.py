"""SDTM input: reading CSV/XPT/Dataset-JSON, the cohort tables, and every bad input's error."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import polars as pl
import pyreadstat
import pytest

from oncotrack.cohort import schema
from oncotrack.interop.datasetjson import (
    read_dataset_json,
    read_dataset_json_with_metadata,
    write_dataset_json,
)
from oncotrack.interop.sdtm import (
    USED_COLUMNS,
    check_domain,
    measurements_table,
    read_domain,
    read_subjects,
    responses_table,
    subjects_table,
)
from oncotrack.model.problems import CaseError, CohortInputError

TU = pl.DataFrame({
    "STUDYID": ["S"] * 5, "DOMAIN": ["TU"] * 5, "USUBJID": ["P1"] * 4 + ["P2"],
    "TULNKID": ["T01", "T02", "NT01", "NEW01", "T01"],
    "TUSTRESC": ["TARGET", "TARGET", "NON-TARGET", "NEW", "TARGET"],
    "TULOC": ["LIVER", "MEDIASTINAL LYMPH NODE", "BONE", "LUNG", "Lung"],
    "TUDTC": ["2024-01-05", "2024-01-05", "2024-01-05", "2024-04-01", "2024-02-01"],
})

_TR_ROWS = [
    # USUBJID, TRLNKID, TRTESTCD, TRORRES, TRSTRESC, TRSTRESN, TRSTAT, TRDTC
    ("P1", "T01", "LDIAM", "40", "40", 40.0, None, "2024-01-05"),
    ("P1", "T02", "LPERP", "20", "20", 20.0, None, "2024-01-05"),
    ("P1", "NT01", "TUMSTATE", "PRESENT", "PRESENT", None, None, "2024-01-05"),
    ("P1", "T01", "LDIAM", "TOO SMALL TO MEASURE", "5", 5.0, None, "2024-02-20"),
    ("P1", "T02", "LPERP", None, None, None, "NOT DONE", "2024-02-20"),
    ("P1", "T01", "LDIAM", "30", "30", 30.0, None, "2024-04"),
    ("P1", "T02", "LPERP", "9", "9", 9.0, None, "2024-04-30"),
    ("P1", "NT01", "TUMSTATE", "ABSENT", "ABSENT", None, None, "2024-04-30"),
    ("P1", "NT01", "TUMSTATE", "UNEQUIVOCAL PROGRESSION", "UNEQUIVOCAL PROGRESSION", None,
     None, "2024-04"),
    ("P1", "NEW01", "TUMSTATE", "PRESENT", "PRESENT", None, None, "2024-04-30"),
    ("P2", "T01", "LDIAM", "2.5", None, None, None, "2024-02-01"),
    ("P2", "T01", "LDIAM", "3.0", None, None, None, "2024-03-15T10:30"),
]
TR = pl.DataFrame(
    _TR_ROWS, orient="row",
    schema={"USUBJID": pl.String, "TRLNKID": pl.String, "TRTESTCD": pl.String,
            "TRORRES": pl.String, "TRSTRESC": pl.String, "TRSTRESN": pl.Float64,
            "TRSTAT": pl.String, "TRDTC": pl.String},
).with_columns(pl.when(pl.col("USUBJID") == "P2").then(pl.lit("cm")).otherwise(pl.lit("mm"))
               .alias("TRORRESU"))

RS = pl.DataFrame({
    "USUBJID": ["P1", "P1", "P1", "P1", "P2"],
    "RSTESTCD": ["OVRLRESP"] * 5,
    "RSEVAL": ["INVESTIGATOR", "INVESTIGATOR", "INVESTIGATOR", "INDEPENDENT ASSESSOR",
               "INVESTIGATOR"],
    "RSSTRESC": ["PR", "NE", "PD", "CR", "SD"],
    "RSDTC": ["2024-02-20", "2024-04", "2024-04-30", "2024-04-30", "2024"],
})

ADSL = pl.DataFrame({
    "USUBJID": ["P1", "P2"], "ARM": ["A", "B"], "AGE": [60, 71],
    "RANDDT": ["2024-01-10", "2024-02-03"], "DTHDT": [None, "2024-09-01"],
    "LSTALVDT": ["2024-12-01", "2024-09-01"],
})


def _csv(tmp_path: Path, name: str, frame: pl.DataFrame) -> Path:
    path = tmp_path / name
    frame.write_csv(path)
    return path


# --- the cohort tables ---------------------------------------------------------------------------


def test_measurements_rules() -> None:
    table = measurements_table(TU, TR)
    assert table.schema == pl.Schema(schema.MEASUREMENTS)
    p1 = table.filter(pl.col("USUBJID") == "P1")
    scans = p1.select("ADT", "ADTF", "BASEFL").unique().sort("ADT").rows()
    assert scans == [(dt.date(2024, 1, 5), None, True), (dt.date(2024, 2, 20), None, False),
                     (dt.date(2024, 4, 30), None, False)]

    def cell(date: dt.date, lesion: str, column: str) -> object:
        row = p1.filter((pl.col("ADT") == date) & (pl.col("LESIONID") == lesion))
        assert row.height == 1
        return row[column][0]

    assert cell(dt.date(2024, 1, 5), "T02", "NODE") is True
    assert cell(dt.date(2024, 1, 5), "T01", "NODE") is False
    assert cell(dt.date(2024, 1, 5), "T01", "ORGAN") == "liver"
    assert cell(dt.date(2024, 2, 20), "T01", "DIAM") == 5.0  # too small to measure
    assert cell(dt.date(2024, 2, 20), "T02", "DIAM") is None  # not done
    assert cell(dt.date(2024, 2, 20), "NT01", "STATE") == "NOT EVALUATED"  # not recorded
    assert cell(dt.date(2024, 4, 30), "T01", "DIAM") == 30.0  # partial date, last day
    # two records on one imputed date: the worst state wins
    assert cell(dt.date(2024, 4, 30), "NT01", "STATE") == "UNEQUIVOCAL PROGRESSION"
    assert cell(dt.date(2024, 4, 30), "NEW01", "STATE") == "UNEQUIVOCAL"
    assert cell(dt.date(2024, 4, 30), "NEW01", "ROLE") == "NEW"
    p2 = table.filter(pl.col("USUBJID") == "P2")
    assert p2["DIAM"].to_list() == [25.0, 30.0]  # cm → mm
    assert p2["ADT"].to_list() == [dt.date(2024, 2, 1), dt.date(2024, 3, 15)]


def test_measurements_baseline_from_visit_and_conflicts() -> None:
    tu = TU.filter(pl.col("USUBJID") == "P2")
    tr = pl.DataFrame({
        "USUBJID": ["P2"] * 4, "TRLNKID": ["T01"] * 4, "TRTESTCD": ["LDIAM"] * 4,
        "TRSTRESN": [30.0, 28.0, 20.0, 22.0], "VISITNUM": [1, 2, 3, 3],
        "VISIT": ["SCREENING", "BASELINE", "WEEK 6", "WEEK 6"],
        "TRDTC": ["2024-01-02", "2024-01-20", "2024-03-01", "2024-03-01T09:00"],
    })
    table = measurements_table(tu, tr)
    assert table["ADT"].to_list() == [dt.date(2024, 1, 20), dt.date(2024, 3, 1)]
    assert table["BASEFL"].to_list() == [True, False]
    assert table["DIAM"].to_list() == [28.0, 22.0]  # screening dropped; worst of the two


def test_responses_table_worst_and_imputed() -> None:
    table = responses_table(RS)
    assert table.rows() == [
        ("P1", dt.date(2024, 2, 20), None, "PR"),
        ("P1", dt.date(2024, 4, 30), None, "PD"),  # NE (2024-04 → 30th) loses to PD
        ("P2", dt.date(2024, 12, 31), "M", "SD"),
    ]
    april = responses_table(RS.filter(pl.col("RSSTRESC") == "NE"))
    assert april.rows() == [("P1", dt.date(2024, 4, 30), "D", "NE")]


def test_subjects_table() -> None:
    table = subjects_table(ADSL)
    assert list(table.columns[:6]) == list(schema.SUBJECTS)
    assert table["RANDDT"].to_list() == [dt.date(2024, 1, 10), dt.date(2024, 2, 3)]
    assert table["TRTSDT"].null_count() == 2
    assert table["NEWTHDT"].null_count() == 2
    assert table["AGE"].dtype == pl.Int64
    assert table["ARM"].to_list() == ["A", "B"]


# --- file formats --------------------------------------------------------------------------------


def test_csv_round_trip(tmp_path: Path) -> None:
    frame = TR.with_columns(pl.lit("TR").alias("DOMAIN"), pl.Series("TRSEQ", range(1, 13)))
    assert read_domain(_csv(tmp_path, "tr.csv", frame)).equals(frame)
    subjects = read_subjects(_csv(tmp_path, "adsl.csv", ADSL))
    assert subjects.equals(subjects_table(ADSL))


@pytest.mark.parametrize("columns", [None, USED_COLUMNS["TR"]])
def test_parquet_text_or_categorical_columns_read_alike(tmp_path: Path,
                                                        columns: tuple[str, ...] | None) -> None:
    # Text stored as strings or as categoricals (dictionary-typed, as write_sdtm, pandas
    # ``category`` and R factors write it; also of named categories): the same frame.
    frame = TR.with_columns(pl.lit("TR").alias("DOMAIN"), pl.Series("TRSEQ", range(1, 13)),
                            pl.Series("TREVAL", ["INVESTIGATOR", "", *[None] * 10]))
    frame.write_parquet(tmp_path / "text.parquet")
    frame.with_columns(pl.col(pl.String).cast(pl.Categorical)) \
        .write_parquet(tmp_path / "categorical.parquet")
    named = pl.Categorical(pl.Categories.random())
    frame.with_columns(pl.col(pl.String).cast(named)).write_parquet(tmp_path / "named.parquet")
    text, categorical, other = (read_domain(tmp_path / f"{name}.parquet", "TR", columns=columns)
                                for name in ("text", "categorical", "named"))
    assert text.equals(categorical)
    assert text.equals(other)
    assert text["TREVAL"].null_count() == 11  # the empty value is null, as in a CSV
    if columns is None:
        assert text.equals(frame.with_columns(pl.Series("TREVAL", ["INVESTIGATOR",
                                                                   *[None] * 11])))
    else:
        assert all(t == pl.Categorical for c, t in text.schema.items()
                   if frame.schema[c] == pl.String)


def test_cohort_path_normalises_code_columns(tmp_path: Path) -> None:
    frame = TR.with_columns(pl.col("TRTESTCD").str.to_lowercase(), TRSTAT=pl.lit(" not done "))
    path = _csv(tmp_path, "tr.csv", frame)
    full = read_domain(path)
    assert full["TRTESTCD"][0] == "ldiam"  # as written
    assert full["TRORRESU"][0] == "mm"
    used = read_domain(path, "TR", columns=USED_COLUMNS["TR"])
    assert used["TRTESTCD"][0] == "LDIAM"  # as the checks and the cohort tables read it
    assert used["TRORRESU"].cast(pl.String).to_list() == ["MM"] * 10 + ["CM"] * 2
    assert used["TRSTAT"][0] == "NOT DONE"
    assert used["USUBJID"][0] == "P1"


def test_duplicate_key_of_widely_spread_categories() -> None:
    # Categorical ids come from one global set of categories, so a column's ids can be far
    # apart: here each key column holds one value cast before 2^17 others and one after, too
    # wide to pack as ids (4 x 18 bits); the packed key then codes them by rank.
    fresh = uuid.uuid4().hex
    early = pl.Series(["P1", "T01", "TUMSTATE", "2024-01-05"], dtype=pl.Categorical)
    pl.Series([f"filler {fresh} {i}" for i in range(1 << 17)], dtype=pl.Categorical)
    late = [f"P {fresh}", f"T {fresh}", f"X{fresh}", f"2024-01-06T{fresh}"]
    rows = [[early[k] if (i >> k) & 1 else late[k] for k in range(4)] for i in range(16)]
    frame = pl.DataFrame(rows, orient="row", schema=["USUBJID", "TRLNKID", "TRTESTCD", "TRDTC"])
    frame = frame.with_columns(pl.all().cast(pl.Categorical), TRSTRESC=pl.lit("PRESENT"))
    check_domain(frame, "TR", "wide")  # 16 distinct keys
    with pytest.raises(CohortInputError, match=r"row 17, column TRDTC: duplicate record: .* as "
                       r"row 6"):
        check_domain(pl.concat([frame, frame[5:6]]), "TR", "wide")


def test_xpt_round_trip(tmp_path: Path) -> None:
    frame = TR.with_columns(pl.Series("TRSEQ", range(1, 13)))
    path = tmp_path / "tr.xpt"
    pyreadstat.write_xport(frame, str(path), table_name="TR", file_format_version=5)
    assert read_domain(path).equals(frame)
    adsl = subjects_table(ADSL)
    pyreadstat.write_xport(adsl, str(tmp_path / "adsl.xpt"), table_name="ADSL",
                           file_format_version=5)
    assert read_subjects(tmp_path / "adsl.xpt").equals(adsl)


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_dataset_json_round_trip_and_structure(tmp_path: Path, suffix: str) -> None:
    adsl = subjects_table(ADSL).with_columns(
        pl.Series("WEIGHT", [70.5, None]), pl.Series("FLAG", [True, None]),
        pl.Series("STAMP", [dt.datetime(2024, 1, 1, 8, 30), None]))
    path = write_dataset_json(adsl, tmp_path / f"adsl{suffix}", "ADSL", label="Subjects",
                              labels={"USUBJID": "Unique Subject Identifier"})
    back, meta = read_dataset_json_with_metadata(path)
    assert back.equals(adsl)
    assert read_subjects(path).equals(adsl)
    lines = path.read_text().splitlines()
    top = json.loads(lines[0]) if suffix == ".ndjson" else json.loads(path.read_text())
    required = {"datasetJSONCreationDateTime": str, "datasetJSONVersion": str,
                "itemGroupOID": str, "records": int, "name": str, "label": str, "columns": list}
    for key, kind in required.items():
        assert isinstance(top[key], kind), key
    assert top["datasetJSONVersion"] == "1.1.0"
    assert top["records"] == 2
    dt.datetime.fromisoformat(top["datasetJSONCreationDateTime"])
    columns = {c["name"]: c for c in top["columns"]}
    for column in top["columns"]:
        assert {"itemOID", "name", "label", "dataType"} <= set(column)
        assert column["dataType"] in {"string", "integer", "decimal", "float", "double",
                                      "boolean", "datetime", "date", "time", "URI"}
    assert columns["RANDDT"]["dataType"] == "date"
    assert columns["RANDDT"]["targetDataType"] == "integer"
    assert columns["AGE"]["dataType"] == "integer"
    assert columns["WEIGHT"]["dataType"] == "double"
    assert columns["USUBJID"]["label"] == "Unique Subject Identifier"
    rows = [json.loads(line) for line in lines[1:]] if suffix == ".ndjson" else top["rows"]
    assert len(rows) == 2
    assert all(len(r) == len(top["columns"]) for r in rows)
    assert rows[0][list(columns).index("RANDDT")] == "2024-01-10"
    assert rows[0][list(columns).index("DTHDT")] is None
    assert "rows" not in meta


def test_dataset_json_sdtm_domain(tmp_path: Path) -> None:
    path = write_dataset_json(TU, tmp_path / "tu.json", "TU")
    assert read_domain(path).equals(TU)
    assert read_dataset_json(path).equals(TU)


# --- bad input: one clear error naming file, row and column -------------------------------------


def _error(path: Path) -> CohortInputError:
    with pytest.raises(CohortInputError) as caught:
        read_domain(path)
    error = caught.value
    assert isinstance(error, CaseError)
    assert len(error.problems) == 1
    assert str(path) in str(error)
    domain = path.stem.upper()
    if domain in USED_COLUMNS and path.stat().st_size:
        # The cohort path (used columns only, text as categoricals) finds the same problem.
        with pytest.raises(CohortInputError) as again:
            read_domain(path, domain, columns=USED_COLUMNS[domain])
        assert (again.value.row, again.value.column) == (error.row, error.column)
        assert again.value.message.split(";")[0] == error.message.split(";")[0]
    return error


def test_missing_required_column(tmp_path: Path) -> None:
    error = _error(_csv(tmp_path, "tr.csv", TR.drop("TRDTC")))
    assert error.column == "TRDTC"
    assert error.row is None
    assert "required column TRDTC is missing" in str(error)


def test_missing_result_columns(tmp_path: Path) -> None:
    error = _error(_csv(tmp_path, "tr.csv", TR.drop("TRORRES", "TRSTRESC", "TRSTRESN")))
    assert "one of TRSTRESC, TRSTRESN, TRORRES" in str(error)


def test_unknown_response_code(tmp_path: Path) -> None:
    bad = RS.with_columns(pl.Series("RSSTRESC", ["PR", "NE", "PROGRESSION", "CR", "SD"]))
    error = _error(_csv(tmp_path, "rs.csv", bad))
    assert (error.row, error.column) == (3, "RSSTRESC")
    assert error.problems[0].location == (str(tmp_path / "rs.csv"), 3, "RSSTRESC")
    assert "row 3 (line 4), column RSSTRESC" in str(error)
    assert "'PROGRESSION'" in str(error)
    assert "unknown response code" in str(error)


def test_unknown_tumour_state(tmp_path: Path) -> None:
    bad = TR.with_columns(pl.when(pl.col("TRSTRESC") == "ABSENT").then(pl.lit("GONE"))
                          .otherwise(pl.col("TRSTRESC")).alias("TRSTRESC"))
    error = _error(_csv(tmp_path, "tr.csv", bad))
    assert (error.row, error.column) == (8, "TRSTRESC")
    assert "GONE" in str(error)


def test_unknown_lesion_role(tmp_path: Path) -> None:
    bad = TU.with_columns(pl.Series("TUSTRESC", ["TARGET", "TARGETS", "NON-TARGET", "NEW",
                                                 "TARGET"]))
    error = _error(_csv(tmp_path, "tu.csv", bad))
    assert (error.row, error.column) == (2, "TUSTRESC")


def test_duplicate_record(tmp_path: Path) -> None:
    bad = pl.concat([TR, TR[3:4]])
    error = _error(_csv(tmp_path, "tr.csv", bad))
    assert (error.row, error.column) == (13, "TRDTC")
    assert "duplicate record" in str(error)
    assert "as row 4" in str(error)


def test_duplicate_subject(tmp_path: Path) -> None:
    with pytest.raises(CohortInputError, match=r"row 3 \(line 4\), column USUBJID: duplicate"):
        read_subjects(_csv(tmp_path, "adsl.csv", pl.concat([ADSL, ADSL[0:1]])))


def test_unparseable_date(tmp_path: Path) -> None:
    bad = TR.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("2024-13-01"))
                          .otherwise(pl.col("TRDTC")).alias("TRDTC"))
    error = _error(_csv(tmp_path, "tr.csv", bad))
    assert (error.row, error.column) == (6, "TRDTC")
    assert "2024-13-01" in str(error)


def test_unparseable_subject_date(tmp_path: Path) -> None:
    bad = ADSL.with_columns(pl.Series("LSTALVDT", ["2024-12-01", "01/09/2024"]))
    with pytest.raises(CohortInputError) as caught:
        read_subjects(_csv(tmp_path, "adsl.csv", bad))
    assert (caught.value.row, caught.value.column) == (2, "LSTALVDT")
    assert "expected a complete date YYYY-MM-DD" in str(caught.value)


def test_wrong_type_number(tmp_path: Path) -> None:
    bad = TR.with_columns(pl.col("TRSTRESN").cast(pl.String).fill_null("")
                          .replace({"30.0": "thirty"}))
    error = _error(_csv(tmp_path, "tr.csv", bad))
    assert (error.row, error.column) == (6, "TRSTRESN")
    assert "expected a number" in str(error)


def test_wrong_type_diameter_text(tmp_path: Path) -> None:
    bad = TR.drop("TRSTRESN").with_columns(
        pl.col("TRSTRESC").replace({"9": "small"}), pl.col("TRORRES").replace({"9": "small"}))
    error = _error(_csv(tmp_path, "tr.csv", bad))
    assert (error.row, error.column) == (7, "TRSTRESC")
    assert "expected a diameter" in str(error)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "tr.csv"
    path.write_text("")
    assert "empty" in str(_error(path))


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "tr.csv"
    path.write_text(",".join(TR.columns) + "\n")
    assert "no records" in str(_error(path))


def test_missing_required_value(tmp_path: Path) -> None:
    bad = TU.with_columns(pl.Series("TULNKID", ["T01", None, "NT01", "NEW01", "T01"]))
    error = _error(_csv(tmp_path, "tu.csv", bad))
    assert (error.row, error.column) == (2, "TULNKID")
    assert "required" in str(error)


def test_lesion_not_in_tu() -> None:
    bad = TR.with_columns(pl.col("TRLNKID").replace({"NEW01": "NEW02"}))
    with pytest.raises(CohortInputError) as caught:
        measurements_table(TU, bad)
    assert (caught.value.row, caught.value.column) == (10, "TRLNKID")
    assert "not identified in TU" in str(caught.value)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CohortInputError, match="unknown file type"):
        read_domain(tmp_path / "tr.sas7bdat")
    with pytest.raises(CohortInputError, match="file not found"):
        read_domain(tmp_path / "tr.csv")


def test_not_an_xpt(tmp_path: Path) -> None:
    path = tmp_path / "tr.xpt"
    path.write_text("hello")
    assert "SAS transport" in str(_error(path))


def _dataset_json(tmp_path: Path, edit: object) -> Path:
    path = write_dataset_json(RS, tmp_path / "rs.json", "RS")
    data = json.loads(path.read_text())
    assert callable(edit)
    edit(data)
    path.write_text(json.dumps(data))
    return path


def test_dataset_json_missing_key(tmp_path: Path) -> None:
    path = _dataset_json(tmp_path, lambda d: d.pop("columns"))
    assert "required key 'columns' is missing" in str(_error(path))


def test_dataset_json_wrong_value_type(tmp_path: Path) -> None:
    def edit(data: dict[str, list[list[object]]]) -> None:
        data["rows"][1][0] = 12

    error = _error(_dataset_json(tmp_path, edit))
    assert (error.row, error.column) == (2, "USUBJID")
    assert "expected a string" in str(error)


def test_dataset_json_row_length_and_records(tmp_path: Path) -> None:
    def short_row(data: dict[str, list[list[object]]]) -> None:
        data["rows"][2] = data["rows"][2][:-1]

    error = _error(_dataset_json(tmp_path, short_row))
    assert error.row == 3
    assert "expected an array of 5 values" in str(error)

    def wrong_count(data: dict[str, object]) -> None:
        data["records"] = 9

    assert "'records' says 9" in str(_error(_dataset_json(tmp_path, wrong_count)))


def test_dataset_json_not_json(tmp_path: Path) -> None:
    path = tmp_path / "rs.json"
    path.write_text('{"datasetJSONVersion": ')
    assert "not valid JSON" in str(_error(path))


def test_nothing_written_on_error(tmp_path: Path) -> None:
    bad = RS.with_columns(pl.Series("SCORE", [1.0, float("nan"), None, 2.0, 3.0]))
    with pytest.raises(CohortInputError) as caught:
        write_dataset_json(bad, tmp_path / "rs.json", "RS")
    assert (caught.value.row, caught.value.column) == (2, "SCORE")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("categorical", [False, True])
def test_diameter_checks_agree_with_the_diameter(categorical: bool) -> None:
    # The checks find a missing or negative diameter without computing it (_diameter_checks);
    # they must flag exactly the rows where _diameter is null or negative.
    from oncotrack.interop.sdtm import _diameter, _diameter_checks

    texts = [None, "12", "-3", "TOO SMALL TO MEASURE", "abc", "0", "-0.5", "7.5"]
    rows = [(n, c, o, u) for n in (None, 4.0, -1.0) for c in texts for o in texts
            for u in (None, "MM", "CM")]
    frame = pl.DataFrame(rows, orient="row", schema={
        "TRSTRESN": pl.Float64, "TRSTRESC": pl.String, "TRORRES": pl.String,
        "TRSTRESU": pl.String})
    if categorical:
        frame = frame.with_columns(pl.col(pl.String).cast(pl.Categorical))
    for columns in (frame.columns, ["TRSTRESC", "TRORRES"], ["TRORRES", "TRSTRESU"]):
        part = frame.select(columns)
        missing, negative = _diameter_checks(part)
        got = part.select(missing=missing.fill_null(False), negative=negative.fill_null(False))
        diameter = _diameter(part)
        expected = part.select(missing=diameter.is_null(),
                               negative=(diameter < 0).fill_null(False))
        assert got.equals(expected), columns


def test_code_columns_normalised_alike_as_text_or_categorical() -> None:
    from oncotrack.interop.sdtm import _normalised

    values = ["mm", "MM", " cm", "Cm", None, "x ", "target", " new "]
    values += [f"value {i} " for i in range(12)]  # more than a few changed: by look-up
    for count in (3, len(values)):
        frame = pl.DataFrame({"TRORRESU": values[:count] * 3,
                              "VISIT": list(reversed(values[:count])) * 3,
                              "USUBJID": ["p1"] * 3 * count})
        text = _normalised(frame)
        assert text["TRORRESU"][0] == "MM"
        assert text["USUBJID"][0] == "p1"  # not a code column
        assert _normalised(frame.with_columns(pl.all().cast(pl.Categorical))).equals(
            text.with_columns(pl.all().cast(pl.Categorical)))
