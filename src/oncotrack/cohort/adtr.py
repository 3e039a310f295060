"""ADaM-style ADTR (tumour results): the sum of target-lesion diameters per subject and scan.

One BDS record per subject and follow-up scan with PARAMCD ``SDIAM`` (admiralonco's ADTR
template names the same parameter): ``AVAL`` the sum of diameters in mm, ``BASE`` the baseline
sum, ``CHG`` and ``PCHG`` the change from baseline, ``NADIR`` the smallest earlier sum (baseline
included) and ``PCHGNAD`` the percent change from it — the numbers behind every RECIST 1.1
target response, as :func:`oncotrack.cohort.derive.derive` computed them (exact integer
arithmetic, percentages rounded half to even to one decimal). Waterfall plots read ``PCHG``.

Subjects without target lesions have no SDIAM records (their ``SUMDIAM`` is null).
"""

from __future__ import annotations

import polars as pl

ADTR_PARAM = "Target Lesions Sum of Diameters by Investigator"
ADTR_COLUMNS = ("USUBJID", "PARAMCD", "PARAM", "ADT", "AVAL", "BASE", "CHG", "PCHG", "NADIR",
                "PCHGNAD", "AVALC")
"""``AVALC`` is the overall response at that scan (RECIST 1.1), so one file holds the sums and
the response they led to."""


def adtr(timepoints: pl.DataFrame) -> pl.DataFrame:
    """ADTR from the ``TIMEPOINTS`` frame of a derivation (one record per subject and scan
    with a sum of diameters), sorted by subject and date.

    ``CHG`` is rounded to 6 decimals: the sums are exact to the µm (diameters with up to six
    decimals), and the rounding removes the binary floating-point residue of the subtraction.
    """
    frame = (
        timepoints.filter(pl.col("SUMDIAM").is_not_null())
        .select(
            "USUBJID",
            PARAMCD=pl.lit("SDIAM"),
            PARAM=pl.lit(ADTR_PARAM),
            ADT="ADT",
            AVAL="SUMDIAM",
            BASE="BASE",
            CHG=(pl.col("SUMDIAM") - pl.col("BASE")).round(6),
            PCHG="PCHGBL",
            NADIR="NADIR",
            PCHGNAD="PCHGNAD",
            AVALC="OVRLRESP",
        )
    )
    return frame if _in_order(frame) else frame.sort("USUBJID", "ADT")


def _in_order(frame: pl.DataFrame) -> bool:
    """Whether ``frame`` is already sorted by USUBJID and ADT, with no nulls and no repeated
    (USUBJID, ADT): then sorting would change nothing. The derivation's timepoints usually are
    (subjects in their table's order, scans by date), and checking is much cheaper than a sort
    on a string key."""
    subject, day = pl.col("USUBJID"), pl.col("ADT")
    same = subject == subject.shift(1)
    return bool(frame.select(
        (subject.null_count() == 0) & (day.null_count() == 0)
        & (subject >= subject.shift(1)).fill_null(True).all()
        & (~same | (day > day.shift(1))).fill_null(True).all()
    ).item())

