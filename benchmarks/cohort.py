"""The cohort engine at 10 k, 100 k and 1 M patients, stage by stage, and against the per-patient
engine on the same 10 k patients.

Run: ``.venv/bin/python benchmarks/cohort.py [N ...] [--format csv|parquet] [--work DIR]``
(``make bench`` runs 10 000 and 100 000 patients, ``make bench-1m`` 1 000 000; results go in
docs/performance.md).

For each size a synthetic cohort (``oncotrack.cohort.synth``: about 6 scans and 4 lesions per
patient) is written as SDTM TU, TR, RS and an ADSL-like subject table, then:

* every stage runs in its own process (``python benchmarks/cohort.py --stage ...``), reading its
  input from the previous stage's output (Arrow IPC files, not timed), so that its wall time and
  its peak resident memory (``ru_maxrss`` of that process: what running the stage needs,
  inputs included) are its own: synthesize + write SDTM, read TU/TR/subjects (typed and checked),
  measurements (``coded_measurements``), timepoint responses (``derive_timepoints``), BOR and
  endpoints (``derive_endpoints``), write ADaM (CSV and Parquet);
* then the whole path from files on disk to ADaM files: the command ``oncotrack cohort derive
  --formats csv,parquet`` run as a child process; its wall time, CPU time and peak memory are
  the end-to-end figures;
* on the smallest cohort (up to 10 000 patients), the per-patient engine (``oncotrack.assess``
  with RECIST 1.1, which gives timepoints, BOR, confirmed BOR and endpoints) runs on every
  patient, built as case objects from the same measurements (building not timed), against the
  cohort engine's ``derive`` on the same patients in one process (best of 3); the confirmed BOR
  of every patient is compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

PER_PATIENT_MAX = 10_000
"""The per-patient engine runs on the smallest cohort only when it has at most this many
patients (10 000 take about a minute; a million would take hours)."""
STAGES = ("synthesize", "read", "measurements", "timepoints", "endpoints", "write")
LABELS = {
    "synthesize": "synthesize + write SDTM",
    "read": "read TU, TR, subjects",
    "measurements": "measurements (TU/TR → coded)",
    "timepoints": "timepoint responses",
    "endpoints": "BOR, CBOR, PFS, OS, TTP, DoR",
    "write": "write ADaM (CSV + Parquet)",
    "end-to-end": "end to end, files → ADaM",
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ipc(work: Path, name: str) -> Path:
    return work / "stages" / f"{name}.arrow"


def _run_stage(stage: str, n: int, work: Path, fmt: str) -> dict[str, float]:
    """One stage in this process: load inputs (not timed), run it (timed), save outputs."""
    from oncotrack.cohort import schema
    from oncotrack.cohort.derive import Timepoints, derive_endpoints, derive_timepoints
    from oncotrack.interop.adam import write_adam
    from oncotrack.interop.sdtm import (
        USED_COLUMNS,
        coded_measurements,
        read_domain,
        read_subjects,
    )

    sdtm = work / "sdtm"
    (work / "stages").mkdir(parents=True, exist_ok=True)
    inputs: dict[str, pl.DataFrame] = {}
    needs = {"measurements": ["tu", "tr"],
             "timepoints": ["coded", "coded_scans", "coded_lesions", "subjects_ids", "subjects"],
             "endpoints": ["follow", "baselines", "subjects"], "write": ["adrs", "adtte"]}
    for name in needs.get(stage, []):
        inputs[name] = pl.read_ipc(_ipc(work, name))
    began = time.perf_counter()
    saved: dict[str, pl.DataFrame] = {}
    if stage == "synthesize":
        from oncotrack.cohort.synth import synthesize, write_sdtm

        write_sdtm(synthesize(n, seed=1), sdtm, [fmt])
    elif stage == "read":
        saved["tu"] = read_domain(sdtm / f"tu.{fmt}", "TU", columns=USED_COLUMNS["TU"])
        saved["tr"] = read_domain(sdtm / f"tr.{fmt}", "TR", columns=USED_COLUMNS["TR"])
        saved["subjects"] = read_subjects(sdtm / f"adsl.{fmt}")
    elif stage == "measurements":
        coded = coded_measurements(inputs["tu"], inputs["tr"], check=False)
        saved["coded"], saved["subjects_ids"] = coded.frame, coded.subjects.to_frame()
        saved["coded_scans"], saved["coded_lesions"] = coded.scans, coded.lesions
    elif stage == "timepoints":
        coded = schema.Coded(frame=inputs["coded"], scans=inputs["coded_scans"],
                             lesions=inputs["coded_lesions"],
                             subjects=inputs["subjects_ids"].to_series())
        tps = derive_timepoints(coded, inputs["subjects"])
        saved["follow"], saved["baselines"] = tps.follow, tps.baselines
    elif stage == "endpoints":
        derived = derive_endpoints(Timepoints(inputs["follow"], inputs["baselines"]),
                                   inputs["subjects"])
        saved["adrs"], saved["adtte"] = derived.adrs, derived.adtte
    elif stage == "write":
        write_adam(inputs["adrs"], inputs["adtte"], work / "adam", ["csv", "parquet"])
    took = time.perf_counter() - began
    for name, frame in saved.items():
        frame.write_ipc(_ipc(work, name), compression="uncompressed")
    return {"seconds": took, "peak_mb": _peak_mb()}


def _end_to_end(work: Path, fmt: str) -> dict[str, float]:
    """Files on disk → ADaM files: the command ``oncotrack cohort derive --tu --tr --subjects
    --formats csv,parquet`` itself, in a child process (its wall time, its CPU time and its
    peak resident memory)."""
    sdtm = work / "sdtm"
    command = [str(Path(sys.executable).with_name("oncotrack")), "cohort", "derive",
               "--tu", str(sdtm / f"tu.{fmt}"), "--tr", str(sdtm / f"tr.{fmt}"),
               "--subjects", str(sdtm / f"adsl.{fmt}"), "--out", str(work / "adam-e2e"),
               "--formats", "csv,parquet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"oncotrack cohort derive failed:\n{done.stderr}")
    # "N subjects: T timepoints; adrs A rows, adtte B rows"
    counts = [int(word) for word in done.stdout.splitlines()[0].replace(";", " ").split()
              if word.isdigit()]
    return {"seconds": seconds, "peak_mb": after.ru_maxrss / 1024,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "subjects": counts[0], "timepoints": counts[1], "adrs": counts[2],
            "adtte": counts[3]}


def _per_patient(work: Path, fmt: str) -> dict[str, Any]:
    """The per-patient engine on every patient against the cohort engine's derivation."""
    from oncotrack import assess
    from oncotrack.cohort.derive import derive
    from oncotrack.interop.sdtm import measurements_table, read_domain, read_subjects

    sdtm = work / "sdtm"
    subjects = read_subjects(sdtm / f"adsl.{fmt}")
    measurements = measurements_table(read_domain(sdtm / f"tu.{fmt}", "TU"),
                                      read_domain(sdtm / f"tr.{fmt}", "TR"))
    cohort_s = []
    for _ in range(3):
        began = time.perf_counter()
        derived = derive(measurements, subjects)
        cohort_s.append(time.perf_counter() - began)
    cases = _cases(measurements, subjects)
    began = time.perf_counter()
    results = [assess(case, criteria=["recist1.1"]) for case in cases]
    engine_s = time.perf_counter() - began
    cbor = dict(derived.adrs.filter(pl.col("PARAMCD") == "CBOR")
                .select("USUBJID", "AVALC").iter_rows())
    differing = sum(cbor[case.patient.id] != result.best_overall_response.confirmed.response.value
                    for case, result in zip(cases, results, strict=True))
    return {"patients": len(cases), "engine_s": engine_s, "cohort_s": min(cohort_s),
            "ratio": engine_s / min(cohort_s), "cbor_differing": differing}


def _cases(measurements: pl.DataFrame, subjects: pl.DataFrame) -> list[Any]:
    """Per-patient case objects with the same lesions, scans and events."""
    from oncotrack.model.case import Case

    statuses = {"PRESENT": "present", "ABSENT": "absent",
                "UNEQUIVOCAL PROGRESSION": "progression"}
    by_subject = measurements.partition_by("USUBJID", as_dict=True)
    cases = []
    for subject in subjects.iter_rows(named=True):
        rows = by_subject.get((subject["USUBJID"],))
        if rows is None:
            continue
        lesions: dict[str, dict[str, Any]] = {}
        assessments: list[dict[str, Any]] = []
        for (day,), scan in rows.sort("ADT").group_by("ADT", maintain_order=True):
            entry: dict[str, Any] = {"date": str(day), "baseline": bool(scan["BASEFL"][0]),
                                     "target": {}, "non_target": {}, "new_lesions": []}
            for row in scan.iter_rows(named=True):
                lesion = row["LESIONID"]
                if row["ROLE"] == "TARGET":
                    lesions.setdefault(lesion, {"id": lesion, "organ": row["ORGAN"],
                                                "role": "target", "lymph_node": row["NODE"]})
                    entry["target"][lesion] = ("not-evaluated" if row["DIAM"] is None
                                               else row["DIAM"])
                elif row["ROLE"] == "NON-TARGET":
                    lesions.setdefault(lesion, {"id": lesion, "organ": row["ORGAN"],
                                                "role": "non-target"})
                    entry["non_target"][lesion] = statuses.get(row["STATE"], "not-evaluated")
                else:
                    entry["new_lesions"].append({"organ": row["ORGAN"], "id": lesion,
                                                 "unequivocal": row["STATE"] == "UNEQUIVOCAL"})
            assessments.append(entry)
        events = [{"date": str(subject[column]), "type": kind}
                  for column, kind in (("DTHDT", "death"), ("NEWTHDT", "new-therapy"),
                                       ("LSTALVDT", "last-contact"))
                  if subject[column] is not None]
        cases.append(Case.model_validate({
            "patient": {"id": subject["USUBJID"]}, "lesions": list(lesions.values()),
            "assessments": assessments, "events": events,
            "endpoints": {"reference_date": str(subject["RANDDT"])},
        }))
    return cases


def _child(args: list[str]) -> dict[str, Any]:
    """Run this script with ``args`` in a new process and return what it printed (JSON)."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"stage {args} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(sizes: list[int], fmt: str, work: Path) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, polars {pl.__version__} "
          f"({pl.thread_pool_size()} threads); load average {os.getloadavg()[0]:.1f}")
    for n in sizes:
        folder = work / f"{n}"
        print(f"\n{n:,} patients ({fmt} files in {folder}):")
        for stage in STAGES:
            result = _child(["--stage", stage, "--patients", str(n), "--format", fmt,
                             "--work", str(folder)])
            print(f"  {LABELS[stage]:<32} {result['seconds']:8.2f} s   peak "
                  f"{result['peak_mb']:8,.0f} MB", flush=True)
        sizes_mb = {p.name: p.stat().st_size / 1e6 for p in sorted((folder / "sdtm").iterdir())}
        result = _child(["--stage", "end-to-end", "--format", fmt, "--work", str(folder)])
        print(f"  {LABELS['end-to-end']:<32} {result['seconds']:8.2f} s   peak "
              f"{result['peak_mb']:8,.0f} MB   (CPU {result['cpu_s']:.1f} s; "
              f"{result['timepoints']:,} timepoints, "
              f"{result['adrs']:,} ADRS and {result['adtte']:,} ADTTE rows; SDTM "
              + ", ".join(f"{k} {v:,.0f} MB" for k, v in sizes_mb.items()) + ")", flush=True)
        if n == min(sizes) and n <= PER_PATIENT_MAX:
            result = _child(["--stage", "per-patient", "--format", fmt, "--work", str(folder)])
            print(f"  per-patient engine (assess, RECIST 1.1: timepoints, BOR, CBOR, "
                  f"endpoints) on {result['patients']:,} patients: {result['engine_s']:.2f} s "
                  f"({result['engine_s'] / result['patients'] * 1e3:.2f} ms each); cohort "
                  f"engine (derive) on the same: {result['cohort_s']:.3f} s: "
                  f"{result['ratio']:.0f}x faster; confirmed BOR differs for "
                  f"{result['cbor_differing']} patients", flush=True)


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--work", type=Path, default=Path("out/bench-cohort"))
    parser.add_argument("--stage", choices=[*STAGES, "end-to-end", "per-patient"])
    parser.add_argument("--patients", type=int, default=0)
    args = parser.parse_args()
    if args.stage == "end-to-end":
        print(json.dumps(_end_to_end(args.work, args.format)))
    elif args.stage == "per-patient":
        print(json.dumps(_per_patient(args.work, args.format)))
    elif args.stage:
        print(json.dumps(_run_stage(args.stage, args.patients, args.work, args.format)))
    else:
        main(args.sizes, args.format, args.work)


if __name__ == "__main__":
    _cli()
