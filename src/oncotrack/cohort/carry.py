"""Subject-level columns (arm, strata, site…) carried from the subject table into ADaM records.

ADaM analysis datasets repeat the ADSL variables an analysis groups by (ADaM IG 1.3 §3.2:
"ADSL variables may be added to any BDS dataset"), so ``oncotrack cohort survival --by ARM``
reads the arm from ADTTE itself. The derivation's own dates (RANDDT, TRTSDT, DTHDT, LSTALVDT,
NEWTHDT) are not repeated: ADTTE already says what they led to.
"""

from __future__ import annotations

import polars as pl

from oncotrack.cohort.schema import SUBJECTS


def subject_columns(subjects: pl.DataFrame) -> list[str]:
    """The columns of ``subjects`` beyond the ``SUBJECTS`` schema (grouping columns)."""
    return [c for c in subjects.columns if c not in SUBJECTS]


def carry_subject_columns(frame: pl.DataFrame, subjects: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the subject table's grouping columns appended, matched on ``USUBJID``,
    row order kept; a column ``frame`` already has is left as it is."""
    extra = [c for c in subject_columns(subjects) if c not in frame.columns]
    if not extra:
        return frame
    return frame.join(subjects.select("USUBJID", *extra), on="USUBJID", how="left",
                      maintain_order="left")
