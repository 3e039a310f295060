"""SDTM TU/TR/RS and an ADSL-like subject table in; the cohort tables of ``cohort.schema`` out.

Files are CSV, SAS transport (``.xpt``, via ``pyreadstat``) or CDISC Dataset-JSON (``.json``,
``.ndjson``), chosen by extension. Everything is vectorised polars; nothing loops over rows.

Reading (:func:`read_domain`) types the columns (SDTM numeric variables ``--SEQ``, ``--DY``,
``VISITNUM`` as integers when whole, ``--STRESN`` as numbers; ADSL ``*DT`` as dates, ``*DTM``
as datetimes, other ADSL columns as integers or numbers when every value is one) and checks,
raising one :class:`CohortInputError` that names the file, the row (data records count from 1;
in a CSV row N is line N + 1) and the column:

* the file is empty or has no records; the extension is unknown;
* a required column (SDTMIG 3.4 names) is missing, or a required value is empty;
* a value has the wrong type (a number, a date) or a date is not ISO 8601;
* an unknown lesion role (TU), tumour state or diameter (TR) or response code (RS);
* a duplicate record: same subject, lesion, test and --DTC (and evaluator, when given);
* a TR lesion that TU does not identify (:func:`measurements_table`).

Dates. ``--DTC`` may be partial: ``YYYY-MM`` is imputed to the last day of the month (ADTF
``"D"``), ``YYYY`` to 31 December (ADTF ``"M"``); a time part is dropped. Scan dates use the
same rule as response dates (an observation is never dated earlier than it can have been).
ADSL dates must be complete.

:func:`measurements_table` rules (the MEASUREMENTS schema):

* Only the investigator's records are used when ``--EVAL`` is present (``evaluator``).
* A *scan* is a TR visit (``VISITNUM``) when every record has one, dated by its latest TRDTC
  (scans spanning several days); otherwise each distinct TRDTC date.
* Baseline: the last scan on or before the ``VISIT`` labelled ``BASELINE`` (or, failing that,
  the latest TU date flagged ``TUBLFL = "Y"``); failing both, the first scan. Scans before the
  baseline are dropped. ``BASEFL`` marks it.
* Targets: ``LDIAM`` for non-nodal lesions, ``LPERP`` or ``SAXIS`` (short axis) for lymph nodes
  (``DIAMETER``, the older name, for both). A lesion is a node when ``TULOC`` contains
  ``LYMPH`` or it is measured by ``LPERP``/``SAXIS``. ``TOO SMALL TO MEASURE`` is 5 mm,
  ``TRSTAT = NOT DONE`` is not evaluated (DIAM null), results in cm are converted to mm. Every
  target has a row at every scan; a missing measurement is DIAM null.
* Non-targets and new lesions: ``TRTESTCD = TUMSTATE``. A non-target not recorded at a scan is
  ``NOT EVALUATED``. A new lesion ``PRESENT`` is ``UNEQUIVOCAL``; new-lesion rows ``ABSENT`` or
  not done are dropped (no new lesion seen).
* Conflicts: when several records for one lesion fall on one scan (visits on one date, partial
  dates imputed to the same day, times on one day) the *worst* is kept: the largest diameter;
  for states an evaluated state beats ``NOT EVALUATED`` and then UNEQUIVOCAL PROGRESSION >
  PRESENT > ABSENT (non-targets), UNEQUIVOCAL > EQUIVOCAL (new lesions).

:func:`responses_table` keeps the investigator's ``OVRLRESP`` as given (``RSSTAT = NOT DONE``
→ ``NE``); responses on one date keep the worst: PD > NON-CR/NON-PD > SD > PR > CR > NE
(admiralonco's ``worst_resp``: any evaluated response beats NE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Protocol

import polars as pl

from oncotrack.cohort import schema
from oncotrack.interop.datasetjson import read_dataset_json
from oncotrack.model.problems import CohortInputError

__all__ = [
    "DOMAINS",
    "REQUIRED_COLUMNS",
    "VARIABLE_LABELS",
    "CohortInputError",
    "check_domain",
    "coded_measurements",
    "measurements_table",
    "read_domain",
    "read_subjects",
    "responses_table",
    "subjects_table",
]

DOMAINS = ("TU", "TR", "RS", "ADSL")

REQUIRED_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "TU": (("USUBJID",), ("TULNKID",), ("TUSTRESC", "TUORRES"), ("TULOC",), ("TUDTC",)),
    "TR": (("USUBJID",), ("TRLNKID",), ("TRTESTCD",), ("TRSTRESC", "TRSTRESN", "TRORRES"),
           ("TRDTC",)),
    "RS": (("USUBJID",), ("RSTESTCD",), ("RSSTRESC",), ("RSDTC",)),
    "ADSL": (("USUBJID",), ("RANDDT", "TRTSDT"), ("DTHDT",), ("LSTALVDT",)),
}
"""Per domain, groups of which at least one column must be present (SDTMIG 3.4 names)."""

VARIABLE_LABELS = {
    "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation",
    "USUBJID": "Unique Subject Identifier", "VISITNUM": "Visit Number", "VISIT": "Visit Name",
    "TUSEQ": "Sequence Number", "TULNKID": "Link ID", "TUTESTCD": "Tumor/Lesion ID Short Name",
    "TUTEST": "Tumor/Lesion ID Test Name", "TUORRES": "Tumor/Lesion ID Result",
    "TUSTRESC": "Tumor/Lesion ID Result Std. Format", "TULOC": "Location of the Tumor/Lesion",
    "TUMETHOD": "Method of Identification", "TUEVAL": "Evaluator",
    "TUBLFL": "Baseline Flag", "TUDTC": "Date/Time of Tumor/Lesion Identification",
    "TRSEQ": "Sequence Number", "TRGRPID": "Group ID", "TRLNKID": "Link ID",
    "TRTESTCD": "Tumor/Lesion Assessment Short Name", "TRTEST": "Tumor/Lesion Assessment Name",
    "TRORRES": "Result or Finding in Original Units", "TRORRESU": "Original Units",
    "TRSTRESC": "Character Result/Finding in Std Format",
    "TRSTRESN": "Numeric Result/Finding in Std Units", "TRSTRESU": "Standard Units",
    "TRSTAT": "Completion Status", "TRREASND": "Reason Not Done", "TREVAL": "Evaluator",
    "TRDTC": "Date/Time of Tumor/Lesion Measurement", "RSSEQ": "Sequence Number",
    "RSTESTCD": "Assessment Short Name", "RSTEST": "Assessment Name",
    "RSCAT": "Category for Assessment", "RSORRES": "Result or Finding in Original Units",
    "RSSTRESC": "Character Result/Finding in Std Format", "RSEVAL": "Evaluator",
    "RSDTC": "Date/Time of Assessment", "ARM": "Description of Planned Arm", "AGE": "Age",
    "SEX": "Sex", "RANDDT": "Date of Randomization",
    "TRTSDT": "Date of First Exposure to Treatment",
    "DTHDT": "Date of Death", "DTHFL": "Subject Death Flag",
    "LSTALVDT": "Date Last Known Alive", "NEWTHDT": "Date of First New Anticancer Therapy",
}
"""Labels written to XPT and Dataset-JSON files (SDTMIG/ADaMIG wording, ≤ 40 characters)."""

RESPONSE_CODES = frozenset({"CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD", "NED",
                            "ICR", "IPR", "ISD", "IUPD", "ICPD"})
_RESPONSE_TESTS = frozenset({"OVRLRESP", "TRGRESP", "NTRGRESP", "BESTRESP"})
NEW_LESION_CODES = frozenset({"Y", "N", "EQUIVOCAL", "UNEQUIVOCAL", "PRESENT", "ABSENT"})
STATES = frozenset({schema.PRESENT, schema.ABSENT, schema.UNEQUIVOCAL_PROGRESSION,
                    schema.NOT_EVALUATED, schema.EQUIVOCAL, schema.UNEQUIVOCAL})
ROLES = {"TARGET": schema.ROLE_TARGET, "NON-TARGET": schema.ROLE_NON_TARGET,
         "NEW": schema.ROLE_NEW, "NEW TARGET": schema.ROLE_NEW,
         "NEW NON-TARGET": schema.ROLE_NEW}
DIAMETER_TESTS = frozenset({"LDIAM", "LPERP", "SAXIS", "DIAMETER"})
NODE_TESTS = frozenset({"LPERP", "SAXIS"})
TOO_SMALL, TOO_SMALL_MM = "TOO SMALL TO MEASURE", 5.0
NOT_DONE = "NOT DONE"

_INTEGER_SDTM = re.compile(r"^([A-Z]{2}(SEQ|DY|STDY|ENDY)|VISITNUM|TAETORD)$")
_NUMBER_SDTM = re.compile(r"^[A-Z]{2}(STRESN|ORNRLO|ORNRHI|STNRLO|STNRHI)$")
_DUPLICATE_KEYS = {
    "TU": ("USUBJID", "TULNKID", "TUTESTCD", "TUDTC", "TUEVAL", "TUEVALID"),
    "TR": ("USUBJID", "TRLNKID", "TRTESTCD", "TRDTC", "TREVAL", "TREVALID"),
    "RS": ("USUBJID", "RSTESTCD", "RSCAT", "RSDTC", "RSEVAL", "RSEVALID"),
    "ADSL": ("USUBJID",),
}
_EXTENSIONS = (".csv", ".parquet", ".xpt", ".json", ".ndjson")


# --- reading files ------------------------------------------------------------------------------


def read_domain(path: str | Path, domain: str | None = None, *,
                columns: Iterable[str] | None = None) -> pl.DataFrame:
    """Read one SDTM domain (or ADSL) file, typed and checked (see the module docstring).

    ``domain`` (``TU``, ``TR``, ``RS``, ``ADSL``) defaults to the ``DOMAIN`` column, then the
    file name (``tr.csv``; ``adsl``/``dm``/``subjects`` → ADSL), then the column prefixes.
    ``columns`` reads only those columns (names in any case; absent ones are skipped), e.g.
    :data:`USED_COLUMNS`: the others are neither read nor checked, which makes large files
    quick to read.
    """
    path = Path(path)
    source = str(path)
    raw, first_line = _read_raw(path, source, None if columns is None else set(columns))
    kind = _domain_of(raw, path, domain, source)
    frame = _typed(raw, kind, source, first_line)
    check_domain(frame, kind, source, first_line=first_line)
    return frame


USED_COLUMNS: dict[str, tuple[str, ...]] = {
    "TU": ("DOMAIN", "USUBJID", "TULNKID", "TUTESTCD", "TUSTRESC", "TUORRES", "TULOC",
           "TUBLFL", "TUEVAL", "TUEVALID", "TUDTC"),
    "TR": ("DOMAIN", "USUBJID", "TRLNKID", "TRTESTCD", "TRORRES", "TRORRESU", "TRSTRESC",
           "TRSTRESN", "TRSTRESU", "TRSTAT", "TREVAL", "TREVALID", "VISITNUM", "VISIT",
           "TRDTC"),
    "RS": ("DOMAIN", "USUBJID", "RSTESTCD", "RSCAT", "RSSTRESC", "RSSTAT", "RSEVAL",
           "RSEVALID", "RSDTC"),
}
"""The columns :func:`measurements_table` and :func:`responses_table` use, per domain."""


def read_subjects(path: str | Path) -> pl.DataFrame:
    """Read an ADSL-like subject file into the SUBJECTS schema (extra columns kept)."""
    source = str(path)
    return subjects_table(read_domain(path, "ADSL"), source=source, first_line=_line0(path))


def _line0(path: str | Path) -> int | None:
    return 2 if Path(path).suffix.lower() == ".csv" else None


def _wanted(names: list[str], columns: set[str] | None) -> list[str]:
    """The file's column names to read: all, or those matching ``columns`` (any case)."""
    if columns is None:
        return names
    upper = {c.upper() for c in columns}
    return [n for n in names if n.strip().upper() in upper]


def _read_raw(path: Path, source: str,
              columns: set[str] | None = None) -> tuple[pl.DataFrame, int | None]:
    suffix = path.suffix.lower()
    if suffix not in _EXTENSIONS:
        raise CohortInputError(source, f"unknown file type {suffix or '(none)'!r}; expected "
                               ".csv, .parquet, .xpt (SAS transport), .json or .ndjson "
                               "(Dataset-JSON)")
    if not path.is_file():
        raise CohortInputError(source, "file not found" if not path.exists() else
                               "is a folder, not a file")
    if path.stat().st_size == 0:
        raise CohortInputError(source, "the file is empty; expected a header and records")
    if suffix in (".json", ".ndjson"):
        frame = read_dataset_json(path)
        return (_blank_to_null(frame.select(_wanted(frame.columns, columns))),
                2 if suffix == ".ndjson" else None)
    if suffix == ".parquet":
        try:
            names = pl.read_parquet_schema(path)
            frame = pl.read_parquet(path, columns=_wanted(list(names), columns))
        except pl.exceptions.PolarsError as error:
            raise CohortInputError(source, f"not a readable Parquet file: "
                                   f"{_first_line(error)}") from None
        frame = _blank_to_null(frame)
        if columns is not None:
            frame = frame.with_columns(pl.col(pl.String).cast(pl.Categorical))
        return frame, None
    if suffix == ".xpt":
        import pyreadstat

        try:
            _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
            frame, _ = pyreadstat.read_xport(str(path), output_format="polars",
                                             usecols=_wanted(list(meta.column_names), columns))
        except Exception as error:
            raise CohortInputError(source, f"not a readable SAS transport (XPT) file: "
                                   f"{error}") from None
        assert isinstance(frame, pl.DataFrame)
        return _blank_to_null(frame), None
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False, encoding="utf8").columns
        chosen = _wanted(header, columns)
        if len(set(chosen)) != len(chosen):  # duplicate names: let _domain_of report them
            chosen = header
        numbers = {n: pl.Float64 for n in chosen if _NUMBER_SDTM.match(n.strip().upper())
                   or _INTEGER_SDTM.match(n.strip().upper())}
        # Reading only some columns is the cohort path (millions of records): text comes as
        # categoricals there (codes, ids and dates repeat; the reader is faster and the frame
        # several times smaller), numbers parsed by the reader. A value that is not a number
        # falls back to reading text, whose typing names the row.
        texts = {} if columns is None else {n: pl.Categorical for n in chosen
                                            if n not in numbers}
        try:
            frame = pl.read_csv(path, columns=chosen, infer_schema=False, encoding="utf8",
                                schema_overrides={**numbers, **texts})
        except pl.exceptions.ComputeError:
            if not numbers:
                raise
            frame = pl.read_csv(path, columns=chosen, infer_schema=False, encoding="utf8",
                                schema_overrides=texts)
    except pl.exceptions.NoDataError:
        raise CohortInputError(source, "the file is empty; expected a header and "
                               "records") from None
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise CohortInputError(source, f"not a readable CSV file: "
                               f"{_first_line(error)}") from None
    return frame, 2


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    strings = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in strings
    )


def _domain_of(frame: pl.DataFrame, path: Path, domain: str | None, source: str) -> str:
    renamed = {c: c.strip().upper() for c in frame.columns}
    if len(set(renamed.values())) != len(renamed):
        seen: set[str] = set()
        for name in renamed.values():
            if name in seen:
                raise CohortInputError(source, "column appears twice (names are compared in "
                                       "upper case)", column=name)
            seen.add(name)
    if domain is not None:
        kind = domain.upper()
        if kind not in DOMAINS:
            raise ValueError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
        return kind
    if "DOMAIN" in renamed.values() and frame.height:
        column = next(c for c, u in renamed.items() if u == "DOMAIN")
        value = frame.get_column(column).drop_nulls().head(1).to_list()
        if value and str(value[0]).upper() in DOMAINS:
            return str(value[0]).upper()
    stem = path.stem.upper()
    aliases = {"DM": "ADSL", "SUBJECTS": "ADSL", "ADSL": "ADSL"}
    if stem in DOMAINS or stem in aliases:
        return aliases.get(stem, stem)
    for kind in ("TU", "TR", "RS"):
        if f"{kind}TESTCD" in renamed.values() or f"{kind}LNKID" in renamed.values():
            return kind
    raise CohortInputError(source, "cannot tell the domain: expected a DOMAIN column, a file "
                           "named tu/tr/rs/adsl, or --TESTCD columns")


# --- typing -------------------------------------------------------------------------------------


def _is_adsl_date(name: str) -> bool:
    return name.endswith("DT") and len(name) > 2


def _typed(raw: pl.DataFrame, domain: str, source: str, first_line: int | None) -> pl.DataFrame:
    frame = raw.rename({c: c.strip().upper() for c in raw.columns})
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        if domain == "ADSL" and _is_adsl_date(name):
            exprs.append(_date_column(frame, name, dtype, source, first_line))
        elif domain == "ADSL" and name.endswith("DTM") and dtype == pl.String:
            exprs.append(_checked_cast(frame, name, pl.Datetime("us"), source, first_line,
                                       "an ISO 8601 datetime (YYYY-MM-DDThh:mm:ss)"))
        elif _INTEGER_SDTM.match(name) or _NUMBER_SDTM.match(name):
            exprs.append(_number_column(frame, name, dtype, source, first_line,
                                        whole=bool(_INTEGER_SDTM.match(name))))
        elif domain == "ADSL":
            exprs.append(_inferred(frame, name, dtype))
        elif dtype not in (pl.String, pl.Categorical):
            exprs.append(pl.col(name).cast(pl.String))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _bad_row(frame: pl.DataFrame, bad: pl.Expr) -> tuple[int, int] | None:
    """(0-based index of the first row where ``bad`` holds, number of such rows)."""
    hits = frame.select(bad.fill_null(False).arg_true().alias("i"))["i"]
    if hits.len() == 0:
        return None
    return int(hits[0]), hits.len()


def _raise_at(frame: pl.DataFrame, found: tuple[int, int], column: str, message: str,
              source: str, first_line: int | None, show_value: bool = True) -> None:
    index, count = found
    if show_value and column in frame.columns:
        value = frame.get_column(column)[index]
        message = f"{message}, got {value!r}" if value is not None else f"{message}, got nothing"
    if count > 1:
        message += f" ({count - 1} more row{'s' if count > 2 else ''} like this)"
    line = None if first_line is None else first_line + index
    raise CohortInputError(source, message, row=index + 1, column=column, line=line)


def _checked_cast(frame: pl.DataFrame, name: str, dtype: pl.DataType, source: str,
                  first_line: int | None, expected: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars()
    cast = text.str.to_datetime(strict=False) if dtype == pl.Datetime("us") \
        else text.cast(dtype, strict=False)
    found = _bad_row(frame, text.is_not_null() & (text != "") & cast.is_null())
    if found:
        _raise_at(frame, found, name, f"expected {expected}", source, first_line)
    return cast.alias(name)


def _number_column(frame: pl.DataFrame, name: str, dtype: pl.DataType, source: str,
                   first_line: int | None, whole: bool) -> pl.Expr:
    if dtype == pl.String:
        number = _checked_cast(frame, name, pl.Float64(), source, first_line, "a number")
    elif dtype.is_numeric():
        number = pl.col(name).cast(pl.Float64)
    else:
        found = _bad_row(frame, pl.col(name).is_not_null())
        if found:
            _raise_at(frame, found, name, "expected a number", source, first_line)
        number = pl.col(name).cast(pl.Float64)
    if whole and frame.select((number.round(0) == number).all()).item() is not False:
        return number.cast(pl.Int64).alias(name)
    return number.alias(name)


def _inferred(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    """ADSL columns beyond the schema: integers or numbers when every value is one."""
    column = pl.col(name)
    if dtype.is_float():
        whole = frame.select(((column.round(0) == column) | column.is_null()).all()).item()
        return column.cast(pl.Int64) if whole and frame[name].null_count() < frame.height \
            else column
    if dtype != pl.String:
        return column
    text = column.str.strip_chars()
    values = frame.select(
        present=text.is_not_null().sum(),
        ints=text.cast(pl.Int64, strict=False).is_not_null().sum(),
        floats=text.cast(pl.Float64, strict=False).is_not_null().sum(),
        zeros=(text.str.starts_with("0") & (text.str.len_chars() > 1)
               & ~text.str.starts_with("0.")).sum(),
    ).row(0, named=True)
    if values["present"] == 0 or values["zeros"]:
        return column
    if values["ints"] == values["present"]:
        return text.cast(pl.Int64).alias(name)
    if values["floats"] == values["present"]:
        return text.cast(pl.Float64).alias(name)
    return column


def _date_column(frame: pl.DataFrame, name: str, dtype: pl.DataType, source: str,
                 first_line: int | None) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.Date:
        return column
    if isinstance(dtype, pl.Datetime):
        return column.dt.date()
    if dtype.is_numeric():  # SAS date value without a date format: days since 1960-01-01
        return (pl.lit(-3653, pl.Int32) + column.cast(pl.Int32)).cast(pl.Date).alias(name)
    text = column.cast(pl.String).str.strip_chars()
    parsed = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    shape_ok = (text.str.len_chars() == 10) | (text.str.slice(10, 1) == "T")
    found = _bad_row(frame, text.is_not_null() & (text != "") & (parsed.is_null() | ~shape_ok))
    if found:
        _raise_at(frame, found, name, "expected a complete date YYYY-MM-DD", source,
                  first_line)
    return parsed.alias(name)


def _dtc(column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(date, ADTF, bad) for an ISO 8601 ``--DTC`` column, partial dates imputed last."""
    text = pl.col(column).str.strip_chars()
    n = text.str.len_chars()
    padded = (pl.when(n == 4).then(text + "-12-01")
              .when(n == 7).then(text + "-01")
              .otherwise(text.str.slice(0, 10)))
    parsed = padded.str.to_date("%Y-%m-%d", strict=False)
    date = pl.when(n.is_in([4, 7])).then(parsed.dt.month_end()).otherwise(parsed)
    flag = pl.when(n == 7).then(pl.lit("D")).when(n == 4).then(pl.lit("M"))
    shape_ok = n.is_in([4, 7, 10]) | ((n > 10) & (text.str.slice(10, 1) == "T"))
    bad = text.is_not_null() & (parsed.is_null() | ~shape_ok)
    return date, flag.cast(pl.String), bad


def _dtc_parsed(text: pl.Series) -> pl.DataFrame:
    """:func:`_dtc` of a whole column as a frame (``date``, ``flag``, ``bad``), computed on its
    distinct values only: a million patients' TR has 25 million TRDTC values but a few thousand
    distinct dates, and string parsing is the slow part."""
    date, flag, bad = _dtc("v")
    parsed = _spread(text, lambda v: pl.struct(date=date, flag=flag, bad=bad))
    return parsed.struct.unnest().with_columns(pl.col("bad").fill_null(False))


# --- checks -------------------------------------------------------------------------------------


class _Fail(Protocol):
    """The ``fail`` callback the checks share: raise at the first row where ``bad`` holds."""

    def __call__(self, bad: pl.Expr, column: str, message: str,
                 show_value: bool = True) -> None: ...


def _upper(column: str) -> pl.Expr:
    """A code column (text or categorical); frames pass through :func:`_normalised` first
    (stripped, upper case). Compare it with ``==``/``is_in``/``replace_strict``; string
    functions go through :func:`_per_distinct`."""
    return pl.col(column)


def _per_distinct(frame: pl.DataFrame, column: str,
                  function: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``function`` of a text or categorical column, computed on its distinct values only and
    spread back to every row (a code column has a few values over millions of records)."""
    return pl.lit(_spread(frame.get_column(column), function))


def _spread(values: pl.Series, function: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """``function`` of ``values`` computed on the distinct values, gathered back per row.

    A categorical column is looked up by its physical (integer) ids, the cheapest way back to
    the rows: the distinct values are found as the first row of each id (``arg_unique`` on the
    integers, several times faster than ``unique`` on the categorical at 25 million rows), and
    the results are placed in a table indexed by id, so that one gather spreads them (a struct
    result goes through its positions instead: a second gather); text goes through an enum of
    its distinct values."""
    if values.dtype == pl.Categorical:
        physical = values.to_physical()
        distinct = _distinct(values)
        results = pl.DataFrame({"v": distinct.cast(pl.String)}).select(
            function(pl.col("v"))).to_series()
        ids = distinct.to_physical()
        size = int(ids.max()) + 1 if ids.len() else 1  # type: ignore[arg-type]
        if not results.dtype.is_nested():
            by_id = pl.Series(values=[None], dtype=results.dtype).new_from_index(0, size)
            return by_id.scatter(ids, results).gather(physical).alias(results.name)
        position = pl.Series(values=[None], dtype=pl.Int64).new_from_index(0, size) \
            .scatter(ids, pl.int_range(ids.len(), eager=True))
        return results.gather(position.gather(physical))
    text = values if values.dtype == pl.String else values.cast(pl.String)
    distinct = text.unique().drop_nulls().sort()
    results = pl.DataFrame({"v": distinct}).select(function(pl.col("v"))).to_series()
    return results.gather(text.cast(pl.Enum(distinct)).to_physical())


def _distinct(values: pl.Series) -> pl.Series:
    """The distinct non-null values of a text or categorical column (a categorical's through
    ``arg_unique`` of its integer ids: faster than ``unique`` at millions of rows)."""
    if values.dtype == pl.Categorical:
        return values.gather(values.to_physical().arg_unique()).drop_nulls()
    return values.unique().drop_nulls()


_CODE_COLUMNS = ("TUSTRESC", "TUORRES", "TULOC", "TUBLFL", "TUEVAL", "TRTESTCD", "TRSTAT",
                 "TRSTRESC", "TRORRES", "TRSTRESU", "TRORRESU", "TREVAL", "VISIT", "RSTESTCD",
                 "RSSTRESC", "RSSTAT", "RSEVAL", "RSCAT")


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """Code columns stripped and in upper case, computed on their distinct values only."""
    exprs: list[pl.Expr] = []
    for name in _CODE_COLUMNS:
        dtype = frame.schema.get(name)
        if dtype not in (pl.String, pl.Categorical):
            continue
        distinct = _distinct(frame.get_column(name)).cast(pl.String)
        clean = distinct.str.strip_chars().str.to_uppercase()
        changed = distinct.filter(distinct != clean)
        if changed.len():
            mapping = dict(zip(changed.to_list(), clean.filter(distinct != clean).to_list(),
                               strict=True))
            exprs.append(pl.col(name).cast(pl.String).replace(mapping).cast(dtype))
    return frame.with_columns(exprs) if exprs else frame


def _not_done(frame: pl.DataFrame, prefix: str) -> pl.Expr:
    """``--STAT = NOT DONE`` (False where empty or absent)."""
    column = f"{prefix}STAT"
    if column not in frame.columns:
        return pl.lit(False)
    return (_upper(column) == NOT_DONE).fill_null(False)


def _present(frame: pl.DataFrame, *names: str) -> list[str]:
    return [n for n in names if n in frame.columns]


def check_domain(frame: pl.DataFrame, domain: str, source: str,
                 first_line: int | None = None) -> None:
    """Raise :class:`CohortInputError` for the first problem in a typed domain table."""
    domain = domain.upper()
    frame = _normalised(frame)
    # Every row check is collected first and evaluated in one pass over the frame (polars runs
    # the expressions in parallel); only a failing one is looked at again, in the order the
    # checks were made, so the error is the one a check-by-check reading would raise first.
    checks: list[tuple[pl.Expr, str, str, bool]] = []

    def fail(bad: pl.Expr, column: str, message: str, show_value: bool = True) -> None:
        checks.append((bad, column, message, show_value))

    if frame.height == 0:
        raise CohortInputError(source, "no records (only a header); expected at least one "
                               f"{domain} record")
    for group in REQUIRED_COLUMNS[domain]:
        if not _present(frame, *group):
            what = group[0] if len(group) == 1 else "one of " + ", ".join(group)
            standard = "ADaM ADSL" if domain == "ADSL" else f"SDTMIG 3.4 {domain}"
            raise CohortInputError(source, f"required column {what} is missing ({standard}); "
                                   f"found {', '.join(frame.columns)}", column=group[0])
    if domain == "ADSL":
        _check_subjects(frame, fail)
    else:
        prefix = domain
        for name in ("USUBJID", f"{prefix}LNKID", f"{prefix}TESTCD"):
            if name in frame.columns and name in {c for g in REQUIRED_COLUMNS[domain] for c in g}:
                fail(pl.col(name).is_null(), name, f"{name} is required on every record",
                     show_value=False)
        dtc = f"{prefix}DTC"
        not_done = _not_done(frame, prefix)
        fail(pl.col(dtc).is_null() & ~not_done, dtc,
             f"{dtc} is required (the date of the {'scan' if prefix != 'RS' else 'assessment'})"
             f" unless {prefix}STAT is NOT DONE", show_value=False)
        bad_dates = _dtc_parsed(frame.get_column(dtc)).get_column("bad")
        fail(pl.lit(bad_dates), dtc, "expected an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY, "
             "optionally with a time)")
        {"TU": _check_tu, "TR": _check_tr, "RS": _check_rs}[domain](frame, fail)
    if checks:
        hits = frame.select(check[0].fill_null(False).any().alias(str(i))
                            for i, check in enumerate(checks)).row(0)
        for hit, (bad_rows, column, message, show_value) in zip(hits, checks, strict=True):
            found = _bad_row(frame, bad_rows) if hit else None
            if found:
                _raise_at(frame, found, column, message, source, first_line, show_value)
    keys = _present(frame, *_DUPLICATE_KEYS[domain])
    packed = _packed_key(frame, keys)
    if packed is not None and packed.n_unique() == frame.height:
        return  # every key distinct: no duplicate record
    # Hashes first (fast); rows whose hash repeats are then compared exactly.
    hashed = frame.select(pl.struct(keys).hash().alias("h"))["h"]
    suspects = hashed.is_duplicated()
    found = None
    if suspects.any():
        exact = _bad_row(frame.filter(suspects), ~pl.struct(keys).is_first_distinct())
        if exact:
            position = int(suspects.arg_true()[exact[0]])
            found = (position, exact[1])
    if found:
        index = found[0]
        first = frame.with_row_index("_row").filter(
            pl.all_horizontal(pl.col(k).eq_missing(frame[k][index]) for k in keys)
        )["_row"][0]
        column = keys[-1] if domain == "ADSL" else f"{domain}DTC"
        _raise_at(frame, found, column, f"duplicate record: same {', '.join(keys)} as row "
                  f"{first + 1}", source, first_line, show_value=False)


def _packed_key(frame: pl.DataFrame, keys: list[str]) -> pl.Series | None:
    """The text columns ``keys`` as one integer per row (each column's dense code of its
    distinct values, side by side in the bits), equal exactly when the rows' keys are equal;
    None when they do not fit in 63 bits or a column is not text."""
    packed: pl.Series | None = None
    bits = 0
    for key in keys:
        values = frame.get_column(key)
        if values.dtype not in (pl.String, pl.Categorical):
            return None
        codes = _spread(values, lambda v: pl.int_range(pl.len(), dtype=pl.Int64))
        width = max(int(codes.max() or 0) + 2, 2).bit_length()  # type: ignore[arg-type]
        codes = codes.fill_null(int(codes.max() or 0) + 1)  # type: ignore[arg-type]
        bits += width
        if bits > 63:
            return None
        packed = codes if packed is None else packed * (1 << width) + codes
    return packed


def _role_expr(frame: pl.DataFrame) -> pl.Expr:
    names = _present(frame, "TUSTRESC", "TUORRES")
    return pl.coalesce([_upper(n) for n in names])


def _check_tu(frame: pl.DataFrame, fail: _Fail) -> None:
    column = _present(frame, "TUSTRESC", "TUORRES")[0]
    role = _role_expr(frame)
    fail(role.is_null(), column, "the lesion's role is required: TARGET, NON-TARGET or NEW",
         show_value=False)
    fail(~role.is_in(list(ROLES)), column, "unknown lesion role; expected TARGET, "
         "NON-TARGET or NEW (also NEW TARGET, NEW NON-TARGET)")
    fail(pl.col("TULOC").is_null() & role.is_in(["TARGET", "NON-TARGET"]), "TULOC",
         "TULOC (the organ) is required for target and non-target lesions", show_value=False)


def _diameter(frame: pl.DataFrame) -> pl.Expr:
    """The diameter in mm of TR diameter records: the first of TRSTRESN, TRSTRESC, TRORRES
    that holds one (``TOO SMALL TO MEASURE`` is 5 mm; cm converted)."""
    values: list[pl.Expr] = []
    for result, unit in (("TRSTRESN", "TRSTRESU"), ("TRSTRESC", "TRSTRESU"),
                         ("TRORRES", "TRORRESU")):
        if result not in frame.columns:
            continue
        factor = (pl.when(_upper(unit) == "CM").then(10.0).otherwise(1.0)
                  if unit in frame.columns else pl.lit(1.0))
        if result == "TRSTRESN" or frame.schema[result].is_numeric():
            values.append(pl.col(result).cast(pl.Float64) * factor)
            continue
        number = _per_distinct(frame, result, lambda c: c.cast(pl.Float64, strict=False))
        values.append(pl.when(_upper(result) == TOO_SMALL).then(TOO_SMALL_MM)
                      .otherwise(number * factor))
    return pl.coalesce(values)


def _check_tr(frame: pl.DataFrame, fail: _Fail) -> None:
    test = _upper("TRTESTCD")
    not_done = _not_done(frame, "TR")
    result_column = _present(frame, "TRSTRESC", "TRORRES", "TRSTRESN")[0]
    for unit in _present(frame, "TRSTRESU", "TRORRESU"):
        fail(test.is_in(list(DIAMETER_TESTS)) & pl.col(unit).is_not_null()
             & ~_upper(unit).is_in(["MM", "CM"]), unit, "expected a diameter unit mm or cm")
    diameter = _diameter(frame)
    is_diameter = test.is_in(list(DIAMETER_TESTS)) & ~not_done
    fail(is_diameter & diameter.is_null(), result_column,
         f"expected a diameter in mm, {TOO_SMALL}, or TRSTAT = NOT DONE")
    fail(is_diameter & (diameter < 0), result_column, "a diameter cannot be negative")
    state_column = _present(frame, "TRSTRESC", "TRORRES")
    if state_column:
        state = pl.coalesce([_upper(c) for c in state_column])
        is_state = (test == "TUMSTATE") & ~not_done
        fail(is_state & ~state.fill_null("").is_in(list(STATES)), state_column[0],
             "unknown tumour state; expected " + ", ".join(sorted(STATES)))


def _check_rs(frame: pl.DataFrame, fail: _Fail) -> None:
    test = _upper("RSTESTCD")
    code = _upper("RSSTRESC")
    not_done = _not_done(frame, "RS")
    fail(test.is_in(list(_RESPONSE_TESTS)) & ~not_done & ~code.fill_null("").is_in(
        list(RESPONSE_CODES)), "RSSTRESC", "unknown response code; expected CR, PR, SD, PD, "
         "NE, NON-CR/NON-PD or NED (iRECIST: iCR, iPR, iSD, iUPD, iCPD)")
    fail((test == "NEWLPROG") & ~not_done & ~code.fill_null("").is_in(list(NEW_LESION_CODES)),
         "RSSTRESC", "unknown new-lesion result; expected Y, N, EQUIVOCAL or UNEQUIVOCAL")


def _check_subjects(frame: pl.DataFrame, fail: _Fail) -> None:
    fail(pl.col("USUBJID").is_null(), "USUBJID", "USUBJID is required on every record",
         show_value=False)
    starts = _present(frame, "RANDDT", "TRTSDT")
    fail(pl.all_horizontal(pl.col(c).is_null() for c in starts), starts[0],
         f"a start date is required: {' or '.join(starts)}", show_value=False)
    fail(pl.col("LSTALVDT").is_null(), "LSTALVDT", "LSTALVDT (last known alive) is required",
         show_value=False)
    for column in ("DTHDT", "LSTALVDT", "NEWTHDT"):
        if column in frame.columns:
            for start in starts:
                fail(pl.col(column) < pl.col(start), column,
                     f"{column} is before {start}")


# --- the cohort tables --------------------------------------------------------------------------


def _evaluator_filter(frame: pl.DataFrame, prefix: str, evaluator: str | None) -> pl.DataFrame:
    column = f"{prefix}EVAL"
    if evaluator is None or column not in frame.columns:
        return frame
    return frame.filter(pl.col(column).is_null() | (_upper(column) == evaluator.upper()))


def _least_imputed(flags: pl.Expr) -> pl.Expr:
    """Aggregate ADTF flags of one date: null (complete) if any record is complete, else the
    smallest imputation ("D" before "M")."""
    return pl.when(flags.is_null().any()).then(pl.lit(None, pl.String)).otherwise(flags.min())


# State codes of TR TUMSTATE results, ordered so that the larger is the worse within a role:
# non-targets NOT EVALUATED < ABSENT < PRESENT < UNEQUIVOCAL PROGRESSION, new lesions EQUIVOCAL
# < UNEQUIVOCAL (a new lesion PRESENT is UNEQUIVOCAL).
_STATE_CODES = schema.STATE_CODES
_STATE_NAMES = {code: name for name, code in _STATE_CODES.items()}
_TESTS = {"LDIAM": 1, "DIAMETER": 2, "LPERP": 3, "SAXIS": 3, "TUMSTATE": 4}
_ROLE_CODES = schema.ROLE_CODES
_RESPONSE_RANK = {"PD": 6, "NON-CR/NON-PD": 5, "SD": 4, "PR": 3, "CR": 2, "NE": 1}
_DAY_OFFSET = 1 << 20
"""Added to day numbers (days since 1970) to make them positive in packed integer keys."""
_DAY_BITS = 22


def _enum_codes(values: pl.Series, kind: pl.Enum) -> pl.Series:
    """The positions of ``values`` in ``kind``'s (sorted) categories; null when absent."""
    if values.dtype == pl.Categorical:
        return _spread(values, lambda v: v.cast(kind, strict=False).to_physical()
                       .cast(pl.Int64))
    return values.cast(pl.String).cast(kind, strict=False).to_physical().cast(pl.Int64)


def _day_numbers(dates: pl.Expr) -> pl.Expr:
    return dates.cast(pl.Int32).cast(pl.Int64)


def measurements_table(tu: pl.DataFrame, tr: pl.DataFrame, *,
                       evaluator: str | None = "INVESTIGATOR", check: bool = True,
                       tu_source: str = "TU", tr_source: str = "TR") -> pl.DataFrame:
    """TU and TR (typed, as :func:`read_domain` gives) → the MEASUREMENTS table, sorted by
    subject, date, role and lesion id.

    ``check`` runs :func:`check_domain` on both first (frames from elsewhere, e.g. synthetic;
    :func:`read_domain` has checked its frames already); ``tu_source``/``tr_source`` name them
    in errors. Rules in the module docstring. :func:`coded_measurements` is the same table
    with numbers for strings, unsorted: what the derivation runs on.
    """
    table, subjects, lesion_ids, organs = _measurements(tu, tr, evaluator, check, tu_source,
                                                       tr_source)
    # The enum codes sort as their strings do.
    order = (((pl.col("sid") * (1 << _DAY_BITS) + pl.col("day") + _DAY_OFFSET) * 3
              + pl.col("role").cast(pl.Int64)) * max(lesion_ids.len(), 1) + pl.col("les"))
    table = table.join(organs, on="lkey", how="left").sort(order)
    return table.select(
        USUBJID=pl.lit(subjects.gather(table.get_column("sid"))),
        ADT=pl.col("day").cast(pl.Int32).cast(pl.Date),
        ADTF=pl.col("adtf").replace_strict(_ADTF_NAMES, return_dtype=pl.String),
        BASEFL=pl.col("base"),
        LESIONID=pl.lit(lesion_ids.gather(table.get_column("les"))),
        ROLE=pl.col("role").replace_strict({v: k for k, v in _ROLE_CODES.items()},
                                           return_dtype=pl.String),
        ORGAN=pl.col("ORGAN"),
        NODE=pl.col("node"),
        DIAM=pl.col("diam"),
        STATE=pl.col("state").replace_strict(_STATE_NAMES, default=None,
                                             return_dtype=pl.String),
    ).cast(schema.MEASUREMENTS)  # type: ignore[arg-type]


_ADTF_NAMES = {code: name for name, code in schema.ADTF_CODES.items()}


def coded_measurements(tu: pl.DataFrame, tr: pl.DataFrame, *,
                       evaluator: str | None = "INVESTIGATOR", check: bool = True,
                       tu_source: str = "TU", tr_source: str = "TR") -> schema.Coded:
    """:func:`measurements_table` as numbers (``cohort.schema.CODED``), unsorted, without
    ORGAN: the derivation's input, for millions of records."""
    table, subjects, _, _ = _measurements(tu, tr, evaluator, check, tu_source, tr_source)
    return schema.Coded(frame=table.select(list(schema.CODED)).cast(schema.CODED),  # type: ignore[arg-type]
                        subjects=subjects)


def _measurements(
    tu: pl.DataFrame, tr: pl.DataFrame, evaluator: str | None, check: bool, tu_source: str,
    tr_source: str,
) -> tuple[pl.DataFrame, pl.Series, pl.Series, pl.DataFrame]:
    """The measurements with numbers for strings (``sid`` a subject's position among TU's
    sorted USUBJIDs, ``les`` a lesion id's among the sorted TULNKIDs, days since 1970, role and
    state codes), the USUBJIDs and TULNKIDs they index, and ORGAN by ``lkey``. Every join,
    group and sort runs on one packed integer key."""
    if check:
        check_domain(tu, "TU", tu_source)
        check_domain(tr, "TR", tr_source)
    tu = _evaluator_filter(_normalised(tu), "TU", evaluator)
    tr = _evaluator_filter(_normalised(tr).with_row_index("_row"), "TR", evaluator)

    subjects = _distinct(tu.get_column("USUBJID")).cast(pl.String).unique().sort()
    lesion_ids = _distinct(tu.get_column("TULNKID")).cast(pl.String).unique().sort()
    subject_kind, lesion_kind = pl.Enum(subjects), pl.Enum(lesion_ids)
    n_lesion_ids = max(lesion_ids.len(), 1)
    lesion_key = pl.col("sid") * n_lesion_ids + pl.col("les")

    # Lesions (TU): one row per subject and lesion id, the earliest identification first.
    tu_dates = _dtc_parsed(tu.get_column("TUDTC")).get_column("date")
    baseline_flag = (_upper("TUBLFL") == "Y") if "TUBLFL" in tu.columns else pl.lit(False)
    lesions = (
        tu.select(
            sid=pl.lit(_enum_codes(tu.get_column("USUBJID"), subject_kind)),
            les=pl.lit(_enum_codes(tu.get_column("TULNKID"), lesion_kind)),
            role=_role_expr(tu).replace_strict({k: _ROLE_CODES[v] for k, v in ROLES.items()},
                                               default=None, return_dtype=pl.Int8),
            ORGAN=_per_distinct(tu, "TULOC", lambda c: c.str.strip_chars().str.to_lowercase()),
            locnode=_per_distinct(tu, "TULOC", lambda c: c.str.contains("LYMPH"))
            .fill_null(False),
            tuday=_day_numbers(pl.lit(tu_dates)),
            tublfl=baseline_flag.fill_null(False),
        )
        .filter(pl.col("sid").is_not_null() & pl.col("les").is_not_null())
        .with_columns(lkey=lesion_key)
        .sort("tuday", nulls_last=True)
        .unique("lkey", keep="first", maintain_order=True)
    )

    # TR records as integers.
    dates = _dtc_parsed(tr.get_column("TRDTC"))
    not_done = _not_done(tr, "TR")
    diameter = _diameter(tr)
    state_columns = _present(tr, "TRSTRESC", "TRORRES")
    state = pl.coalesce([_upper(c) for c in state_columns]) if state_columns \
        else pl.lit(None, pl.String)
    use_visits = "VISITNUM" in tr.columns and tr["VISITNUM"].null_count() == 0
    day = _day_numbers(pl.lit(dates.get_column("date")))
    # The imputation flag as a priority (a complete date beats "D" beats "M"), packed under
    # the day so that one maximum finds a scan's latest date and its least imputed flag.
    priority = pl.lit(dates.get_column("flag")).replace_strict(
        {"D": 1, "M": 0}, default=2, return_dtype=pl.Int64)
    rows = tr.select(
        "_row",
        sid=pl.lit(_enum_codes(tr.get_column("USUBJID"), subject_kind)),
        les=pl.lit(_enum_codes(tr.get_column("TRLNKID"), lesion_kind)),
        test=_upper("TRTESTCD").replace_strict(_TESTS, default=0, return_dtype=pl.Int8),
        dated=(day + _DAY_OFFSET) * 4 + priority,
        scan=(pl.col("VISITNUM").cast(pl.Float64) if use_visits else day.cast(pl.Float64)),
        blvisit=(_per_distinct(tr, "VISIT", lambda c: c.str.contains("BASELINE"))
                 .fill_null(False) if "VISIT" in tr.columns else pl.lit(False)),
        diam=pl.when(not_done).then(None).otherwise(diameter),
        state=pl.when(not_done).then(pl.lit(_STATE_CODES[schema.NOT_EVALUATED], pl.Int8))
        .otherwise(state.replace_strict(_STATE_CODES, default=0, return_dtype=pl.Int8)),
    ).with_columns(lkey=lesion_key)

    lesion_keys = subjects.len() * n_lesion_ids
    identified = _lookup(lesions.get_column("lkey"), pl.repeat(True, lesions.height, eager=True),
                         lesion_keys, rows.get_column("lkey"))
    unknown = rows.filter(pl.lit(identified).is_null())
    if unknown.height:
        index = int(unknown["_row"].min())  # type: ignore[arg-type]
        record = tr.filter(pl.col("_row") == index)
        subject, lesion = record["USUBJID"][0], record["TRLNKID"][0]
        raise CohortInputError(tr_source, f"lesion {lesion!r} of subject {subject!r} is not "
                               "identified in TU (TRLNKID must match a TULNKID)",
                               row=index + 1, column="TRLNKID")

    # Scans: a visit (or a date) per subject, dated by its latest record; the scan key packs
    # the subject above the visit's rank among the distinct visit numbers.
    visits = rows.get_column("scan").unique().drop_nulls().sort()
    visit_code = pl.lit(_sorted_codes(rows.get_column("scan"), visits))
    rows = rows.with_columns(skey=pl.col("sid") * max(visits.len(), 1) + visit_code) \
        .drop("scan")
    scans = (
        rows.filter(pl.col("skey").is_not_null())
        .group_by("skey")
        .agg(pl.col("dated").max(), pl.col("blvisit").max(), pl.col("sid").first())
        .filter(pl.col("dated").is_not_null())
        .with_columns(day=pl.col("dated") // 4 - _DAY_OFFSET, adtf=pl.col("dated") % 4)
    )
    markers = scans.filter("blvisit").group_by("sid").agg(marker=pl.col("day").max())
    tu_markers = lesions.filter("tublfl").group_by("sid").agg(tumarker=pl.col("tuday").max())
    baselines = (
        scans.join(markers, on="sid", how="left").join(tu_markers, on="sid", how="left")
        .with_columns(marker=pl.coalesce("marker", "tumarker"))
        .group_by("sid")
        .agg(bl=pl.coalesce(pl.col("day").filter(pl.col("day") <= pl.col("marker")).max(),
                            pl.col("day").min()))
    )
    scans = (scans.join(baselines, on="sid").filter(pl.col("day") >= pl.col("bl"))
             .with_columns(base=pl.col("day") == pl.col("bl")))
    # Per subject and date (several visits may share one): the least imputed flag.
    date_key = pl.col("sid") * (1 << _DAY_BITS) + pl.col("day") + _DAY_OFFSET
    scan_dates = (scans.with_columns(dkey=date_key).group_by("dkey")
                  .agg(pl.col("sid").first(), pl.col("day").first(), pl.col("adtf").max(),
                       pl.col("base").max())
                  .sort("dkey").with_row_index("_i"))
    # Each scan date's ordinal within its subject (0 = the baseline): the derivation groups by
    # it over a dense integer range.
    first_of_subject = (pl.col("sid") != pl.col("sid").shift(1)).fill_null(True)
    scan_dates = scan_dates.with_columns(
        scan=(pl.col("_i") - pl.when(first_of_subject).then(pl.col("_i")).forward_fill())
        .cast(pl.Int64)).drop("_i")

    node_tests = rows.filter(pl.col("test") == _TESTS["LPERP"]).get_column("lkey").unique()
    lesions = lesions.with_columns(
        node=pl.col("locnode") | pl.col("lkey").is_in(node_tests.implode()))
    # Each record's scan date and lesion: look-ups by the dense integer keys (a gather, far
    # cheaper than a join of tens of millions of rows).
    lkeys, skeys = rows.get_column("lkey"), rows.get_column("skey")
    placed = rows.select(
        "lkey", "test", "diam", "state",
        day=pl.lit(_lookup(scans.get_column("skey"), scans.get_column("day"),
                           subjects.len() * max(visits.len(), 1), skeys)),
        role=pl.lit(_lookup(lesions.get_column("lkey"), lesions.get_column("role"),
                            lesion_keys, lkeys)),
        node=pl.lit(_lookup(lesions.get_column("lkey"), lesions.get_column("node"),
                            lesion_keys, lkeys)),
    ).filter(pl.col("day").is_not_null())
    del rows, lkeys, skeys, dates  # the records' columns are not needed again: free them
    value_key = pl.col("lkey") * (1 << _DAY_BITS) + pl.col("day") + _DAY_OFFSET
    test = pl.col("test")

    # Targets: the measurement test for the lesion's kind; the largest value per scan date.
    target_values = (
        placed.filter((pl.col("role") == _ROLE_CODES[schema.ROLE_TARGET])
                      & pl.when(pl.col("node")).then((test == _TESTS["LPERP"])
                                                     | (test == _TESTS["DIAMETER"]))
                      .otherwise((test == _TESTS["LDIAM"]) | (test == _TESTS["DIAMETER"])))
        .group_by(vkey=value_key).agg(DIAM=pl.col("diam").max())
    )
    # Non-targets and new lesions: the worst state per scan date.
    states = placed.filter(test == _TESTS["TUMSTATE"])
    nt_values = (
        states.filter(pl.col("role") == _ROLE_CODES[schema.ROLE_NON_TARGET])
        .group_by(vkey=value_key)
        .agg(state=pl.col("state").filter(pl.col("state") <= _STATE_CODES[
            schema.UNEQUIVOCAL_PROGRESSION]).max())
    )
    new_state = pl.col("state").replace(_STATE_CODES[schema.PRESENT],
                                        _STATE_CODES[schema.UNEQUIVOCAL])
    new_values = (
        states.filter(pl.col("role") == _ROLE_CODES[schema.ROLE_NEW])
        .with_columns(state=new_state)
        .filter(pl.col("state") >= _STATE_CODES[schema.EQUIVOCAL])
        .group_by(vkey=value_key).agg(pl.col("state").max(), pl.col("lkey").first(),
                                       pl.col("day").first())
        .with_columns(dkey=(pl.col("lkey") // n_lesion_ids) * (1 << _DAY_BITS) + pl.col("day")
                      + _DAY_OFFSET)
        .join(scan_dates.select("dkey", "sid", "adtf", "base", "scan"), on="dkey")
        .join(lesions.select("lkey", "les", "role", "node"), on="lkey")
        .select("sid", "day", "scan", "adtf", "base", "les", "lkey", "role", "node",
                diam=pl.lit(None, pl.Float64), state="state")
    )

    def every_scan(role: str) -> pl.DataFrame:
        """Each lesion of the role at each of its subject's scan dates."""
        return (lesions.filter(pl.col("role") == _ROLE_CODES[role])
                .select("sid", "les", "lkey", "role", "node")
                .join(scan_dates.select("sid", "day", "adtf", "base", "scan"), on="sid")
                .with_columns(vkey=value_key))

    columns = ("sid", "day", "scan", "adtf", "base", "les", "lkey", "role", "node")
    targets = every_scan(schema.ROLE_TARGET).join(target_values, on="vkey", how="left").select(
        *columns, diam="DIAM", state=pl.lit(None, pl.Int8))
    non_targets = every_scan(schema.ROLE_NON_TARGET).join(nt_values, on="vkey", how="left") \
        .select(*columns, diam=pl.lit(None, pl.Float64),
                state=pl.col("state").fill_null(_STATE_CODES[schema.NOT_EVALUATED]))
    table = pl.concat([targets, non_targets, new_values.select(*columns, "diam", "state")])
    # The imputation priority (2 complete, 1 "D", 0 "M") as ADTF_CODES.
    table = table.with_columns(adtf=(2 - pl.col("adtf")).cast(pl.Int8))
    return table, subjects, lesion_ids, lesions.select("lkey", "ORGAN")


_DENSE_LIMIT = 1 << 26
"""Look-up tables up to this many entries are arrays indexed by the key; larger ones joins."""


def _lookup(keys: pl.Series, values: pl.Series, size: int, at: pl.Series) -> pl.Series:
    """``values`` by ``keys`` (distinct, ``0 <= key < size``) at the keys ``at``; null where a
    key is null or has no value."""
    if size <= _DENSE_LIMIT:
        table = pl.Series(values=[None], dtype=values.dtype).new_from_index(0, max(size, 1))
        return table.scatter(keys, values).gather(at)
    found = pl.DataFrame({"k": at}).join(pl.DataFrame({"k": keys, "v": values}), on="k",
                                          how="left", maintain_order="left")
    return found.get_column("v")


def _sorted_codes(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """The position of each value among ``distinct`` (sorted, no nulls); null stays null."""
    return distinct.search_sorted(values, side="left").cast(pl.Int64).set(
        values.is_null(), None)


def responses_table(rs: pl.DataFrame, *, evaluator: str | None = "INVESTIGATOR",
                    category: str | None = None, check: bool = True,
                    source: str = "RS", codes: Collection[str] | None = None,
                    first_line: int | None = None) -> pl.DataFrame:
    """RS → (USUBJID, ADT, ADTF, OVRLRESP): the overall responses as recorded.

    ``category`` keeps one ``RSCAT`` (e.g. ``RECIST 1.1``) when the column is present.
    ``codes``, when given, are the responses the caller can use (e.g. RECIST 1.1's for the
    derivation): another one raises :class:`CohortInputError` at its row.
    """
    if check:
        check_domain(rs, "RS", source)
    rs = _evaluator_filter(_normalised(rs).with_row_index("_row"), "RS", evaluator)
    if category is not None and "RSCAT" in rs.columns:
        rs = rs.filter(_upper("RSCAT") == category.upper())
    dates = _dtc_parsed(rs.get_column("RSDTC"))
    not_done = _not_done(rs, "RS")
    code = _upper("RSSTRESC").cast(pl.String)
    response = pl.when(not_done & code.is_null()).then(pl.lit("NE")).otherwise(code)
    out = (
        rs.select("_row", pl.col("USUBJID").cast(pl.String),
                  pl.lit(dates.get_column("date")).alias("ADT"),
                  pl.lit(dates.get_column("flag")).alias("ADTF"), response.alias("OVRLRESP"),
                  (_upper("RSTESTCD") == "OVRLRESP").alias("_overall"))
        .filter(pl.col("_overall") & pl.col("ADT").is_not_null())
    )
    if codes is not None:
        unusable = out.filter(~pl.col("OVRLRESP").is_in(list(codes)))
        if unusable.height:
            index = int(unusable["_row"].min())  # type: ignore[arg-type]
            value = unusable.filter(pl.col("_row") == index)["OVRLRESP"][0]
            raise CohortInputError(
                source, f"overall response {value!r} cannot be used here; expected "
                f"{', '.join(codes)}", row=index + 1, column="RSSTRESC",
                line=None if first_line is None else first_line + index)
    out = (
        out.with_columns(pl.col("OVRLRESP").replace_strict(_RESPONSE_RANK, default=0,
                                                        return_dtype=pl.Int8).alias("_rank"))
        .group_by("USUBJID", "ADT")
        .agg(pl.col("ADTF").sort_by("_rank").last(), pl.col("OVRLRESP").sort_by("_rank").last())
        .sort("USUBJID", "ADT")
    )
    return out.cast({"USUBJID": pl.String, "ADT": pl.Date, "ADTF": pl.String,
                     "OVRLRESP": pl.String})


def subjects_table(frame: pl.DataFrame, *, source: str = "subjects",
                   first_line: int | None = None) -> pl.DataFrame:
    """An ADSL-like frame → the SUBJECTS schema first (dates parsed), other columns after.

    Raw text dates are parsed (complete ISO dates); columns of the schema that are absent
    (one of RANDDT/TRTSDT, NEWTHDT) are added as null. Raises :class:`CohortInputError`.
    """
    if any(t == pl.String for c, t in frame.schema.items() if _is_adsl_date(c)) or \
            any(c != c.upper() for c in frame.columns):
        frame = _typed(frame, "ADSL", source, first_line)
    check_domain(frame, "ADSL", source, first_line=first_line)
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.SUBJECTS.items()
               if name not in frame.columns]
    frame = frame.with_columns(missing)
    extra = [c for c in frame.columns if c not in schema.SUBJECTS]
    return frame.select([*schema.SUBJECTS, *extra]).cast(pl.Schema(schema.SUBJECTS))
