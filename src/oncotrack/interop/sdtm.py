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
_EXTENSIONS = (".csv", ".xpt", ".json", ".ndjson")


# --- reading files ------------------------------------------------------------------------------


def read_domain(path: str | Path, domain: str | None = None) -> pl.DataFrame:
    """Read one SDTM domain (or ADSL) file, typed and checked (see the module docstring).

    ``domain`` (``TU``, ``TR``, ``RS``, ``ADSL``) defaults to the ``DOMAIN`` column, then the
    file name (``tr.csv``; ``adsl``/``dm``/``subjects`` → ADSL), then the column prefixes.
    """
    path = Path(path)
    source = str(path)
    raw, first_line = _read_raw(path, source)
    kind = _domain_of(raw, path, domain, source)
    frame = _typed(raw, kind, source, first_line)
    check_domain(frame, kind, source, first_line=first_line)
    return frame


def read_subjects(path: str | Path) -> pl.DataFrame:
    """Read an ADSL-like subject file into the SUBJECTS schema (extra columns kept)."""
    source = str(path)
    return subjects_table(read_domain(path, "ADSL"), source=source, first_line=_line0(path))


def _line0(path: str | Path) -> int | None:
    return 2 if Path(path).suffix.lower() == ".csv" else None


def _read_raw(path: Path, source: str) -> tuple[pl.DataFrame, int | None]:
    suffix = path.suffix.lower()
    if suffix not in _EXTENSIONS:
        raise CohortInputError(source, f"unknown file type {suffix or '(none)'!r}; expected "
                               ".csv, .xpt (SAS transport), .json or .ndjson (Dataset-JSON)")
    if not path.is_file():
        raise CohortInputError(source, "file not found" if not path.exists() else
                               "is a folder, not a file")
    if path.stat().st_size == 0:
        raise CohortInputError(source, "the file is empty; expected a header and records")
    if suffix in (".json", ".ndjson"):
        return _blank_to_null(read_dataset_json(path)), (2 if suffix == ".ndjson" else None)
    if suffix == ".xpt":
        import pyreadstat

        try:
            frame, _ = pyreadstat.read_xport(str(path), output_format="polars")
        except Exception as error:
            raise CohortInputError(source, f"not a readable SAS transport (XPT) file: "
                                   f"{error}") from None
        assert isinstance(frame, pl.DataFrame)
        return _blank_to_null(frame), None
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        raise CohortInputError(source, "the file is empty; expected a header and "
                               "records") from None
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CohortInputError(source, f"not a readable CSV file: {first}") from None
    return frame, 2


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
        elif dtype != pl.String:
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


# --- checks -------------------------------------------------------------------------------------


class _Fail(Protocol):
    """The ``fail`` callback the checks share: raise at the first row where ``bad`` holds."""

    def __call__(self, bad: pl.Expr, column: str, message: str,
                 show_value: bool = True) -> None: ...


def _upper(column: str) -> pl.Expr:
    """A code column; frames pass through :func:`_normalised` first (stripped, upper case)."""
    return pl.col(column).cast(pl.String)


_CODE_COLUMNS = ("TUSTRESC", "TUORRES", "TULOC", "TUBLFL", "TUEVAL", "TRTESTCD", "TRSTAT",
                 "TRSTRESC", "TRORRES", "TRSTRESU", "TRORRESU", "TREVAL", "VISIT", "RSTESTCD",
                 "RSSTRESC", "RSSTAT", "RSEVAL", "RSCAT")


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """Code columns stripped and in upper case, computed on their distinct values only."""
    exprs: list[pl.Expr] = []
    for name in _CODE_COLUMNS:
        if name not in frame.columns or frame.schema[name] != pl.String:
            continue
        distinct = frame.get_column(name).unique().drop_nulls()
        clean = distinct.str.strip_chars().str.to_uppercase()
        changed = distinct.filter(distinct != clean)
        if changed.len():
            mapping = dict(zip(changed.to_list(), clean.filter(distinct != clean).to_list(),
                               strict=True))
            exprs.append(pl.col(name).replace(mapping))
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

    def fail(bad: pl.Expr, column: str, message: str, show_value: bool = True) -> None:
        found = _bad_row(frame, bad)
        if found:
            _raise_at(frame, found, column, message, source, first_line, show_value)

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
        _, _, bad = _dtc(dtc)
        fail(bad, dtc, "expected an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY, optionally "
             "with a time)")
        {"TU": _check_tu, "TR": _check_tr, "RS": _check_rs}[domain](frame, fail)
    keys = _present(frame, *_DUPLICATE_KEYS[domain])
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


def _diameter(frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """(diameter in mm, the text it was read from) for TR diameter records."""
    values: list[pl.Expr] = []
    texts: list[pl.Expr] = []
    for result, unit in (("TRSTRESN", "TRSTRESU"), ("TRSTRESC", "TRSTRESU"),
                         ("TRORRES", "TRORRESU")):
        if result not in frame.columns:
            continue
        factor = (pl.when(_upper(unit) == "CM").then(10.0).otherwise(1.0)
                  if unit in frame.columns else pl.lit(1.0))
        text = _upper(result)
        number = pl.col(result).cast(pl.Float64, strict=False) if result != "TRSTRESN" \
            else pl.col(result).cast(pl.Float64)
        values.append(pl.when(text == TOO_SMALL).then(TOO_SMALL_MM).otherwise(number * factor))
        texts.append(text)
    return pl.coalesce(values), pl.coalesce(texts)


def _check_tr(frame: pl.DataFrame, fail: _Fail) -> None:
    test = _upper("TRTESTCD")
    not_done = _not_done(frame, "TR")
    result_column = _present(frame, "TRSTRESC", "TRORRES", "TRSTRESN")[0]
    for unit in _present(frame, "TRSTRESU", "TRORRESU"):
        fail(test.is_in(list(DIAMETER_TESTS)) & pl.col(unit).is_not_null()
             & ~_upper(unit).is_in(["MM", "CM"]), unit, "expected a diameter unit mm or cm")
    diameter, _ = _diameter(frame)
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


_NT_RANK = {schema.UNEQUIVOCAL_PROGRESSION: 4, schema.PRESENT: 3, schema.ABSENT: 2,
            schema.NOT_EVALUATED: 1}
_NEW_RANK = {schema.UNEQUIVOCAL: 2, schema.EQUIVOCAL: 1}
_RESPONSE_RANK = {"PD": 6, "NON-CR/NON-PD": 5, "SD": 4, "PR": 3, "CR": 2, "NE": 1}


def measurements_table(tu: pl.DataFrame, tr: pl.DataFrame, *,
                       evaluator: str | None = "INVESTIGATOR", check: bool = True,
                       tu_source: str = "TU", tr_source: str = "TR") -> pl.DataFrame:
    """TU and TR (typed, as :func:`read_domain` gives) → the MEASUREMENTS table.

    ``check`` runs :func:`check_domain` on both first (frames from elsewhere, e.g. synthetic);
    ``tu_source``/``tr_source`` name them in errors. Rules in the module docstring.
    """
    if check:
        check_domain(tu, "TU", tu_source)
        check_domain(tr, "TR", tr_source)
    tu = _evaluator_filter(_normalised(tu), "TU", evaluator)
    tr = _evaluator_filter(_normalised(tr).with_row_index("_row"), "TR", evaluator)

    # Subjects and lesions as enums (integer codes; sorted, so order is kept) for fast joins.
    subject_kind = pl.Enum(tu.get_column("USUBJID").drop_nulls().unique().sort())
    lesion_kind = pl.Enum(tu.get_column("TULNKID").drop_nulls().cast(pl.String).unique().sort())
    tu_date, _, _ = _dtc("TUDTC")
    baseline_flag = (_upper("TUBLFL") == "Y") if "TUBLFL" in tu.columns else pl.lit(False)
    lesions = (
        tu.select(
            pl.col("USUBJID").cast(subject_kind),
            pl.col("TULNKID").cast(pl.String).cast(lesion_kind).alias("LESIONID"),
            _role_expr(tu).replace_strict(ROLES, default=None).alias("ROLE"),
            pl.col("TULOC").cast(pl.String).str.strip_chars().str.to_lowercase().alias("ORGAN"),
            _upper("TULOC").str.contains("LYMPH").fill_null(False).alias("_locnode"),
            tu_date.alias("_tudate"), baseline_flag.fill_null(False).alias("_tublfl"),
        )
        .sort("_tudate", nulls_last=True)
        .unique(["USUBJID", "LESIONID"], keep="first", maintain_order=True)
    )

    tr_date, tr_flag, _ = _dtc("TRDTC")
    not_done = _not_done(tr, "TR")
    diameter, _ = _diameter(tr)
    state_columns = _present(tr, "TRSTRESC", "TRORRES")
    state = pl.coalesce([_upper(c) for c in state_columns]) if state_columns \
        else pl.lit(None, pl.String)
    use_visits = "VISITNUM" in tr.columns and tr["VISITNUM"].null_count() == 0
    rows = tr.select(
        "_row", pl.col("USUBJID").cast(subject_kind, strict=False),
        pl.col("TRLNKID").cast(pl.String).cast(lesion_kind, strict=False).alias("LESIONID"),
        _upper("TRTESTCD").alias("_test"),
        tr_date.alias("_date"), tr_flag.alias("_flag"),
        (pl.col("VISITNUM").cast(pl.Float64) if use_visits
         else tr_date.cast(pl.Int32).cast(pl.Float64)).alias("_scan"),
        (_upper("VISIT").str.contains("BASELINE").fill_null(False) if "VISIT" in tr.columns
         else pl.lit(False)).alias("_blvisit"),
        pl.when(not_done).then(None).otherwise(diameter).alias("_diam"),
        pl.when(not_done).then(pl.lit(schema.NOT_EVALUATED)).otherwise(state).alias("_state"),
    )

    unknown = pl.concat([
        rows.filter(pl.col("USUBJID").is_null() | pl.col("LESIONID").is_null()).select("_row"),
        rows.join(lesions, on=["USUBJID", "LESIONID"], how="anti").select("_row"),
    ])
    if unknown.height:
        index = int(unknown["_row"].min())  # type: ignore[arg-type]
        record = tr.filter(pl.col("_row") == index)
        subject, lesion = record["USUBJID"][0], record["TRLNKID"][0]
        raise CohortInputError(tr_source, f"lesion {lesion!r} of subject {subject!r} is not "
                               "identified in TU (TRLNKID must match a TULNKID)",
                               row=index + 1, column="TRLNKID")

    # Scans: a visit (or a date), dated by its latest record.
    scans = (
        rows.filter(pl.col("_scan").is_not_null())
        .group_by("USUBJID", "_scan")
        .agg(pl.col("_date").max().alias("ADT"),
             _least_imputed(pl.col("_flag").filter(pl.col("_date") == pl.col("_date").max()))
             .alias("ADTF"),
             pl.col("_blvisit").any().alias("_blvisit"))
        .filter(pl.col("ADT").is_not_null())
    )
    markers = (
        scans.filter("_blvisit").group_by("USUBJID").agg(pl.col("ADT").max().alias("_marker"))
    )
    tu_markers = (lesions.filter("_tublfl").group_by("USUBJID")
                  .agg(pl.col("_tudate").max().alias("_tumarker")))
    scans = (
        scans.join(markers, on="USUBJID", how="left")
        .join(tu_markers, on="USUBJID", how="left")
        .with_columns(pl.coalesce("_marker", "_tumarker").alias("_marker"))
        .with_columns(
            pl.coalesce(
                pl.col("ADT").filter(pl.col("ADT") <= pl.col("_marker")).max(),
                pl.col("ADT").min(),
            ).over("USUBJID").alias("_bl")
        )
        .filter(pl.col("ADT") >= pl.col("_bl"))
        .with_columns((pl.col("ADT") == pl.col("_bl")).alias("BASEFL"))
        .select("USUBJID", "_scan", "ADT", "ADTF", "BASEFL")
    )
    scan_dates = scans.group_by("USUBJID", "ADT").agg(
        # the least imputed: a complete date on any record makes the date known
        _least_imputed(pl.col("ADTF")).alias("ADTF"), pl.col("BASEFL").any()
    )

    nodes_by_test = (rows.filter(pl.col("_test").is_in(list(NODE_TESTS)))
                     .select("USUBJID", "LESIONID").unique().with_columns(pl.lit(True).alias("_n")))
    lesions = (lesions.join(nodes_by_test, on=["USUBJID", "LESIONID"], how="left")
               .with_columns((pl.col("_locnode") | pl.col("_n").fill_null(False)).alias("NODE"))
               .select("USUBJID", "LESIONID", "ROLE", "ORGAN", "NODE"))
    placed = (rows.join(scans.select("USUBJID", "_scan", "ADT"), on=["USUBJID", "_scan"])
              .join(lesions, on=["USUBJID", "LESIONID"]))

    # Targets: the measurement test for the lesion's kind; the largest value per scan date.
    target_values = (
        placed.filter(
            (pl.col("ROLE") == schema.ROLE_TARGET)
            & (pl.col("_test").is_in(["LPERP", "SAXIS", "DIAMETER"]) & pl.col("NODE")
               | pl.col("_test").is_in(["LDIAM", "DIAMETER"]) & ~pl.col("NODE"))
        )
        .group_by("USUBJID", "ADT", "LESIONID").agg(pl.col("_diam").max().alias("DIAM"))
    )
    # Non-targets and new lesions: the worst state per scan date.
    nt_rank = pl.col("_state").replace_strict(_NT_RANK, default=0, return_dtype=pl.Int8)
    new_state = pl.col("_state").replace({schema.PRESENT: schema.UNEQUIVOCAL})
    new_rank = new_state.replace_strict(_NEW_RANK, default=0, return_dtype=pl.Int8)
    states = placed.filter(pl.col("_test") == "TUMSTATE")
    nt_values = (
        states.filter(pl.col("ROLE") == schema.ROLE_NON_TARGET)
        .group_by("USUBJID", "ADT", "LESIONID")
        .agg(pl.col("_state").sort_by(nt_rank).last().alias("STATE"))
    )
    new_rows = (
        states.filter((pl.col("ROLE") == schema.ROLE_NEW) & (new_rank > 0))
        .with_columns(new_state.alias("_state"), new_rank.alias("_rank"))
        .group_by("USUBJID", "ADT", "LESIONID")
        .agg(pl.col("_state").sort_by("_rank").last().alias("STATE"))
        .with_columns(pl.lit(None, pl.Float64).alias("DIAM"))
    )

    def every_scan(role: str) -> pl.DataFrame:
        return lesions.filter(pl.col("ROLE") == role).join(scan_dates, on="USUBJID")

    targets = every_scan(schema.ROLE_TARGET).join(
        target_values, on=["USUBJID", "ADT", "LESIONID"], how="left"
    ).with_columns(pl.lit(None, pl.String).alias("STATE"))
    non_targets = every_scan(schema.ROLE_NON_TARGET).join(
        nt_values, on=["USUBJID", "ADT", "LESIONID"], how="left"
    ).with_columns(pl.col("STATE").fill_null(schema.NOT_EVALUATED),
                   pl.lit(None, pl.Float64).alias("DIAM"))
    new = new_rows.join(scan_dates, on=["USUBJID", "ADT"]).join(
        lesions.drop("ROLE"), on=["USUBJID", "LESIONID"]
    ).with_columns(pl.lit(schema.ROLE_NEW).alias("ROLE"))

    columns = list(schema.MEASUREMENTS)
    role_rank = pl.col("ROLE").replace_strict(
        {schema.ROLE_TARGET: 0, schema.ROLE_NON_TARGET: 1, schema.ROLE_NEW: 2},
        return_dtype=pl.Int8)
    table = pl.concat([frame.select(columns) for frame in (targets, non_targets, new)])
    return (table.sort(pl.col("USUBJID"), pl.col("ADT"), role_rank, pl.col("LESIONID"))
            .cast(schema.MEASUREMENTS))  # type: ignore[arg-type]


def responses_table(rs: pl.DataFrame, *, evaluator: str | None = "INVESTIGATOR",
                    category: str | None = None, check: bool = True,
                    source: str = "RS") -> pl.DataFrame:
    """RS → (USUBJID, ADT, ADTF, OVRLRESP): the overall responses as recorded.

    ``category`` keeps one ``RSCAT`` (e.g. ``RECIST 1.1``) when the column is present.
    """
    if check:
        check_domain(rs, "RS", source)
    rs = _evaluator_filter(_normalised(rs), "RS", evaluator)
    if category is not None and "RSCAT" in rs.columns:
        rs = rs.filter(_upper("RSCAT") == category.upper())
    date, flag, _ = _dtc("RSDTC")
    not_done = _not_done(rs, "RS")
    code = _upper("RSSTRESC")
    response = pl.when(not_done & code.is_null()).then(pl.lit("NE")).otherwise(code)
    out = (
        rs.filter(_upper("RSTESTCD") == "OVRLRESP")
        .select("USUBJID", date.alias("ADT"), flag.alias("ADTF"), response.alias("OVRLRESP"))
        .filter(pl.col("ADT").is_not_null())
        .with_columns(pl.col("OVRLRESP").replace_strict(_RESPONSE_RANK, default=0,
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
