"""ADaM ADRS and ADTTE on disk: CSV, Parquet, SAS XPT (version 5) and CDISC Dataset-JSON v1.1.

:func:`write_adam` writes ``adrs.<ext>`` and ``adtte.<ext>`` for each requested format;
:func:`read_adam` reads any of those files back into a polars frame.

Types on disk and back:

* strings, dates, integers and floats survive every format. Integer columns come back as
  ``Int64`` and floating columns as ``Float64`` whatever their width was;
* Parquet keeps the frame exactly;
* CSV carries no types: the standard ADaM variables (:data:`COLUMN_TYPES`) are read with their
  ADaM types (``USUBJID`` "001" stays a string, ``*DT`` are dates, ``CNSR`` an integer), other
  columns are inferred. A null string is written as an empty field, an empty string as ``""``;
* XPT (SAS transport version 5, as FDA requires): names of at most 8 characters, labels of at
  most 40, strings of at most 200 bytes. Dates are SAS dates with the ``E8601DA.`` format,
  integers carry the format ``8.`` so that they are read back as integers. SAS has no missing
  string distinct from blank: an empty string comes back as null. pyreadstat writes the
  headers; the records are converted with numpy into the same bytes (pyreadstat writes them
  itself when a value is outside that conversion's reach, e.g. non-ASCII text);
* Dataset-JSON v1.1 (https://github.com/cdisc-org/DataExchange-DatasetJson,
  ``doc/dataset-json1-1.md``): dates are ISO 8601 strings with ``dataType "date"`` and
  ``targetDataType "integer"`` (a SAS numeric date, as in the CDISC ADaM examples), integers
  ``"integer"``, floats ``"double"``, strings ``"string"`` with their ``length``. The file is
  the text ``json.dumps`` gives, the rows formatted by polars (Python formats the values
  polars would write differently).

``interop/datasetjson.py`` did not exist when this module was written, so the Dataset-JSON writer
and reader here are small private ones, limited to the types above (the files validate against
the official v1.1 JSON schema).

Writing is atomic: every file is first written into a temporary folder beside ``out_dir`` and
only moved into ``out_dir`` once all of them are complete, so an error leaves ``out_dir`` as it
was.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
import pyreadstat

Format = Literal["csv", "parquet", "xpt", "json"]
FORMATS: tuple[Format, ...] = ("csv", "parquet", "xpt", "json")
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv", ".parquet": "parquet", ".xpt": "xpt", ".json": "json",
}

DATASET_LABELS = {
    "ADRS": "Response Analysis Dataset",
    "ADTTE": "Time-to-Event Analysis Dataset",
}

VARIABLE_LABELS: dict[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Identifier for the Study",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "PARCAT1": "Parameter Category 1",
    "PARCAT2": "Parameter Category 2",
    "PARCAT3": "Parameter Category 3",
    "AVALC": "Analysis Value (C)",
    "AVAL": "Analysis Value",
    "ADT": "Analysis Date",
    "ADTF": "Analysis Date Imputation Flag",
    "AVISIT": "Analysis Visit",
    "AVISITN": "Analysis Visit (N)",
    "ANL01FL": "Analysis Flag 01",
    "STARTDT": "Time-to-Event Origin Date for Subject",
    "CNSR": "Censor",
    "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description",
    "SRCDOM": "Source Data",
    "SRCVAR": "Source Variable",
    "SRCSEQ": "Source Sequence Number",
    "RANDDT": "Date of Randomization",
    "TRTSDT": "Date of First Exposure to Treatment",
    "TRTEDT": "Date of Last Exposure to Treatment",
    "DTHDT": "Date of Death",
    "LSTALVDT": "Date Last Known Alive",
    "ARM": "Description of Planned Arm",
    "ARMCD": "Planned Arm Code",
    "TRT01P": "Planned Treatment for Period 01",
    "TRT01A": "Actual Treatment for Period 01",
    "RSSEQ": "Sequence Number",
    "RSEVAL": "Evaluator",
    "BASE": "Baseline Value",
    "CHG": "Change from Baseline",
    "PCHG": "Percent Change from Baseline",
    "NADIR": "Nadir Value",
    "PCHGNAD": "Percent Change from Nadir",
}
"""ADaM IG labels of the variables ADRS and ADTTE usually carry (unknown columns get none)."""

COLUMN_TYPES: dict[str, type[pl.DataType]] = {
    **dict.fromkeys(("STUDYID", "USUBJID", "SUBJID", "PARAMCD", "PARAM", "PARCAT1", "PARCAT2",
                     "PARCAT3", "AVALC", "ADTF", "AVISIT", "ANL01FL", "EVNTDESC", "CNSDTDSC",
                     "SRCDOM", "SRCVAR", "ARM", "ARMCD", "TRT01P", "TRT01A", "RSEVAL"),
                    pl.String),
    **dict.fromkeys(("ADT", "STARTDT", "RANDDT", "TRTSDT", "TRTEDT", "DTHDT", "LSTALVDT"),
                    pl.Date),
    **dict.fromkeys(("CNSR", "SRCSEQ", "RSSEQ", "AVISITN"), pl.Int64),
}
"""Types of the standard variables, used to read CSV (which carries none)."""

XPT_MAX_NAME, XPT_MAX_LABEL, XPT_MAX_STRING = 8, 40, 200
_XPT_DATE_FORMAT = "E8601DA."
_XPT_INT_FORMAT = "8."
DATASET_JSON_VERSION = "1.1.0"


class AdamFormatError(ValueError):
    """A frame that a format cannot hold (a long XPT name, an unsupported column type…)."""


# --- writing -------------------------------------------------------------------------------------


def write_adam(
    adrs: pl.DataFrame,
    adtte: pl.DataFrame,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = FORMATS,
    *,
    labels: Mapping[str, str] | None = None,
    created: dt.datetime | None = None,
    study_oid: str | None = None,
    adtr: pl.DataFrame | None = None,
    extra: Mapping[str, pl.DataFrame] | None = None,
) -> list[Path]:
    """Write ``adrs.<ext>`` and ``adtte.<ext>`` (and ``adtr.<ext>`` when ``adtr`` is given) into
    ``out_dir`` for each of ``formats`` (``csv``, ``parquet``, ``xpt``, ``json``) and return the
    files written, in that order. ``extra`` maps more CSV file names to frames written
    alongside, in the same atomic step (e.g. a listing of disagreements).

    ``labels`` adds or overrides variable labels (XPT and Dataset-JSON carry them). ``created``
    is Dataset-JSON's ``datasetJSONCreationDateTime`` (default: now, to the second; pass a fixed
    value for byte-identical files). Raises :class:`AdamFormatError` before anything is moved
    into ``out_dir`` if a frame does not fit a format.
    """
    wanted = _formats(formats)
    variable_labels = {**VARIABLE_LABELS, **(labels or {})}
    frames = {"ADRS": _normalise(adrs, "ADRS"), "ADTTE": _normalise(adtte, "ADTTE")}
    if adtr is not None:
        frames["ADTR"] = _normalise(adtr, "ADTR")
    when = (created or dt.datetime.now()).replace(microsecond=0)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        jobs = [(fmt, name) for fmt in wanted for name in frames]
        names = [f"{name.lower()}.{fmt}" for fmt, name in jobs]
        # Two files at a time: a writer alternates between formatting (often on one core) and
        # output, so a second one keeps both cores busy (1 M patients, CSV + Parquet of ADRS,
        # ADTTE, ADTR: 11.4-13.3 -> 10.1-10.7 s).
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending = [pool.submit(_WRITERS[fmt], frames[name], staging / filename, name,
                                   variable_labels, when, study_oid)
                       for (fmt, name), filename in zip(jobs, names, strict=True)]
            try:
                for job in pending:  # the first failure in file order is the one raised
                    job.result()
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
        for filename, frame in (extra or {}).items():
            frame.write_csv(staging / filename)
            names.append(filename)
        if not out.exists():
            staging.rename(out)  # one atomic step: the folder appears complete
            return [out / n for n in names]
        for n in names:
            os.replace(staging / n, out / n)
        return [out / n for n in names]
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _formats(formats: Iterable[str]) -> list[Format]:
    if isinstance(formats, str):
        formats = (formats,)
    wanted: list[Format] = []
    for fmt in formats:
        key = fmt.lower().lstrip(".")
        if key not in FORMATS:
            raise AdamFormatError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        chosen = _SUFFIXES["." + key]
        if chosen not in wanted:
            wanted.append(chosen)
    return wanted


def _normalise(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Integers to Int64, floats to Float64, all-null columns to String; reject the rest."""
    casts: list[pl.Expr] = []
    for column, dtype in frame.schema.items():
        if dtype.is_integer():
            casts.append(pl.col(column).cast(pl.Int64))
        elif dtype.is_float():
            casts.append(pl.col(column).cast(pl.Float64))
        elif dtype == pl.Null:
            casts.append(pl.col(column).cast(pl.String))
        elif dtype in (pl.String, pl.Date):
            continue
        elif dtype == pl.Categorical or dtype == pl.Enum:
            casts.append(pl.col(column).cast(pl.String))
        else:
            raise AdamFormatError(
                f"{name}.{column} has type {dtype}: ADaM files hold strings, numbers and dates "
                "(write flags as 'Y'/null strings)")
    return frame.with_columns(casts) if casts else frame


def _write_csv(frame: pl.DataFrame, path: Path, *_: Any) -> None:
    frame.write_csv(path, date_format="%Y-%m-%d", quote_style="necessary")


def _write_parquet(frame: pl.DataFrame, path: Path, *_: Any) -> None:
    frame.write_parquet(path, statistics=False)


def _write_xpt(frame: pl.DataFrame, path: Path, name: str, labels: Mapping[str, str],
               _when: dt.datetime, _study: str | None) -> None:
    problems: list[str] = []
    if len(name) > XPT_MAX_NAME:
        problems.append(f"dataset name {name!r} is longer than {XPT_MAX_NAME} characters")
    for column, dtype in frame.schema.items():
        if len(column) > XPT_MAX_NAME:
            problems.append(f"variable name {column!r} is longer than {XPT_MAX_NAME} characters")
        if not column.isascii() or not (column[:1].isalpha() or column[:1] == "_"):
            problems.append(f"variable name {column!r} is not a SAS name")
        label = labels.get(column, "")
        if len(label) > XPT_MAX_LABEL:
            problems.append(f"label of {column} is longer than {XPT_MAX_LABEL} characters")
        if dtype == pl.String:
            longest = frame.get_column(column).str.len_bytes().max()
            if isinstance(longest, int) and longest > XPT_MAX_STRING:
                problems.append(f"{column} has a value of {longest} bytes (XPT v5 holds "
                                f"{XPT_MAX_STRING})")
    file_label = DATASET_LABELS.get(name, name)
    if problems:
        raise AdamFormatError(f"{name} does not fit SAS XPT version 5: " + "; ".join(problems))
    formats = {c: _XPT_DATE_FORMAT for c, t in frame.schema.items() if t == pl.Date}
    formats |= {c: _XPT_INT_FORMAT for c, t in frame.schema.items() if t == pl.Int64}

    def write(part: pl.DataFrame) -> None:
        pyreadstat.write_xport(
            part, str(path), file_label=file_label,
            column_labels={c: labels[c] for c in frame.columns if c in labels},
            table_name=name, file_format_version=5, variable_format=formats or None)

    if not _write_xpt_records(frame, path, write):
        write(frame)


# SAS XPT v5 observations, written with numpy. pyreadstat (readstat) converts and writes every
# value from Python, about 10 µs each: 20 s per million ADRS records. The file's headers still
# come from pyreadstat (a one-record file); the records follow them as readstat lays them out
# (TS-140): values one after the other, numbers as 8-byte IBM floats, strings padded with
# spaces to the longest value's bytes, the last 80-byte line padded with spaces.

_XPT_OBS_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!"
_XPT_LINE = 80
_XPT_CHUNK = 1 << 17
"""Records converted at a time (bounds the memory of the conversion)."""
_SAS_EPOCH_OFFSET = 3653
"""Days from 1960-01-01 (SAS dates) to 1970-01-01."""
_XPT_MISSING = np.frombuffer(b".\0\0\0\0\0\0\0", dtype=">u8")[0]
"""SAS's numeric missing value "." in XPT."""


def _write_xpt_records(frame: pl.DataFrame, path: Path,
                       write: Callable[[pl.DataFrame], None]) -> bool:
    """Write ``frame`` to ``path`` as pyreadstat would, converting the records with numpy;
    False (nothing usable written) when a value is outside what this conversion reproduces
    exactly (non-ASCII or NUL in strings, integers beyond 32 bits, NaN, infinities, -0.0 or
    numbers beyond IBM floats), or when pyreadstat's own record for the first row differs."""
    if frame.height == 0 or not all(
            t in (pl.String, pl.Int64, pl.Float64, pl.Date) for t in frame.schema.values()):
        return False
    # One record holding each string column's longest value: pyreadstat sizes the columns
    # from it, so its headers are the whole file's.
    longest = {c: frame.get_column(c).str.len_bytes().arg_max()
               for c, t in frame.schema.items() if t == pl.String}
    sample = frame.select(
        pl.col(c).gather(longest[c] or 0) if c in longest else pl.col(c).head(1)
        for c in frame.columns)
    write(sample)
    data = path.read_bytes()
    at = data.rfind(_XPT_OBS_HEADER)
    if at < 0 or at % _XPT_LINE:
        return False
    header, tail = data[:at + _XPT_LINE], data[at + _XPT_LINE:]
    widths = [max(int(frame.get_column(c).str.len_bytes().max() or 0), 1)  # type: ignore[arg-type]
              if c in longest else 8 for c in frame.columns]
    own = _xpt_records(sample, widths)
    if own is None or tail != own.tobytes() + _xpt_padding(own.size):
        return False
    with path.open("wb") as out:
        out.write(header)
        size = 0
        for offset in range(0, frame.height, _XPT_CHUNK):
            records = _xpt_records(frame.slice(offset, _XPT_CHUNK), widths)
            if records is None:
                break
            out.write(records.data)
            size += records.size
        else:
            out.write(_xpt_padding(size))
            return True
    return False


def _xpt_padding(size: int) -> bytes:
    return b" " * (-size % _XPT_LINE)


def _xpt_records(frame: pl.DataFrame, widths: list[int]) -> np.ndarray | None:
    """The records of ``frame`` as bytes (one row per record), or None if a value is out of
    this conversion's reach."""
    records = np.empty((frame.height, sum(widths)), dtype=np.uint8)
    start = 0
    for (column, dtype), width in zip(frame.schema.items(), widths, strict=True):
        series = frame.get_column(column)
        field = records[:, start:start + width]
        start += width
        if dtype == pl.String:
            blob = series.fill_null("").str.pad_end(width).str.join("").cast(pl.Binary).item()
            # Padded to ``width`` characters: as many bytes only when every value is ASCII.
            if len(blob) != frame.height * width or b"\0" in blob:
                return None
            field[:] = np.frombuffer(blob, dtype=np.uint8).reshape(frame.height, width)
            continue
        if dtype == pl.Int64:
            values = series.to_numpy()  # float64 with NaN when there are nulls
            low, high = series.min(), series.max()
            if isinstance(low, int) and isinstance(high, int) and not (
                    low >= -(1 << 31) and high < 1 << 31):
                return None  # pyreadstat writes integers as 32-bit ones
        elif dtype == pl.Date:
            values = series.cast(pl.Int32).cast(pl.Float64).to_numpy() + _SAS_EPOCH_OFFSET
        else:
            values = series.to_numpy()
            if np.isnan(values).sum() != series.null_count():
                return None  # NaN values besides the nulls
        ibm = _ibm(np.asarray(values, dtype=np.float64), series.is_null().to_numpy())
        if ibm is None:
            return None
        field[:] = ibm.astype(">u8").view(np.uint8).reshape(frame.height, 8)
    return records


def _ibm(values: np.ndarray, missing: np.ndarray) -> np.ndarray | None:
    """IEEE doubles as IBM System/360 double floats (as 64-bit integers): exact, since the 53
    mantissa bits shifted by at most 3 fit the 56 of IBM's; None for values IBM cannot hold
    or this does not reproduce (subnormals, -0.0, infinities, exponents out of range)."""
    bits = values.view(np.uint64)
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64)
    mantissa = (bits & np.uint64((1 << 52) - 1)) | np.uint64(1 << 52)
    shift = (exponent + 1) & 3
    hexponent = (exponent - 763 - shift) >> 2
    zero = bits == 0
    ordinary = ~missing & ~zero
    if ((exponent == 0) | (exponent == 0x7FF) | (hexponent < 0) | (hexponent > 127))[
            ordinary].any():
        return None
    out: np.ndarray = (bits & np.uint64(1 << 63)) | (hexponent.clip(0, 127).astype(np.uint64)
                                         << np.uint64(56)) \
        | (mantissa << shift.astype(np.uint64))
    out[zero] = 0
    out[missing] = _XPT_MISSING
    return out


def _json_type(dtype: pl.DataType) -> str:
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Int64:
        return "integer"
    if dtype == pl.Float64:
        return "double"
    return "string"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: missing
    return value


def _dataset_json(frame: pl.DataFrame, name: str, labels: Mapping[str, str] | None = None,
                 created: dt.datetime | None = None, study_oid: str | None = None,
                 *, rows: bool = True) -> dict[str, Any]:
    """``frame`` as a Dataset-JSON v1.1 object (a dict ready for :func:`json.dumps`); with
    ``rows=False``, its ``rows`` are left empty (everything else describes ``frame``)."""
    labels = {**VARIABLE_LABELS, **(labels or {})}
    frame = _normalise(frame, name)
    columns: list[dict[str, Any]] = []
    keys = [k for k in ("USUBJID", "PARAMCD") if k in frame.columns]
    for column, dtype in frame.schema.items():
        entry: dict[str, Any] = {"itemOID": f"IT.{name}.{column}", "name": column,
                                 "label": labels.get(column, column),
                                 "dataType": _json_type(dtype)}
        if dtype == pl.Date:
            entry |= {"targetDataType": "integer", "displayFormat": _XPT_DATE_FORMAT}
        elif dtype == pl.String:
            longest = frame.get_column(column).str.len_bytes().max()
            entry["length"] = max(int(longest) if isinstance(longest, int) else 0, 1)
        if column in keys:
            entry["keySequence"] = keys.index(column) + 1
        columns.append(entry)
    when = (created or dt.datetime.now()).replace(microsecond=0)
    document: dict[str, Any] = {
        "datasetJSONCreationDateTime": when.isoformat(),
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "originator": "oncotrack",
        "sourceSystem": {"name": "oncotrack", "version": _version()},
    }
    if study_oid:
        document["studyOID"] = study_oid
    document |= {
        "itemGroupOID": f"IG.{name}",
        "records": frame.height,
        "name": name,
        "label": DATASET_LABELS.get(name, name),
        "columns": columns,
        "rows": [[_json_value(v) for v in row] for row in frame.iter_rows()] if rows else [],
    }
    return document


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oncotrack")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def _write_json(frame: pl.DataFrame, path: Path, name: str, labels: Mapping[str, str],
                when: dt.datetime, study_oid: str | None) -> None:
    """The text :func:`json.dumps` gives for :func:`_dataset_json`, with the rows formatted by
    polars a slice at a time instead of as Python objects (13 M rows are minutes in Python):
    by its CSV writer when every value comes out as JSON has it, else by expressions; frames
    whose values polars would format differently go through ``json.dumps``."""
    frame = _normalise(frame, name)
    head = json.dumps(_dataset_json(frame, name, labels, when, study_oid, rows=False),
                      ensure_ascii=False, allow_nan=False)
    assert head.endswith('"rows": []}')
    if _json_by_csv(frame) and _write_json_rows(path, head, _json_chunks_by_csv(frame)):
        return
    rows = _json_row_texts(frame)
    if rows is not None and _write_json_rows(path, head, (
            [frame.slice(offset, _JSON_CHUNK).select(rows).to_series().str.join(", ")
             .cast(pl.Binary).item()] for offset in range(0, frame.height, _JSON_CHUNK))):
        return
    document = _dataset_json(frame, name, labels, when, study_oid)
    path.write_text(json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")


def _write_json_rows(path: Path, head: str,
                     chunks: Iterable[Sequence[bytes | memoryview] | None]) -> bool:
    """``head`` (a document whose last key is an empty ``rows``) with the rows' text, a slice
    of rows at a time (its text in pieces); False when a slice could not be formatted
    (None)."""
    with path.open("wb") as out:
        out.write(head[:-2].encode("utf-8"))
        for i, pieces in enumerate(chunks):
            if pieces is None:
                return False
            if i:
                out.write(b", ")
            for piece in pieces:
                out.write(piece)
        out.write(b"]}\n")
    return True


_JSON_CHUNK = 1 << 15
"""Rows formatted at a time: a few MB of text, which the allocator reuses from slice to slice
(slices of 500 000 rows cost twice the CPU time, half of it the system's, in page faults of
fresh buffers)."""
_JSON_ESCAPED = r'[\x00-\x1f"\\]'
"""Characters json.dumps escapes (``ensure_ascii=False``)."""
_CSV_FIELD_END, _CSV_ROW_END = b"\x1f", b"\x1e"


def _json_by_csv(frame: pl.DataFrame) -> bool:
    """Whether polars' CSV writer formats every value of ``frame`` as ``json.dumps`` would
    (strings needing no escape are checked per chunk): floats only from 1e-4 to 1e16 (or 0),
    where its shortest round-trip digits are ``repr``'s, and no NaN or infinity; dates within
    years 1000–9999 (``isoformat`` pads years to 4 digits)."""
    if not frame.width:
        return False
    checks: list[pl.Expr] = []
    for column, dtype in frame.schema.items():
        col = pl.col(column)
        if dtype == pl.Float64:
            checks.append(((col == 0) | ((col.abs() >= 1e-4) & (col.abs() < 1e16))).all())
        elif dtype == pl.Date:
            checks.append(col.dt.year().is_between(1000, 9999).all())
        elif dtype not in (pl.String, pl.Int64):
            return False
    return not checks or all(frame.select(checks).row(0))


def _json_chunks_by_csv(frame: pl.DataFrame) -> Iterator[Sequence[bytes | memoryview] | None]:
    """The rows' text, a slice at a time, from the CSV writer: strings and dates quoted,
    numbers and ``null`` not (``quote_style="non_numeric"``), fields and rows ended by control
    characters that are then replaced by ``", "`` and ``"], ["``. A slice holding a string
    that JSON escapes (a control character, a backslash, or a quote, which CSV would double)
    yields None."""
    quoted = [c for c, t in frame.schema.items() if t in (pl.String, pl.Date)]
    for offset in range(0, frame.height, _JSON_CHUNK):
        chunk = frame.slice(offset, _JSON_CHUNK)
        buffer = io.BytesIO()
        chunk.write_csv(buffer, include_header=False, quote_style="non_numeric",
                        separator=_CSV_FIELD_END.decode(), line_terminator=_CSV_ROW_END.decode(),
                        null_value="null")
        text = buffer.getvalue()
        codes = np.frombuffer(text, dtype=np.uint8)
        ends = chunk.height * chunk.width
        quotes = 2 * sum(chunk.height - chunk.get_column(c).null_count() for c in quoted)
        if np.count_nonzero(codes < 0x20) != ends or text.count(b'"') != quotes \
                or text.find(b"\\") >= 0:
            yield None
            return
        rows = text.replace(_CSV_FIELD_END, b", ").replace(_CSV_ROW_END, b"], [")
        yield [b"[", memoryview(rows)[:-3]]  # the last row's "], [" ends at "]"


def _json_row_texts(frame: pl.DataFrame) -> pl.Expr | None:
    """An expression giving each row of ``frame`` as ``json.dumps`` writes it in a list of
    lists (``[value, value]``), or None when some value would need Python's formatting.

    Strings are quoted (those with characters to escape are escaped by ``json.dumps``), dates
    are quoted ISO dates, integers and nulls as JSON has them; floats as ``repr`` gives them,
    which is polars' formatting from 1e-4 to 1e16 (others go through ``repr``), NaN and
    infinities as null (``_json_value``).
    """
    texts: list[pl.Expr] = []
    for column, dtype in frame.schema.items():
        col = pl.col(column)
        series = frame.get_column(column)
        if dtype == pl.String:
            text = pl.concat_str(pl.lit('"'), col, pl.lit('"'))
            needs = series.str.contains(_JSON_ESCAPED).fill_null(False)
            if needs.any():
                escaped = {v: json.dumps(v, ensure_ascii=False)
                           for v in series.filter(needs).unique().to_list()}
                text = pl.when(col.str.contains(_JSON_ESCAPED)).then(
                    col.replace_strict(escaped, default=None, return_dtype=pl.String)
                ).otherwise(text)
        elif dtype == pl.Date:
            low, high = series.min(), series.max()
            if isinstance(low, dt.date) and isinstance(high, dt.date) and (
                    low.year < 1000 or high.year > 9999):
                return None  # isoformat pads years to 4 digits
            text = pl.concat_str(pl.lit('"'), col.dt.strftime("%Y-%m-%d"), pl.lit('"'))
        elif dtype == pl.Int64:
            text = col.cast(pl.String)
        elif dtype == pl.Float64:
            size = col.abs()
            plain = (col == 0) | ((size >= 1e-4) & (size < 1e16))
            text = pl.when(col.is_nan() | col.is_infinite()).then(None) \
                .when(plain).then(col.cast(pl.String))
            others = series.filter(~frame.select(plain | col.is_nan() | col.is_infinite())
                                   .to_series().fill_null(True))
            if others.len():
                texts_of = {v: repr(v) for v in others.unique().to_list()}
                text = text.otherwise(col.replace_strict(texts_of, default=None,
                                                         return_dtype=pl.String))
        else:
            return None
        texts.extend([text.fill_null("null"), pl.lit(", ")])
    if not texts:
        return None
    return pl.concat_str(pl.lit("["), *texts[:-1], pl.lit("]")).alias("row")


_WRITERS = {
    "csv": _write_csv,
    "parquet": _write_parquet,
    "xpt": _write_xpt,
    "json": _write_json,
}


# --- reading -------------------------------------------------------------------------------------


def read_adam(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read an ADaM file written by :func:`write_adam` (or any file of the same format): the
    format follows the suffix (``.csv``, ``.parquet``, ``.xpt``, ``.json``)."""
    file = Path(path)
    fmt = _SUFFIXES.get(file.suffix.lower())
    if fmt is None:
        raise AdamFormatError(f"{file.name}: unknown ADaM file type (use .csv, .parquet, .xpt "
                              "or .json)")
    if fmt == "csv":
        return _read_csv(file)
    if fmt == "parquet":
        return pl.read_parquet(file)
    if fmt == "xpt":
        return _read_xpt(file)
    return _read_dataset_json(json.loads(file.read_text(encoding="utf-8")))


def _read_csv(file: Path) -> pl.DataFrame:
    header = pl.read_csv(file, n_rows=0).columns
    known = {c: COLUMN_TYPES[c] for c in header if c in COLUMN_TYPES}
    frame = pl.read_csv(file, schema_overrides=known, infer_schema_length=None,
                        try_parse_dates=False)
    dates = [c for c, t in frame.schema.items() if t == pl.String and c not in known
             and _looks_like_dates(frame.get_column(c))]
    return frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c in dates)


def _looks_like_dates(series: pl.Series) -> bool:
    values = series.drop_nulls()
    return values.len() > 0 and bool(values.str.contains(r"^\d{4}-\d{2}-\d{2}$").all())


def _read_xpt(file: Path) -> pl.DataFrame:
    frame, meta = pyreadstat.read_xport(str(file), output_format="polars")
    formats: dict[str, str | None] = dict(meta.original_variable_types)
    casts: list[pl.Expr] = []
    for column, dtype in frame.schema.items():
        fmt = (formats.get(column) or "").upper().rstrip(".")
        if dtype == pl.String:
            casts.append(pl.when(pl.col(column) == "").then(None).otherwise(pl.col(column))
                         .alias(column))
        elif dtype == pl.Datetime and fmt.startswith(("E8601DA", "DATE", "YYMMDD")):
            casts.append(pl.col(column).dt.date())
        elif fmt.rstrip("0123456789") == "" and fmt and dtype.is_numeric():
            casts.append(pl.col(column).cast(pl.Int64))
    return frame.with_columns(casts) if casts else frame


_JSON_TYPES: dict[str, type[pl.DataType]] = {
    "string": pl.String,
    "integer": pl.Int64,
    "decimal": pl.String,  # kept exact: the caller decides how to parse it
    "float": pl.Float64,
    "double": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.String,  # parsed below
    "datetime": pl.String,
    "time": pl.String,
    "URI": pl.String,
}


def _read_dataset_json(document: Mapping[str, Any]) -> pl.DataFrame:
    """A Dataset-JSON v1.1 object (parsed JSON) as a polars frame; ``date`` columns become
    ``pl.Date``, ``integer`` ``Int64``, ``double``/``float`` ``Float64``."""
    version = str(document.get("datasetJSONVersion", ""))
    if not version.startswith("1.1"):
        raise AdamFormatError(f"Dataset-JSON version {version!r} is not 1.1")
    columns = document["columns"]
    names = [c["name"] for c in columns]
    schema = {c["name"]: _JSON_TYPES.get(c["dataType"], pl.String) for c in columns}
    rows = document.get("rows", [])
    frame = pl.DataFrame(
        {n: [row[i] for row in rows] for i, n in enumerate(names)},
        schema=schema,
    )
    dates = [c["name"] for c in columns if c["dataType"] == "date"]
    return frame.with_columns(pl.col(c).str.to_date("%Y-%m-%d") for c in dates)


__all__ = [
    "COLUMN_TYPES",
    "DATASET_LABELS",
    "FORMATS",
    "VARIABLE_LABELS",
    "AdamFormatError",
    "read_adam",
    "write_adam",
]
