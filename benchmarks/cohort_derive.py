"""How fast the cohort derivation is, against the per-patient engine on the same patients.

Run: ``.venv/bin/python benchmarks/cohort_derive.py [N ...]`` (default 10 000 and 100 000
patients). Builds MEASUREMENTS and SUBJECTS directly with numpy (about 6 scans and 4 lesions per
patient: 3 targets, one of them a node, and 1 non-target; random shrinkage and growth, some
missing values, new lesions, deaths and new therapies), times :func:`derive`, and times
:func:`oncotrack.assess` on a sample of the same patients (the sample's Case objects are built
from the same rows), scaled to the whole cohort. Peak memory is the process's maximum resident
set size (``resource.getrusage``), so it includes everything built before.
"""

from __future__ import annotations

import datetime as dt
import platform
import resource
import sys
import time
from typing import Any

import numpy as np
import polars as pl

from oncotrack import assess
from oncotrack.cohort.derive import derive
from oncotrack.cohort.schema import MEASUREMENTS, SUBJECTS
from oncotrack.model.case import Case

SCANS = 6
TARGETS = 3
EPOCH = dt.date(1970, 1, 1)


def synthetic(n: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """MEASUREMENTS and SUBJECTS for ``n`` patients, vectorised."""
    rng = np.random.default_rng(seed)
    start = (dt.date(2022, 1, 3) - EPOCH).days + rng.integers(0, 365, n)
    gaps = rng.choice([42, 49, 56, 63], size=(n, SCANS - 1))
    days = np.concatenate([start[:, None], start[:, None] + np.cumsum(gaps, axis=1)], axis=1)
    base = np.round(rng.uniform(12, 80, (n, TARGETS)), 1)
    base[:, 2] = np.round(rng.uniform(15, 40, n), 1)  # the node
    trend = rng.normal(-0.08, 0.15, (n, 1)) * np.arange(SCANS)[None, :]
    noise = rng.normal(0, 0.05, (n, SCANS, TARGETS))
    factor = np.clip(1 + trend[:, :, None] + noise, 0, 3)
    factor[:, 0, :] = 1
    diam = np.round(base[:, None, :] * factor, 1)
    diam[rng.random(diam.shape) < 0.03] = np.nan  # not evaluated
    diam[:, 0, :] = base
    ids = np.char.add("S", np.char.zfill(np.arange(n).astype(str), 7))

    subject = np.repeat(ids, SCANS * TARGETS)
    scan_days = np.repeat(days, TARGETS)
    lesion = np.tile(np.array(["T1", "T2", "T3"]), n * SCANS)
    first = np.zeros((n, SCANS), dtype=bool)
    first[:, 0] = True
    targets = pl.DataFrame({
        "USUBJID": subject, "ADT": scan_days.astype("datetime64[D]"),
        "BASEFL": np.repeat(first, TARGETS),
        "LESIONID": lesion, "DIAM": diam.reshape(-1),
    }).with_columns(
        ROLE=pl.lit("TARGET"), NODE=pl.col("LESIONID") == "T3", STATE=pl.lit(None, pl.String),
        DIAM=pl.col("DIAM").fill_nan(None),
    )
    states = rng.choice(np.array(["PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION",
                                  "NOT EVALUATED"]), p=[0.8, 0.1, 0.05, 0.05], size=(n, SCANS))
    states[:, 0] = "PRESENT"
    non_targets = pl.DataFrame({
        "USUBJID": np.repeat(ids, SCANS), "ADT": days.reshape(-1).astype("datetime64[D]"),
        "BASEFL": first.reshape(-1), "STATE": states.reshape(-1),
    }).with_columns(ROLE=pl.lit("NON-TARGET"), LESIONID=pl.lit("N1"), NODE=pl.lit(False),
                    DIAM=pl.lit(None, pl.Float64))
    new_at = rng.random((n, SCANS)) < 0.04
    new_at[:, 0] = False
    rows, cols = np.nonzero(new_at)
    new = pl.DataFrame({
        "USUBJID": ids[rows], "ADT": days[rows, cols].astype("datetime64[D]"),
        "BASEFL": np.zeros(rows.size, dtype=bool),
        "STATE": rng.choice(np.array(["UNEQUIVOCAL", "EQUIVOCAL"]), size=rows.size),
    }).with_columns(ROLE=pl.lit("NEW"), LESIONID=pl.lit("X1"), NODE=pl.lit(False),
                    DIAM=pl.lit(None, pl.Float64))
    measurements = pl.concat([
        frame.with_columns(ADTF=pl.lit(None, pl.String), ORGAN=pl.lit("liver"))
        .select([pl.col(c).cast(t) for c, t in MEASUREMENTS.items()])
        for frame in (targets, non_targets, new)
    ])
    last = days[:, -1]
    died = rng.random(n) < 0.3
    therapy = rng.random(n) < 0.2
    subjects = pl.DataFrame({
        "USUBJID": ids,
        "RANDDT": (start + 3).astype("datetime64[D]"),
        "TRTSDT": (start + 3).astype("datetime64[D]"),
        "DTHDT": np.where(died, last + rng.integers(1, 200, n), 0).astype("datetime64[D]"),
        "LSTALVDT": (last + rng.integers(0, 100, n)).astype("datetime64[D]"),
        "NEWTHDT": np.where(therapy, start + rng.integers(30, 300, n), 0).astype(
            "datetime64[D]"),
    }).with_columns(
        DTHDT=pl.when(pl.Series(died)).then(pl.col("DTHDT")),
        NEWTHDT=pl.when(pl.Series(therapy)).then(pl.col("NEWTHDT")),
    ).select([pl.col(c).cast(t) for c, t in SUBJECTS.items()])
    return measurements, subjects


def to_cases(measurements: pl.DataFrame, subjects: pl.DataFrame) -> list[Case]:
    """The same patients as per-patient cases (for timing the reference engine)."""
    by_subject = measurements.partition_by("USUBJID", as_dict=True)
    cases = []
    for subject in subjects.iter_rows(named=True):
        rows = by_subject[(subject["USUBJID"],)].sort("ADT")
        assessments: list[dict[str, Any]] = []
        for (day,), scan in rows.group_by("ADT", maintain_order=True):
            entry: dict[str, Any] = {"date": str(day), "baseline": bool(scan["BASEFL"][0]),
                                     "target": {}, "non_target": {}, "new_lesions": []}
            for row in scan.iter_rows(named=True):
                if row["ROLE"] == "TARGET":
                    value = row["DIAM"]
                    entry["target"][row["LESIONID"]] = (
                        "not-evaluated" if value is None else value)
                elif row["ROLE"] == "NON-TARGET":
                    entry["non_target"][row["LESIONID"]] = {
                        "PRESENT": "present", "ABSENT": "absent",
                        "UNEQUIVOCAL PROGRESSION": "progression",
                    }.get(row["STATE"], "not-evaluated")
                else:
                    entry["new_lesions"].append({"organ": "liver", "id": row["LESIONID"],
                                                 "unequivocal": row["STATE"] == "UNEQUIVOCAL"})
            assessments.append(entry)
        events = [{"date": str(subject[column]), "type": kind}
                  for column, kind in (("DTHDT", "death"), ("NEWTHDT", "new-therapy"),
                                       ("LSTALVDT", "last-contact"))
                  if subject[column] is not None]
        cases.append(Case.model_validate({
            "patient": {"id": subject["USUBJID"]},
            "lesions": [{"id": "T1", "organ": "liver", "role": "target"},
                        {"id": "T2", "organ": "lung", "role": "target"},
                        {"id": "T3", "organ": "lymph node", "role": "target",
                         "lymph_node": True},
                        {"id": "N1", "organ": "bone", "role": "non-target"}],
            "assessments": assessments, "events": events,
            "endpoints": {"reference_date": str(subject["RANDDT"])},
        }))
    return cases


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(sizes: list[int]) -> None:
    print(f"python {platform.python_version()}, polars {pl.__version__}, "
          f"{pl.thread_pool_size()} threads")
    per_patient_s: float | None = None
    for n in sizes:
        began = time.perf_counter()
        measurements, subjects = synthetic(n)
        built = time.perf_counter() - began
        began = time.perf_counter()
        derived = derive(measurements, subjects)
        took = time.perf_counter() - began
        print(f"{n:>9,} patients, {measurements.height:>10,} measurement rows: built in "
              f"{built:.2f} s; derive {took:.2f} s ({took / n * 1e6:.1f} µs/patient); "
              f"{derived.timepoints.height:,} timepoints, {derived.adrs.height:,} ADRS, "
              f"{derived.adtte.height:,} ADTTE rows; peak RSS so far {peak_mb():,.0f} MB")
        if per_patient_s is None:
            sample = min(n, 1000)
            keep = subjects.head(sample)
            cases = to_cases(measurements.join(keep.select("USUBJID"), on="USUBJID"), keep)
            began = time.perf_counter()
            for case in cases:
                assess(case, criteria=["recist1.1"])
            per_patient_s = (time.perf_counter() - began) / sample
            print(f"  per-patient engine (assess, RECIST 1.1 only) on {sample:,} of them: "
                  f"{per_patient_s * 1e3:.2f} ms/patient, scaled to {n:,}: "
                  f"{per_patient_s * n:.1f} s; cohort engine is "
                  f"{per_patient_s * n / took:.0f}x faster")
            began = time.perf_counter()
            for case in cases:
                assess(case)
            every = (time.perf_counter() - began) / sample
            print(f"  per-patient engine (assess, every criterion, the default): "
                  f"{every * 1e3:.2f} ms/patient, scaled to {n:,}: {every * n:.1f} s; "
                  f"cohort engine is {every * n / took:.0f}x faster")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
