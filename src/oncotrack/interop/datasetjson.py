"""CDISC Dataset-JSON v1.1 (``.json``, and the NDJSON variant ``.ndjson``) to and from polars.

Written with the standard library only (the format is simple; the one full Python library found
is AGPL). The structure (spec ``doc/dataset-json1-1.md`` of cdisc-org/DataExchange-DatasetJson):

* a top-level object with ``datasetJSONCreationDateTime``, ``datasetJSONVersion`` (``1.1.x``),
  ``itemGroupOID``, ``records``, ``name``, ``label`` and ``columns`` (all required), optional
  ``fileOID``, ``originator``, ``sourceSystem``, ``studyOID``, ``metaDataVersionOID``, ``rows``;
* ``columns``: ``itemOID``, ``name``, ``label``, ``dataType`` (``string``, ``integer``,
  ``decimal``, ``float``, ``double``, ``boolean``, ``datetime``, ``date``, ``time``, ``URI``),
  optional ``targetDataType`` (``integer`` or ``decimal``), ``length``, ``displayFormat``,
  ``keySequence``;
* ``rows``: arrays in column order, ``null`` for missing.
* NDJSON: line 1 is the top-level object without ``rows``; every further line is one row array.

polars ↔ Dataset-JSON types: String ↔ ``string`` (``URI`` read as String), Int* ↔ ``integer``,
Float* ↔ ``double`` (``float`` read as Float64; ``decimal``, numbers or strings, read as Float64),
Boolean ↔ ``boolean``, Date ↔ ``date`` (ISO 8601; with ``targetDataType: integer`` and
``displayFormat: E8601DA.`` when written as ADaM numeric dates, the default), Datetime ↔
``datetime``, Time ↔ ``time``.

Reading checks the structure and every value's type; a problem raises :class:`CohortInputError`
naming the file, the row (records count from 1) and the column. Writing checks everything first
and writes to a temporary file that replaces the target only when complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from oncotrack.model.problems import CohortInputError

VERSION = "1.1.0"

DATA_TYPES = ("string", "integer", "decimal", "float", "double", "boolean", "datetime", "date",
              "time", "URI")
_REQUIRED_TOP = {
    "datasetJSONCreationDateTime": str,
    "datasetJSONVersion": str,
    "itemGroupOID": str,
    "records": int,
    "name": str,
    "label": str,
    "columns": list,
}
_OPTIONAL_TOP = {
    "fileOID": str, "dbLastModifiedDateTime": str, "originator": str, "sourceSystem": dict,
    "studyOID": str, "metaDataVersionOID": str, "metaDataRef": str, "rows": list,
}
_REQUIRED_COLUMN = {"itemOID": str, "name": str, "label": str, "dataType": str}
_OPTIONAL_COLUMN = {"targetDataType": str, "length": int, "displayFormat": str,
                    "keySequence": int}


# --- reading ------------------------------------------------------------------------------------


def read_dataset_json(path: str | Path) -> pl.DataFrame:
    """Read a Dataset-JSON v1.1 file (``.json`` or ``.ndjson``) into a typed DataFrame."""
    return read_dataset_json_with_metadata(path)[0]


def read_dataset_json_with_metadata(path: str | Path) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The data and the top-level metadata (everything but ``rows``, columns included)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CohortInputError(source, "file not found") from None
    except UnicodeDecodeError:
        raise CohortInputError(source, "not UTF-8 text; Dataset-JSON must be UTF-8") from None
    if not text.strip():
        raise CohortInputError(source, "the file is empty; expected a Dataset-JSON object")
    if path.suffix.lower() == ".ndjson":
        meta, rows, first_line = _parse_ndjson(text, source)
    else:
        meta = _loads(text, source, line_offset=0)
        if not isinstance(meta, dict):
            raise CohortInputError(source, "expected a JSON object at the top level "
                                   f"(Dataset-JSON), got {_kind(meta)}")
        rows_value = meta.pop("rows", [])
        if not isinstance(rows_value, list):
            raise CohortInputError(source, f"'rows' must be an array, got {_kind(rows_value)}")
        rows, first_line = rows_value, None
    columns = _check_metadata(meta, source, has_rows_key=True)
    if meta["records"] != len(rows):
        raise CohortInputError(source, f"'records' says {meta['records']} but there are "
                               f"{len(rows)} rows")
    frame = _to_frame(columns, rows, source, first_line)
    return frame, meta


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "an integer", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _loads(text: str, source: str, line_offset: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        line = error.lineno + line_offset
        raise CohortInputError(source, f"not valid JSON: {error.msg} (line {line}, column "
                               f"{error.colno})") from None


def _parse_ndjson(text: str, source: str) -> tuple[dict[str, Any], list[Any], int]:
    lines = text.splitlines()
    meta = _loads(lines[0], source, 0)
    if not isinstance(meta, dict):
        raise CohortInputError(source, "line 1 of an NDJSON Dataset-JSON file must be the "
                               f"metadata object, got {_kind(meta)}")
    if "rows" in meta:
        raise CohortInputError(source, "line 1 (metadata) must not hold 'rows' in NDJSON; "
                               "each row goes on its own line")
    rows: list[Any] = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            rows.append(_loads(line, source, number - 1))
    return meta, rows, 2


def _check_metadata(meta: dict[str, Any], source: str, has_rows_key: bool) -> list[dict[str, Any]]:
    for key, kind in _REQUIRED_TOP.items():
        if key not in meta:
            raise CohortInputError(source, f"required key {key!r} is missing from the "
                                   "Dataset-JSON top-level object")
        _check_type(meta[key], kind, source, key)
    for key, kind in _OPTIONAL_TOP.items():
        if key in meta and not (key == "rows" and has_rows_key):
            _check_type(meta[key], kind, source, key)
    if not str(meta["datasetJSONVersion"]).startswith("1.1"):
        raise CohortInputError(source, f"datasetJSONVersion {meta['datasetJSONVersion']!r} is "
                               "not supported; expected 1.1.x")
    columns = meta["columns"]
    if not columns:
        raise CohortInputError(source, "'columns' is empty; expected at least one column")
    seen: set[str] = set()
    for index, column in enumerate(columns, start=1):
        where = f"columns[{index}]"
        if not isinstance(column, dict):
            raise CohortInputError(source, f"{where} must be an object, got {_kind(column)}")
        for key, kind in _REQUIRED_COLUMN.items():
            if key not in column:
                raise CohortInputError(source, f"{where}: required key {key!r} is missing")
            _check_type(column[key], kind, source, f"{where}.{key}")
        for key, kind in _OPTIONAL_COLUMN.items():
            if key in column:
                _check_type(column[key], kind, source, f"{where}.{key}")
        if column["dataType"] not in DATA_TYPES:
            raise CohortInputError(source, f"{where}.dataType {column['dataType']!r} is not "
                                   f"one of {', '.join(DATA_TYPES)}", column=column["name"])
        target = column.get("targetDataType")
        if target is not None and target not in ("integer", "decimal"):
            raise CohortInputError(source, f"{where}.targetDataType {target!r} must be "
                                   "'integer' or 'decimal'", column=column["name"])
        if column["name"] in seen:
            raise CohortInputError(source, f"{where}: column name {column['name']!r} appears "
                                   "twice", column=column["name"])
        seen.add(column["name"])
    return list(columns)


def _check_type(value: Any, kind: type, source: str, key: str) -> None:
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        expected = {str: "a string", int: "an integer", list: "an array", dict: "an object"}
        raise CohortInputError(source, f"{key!r} must be {expected[kind]}, got {_kind(value)}")


_NUMBER = (int, float)

_ALLOWED: dict[str, tuple[type, ...]] = {
    "string": (str,), "URI": (str,), "integer": (int,), "float": _NUMBER, "double": _NUMBER,
    "decimal": (*_NUMBER, str), "boolean": (bool,), "date": (str,), "datetime": (str,),
    "time": (str,),
}
_EXPECTED_WORDS = {
    "string": "a string", "URI": "a string (URI)", "integer": "an integer",
    "float": "a number", "double": "a number", "decimal": "a number or a decimal string",
    "boolean": "true or false", "date": "an ISO 8601 date string (YYYY-MM-DD)",
    "datetime": "an ISO 8601 datetime string (YYYY-MM-DDThh:mm:ss)",
    "time": "an ISO 8601 time string (hh:mm:ss)",
}


def _to_frame(columns: list[dict[str, Any]], rows: list[Any], source: str,
              first_line: int | None) -> pl.DataFrame:
    width = len(columns)

    def line_of(row_index: int) -> int | None:
        return None if first_line is None else first_line + row_index

    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            got = f"{len(row)} values" if isinstance(row, list) else _kind(row)
            raise CohortInputError(source, f"expected an array of {width} values (one per "
                                   f"column), got {got}", row=index + 1, line=line_of(index))
    series: list[pl.Series] = []
    values_by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    for column, values in zip(columns, values_by_column, strict=True):
        name, kind = column["name"], column["dataType"]
        allowed = _ALLOWED[kind]
        for index, value in enumerate(values):
            bad_bool = isinstance(value, bool) and bool not in allowed
            if value is not None and (bad_bool or not isinstance(value, allowed)):
                raise CohortInputError(
                    source, f"expected {_EXPECTED_WORDS[kind]} or null, got "
                    f"{json.dumps(value)}", row=index + 1, column=name, line=line_of(index))
        series.append(_column_series(name, kind, list(values), source, line_of))
    return pl.DataFrame(series)


def _column_series(name: str, kind: str, values: list[Any], source: str,
                   line_of: Any) -> pl.Series:
    if kind in ("string", "URI"):
        return pl.Series(name, values, dtype=pl.String)
    if kind == "integer":
        return pl.Series(name, values, dtype=pl.Int64)
    if kind == "boolean":
        return pl.Series(name, values, dtype=pl.Boolean)
    if kind in ("float", "double"):
        return pl.Series(name, [None if v is None else float(v) for v in values],
                         dtype=pl.Float64)
    text = pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)
    if kind == "decimal":
        parsed = text.cast(pl.Float64, strict=False)
    elif kind == "date":
        parsed = text.str.to_date("%Y-%m-%d", strict=False)
    elif kind == "datetime":
        parsed = text.str.to_datetime(strict=False, time_unit="us")
    else:
        parsed = text.str.to_time("%H:%M:%S%.f", strict=False)
    failed = (parsed.is_null() & text.is_not_null()).arg_true()
    if len(failed):
        index = int(failed[0])
        raise CohortInputError(source, f"expected {_EXPECTED_WORDS[kind]}, got "
                               f"{json.dumps(values[index])}", row=index + 1, column=name,
                               line=line_of(index))
    return parsed


# --- writing ------------------------------------------------------------------------------------


def _data_type(dtype: pl.DataType) -> str:
    if dtype == pl.String or dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        return "string"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "double"
    if dtype.is_decimal():
        return "decimal"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Time:
        return "time"
    raise TypeError(f"polars type {dtype} has no Dataset-JSON dataType")


def dataset_metadata(df: pl.DataFrame, name: str, *, label: str = "",
                     labels: Mapping[str, str] | None = None, study_oid: str | None = None,
                     numeric_dates: bool = True,
                     created: dt.datetime | None = None) -> dict[str, Any]:
    """The Dataset-JSON top-level object for ``df`` (without ``rows``)."""
    labels = labels or {}
    columns: list[dict[str, Any]] = []
    for column, dtype in df.schema.items():
        kind = _data_type(dtype)
        entry: dict[str, Any] = {"itemOID": f"IT.{name}.{column}", "name": column,
                                 "label": labels.get(column, column), "dataType": kind}
        if kind == "date" and numeric_dates:
            entry["targetDataType"] = "integer"
            entry["displayFormat"] = "E8601DA."
        if kind == "decimal":
            entry["targetDataType"] = "decimal"
        if kind == "string":
            longest = df.get_column(column).cast(pl.String).str.len_bytes().max()
            entry["length"] = max(1, int(longest)) if isinstance(longest, int) else 1
        columns.append(entry)
    created = created or dt.datetime.now().replace(microsecond=0)
    meta: dict[str, Any] = {
        "datasetJSONCreationDateTime": created.isoformat(),
        "datasetJSONVersion": VERSION,
        "fileOID": f"oncotrack.{name}",
        "originator": "oncotrack",
        "sourceSystem": {"name": "oncotrack", "version": _version()},
    }
    if study_oid is not None:
        meta["studyOID"] = study_oid
    meta.update({"itemGroupOID": f"IG.{name}", "records": df.height, "name": name,
                 "label": label or name, "columns": columns})
    return meta


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("oncotrack")
    except Exception:  # pragma: no cover - not installed
        return "0"


def _json_ready(df: pl.DataFrame) -> pl.DataFrame:
    """Columns as JSON values: dates and times as ISO strings, decimals as strings."""
    exprs: list[pl.Expr] = []
    for column, dtype in df.schema.items():
        col = pl.col(column)
        if dtype == pl.Date:
            exprs.append(col.dt.to_string("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f"))
        elif dtype == pl.Time:
            exprs.append(col.dt.to_string("%H:%M:%S%.f"))
        elif dtype.is_decimal() or dtype == pl.Categorical or isinstance(dtype, pl.Enum):
            exprs.append(col.cast(pl.String))
        else:
            exprs.append(col)
    return df.select(exprs)


def _check_writable(df: pl.DataFrame, path: str) -> None:
    for column, dtype in df.schema.items():
        _data_type(dtype)
        if dtype.is_float():
            nan = df.get_column(column).is_nan().arg_true()
            if len(nan):
                raise CohortInputError(path, "NaN cannot be written to Dataset-JSON; use null "
                                       "for a missing value", row=int(nan[0]) + 1, column=column)


def _row_lines(df: pl.DataFrame) -> Iterator[str]:
    ready = _json_ready(df)
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False,
                             separators=(",", ":")).encode
    for start in range(0, ready.height, 100_000):
        for row in ready.slice(start, 100_000).iter_rows():
            yield dumps(list(row))


def write_dataset_json(df: pl.DataFrame, path: str | Path, name: str, *, label: str = "",
                       labels: Mapping[str, str] | None = None, study_oid: str | None = None,
                       numeric_dates: bool = True, ndjson: bool | None = None) -> Path:
    """Write ``df`` as Dataset-JSON v1.1 (NDJSON when ``ndjson`` or the path ends ``.ndjson``).

    ``name`` is the dataset name (``TR``, ``ADSL``); ``labels`` maps column names to labels.
    The file appears complete or not at all.
    """
    path = Path(path)
    _check_writable(df, str(path))
    meta = dataset_metadata(df, name, label=label, labels=labels, study_oid=study_oid,
                            numeric_dates=numeric_dates)
    as_ndjson = path.suffix.lower() == ".ndjson" if ndjson is None else ndjson
    _atomic_write(path, _ndjson_chunks(meta, df) if as_ndjson else _json_chunks(meta, df))
    return path


def _json_chunks(meta: dict[str, Any], df: pl.DataFrame) -> Iterator[str]:
    head = json.dumps(meta, ensure_ascii=False, indent=None)
    yield head[:-1] + ',"rows":['
    first = True
    for line in _row_lines(df):
        yield ("\n" if first else ",\n") + line
        first = False
    yield "\n]}\n"


def _ndjson_chunks(meta: dict[str, Any], df: pl.DataFrame) -> Iterator[str]:
    yield json.dumps(meta, ensure_ascii=False) + "\n"
    for line in _row_lines(df):
        yield line + "\n"


def _atomic_write(path: Path, chunks: Iterator[str] | Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            buffer: list[str] = []
            for chunk in chunks:
                buffer.append(chunk)
                if len(buffer) >= 10_000:
                    out.write("".join(buffer))
                    buffer.clear()
            out.write("".join(buffer))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
