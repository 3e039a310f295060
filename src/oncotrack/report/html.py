"""``report.html``: one self-contained file (styles, figures and plotly.js inlined) that opens
offline and prints on A4 or Letter, written with the figure files beside it."""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from oncotrack.report.data import ReportData
from oncotrack.report.figures import (
    FIGURE_NAMES,
    FigureFiles,
    caption,
    figure_svg,
    figure_title,
    write_figures,
)
from oncotrack.report.interactive import lesion_chart, liver_chart, plotly_javascript
from oncotrack.scores.liver_panel import ProcedurePanel


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    figures: list[Path]


_ENV = Environment(
    loader=PackageLoader("oncotrack.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f} %"


def _code(value: Any) -> str:
    return "—" if value is None else str(getattr(value, "value", value))


def _lab(panel: ProcedurePanel, analyte: str) -> str:
    lab = panel.labs.get(analyte)
    return "—" if lab is None else _fmt(lab.lab.value)


def _panel_dates(panel: ProcedurePanel) -> str:
    return ", ".join(str(d) for d in sorted({lab.lab.date for lab in panel.labs.values()}))


def _panel_illustrative(panel: ProcedurePanel) -> bool:
    return any(lab.lab.illustrative for lab in panel.labs.values())


def _illustrative_summary(records: list[str]) -> str:
    groups: dict[str, int] = {}
    for record in records:
        name = record.split("[", 1)[0]
        groups[name] = groups.get(name, 0) + 1
    return "This report uses illustrative " + ", ".join(
        f"{name} ({count})" for name, count in groups.items()) + "."


def report_context(data: ReportData) -> dict[str, Any]:
    """What the report's section templates (``sections/*.html.j2``) need: the results and the
    formatting helpers. The web app's patient page renders the same sections from it."""
    from oncotrack import __version__

    a = data.assessment
    endpoints = [("Progression-free survival (PFS)", a.endpoints.pfs),
                 ("Time to progression (TTP)", a.endpoints.ttp),
                 ("Overall survival (OS)", a.endpoints.os),
                 (f"Duration of response (from the {a.endpoints.dor_basis})", a.endpoints.dor),
                 ("Time to response", a.endpoints.time_to_response)]
    return {
        "data": data, "a": a, "version": __version__, "endpoints": endpoints,
        "lesion_ids": list(a.baseline.targets) if a.baseline else [],
        "illustrative_summary": _illustrative_summary(a.illustrative),
        "fmt": _fmt, "pct": _pct, "code": _code, "lab": _lab, "panel_dates": _panel_dates,
        "panel_illustrative": _panel_illustrative, "yes": lambda b: "yes" if b else "no",
        "units": lambda c: (c.unit or "") if c.dose_known else "administrations",
    }


def render_html(data: ReportData, figures: list[FigureFiles]) -> str:
    """The report page for ``data`` with ``figures`` embedded as SVG data URIs (their PNG, SVG
    and PDF files linked beside the page)."""
    embedded = [_embedded(f.name, f.title, f.caption, f.svg.read_bytes()) for f in figures]
    return _render(data, embedded, figure_links=True)


def standalone_html(data: ReportData) -> str:
    """The report as one self-contained page with nothing beside it, for a download: the figures
    are drawn as SVG in memory and embedded, and no figure file is linked."""
    embedded = []
    for name in FIGURE_NAMES:
        svg = figure_svg(name, data)
        if svg is not None:
            embedded.append(_embedded(name, figure_title(name), caption(name, data), svg))
    return _render(data, embedded, figure_links=False)


def _embedded(name: str, title: str, caption_text: str, svg: bytes) -> dict[str, str]:
    return {"name": name, "title": title, "caption": caption_text,
            "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")}


def _render(data: ReportData, figures: list[dict[str, str]], *, figure_links: bool) -> str:
    charts = [c for c in (lesion_chart(data), liver_chart(data)) if c]
    template = _ENV.get_template("report.html.j2")
    return template.render(
        **report_context(data), charts=charts,
        plotly_js=plotly_javascript() if charts else "", figures=figures,
        figure_links=figure_links,
    )


def write_report(data: ReportData, out_dir: Path) -> ReportFiles:
    """Write ``out_dir/report.html`` and ``out_dir/figures/*.{png,svg,pdf}``.

    Everything is built in a temporary folder beside ``out_dir`` and moved into place only when
    complete, so a failure never leaves a half-written report.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        figures = write_figures(data, staging / "figures")
        (staging / "report.html").write_text(render_html(data, figures), encoding="utf-8")
        out_dir.mkdir(exist_ok=True)
        (out_dir / "figures").mkdir(exist_ok=True)
        moved = []
        for path in sorted((staging / "figures").iterdir()):
            target = out_dir / "figures" / path.name
            os.replace(path, target)
            moved.append(target)
        os.replace(staging / "report.html", out_dir / "report.html")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportFiles(html=out_dir / "report.html", figures=moved)
