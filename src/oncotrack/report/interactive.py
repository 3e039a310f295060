"""Interactive charts for the HTML report (plotly; its bundled JavaScript is inlined by the page).

Two charts a reader explores on screen — the target lesions and their sum, and liver function —
with every value on hover. They repeat what the static figures show; printing uses the figures.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from oncotrack.report.data import ReportData
from oncotrack.scores.albi import GRADE_1_MAX, GRADE_2_MAX

CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True,
                          "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
"""No link to plotly's cloud: the page must not reach the network."""

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
"""Okabe-Ito, safe for colour-blind readers (shared with the static figures' choice)."""


def _html(figure: go.Figure, div_id: str) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                              config=CONFIG))


def lesion_chart(data: ReportData) -> str | None:
    """Per-lesion diameters and their sum over time, the response at each scan on hover."""
    result = data.assessment
    if result.baseline is None or not result.baseline.targets:
        return None
    dates = [str(result.baseline.date)] + [str(tp.date) for tp in result.timepoints]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for i, lesion in enumerate(result.baseline.targets):
        values = [result.baseline.targets[lesion]] + [
            next((r.value_mm for r in tp.lesions if r.lesion == lesion), None)
            for tp in result.timepoints
        ]
        figure.add_trace(go.Scatter(
            x=dates, y=values, name=lesion, mode="lines+markers",
            line={"color": PALETTE[i % len(PALETTE)], "width": 1.5},
            hovertemplate=f"{lesion}: %{{y}} mm<br>%{{x}}<extra></extra>",
        ), secondary_y=False)
    sums = [result.baseline.sum_mm] + [tp.sum_mm for tp in result.timepoints]
    labels = ["baseline"] + [
        f"{tp.overall.value} ({_pct(tp.change_from_baseline_pct)} vs baseline, "
        f"{_pct(tp.change_from_nadir_pct)} vs nadir)" for tp in result.timepoints
    ]
    figure.add_trace(go.Scatter(
        x=dates, y=sums, name="sum of diameters", mode="lines+markers+text",
        text=[""] + [tp.overall.value for tp in result.timepoints], textposition="top center",
        customdata=labels, line={"color": "#000000", "width": 3},
        hovertemplate="sum %{y} mm<br>%{x}<br>%{customdata}<extra></extra>",
    ), secondary_y=True)
    figure.update_layout(
        title="Target lesions (RECIST 1.1): diameters and their sum",
        hovermode="x unified", legend={"orientation": "h", "y": -0.2},
        margin={"l": 60, "r": 60, "t": 60, "b": 60}, height=460, template="plotly_white",
    )
    figure.update_yaxes(title_text="lesion diameter (mm; nodes: short axis)", secondary_y=False)
    figure.update_yaxes(title_text="sum of diameters (mm)", secondary_y=True)
    return _html(figure, "chart-lesions")


def liver_chart(data: ReportData) -> str | None:
    """ALT and the ALBI score over time, the ALBI grade bands shaded, TACE sessions marked."""
    alt = [(row.lab.date, row.lab.value) for row in data.labs.labs if row.lab.analyte == "alt"]
    albi = [(row.date, row.albi.score, row.albi.grade) for row in data.labs.albi]
    if not alt and not albi:
        return None
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=("ALT (U/L)", "ALBI score"))
    if alt:
        figure.add_trace(go.Scatter(x=[str(d) for d, _ in alt], y=[v for _, v in alt],
                                    name="ALT", mode="lines+markers",
                                    line={"color": PALETTE[0]}), row=1, col=1)
    if albi:
        figure.add_trace(go.Scatter(
            x=[str(d) for d, _, _ in albi], y=[s for _, s, _ in albi], name="ALBI",
            mode="lines+markers", line={"color": PALETTE[5]},
            customdata=[g for _, _, g in albi],
            hovertemplate="ALBI %{y:.2f} (grade %{customdata})<br>%{x}<extra></extra>",
        ), row=2, col=1)
        low = min([s for _, s, _ in albi] + [GRADE_1_MAX]) - 0.3
        high = max([s for _, s, _ in albi] + [GRADE_2_MAX]) + 0.3
        for y0, y1, label, colour in ((low, GRADE_1_MAX, "grade 1", "#d9f0d3"),
                                      (GRADE_1_MAX, GRADE_2_MAX, "grade 2", "#fee8c8"),
                                      (GRADE_2_MAX, high, "grade 3", "#fcbba1")):
            figure.add_hrect(y0=y0, y1=y1, fillcolor=colour, opacity=0.5, line_width=0,
                             annotation_text=label, annotation_position="right",
                             row=2, col=1)
        figure.update_yaxes(range=[low, high], row=2, col=1)
    for panel in data.assessment.liver_panel:
        if panel.type != "tace":
            continue
        dash = "solid" if panel.embolization_performed else "dot"
        figure.add_vline(x=str(panel.date), line_dash=dash, line_color="#888888", line_width=1)
    figure.update_layout(title="Liver function before each intervention (dotted: no "
                         "embolization)", height=520, template="plotly_white",
                         showlegend=False, margin={"l": 60, "r": 80, "t": 80, "b": 40})
    return _html(figure, "chart-liver")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f} %"


def plotly_javascript() -> str:
    """plotly.js as bundled with the installed plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())
