"""Synthetic oncology cohorts shaped as SDTM TU, TR, RS and an ADSL-like subject table.

No real identifiers: subjects are ``SYN-0000001`` …, the study ``SYN-ONC-001``. Everything is
drawn with numpy in arrays of patients × visits × lesions (in chunks of 100 000 patients, each
with its own generator seeded from ``(seed, chunk)``), so a million patients take seconds.

The model, per patient:

* Arm ``EXPERIMENTAL`` or ``CONTROL`` (1:1); randomisation 2020-01-01 … data cut-off − 150 days;
  treatment start 0–7 days later; baseline scan 1–21 days before randomisation.
* Tumour assessments every 6 or 8 weeks (per patient) from treatment start, ± 7 days, at most
  12, none after the data cut-off (2025-06-30).
* 1–5 target lesions, at most 2 per organ; lymph nodes (``TULOC = LYMPH NODE``) measured by
  short axis (``LPERP``, ≥ 15 mm at baseline), others by longest diameter (``LDIAM``,
  ≥ 10 mm). 0–3 non-target lesions (``TUMSTATE``).
* A response class (better odds on the experimental arm): complete responders (lesions vanish,
  nodes shrink below 10 mm, non-targets become ABSENT), partial responders (30–80 % shrinkage,
  often regrowing), stable disease, progressors (growth from the first scan); lesion-level
  heterogeneity and ~5 % measurement noise; lesions under 3 mm are 0, 3–5 mm are
  ``TOO SMALL TO MEASURE`` (5 mm).
* New lesions (some first ``EQUIVOCAL`` a visit earlier), unequivocal non-target progression,
  3 % of scans with one target ``NOT DONE``. Scanning stops at progression, at a dropout (10 %)
  or at the cut-off.
* Investigator overall responses in RS (``OVRLRESP``, RECIST 1.1 applied to the generated
  values; ``PD`` at progression, ``NE`` at a scan with a target not done), 1.5 % of RSDTC
  partial (``YYYY-MM``).
* Deaths after progression (75 %), after dropout (40 %) or rarely otherwise; ``LSTALVDT``;
  new anticancer therapy (``NEWTHDT``) after progression or dropout for some.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from oncotrack.interop.datasetjson import write_dataset_json
from oncotrack.interop.sdtm import VARIABLE_LABELS

STUDYID = "SYN-ONC-001"
CUTOFF = dt.date(2025, 6, 30)
FIRST_RANDOMISATION = dt.date(2020, 1, 1)
MAX_FOLLOW_UPS = 12
TARGET_ORGANS = ("LIVER", "LUNG", "LYMPH NODE", "ADRENAL GLAND", "KIDNEY", "PERITONEUM",
                 "SPLEEN")
NON_TARGET_ORGANS = ("LIVER", "LUNG", "LYMPH NODE", "BONE", "PLEURA", "PERITONEUM", "BRAIN")
NEW_ORGANS = ("LIVER", "LUNG", "BONE", "BRAIN", "ADRENAL GLAND", "PERITONEUM")
TABLES = ("TU", "TR", "RS", "ADSL")
FORMATS = ("csv", "parquet", "xpt", "json", "ndjson")

_CHUNK = 100_000
_V = MAX_FOLLOW_UPS + 1  # baseline + follow-ups
_L, _K = 5, 3  # target and non-target slots
_EPOCH = dt.date(1970, 1, 1)
_NODE = TARGET_ORGANS.index("LYMPH NODE")
_CR, _PR, _SD, _PD = 0, 1, 2, 3
_RESPONSES = ("CR", "PR", "SD", "PD", "NE")
_STATES = ("PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION")
_VISITS = ["BASELINE", *(f"TUMOR ASSESSMENT {k}" for k in range(1, _V))]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _day(date: dt.date) -> int:
    return (date - _EPOCH).days


def synthesize(n_patients: int, seed: int = 0) -> dict[str, pl.DataFrame]:
    """A synthetic cohort: ``{"TU", "TR", "RS", "ADSL"}`` frames (see the module docstring).

    The same ``n_patients`` and ``seed`` give the same cohort.
    """
    if n_patients < 1:
        raise ValueError(f"n_patients must be at least 1, got {n_patients}")
    parts = [
        _chunk(start, min(_CHUNK, n_patients - start), np.random.default_rng([seed, index]))
        for index, start in enumerate(range(0, n_patients, _CHUNK))
    ]
    return {name: pl.concat([part[name] for part in parts], rechunk=False) for name in TABLES}


def _dates(days: npt.NDArray[np.int64]) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _pick(values: Iterable[str | None], index: npt.NDArray[np.integer]) -> pl.Series:
    """``values[index]`` as a String series (a polars index: far faster than a numpy one)."""
    return pl.Series(list(values), dtype=pl.String).gather(pl.Series(index, dtype=pl.Int64))


def _constant(value: str, length: int) -> pl.Series:
    return pl.Series([value], dtype=pl.String).new_from_index(0, length)


def _sequence(patients: npt.NDArray[np.int64]) -> IntArray:
    """1, 2, … within each run of equal (sorted) patient indices."""
    starts = np.searchsorted(patients, patients, side="left")
    return np.arange(len(patients), dtype=np.int64) - starts + 1


def _chunk(offset: int, n: int, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    k = np.arange(_V)
    ids = pl.Series("USUBJID", np.arange(offset + 1, offset + n + 1)).cast(pl.String)
    ids = ("SYN-" + ids.str.zfill(7)).alias("USUBJID")

    # --- subjects, schedule ---------------------------------------------------------------------
    experimental = rng.random(n) < 0.5
    odds = np.where(experimental[:, None], [[0.06, 0.34, 0.32, 0.28]], [[0.03, 0.20, 0.37, 0.40]])
    klass = (rng.random(n)[:, None] > np.cumsum(odds, axis=1)).sum(axis=1).clip(0, 3)
    cutoff = _day(CUTOFF)
    rand = _day(FIRST_RANDOMISATION) + rng.integers(0, cutoff - 150 - _day(FIRST_RANDOMISATION),
                                                     n)
    start = rand + rng.integers(0, 8, n)
    interval = np.where(rng.random(n) < 0.5, 42, 56)
    visit_day = start[:, None] + k[None, :] * interval[:, None] + rng.integers(-7, 8, (n, _V))
    visit_day[:, 0] = rand - rng.integers(1, 22, n)

    # --- target lesions ---------------------------------------------------------------------------
    n_targets = rng.choice(np.arange(1, 6), size=n, p=[0.2, 0.3, 0.25, 0.15, 0.1])
    slots = np.repeat(np.arange(len(TARGET_ORGANS)), 2)  # at most two per organ
    organ = slots[np.argsort(rng.random((n, len(slots))), axis=1)[:, :_L]]
    has_target = np.arange(_L)[None, :] < n_targets[:, None]
    node = organ == _NODE
    baseline = np.where(node, 15 + rng.gamma(2.0, 5.0, (n, _L)), 10 + rng.gamma(2.0, 12.0, (n, _L)))
    baseline = np.rint(baseline.clip(max=150))

    depth = np.select([klass == _CR, klass == _PR, klass == _SD],
                      [np.ones(n), rng.uniform(0.35, 0.8, n), rng.uniform(-0.1, 0.25, n)], 0.0)
    nadir_at = np.select([klass == _CR, klass == _PR, klass == _SD],
                         [rng.integers(2, 5, n), rng.integers(1, 5, n), rng.integers(1, 4, n)], 1)
    growth = np.select(
        [klass == _PR, klass == _SD, klass == _PD],
        [np.where(rng.random(n) < 0.6, rng.uniform(0.05, 0.3, n), 0.0),
         np.where(rng.random(n) < 0.7, rng.uniform(0.03, 0.15, n), 0.0),
         rng.uniform(0.15, 0.45, n)], 0.0)
    shrink = 1 - depth[:, None] * np.minimum(k[None, :], nadir_at[:, None]) / nadir_at[:, None]
    ratio = shrink * (1 + growth[:, None]) ** np.maximum(k[None, :] - nadir_at[:, None], 0)
    exponent = np.where((klass == _CR)[:, None], 1.0, rng.uniform(0.8, 1.2, (n, _L)))
    noise = np.exp(rng.standard_normal((n, _V, _L), dtype=np.float32) * np.float32(0.05))
    noise[:, 0, :] = 1.0
    scale = ratio.clip(min=0).astype(np.float32)[:, :, None] ** exponent.astype(np.float32)[
        :, None, :]
    size = baseline.astype(np.float32)[:, None, :] * scale * noise
    node_floor = rng.uniform(4.0, 9.5, (n, _L)).astype(np.float32)
    size = np.where(node[:, None, :], np.maximum(size, node_floor[:, None, :]), size)
    size[:, 0, :] = baseline
    vanished = ~node[:, None, :] & (size < 3)
    too_small = ~node[:, None, :] & (size >= 3) & (size < 5)
    recorded = np.where(vanished, np.float32(0), np.where(too_small, np.float32(5),
                                                            np.rint(size)))

    not_done_scan = rng.random((n, _V), dtype=np.float32) < 0.03
    not_done_scan[:, 0] = False
    which = (rng.random((n, _V), dtype=np.float32) * n_targets[:, None]).astype(np.int64)
    not_done = not_done_scan[:, :, None] & (np.arange(_L)[None, None, :] == which[:, :, None])

    # --- the investigator's RECIST 1.1 reading ------------------------------------------------
    sums = (recorded * has_target[:, None, :]).sum(axis=2, dtype=np.float64)
    running = np.where(not_done_scan, np.inf, sums)
    nadir_before = np.minimum.accumulate(running, axis=1)
    nadir_before = np.concatenate([np.full((n, 1), np.inf), nadir_before[:, :-1]], axis=1)
    target_pd = (~not_done_scan & (sums >= 1.2 * nadir_before) & (sums - nadir_before >= 5))
    gone = np.where(node[:, None, :], recorded < 10, recorded == 0) | ~has_target[:, None, :]
    target_cr = gone.all(axis=2)
    target_pr = sums <= 0.7 * sums[:, [0]]

    n_non_targets = rng.integers(0, _K + 1, n)
    has_non_target = np.arange(_K)[None, :] < n_non_targets[:, None]
    nt_organ = rng.integers(0, len(NON_TARGET_ORGANS), (n, _K))
    nt_up_at = np.where(
        (klass == _PD) & (rng.random(n) < 0.15) & (n_non_targets > 0), rng.integers(1, 4, n),
        np.where((rng.random(n) < 0.03) & (n_non_targets > 0), rng.integers(2, _V, n), 99))
    nt_state = np.zeros((n, _V, _K), dtype=np.int64)
    nt_state[((klass == _CR)[:, None] & (k[None, :] >= nadir_at[:, None]))] = 1
    nt_state[:, :, 0] = np.where(k[None, :] == nt_up_at[:, None], 2, nt_state[:, :, 0])
    nt_up = k[None, :] == nt_up_at[:, None]
    nt_absent = ((nt_state == 1) | ~has_non_target[:, None, :]).all(axis=2)

    new_p = np.select([klass == _PD, klass == _CR], [0.35, 0.10], 0.12)
    new_at = np.select([klass == _PD, klass == _CR],
                       [rng.integers(1, 4, n), np.minimum(nadir_at + rng.integers(2, 9, n), 12)],
                       rng.integers(2, _V, n))
    new_at = np.where(rng.random(n) < new_p, new_at, 99)
    equivocal_first = (new_at < 99) & (new_at >= 2) & (rng.random(n) < 0.25)
    new_pd = k[None, :] == new_at[:, None]

    progression = (target_pd | nt_up | new_pd) & (k[None, :] >= 1)
    first_pd = np.where(progression.any(axis=1), progression.argmax(axis=1), 99)
    within_cutoff = (visit_day <= cutoff).sum(axis=1) - 1
    dropout_last = np.where(rng.random(n) < 0.10, rng.integers(1, _V - 1, n), 99)
    last = np.minimum.reduce([first_pd, within_cutoff, dropout_last,
                              np.full(n, MAX_FOLLOW_UPS)]).clip(min=1)
    response = np.select(
        [progression, not_done_scan, target_cr & nt_absent, target_cr | target_pr],
        [3, 4, 0, 1], 2)

    # --- survival -------------------------------------------------------------------------------
    last_scan = visit_day[np.arange(n), last]
    progressed = first_pd <= last
    dropped = ~progressed & (dropout_last == last)
    death_p = np.select([progressed, dropped], [0.75, 0.40], 0.03)
    gap = np.select([progressed, dropped],
                    [rng.exponential(300, n), rng.exponential(120, n)],
                    rng.uniform(1, 60, n)).astype(np.int64) + 1
    death = last_scan + gap
    dead = (rng.random(n) < death_p) & (death <= cutoff)
    alive_until = np.minimum(cutoff, last_scan + rng.integers(0, 200, n))
    last_alive = np.where(dead, np.maximum(last_scan, death - rng.integers(0, 15, n)),
                          alive_until)
    new_therapy = last_scan + rng.integers(7, 60, n)
    takes = (progressed & (rng.random(n) < 0.6)) | (dropped & (rng.random(n) < 0.3))
    takes &= new_therapy <= np.where(dead, death, last_alive)

    adsl = pl.DataFrame({
        "STUDYID": _constant(STUDYID, n),
        "USUBJID": ids,
        "ARM": _pick(["CONTROL", "EXPERIMENTAL"], experimental.astype(np.int64)),
        "AGE": np.rint(rng.normal(63, 10, n).clip(18, 90)).astype(np.int64),
        "SEX": _pick(["F", "M"], (rng.random(n) < 0.5).astype(np.int64)),
        "RANDDT": _dates(rand),
        "TRTSDT": _dates(start),
        "DTHDT": _dates(death).set(pl.Series(~dead), None),
        "DTHFL": pl.Series(["Y"] * n, dtype=pl.String).set(pl.Series(~dead), None),
        "LSTALVDT": _dates(last_alive),
        "NEWTHDT": _dates(new_therapy).set(pl.Series(~takes), None),
    })

    # --- SDTM rows ------------------------------------------------------------------------------
    visit_dtc = _dates(visit_day.ravel()).dt.to_string("%Y-%m-%d")
    in_study = k[None, :] <= last[:, None]

    def at(i: IntArray, v: IntArray) -> dict[str, pl.Series]:
        return {"USUBJID": ids.gather(pl.Series(i)),
                "VISITNUM": pl.Series(v + 1, dtype=pl.Int64), "VISIT": _pick(_VISITS, v),
                "_dtc": visit_dtc.gather(pl.Series(i * _V + v))}

    # TR targets
    i, v, lesion = np.nonzero(has_target[:, None, :] & in_study[:, :, None])
    value = recorded[i, v, lesion].astype(np.float64)
    missing = not_done[i, v, lesion]
    small = too_small[i, v, lesion]
    is_node = node[i, lesion].astype(np.int64)
    number = pl.Series(np.where(missing, np.nan, value)).fill_nan(None)
    text = number.cast(pl.Int64).cast(pl.String)
    flag = missing.astype(np.int64)
    targets = pl.DataFrame({
        "_key": _row_key(i, v, 0, lesion), **at(i, v),
        "TRGRPID": _constant("TARGET", len(i)),
        "TRLNKID": _pick(_TARGET_IDS, lesion),
        "TRTESTCD": _pick(["LDIAM", "LPERP"], is_node),
        "TRTEST": _pick(["Longest Diameter", "Longest Perpendicular"], is_node),
        "TRORRES": _pick([None, "TOO SMALL TO MEASURE"], small.astype(np.int64)).fill_null(text),
        "TRORRESU": _pick(["mm", None], flag),
        "TRSTRESC": text, "TRSTRESN": number,
        "TRSTRESU": _pick(["mm", None], flag),
        "TRSTAT": _pick([None, "NOT DONE"], flag),
        "TRREASND": _pick([None, "NOT ASSESSABLE: POOR IMAGE QUALITY"], flag),
    })

    # TR non-targets
    i, v, lesion = np.nonzero(has_non_target[:, None, :] & in_study[:, :, None])
    states = _pick(_STATES, nt_state[i, v, lesion])
    non_targets = pl.DataFrame({
        "_key": _row_key(i, v, 1, lesion), **at(i, v),
        "TRGRPID": _constant("NON-TARGET", len(i)),
        "TRLNKID": _pick(_NON_TARGET_IDS, lesion),
        "TRTESTCD": _constant("TUMSTATE", len(i)), "TRTEST": _constant("Tumor State", len(i)),
        "TRORRES": states, "TRSTRESC": states,
    })

    # TR new lesions: EQUIVOCAL a visit early for some, UNEQUIVOCAL at progression
    at_progression = np.nonzero(new_at <= last)[0]
    early_rows = np.nonzero(equivocal_first & (new_at - 1 <= last))[0]
    i = np.concatenate([at_progression, early_rows])
    early = np.concatenate([np.zeros(len(at_progression), np.int64),
                            np.ones(len(early_rows), np.int64)])
    v = new_at[i] - early
    new_states = _pick(["UNEQUIVOCAL", "EQUIVOCAL"], early)
    new = pl.DataFrame({
        "_key": _row_key(i, v, 2, np.zeros(len(i), np.int64)), **at(i, v),
        "TRGRPID": _constant("NEW", len(i)), "TRLNKID": _constant("NEW01", len(i)),
        "TRTESTCD": _constant("TUMSTATE", len(i)), "TRTEST": _constant("Tumor State", len(i)),
        "TRORRES": new_states, "TRSTRESC": new_states,
    })

    tr = _in_order(pl.concat([targets, non_targets, new], how="diagonal_relaxed"))
    tr = tr.with_columns(
        pl.lit(STUDYID).alias("STUDYID"), pl.lit("TR").alias("DOMAIN"),
        pl.Series("TRSEQ", _sequence(tr["_key"].to_numpy() // _KEY_PATIENT)),
        pl.lit("INVESTIGATOR").alias("TREVAL"), pl.col("_dtc").alias("TRDTC"),
        pl.col("TRSTRESN").cast(pl.Float64),
    ).select("STUDYID", "DOMAIN", "USUBJID", "TRSEQ", "TRGRPID", "TRLNKID", "TRTESTCD",
             "TRTEST", "TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU", "TRSTAT",
             "TRREASND", "TREVAL", "VISITNUM", "VISIT", "TRDTC")

    # TU: targets and non-targets at baseline, new lesions when first seen
    first_new_visit = new_at - equivocal_first.astype(np.int64)
    ti, tl = np.nonzero(has_target)
    ni, nl = np.nonzero(has_non_target)
    wi = np.nonzero(first_new_visit <= last)[0]
    tu_i = np.concatenate([ti, ni, wi])
    tu_v = np.concatenate([np.zeros(len(ti) + len(ni), dtype=np.int64), first_new_visit[wi]])
    role = np.concatenate([np.zeros(len(ti), np.int64), np.ones(len(ni), np.int64),
                           np.full(len(wi), 2, np.int64)])
    slot = np.concatenate([tl, nl, np.zeros(len(wi), np.int64)])
    link = pl.concat([_pick(_TARGET_IDS, tl), _pick(_NON_TARGET_IDS, nl),
                      _constant("NEW01", len(wi))])
    location = pl.concat([
        _pick(TARGET_ORGANS, organ[ti, tl]), _pick(NON_TARGET_ORGANS, nt_organ[ni, nl]),
        _pick(NEW_ORGANS, rng.integers(0, len(NEW_ORGANS), len(wi))),
    ])
    roles = _pick(["TARGET", "NON-TARGET", "NEW"], role)
    tu = _in_order(pl.DataFrame({
        "_key": _row_key(tu_i, np.zeros(len(tu_i), np.int64), role, slot), **at(tu_i, tu_v),
        "TULNKID": link, "TUORRES": roles, "TUSTRESC": roles, "TULOC": location,
        "TUBLFL": _pick(["Y", None], (role == 2).astype(np.int64)),
    }))
    tu = tu.with_columns(
        pl.lit(STUDYID).alias("STUDYID"), pl.lit("TU").alias("DOMAIN"),
        pl.Series("TUSEQ", _sequence(tu["_key"].to_numpy() // _KEY_PATIENT)),
        pl.lit("TUMIDENT").alias("TUTESTCD"), pl.lit("Tumor Identification").alias("TUTEST"),
        pl.lit("CT SCAN").alias("TUMETHOD"), pl.lit("INVESTIGATOR").alias("TUEVAL"),
        pl.col("_dtc").alias("TUDTC"),
    ).select("STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD", "TUTEST",
             "TUORRES", "TUSTRESC", "TULOC", "TUMETHOD", "TUEVAL", "TUBLFL", "VISITNUM",
             "VISIT", "TUDTC")

    # RS: the overall response at every follow-up scan, a few dates partial
    i, v = np.nonzero(in_study & (k[None, :] >= 1))
    codes = _pick(_RESPONSES, response[i, v])
    partial = pl.Series(rng.random(len(i), dtype=np.float32) < 0.015)
    dtc = visit_dtc.gather(pl.Series(i * _V + v))
    rs = pl.DataFrame({**at(i, v), "RSORRES": codes, "RSSTRESC": codes}).with_columns(
        pl.lit(STUDYID).alias("STUDYID"), pl.lit("RS").alias("DOMAIN"),
        pl.Series("RSSEQ", _sequence(i)),
        pl.lit("OVRLRESP").alias("RSTESTCD"), pl.lit("Overall Response").alias("RSTEST"),
        pl.lit("RECIST 1.1").alias("RSCAT"), pl.lit("INVESTIGATOR").alias("RSEVAL"),
        pl.select(pl.when(partial).then(dtc.str.slice(0, 7)).otherwise(dtc)).to_series()
        .alias("RSDTC"),
    ).select("STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES",
             "RSSTRESC", "RSEVAL", "VISITNUM", "VISIT", "RSDTC")
    return {"TU": tu, "TR": tr, "RS": rs, "ADSL": adsl}


_KEY_PATIENT = _V * 3 * 8
_TARGET_IDS = [f"T{x:02d}" for x in range(1, _L + 1)]
_NON_TARGET_IDS = [f"NT{x:02d}" for x in range(1, _K + 1)]


def _row_key(i: IntArray, v: IntArray, group: int | IntArray, slot: IntArray) -> IntArray:
    """One sortable integer per row: patient, visit, lesion group, lesion slot."""
    return ((i * _V + v) * 3 + group) * 8 + slot


def _in_order(frame: pl.DataFrame) -> pl.DataFrame:
    order = np.argsort(frame["_key"].to_numpy(), kind="stable")
    return frame[pl.Series(order)]

# --- writing ------------------------------------------------------------------------------------

_TABLE_LABELS = {"TU": "Tumor/Lesion Identification", "TR": "Tumor/Lesion Results",
                 "RS": "Disease Response and Clin Classification",
                 "ADSL": "Subject-Level Analysis Dataset"}


def write_sdtm(tables: Mapping[str, pl.DataFrame], out_dir: str | Path,
               formats: Iterable[str] = ("csv",)) -> list[Path]:
    """Write ``tu``, ``tr``, ``rs``, ``adsl`` files (``.csv``, ``.parquet``, ``.xpt``, ``.json``,
    ``.ndjson``).

    Files are written into a temporary folder inside ``out_dir`` and moved into place only when
    all of them are complete: on an error nothing is left behind. Returns the paths written.

    Parquet text columns of TU, TR and RS are written as categoricals (dictionary-typed
    columns, as pandas ``category`` and R factors export them): codes, ids and dates repeat,
    and :func:`~oncotrack.interop.sdtm.read_domain` reads such columns straight into the
    categoricals of its cohort path instead of casting millions of strings (plain text
    columns read to the same frame, more slowly). ADSL, one row per subject, is read as text
    and written as text.
    """
    chosen = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"unknown format(s) {unknown or '(none)'}; expected some of "
                         f"{', '.join(FORMATS)}")
    names = [name for name in TABLES if name in tables]
    extra = sorted(set(tables) - set(TABLES))
    if extra or not names:
        raise ValueError(f"expected tables among {', '.join(TABLES)}, got {sorted(tables)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".oncotrack-sdtm-", dir=out))
    written: list[Path] = []
    try:
        for name in names:
            frame = tables[name]
            for kind in chosen:
                target = staging / f"{name.lower()}.{kind}"
                _write_one(frame, name, kind, target)
                written.append(target)
        final = [out / path.name for path in written]
        for path, destination in zip(written, final, strict=True):
            os.replace(path, destination)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_one(frame: pl.DataFrame, name: str, kind: str, target: Path) -> None:
    labels: dict[str, str | None] = {c: VARIABLE_LABELS.get(c, c)[:40] for c in frame.columns}
    if kind == "csv":
        frame.write_csv(target)
    elif kind == "parquet":
        if name != "ADSL":
            frame = frame.with_columns(pl.col(pl.String).cast(pl.Categorical))
        frame.write_parquet(target)
    elif kind == "xpt":
        import pyreadstat

        pyreadstat.write_xport(frame, str(target), file_label=_TABLE_LABELS[name][:40],
                               column_labels=labels, table_name=name, file_format_version=5)
    else:
        write_dataset_json(frame, target, name, label=_TABLE_LABELS[name],
                           labels={c: label or c for c, label in labels.items()},
                           study_oid=STUDYID, ndjson=kind == "ndjson")
