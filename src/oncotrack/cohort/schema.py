"""The columnar tables every cohort module reads and writes (polars schemas).

``MEASUREMENTS`` is the normalised long table the derivation runs on, one row per subject, scan
date and lesion; SDTM TU/TR (``interop.sdtm``), synthetic cohorts (``cohort.synth``) and case
files all become it. ``SUBJECTS`` is the ADSL-like subject table. ``TIMEPOINTS``, ``ADRS`` and
``ADTTE`` are what the derivation produces (ADaM names where ADaM has them).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ROLE_TARGET, ROLE_NON_TARGET, ROLE_NEW = "TARGET", "NON-TARGET", "NEW"

# Non-target and new-lesion states (SDTM TR TUMSTATE values).
PRESENT, ABSENT = "PRESENT", "ABSENT"
UNEQUIVOCAL_PROGRESSION = "UNEQUIVOCAL PROGRESSION"
NOT_EVALUATED = "NOT EVALUATED"
EQUIVOCAL, UNEQUIVOCAL = "EQUIVOCAL", "UNEQUIVOCAL"

MEASUREMENTS: dict[str, pl.DataType | type[pl.DataType]] = {
    "USUBJID": pl.String,
    "ADT": pl.Date,              # scan date (imputed when partial; see ADTF)
    "ADTF": pl.String,           # date imputation flag: null, "D" (day) or "M" (month and day)
    "BASEFL": pl.Boolean,        # the subject's baseline scan
    "LESIONID": pl.String,       # TULNKID
    "ROLE": pl.String,           # TARGET, NON-TARGET, NEW
    "ORGAN": pl.String,          # TULOC, lower case
    "NODE": pl.Boolean,          # lymph node (target measured by short axis)
    "DIAM": pl.Float64,          # target: mm (too small = 5, absent = 0); null = not evaluated
    "STATE": pl.String,          # non-target: PRESENT/ABSENT/UNEQUIVOCAL PROGRESSION/NOT EVALUATED;
                                 # new: EQUIVOCAL/UNEQUIVOCAL; null for targets
}
"""One row per subject × scan × lesion. A target missing at a scan has a row with DIAM null."""

ROLE_CODES = {ROLE_TARGET: 0, ROLE_NON_TARGET: 1, ROLE_NEW: 2}
STATE_CODES = {NOT_EVALUATED: 1, ABSENT: 2, PRESENT: 3, UNEQUIVOCAL_PROGRESSION: 4,
               EQUIVOCAL: 5, UNEQUIVOCAL: 6}
"""Within a role the larger code is the worse state (non-targets 1–4, new lesions 5–6)."""
ADTF_CODES = {None: 0, "D": 1, "M": 2}

CODED: dict[str, pl.DataType | type[pl.DataType]] = {
    "sid": pl.Int64,             # the subject's position in ``Coded.subjects``
    "scan": pl.Int64,            # the scan date's ordinal among the subject's, from 0
    "les": pl.Int64,             # LESIONID as a number (the same lesion, the same number)
    "role": pl.Int8,             # ROLE_CODES
    "node": pl.Boolean,
    "diam": pl.Float64,          # targets
    "state": pl.Int8,            # STATE_CODES: non-targets and new lesions
}
"""MEASUREMENTS with numbers for strings and only the lesions assessed at a scan (a target with
a diameter, a non-target with an evaluated state, a new lesion seen): what the derivation runs
on. A target or non-target of the subject without a row at a scan is not evaluated there, which
MEASUREMENTS spells out as a row with DIAM null or STATE NOT EVALUATED; leaving those rows out
keeps tens of millions of them from being built and read at cohort scale. Reading SDTM
(``interop.sdtm.coded_measurements``) builds it directly."""

CODED_SCANS: dict[str, pl.DataType | type[pl.DataType]] = {
    "sid": pl.Int64,
    "scan": pl.Int64,
    "day": pl.Int64,             # ADT as days since 1970-01-01
    "adtf": pl.Int8,             # ADTF_CODES
    "base": pl.Boolean,          # BASEFL
}
"""One row per subject and scan date (``Coded.scans``)."""

CODED_LESIONS: dict[str, pl.DataType | type[pl.DataType]] = {
    "sid": pl.Int64,
    "les": pl.Int64,
    "role": pl.Int8,             # TARGET or NON-TARGET
    "node": pl.Boolean,
}
"""One row per target and non-target lesion of a subject (``Coded.lesions``): the lesions each
scan is expected to assess."""


@dataclass(frozen=True)
class Coded:
    """Measurements as numbers: ``CODED`` values, ``CODED_SCANS`` scan dates and
    ``CODED_LESIONS`` lesions, with the USUBJID of each ``sid``."""

    frame: pl.DataFrame
    scans: pl.DataFrame
    lesions: pl.DataFrame
    subjects: pl.Series
    """USUBJID (String) by sid: ``subjects[sid]``."""


SUBJECTS: dict[str, pl.DataType | type[pl.DataType]] = {
    "USUBJID": pl.String,
    "RANDDT": pl.Date,
    "TRTSDT": pl.Date,
    "DTHDT": pl.Date,
    "LSTALVDT": pl.Date,
    "NEWTHDT": pl.Date,          # first new anticancer therapy (censors PFS), if any
}
"""ADSL-like; other columns (ARM, grouping) are carried through untouched."""

TIMEPOINTS: dict[str, pl.DataType | type[pl.DataType]] = {
    "USUBJID": pl.String,
    "ADT": pl.Date,
    "SUMDIAM": pl.Float64,
    "BASE": pl.Float64,          # the baseline sum of diameters
    "PCHGBL": pl.Float64,        # % change from baseline, one decimal
    "NADIR": pl.Float64,
    "PCHGNAD": pl.Float64,
    "TRGRESP": pl.String,
    "NTRGRESP": pl.String,
    "NEWLPROG": pl.Boolean,
    "OVRLRESP": pl.String,
}
"""Per subject and follow-up scan: the RECIST 1.1 derivation, as the per-patient engine gives."""

ADRS_COLUMNS = ("USUBJID", "PARAMCD", "PARAM", "AVALC", "AVAL", "ADT", "ANL01FL")
ADRS_PARAMCDS = ("OVR", "BOR", "CBOR", "RSP", "CRSP", "CB", "PD", "LSTA", "DEATH")

ADTTE_COLUMNS = ("USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC",
                 "CNSDTDSC", "SRCDOM")
ADTTE_PARAMCDS = ("OS", "PFS", "TTP", "DOR")
"""AVAL in days = ADT − STARTDT + 1; CNSR 0 = event, 1 = censored."""


def empty(schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
