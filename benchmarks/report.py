"""Wall time of ``oncotrack report`` on the reference case, after a first (warm-up) run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/report.py``. The first run pays for
imports and matplotlib's font cache; the target (issue 4) is < 5 s for every later run. Prints
the median of 5 runs and the slowest stage.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "lms-deb-tace-anlotinib.yaml"


def main() -> None:
    began = time.perf_counter()
    import oncotrack
    from oncotrack.report.data import build_report_data
    from oncotrack.report.figures import write_figures
    from oncotrack.report.html import render_html, write_report

    imports = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report"
        first_began = time.perf_counter()
        write_report(build_report_data(oncotrack.load_case(REFERENCE)), out)
        first = time.perf_counter() - first_began
        stages: dict[str, list[float]] = {"load + assess": [], "figures": [], "html": []}
        for _ in range(5):
            t0 = time.perf_counter()
            data = build_report_data(oncotrack.load_case(REFERENCE))
            t1 = time.perf_counter()
            figures = write_figures(data, Path(folder) / "figures")
            t2 = time.perf_counter()
            render_html(data, figures)
            t3 = time.perf_counter()
            stages["load + assess"].append(t1 - t0)
            stages["figures"].append(t2 - t1)
            stages["html"].append(t3 - t2)
        whole: list[float] = []
        for _ in range(5):
            t0 = time.perf_counter()
            write_report(build_report_data(oncotrack.load_case(REFERENCE)), out)
            whole.append(time.perf_counter() - t0)
        size = (out / "report.html").stat().st_size
    print(f"imports {imports:.2f} s; first report {first:.2f} s (includes font cache)")
    print(f"report, median of 5 after the first: {statistics.median(whole):.2f} s "
          f"(max {max(whole):.2f} s); report.html {size / 1e6:.1f} MB")
    for name, values in stages.items():
        print(f"  {name:14s} {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
