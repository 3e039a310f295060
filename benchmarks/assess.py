"""How long the per-patient engine takes: load + validate + RECIST 1.1 + BOR + endpoints.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/assess.py``). Prints the median of several
rounds for the reference case and for a synthetic case of 5 lesions and 20 timepoints, and the
ratio between them (compare ratios within one run; absolute times depend on the machine).
Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oncotrack import assess, load_case
from oncotrack.interop.casefile import parse_case
from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"


def synthetic_case(lesions: int = 5, timepoints: int = 20) -> Case:
    """A long course: targets shrink, plateau, then progress; one non-target lesion."""
    ids = [f"T{i}" for i in range(lesions - 1)]
    start = dt.date(2022, 1, 3)
    assessments: list[dict[str, Any]] = [{
        "date": start.isoformat(), "baseline": True,
        "target": {t: 30.0 + 5 * i for i, t in enumerate(ids)}, "non_target": {"NT": "present"},
    }]
    for k in range(1, timepoints + 1):
        factor = max(0.55, 1 - 0.06 * k) if k < timepoints - 2 else 0.55 + 0.15 * (k - 15)
        assessments.append({
            "date": (start + dt.timedelta(days=42 * k)).isoformat(),
            "target": {t: round((30.0 + 5 * i) * factor, 1) for i, t in enumerate(ids)},
            "non_target": {"NT": "present"},
        })
    data = {
        "patient": {"id": "BENCH-1"},
        "lesions": [*({"id": t, "organ": f"organ{i // 2}", "role": "target"}
                      for i, t in enumerate(ids)),
                    {"id": "NT", "organ": "peritoneum", "role": "non-target"}],
        "assessments": assessments,
        "procedures": [{"type": "tace", "date": (start + dt.timedelta(days=7 + 60 * k)).isoformat()}
                       for k in range(15)],
        "endpoints": {"reference_date": (start + dt.timedelta(days=7)).isoformat()},
    }
    case = Case.model_validate(data)
    assert not check_case(case)
    return case


def median_seconds(work: Callable[[], object], rounds: int = 7, number: int = 50) -> float:
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(number):
            work()
        samples.append((time.perf_counter() - began) / number)
    return statistics.median(samples)


def main() -> None:
    reference_text = REFERENCE.read_text()
    reference = load_case(REFERENCE)
    long_case = synthetic_case()
    rows = {
        "reference case: parse + validate": median_seconds(
            lambda: parse_case(reference_text, "reference")),
        "reference case: assess": median_seconds(lambda: assess(reference)),
        "5 lesions x 20 timepoints, 15 procedures: assess": median_seconds(
            lambda: assess(long_case)),
    }
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{platform.processor() or 'unknown CPU'}")
    base = rows["reference case: assess"]
    for name, seconds in rows.items():
        print(f"{name:52s} {seconds * 1e3:8.2f} ms   x{seconds / base:5.2f}")


if __name__ == "__main__":
    main()
