"""The figures a case report prints, drawn with matplotlib (PNG, SVG and PDF).

Four figures, each built from :class:`~oncotrack.report.data.ReportData` alone (no clinical rule
lives here: every number comes from the engines):

* ``lesions``  — target-lesion diameters and their sum over time, with the RECIST 1.1 response at
  each scan, baseline and nadir, the PR/PD thresholds, TACE sessions and the main drug's calendar;
* ``liver``    — ALT and the ALBI score over time, ALBI grade bands, TACE sessions;
* ``timeline`` — one lane per kind of treatment, imaging, progression and death, PFS and OS;
* ``spider``   — percent change from baseline per target lesion and for the sum.

Figures are :class:`matplotlib.figure.Figure` objects created without pyplot (nothing is kept
in pyplot's figure registry), with an Agg canvas, so they draw without a display. Output is
deterministic: :func:`write_figures` twice gives byte-identical files.

Conventions: Okabe-Ito colours (colour-blind safe) with marker shapes as a second cue, 18 cm
wide (A4 text width), dates by :class:`~matplotlib.dates.ConciseDateFormatter`, legends outside
the data. Dates known only to the month or year are drawn hollow, prefixed with "~", with a thin
bar over the period they may fall in.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import multiprocessing
import os
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedFormatter, FixedLocator
from matplotlib.typing import RcKeyType

from oncotrack.model.case import Case, Radiotherapy, Regimen, Surgery, Tace
from oncotrack.model.dates import Imputation, PartialDate
from oncotrack.model.vocabulary import EventType, LesionRole
from oncotrack.report.data import ReportData
from oncotrack.schedule.calendar import CalendarDay, RegimenCalendar
from oncotrack.scores.albi import GRADE_1_MAX, GRADE_2_MAX

FIGURE_NAMES = ("lesions", "liver", "timeline", "spider")

# --- style ---------------------------------------------------------------------------------------

WIDTH_IN = 18 / 2.54
"""18 cm: the text width of an A4 page."""

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#8C8C8C",
}
LESION_COLOURS = ("blue", "orange", "green", "purple", "sky", "vermillion", "grey", "yellow")
LESION_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<")
RESPONSE_COLOURS = {
    "CR": OKABE_ITO["green"],
    "PR": OKABE_ITO["blue"],
    "SD": "#B07A00",  # a darker orange: readable as text on white
    "NON-CR/NON-PD": "#555555",
    "PD": OKABE_ITO["vermillion"],
    "NE": OKABE_ITO["grey"],
}
RESPONSE_SHORT = {"NON-CR/NON-PD": "non-CR/non-PD"}
STATUS_COLOURS = {
    "on": OKABE_ITO["blue"],
    "off": "#DDDDDD",
    "hold": OKABE_ITO["vermillion"],
    "interrupted": OKABE_ITO["black"],
}
STATUS_LABELS = {
    "on": "drug taken",
    "off": "planned off days",
    "hold": "held around a procedure",
    "interrupted": "interrupted",
}
ALBI_BANDS = (
    (1, f"ALBI grade 1 (≤ {GRADE_1_MAX:.2f})".replace("-", "−"), "#CFE8DC"),
    (2, f"ALBI grade 2 (> {GRADE_1_MAX:.2f} to ≤ {GRADE_2_MAX:.2f})".replace("-", "−"), "#FBE9BF"),
    (3, f"ALBI grade 3 (> {GRADE_2_MAX:.2f})".replace("-", "−"), "#F6D0BC"),
)
PD_PCT = 20.0
PR_PCT = -30.0
PD_ABSOLUTE_MM = 5.0
DAYS_PER_MONTH = 30.4375

FIGURE_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "oncotrack-figures",
    "svg.fonttype": "path",
    "pdf.fonttype": 3,
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.5,
    "figure.dpi": 150,
    "savefig.dpi": 150,
    "path.simplify": False,
}


"""The house style of every oncotrack figure (also cohort/figures.py): fixed fonts and an SVG hash
salt so that files are byte-for-byte reproducible."""


@contextmanager
def figure_style(overrides: Mapping[RcKeyType, Any] | None = None) -> Iterator[None]:
    """Draw inside this context to use :data:`FIGURE_RC` (``overrides`` change single keys)."""
    rc: dict[RcKeyType, Any] = dict(FIGURE_RC)
    rc.update(overrides or {})
    with matplotlib.rc_context(rc):
        yield


def new_figure(height_in: float, hspace: float = 0.03) -> Figure:
    """An A4-wide figure with constrained layout on an Agg canvas (no pyplot state)."""
    layout = ConstrainedLayoutEngine(h_pad=0.04, w_pad=0.04, hspace=hspace)
    fig = Figure(figsize=(WIDTH_IN, height_in), layout=layout)
    FigureCanvasAgg(fig)
    return fig



# --- small helpers -------------------------------------------------------------------------------


_DATES: Any = mdates
"""matplotlib.dates, whose functions carry no annotations (mypy would flag each call)."""


def _num(day: dt.date) -> float:
    """A date as matplotlib's day number."""
    return float(_DATES.date2num(day))


def _date_axis(ax: Axes) -> None:
    """Readable date ticks (AutoDateLocator, ConciseDateFormatter), computed once for the final
    limits and then fixed: every draw and every format reuses them (and it is much faster)."""
    locator = _DATES.AutoDateLocator(minticks=5, maxticks=12)
    locator.set_axis(ax.xaxis)
    formatter = _DATES.ConciseDateFormatter(locator, show_offset=False)
    ticks = [float(t) for t in locator()]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FixedFormatter(formatter.format_ticks(ticks)))


def _span(day_range: tuple[dt.date, dt.date], margin_fraction: float = 0.03) -> tuple[float, float]:
    first, last = _num(day_range[0]), _num(day_range[1])
    margin = max((last - first) * margin_fraction, 10.0)
    return first - margin, last + margin


def _period(date: PartialDate) -> tuple[dt.date, dt.date] | None:
    """The days a partial date may fall on; None for an exact date."""
    if not date.is_partial:
        return None
    return date.impute(Imputation.FIRST), date.impute(Imputation.LAST)


def _tiers(xs: Sequence[float], min_gap: float, levels: int = 2) -> list[int]:
    """Stagger labels at positions ``xs`` (any order): a label closer than ``min_gap`` to the
    previous label on its level moves up a level, so that labels never collide."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    last: list[float] = [-math.inf] * levels
    tiers = [0] * len(xs)
    for i in order:
        level = next((k for k in range(levels) if xs[i] - last[k] >= min_gap), None)
        if level is None:
            level = min(range(levels), key=lambda k: last[k])
        tiers[i] = level
        last[level] = xs[i]
    return tiers


def _axes_width_days(ax: Axes, fig: Figure) -> float:
    """Days per inch along ``ax``'s x axis. Before the layout runs, the axes' width is that of
    the default subplot parameters, a little narrower than the final one: labels staggered by it
    are a little more spread out than they need to be, never less."""
    left, right = ax.get_xlim()
    width_in = ax.get_position().width * fig.get_figwidth()
    return (right - left) / max(width_in, 0.1)


def _runs(days: Sequence[CalendarDay]) -> list[tuple[dt.date, int, str]]:
    """Consecutive days of one status: (first day, length, status)."""
    runs: list[tuple[dt.date, int, str]] = []
    for day in days:
        if runs and runs[-1][2] == day.status and \
                runs[-1][0] + dt.timedelta(days=runs[-1][1]) == day.date:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, runs[-1][2])
        else:
            runs.append((day.date, 1, day.status))
    return runs


def _calendar_bar(ax: Axes, calendar: RegimenCalendar, y: float, height: float,
                  window: tuple[float, float], min_width_days: float) -> None:
    """The regimen's daily calendar as a bar: grey background over the whole period, then the
    on / hold / interrupted days on top (each run at least ``min_width_days`` wide, so that a
    single infusion day stays visible at a scale of years)."""
    first, last = window
    start = max(_num(calendar.start), first)
    end = min(_num(calendar.end) + 1, last)
    if end <= start:
        return
    ax.broken_barh([(start, end - start)], (y - height / 2, height),
                   facecolors=STATUS_COLOURS["off"], edgecolors="none", zorder=2,
                   gid=f"calendar-{calendar.drug}")
    for status in ("on", "hold", "interrupted"):
        bars = []
        for day, length, kind in _runs(calendar.days):
            left = _num(day)
            if kind != status or left + length < first or left > last:
                continue
            width = max(float(length), min_width_days)
            bars.append((max(left, first), min(width, last - max(left, first))))
        if bars:
            ax.broken_barh(bars, (y - height / 2, height), facecolors=STATUS_COLOURS[status],
                           edgecolors="none", zorder=3 if status == "on" else 4)


def _status_handles(statuses: Sequence[str]) -> list[Patch]:
    return [Patch(facecolor=STATUS_COLOURS[s], edgecolor="none", label=STATUS_LABELS[s])
            for s in ("on", "off", "hold", "interrupted") if s in statuses]


def _tace_handles(taces: Sequence[Tace]) -> list[Line2D]:
    handles = []
    if any(t.embolization_performed for t in taces):
        handles.append(Line2D([], [], color=OKABE_ITO["black"], marker="v", linestyle="-",
                              linewidth=0.6, markersize=5, label="TACE with embolization"))
    if any(not t.embolization_performed for t in taces):
        handles.append(Line2D([], [], color=OKABE_ITO["black"], marker="v", linestyle=":",
                              linewidth=0.8, markersize=5, markerfacecolor="white",
                              label="TACE, arteriography only"))
    return handles


def _partial_handle() -> Line2D:
    return Line2D([], [], color="#555555", marker="o", markerfacecolor="white", linewidth=2,
                  alpha=0.8, label="~ date known to the month/year (bar: possible period)")


def _taces(case: Case) -> list[Tace]:
    taces = [p for p in case.procedures if isinstance(p, Tace)]
    return sorted(taces, key=lambda t: t.date.impute(t.date_imputation))


def _tace_vlines(ax: Axes, taces: Sequence[Tace]) -> None:
    for tace in taces:
        x = _num(tace.date.impute(tace.date_imputation))
        ax.axvline(x, color="#9A9A9A", linewidth=0.6,
                   linestyle="-" if tace.embolization_performed else ":", zorder=0.5)


def _tace_markers(ax: Axes, fig: Figure, taces: Sequence[Tace], y: float,
                  label_numbers: bool = True) -> None:
    """Triangles at each TACE (filled: embolized; hollow: arteriography only), numbered."""
    xs: list[float] = []
    for tace in taces:
        day = tace.date.impute(tace.date_imputation)
        x = _num(day)
        xs.append(x)
        period = _period(tace.date)
        if period is not None:
            ax.plot([_num(period[0]), _num(period[1]) + 1], [y, y], color="#555555",
                    linewidth=2.2, alpha=0.45, solid_capstyle="butt", zorder=2)
        filled = tace.embolization_performed and period is None
        ax.plot([x], [y], marker="v", markersize=6, linestyle="none",
                color=OKABE_ITO["black"], markeredgewidth=0.9,
                markerfacecolor=OKABE_ITO["black"] if filled else "white", zorder=5,
                gid="tace-embolized" if tace.embolization_performed else "tace-arteriography")
    if not label_numbers:
        return
    per_inch = _axes_width_days(ax, fig)
    tiers = _tiers(xs, min_gap=0.2 * per_inch)
    for number, (tace, x, tier) in enumerate(zip(taces, xs, tiers, strict=True), start=1):
        text = f"~{number}" if tace.date.is_partial else str(number)
        ax.annotate(text, (x, y), xytext=(0, 6 + 7 * tier), textcoords="offset points",
                    ha="center", va="bottom", fontsize=6, color="#333333",
                    gid="tace-number")


def _main_calendar(data: ReportData, window: tuple[float, float]) -> RegimenCalendar | None:
    """The regimen with the most planned on-days inside ``window`` (the main drug)."""
    best: tuple[int, int, RegimenCalendar] | None = None
    for index, schedule in enumerate(data.schedule.regimens):
        calendar = schedule.calendar
        if calendar is None:
            continue
        inside = sum(1 for d in calendar.days
                     if d.status != "off" and window[0] <= _num(d.date) <= window[1])
        if inside and (best is None or inside > best[0]):
            best = (inside, -index, calendar)
    return best[2] if best else None


def _illustrative_count(records: Sequence[Any]) -> int:
    return sum(1 for r in records if getattr(r, "illustrative", False))


def _wrap(text: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


# --- lesions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scan:
    date: dt.date
    partial: bool
    sum_mm: float | None
    response: str | None
    values: dict[str, float | None]
    baseline: bool


def _scans(data: ReportData) -> list[_Scan]:
    assessment = data.assessment
    baseline = assessment.baseline
    case_baseline = data.case.baseline
    scans: list[_Scan] = []
    if baseline is not None:
        scans.append(_Scan(
            date=baseline.date,
            partial=bool(case_baseline and case_baseline.date.is_partial),
            sum_mm=baseline.sum_mm, response=None,
            values=dict(baseline.targets), baseline=True))
    for tp in assessment.timepoints:
        scans.append(_Scan(
            date=tp.date, partial=tp.date_given != tp.date.isoformat(),
            sum_mm=tp.sum_mm if tp.overall.value != "NE" else None,
            response=tp.overall.value,
            values={r.lesion: r.value_mm for r in tp.lesions}, baseline=False))
    return scans


def _lesion_label(data: ReportData, lesion_id: str) -> str:
    lesion = data.case.lesion(lesion_id)
    if lesion.lymph_node:
        node = "" if "node" in lesion.organ.lower() else "node, "
        return f"{lesion_id} {lesion.organ} ({node}short axis)"
    return f"{lesion_id} {lesion.organ}"


def lesion_figure(data: ReportData) -> Figure | None:
    """Target-lesion diameters and their sum, RECIST responses, thresholds, TACE and the drug."""
    targets = [les.id for les in data.case.lesions if les.role is LesionRole.TARGET]
    scans = _scans(data)
    if not targets or not scans or data.assessment.baseline is None:
        return None
    with figure_style():
        return _lesion_figure(data, targets, scans)


def _lesion_figure(data: ReportData, targets: list[str], scans: list[_Scan]) -> Figure:
    baseline = data.assessment.baseline
    assert baseline is not None
    taces = _taces(data.case)
    window = _span((scans[0].date, scans[-1].date), 0.04)
    calendar = _main_calendar(data, window)
    strip_rows = (1 if taces else 0) + (1 if calendar else 0)
    ratios = [3.0, 2.6] + ([0.35 * strip_rows + 0.25] if strip_rows else [])
    fig = new_figure(7.4 if strip_rows else 6.8)
    axes = fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios)
    ax_sum, ax_les = axes[0], axes[1]
    ax_sum.set_xlim(*window)

    # sum of diameters, thresholds, response labels
    evaluable = [s for s in scans if s.sum_mm is not None]
    xs = [_num(s.date) for s in evaluable]
    sums = [float(s.sum_mm or 0.0) for s in evaluable]
    ax_sum.plot(xs, sums, color=OKABE_ITO["black"], linewidth=2.0, marker="o", markersize=4.5,
                label="Sum of diameters", gid="sum", zorder=4)
    partial = [s for s in evaluable if s.partial]
    if partial:
        ax_sum.plot([_num(s.date) for s in partial], [s.sum_mm for s in partial],
                    linestyle="none", marker="o", markerfacecolor="white",
                    color=OKABE_ITO["black"], zorder=5)
    base_sum = float(baseline.sum_mm or 0.0)
    pr_line = base_sum * (1 + PR_PCT / 100)
    ax_sum.axhline(pr_line, color=OKABE_ITO["blue"], linestyle="--", linewidth=1.0,
                   label=f"PR threshold: baseline −30 % ({pr_line:.0f} mm)", gid="pr-threshold")
    timepoints = data.assessment.timepoints
    pd_x = [_num(baseline.date)] + [_num(tp.date) for tp in timepoints if tp.nadir_mm is not None]
    pd_y = [max(tp.nadir_mm * (1 + PD_PCT / 100), tp.nadir_mm + PD_ABSOLUTE_MM)
            for tp in timepoints if tp.nadir_mm is not None]
    if pd_y:
        pd_y = [pd_y[0], *pd_y]
        ax_sum.plot(pd_x, pd_y, drawstyle="steps-pre", color=OKABE_ITO["vermillion"],
                    linestyle="--", linewidth=1.0,
                    label="PD threshold: nadir +20 % (and ≥ 5 mm)", gid="pd-threshold")

    nadir = min(evaluable, key=lambda s: (s.sum_mm or 0.0, s.date))
    ax_sum.plot([_num(scans[0].date)], [base_sum], marker="s", markersize=7,
                linestyle="none", color=OKABE_ITO["black"], markerfacecolor="white",
                markeredgewidth=1.4, zorder=6, label=f"Baseline ({base_sum:.0f} mm)")
    if nadir.sum_mm is not None and not nadir.baseline:
        ax_sum.plot([_num(nadir.date)], [nadir.sum_mm], marker="*", markersize=10,
                    linestyle="none", color=OKABE_ITO["green"], markeredgecolor="black",
                    markeredgewidth=0.5, zorder=6,
                    label=f"Nadir ({nadir.sum_mm:.0f} mm, {nadir.date.isoformat()})")

    top = max([*sums, *pd_y, base_sum])
    ax_sum.set_ylim(0, top * 1.28)
    _response_labels(ax_sum, fig, scans)
    ax_sum.set_ylabel("Sum of diameters (mm)")
    ax_sum.set_title("Target lesions by RECIST 1.1: sum of diameters and overall response")
    _tace_vlines(ax_sum, taces)

    # per-lesion diameters
    for i, lesion_id in enumerate(targets):
        colour = OKABE_ITO[LESION_COLOURS[i % len(LESION_COLOURS)]]
        points = [(_num(s.date), s.values.get(lesion_id)) for s in scans]
        ax_les.plot([p[0] for p in points],
                    [math.nan if p[1] is None else p[1] for p in points],
                    color=colour, marker=LESION_MARKERS[i % len(LESION_MARKERS)],
                    markersize=4, linewidth=1.2, label=_lesion_label(data, lesion_id),
                    gid=f"lesion-{lesion_id}")
    ax_les.set_ylim(bottom=0)
    ax_les.set_ylim(0, ax_les.get_ylim()[1] * 1.08)
    node = any(data.case.lesion(t).lymph_node for t in targets)
    ax_les.set_ylabel("Diameter (mm)" + ("\nnodes: short axis" if node else ""))
    ax_les.set_title("Each target lesion (longest diameter"
                     + ("; lymph nodes: short axis)" if node else ")"))
    _tace_vlines(ax_les, taces)
    handles: list[Any] = [*ax_sum.get_legend_handles_labels()[0],
                          *ax_les.get_legend_handles_labels()[0]]

    # TACE and the main drug's calendar
    bottom = axes[-1]
    if strip_rows:
        ax_strip = axes[2]
        labels: list[str] = []
        row = 0
        if calendar is not None:
            _calendar_bar(ax_strip, calendar, row, 0.55, window, 0.0)
            labels.append(_wrap(calendar.drug, 14))
            statuses = sorted({d.status for d in calendar.days
                               if window[0] <= _num(d.date) <= window[1]})
            handles += _status_handles(statuses)
            row += 1
        if taces:
            _tace_markers(ax_strip, fig, taces, row, label_numbers=False)
            labels.append("TACE")
            handles += _tace_handles(taces)
        ax_strip.set_yticks(range(len(labels)), labels)
        ax_strip.set_ylim(-0.6, len(labels) - 0.3)
        ax_strip.tick_params(axis="y", length=0)
        ax_strip.spines["left"].set_visible(False)
        if any(t.date.is_partial for t in taces):
            handles.append(_partial_handle())
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    _date_axis(bottom)
    bottom.set_xlabel("Date")
    return fig


def _response_labels(ax: Axes, fig: Figure, scans: Sequence[_Scan]) -> None:
    """The overall response above each scan's sum (NE: where the sum line passes)."""
    known = [(_num(s.date), s.sum_mm) for s in scans if s.sum_mm is not None]
    per_inch = _axes_width_days(ax, fig)
    labelled = [s for s in scans if s.response is not None]
    xs = [_num(s.date) for s in labelled]
    tiers = _tiers(xs, min_gap=0.24 * per_inch)
    for scan, x, tier in zip(labelled, xs, tiers, strict=True):
        assert scan.response is not None
        y = scan.sum_mm if scan.sum_mm is not None else _interpolate(known, x)
        if scan.sum_mm is None:
            ax.plot([x], [y], marker="o", markersize=4.5, markerfacecolor="white",
                    color=OKABE_ITO["grey"], linestyle="none", zorder=5)
        text = RESPONSE_SHORT.get(scan.response, scan.response)
        if scan.partial:
            text = "~" + text
        ax.annotate(text, (x, y), xytext=(0, 6 + 9 * tier), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7, fontweight="bold",
                    color=RESPONSE_COLOURS.get(scan.response, "black"), gid="response-label",
                    bbox={"boxstyle": "round,pad=0.12", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85}, zorder=7)


def _interpolate(points: Sequence[tuple[float, float | None]], x: float) -> float:
    known = [(px, float(py)) for px, py in points if py is not None]
    before = [p for p in known if p[0] <= x]
    after = [p for p in known if p[0] >= x]
    if before and after:
        (x0, y0), (x1, y1) = before[-1], after[0]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return (before or after)[-1 if before else 0][1] if known else 0.0


# --- liver ---------------------------------------------------------------------------------------


def liver_figure(data: ReportData) -> Figure | None:
    """ALT with its upper limit of normal and the ALBI score with its grade bands; TACE marked.
    None when the case has neither an ALT nor an ALBI value."""
    alt = [row.lab for row in data.labs.labs if row.lab.analyte == "alt"]
    albi = data.labs.albi
    if not alt and not albi:
        return None
    with figure_style():
        return _liver_figure(data, alt, albi)


def _liver_figure(data: ReportData, alt: Sequence[Any], albi: Sequence[Any]) -> Figure:
    taces = _taces(data.case)
    days = [lab.date for lab in alt] + [a.date for a in albi]
    days += [t.date.impute(t.date_imputation) for t in taces]
    window = _span((min(days), max(days)), 0.04)
    panels = (1 if alt else 0) + (1 if albi else 0)
    ratios = [3.0] * panels + ([0.5] if taces else [])
    fig = new_figure(2.3 + 2.0 * panels)
    grid = fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios, squeeze=False)
    axes: list[Axes] = list(grid[:, 0])
    axes[0].set_xlim(*window)
    handles: list[Any] = []
    index = 0
    if alt:
        ax = axes[index]
        index += 1
        highs = [lab.high for lab in alt if lab.high is not None]
        uln = max(set(highs), key=highs.count) if highs else None
        xs = [_num(lab.date) for lab in alt]
        values = [lab.value for lab in alt]
        ax.plot(xs, values, color=OKABE_ITO["blue"], marker="o", label="ALT", gid="alt")
        if uln is not None:
            above = [(x, v) for x, v in zip(xs, values, strict=True) if v > uln]
            if above:
                ax.plot([p[0] for p in above], [p[1] for p in above], linestyle="none",
                        marker="o", markersize=6, color=OKABE_ITO["vermillion"],
                        label="ALT above ULN", zorder=5)
            ax.axhline(uln, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.0,
                       label=f"ULN ({uln:g} U/L)", gid="alt-uln")
        ax.set_ylim(0, max([*values, uln or 0.0]) * 1.2)
        ax.set_ylabel("ALT (U/L)")
        ax.set_title("Alanine aminotransferase (ALT)")
        _tace_vlines(ax, taces)
        handles += ax.get_legend_handles_labels()[0]
    if albi:
        ax = axes[index]
        scores = [a.albi.score_exact for a in albi]
        low = min(min(scores) - 0.3, GRADE_1_MAX - 0.5)
        high = max(max(scores) + 0.3, GRADE_2_MAX + 0.35)
        edges = ((low, GRADE_1_MAX), (GRADE_1_MAX, GRADE_2_MAX), (GRADE_2_MAX, high))
        for (grade, label, colour), (lo, hi) in zip(ALBI_BANDS, edges, strict=True):
            ax.axhspan(lo, hi, facecolor=colour, edgecolor="none", zorder=0, label=label,
                       gid=f"albi-grade-{grade}")
        ax.plot([_num(a.date) for a in albi], scores, color=OKABE_ITO["black"], marker="D",
                markersize=4, label="ALBI score", gid="albi")
        ax.set_ylim(low, high)
        ax.set_ylabel("ALBI score\n(no unit; higher = worse)")
        ax.set_title("ALBI score (Johnson 2015) with grade bands")
        _tace_vlines(ax, taces)
        handles += ax.get_legend_handles_labels()[0]
    if taces:
        strip = axes[-1]
        _tace_markers(strip, fig, taces, 0, label_numbers=False)
        strip.set_yticks([0], ["TACE"])
        strip.set_ylim(-0.6, 0.7)
        strip.tick_params(axis="y", length=0)
        strip.spines["left"].set_visible(False)
        handles += _tace_handles(taces)
        if any(t.date.is_partial for t in taces):
            handles.append(_partial_handle())
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    _date_axis(axes[-1])
    axes[-1].set_xlabel("Date")
    return fig


# --- timeline ------------------------------------------------------------------------------------


@dataclass
class _Lane:
    label: str
    draw: Callable[[Axes, float], None]


def timeline_figure(data: ReportData) -> Figure:
    """The whole course in lanes: surgery, radiotherapy, each regimen's calendar, TACE, imaging
    with its responses, progression and death, and the PFS and OS spans."""
    with figure_style():
        return _timeline_figure(data)


def _course_window(data: ReportData) -> tuple[dt.date, dt.date]:
    case = data.case
    days: list[dt.date] = [data.assessment.reference_date]
    for a in case.assessments:
        days += [a.date.impute(Imputation.FIRST), a.date.impute(Imputation.LAST)]
    for p in case.procedures:
        days += [p.date.impute(Imputation.FIRST), p.date.impute(Imputation.LAST)]
    for r in data.schedule.regimens:
        if r.calendar is not None:
            days += [r.calendar.start, r.calendar.end]
    for e in case.events:
        days.append(e.date.impute(e.date_imputation))
    endpoints = data.assessment.endpoints
    days += [endpoints.pfs.date, endpoints.os.date]
    return min(days), max(days)


def _point(ax: Axes, day: dt.date, period: tuple[dt.date, dt.date] | None, y: float,
           marker: str, colour: str, size: float = 6.0, gid: str | None = None) -> None:
    """A marker at ``day``; hollow with a bar over the possible period when the date is partial."""
    if period is not None:
        ax.plot([_num(period[0]), _num(period[1]) + 1], [y, y], color=colour, linewidth=2.4,
                alpha=0.35, solid_capstyle="butt", zorder=2)
    ax.plot([_num(day)], [y], marker=marker, markersize=size, linestyle="none", color=colour,
            markerfacecolor="white" if period is not None else colour, markeredgewidth=1.1,
            zorder=5, gid=gid)


def _timeline_figure(data: ReportData) -> Figure:
    case = data.case
    endpoints = data.assessment.endpoints
    first, last = _course_window(data)
    window = _span((first, last), 0.02)
    lanes: list[_Lane] = []
    notes: list[tuple[float, float, str]] = []  # (x, y, text) drawn after the layout

    surgeries = [p for p in case.procedures if isinstance(p, Surgery)]
    if surgeries:
        def draw_surgery(ax: Axes, y: float) -> None:
            for s in surgeries:
                _point(ax, s.date.impute(s.date_imputation), _period(s.date), y, "D",
                       OKABE_ITO["purple"], gid="surgery")
                what = f"{s.approach} surgery" if s.approach else "surgery"
                notes.append((_num(s.date.impute(s.date_imputation)), y,
                              ("~" if s.date.is_partial else "") + what))
        lanes.append(_Lane("Surgery", draw_surgery))

    radiotherapy = [p for p in case.procedures if isinstance(p, Radiotherapy)]
    if radiotherapy:
        def draw_rt(ax: Axes, y: float) -> None:
            for r in radiotherapy:
                start = r.date.impute(r.date_imputation)
                if r.end_date is not None:
                    end = r.end_date.impute(Imputation.LAST)
                    ax.broken_barh([(_num(start), _num(end) - _num(start) + 1)], (y - 0.2, 0.4),
                                   facecolors=OKABE_ITO["orange"], zorder=3)
                _point(ax, start, _period(r.date), y, "s", OKABE_ITO["orange"], gid="radiotherapy")
                dose = f"{r.dose_gy:g} Gy" if r.dose_gy else "radiotherapy"
                notes.append((_num(start), y, ("~" if r.date.is_partial else "") + dose))
        lanes.append(_Lane("Radiotherapy", draw_rt))

    statuses: set[str] = set()
    span_days = window[1] - window[0]
    for regimen, schedule in zip(case.regimens, data.schedule.regimens, strict=True):
        calendar = schedule.calendar
        if calendar is None:
            continue
        statuses |= {d.status for d in calendar.days}

        def draw_regimen(ax: Axes, y: float, calendar: RegimenCalendar = calendar,
                         regimen: Regimen = regimen) -> None:
            _calendar_bar(ax, calendar, y, 0.5, window, span_days / 400)
            if regimen.start.is_partial:
                ax.annotate("~", (_num(calendar.start), y), xytext=(-3, 0),
                            textcoords="offset points", ha="right", va="center", fontsize=9,
                            fontweight="bold")
            if regimen.stop is not None and regimen.stop.is_partial:
                ax.annotate("~", (_num(calendar.end) + 1, y), xytext=(3, 0),
                            textcoords="offset points", ha="left", va="center", fontsize=9,
                            fontweight="bold")

        label = regimen.drug + (" *" if regimen.illustrative else "")
        lanes.append(_Lane(_wrap(label, 16), draw_regimen))

    taces = _taces(case)
    if taces:
        def draw_tace(ax: Axes, y: float) -> None:
            _tace_markers(ax, ax.get_figure(root=True), taces, y)  # type: ignore[arg-type]
        lanes.append(_Lane("TACE", draw_tace))

    assessments = sorted(case.assessments, key=lambda a: a.date.impute(a.date_imputation))
    if assessments:
        responses = {tp.date: tp.overall.value for tp in data.assessment.timepoints}

        def draw_imaging(ax: Axes, y: float) -> None:
            fig = ax.get_figure(root=True)
            assert isinstance(fig, Figure)
            xs, texts, colours = [], [], []
            for a in assessments:
                day = a.date.impute(a.date_imputation)
                response = "BL" if a.baseline else responses.get(day, "")
                colour = RESPONSE_COLOURS.get(response, OKABE_ITO["black"])
                _point(ax, day, _period(a.date), y, "o", colour, size=5, gid="scan")
                xs.append(_num(day))
                short = RESPONSE_SHORT.get(response, response)
                texts.append(("~" if a.date.is_partial else "") + short)
                colours.append(colour)
            tiers = _tiers(xs, 0.24 * _axes_width_days(ax, fig))
            for x, text, colour, tier in zip(xs, texts, colours, tiers, strict=True):
                ax.annotate(text, (x, y), xytext=(0, -5 if tier else 5),
                            textcoords="offset points", ha="center",
                            va="top" if tier else "bottom", fontsize=6.5, fontweight="bold",
                            color=colour, gid="response-label")
        lanes.append(_Lane("Imaging\n(RECIST)", draw_imaging))

    progression = endpoints.pfs.date if endpoints.pfs.event and \
        endpoints.pfs.reason.startswith("progression") else None
    events = [(i, e) for i, e in enumerate(case.events)
              if e.type in (EventType.PROGRESSION, EventType.DEATH)]
    if progression is not None or events:
        def draw_events(ax: Axes, y: float) -> None:
            if progression is not None:
                _point(ax, progression, None, y, "d", OKABE_ITO["vermillion"], size=7,
                       gid="progression")
                notes.append((_num(progression), y, "progression"))
            for _, event in events:
                period = _period(event.date)
                if event.type is EventType.DEATH:
                    day = endpoints.os.date if endpoints.os.event else \
                        event.date.impute(Imputation.FIRST)
                    _point(ax, day, period, y, "X", OKABE_ITO["black"], size=7, gid="death")
                    notes.append((_num(day), y, ("~" if period else "") + "death"))
                elif progression is None or event.date.impute(Imputation.FIRST) != progression:
                    day = event.date.impute(event.date_imputation)
                    _point(ax, day, period, y, "d", OKABE_ITO["vermillion"], size=7,
                           gid="progression")
        lanes.append(_Lane("Progression,\ndeath", draw_events))

    for name, tte in (("PFS", endpoints.pfs), ("OS", endpoints.os)):
        def draw_tte(ax: Axes, y: float, name: str = name, tte: Any = tte) -> None:
            start, end = _num(tte.start_date), _num(tte.date) + 1
            colour = OKABE_ITO["green"] if name == "PFS" else OKABE_ITO["sky"]
            ax.broken_barh([(start, end - start)], (y - 0.17, 0.34), facecolors=colour,
                           edgecolors="none", zorder=3, gid=f"span-{name.lower()}")
            ax.plot([end], [y], marker="|" if tte.event else ">", markersize=9,
                    markeredgewidth=1.8, color=OKABE_ITO["black"], linestyle="none", zorder=5)
            state = "event" if tte.event else "censored"
            notes.append((end, y, f"{name} {tte.months:.1f} months ({state})"))
        lanes.append(_Lane(name, draw_tte))

    fig = new_figure(1.1 + 0.5 * len(lanes))
    ax = fig.subplots(1, 1)
    ax.set_xlim(*window)
    n = len(lanes)
    ax.set_ylim(-0.6, n - 0.25)
    ax.set_yticks([n - 1 - i for i in range(n)], [lane.label for lane in lanes])
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    for i in range(n):
        ax.axhline(n - 1 - i, color="#EEEEEE", linewidth=0.6, zorder=0)
    reference = _num(data.assessment.reference_date)
    ax.axvline(reference, color="#555555", linestyle="--", linewidth=0.8, zorder=1,
               gid="reference-date")
    ax.annotate("t0", (reference, n - 0.25), xytext=(2, -2), textcoords="offset points",
                ha="left", va="top", fontsize=6.5, color="#555555")
    _date_axis(ax)
    ax.set_xlabel("Date")
    for i, lane in enumerate(lanes):
        lane.draw(ax, n - 1 - i)
    for x, y, text in notes:
        right = x < window[1] - 0.22 * (window[1] - window[0])
        ax.annotate(text, (x, y), xytext=(7 if right else -7, 0), textcoords="offset points",
                    ha="left" if right else "right", va="center", fontsize=6.5,
                    color="#222222", gid="lane-note",
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.8}, zorder=8)
    handles: list[Any] = _status_handles(sorted(statuses))
    handles += _tace_handles(taces)
    handles.append(Line2D([], [], color=OKABE_ITO["black"], linestyle="--", linewidth=0.8,
                          label=f"t0: reference date ({data.assessment.reference_date})"))
    if _has_partial(case):
        handles.append(_partial_handle())
    if any(r.illustrative for r in case.regimens):
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label="* schedule illustrative"))
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    ax.set_title("Course of disease and treatment")
    return fig


def _has_partial(case: Case) -> bool:
    dates = [p.date for p in case.procedures] + [a.date for a in case.assessments]
    dates += [e.date for e in case.events] + [r.start for r in case.regimens]
    dates += [r.stop for r in case.regimens if r.stop is not None]
    return any(d.is_partial for d in dates)


# --- spider --------------------------------------------------------------------------------------


def spider_figure(data: ReportData) -> Figure | None:
    """Percent change from baseline per target lesion and for the sum. None without targets."""
    targets = [les.id for les in data.case.lesions if les.role is LesionRole.TARGET]
    if not targets or data.assessment.baseline is None:
        return None
    with figure_style():
        return _spider_figure(data, targets)


def _spider_figure(data: ReportData, targets: list[str]) -> Figure:
    assessment = data.assessment
    baseline = assessment.baseline
    assert baseline is not None
    reference = assessment.reference_date
    timepoints = assessment.timepoints
    last = max([baseline.date, *(tp.date for tp in timepoints)])
    span_weeks = (last - reference).days / 7
    in_months = span_weeks > 52
    unit = DAYS_PER_MONTH if in_months else 7.0

    def since(day: dt.date) -> float:
        return (day - reference).days / unit

    fig = new_figure(3.6)
    ax = fig.subplots(1, 1)
    ax.axhline(0, color="#999999", linewidth=0.6, zorder=0)
    ax.axhline(PD_PCT, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.0,
               label="+20 %", gid="ref-plus20")
    ax.axhline(PR_PCT, color=OKABE_ITO["blue"], linestyle="--", linewidth=1.0,
               label="−30 % (PR threshold)", gid="ref-minus30")
    xs = [since(baseline.date)] + [since(tp.date) for tp in timepoints]
    plotted: list[float] = [PR_PCT, PD_PCT]
    for i, lesion_id in enumerate(targets):
        values: list[float] = [0.0]
        for tp in timepoints:
            reading = next((r for r in tp.lesions if r.lesion == lesion_id), None)
            pct = reading.change_from_baseline_pct if reading else None
            values.append(math.nan if pct is None else pct)
        plotted += values
        ax.plot(xs, values, color=OKABE_ITO[LESION_COLOURS[i % len(LESION_COLOURS)]],
                marker=LESION_MARKERS[i % len(LESION_MARKERS)], markersize=3.5, linewidth=1.0,
                alpha=0.9, label=_lesion_label(data, lesion_id), gid=f"spider-{lesion_id}")
    sums = [0.0] + [math.nan if tp.change_from_baseline_pct is None or tp.overall.value == "NE"
                    else tp.change_from_baseline_pct for tp in timepoints]
    ax.plot(xs, sums, color=OKABE_ITO["black"], linewidth=2.6, marker="o", markersize=4.5,
            label="Sum of diameters", gid="spider-sum", zorder=5)
    ax.axvline(0, color="#555555", linestyle=":", linewidth=0.8, label="Reference date (t0)")
    finite = [v for v in [*plotted, *sums] if math.isfinite(v)]
    low, high = min(finite), max(finite)
    pad = (high - low) * 0.08
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel(f"{'Months' if in_months else 'Weeks'} since the reference date "
                  f"({reference.isoformat()})")
    ax.set_ylabel("Change from baseline (%)")
    ax.set_title("Percent change from baseline of each target lesion and of the sum")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


# --- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureFiles:
    name: str
    title: str
    caption: str
    """One or two sentences for under the figure, saying what is illustrative."""
    png: Path
    svg: Path
    pdf: Path


_BUILDERS: dict[str, Callable[[ReportData], Figure | None]] = {
    "lesions": lesion_figure,
    "liver": liver_figure,
    "timeline": timeline_figure,
    "spider": spider_figure,
}
_TITLES = {
    "lesions": "Target lesions and RECIST 1.1 response",
    "liver": "Liver function around TACE",
    "timeline": "Course of treatment",
    "spider": "Percent change from baseline (spider plot)",
}


def _illustrative_note(count: int, total: int, what: str) -> str:
    if not total or not count:
        return ""
    share = "All" if count == total else f"{count} of {total}"
    return f" {share} {what} are illustrative values, not published or measured data."


def caption(name: str, data: ReportData) -> str:
    """The caption printed under figure ``name``."""
    case = data.case
    scans = len(case.assessments)
    illustrative_scans = _illustrative_count(case.assessments)
    if name == "lesions":
        return ("Diameters of the target lesions and their sum with the RECIST 1.1 overall "
                "response at each scan; dashed lines: PR (−30 % from baseline) and PD (+20 % "
                "over nadir) thresholds; vertical lines: TACE sessions."
                + _illustrative_note(illustrative_scans, scans, "scans' diameters"))
    if name == "liver":
        labs = [lab for lab in case.labs
                if lab.analyte.strip().lower() in {"alt", "bilirubin", "albumin"}]
        return ("ALT against its upper limit of normal and the ALBI score against its grade "
                "bands (Johnson 2015), with each TACE session (filled: embolized; hollow: "
                "arteriography only)."
                + _illustrative_note(_illustrative_count(labs), len(labs), "lab values"))
    if name == "timeline":
        records = [*case.procedures, *case.regimens]
        partial = " Dates known only to the month or year are hollow and marked '~'." \
            if _has_partial(case) else ""
        return ("Treatments, imaging with the RECIST 1.1 response, progression and death, with "
                "PFS and OS from the reference date (t0)." + partial
                + _illustrative_note(_illustrative_count(records), len(records),
                                     "treatment records"))
    return ("Percent change from baseline of each target lesion and of the sum of diameters; "
            "PD is judged from the nadir, so the +20 % line is a guide only."
            + _illustrative_note(illustrative_scans, scans, "scans' diameters"))


def _save(fig: Figure, stem: Path, dpi: int) -> tuple[Path, Path, Path]:
    png, svg, pdf = stem.with_suffix(".png"), stem.with_suffix(".svg"), stem.with_suffix(".pdf")
    with figure_style():
        fig.savefig(png, dpi=dpi, metadata={"Software": None})
        fig.set_layout_engine("none")  # keep the layout just computed: same for every format
        fig.savefig(svg, metadata={"Date": None})
        fig.savefig(pdf, metadata={"CreationDate": None, "ModDate": None})
    return png, svg, pdf


def write_figures(data: ReportData, out_dir: Path, dpi: int = 150) -> list[FigureFiles]:
    """Write ``<name>.png``, ``.svg`` and ``.pdf`` into ``out_dir`` for every figure the case
    has (in :data:`FIGURE_NAMES` order) and return their files with titles and captions.

    The figures are independent, so on a machine with several cores each is drawn in its own
    forked process (text layout and font embedding dominate: 4 figures x 3 formats take about
    5 s on one core). The files are the same either way.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = min(len(FIGURE_NAMES), os.cpu_count() or 1)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        global _SHARED
        _SHARED = data  # forked workers inherit it: nothing to pickle
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                results = list(pool.map(_write_one, FIGURE_NAMES, [out_dir] * len(FIGURE_NAMES),
                                        [dpi] * len(FIGURE_NAMES)))
        finally:
            _SHARED = None
    else:
        results = [_write_one(name, out_dir, dpi, data) for name in FIGURE_NAMES]
    return [files for files in results if files is not None]


def figure_svg(name: str, data: ReportData) -> bytes | None:
    """Figure ``name`` (one of :data:`FIGURE_NAMES`) as SVG bytes, drawn in memory; None when
    the case has nothing to draw. For pages that embed or serve one figure (the web app)."""
    fig = _BUILDERS[name](data)
    if fig is None:
        return None
    buffer = io.BytesIO()
    try:
        with figure_style():
            fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        fig.clear()
    return buffer.getvalue()


def figure_title(name: str) -> str:
    return _TITLES[name]


_SHARED: ReportData | None = None


def _write_one(name: str, out_dir: Path, dpi: int, data: ReportData | None = None
               ) -> FigureFiles | None:
    data = data if data is not None else _SHARED
    assert data is not None
    fig = _BUILDERS[name](data)
    if fig is None:
        return None
    try:
        png, svg, pdf = _save(fig, out_dir / name, dpi)
    finally:
        fig.clear()
    return FigureFiles(name=name, title=_TITLES[name], caption=caption(name, data),
                       png=png, svg=svg, pdf=pdf)


__all__ = [
    "FIGURE_NAMES",
    "FigureFiles",
    "caption",
    "figure_svg",
    "figure_title",
    "lesion_figure",
    "liver_figure",
    "spider_figure",
    "timeline_figure",
    "write_figures",
]
