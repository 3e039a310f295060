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
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
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
    "read_coded_measurements",
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
    quick to read. That is the cohort path: text comes as categoricals, and code columns
    (``--TESTCD``, ``--STRESC``, units, …) come normalised, stripped and in upper case as the
    checks and the cohort tables read them, so that neither has anything left to change.
    """
    path = Path(path)
    source = str(path)
    raw, first_line = _read_raw(path, source, None if columns is None else set(columns))
    kind = _domain_of(raw, path, domain, source)
    frame = _typed(raw, kind, source, first_line)
    if columns is not None:
        frame = _normalised(frame)
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
    # read_domain has typed and checked the frame: the table needs neither again.
    return _subjects(read_domain(path, "ADSL"))


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
            # Text is categorical on the cohort path (columns chosen) and strings otherwise,
            # whichever way the file stores it. A file written with dictionary (categorical)
            # columns, as write_sdtm, pandas ``category`` or R factors do, reads straight into
            # categoricals; strings are cast inside the scan, batch by batch, which takes
            # about a third less CPU and a quarter of the memory of casting the whole frame
            # after reading (25 M TR records: 12 s and 1.9 GB against 16 s and 6.5 GB).
            # (Categoricals of named categories, as another polars process may write, are
            # cast to the global ones the checks read by id.)
            text = pl.String if columns is None else pl.Categorical
            chosen = _wanted(list(names), columns)
            cast = [n for n in chosen if names[n] != text
                    and (names[n] == pl.String or isinstance(names[n], pl.Categorical))]
            frame = (pl.scan_parquet(path).select(chosen)
                     .with_columns(pl.col(cast).cast(text)).collect())
        except pl.exceptions.PolarsError as error:
            raise CohortInputError(source, f"not a readable Parquet file: "
                                   f"{_first_line(error)}") from None
        return _blank_to_null(frame), None
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
    """Empty text as null (text or categorical columns)."""
    strings = [c for c, t in frame.schema.items() if t == pl.String]
    exprs = [pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
             for c in strings]
    # A categorical's values are ids into its categories: an empty value is one id, and when
    # the categories hold no empty string no column can (the usual case: nothing to scan).
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Categorical) and "" in dtype.categories:
            empty = dtype.categories[""]
            if (frame.get_column(name).to_physical() == empty).any():
                exprs.append(pl.when(pl.col(name).to_physical() == empty).then(None)
                             .otherwise(pl.col(name)).alias(name))
    return frame.with_columns(exprs) if exprs else frame


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
    if whole and dtype.is_integer() and dtype != pl.UInt64:
        # Already whole (a Parquet or XPT integer column): the same integers as through the
        # floating-point round trip below while they are exact in a float, without 25 M
        # records' worth of casts.
        low, high = frame.select(pl.col(name).min().alias("low"),
                                 pl.col(name).max().alias("high")).row(0)
        if low is None or (low >= -(1 << 53) and high <= 1 << 53):
            return pl.col(name).cast(pl.Int64)
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
    # A value that is not a number makes the column text: most text columns show one in their
    # first rows, which spares parsing every value (a million subjects' ids: 0.2 s each).
    if frame.head(100).select((text.is_not_null() & text.cast(pl.Float64, strict=False)
                               .is_null()).any()).item():
        return column
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

    def parse(value: pl.Expr) -> pl.Expr:
        text = value.str.strip_chars()
        parsed = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        shape_ok = (text.str.len_chars() == 10) | (text.str.slice(10, 1) == "T")
        return pl.struct(date=parsed, bad=(text != "") & (parsed.is_null() | ~shape_ok))

    # Parsed once per distinct value, for the check and the column (a million subjects have
    # a few thousand dates: 0.3 → 0.05 s a column).
    values = frame.get_column(name)
    result = _spread(values if values.dtype in (pl.String, pl.Categorical)
                     else values.cast(pl.String), parse).struct.unnest()
    hits = result.get_column("bad").fill_null(False).arg_true()
    if hits.len():
        _raise_at(frame, (int(hits[0]), hits.len()), name, "expected a complete date "
                  "YYYY-MM-DD", source, first_line)
    return pl.lit(result.get_column("date")).alias(name)


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
    the rows: the distinct values are the ids present (:func:`_category_ids`), and the results
    are placed in a table indexed by id, so that one gather spreads them (a struct result goes
    through its positions instead: a second gather); text goes through an enum of its
    distinct values."""
    if values.dtype == pl.Categorical:
        physical = values.to_physical()
        ids = _category_ids(values)
        distinct = _from_ids(ids, values.dtype)
        results = pl.DataFrame({"v": distinct.cast(pl.String)}).select(
            function(pl.col("v"))).to_series()
        size = int(ids[-1]) + 1 if ids.size else 1
        if not results.dtype.is_nested():
            by_id = pl.Series(values=[None], dtype=results.dtype).new_from_index(0, size)
            return by_id.scatter(ids, results).gather(physical).alias(results.name)
        position = pl.Series(values=[None], dtype=pl.Int64).new_from_index(0, size) \
            .scatter(ids, pl.int_range(ids.size, eager=True))
        return results.gather(position.gather(physical))
    text = values if values.dtype == pl.String else values.cast(pl.String)
    distinct = text.unique().drop_nulls().sort()
    results = pl.DataFrame({"v": distinct}).select(function(pl.col("v"))).to_series()
    return results.gather(text.cast(pl.Enum(distinct)).to_physical())


def _distinct(values: pl.Series) -> pl.Series:
    """The distinct non-null values of a text or categorical column (a categorical's from the
    ids present, :func:`_category_ids`: far faster than ``unique`` at millions of rows)."""
    if values.dtype == pl.Categorical:
        return _from_ids(_category_ids(values), values.dtype).alias(values.name)
    return values.unique().drop_nulls()


def _category_ids(values: pl.Series) -> npt.NDArray[np.uint32]:
    """The physical ids of a categorical column's non-null values, each once, ascending.

    The ids index the categories (equal strings, equal ids), so the distinct values are the
    ids marked in a table as long as the categories: one scatter of the rows' ids, a few
    times cheaper than hashing them (25 M records: about 0.1 s a column)."""
    physical = values.to_physical()
    if physical.null_count():
        physical = physical.drop_nulls()
    if physical.len() == 0:
        return np.zeros(0, dtype=np.uint32)
    ids = physical.to_numpy()
    seen = np.zeros(int(ids.max()) + 1, dtype=np.bool_)
    seen[ids] = True
    return np.flatnonzero(seen).astype(np.uint32)


def _from_ids(ids: npt.NDArray[np.uint32], dtype: pl.DataType) -> pl.Series:
    """The categorical values (of ``dtype``'s categories) with these physical ids."""
    return pl.Series(ids, dtype=pl.UInt32).cat.to(dtype)


_CODE_COLUMNS = ("TUSTRESC", "TUORRES", "TULOC", "TUBLFL", "TUEVAL", "TRTESTCD", "TRSTAT",
                 "TRSTRESC", "TRORRES", "TRSTRESU", "TRORRESU", "TREVAL", "VISIT", "RSTESTCD",
                 "RSSTRESC", "RSSTAT", "RSEVAL", "RSCAT")


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """Code columns stripped and in upper case, computed on their distinct values only.

    Categorical columns are checked once for all on their categories: the strings that
    normalising changes are found among the categories in the columns' id ranges, and a
    column is looked at row by row only when it may hold one of them (an id in its range);
    when nothing changes (a frame :func:`read_domain` gave) the frame comes back as it is,
    at the cost of a minimum and a maximum per column."""
    exprs: list[pl.Expr | pl.Series] = []
    categorical = [n for n in _CODE_COLUMNS if frame.schema.get(n) == pl.Categorical]
    old, new = _changed_ids([frame.get_column(n) for n in categorical])
    for name in _CODE_COLUMNS:
        dtype = frame.schema.get(name)
        if name in categorical:
            if old.size:
                renamed = _renamed_ids(frame.get_column(name), old, new)
                if renamed is not None:
                    exprs.append(renamed)
            continue
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


def _changed_ids(columns: list[pl.Series]) -> tuple[npt.NDArray[np.uint32],
                                                   npt.NDArray[np.uint32]]:
    """(ids, normalised ids): the global categories within the id ranges of ``columns``
    whose strings stripping or upper-casing changes, and the ids of the changed strings.

    A code column's few values usually have ids close together (a file's dictionary is
    added at once), so the ranges hold a few hundred categories of the millions a cohort's
    identifiers and dates make."""
    ranges: list[tuple[int, int]] = []
    for column in columns:
        physical = column.to_physical()
        low, high = physical.min(), physical.max()
        if low is not None and high is not None:
            ranges.append((int(low), int(high)))  # type: ignore[arg-type]
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    if not merged:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)
    ids = pl.Series(np.concatenate([np.arange(low, high + 1, dtype=np.uint32)
                                    for low, high in merged]))
    text = ids.cat.to(pl.Categorical, strict=False).cast(pl.String)  # null: an unused id
    clean = text.str.strip_chars().str.to_uppercase()
    changed = (text != clean).fill_null(False)
    old = ids.filter(changed)
    new = clean.filter(changed).cast(pl.Categorical).to_physical()
    return old.to_numpy(), new.to_numpy()


def _renamed_ids(values: pl.Series, old: npt.NDArray[np.uint32],
                 new: npt.NDArray[np.uint32]) -> pl.Series | None:
    """``values`` (global categorical) with the ids ``old`` replaced by ``new``; None when it
    holds none of them."""
    physical = values.to_physical()
    low, high = physical.min(), physical.max()
    if low is None or high is None:
        return None
    inside = (old >= low) & (old <= high)  # type: ignore[operator]
    if not inside.any() or not physical.is_in(pl.Series(old[inside]).implode()).any():
        return None
    if inside.sum() <= 8:  # a few values (a lower-case unit): compared, not looked up
        renamed = pl.col("v")
        for before, after in zip(old[inside].tolist(), new[inside].tolist(), strict=True):
            renamed = pl.when(pl.col("v") == before).then(pl.lit(after, pl.UInt32)) \
                .otherwise(renamed)
        ids = physical.to_frame("v").select(renamed).to_series()
    else:
        table = np.arange(int(high) + 1, dtype=np.uint32)  # type: ignore[arg-type]
        table[old[inside]] = new[inside]
        ids = pl.Series(table).gather(physical)
    return ids.cat.to(values.dtype).alias(values.name)


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
        # Dates are checked on the distinct values; only a bad one is spread to the rows.
        _, _, bad = _dtc("v")
        if _distinct(frame.get_column(dtc)).cast(pl.String).to_frame("v").select(
                bad.any()).item():
            fail(pl.lit(_spread(frame.get_column(dtc), lambda _: bad)), dtc,
                 "expected an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY, optionally with a "
                 "time)")
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
    if packed is not None and _all_distinct(packed):
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
    None when they do not fit in 63 bits or a column is not text.

    A categorical column's code is its physical id (equal strings, equal ids) less the
    column's smallest, added in place into one integer array (no look-up);
    only when those do not fit are the widest columns coded by rank among the ids present
    instead, through a table indexed by id. A text column's code is its dense rank (a sort:
    quick on the sorted keys files usually have)."""
    # Per column: codes (UInt32, null where null), what to subtract from them, the code for
    # null (before subtracting), the width in bits, whether the codes are categorical ids.
    columns: list[tuple[pl.Series, int, int, int, bool]] = []
    for key in keys:
        values = frame.get_column(key)
        if values.dtype == pl.Categorical:
            physical = values.to_physical()
            low, high = physical.min(), physical.max()
            if low is None or high is None:  # all null: one code
                columns.append((physical, 0, 0, 1, False))
                continue
            low, high = int(low), int(high)  # type: ignore[arg-type]
            columns.append((physical, low, high + 1, (high - low + 2).bit_length(), True))
        elif values.dtype in (pl.String, pl.Categorical):
            codes = values.cast(pl.String).rank("dense").cast(pl.UInt32) - 1
            size = int(codes.max() or 0) + 1  # type: ignore[arg-type]
            columns.append((codes, 0, size, (size + 1).bit_length(), False))
        else:
            return None
    # Rank the widest categorical columns' ids instead until the key fits.
    while sum(c[3] for c in columns) > 63:
        widest = max((i for i, c in enumerate(columns) if c[4]), key=lambda i: columns[i][3],
                     default=None)
        if widest is None:
            return None
        physical = columns[widest][0]
        ids = _category_ids(physical.cat.to(pl.Categorical))
        table = np.zeros(int(ids[-1]) + 1, dtype=np.uint32)
        table[ids] = np.arange(ids.size, dtype=np.uint32)
        columns[widest] = (pl.Series(table).gather(physical), 0, ids.size,
                           (ids.size + 1).bit_length(), False)
    packed = np.zeros(frame.height, dtype=np.int64)
    for codes, low, null, width, _ in columns:
        if codes.null_count():
            codes = codes.fill_null(null)
        np.left_shift(packed, width, out=packed)
        np.add(packed, codes.to_numpy(), out=packed, casting="unsafe")
        if low:
            np.subtract(packed, low, out=packed)
    return pl.Series(packed)


def _all_distinct(packed: pl.Series) -> bool:
    """Whether the integers are all distinct (a null counts as a value): sorted, no two
    neighbours equal. numpy's sort of 25 M integers takes a fraction of polars' hash-based
    ``n_unique`` on this machine, and rows in key order need no sort at all."""
    if packed.null_count():
        return bool(packed.n_unique() == packed.len())
    values = packed.to_numpy()
    if values.size < 2:
        return True
    descents = int(np.count_nonzero(values[1:] <= values[:-1]))
    if descents == 0:
        return True
    # Rows grouped by subject (the usual file) are runs of ascending keys, which the stable
    # sort (timsort) merges in a fraction of quicksort's time (25 M: 0.5 s against 1.2 s);
    # keys in no order are quicksort's (timsort would take 5 s).
    values = np.sort(values, kind="stable" if descents * 3 < values.size else "quicksort")
    return not bool((values[1:] == values[:-1]).any())


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


def _diameter_checks(frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """Where :func:`_diameter` is null and where it is negative, without computing it: a text
    result's distinct values that are no number (nor ``TOO SMALL TO MEASURE``) or a negative
    one are found once and looked up (``is_in``, by id on a categorical), which spares
    spreading two columns of numbers over every record (25 M: 1 s and 400 MB)."""
    missing: pl.Expr = pl.lit(True)
    negative: pl.Expr = pl.lit(False)
    for result in ("TRSTRESN", "TRSTRESC", "TRORRES"):
        if result not in frame.columns:
            continue
        column = pl.col(result)
        if result == "TRSTRESN" or frame.schema[result].is_numeric():
            empty, below = column.is_null(), column.cast(pl.Float64) < 0
        else:
            distinct = _distinct(frame.get_column(result)).cast(pl.String)
            number = distinct.cast(pl.Float64, strict=False)
            counted = distinct != TOO_SMALL
            not_numbers = distinct.filter(number.is_null() & counted).to_list()
            negatives = distinct.filter((number < 0) & counted).to_list()
            empty = column.is_null() | (column.is_in(not_numbers) if not_numbers
                                        else pl.lit(False))
            below = column.is_in(negatives) if negatives else pl.lit(False)
        # The diameter is the first result that holds one (the unit factor keeps its sign).
        negative = negative | (missing & below)
        missing = missing & empty
    return missing, negative


def _check_tr(frame: pl.DataFrame, fail: _Fail) -> None:
    test = _upper("TRTESTCD")
    not_done = _not_done(frame, "TR")
    result_column = _present(frame, "TRSTRESC", "TRORRES", "TRSTRESN")[0]
    for unit in _present(frame, "TRSTRESU", "TRORRESU"):
        fail(test.is_in(list(DIAMETER_TESTS)) & pl.col(unit).is_not_null()
             & ~_upper(unit).is_in(["MM", "CM"]), unit, "expected a diameter unit mm or cm")
    missing, negative = _diameter_checks(frame)
    is_diameter = test.is_in(list(DIAMETER_TESTS)) & ~not_done
    fail(is_diameter & missing, result_column,
         f"expected a diameter in mm, {TOO_SMALL}, or TRSTAT = NOT DONE")
    fail(is_diameter & negative, result_column, "a diameter cannot be negative")
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
    in errors. Rules in the module docstring. :func:`coded_measurements` is the same content
    with numbers for strings and without the rows of lesions not assessed at a scan: what the
    derivation runs on.
    """
    parts = _measurements(tu, tr, evaluator, check, tu_source, tr_source)
    n_lesion_ids = max(parts.lesion_ids.len(), 1)
    scans = parts.scans.select("sid", "scan", "day", "adtf", "base")
    values = parts.values.select("sid", "scan", "les", "diam", "state")
    new = _ROLE_CODES[schema.ROLE_NEW]
    # Every target and non-target at every scan of its subject: a target not measured there has
    # DIAM null, a non-target not evaluated NOT EVALUATED.
    every = (
        parts.lesions.filter(pl.col("role") != new)
        .select("sid", "les", "lkey", "role", "node")
        .join(scans, on="sid")
        .join(values, on=["sid", "scan", "les"], how="left")
        .with_columns(state=pl.when(pl.col("role") == _ROLE_CODES[schema.ROLE_NON_TARGET])
                      .then(pl.col("state").fill_null(_STATE_CODES[schema.NOT_EVALUATED])))
    )
    new_lesions = (parts.values.filter(pl.col("role") == new)
                   .join(scans, on=["sid", "scan"]))
    columns = ("sid", "day", "adtf", "base", "les", "lkey", "role", "node", "diam", "state")
    table = pl.concat([every.select(columns), new_lesions.select(columns)])
    # The enum codes sort as their strings do.
    order = (((pl.col("sid") * (1 << _DAY_BITS) + pl.col("day") + _DAY_OFFSET) * 3
              + pl.col("role").cast(pl.Int64)) * n_lesion_ids + pl.col("les"))
    table = table.join(parts.lesions.select("lkey", "ORGAN"), on="lkey", how="left").sort(order)
    return table.select(
        USUBJID=pl.lit(parts.subjects.gather(table.get_column("sid"))),
        ADT=pl.col("day").cast(pl.Int32).cast(pl.Date),
        ADTF=pl.col("adtf").replace_strict(_ADTF_NAMES, return_dtype=pl.String),
        BASEFL=pl.col("base"),
        LESIONID=pl.lit(parts.lesion_ids.gather(table.get_column("les"))),
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
    """:func:`measurements_table` as numbers (:class:`~oncotrack.cohort.schema.Coded`): the
    values that were assessed, the scan dates and the lesions, unsorted, without ORGAN; the
    derivation's input, for millions of records."""
    return _as_coded(_measurements(tu, tr, evaluator, check, tu_source, tr_source))


def read_coded_measurements(tu_path: str | Path, tr_path: str | Path, *,
                            evaluator: str | None = "INVESTIGATOR") -> schema.Coded:
    """:func:`coded_measurements` of a TU and a TR file, each read and checked by
    :func:`read_domain` (only :data:`USED_COLUMNS`); errors name the files.

    The tables read are handed to the first step without a name in between, so that nothing
    holds them once their records are arrays: the peak is 1.2 GB lower for a million patients
    (5.8 → 4.6 GB) than when the caller keeps them, as a call to :func:`coded_measurements`
    does."""
    return _as_coded(_measurements(read_domain(tu_path, "TU", columns=USED_COLUMNS["TU"]),
                                   read_domain(tr_path, "TR", columns=USED_COLUMNS["TR"]),
                                   evaluator, False, str(tu_path), str(tr_path)))


def _as_coded(parts: _Parts) -> schema.Coded:
    lesions = parts.lesions.filter(pl.col("role") != _ROLE_CODES[schema.ROLE_NEW])
    return schema.Coded(
        frame=parts.values.select(list(schema.CODED)).cast(schema.CODED),  # type: ignore[arg-type]
        scans=parts.scans.select(list(schema.CODED_SCANS))
        .cast(schema.CODED_SCANS),  # type: ignore[arg-type]
        lesions=lesions.select(list(schema.CODED_LESIONS))
        .cast(schema.CODED_LESIONS),  # type: ignore[arg-type]
        subjects=parts.subjects)


@dataclass(frozen=True)
class _Parts:
    """The measurements with numbers for strings: ``sid`` a subject's position among TU's
    sorted USUBJIDs, ``les`` a lesion id's among the sorted TULNKIDs, ``lkey`` the pair as one
    number, days since 1970, role and state codes."""

    values: pl.DataFrame
    """One row per subject, scan date and lesion assessed there, the worst of its records:
    sid, scan, les, lkey, role, node, diam (targets), state (non-targets ABSENT to UNEQUIVOCAL
    PROGRESSION, new lesions EQUIVOCAL or UNEQUIVOCAL)."""
    scans: pl.DataFrame
    """One row per subject and scan date from the baseline on, by subject and date: sid, scan
    (the date's ordinal within the subject, 0 = baseline), day, adtf (ADTF_CODES), base."""
    lesions: pl.DataFrame
    """One row per subject and lesion (TU), by lkey: lkey, sid, les, role, node, ORGAN."""
    subjects: pl.Series
    """USUBJID by sid."""
    lesion_ids: pl.Series
    """TULNKID by les."""


def _measurements(tu: pl.DataFrame, tr: pl.DataFrame, evaluator: str | None, check: bool,
                  tu_source: str, tr_source: str) -> _Parts:
    """TU and TR as :class:`_Parts`. Records become integer arrays once; every grouping
    afterwards is a look-up or a reduction into arrays indexed by dense integer keys (tens of
    millions of records: several times faster than hash joins and group-bys)."""
    if check:
        check_domain(tu, "TU", tu_source)
        check_domain(tr, "TR", tr_source)
    tu = _evaluator_filter(_normalised(tu), "TU", evaluator)
    tr = _evaluator_filter(_normalised(tr).with_row_index("_row"), "TR", evaluator)

    subjects, (tu_sid, tr_sid) = _ranked(tu.get_column("USUBJID"), tr.get_column("USUBJID"))
    lesion_ids, (tu_les, tr_les) = _ranked(tu.get_column("TULNKID"), tr.get_column("TRLNKID"))
    n_lesion_ids = max(lesion_ids.len(), 1)
    lesions = _lesions(tu, tu_sid, tu_les, n_lesion_ids)
    records = _records(tr, tr_sid)
    record_key = np.where((tr_sid >= 0) & (tr_les >= 0), tr_sid * n_lesion_ids + tr_les, -1)
    lesion_row = _positions(lesions.get_column("lkey").to_numpy(), record_key,
                            subjects.len() * n_lesion_ids)
    del tr_les, record_key
    unknown = np.flatnonzero(lesion_row < 0)
    if unknown.size:
        index = int(unknown[0])
        subject, lesion = tr["USUBJID"][index], tr["TRLNKID"][index]
        row = int(tr["_row"][index])
        raise CohortInputError(tr_source, f"lesion {lesion!r} of subject {subject!r} is not "
                               "identified in TU (TRLNKID must match a TULNKID)",
                               row=row + 1, column="TRLNKID")
    del tr  # the records' arrays are what is needed from here on
    # A lesion is a node when its location says so or it is measured by short axis.
    by_short_axis = np.zeros(lesions.height, np.bool_)
    by_short_axis[lesion_row[records.test == _TESTS["LPERP"]]] = True
    lesions = lesions.with_columns(node=pl.col("locnode") | pl.lit(by_short_axis))
    scans, scan_row = _scan_dates(records, lesions, subjects.len())
    values = _worst_values(records, lesion_row, scan_row, scans, lesions)
    return _Parts(values=values, scans=scans, lesions=lesions, subjects=subjects,
                  lesion_ids=lesion_ids)


def _ranked(reference: pl.Series, *others: pl.Series) -> tuple[pl.Series, list[np.ndarray]]:
    """The distinct values of ``reference`` as sorted text, and for ``reference`` and each of
    ``others`` every row's position among them (-1: null or not among them).

    Categorical columns sharing their categories (polars' global ones, as reading gives) are
    looked up by their integer ids, so that no text is hashed per row."""
    columns = (reference, *others)
    distinct = _distinct(reference).cast(pl.String).unique().sort()
    if reference.dtype == pl.Categorical and all(c.dtype == reference.dtype for c in columns):
        ids = distinct.cast(reference.dtype).to_physical().to_numpy()
        size = max(int(c.to_physical().max() or 0) for c in columns) + 2  # type: ignore[arg-type]
        table = np.full(size, -1, np.int64)  # the last slot: nulls
        table[ids] = np.arange(ids.size)
        return distinct, [table[c.to_physical().fill_null(size - 1).to_numpy()]
                          for c in columns]
    kind = pl.Enum(distinct)
    return distinct, [_enum_codes(c, kind).fill_null(-1).to_numpy() for c in columns]


def _positions(keys: np.ndarray, at: np.ndarray, size: int) -> np.ndarray:
    """The position of each of ``at`` among ``keys`` (distinct, sorted, ``0 <= key < size``);
    -1 where absent or negative."""
    if size <= _DENSE_LIMIT:
        table = np.full(size + 1, -1, np.int64)  # the last slot: negative keys
        table[keys] = np.arange(keys.size)
        return table[np.where(at >= 0, at, size)]
    if keys.size == 0:
        return np.full(at.size, -1, np.int64)
    found = np.minimum(np.searchsorted(keys, at), keys.size - 1)
    return np.where((at >= 0) & (keys[found] == at), found, -1)


def _lesions(tu: pl.DataFrame, sid: np.ndarray, les: np.ndarray,
             n_lesion_ids: int) -> pl.DataFrame:
    """TU: one row per subject and lesion id (its earliest identification; the first record
    among equals), by lkey: lkey, sid, les, role, ORGAN, locnode, tuday, tublfl."""
    day = _dtc_parsed(tu.get_column("TUDTC")).get_column("date").cast(pl.Int32).cast(pl.Int64)
    known = np.flatnonzero((sid >= 0) & (les >= 0))
    lkey = sid[known] * n_lesion_ids + les[known]
    undated = (1 << _DAY_BITS) - 1  # after every date
    ordering = lkey * (1 << _DAY_BITS) + (day.fill_null(undated - _DAY_OFFSET).to_numpy()[known]
                                          + _DAY_OFFSET)
    order = np.argsort(ordering, kind="stable")
    sorted_keys = lkey[order]
    first = np.ones(order.size, np.bool_)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    chosen = known[order[first]]
    picked = tu.select(_present(tu, "TUSTRESC", "TUORRES", "TULOC", "TUBLFL"))[chosen]
    baseline_flag = (_upper("TUBLFL") == "Y") if "TUBLFL" in tu.columns else pl.lit(False)
    return picked.select(
        lkey=pl.lit(sorted_keys[first]),
        sid=pl.lit(sid[chosen]),
        les=pl.lit(les[chosen]),
        role=_role_expr(picked).replace_strict({k: _ROLE_CODES[v] for k, v in ROLES.items()},
                                           default=None, return_dtype=pl.Int8),
        ORGAN=_per_distinct(picked, "TULOC", lambda c: c.str.strip_chars().str.to_lowercase()),
        locnode=_per_distinct(picked, "TULOC", lambda c: c.str.contains("LYMPH"))
        .fill_null(False),
        tuday=pl.lit(day.gather(chosen)),
        tublfl=baseline_flag.fill_null(False),
    )


@dataclass(frozen=True)
class _Records:
    """TR records as arrays (one entry per record)."""

    sid: np.ndarray
    test: np.ndarray
    """``_TESTS`` codes, 0 for another test."""
    dated: np.ndarray
    """The day and its imputation packed, ``(day + _DAY_OFFSET) × 4 + priority`` (2 complete,
    1 "D", 0 "M"), so that one maximum finds a scan's latest date and, on it, the least imputed
    flag; 0 without a date."""
    visit: pl.Series
    """VISITNUM, or the day without VISITNUM (null: no scan)."""
    baseline_visit: np.ndarray
    diam: pl.Series
    """mm (null: not measured)."""
    state: np.ndarray
    """``STATE_CODES``, 0 for none."""


def _records(tr: pl.DataFrame, sid: np.ndarray) -> _Records:
    """TR as :class:`_Records`: every code is looked up once per distinct value."""
    date, flag, _ = _dtc("v")
    priority = pl.when(flag == "D").then(1).when(flag == "M").then(0).otherwise(2)
    dated = _spread(tr.get_column("TRDTC"), lambda v: (
        (date.cast(pl.Int32).cast(pl.Int64) + _DAY_OFFSET) * 4 + priority)).fill_null(0)
    if "VISITNUM" in tr.columns and tr["VISITNUM"].null_count() == 0:
        visit = tr.get_column("VISITNUM").cast(pl.Float64)
    else:
        visit = (dated // 4 - _DAY_OFFSET).cast(pl.Float64).set(dated == 0, None)
    baseline_visit = (_spread(tr.get_column("VISIT"), lambda v: v.str.contains("BASELINE"))
                      .fill_null(False).to_numpy() if "VISIT" in tr.columns
                      else np.zeros(tr.height, np.bool_))
    not_done = tr.select(_not_done(tr, "TR")).to_series()
    state = pl.Series(values=[None], dtype=pl.Int8).new_from_index(0, tr.height)
    for column in reversed(_present(tr, "TRSTRESC", "TRORRES")):  # the first present wins
        code = _spread(tr.get_column(column), lambda v: v.replace_strict(
            _STATE_CODES, default=0, return_dtype=pl.Int8))
        state = code.fill_null(state)
    state = state.set(not_done, _STATE_CODES[schema.NOT_EVALUATED])
    return _Records(
        sid=sid,
        test=_spread(tr.get_column("TRTESTCD"), lambda v: v.replace_strict(
            _TESTS, default=0, return_dtype=pl.Int8)).fill_null(0).to_numpy(),
        dated=dated.to_numpy(),
        visit=visit,
        baseline_visit=baseline_visit,
        diam=tr.select(pl.when(pl.lit(not_done)).then(None).otherwise(_diameter(tr)))
        .to_series(),
        state=state.fill_null(0).to_numpy(),
    )


_NONE = np.iinfo(np.int64).min
_ALL = np.iinfo(np.int64).max


def _scan_dates(records: _Records, lesions: pl.DataFrame,
                n_subjects: int) -> tuple[pl.DataFrame, np.ndarray]:
    """The scan dates from the baseline on (:attr:`_Parts.scans`) and each record's row
    among them (-1: none).

    A scan is a visit per subject (or a date, without VISITNUM), dated by its latest record;
    the baseline is the last scan on or before the baseline visit (or the latest TU date
    flagged TUBLFL), failing both the first; scans before it are dropped; visits on one date
    are one scan date, with the least imputed flag."""
    visits = records.visit.unique().drop_nulls().sort()
    n_visits = max(visits.len(), 1)
    visit_code = _sorted_codes(records.visit, visits)
    size = n_subjects * n_visits
    # One slot past the end takes the records without a scan.
    if size > _DENSE_LIMIT:  # many distinct dates as scans: number the (subject, scan) pairs
        pairs = (pl.Series(records.sid) * n_visits + visit_code).rank("dense")
        size = int(pairs.max() or 0)  # type: ignore[arg-type]
        key = (pairs.cast(pl.Int64) - 1).fill_null(size).to_numpy()
    else:
        key = np.where(visit_code.is_null().to_numpy(), size,
                       records.sid * n_visits + visit_code.fill_null(0).to_numpy())
    latest = np.zeros(size + 1, np.int64)
    np.maximum.at(latest, key, records.dated)
    marked = np.zeros(size + 1, np.bool_)
    marked[key[records.baseline_visit]] = True
    subject_of = np.zeros(size + 1, np.int64)
    subject_of[key] = records.sid
    visit = np.flatnonzero(latest[:size] > 0)  # dated scans
    sid, dated, at_baseline_visit = subject_of[visit], latest[visit], marked[visit]
    day = dated // 4 - _DAY_OFFSET

    # Baseline: the last scan on or before the marker, else the first.
    marker = np.full(n_subjects, _NONE)
    np.maximum.at(marker, sid[at_baseline_visit], day[at_baseline_visit])
    flagged = lesions.filter(pl.col("tublfl") & pl.col("tuday").is_not_null())
    tu_marker = np.full(n_subjects, _NONE)
    np.maximum.at(tu_marker, flagged.get_column("sid").to_numpy(),
                  flagged.get_column("tuday").to_numpy())
    marker = np.where(marker != _NONE, marker, tu_marker)
    before = (marker[sid] != _NONE) & (day <= marker[sid])
    candidate = np.full(n_subjects, _NONE)
    np.maximum.at(candidate, sid[before], day[before])
    first = np.full(n_subjects, _ALL)
    np.minimum.at(first, sid, day)
    baseline = np.where(candidate != _NONE, candidate, first)
    kept = day >= baseline[sid]
    visit, sid, dated, day = visit[kept], sid[kept], dated[kept], day[kept]

    # Scan dates: visits of one subject on one date are one.
    order = np.argsort(sid * (1 << _DAY_BITS) + day + _DAY_OFFSET, kind="stable")
    visit, sid, dated, day = visit[order], sid[order], dated[order], day[order]
    starts_date = np.ones(visit.size, np.bool_)
    starts_date[1:] = (sid[1:] != sid[:-1]) | (day[1:] != day[:-1])
    date_of_visit = np.cumsum(starts_date) - 1
    starts = np.flatnonzero(starts_date)
    priority = np.maximum.reduceat(dated % 4, starts) if starts.size else dated[:0]
    date_sid, date_day = sid[starts], day[starts]
    new_subject = np.ones(starts.size, np.bool_)
    new_subject[1:] = date_sid[1:] != date_sid[:-1]
    first_row = np.maximum.accumulate(np.where(new_subject, np.arange(starts.size), 0))
    scans = pl.DataFrame({
        "sid": date_sid,
        "scan": np.arange(starts.size) - first_row,
        "day": date_day,
        # The imputation priority (2 complete, 1 "D", 0 "M") as ADTF_CODES.
        "adtf": (2 - priority).astype(np.int8),
        "base": date_day == baseline[date_sid],
    })
    row_of_visit = np.full(size + 1, -1, np.int64)
    row_of_visit[visit] = date_of_visit
    return scans, row_of_visit[key]


def _worst_values(records: _Records, lesion_row: np.ndarray, scan_row: np.ndarray,
                  scans: pl.DataFrame, lesions: pl.DataFrame) -> pl.DataFrame:
    """:attr:`_Parts.values`: the records that assess a lesion at a scan date, the worst
    when several do (module docstring, "Conflicts")."""
    test, state = records.test, records.state
    role_of_lesion = lesions.get_column("role").fill_null(-1).to_numpy()
    node_of_lesion = lesions.get_column("node").to_numpy()
    role, node = role_of_lesion[lesion_row], node_of_lesion[lesion_row]
    measured = records.diam.is_not_null().to_numpy()
    lperp, ldiam, diameter = _TESTS["LPERP"], _TESTS["LDIAM"], _TESTS["DIAMETER"]
    target = ((role == _ROLE_CODES[schema.ROLE_TARGET]) & measured
              & np.where(node, (test == lperp) | (test == diameter),
                         (test == ldiam) | (test == diameter)))
    tumour_state = test == _TESTS["TUMSTATE"]
    # Non-targets: an evaluated state (NOT EVALUATED is what no record means).
    non_target = ((role == _ROLE_CODES[schema.ROLE_NON_TARGET]) & tumour_state
                  & (state >= _STATE_CODES[schema.ABSENT])
                  & (state <= _STATE_CODES[schema.UNEQUIVOCAL_PROGRESSION]))
    # New lesions: PRESENT is UNEQUIVOCAL; ABSENT or not done is no new lesion seen.
    new_state = np.where(state == _STATE_CODES[schema.PRESENT],
                         _STATE_CODES[schema.UNEQUIVOCAL], state)
    new = ((role == _ROLE_CODES[schema.ROLE_NEW]) & tumour_state
           & (new_state >= _STATE_CODES[schema.EQUIVOCAL]))
    kept = np.flatnonzero((scan_row >= 0) & (target | non_target | new))
    scan_row, lesion_row = scan_row[kept], lesion_row[kept]
    # A lesion's ordinal within its subject: with the scan date's row, a dense key per value.
    lesion_sid = lesions.get_column("sid").to_numpy()
    new_subject = np.ones(lesion_sid.size, np.bool_)
    new_subject[1:] = lesion_sid[1:] != lesion_sid[:-1]
    ordinal = np.arange(lesion_sid.size) - np.maximum.accumulate(
        np.where(new_subject, np.arange(lesion_sid.size), 0))
    width = int(ordinal.max()) + 1 if ordinal.size else 1
    value_key = scan_row * width + ordinal[lesion_row]
    is_target = target[kept]
    values = pl.DataFrame({
        "key": value_key,
        "scan_row": scan_row,
        "lesion_row": lesion_row,
        "diam": records.diam.gather(kept).set(pl.Series(~is_target), None),
        "state": np.where(is_target, 0, np.where(new, new_state, state)[kept]).astype(np.int8),
    })
    repeated = _repeated(value_key, scans.height * width)
    if repeated.any():
        once = values.filter(pl.lit(~repeated))
        worst = (values.filter(pl.lit(repeated)).group_by("key")
                 .agg(pl.col("scan_row", "lesion_row").first(), pl.col("diam").max(),
                      pl.col("state").max()))
        values = pl.concat([once, worst.select(values.columns)])
    scan_of = values.get_column("scan_row").to_numpy()
    lesion_of = values.get_column("lesion_row").to_numpy()
    return pl.DataFrame({
        "sid": scans.get_column("sid").to_numpy()[scan_of],
        "scan": scans.get_column("scan").to_numpy()[scan_of],
        "les": lesions.get_column("les").to_numpy()[lesion_of],
        "lkey": lesions.get_column("lkey").to_numpy()[lesion_of],
        "role": role_of_lesion[lesion_of].astype(np.int8),
        "node": node_of_lesion[lesion_of],
        "diam": values.get_column("diam"),
        "state": values.get_column("state"),
    }).with_columns(state=pl.when(pl.col("state") > 0).then(pl.col("state")))


def _repeated(keys: np.ndarray, size: int) -> np.ndarray:
    """Whether each key (``0 <= key < size``) occurs more than once."""
    if keys.size < 2 or bool(np.all(keys[1:] > keys[:-1])):
        return np.zeros(keys.size, np.bool_)  # increasing, as records in SDTM order give
    if size <= _DENSE_LIMIT:
        # Each slot keeps the last position that wrote it: an earlier one with the same key
        # finds another position there, and the last one is marked through its key.
        position = np.arange(keys.size, dtype=np.int64)
        last = np.empty(size, np.int64)
        last[keys] = position
        repeat_key = np.zeros(size, np.bool_)
        repeat_key[keys[last[keys] != position]] = True
        repeated: np.ndarray = repeat_key[keys]
        return repeated
    repeated = pl.Series(keys).is_duplicated().to_numpy()
    return repeated


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
    return _subjects(frame)


def _subjects(frame: pl.DataFrame) -> pl.DataFrame:
    """A typed and checked ADSL frame → the SUBJECTS schema first, other columns after."""
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.SUBJECTS.items()
               if name not in frame.columns]
    frame = frame.with_columns(missing)
    extra = [c for c in frame.columns if c not in schema.SUBJECTS]
    return frame.select([*schema.SUBJECTS, *extra]).cast(pl.Schema(schema.SUBJECTS))
