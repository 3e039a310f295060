"""RECIST 1.1 timepoints, best overall response and time-to-event endpoints for a whole cohort.

The fast path of the per-patient engine (:func:`oncotrack.assess`): the same rules
(docs/clinical-rules.md), computed with polars expressions over the columnar tables of
:mod:`oncotrack.cohort.schema`, with no Python loop over patients. Tested against the
per-patient engine on generated cohorts (tests/cohort/test_derive.py).

How the per-patient engine's sequential state becomes columnar:

* Diameters become integers in µm (``DIAM × 10⁶``, exact for up to six decimals), so the
  thresholds compare exactly, as the engine's :class:`~decimal.Decimal` arithmetic does:
  PD ``10·sum ≥ 12·nadir`` and ``sum − nadir ≥ 5 mm``; PR ``10·sum ≤ 7·baseline``; percentages
  are rounded half to even, as ``round(Decimal, 1)``.
* The nadir before a scan is the cumulative minimum of the complete sums (baseline included) up
  to the previous scan.
* "After an overall CR" needs only earlier overall CRs, and an overall CR never depends on that
  history (a target CR has every measured lesion gone), so it is a cumulative count.
* PR persistence (Working Group) is a state set by a target PR/CR and reset by an overall PD; an
  SD kept as PR never changes that state, so it is the last set/reset event forward-filled.
* Confirmation: the confirming scan of a CR/PR is the first later CR (or CR/PR) at least
  ``confirm_days`` after it (the engine stops at that one), found by a binary search over
  packed (subject, date) keys; what lies between is read from cumulative counts.

The second stage (best responses, ADRS, ADTTE) runs on numpy arrays rather than polars
expressions: the timepoints are sorted by subject (a dense row number) and date, so per-subject
facts are the first or last row of a subject meeting a condition and reach the rows by
indexing, without hash group-bys or joins over millions of rows; ADRS and ADTTE are assembled
in their final order by computed positions instead of being sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl

from oncotrack.cohort.schema import (
    ABSENT,
    ADRS_COLUMNS,
    ADTF_CODES,
    ADTTE_COLUMNS,
    CODED,
    CODED_LESIONS,
    CODED_SCANS,
    EQUIVOCAL,
    PRESENT,
    ROLE_CODES,
    ROLE_NEW,
    ROLE_NON_TARGET,
    ROLE_TARGET,
    STATE_CODES,
    TIMEPOINTS,
    UNEQUIVOCAL,
    UNEQUIVOCAL_PROGRESSION,
    Coded,
)

SCALE = 1_000_000
"""Diameters in µm as integers: exact for diameters written with up to six decimals."""

CR, PR, SD, NON_CR_NON_PD, PD, NE = 1, 2, 3, 4, 5, 6
"""Response codes; also admiralonco's AVAL for OVR/BOR (and RECIST 1.1 §4.4.3's best-first
order)."""
CODES = {CR: "CR", PR: "PR", SD: "SD", NON_CR_NON_PD: "NON-CR/NON-PD", PD: "PD", NE: "NE"}
RESPONSES = tuple(CODES.values())
"""The timepoint responses :func:`derive_from_responses` takes (RECIST 1.1's)."""

_DAY_OFFSET = 1 << 20
"""Added to day numbers (days since 1970) to make them positive in packed integer keys."""
_DAY_SPAN = 1 << 22
"""Packed integer keys: ``high × _DAY_SPAN + day + _DAY_OFFSET`` (subject, response code or a
second day above the day)."""

ADRS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "USUBJID": pl.String, "PARAMCD": pl.String, "PARAM": pl.String, "AVALC": pl.String,
    "AVAL": pl.Float64, "ADT": pl.Date, "ANL01FL": pl.String,
}
ADTTE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "USUBJID": pl.String, "PARAMCD": pl.String, "PARAM": pl.String, "STARTDT": pl.Date,
    "ADT": pl.Date, "AVAL": pl.Int64, "CNSR": pl.Int64, "EVNTDESC": pl.String,
    "CNSDTDSC": pl.String, "SRCDOM": pl.String,
}
assert tuple(ADRS_SCHEMA) == ADRS_COLUMNS
assert tuple(ADTTE_SCHEMA) == ADTTE_COLUMNS

PARAMS = {
    "OVR": "Overall Response by Investigator",
    "BOR": "Best Overall Response by Investigator (confirmation not required)",
    "CBOR": "Best Confirmed Overall Response by Investigator",
    "RSP": "Response by Investigator (confirmation not required)",
    "CRSP": "Confirmed Response by Investigator",
    "CB": "Clinical Benefit by Investigator (confirmed response)",
    "PD": "Disease Progression by Investigator",
    "LSTA": "Last Disease Assessment by Investigator",
    "DEATH": "Death",
    "OS": "Overall Survival",
    "PFS": "Progression-Free Survival",
    "TTP": "Time to Progression",
    "DOR": "Duration of Response",
}


@dataclass(frozen=True)
class Derived:
    """What :func:`derive` returns: three polars frames."""

    timepoints: pl.DataFrame
    """Schema ``TIMEPOINTS``: one row per subject and follow-up scan, by subject and date."""
    adrs: pl.DataFrame
    """Columns ``ADRS_COLUMNS``: OVR per follow-up scan (ANL01FL "Y" when it counts towards the
    best response: on or after the reference date, up to and including the first PD), then BOR,
    CBOR, RSP, CRSP, CB, PD, LSTA and DEATH per subject."""
    adtte: pl.DataFrame
    """Columns ``ADTTE_COLUMNS``: OS, PFS and TTP per subject, DOR per confirmed responder."""


def _days(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int32).cast(pl.Int64)


def _is_in(expr: pl.Expr, codes: tuple[int, ...]) -> pl.Expr:
    out = expr == codes[0]
    for code in codes[1:]:
        out = out | (expr == code)
    return out


def _prefix_before(expr: pl.Expr) -> pl.Expr:
    """Within each subject (frame sorted by ``sid``): the sum of ``expr`` over earlier rows."""
    value = expr.cast(pl.Int64)
    exclusive = value.cum_sum() - value
    first = pl.col("sid") != pl.col("sid").shift(1)
    start = pl.when(first.fill_null(True)).then(exclusive).otherwise(None).forward_fill()
    return exclusive - start


def _percent_tenths(value: pl.Expr, reference: pl.Expr) -> pl.Expr:
    """``round((value − reference) / reference × 100, 1) × 10`` with round half to even, on
    integers (as ``round(Decimal, 1)``); null for a zero reference."""
    numerator = (value - reference) * 1000
    quotient = numerator // reference
    twice_rest = (numerator - quotient * reference) * 2
    up = (twice_rest > reference) | ((twice_rest == reference) & (quotient % 2 != 0))
    rounded = quotient + up.cast(pl.Int64)
    return pl.when(reference != 0).then(rounded).otherwise(None)


def _divided(frame: pl.DataFrame, columns: dict[str, int]) -> pl.DataFrame:
    """``column / divisor``, correctly rounded like Python's ``int / int``.

    polars turns a division by a constant into a multiplication by its reciprocal (-111 / 10
    gives -11.100000000000001); dividing by a materialised column is IEEE division.
    """
    divisors = {d: pl.Series(f"_by{d}", np.full(frame.height, float(d))) for d in
                set(columns.values())}
    return frame.with_columns(*divisors.values()).with_columns(
        [pl.col(c).cast(pl.Float64) / pl.col(f"_by{d}") for c, d in columns.items()]
    ).drop([f"_by{d}" for d in divisors])


def _names(code: pl.Expr) -> pl.Expr:
    return code.replace_strict(CODES, default=None, return_dtype=pl.String)


# --- per scan -----------------------------------------------------------------------------------


def _scans(coded: Coded, n_subjects: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per subject and scan from the subject's baseline on, with what the timepoint
    rules need and the subject-level counts (targets, non-targets, baseline date and sum),
    sorted by subject and date; and the progression dates of new lesions
    (:func:`_progression_dates`).

    ``coded`` has ``sid`` the subject's row in the subject table (``n_subjects`` rows). Per-row
    flags are counted per scan into arrays indexed by (subject, scan ordinal); a lesion of the
    subject without a row at a scan is not evaluated there.
    """
    rows, scans, lesions = coded.frame, coded.scans, coded.lesions
    n_scans = _largest(rows.get_column("scan"), scans.get_column("scan")) + 1
    key = (rows.get_column("sid") * n_scans + rows.get_column("scan")).to_numpy()
    role = rows.get_column("role").fill_null(-1).to_numpy()
    state = rows.get_column("state").fill_null(0).to_numpy()
    diam = rows.get_column("diam")
    value = (diam * SCALE).round(0).cast(pl.Int64).fill_null(0).to_numpy()
    target, non_target = role == ROLE_CODES[ROLE_TARGET], role == ROLE_CODES[ROLE_NON_TARGET]
    measured = target & diam.is_not_null().to_numpy()
    gone = np.where(rows.get_column("node").fill_null(False).to_numpy(),
                    value < 10 * SCALE, value == 0)
    evaluated = ((state == STATE_CODES[PRESENT]) | (state == STATE_CODES[ABSENT])
                 | (state == STATE_CODES[UNEQUIVOCAL_PROGRESSION]))
    counted = {  # name: the rows counted
        "n_meas": measured,
        "n_back": measured & ~gone,
        "nt_eval": non_target & evaluated,
        "nt_prog": non_target & (state == STATE_CODES[UNEQUIVOCAL_PROGRESSION]),
        "nt_absent": non_target & (state == STATE_CODES[ABSENT]),
        "new": (role == ROLE_CODES[ROLE_NEW]) & (state == STATE_CODES[UNEQUIVOCAL]),
    }
    scan_key = scans.select(key=pl.col("sid") * n_scans + pl.col("scan"), day="day",
                            base="base")
    per_scan = _sums_by_key(key, np.where(measured, value, 0), counted, scan_key).with_columns(
        pl.col("nt_prog", "new") > 0,
        sid=pl.col("key") // n_scans,
        scan=pl.col("key") % n_scans,
    )
    # Per subject: its targets and non-targets, and its (earliest) baseline scan.
    sid = per_scan.get_column("sid").to_numpy()
    day = per_scan.get_column("day").to_numpy()
    base = per_scan.get_column("base").to_numpy()
    base_day = np.full(n_subjects, np.iinfo(np.int64).max)
    np.minimum.at(base_day, sid[base], day[base])
    total = per_scan.get_column("total").to_numpy()
    lesion_sid, lesion_role = (lesions.get_column("sid").to_numpy(),
                               lesions.get_column("role").to_numpy())
    n_targets = np.bincount(lesion_sid[lesion_role == ROLE_CODES[ROLE_TARGET]],
                            minlength=n_subjects)
    n_nontargets = np.bincount(lesion_sid[lesion_role == ROLE_CODES[ROLE_NON_TARGET]],
                               minlength=n_subjects)
    complete = (n_targets[sid] > 0) & (per_scan.get_column("n_meas").to_numpy()
                                       == n_targets[sid])
    at_base = base & (day == base_day[sid])
    base_sum = np.zeros(n_subjects, np.int64)
    base_sum[sid[at_base]] = total[at_base]
    base_complete = np.zeros(n_subjects, np.bool_)
    base_complete[sid[at_base]] = complete[at_base]
    kept = day >= base_day[sid]  # no baseline: base_day is the largest integer
    nadir = _nadir_before(per_scan.get_column("key").to_numpy(), n_scans,
                          np.where(complete & kept, total, -1))
    per_scan = per_scan.with_columns(
        base_day=pl.lit(base_day[sid]),
        base_sum=pl.lit(base_sum[sid]),
        base_complete=pl.lit(base_complete[sid]),
        n_targets=pl.lit(n_targets[sid]),
        n_nontargets=pl.lit(n_nontargets[sid]),
        complete=pl.lit(complete),
        nadir=pl.lit(nadir),
    ).filter(pl.lit(kept)).with_columns(base=pl.col("day") == pl.col("base_day"))
    # New lesions (few) dated by their scan: its key's row among the scans' (sorted) keys.
    is_new = np.flatnonzero((role == ROLE_CODES[ROLE_NEW])
                            & rows.get_column("les").is_not_null().to_numpy())
    scan_keys = scan_key.get_column("key").sort()
    new_lesions = rows[is_new].with_columns(day=pl.lit(scan_key.sort("key").get_column("day")
                                                       .gather(scan_keys.search_sorted(
                                                           pl.Series(key[is_new])))))
    return per_scan, _progression_dates(new_lesions)


def _nadir_before(key: np.ndarray, n_scans: int, sums: np.ndarray) -> pl.Series:
    """Per scan (``key`` = subject × n_scans + scan ordinal, increasing): the smallest of the
    subject's complete sums at earlier scans (``sums``: -1 where not complete); null when
    there is none. A running minimum along each subject's row of a subject × scan grid, so
    that it never reaches across subjects."""
    none = np.iinfo(np.int64).max
    if key.size == 0:
        return pl.Series("nadir", [], pl.Int64)
    n_rows = int(key[-1]) // n_scans + 1
    if n_rows * n_scans <= _DENSE_GROUPS:
        grid = np.full(n_rows * n_scans, none, np.int64)
        grid[key] = np.where(sums >= 0, sums, none)
        running = np.minimum.accumulate(grid.reshape(n_rows, n_scans), axis=1)
        before = np.full((n_rows, n_scans), none, np.int64)
        before[:, 1:] = running[:, :-1]
        found = before.reshape(-1)[key]
        return pl.Series("nadir", found).set(pl.Series(found == none), None)
    frame = pl.DataFrame({"sid": key // n_scans, "sum": sums})
    return frame.select(pl.when(pl.col("sum") >= 0).then(pl.col("sum")).cum_min()
                        .forward_fill().shift(1).over("sid").alias("nadir")).to_series()


def _largest(*columns: pl.Series) -> int:
    """The largest value in integer columns (0 when they hold none)."""
    return max((cast(int, c.max()) for c in columns if c.len() > c.null_count()), default=0)


def _sums_by_key(key: np.ndarray, total: np.ndarray, counted: dict[str, np.ndarray],
                 scans: pl.DataFrame) -> pl.DataFrame:
    """Per scan of ``scans`` (``key``: subject × n_scans + scan ordinal, ``day``, ``base``):
    the sum of ``total`` over the rows with its key, and for each name in ``counted`` the
    number of those rows its mask selects; sorted by key, i.e. by subject and date.

    Keys are dense integers, so the sums are added into arrays indexed by the key, several
    times faster than a hash group-by over tens of millions of rows; the counts go in one
    pass, side by side in the bits of one integer per row (each below 2**_COUNT_BITS). A key
    range too large for arrays falls back to polars' group-by.
    """
    keys = scans.get_column("key")
    size = max(_largest(keys), int(key.max()) if key.size else 0) + 1
    names = list(counted)
    if size > _DENSE_GROUPS or len(names) * _COUNT_BITS > 62:
        rows = pl.DataFrame({"key": key, "total": total,
                             **{name: mask.astype(np.int64) for name, mask in counted.items()}})
        grouped = rows.group_by("key").agg(pl.exclude("key").sum())
        return scans.join(grouped, on="key", how="left").with_columns(
            pl.col("total", *names).fill_null(0)).sort("key")
    has_scan = np.zeros(size, dtype=np.bool_)
    has_scan[keys.to_numpy()] = True
    present = np.flatnonzero(has_scan)  # in key order
    position = np.zeros(size, dtype=np.int64)
    position[keys.to_numpy()] = np.arange(keys.len())
    order = position[present]
    out = {"key": present, "day": scans.get_column("day").to_numpy()[order],
           "base": scans.get_column("base").to_numpy()[order]}
    sums = np.zeros(size, np.int64)
    np.add.at(sums, key, total)
    out["total"] = sums[present]
    if names and np.bincount(key).max(initial=0) >= 1 << _COUNT_BITS:  # a count could overflow
        for name in names:
            out[name] = np.bincount(key[counted[name]], minlength=size)[present]
        return pl.DataFrame(out)
    packed = np.zeros(key.size, np.int64)
    for i, name in enumerate(names):
        packed |= counted[name].astype(np.int64) << (i * _COUNT_BITS)
    counts = np.zeros(size, np.int64)
    np.add.at(counts, key, packed)
    counts = counts[present]
    for i, name in enumerate(names):
        out[name] = (counts >> (i * _COUNT_BITS)) & ((1 << _COUNT_BITS) - 1)
    return pl.DataFrame(out)


_COUNT_BITS = 10
"""Bits per count packed by :func:`_sums_by_key` (rows per scan below 1024)."""
_DENSE_GROUPS = 1 << 26
"""Up to this many (subject, scan) keys, :func:`_sums_by_key` counts into arrays."""


def _progression_dates(new: pl.DataFrame) -> pl.DataFrame:
    """Per scan with an unequivocal new lesion seen before as equivocal (same LESIONID): the
    earliest such first equivocal date (RECIST 1.1 §4.3.4 dates PD to it)."""
    first_equivocal = (new.filter(pl.col("state") == STATE_CODES[EQUIVOCAL])
                       .group_by("sid", "les").agg(seen=pl.col("day").min()))
    return (new.filter(pl.col("state") == STATE_CODES[UNEQUIVOCAL])
            .join(first_equivocal, on=["sid", "les"], how="inner")
            .filter(pl.col("seen") < pl.col("day"))
            .group_by("sid", "day").agg(seen=pl.col("seen").min()))


def _timepoint_rules(scans: pl.DataFrame, seen: pl.DataFrame) -> pl.DataFrame:
    """Target, non-target and overall responses at every scan (baseline rows included, first per
    subject; their responses are meaningless)."""
    has_t = pl.col("n_targets") > 0
    total, nadir, base_sum = pl.col("total"), pl.col("nadir"), pl.col("base_sum")
    missing = pl.col("n_meas") < pl.col("n_targets")
    all_gone = pl.col("n_back") == 0
    nt = pl.col("nt")
    nt_cr_or_none = nt.is_null() | (nt == CR)
    out = scans.with_columns(
        nt=pl.when(pl.col("n_nontargets") == 0).then(None)
        .when(pl.col("nt_prog")).then(PD)
        .when(pl.col("nt_eval") < pl.col("n_nontargets")).then(NE)
        .when(pl.col("nt_absent") == pl.col("n_nontargets")).then(CR)
        .otherwise(NON_CR_NON_PD),
        # The baseline row's nadir is its own sum.
        nadir=pl.when(pl.col("base")).then(base_sum).otherwise(nadir),
    )
    out = out.with_columns(
        pd_sum=has_t & ~pl.col("base") & (total * 10 >= nadir * 12)
        & (total - nadir >= 5 * SCALE),
    )
    base_complete = pl.col("base_complete")
    overall_cr = ~pl.col("base") & ~pl.col("new") & pl.when(has_t).then(
        base_complete & ~pl.col("pd_sum") & ~missing & all_gone & nt_cr_or_none
    ).otherwise(nt == CR)
    out = out.with_columns(cr_before=_prefix_before(overall_cr.fill_null(False)) > 0)
    target = (pl.when(~has_t).then(None)
              .when(~base_complete).then(NE)
              .when(pl.col("pd_sum")).then(PD)
              .when(pl.col("cr_before") & ~all_gone).then(PD)
              .when(missing).then(NE)
              .when(all_gone).then(CR)
              .when(total * 10 <= base_sum * 7).then(PR)
              .otherwise(SD))
    out = out.with_columns(target=target)
    t = pl.col("target")
    overall = (pl.when(has_t)
               .then(pl.when(t == PD).then(PD).when(nt == PD).then(PD)
                     .when(pl.col("new")).then(PD)
                     .when((t == CR) & nt_cr_or_none).then(CR)
                     .when((t == CR) | (t == PR)).then(PR)
                     .otherwise(t))
               .otherwise(pl.when(nt == PD).then(PD).when(pl.col("new")).then(PD)
                          .otherwise(nt)))
    out = out.with_columns(overall=overall)
    # Working Group PR persistence: set by a target PR/CR, reset by an overall PD.
    event = (pl.when(pl.col("base")).then(False)
             .when(pl.col("overall") == PD).then(False)
             .when(_is_in(t, (PR, CR))).then(True)
             .otherwise(None))
    out = out.with_columns(pr_before=event.shift(1).forward_fill().fill_null(False))
    keep_pr = (t == SD) & pl.col("pr_before")
    out = out.with_columns(
        target=pl.when(keep_pr).then(PR).otherwise(t),
        overall=pl.when(keep_pr & (pl.col("overall") == SD)).then(PR)
        .otherwise(pl.col("overall")),
    )
    out = out.join(seen, on=["sid", "day"], how="left", maintain_order="left").with_columns(
        prog_day=pl.when(pl.col("overall") == PD)
        .then(pl.min_horizontal("day", "seen")).otherwise(None),
    )
    return out


# --- best overall response ----------------------------------------------------------------------
#
# The second stage works on numpy arrays: the follow-up timepoints are sorted by subject (``sid``,
# dense 0..N-1: the subject's row) and date, so every per-subject aggregate is the first or last
# row of a subject meeting a condition, or a reduction over each subject's run of rows, and every
# subject-level value reaches a row by indexing with ``sid`` — no hash group-by or join over
# millions of rows. Null dates are ``_NULL`` (beyond any real day) in these arrays.

_NULL = 1 << 40
"""A null day in the second stage's arrays (days are within ±2²⁰ of 1970)."""


def _day_array(series: pl.Series) -> np.ndarray:
    """A date or day-number column as int64 days since 1970, ``_NULL`` for null."""
    if series.dtype != pl.Int64:
        series = series.cast(pl.Date).cast(pl.Int32).cast(pl.Int64)
    return series.fill_null(_NULL).to_numpy()


def _first_of(mask: np.ndarray, sid: np.ndarray, n: int, *, last: bool = False) -> np.ndarray:
    """Per subject (rows sorted by ``sid``): the index of its first (``last``: last) row where
    ``mask`` holds, -1 where none does."""
    rows = np.flatnonzero(mask)
    owner = sid[rows]
    edge = np.ones(rows.size, dtype=bool)
    if last:
        edge[:-1] = owner[1:] != owner[:-1]
    else:
        edge[1:] = owner[1:] != owner[:-1]
    out = np.full(n, -1, dtype=np.int64)
    out[owner[edge]] = rows[edge]
    return out


def _at(values: np.ndarray, rows: np.ndarray, missing: int = _NULL) -> np.ndarray:
    """``values[rows]``, ``missing`` where ``rows`` is -1 (no such row)."""
    if values.size == 0:
        return np.full(rows.size, missing, dtype=np.int64)
    return np.where(rows >= 0, values[np.maximum(rows, 0)], missing)


@dataclass(frozen=True)
class _Counted:
    """The timepoints that count towards the best response, as arrays (sorted by subject and
    date): on or after the reference date, up to and including the first PD there."""

    sid: np.ndarray
    day: np.ndarray
    overall: np.ndarray
    rows: np.ndarray
    """Their rows in the follow-up timepoints."""


def _unconfirmed(counted: _Counted, ref: np.ndarray, n: int,
                 sd_window_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Per subject: the best response (NE when nothing counts) and its date. The smallest
    (response, date) key is the best: SD/NON-CR/NON-PD count as NE before the SD window."""
    o, day = counted.overall, counted.day
    stable = (o == SD) | (o == NON_CR_NON_PD)
    early = (day - ref[counted.sid]) < sd_window_days
    graded = np.where(stable & early, NE, o)
    key = graded * _DAY_SPAN + day + _DAY_OFFSET
    starts = np.flatnonzero(np.r_[True, counted.sid[1:] != counted.sid[:-1]]) \
        if counted.sid.size else np.zeros(0, dtype=np.int64)
    best = np.minimum.reduceat(key, starts) if starts.size else key[:0]
    bor = np.full(n, NE, dtype=np.int64)
    bor_day = np.full(n, _NULL, dtype=np.int64)
    owners = counted.sid[starts]
    bor[owners] = best // _DAY_SPAN
    bor_day[owners] = best % _DAY_SPAN - _DAY_OFFSET
    return bor, bor_day


def _confirmations(
    counted: _Counted, n: int, confirm_days: int, max_ne: int, accept_sd: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per subject: the first CR confirmed (``cr_day``) and the first PR confirmed
    (``pr_day``), as :func:`oncotrack.endpoints.bor.confirmation` decides (``_NULL``: none).

    The confirming scan of a CR (PR) is the first later CR (CR or PR) at least
    ``confirm_days`` after it: a binary search over the packed (subject, date) keys; what lies
    between is read from cumulative counts."""
    sid, day, o = counted.sid, counted.day, counted.overall
    key = sid * _DAY_SPAN + day + _DAY_OFFSET  # increasing: sorted by subject and date
    c_ne = np.cumsum(o == NE)
    c_sd = np.cumsum(o == SD)
    c_bad_cr = np.cumsum((o != CR) & (o != NE))
    c_bad_pr = np.cumsum((o == NON_CR_NON_PD) | (o == PD))
    cr_rows = np.flatnonzero(o == CR)
    pr_rows = np.flatnonzero(o == PR)
    gap = max(confirm_days, 1)  # the confirming scan is a later one (dates are unique)
    found: list[np.ndarray] = []
    for wanted_rows, confirmers in ((cr_rows, cr_rows),
                                    (pr_rows, np.flatnonzero((o == CR) | (o == PR)))):
        at = np.searchsorted(key[confirmers], key[wanted_rows] + gap, side="left")
        has = at < confirmers.size
        left = wanted_rows[has]
        right = confirmers[at[has]]
        ok = (sid[right] == sid[left]) & (c_ne[right] - c_ne[left] <= max_ne)
        if wanted_rows is cr_rows:
            ok &= c_bad_cr[right] == c_bad_cr[left]
        else:
            ok &= (c_bad_pr[right] == c_bad_pr[left]) \
                & (c_sd[right] - c_sd[left] <= (1 if accept_sd else 0))
            # A PR after a CR in between (CR, then PR, up to the confirming scan) breaks it.
            next_at = np.searchsorted(cr_rows, left, side="right")
            next_cr = _at(cr_rows, np.where(next_at < cr_rows.size, next_at, -1),
                          np.iinfo(np.int64).max)
            last_pr = pr_rows[np.searchsorted(pr_rows, right, side="right") - 1]
            ok &= ~(next_cr < last_pr)
        good = np.zeros(sid.size, dtype=bool)
        good[left[ok]] = True
        found.append(_at(day, _first_of(good, sid, n)))
    return found[0], found[1]


def _confirmed(
    counted: _Counted, ref: np.ndarray, nt_only: np.ndarray, n: int, sd_window_days: int,
    confirm_days: int, max_ne: int, accept_sd: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Per subject: the confirmed best response (NE when nothing counts) and its date."""
    sid, day, o = counted.sid, counted.day, counted.overall
    late = (day - ref[sid]) >= sd_window_days
    first_row = _first_of(np.ones(sid.size, dtype=bool), sid, n)
    last_row = _first_of(np.ones(sid.size, dtype=bool), sid, n, last=True)
    first_cr = _first_of(o == CR, sid, n)
    after_cr = (first_cr[sid] >= 0) & (np.arange(sid.size) > first_cr[sid])
    stable_day = _at(day, _first_of(((o == CR) | (o == PR) | (o == SD)) & late, sid, n))
    noncr_day = _at(day, _first_of((o == NON_CR_NON_PD) & late, sid, n))
    dac_day = _at(day, _first_of(after_cr & ((o == PR) | (o == SD)), sid, n))
    cr_day, pr_day = _confirmations(counted, n, confirm_days, max_ne, accept_sd)
    last_pd_day = np.where(_at(o, last_row, 0) == PD, _at(day, last_row), _NULL)
    stable = np.where(_at(nt_only, first_row, 0) != 0, NON_CR_NON_PD, SD)
    cbor = np.full(n, NE, dtype=np.int64)
    cbor_day = _at(day, first_row)
    # The first of these that happened decides (later entries are overwritten by earlier).
    for when_day, what in reversed([(cr_day, CR), (pr_day, PR), (stable_day, stable),
                                    (noncr_day, NON_CR_NON_PD), (dac_day, PD),
                                    (last_pd_day, PD)]):
        decided = when_day != _NULL
        cbor = np.where(decided, what, cbor)
        cbor_day = np.where(decided, when_day, cbor_day)
    return cbor, cbor_day


# --- time to event ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Course:
    """Per subject, from a start date on: the first PD scan's progression date and the last
    adequate (not NE) assessment, overall and up to the new therapy (``_NULL``: none)."""

    progression: np.ndarray
    last_adequate: np.ndarray
    last_before_therapy: np.ndarray


def _course(follow: dict[str, np.ndarray], start: np.ndarray, therapy: np.ndarray,
            n: int) -> _Course:
    """``start`` and ``therapy`` per subject (``_NULL``: none; no start, no course)."""
    sid, day, o, prog_day = follow["sid"], follow["day"], follow["overall"], follow["prog_day"]
    begin = start[sid]
    on = (begin != _NULL) & (day >= begin)
    adequate = on & (o != NE) & (o != 0)
    until = therapy[sid]
    last_adequate = _at(day, _first_of(adequate, sid, n, last=True))
    before = adequate & (until != _NULL) & (day <= until)
    return _Course(
        progression=_at(prog_day, _first_of(on & (o == PD) & (prog_day != _NULL), sid, n)),
        last_adequate=last_adequate,
        last_before_therapy=_at(day, _first_of(before, sid, n, last=True)),
    )


_EVENT_DESCRIPTIONS = (
    "LAST ADEQUATE ASSESSMENT BEFORE NEW ANTICANCER THERAPY",
    "START (NEW ANTICANCER THERAPY BEFORE ANY ADEQUATE ASSESSMENT)",
    "DEATH",
    "DISEASE PROGRESSION",
    "LAST ADEQUATE ASSESSMENT",
    "START (NO ADEQUATE ASSESSMENT)",
    "LAST DATE KNOWN ALIVE",
    "START (NOT KNOWN ALIVE LATER)",
)
"""ADTTE's EVNTDESC values, indexed by the codes below."""
_SOURCES = ("ADSL", "ADRS")


@dataclass(frozen=True)
class _Endpoint:
    """One time-to-event parameter per subject: dates (``_NULL``: null), CNSR, EVNTDESC as an
    index into ``_EVENT_DESCRIPTIONS``, SRCDOM as an index into ``_SOURCES``."""

    start: np.ndarray
    adt: np.ndarray
    censored: np.ndarray
    description: np.ndarray
    source: np.ndarray

    def take(self, subjects: np.ndarray) -> _Endpoint:
        return _Endpoint(*(getattr(self, f)[subjects] for f in
                           ("start", "adt", "censored", "description", "source")))


def _event_or_censor(course: _Course, start: np.ndarray, death: np.ndarray,
                     therapy: np.ndarray, death_counts: bool) -> _Endpoint:
    """The FDA 2007 censoring table as :func:`oncotrack.endpoints.survival._event_or_censor`."""
    prog = course.progression
    death_day = np.where((start != _NULL) & (death != _NULL) & (death >= start), death, _NULL) \
        if death_counts else np.full(start.size, _NULL, dtype=np.int64)
    event_day = np.minimum(prog, death_day)  # _NULL is above every day: min of the known
    event = event_day != _NULL
    censor_therapy = (therapy != _NULL) & (~event | (therapy < event_day))
    assessed = course.last_adequate != _NULL
    assessed_before = course.last_before_therapy != _NULL
    adt = np.where(censor_therapy, np.where(assessed_before, course.last_before_therapy, start),
                   np.where(event, event_day,
                            np.where(assessed, course.last_adequate, start)))
    died = (death_day != _NULL) & ((prog == _NULL) | (death_day <= prog))
    description = np.select(
        [censor_therapy & assessed_before, censor_therapy, event & died, event, assessed],
        [0, 1, 2, 3, 4], 5)
    censored = censor_therapy | ~event
    at_start = (censor_therapy & ~assessed_before) | (~censor_therapy & ~assessed)
    from_subject = np.where(censored, at_start, died)
    return _Endpoint(start=start, adt=adt, censored=censored, description=description,
                     source=np.where(from_subject, 0, 1))


def _overall_survival(start: np.ndarray, death: np.ndarray, alive: np.ndarray) -> _Endpoint:
    dead = death != _NULL
    late_enough = (alive != _NULL) & (start != _NULL) & (alive >= start)
    description = np.select([dead, late_enough], [2, 6], 7)
    # max_horizontal of (alive or start) and start, nulls ignored.
    known = np.where(alive != _NULL, alive, start)
    latest = np.where((known != _NULL) & (start != _NULL), np.maximum(known, start),
                      np.where(known != _NULL, known, start))
    return _Endpoint(start=start, adt=np.where(dead, death, latest), censored=~dead,
                     description=description, source=np.zeros(start.size, dtype=np.int64))


# --- the derivation -----------------------------------------------------------------------------


def derive(
    measurements: pl.DataFrame | Coded,
    subjects: pl.DataFrame,
    *,
    reference: str = "RANDDT",
    sd_window_days: int = 42,
    confirm_days: int = 28,
    max_ne: int = 1,
    accept_sd: bool = False,
) -> Derived:
    """RECIST 1.1 timepoints, ADRS and ADTTE for every subject in ``subjects``.

    ``measurements`` has the ``MEASUREMENTS`` columns (or is them as numbers, :class:`Coded`,
    as :func:`oncotrack.interop.sdtm.coded_measurements` gives), ``subjects`` the ``SUBJECTS``
    columns;
    ``reference`` names the subjects' column holding time zero (null: ``TRTSDT`` when on or
    after the baseline scan, else the baseline date, as the per-patient engine's default).
    Measurements of subjects not in ``subjects`` are ignored. The options are those of
    :class:`oncotrack.assessment.Options` with the same defaults; PR persistence is the
    Working Group's, DoR is based on the confirmed best response and death ends a response.

    Two stages: the timepoint responses from the measurements, then everything else from the
    timepoint responses alone (:func:`derive_from_responses` runs that second stage on
    investigator responses).
    """
    return derive_endpoints(derive_timepoints(measurements, subjects), subjects,
                            reference=reference, sd_window_days=sd_window_days,
                            confirm_days=confirm_days, max_ne=max_ne, accept_sd=accept_sd)


_FOLLOW_COLUMNS = ("sid", "day", "base", "overall", "prog_day", "target", "nt", "new", "total",
                   "base_sum", "nadir", "complete", "n_targets")
"""What the second stage reads of the timepoints (the per-scan counts stay behind)."""


@dataclass(frozen=True)
class Timepoints:
    """:func:`derive`'s first stage, the timepoint responses (internal frames, integer keys)."""

    follow: pl.DataFrame
    """One row per subject (``sid``, its row in the subject table) and follow-up scan."""
    baselines: pl.DataFrame
    """Per subject: ``base_day`` and ``n_targets``."""


def derive_timepoints(measurements: pl.DataFrame | Coded, subjects: pl.DataFrame) -> Timepoints:
    """The first stage of :func:`derive`: the RECIST 1.1 timepoint responses."""
    ids = _subject_ids(subjects)
    coded = measurements if isinstance(measurements, Coded) else _coded(measurements)
    # The coded subjects' rows in ``subjects`` (null: not there, ignored), spread to the rows.
    rows_of = (pl.DataFrame({"USUBJID": coded.subjects.cast(pl.String)})
               .join(ids, on="USUBJID", how="left", maintain_order="left")
               .get_column("sid"))

    identity = rows_of.null_count() == 0 and bool(
        (rows_of == pl.int_range(rows_of.len(), eager=True)).all())

    def remapped(frame: pl.DataFrame) -> pl.DataFrame:
        if identity:  # the subject table lists the coded subjects first, in the same order
            return frame
        return (frame.with_columns(sid=pl.lit(rows_of.gather(frame.get_column("sid"))))
                .filter(pl.col("sid").is_not_null()))

    scans, seen = _scans(Coded(frame=remapped(coded.frame), scans=remapped(coded.scans),
                               lesions=remapped(coded.lesions), subjects=coded.subjects),
                         ids.height)
    tps = _timepoint_rules(scans, seen)
    return Timepoints(
        follow=tps.select(_FOLLOW_COLUMNS).filter(~pl.col("base")).drop("base")
        .with_columns(nt_only=pl.col("n_targets") == 0),
        baselines=scans.filter("base").select("sid", "base_day", "n_targets"))


def derive_endpoints(
    timepoints: Timepoints,
    subjects: pl.DataFrame,
    *,
    reference: str = "RANDDT",
    sd_window_days: int = 42,
    confirm_days: int = 28,
    max_ne: int = 1,
    accept_sd: bool = False,
) -> Derived:
    """The second stage of :func:`derive`: best responses, ADRS and ADTTE from the timepoints
    of :func:`derive_timepoints` (same ``subjects``)."""
    return _from_responses(timepoints.follow, timepoints.baselines, subjects,
                           _subject_ids(subjects), reference, detail=True,
                           options=(sd_window_days, confirm_days, max_ne, accept_sd))


def derive_from_responses(
    responses: pl.DataFrame,
    subjects: pl.DataFrame,
    *,
    reference: str = "RANDDT",
    sd_window_days: int = 42,
    confirm_days: int = 28,
    max_ne: int = 1,
    accept_sd: bool = False,
) -> Derived:
    """ADRS and ADTTE from timepoint responses as given (e.g. the investigator's RS
    ``OVRLRESP``, :func:`oncotrack.interop.sdtm.responses_table`), by the rules of
    :func:`derive`'s second stage.

    ``responses`` has ``USUBJID``, ``ADT``, ``OVRLRESP`` (CR, PR, SD, NON-CR/NON-PD, PD, NE)
    and optionally ``ADTF``, one row per subject and date (``responses_table`` keeps the worst
    of several). What measurements would tell and responses cannot:

    * a subject is taken as having non-target disease only (confirmed BOR NON-CR/NON-PD rather
      than SD) when one of its responses is NON-CR/NON-PD, which RECIST 1.1 gives only then;
    * progression is dated at the PD response (no back-dating to an earlier equivocal new
      lesion);
    * with no reference date, time zero is TRTSDT (there is no baseline scan to fall back on).

    The timepoints frame has OVRLRESP only (sums and per-lesion responses are not known).
    """
    ids = _subject_ids(subjects)
    unknown = sorted(set(responses.get_column("OVRLRESP").drop_nulls().unique().to_list())
                     - set(CODES.values()))
    if unknown:
        raise ValueError(f"unknown overall responses {unknown}; expected "
                         f"{', '.join(CODES.values())}")
    given = responses.join(ids, on="USUBJID", how="inner").select(
        "sid", day=_days("ADT"),
        overall=pl.col("OVRLRESP").replace_strict({v: k for k, v in CODES.items()},
                                                  return_dtype=pl.Int64),
        adtf=_flag_code(pl.col("ADTF")) if "ADTF" in responses.columns
        else pl.lit(0, pl.Int8),
    ).filter(pl.col("overall").is_not_null() & pl.col("day").is_not_null())
    duplicated = given.select(pl.struct("sid", "day").is_duplicated().any()).item()
    if duplicated:
        raise ValueError("several responses for one subject and date; keep one (the worst), "
                         "as responses_table does")
    follow = given.sort("sid", "day").with_columns(
        prog_day=pl.when(pl.col("overall") == PD).then(pl.col("day")),
        nt_only=(pl.col("overall") == NON_CR_NON_PD).any().over("sid"),
    )
    baselines = pl.DataFrame(schema={"sid": pl.Int64, "base_day": pl.Int64,
                                     "n_targets": pl.Int64})
    return _from_responses(follow, baselines, subjects, ids, reference, detail=False,
                           options=(sd_window_days, confirm_days, max_ne, accept_sd))


def _coded(measurements: pl.DataFrame) -> Coded:
    """MEASUREMENTS → :class:`Coded` (unknown roles and states become null). Every row is kept
    (a row not evaluated counts as none); the lesions are the subject's targets and
    non-targets in order of first appearance, the scans its distinct dates (baseline: any row
    flagged BASEFL).

    Scans and lesions are numbered from packed (subject, date) and (subject, lesion) keys with
    numpy (``numpy.unique``; no sort for the scans when the rows come by subject and date)
    rather than a window rank and group-bys, which were 40 % of the derivation's time for
    10 000 patients."""
    names = measurements.get_column("USUBJID").drop_nulls().cast(pl.String).unique().sort()
    lesions = measurements.get_column("LESIONID").drop_nulls().cast(pl.String).unique().sort()

    def code(column: str, kind: pl.Enum) -> pl.Expr:
        return pl.col(column).cast(pl.String).cast(kind, strict=False).to_physical() \
            .cast(pl.Int64)

    frame = measurements.select(
        sid=code("USUBJID", pl.Enum(names)),
        day=_days("ADT"),
        adtf=_flag_code(pl.col("ADTF")),
        base=pl.col("BASEFL").fill_null(False),
        les=code("LESIONID", pl.Enum(lesions)),
        role=pl.col("ROLE").cast(pl.String).replace_strict(ROLE_CODES, default=None,
                                                           return_dtype=pl.Int8),
        node=pl.col("NODE"),
        diam=pl.col("DIAM"),
        state=pl.col("STATE").cast(pl.String).replace_strict(STATE_CODES, default=None,
                                                             return_dtype=pl.Int8),
    ).filter(pl.col("sid").is_not_null() & pl.col("day").is_not_null())
    sid = frame.get_column("sid").to_numpy()
    # Scans: the distinct (subject, date) pairs in order; a date's ordinal within its subject.
    key = sid * _DAY_SPAN + frame.get_column("day").to_numpy() + _DAY_OFFSET
    if bool(np.all(key[1:] >= key[:-1])):  # rows by subject and date, as tables come: no sort
        starts = np.ones(key.size, np.bool_)
        starts[1:] = key[1:] != key[:-1]
        pairs, scan_of_row = key[starts], np.cumsum(starts) - 1
    else:
        pairs, scan_of_row = np.unique(key, return_inverse=True)
    scan_sid = pairs // _DAY_SPAN
    position = np.arange(pairs.size)
    new_subject = np.ones(pairs.size, np.bool_)
    new_subject[1:] = scan_sid[1:] != scan_sid[:-1]
    ordinal = position - np.maximum.accumulate(np.where(new_subject, position, 0))
    adtf = np.full(pairs.size, np.iinfo(np.int8).max, np.int8)
    np.minimum.at(adtf, scan_of_row, frame.get_column("adtf").to_numpy())
    base = np.zeros(pairs.size, np.bool_)
    base[scan_of_row[frame.get_column("base").to_numpy()]] = True
    scans = pl.DataFrame({"sid": scan_sid, "scan": ordinal,
                          "day": pairs % _DAY_SPAN - _DAY_OFFSET, "adtf": adtf, "base": base})
    frame = frame.with_columns(scan=pl.lit(ordinal[scan_of_row]))
    # Lesions: each (subject, lesion) of a target or non-target row, at its first row.
    role = frame.get_column("role").fill_null(-1).to_numpy()
    les = frame.get_column("les").fill_null(-1).to_numpy()
    expected = np.flatnonzero(((role == ROLE_CODES[ROLE_TARGET])
                               | (role == ROLE_CODES[ROLE_NON_TARGET])) & (les >= 0))
    _, first = np.unique(sid[expected] * max(lesions.len(), 1) + les[expected],
                         return_index=True)
    first_rows = expected[np.sort(first)]
    return Coded(frame=frame.select(list(CODED)).cast(CODED),  # type: ignore[arg-type]
                 scans=scans.cast(CODED_SCANS),  # type: ignore[arg-type]
                 lesions=frame[first_rows].select(list(CODED_LESIONS))
                 .cast(CODED_LESIONS),  # type: ignore[arg-type]
                 subjects=names)


def disagreements(timepoints: pl.DataFrame, responses: pl.DataFrame) -> pl.DataFrame:
    """Subject-dates where given responses (``USUBJID``, ``ADT``, ``OVRLRESP``, e.g. the
    investigator's RS) and derived timepoints differ, or only one of them has a response:
    ``USUBJID``, ``ADT``, ``DERIVED``, ``GIVEN``, sorted by subject and date."""
    derived = timepoints.select("USUBJID", "ADT", DERIVED="OVRLRESP")
    given = responses.select(pl.col("USUBJID").cast(pl.String), "ADT", GIVEN="OVRLRESP")
    return (derived.join(given, on=["USUBJID", "ADT"], how="full", coalesce=True)
            .filter(pl.col("DERIVED").ne_missing(pl.col("GIVEN")))
            .sort("USUBJID", "ADT"))


def _subject_ids(subjects: pl.DataFrame) -> pl.DataFrame:
    """USUBJID → ``sid``, the subject's row in ``subjects`` (outputs follow that order)."""
    return subjects.select("USUBJID").with_row_index("sid").with_columns(
        pl.col("sid").cast(pl.Int64))


def _flag_code(flag: pl.Expr) -> pl.Expr:
    """ADTF (date imputation flag) as ``ADTF_CODES``: 0 for a complete date."""
    return flag.cast(pl.String).replace_strict({k: v for k, v in ADTF_CODES.items() if k},
                                               default=0, return_dtype=pl.Int8)


def _from_responses(
    follow: pl.DataFrame, baselines: pl.DataFrame, subjects: pl.DataFrame, ids: pl.DataFrame,
    reference: str, *, detail: bool, options: tuple[int, int, int, bool],
) -> Derived:
    """The second stage: from the follow-up timepoints (sid, day, overall, prog_day, adtf,
    nt_only, sorted by subject and date) to the best responses, ADRS and ADTTE."""
    sd_window_days, confirm_days, max_ne, accept_sd = options
    n = subjects.height
    ref_given = _day_array(pl.Series(subjects[reference]))
    trt = _day_array(subjects["TRTSDT"])
    death, alive = _day_array(subjects["DTHDT"]), _day_array(subjects["LSTALVDT"])
    newth = _day_array(subjects["NEWTHDT"])
    base_day = np.full(n, _NULL, dtype=np.int64)
    base_day[baselines.get_column("sid").to_numpy()] = _day_array(baselines["base_day"])
    # Time zero: the given reference date, else TRTSDT when on or after the baseline scan (or
    # there is none), else the baseline date.
    ref = np.where(ref_given != _NULL, ref_given,
                   np.where((trt != _NULL) & ((base_day == _NULL) | (trt >= base_day)), trt,
                            base_day))

    rows = {"sid": follow.get_column("sid").to_numpy(),
            "day": follow.get_column("day").to_numpy(),
            "overall": follow.get_column("overall").fill_null(0).to_numpy().astype(np.int64),
            "prog_day": _day_array(follow.get_column("prog_day"))}
    sid, day, overall = rows["sid"], rows["day"], rows["overall"]
    # Counted: a response (not null) on or after time zero, up to and including the first PD
    # there.
    on_study = (day >= ref[sid]) & (overall != 0)
    first_pd = _first_of(on_study & (overall == PD), sid, n)
    limit = np.where(first_pd >= 0, first_pd, np.iinfo(np.int64).max)
    counted_mask = on_study & (np.arange(sid.size) <= limit[sid])
    counted_rows = np.flatnonzero(counted_mask)
    counted = _Counted(sid=sid[counted_rows], day=day[counted_rows],
                       overall=overall[counted_rows], rows=counted_rows)

    bor, bor_day = _unconfirmed(counted, ref, n, sd_window_days)
    nt_only = follow.get_column("nt_only").fill_null(False).to_numpy()[counted_rows]
    cbor, cbor_day = _confirmed(counted, ref, nt_only, n, sd_window_days, confirm_days,
                                max_ne, accept_sd)

    timepoints = _timepoint_frame(follow, ids) if detail else _response_frame(follow, ids)
    adrs = _adrs(follow, counted, counted_mask, ids, bor=bor, bor_day=bor_day, cbor=cbor,
                 cbor_day=cbor_day, death=death, pd_day=rows["prog_day"])
    responders = np.flatnonzero((cbor == CR) | (cbor == PR))
    after_ref = np.where((newth != _NULL) & (ref != _NULL) & (newth >= ref), newth, _NULL)
    course = _course(rows, ref, after_ref, n)
    dor_start = np.full(n, _NULL, dtype=np.int64)
    dor_start[responders] = cbor_day[responders]
    dor_therapy = np.where((newth != _NULL) & (dor_start != _NULL) & (newth >= dor_start),
                           newth, _NULL)
    dor = _event_or_censor(_course(rows, dor_start, dor_therapy, n), dor_start, death,
                           dor_therapy, True).take(responders)
    parts = [
        _overall_survival(ref, death, alive),
        _event_or_censor(course, ref, death, after_ref, True),
        _event_or_censor(course, ref, death, after_ref, False),
    ]
    adtte = _adtte(parts, dor, responders, ids)
    return Derived(timepoints=timepoints, adrs=adrs, adtte=adtte)


def _with_usubjid(frame: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(USUBJID=ids["USUBJID"].gather(frame["sid"]))


def _timepoint_frame(follow: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    has_t = pl.col("n_targets") > 0
    frame = follow.select(
        "sid",
        ADT=pl.col("day").cast(pl.Int32).cast(pl.Date),
        SUMDIAM=pl.when(has_t).then(pl.col("total").fill_null(0)),
        BASE=pl.when(has_t).then(pl.col("base_sum")),
        NADIR=pl.when(has_t).then(pl.col("nadir")),
        NEWLPROG=pl.col("new"),
    )
    frame = _divided(frame, {"SUMDIAM": SCALE, "BASE": SCALE, "NADIR": SCALE})
    frame = frame.with_columns(
        _percent_change(follow, "base_sum").alias("PCHGBL"),
        _percent_change(follow, "nadir").alias("PCHGNAD"),
        _response_names(follow.get_column("target")).alias("TRGRESP"),
        _response_names(follow.get_column("nt")).alias("NTRGRESP"),
        _response_names(follow.get_column("overall")).alias("OVRLRESP"),
    )
    return _with_usubjid(frame, ids).select(
        [pl.col(c).cast(t) for c, t in TIMEPOINTS.items()])


def _response_names(codes: pl.Series) -> pl.Series:
    """Response codes as their names (null for null or any other value), gathered from the
    six names rather than mapped row by row."""
    values = codes.fill_null(0).to_numpy()
    known = np.where((values >= CR) & (values <= NE), values, 0)
    return _lookup(_AVALC[:NE + 1], known, pl.String)


def _percent_change(follow: pl.DataFrame, reference: str) -> pl.Series:
    """Where the scan is complete: ``(total − reference) / reference × 100`` rounded half to
    even to one decimal, exactly as :func:`_percent_tenths` and ``_divided`` (integers, then
    one IEEE division by 10); null for a zero or null reference. numpy: the polars expression
    evaluates its shared terms several times."""
    value = follow.get_column("total")
    base = follow.get_column(reference)
    valid = (follow.get_column("complete").fill_null(False) & value.is_not_null()
             & base.is_not_null() & (base.fill_null(0) != 0)).to_numpy()
    v = value.fill_null(0).to_numpy()
    r = np.where(valid, base.fill_null(1).to_numpy(), 1)
    numerator = (v - r) * 1000
    quotient = numerator // r
    twice_rest = (numerator - quotient * r) * 2
    up = (twice_rest > r) | ((twice_rest == r) & (quotient % 2 != 0))
    tenths = (quotient + up).astype(np.float64) / 10.0
    return pl.Series(np.where(valid, tenths, np.nan), nan_to_null=True)


def _response_frame(follow: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """The TIMEPOINTS frame of responses given as they are: only ADT and OVRLRESP known."""
    frame = follow.select("sid", ADT=pl.col("day").cast(pl.Int32).cast(pl.Date),
                          OVRLRESP=_names(pl.col("overall")))
    return _with_usubjid(frame, ids).select(
        [(pl.col(c) if c in frame.columns or c == "USUBJID" else pl.lit(None)).cast(t).alias(c)
         for c, t in TIMEPOINTS.items()])


# --- ADRS and ADTTE -----------------------------------------------------------------------------
#
# Both are built in their final row order (by subject, then in the order of PARAMS; a subject's
# OVR records in date order): each record's position is computed from per-subject record counts
# and its values scattered there, so nothing is sorted. String columns are gathered from a
# small table of their values by code (the gathered strings share the table's buffers).

_PARAM_CODES = {code: i for i, code in enumerate(PARAMS)}
_AVALC = (None, *(CODES[c] for c in sorted(CODES)), "Y", "N")
"""ADRS AVALC by code: 0 null, 1–6 the responses (their own codes), 7 "Y", 8 "N"."""
_YES, _NO = 7, 8
_AVAL = (None, *(float(c) for c in sorted(CODES)), 1.0, 0.0)
"""ADRS AVAL by the AVALC code: the response code, or 1/0 for Y/N."""
assert len(_AVALC) == len(_AVAL)
assert all(_AVALC[c] == CODES[c] for c in CODES)


def _lookup(values: tuple[object, ...], codes: np.ndarray,
            dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    return pl.Series(values=list(values), dtype=dtype).gather(codes)


def _date_series(days: np.ndarray) -> pl.Series:
    """int64 days (``_NULL``: null) as a Date column."""
    values = pl.Series(days)
    return pl.select(pl.when(values != _NULL).then(values)).to_series() \
        .cast(pl.Int32).cast(pl.Date)


def _yes_no(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, _YES, _NO)


def _adrs(
    follow: pl.DataFrame, counted: _Counted, counted_mask: np.ndarray, ids: pl.DataFrame, *,
    bor: np.ndarray, bor_day: np.ndarray, cbor: np.ndarray, cbor_day: np.ndarray,
    death: np.ndarray, pd_day: np.ndarray,
) -> pl.DataFrame:
    """OVR per follow-up scan (ANL01FL "Y" when counted), then BOR, CBOR, RSP, CRSP, CB, PD,
    LSTA (when something counted) and DEATH per subject."""
    n = bor.size
    sid = follow.get_column("sid").to_numpy()
    last = _first_of(np.ones(counted.sid.size, dtype=bool), counted.sid, n, last=True)
    has_lsta = last >= 0
    lsta = _at(counted.overall, last, 0)
    lsta_day = _at(counted.day, last)
    # The first PD on or after time zero is the last counted scan; PD is dated at its
    # progression date.
    pd_date = np.where(lsta == PD, _at(pd_day, _at(counted.rows, last, -1)), _NULL)
    rsp_day = _at(counted.day, _first_of((counted.overall == CR) | (counted.overall == PR),
                                         counted.sid, n))
    responded = (bor == CR) | (bor == PR)
    confirmed = (cbor == CR) | (cbor == PR)
    benefit = confirmed | (cbor == SD) | (cbor == NON_CR_NON_PD)
    died = death != _NULL
    per_subject = [  # (PARAMCD, AVALC code, ADT) in the order of PARAMS; LSTA apart
        ("BOR", bor, bor_day),
        ("CBOR", cbor, cbor_day),
        ("RSP", _yes_no(responded), np.where(responded, rsp_day, _NULL)),
        ("CRSP", _yes_no(confirmed), np.where(confirmed, cbor_day, _NULL)),
        ("CB", _yes_no(benefit), np.where(benefit, cbor_day, _NULL)),
        ("PD", _yes_no(pd_date != _NULL), pd_date),
        ("DEATH", _yes_no(died), death),
    ]
    n_ovr = np.bincount(sid, minlength=n)
    sizes = n_ovr + len(per_subject) + has_lsta
    offsets = np.cumsum(sizes) - sizes
    total = int(sizes.sum())
    owner = np.empty(total, dtype=np.int64)
    paramcd = np.empty(total, dtype=np.uint8)
    avalc = np.empty(total, dtype=np.uint8)
    adt = np.empty(total, dtype=np.int64)
    anl = np.ones(total, dtype=np.uint8)
    # OVR: a subject's scans in date order from its first record on.
    follow_start = np.cumsum(n_ovr) - n_ovr
    at = offsets[sid] + np.arange(sid.size) - follow_start[sid]
    owner[at] = sid
    paramcd[at] = _PARAM_CODES["OVR"]
    avalc[at] = follow.get_column("overall").fill_null(0).to_numpy()
    adt[at] = follow.get_column("day").to_numpy()
    anl[at] = counted_mask
    base = offsets + n_ovr
    subjects = np.arange(n)
    for i, (code, value, date) in enumerate(per_subject):
        at = base + i
        if code == "DEATH":
            at = at + has_lsta
        elif code == "PD":  # LSTA follows PD
            lsta_at = at[has_lsta] + 1
            owner[lsta_at] = subjects[has_lsta]
            paramcd[lsta_at] = _PARAM_CODES["LSTA"]
            avalc[lsta_at] = lsta[has_lsta]
            adt[lsta_at] = lsta_day[has_lsta]
        owner[at] = subjects
        paramcd[at] = _PARAM_CODES[code]
        avalc[at] = value
        adt[at] = date
    return pl.DataFrame([
        ids.get_column("USUBJID").gather(owner),
        _lookup(tuple(PARAMS), paramcd, pl.String).alias("PARAMCD"),
        _lookup(tuple(PARAMS.values()), paramcd, pl.String).alias("PARAM"),
        _lookup(_AVALC, avalc, pl.String).alias("AVALC"),
        _lookup(_AVAL, avalc, pl.Float64).alias("AVAL"),
        _date_series(adt).alias("ADT"),
        _lookup((None, "Y"), anl, pl.String).alias("ANL01FL"),
    ]).select([pl.col(c).cast(t) for c, t in ADRS_SCHEMA.items()])


def _adtte(parts: list[_Endpoint], dor: _Endpoint, responders: np.ndarray,
           ids: pl.DataFrame) -> pl.DataFrame:
    """OS, PFS and TTP per subject (``parts``, in that order), DOR per confirmed responder."""
    n = parts[0].start.size
    sizes = np.full(n, len(parts), dtype=np.int64)
    sizes[responders] += 1
    offsets = np.cumsum(sizes) - sizes
    total = int(sizes.sum())
    owner = np.empty(total, dtype=np.int64)
    paramcd = np.empty(total, dtype=np.uint8)
    columns = {f: np.empty(total, dtype=np.int64) for f in ("start", "adt", "censored",
                                                           "description", "source")}
    subjects = np.arange(n)
    for i, (code, part, who) in enumerate(
            [*(zip(("OS", "PFS", "TTP"), parts, [subjects] * len(parts), strict=True)),
             ("DOR", dor, responders)]):
        at = offsets[who] + i
        owner[at] = who
        paramcd[at] = _PARAM_CODES[code]
        for field, values in columns.items():
            values[at] = getattr(part, field)
    start, adt = columns["start"], columns["adt"]
    aval = pl.Series(np.where((start != _NULL) & (adt != _NULL), adt - start + 1, _NULL))
    censored = columns["censored"].astype(bool)
    described = columns["description"]
    no_description = len(_EVENT_DESCRIPTIONS)
    return pl.DataFrame([
        ids.get_column("USUBJID").gather(owner),
        _lookup(tuple(PARAMS), paramcd, pl.String).alias("PARAMCD"),
        _lookup(tuple(PARAMS.values()), paramcd, pl.String).alias("PARAM"),
        _date_series(start).alias("STARTDT"),
        _date_series(adt).alias("ADT"),
        pl.select(pl.when(aval != _NULL).then(aval)).to_series().alias("AVAL"),
        pl.Series("CNSR", censored.astype(np.int64)),
        _lookup(_EVENT_DESCRIPTIONS, described, pl.String).alias("EVNTDESC"),
        _lookup((*_EVENT_DESCRIPTIONS, None), np.where(censored, described, no_description),
                pl.String).alias("CNSDTDSC"),
        _lookup(_SOURCES, columns["source"], pl.String).alias("SRCDOM"),
    ]).select([pl.col(c).cast(t) for c, t in ADTTE_SCHEMA.items()])
