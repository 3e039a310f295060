"""Subject-level columns (arm, strata, site…) carried from the subject table into ADaM records.

ADaM analysis datasets repeat the ADSL variables an analysis groups by (ADaM IG 1.3 §3.2:
"ADSL variables may be added to any BDS dataset"), so ``oncotrack cohort survival --by ARM``
reads the arm from ADTTE itself. The derivation's own dates (RANDDT, TRTSDT, DTHDT, LSTALVDT,
NEWTHDT) are not repeated: ADTTE already says what they led to.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from oncotrack.cohort.schema import SUBJECTS


def subject_columns(subjects: pl.DataFrame) -> list[str]:
    """The columns of ``subjects`` beyond the ``SUBJECTS`` schema (grouping columns)."""
    return [c for c in subjects.columns if c not in SUBJECTS]


def carry_subject_columns(frame: pl.DataFrame, subjects: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the subject table's grouping columns appended, matched on ``USUBJID``,
    row order kept; a column ``frame`` already has is left as it is.

    ADaM records come in runs of one subject (ADRS has a dozen per subject), so only the first
    record of each run is matched (a join over one row per run) and the match is spread over
    the run by index (when the runs are the subject table's rows in order, as in the
    derivation's output, even that join is skipped); a USUBJID repeated in ``subjects`` falls
    back to a join of every record (which repeats the record for each match, as a join does).
    """
    extra = [c for c in subject_columns(subjects) if c not in frame.columns]
    if not extra:
        return frame
    table = subjects.select("USUBJID", *extra)
    if table.get_column("USUBJID").is_duplicated().any():
        return frame.join(table, on="USUBJID", how="left", maintain_order="left")
    run = frame.get_column("USUBJID").rle_id()
    ids = run.to_numpy()
    first = np.ones(ids.size, dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    heads = frame.get_column("USUBJID").filter(pl.Series(first))
    keys = table.get_column("USUBJID")
    if keys.null_count() == 0 and heads.equals(keys, check_names=False):
        matched = table  # one run per subject, in the subject table's order: no join needed
    else:
        matched = heads.to_frame().join(table, on="USUBJID", how="left", maintain_order="left")
    return frame.with_columns(matched.drop("USUBJID").gather(run))
