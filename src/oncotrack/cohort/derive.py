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
  ``confirm_days`` after it (the engine stops at that one), found by an as-of join; what lies
  between is read from cumulative counts.
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


def _unconfirmed(counted: pl.DataFrame, sd_window_days: int) -> pl.DataFrame:
    stable = _is_in(pl.col("overall"), (SD, NON_CR_NON_PD))
    early = (pl.col("day") - pl.col("ref")) < sd_window_days
    graded = pl.when(stable & early).then(NE).otherwise(pl.col("overall"))
    key = graded.cast(pl.Int64) * _DAY_SPAN + pl.col("day") + _DAY_OFFSET
    return counted.group_by("sid").agg(key=key.min()).select(
        "sid",
        bor=pl.col("key") // _DAY_SPAN,
        bor_day=pl.col("key") % _DAY_SPAN - _DAY_OFFSET,
    )


def _confirmations(
    counted: pl.DataFrame, confirm_days: int, max_ne: int, accept_sd: bool
) -> pl.DataFrame:
    """Per subject: the first CR confirmed (``cr_day``) and the first PR confirmed
    (``pr_day``), as :func:`oncotrack.endpoints.bor.confirmation` decides."""
    o = pl.col("overall")
    frame = counted.select("sid", "day", "overall").with_row_index("ri").with_columns(
        ri=pl.col("ri").cast(pl.Int64),
        key=pl.col("sid").cast(pl.Int64) * _DAY_SPAN + pl.col("day") + _DAY_OFFSET,
        c_ne=(o == NE).cast(pl.Int64).cum_sum(),
        c_sd=(o == SD).cast(pl.Int64).cum_sum(),
        c_bad_cr=(~_is_in(o, (CR, NE))).cast(pl.Int64).cum_sum(),
        c_bad_pr=_is_in(o, (NON_CR_NON_PD, PD)).cast(pl.Int64).cum_sum(),
    ).with_columns(
        next_cr=pl.when(o == CR).then(pl.col("ri")).otherwise(None).shift(-1).backward_fill(),
        last_pr=pl.when(o == PR).then(pl.col("ri")).otherwise(None).forward_fill(),
    )
    gap = max(confirm_days, 1)  # the confirming scan is a later one (dates are unique)
    later = ["key", "sid", "ri", "c_ne", "c_sd", "c_bad_cr", "c_bad_pr", "last_pr"]
    found: list[pl.DataFrame] = []
    for wanted, confirmers in ((CR, (CR,)), (PR, (CR, PR))):
        left = frame.filter(o == wanted).with_columns(thr=pl.col("key") + gap)
        right = frame.filter(_is_in(o, confirmers)).select(
            [pl.col(c).alias(f"{c}_j") for c in later])
        joined = left.join_asof(right, left_on="thr", right_on="key_j", strategy="forward")
        ne_between = pl.col("c_ne_j") - pl.col("c_ne")
        if wanted == CR:
            ok = (pl.col("c_bad_cr_j") - pl.col("c_bad_cr") == 0) & (ne_between <= max_ne)
        else:
            pr_after_cr = pl.col("next_cr") < pl.col("last_pr_j")
            ok = ((pl.col("c_bad_pr_j") - pl.col("c_bad_pr") == 0) & (ne_between <= max_ne)
                  & (pl.col("c_sd_j") - pl.col("c_sd") <= (1 if accept_sd else 0))
                  & ~pr_after_cr.fill_null(False))
        name = "cr_day" if wanted == CR else "pr_day"
        found.append(joined.filter((pl.col("sid_j") == pl.col("sid")) & ok)
                     .group_by("sid").agg(pl.col("day").min().alias(name)))
    return found[0].join(found[1], on="sid", how="full", coalesce=True)


def _confirmed(
    counted: pl.DataFrame, sd_window_days: int, confirm_days: int, max_ne: int,
    accept_sd: bool,
) -> pl.DataFrame:
    o = pl.col("overall")
    late = (pl.col("day") - pl.col("ref")) >= sd_window_days
    after_cr = _prefix_before(o == CR) > 0
    facts = counted.with_columns(after_cr=after_cr).group_by("sid").agg(
        stable_day=pl.col("day").filter(_is_in(o, (CR, PR, SD)) & late).min(),
        noncr_day=pl.col("day").filter((o == NON_CR_NON_PD) & late).min(),
        dac_day=pl.col("day").filter(pl.col("after_cr") & _is_in(o, (PR, SD))).min(),
        first_day=pl.col("day").min(),
        last_day=pl.col("day").max(),
        last=o.sort_by("day").last(),
        nt_only=pl.col("nt_only").first(),
    ).join(_confirmations(counted, confirm_days, max_ne, accept_sd), on="sid", how="left")
    stable = pl.when(pl.col("nt_only")).then(NON_CR_NON_PD).otherwise(SD)
    decided = [
        (pl.col("cr_day"), pl.lit(CR)),
        (pl.col("pr_day"), pl.lit(PR)),
        (pl.col("stable_day"), stable),
        (pl.col("noncr_day"), pl.lit(NON_CR_NON_PD)),
        (pl.col("dac_day"), pl.lit(PD)),
        (pl.when(pl.col("last") == PD).then(pl.col("last_day")), pl.lit(PD)),
    ]
    code: pl.Expr = pl.lit(NE)
    day: pl.Expr = pl.col("first_day")
    for when_day, what in reversed(decided):
        code = pl.when(when_day.is_not_null()).then(what).otherwise(code)
        day = pl.when(when_day.is_not_null()).then(when_day).otherwise(day)
    return facts.select("sid", cbor=code, cbor_day=day)


# --- time to event ------------------------------------------------------------------------------


def _course(obs: pl.DataFrame, starts: pl.DataFrame) -> pl.DataFrame:
    """Per subject in ``starts`` (sid, start, therapy): the first PD scan's progression date on
    or after the start, and the last adequate (not NE) assessment from the start on, overall and
    up to the new therapy."""
    frame = obs.join(starts, on="sid", how="inner").filter(pl.col("day") >= pl.col("start"))
    adequate = pl.col("overall") != NE
    pd_key = (pl.col("day") + _DAY_OFFSET) * _DAY_SPAN + pl.col("prog_day") + _DAY_OFFSET
    agg = frame.group_by("sid").agg(
        pd_key=pd_key.filter(pl.col("overall") == PD).min(),
        last_adequate=pl.col("day").filter(adequate).max(),
        last_before_therapy=pl.col("day").filter(
            adequate & (pl.col("day") <= pl.col("therapy"))).max(),
    )
    return starts.join(agg, on="sid", how="left").with_columns(
        progression=pl.col("pd_key") % _DAY_SPAN - _DAY_OFFSET,
    )


def _event_or_censor(course: pl.DataFrame, death_counts: bool, paramcd: str) -> pl.DataFrame:
    """The FDA 2007 censoring table as :func:`oncotrack.endpoints.survival._event_or_censor`."""
    start, death, prog = pl.col("start"), pl.col("death"), pl.col("progression")
    death_event = (death >= start) if death_counts else pl.lit(False)
    death_day = pl.when(death_event.fill_null(False)).then(death).otherwise(None)
    event_day = pl.min_horizontal(prog, death_day)
    therapy = pl.col("therapy")
    censor_therapy = therapy.is_not_null() & (event_day.is_null() | (therapy < event_day))
    assessed = pl.col("last_adequate").is_not_null()
    assessed_before = pl.col("last_before_therapy").is_not_null()
    adt = (pl.when(censor_therapy).then(pl.coalesce("last_before_therapy", "start"))
           .when(event_day.is_not_null()).then(event_day)
           .otherwise(pl.coalesce("last_adequate", "start")))
    died = death_day.is_not_null() & (prog.is_null() | (death_day <= prog))
    description = (
        pl.when(censor_therapy & assessed_before)
        .then(pl.lit("LAST ADEQUATE ASSESSMENT BEFORE NEW ANTICANCER THERAPY"))
        .when(censor_therapy).then(pl.lit("START (NEW ANTICANCER THERAPY BEFORE ANY ADEQUATE "
                                          "ASSESSMENT)"))
        .when(event_day.is_not_null() & died).then(pl.lit("DEATH"))
        .when(event_day.is_not_null()).then(pl.lit("DISEASE PROGRESSION"))
        .when(assessed).then(pl.lit("LAST ADEQUATE ASSESSMENT"))
        .otherwise(pl.lit("START (NO ADEQUATE ASSESSMENT)"))
    )
    censored = censor_therapy | event_day.is_null()
    at_start = (censor_therapy & ~assessed_before) | (~censor_therapy & ~assessed)
    from_subject = pl.when(censored).then(at_start).otherwise(died)
    source = pl.when(from_subject).then(pl.lit("ADSL")).otherwise(pl.lit("ADRS"))
    return course.select(
        "sid", PARAMCD=pl.lit(paramcd), STARTDT=start, ADT=adt,
        CNSR=censored.cast(pl.Int64), EVNTDESC=description,
        CNSDTDSC=pl.when(censored).then(description).otherwise(None), SRCDOM=source,
    )


def _overall_survival(subjects: pl.DataFrame) -> pl.DataFrame:
    start, death = pl.col("ref"), pl.col("death")
    alive = pl.col("alive")
    late_enough = alive.is_not_null() & (alive >= start)
    description = (pl.when(death.is_not_null()).then(pl.lit("DEATH"))
                   .when(late_enough).then(pl.lit("LAST DATE KNOWN ALIVE"))
                   .otherwise(pl.lit("START (NOT KNOWN ALIVE LATER)")))
    return subjects.select(
        "sid", PARAMCD=pl.lit("OS"), STARTDT=start,
        ADT=pl.when(death.is_not_null()).then(death)
        .otherwise(pl.max_horizontal(pl.coalesce(alive, start), start)),
        CNSR=death.is_null().cast(pl.Int64), EVNTDESC=description,
        CNSDTDSC=pl.when(death.is_null()).then(description).otherwise(None),
        SRCDOM=pl.lit("ADSL"),
    )


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
    non-targets, the scans its distinct dates (baseline: any row flagged BASEFL)."""
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
    ).filter(pl.col("sid").is_not_null() & pl.col("day").is_not_null()).with_columns(
        scan=(pl.col("day").rank("dense").over("sid") - 1).cast(pl.Int64))
    scans = (frame.group_by("sid", "scan")
             .agg(pl.col("day").first(), pl.col("adtf").min(), pl.col("base").any())
             .sort("sid", "scan"))
    expected = frame.filter(pl.col("role").is_in([ROLE_CODES[ROLE_TARGET],
                                                  ROLE_CODES[ROLE_NON_TARGET]])
                            & pl.col("les").is_not_null())
    return Coded(frame=frame.select(list(CODED)).cast(CODED),  # type: ignore[arg-type]
                 scans=scans.select(list(CODED_SCANS)).cast(CODED_SCANS),  # type: ignore[arg-type]
                 lesions=expected.group_by("sid", "les", maintain_order=True)
                 .agg(pl.col("role", "node").first())
                 .select(list(CODED_LESIONS)).cast(CODED_LESIONS),  # type: ignore[arg-type]
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
    people = ids.with_columns(
        ref_given=pl.Series(subjects[reference]).cast(pl.Date).cast(pl.Int32).cast(pl.Int64),
        trt=subjects["TRTSDT"].cast(pl.Int32).cast(pl.Int64),
        death=subjects["DTHDT"].cast(pl.Int32).cast(pl.Int64),
        alive=subjects["LSTALVDT"].cast(pl.Int32).cast(pl.Int64),
        newth=subjects["NEWTHDT"].cast(pl.Int32).cast(pl.Int64),
    ).join(baselines, on="sid", how="left")
    people = people.with_columns(ref=pl.coalesce(
        "ref_given",
        pl.when(pl.col("base_day").is_null() | (pl.col("trt") >= pl.col("base_day")))
        .then(pl.col("trt")),
        "base_day",
    ))
    follow = follow.join(people.select("sid", "ref"), on="sid", how="left",
                         maintain_order="left").with_columns(
        counted=(pl.col("day") >= pl.col("ref")).fill_null(False))
    on_study_pd = (pl.col("overall") == PD) & pl.col("counted")
    follow = follow.with_columns(counted=pl.col("counted") & ~(_prefix_before(on_study_pd) > 0))
    counted = follow.filter("counted")

    best = (people.select("sid", "ref", "death", "alive", "newth")
            .join(_unconfirmed(counted, sd_window_days), on="sid", how="left")
            .join(_confirmed(counted, sd_window_days, confirm_days, max_ne, accept_sd),
                  on="sid", how="left")
            .with_columns(pl.col("bor", "cbor").fill_null(NE)))

    timepoints = _timepoint_frame(follow, ids) if detail else _response_frame(follow, ids)
    adrs = _adrs(follow, counted, best, ids)
    adtte = _adtte(follow, best, ids)
    return Derived(timepoints=timepoints, adrs=adrs, adtte=adtte)


def _with_usubjid(frame: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(USUBJID=ids["USUBJID"].gather(frame["sid"]))


def _timepoint_frame(follow: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    has_t = pl.col("n_targets") > 0
    complete = pl.col("complete")
    frame = follow.select(
        "sid",
        ADT=pl.col("day").cast(pl.Int32).cast(pl.Date),
        SUMDIAM=pl.when(has_t).then(pl.col("total").fill_null(0)),
        BASE=pl.when(has_t).then(pl.col("base_sum")),
        PCHGBL=pl.when(complete).then(_percent_tenths(pl.col("total"), pl.col("base_sum"))),
        NADIR=pl.when(has_t).then(pl.col("nadir")),
        PCHGNAD=pl.when(complete).then(_percent_tenths(pl.col("total"), pl.col("nadir"))),
        TRGRESP=_names(pl.col("target")),
        NTRGRESP=_names(pl.col("nt")),
        NEWLPROG=pl.col("new"),
        OVRLRESP=_names(pl.col("overall")),
    )
    frame = _divided(frame, {"SUMDIAM": SCALE, "BASE": SCALE, "NADIR": SCALE, "PCHGBL": 10,
                             "PCHGNAD": 10})
    return _with_usubjid(frame, ids).select(
        [pl.col(c).cast(t) for c, t in TIMEPOINTS.items()])


def _response_frame(follow: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """The TIMEPOINTS frame of responses given as they are: only ADT and OVRLRESP known."""
    frame = follow.select("sid", ADT=pl.col("day").cast(pl.Int32).cast(pl.Date),
                          OVRLRESP=_names(pl.col("overall")))
    return _with_usubjid(frame, ids).select(
        [(pl.col(c) if c in frame.columns or c == "USUBJID" else pl.lit(None)).cast(t).alias(c)
         for c, t in TIMEPOINTS.items()])


def _yes(flag: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return (pl.when(flag).then(pl.lit("Y")).otherwise(pl.lit("N")),
            flag.cast(pl.Float64))


def _adrs(
    follow: pl.DataFrame, counted: pl.DataFrame, best: pl.DataFrame, ids: pl.DataFrame
) -> pl.DataFrame:
    def date(expr: pl.Expr) -> pl.Expr:
        return expr.cast(pl.Int32).cast(pl.Date)

    ovr = follow.select(
        "sid", PARAMCD=pl.lit("OVR"), AVALC=_names(pl.col("overall")),
        AVAL=pl.col("overall").cast(pl.Float64), ADT=date(pl.col("day")),
        ANL01FL=pl.when(pl.col("counted")).then(pl.lit("Y")),
    )
    per_subject = counted.group_by("sid").agg(
        rsp_day=pl.col("day").filter(_is_in(pl.col("overall"), (CR, PR))).min(),
        lsta=pl.col("overall").sort_by("day").last(),
        lsta_day=pl.col("day").max(),
    )
    first_pd = (follow.filter((pl.col("overall") == PD) & (pl.col("day") >= pl.col("ref")))
                .group_by("sid").agg(pd_day=pl.col("prog_day").sort_by("day").first()))
    subject = best.join(per_subject, on="sid", how="left").join(first_pd, on="sid", how="left")
    bor, cbor = pl.col("bor"), pl.col("cbor")
    responded, confirmed = _is_in(bor, (CR, PR)), _is_in(cbor, (CR, PR))
    benefit = _is_in(cbor, (CR, PR, SD, NON_CR_NON_PD))
    parts: list[pl.DataFrame] = [ovr]
    for paramcd, avalc, aval, adt in (
        ("BOR", _names(bor), bor.cast(pl.Float64), pl.col("bor_day")),
        ("CBOR", _names(cbor), cbor.cast(pl.Float64), pl.col("cbor_day")),
        ("RSP", *_yes(responded), pl.when(responded).then(pl.col("rsp_day"))),
        ("CRSP", *_yes(confirmed), pl.when(confirmed).then(pl.col("cbor_day"))),
        ("CB", *_yes(benefit), pl.when(benefit).then(pl.col("cbor_day"))),
        ("PD", *_yes(pl.col("pd_day").is_not_null()), pl.col("pd_day")),
        ("DEATH", *_yes(pl.col("death").is_not_null()), pl.col("death")),
    ):
        parts.append(subject.select("sid", PARAMCD=pl.lit(paramcd), AVALC=avalc, AVAL=aval,
                                    ADT=date(adt), ANL01FL=pl.lit("Y")))
    parts.append(subject.filter(pl.col("lsta").is_not_null()).select(
        "sid", PARAMCD=pl.lit("LSTA"), AVALC=_names(pl.col("lsta")),
        AVAL=pl.col("lsta").cast(pl.Float64), ADT=date(pl.col("lsta_day")),
        ANL01FL=pl.lit("Y")))
    return _stack(parts, ids, ADRS_SCHEMA)


def _stack(
    parts: list[pl.DataFrame], ids: pl.DataFrame,
    schema: dict[str, pl.DataType | type[pl.DataType]] | None,
) -> pl.DataFrame:
    """The parts (each with one PARAMCD, as a literal) one under the other, by subject and then
    in the order of :data:`PARAMS` (a stable sort keeps each part's own order), with PARAM and
    USUBJID."""
    order = {code: i for i, code in enumerate(PARAMS)}
    tagged = []
    for part in parts:
        if part.height == 0:
            continue
        code = str(part["PARAMCD"][0])
        tagged.append(part.with_columns(
            PARAM=pl.lit(PARAMS[code]), _key=pl.col("sid") * len(order) + order[code]))
    if not tagged:
        frame = pl.DataFrame(schema={"sid": pl.Int64, **(schema or ADTTE_SCHEMA)})
    else:
        frame = pl.concat(tagged, how="vertical_relaxed").sort("_key", maintain_order=True)
    frame = _with_usubjid(frame, ids)
    if schema is None:
        return frame
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def _adtte(follow: pl.DataFrame, best: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    obs = follow.select("sid", "day", "overall", "prog_day")
    from_reference = best.select(
        "sid", "death", start="ref",
        therapy=pl.when(pl.col("newth") >= pl.col("ref")).then(pl.col("newth")))
    course = _course(obs, from_reference)
    responders = best.filter(_is_in(pl.col("cbor"), (CR, PR))).select(
        "sid", "death", start="cbor_day",
        therapy=pl.when(pl.col("newth") >= pl.col("cbor_day")).then(pl.col("newth")))
    parts = [
        _overall_survival(best),
        _event_or_censor(course, True, "PFS"),
        _event_or_censor(course, False, "TTP"),
        _event_or_censor(_course(obs, responders), True, "DOR"),
    ]
    frame = _stack(parts, ids, None).with_columns(
        AVAL=pl.col("ADT") - pl.col("STARTDT") + 1,
        STARTDT=pl.col("STARTDT").cast(pl.Int32).cast(pl.Date),
        ADT=pl.col("ADT").cast(pl.Int32).cast(pl.Date),
    )
    return frame.select(
        [pl.col(c).cast(t) for c, t in ADTTE_SCHEMA.items()])
