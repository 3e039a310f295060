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
    return (
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
        .sort("USUBJID", "ADT")
    )

