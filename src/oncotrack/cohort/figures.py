"""Cohort figures, drawn with matplotlib: Kaplan–Meier with a risk table, waterfall, swimmer.

* :func:`km_figure` — Kaplan–Meier curves of a :class:`~oncotrack.cohort.survival.SurvivalResult`
  (one per group), 95 % confidence bands, censoring ticks, medians, the log-rank p value and the
  number at risk under the plot (one line per group), x in months;
* :func:`waterfall_figure` — best percent change from baseline in the sum of diameters per
  subject, sorted, bars coloured by best overall response, with the −30 % and +20 % lines;
* :func:`swimmer_figure` — one bar per subject (time on study, from ADTTE OS), the first CR/PR
  and the first PD (from ADRS OVR), death, and an arrow where the subject was alive at last
  contact; up to :data:`MAX_SWIMMERS` subjects.

The style follows :mod:`oncotrack.report.figures`: Okabe-Ito colours, 18 cm wide, figures built
without pyplot on an Agg canvas, and deterministic files (:func:`save_figure` twice gives
byte-identical PNG, SVG and PDF).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import polars as pl
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from oncotrack.cohort.survival import KaplanMeier, SurvivalResult
from oncotrack.endpoints.survival import DAYS_PER_MONTH
from oncotrack.report.figures import (
    OKABE_ITO,
    PD_PCT,
    PR_PCT,
    RESPONSE_COLOURS,
    figure_style,
    new_figure,
)

MAX_SWIMMERS = 50
GROUP_COLOURS = ("blue", "orange", "green", "vermillion", "purple", "sky", "black", "grey")
SWIMMER_COLOURS = ("orange", "purple", "sky", "grey", "yellow", "black")
"""Bar colours of the swimmer's groups: none of the response markers' colours (green, blue,
vermillion), so a marker always stands out from its bar."""
RESPONSE_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
MONTHS_LABEL = "Months since start (STARTDT)"
_ENDPOINT_NAMES = {
    "OS": "Overall survival",
    "PFS": "Progression-free survival",
    "TTP": "Time to progression",
    "DOR": "Duration of response",
}

def _style() -> AbstractContextManager[None]:
    # The report's house style, with its own hash salt and slightly heavier lines for curves.
    return figure_style({"svg.hashsalt": "oncotrack-cohort-figures", "lines.linewidth": 1.4})


def _new_figure(height_in: float) -> Figure:
    return new_figure(height_in, hspace=0.02)


def group_colour(index: int) -> str:
    """The colour of the ``index``-th group (Okabe-Ito order)."""
    return OKABE_ITO[GROUP_COLOURS[index % len(GROUP_COLOURS)]]


def _p_text(p: float) -> str:
    return "Log-rank p < 0.001" if p < 0.001 else f"Log-rank p = {p:.3f}"


def _endpoint(result: SurvivalResult) -> str:
    return _ENDPOINT_NAMES.get(result.paramcd, result.param or result.paramcd)


# --- Kaplan–Meier ------------------------------------------------------------------------------


def km_figure(result: SurvivalResult, show_ci: bool = True, title: str | None = None) -> Figure:
    """Kaplan–Meier curves (one per group, or one for everyone) with censoring ticks, medians,
    the log-rank p value and a number-at-risk table under the plot."""
    with _style():
        return _km_figure(result, show_ci, title)


def _km_figure(result: SurvivalResult, show_ci: bool, title: str | None) -> Figure:
    curves: Sequence[KaplanMeier] = result.groups or (result.overall,)
    rows = len(curves)
    fig = _new_figure(3.4 + 0.2 * rows)
    plot, table = fig.subplots(2, 1, height_ratios=[3.0, 0.3 + 0.17 * rows])
    times = [r.months for r in curves[0].at_risk]
    x_max = max(max(times, default=0.0), max(km.max_follow_up_months for km in curves))
    x_max = max(x_max, 1.0)
    for i, km in enumerate(curves):
        colour = group_colour(i)
        c = km.curve
        median = "NR" if km.median_months is None else f"{km.median_months:.1f}"
        label = f"{km.label} (n = {km.n}; median {median} months)"
        if show_ci:
            plot.fill_between(c.months, c.lower, c.upper, step="post", color=colour,
                              alpha=0.12, linewidth=0, gid=f"ci-{km.label}")
        months = [*c.months, km.max_follow_up_months]
        survival = [*c.survival, c.survival[-1]]
        plot.step(months, survival, where="post", color=colour, label=label,
                  gid=f"km-{km.label}", zorder=3)
        plot.plot(c.censor_months, c.censor_survival, linestyle="none", marker="|",
                  markersize=6, markeredgewidth=1.0, color=colour, gid=f"censor-{km.label}",
                  zorder=4)
        if km.median_months is not None:
            plot.plot([0, km.median_months, km.median_months], [0.5, 0.5, 0.0],
                      color=colour, linestyle=":", linewidth=0.8, zorder=2,
                      gid=f"median-{km.label}")
    plot.set_xlim(0, x_max * 1.02)
    plot.set_ylim(0, 1.04)
    plot.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "0.25", "0.50", "0.75", "1.00"])
    if times:
        plot.set_xticks(times, [f"{t:g}" for t in times])
    plot.set_xlabel(MONTHS_LABEL)
    plot.set_ylabel(f"{_endpoint(result)} probability")
    handles: list[Any] = [line for line in plot.get_lines()
                          if str(line.get_gid()).startswith("km-")]
    handles.append(Line2D([], [], color="#555555", linestyle="none", marker="|", markersize=6,
                          label="Censored"))
    plot.legend(handles=handles, loc="upper right")
    if result.logrank is not None:
        plot.text(0.01, 0.03, _p_text(result.logrank.p_value), transform=plot.transAxes,
                  ha="left", va="bottom", fontsize=7.5, gid="logrank-p")
    plot.set_title(title or f"{_endpoint(result)} (Kaplan–Meier, 95 % CI)")

    table.set_xlim(plot.get_xlim())
    table.set_ylim(rows - 0.5, -0.5)
    table.set_yticks(range(rows), [km.label for km in curves])
    for i, tick in enumerate(table.get_yticklabels()):
        tick.set_color(group_colour(i))
        tick.set_fontweight("bold")
    table.tick_params(axis="x", length=0, labelbottom=False)
    table.tick_params(axis="y", length=0, pad=14)  # clear of the count centred on x = 0
    for side in ("left", "bottom", "top", "right"):
        table.spines[side].set_visible(False)
    for i, km in enumerate(curves):
        for risk in km.at_risk:
            table.text(risk.months, i, str(risk.at_risk), ha="center", va="center",
                       fontsize=7, color=group_colour(i), gid="risk-count")
    table.set_title("Number at risk", fontsize=7.5, fontweight="bold", loc="left")
    return fig


# --- waterfall ---------------------------------------------------------------------------------


def waterfall_data(timepoints: pl.DataFrame, adrs: pl.DataFrame) -> pl.DataFrame:
    """Best (lowest) percent change from baseline per subject (``PCHGBL`` of
    :data:`~oncotrack.cohort.schema.TIMEPOINTS`) with the best overall response (ADRS ``BOR``
    ``AVALC``): columns ``USUBJID``, ``PCHG``, ``BOR``."""
    best = timepoints.group_by("USUBJID").agg(pl.col("PCHGBL").min().alias("PCHG"))
    bor = adrs.filter(pl.col("PARAMCD") == "BOR").select(
        "USUBJID", pl.col("AVALC").alias("BOR")).unique("USUBJID", keep="first")
    return best.join(bor, on="USUBJID", how="left").sort("USUBJID")


def waterfall_figure(best: pl.DataFrame, title: str | None = None) -> Figure:
    """Bars of ``PCHG`` (best % change from baseline) per ``USUBJID``, sorted from the largest
    increase to the largest decrease and coloured by ``BOR``; subjects without a value are
    counted in a note."""
    with _style():
        return _waterfall_figure(best, title)


def _waterfall_figure(best: pl.DataFrame, title: str | None) -> Figure:
    shown = best.filter(pl.col("PCHG").is_not_null() & pl.col("PCHG").is_not_nan()) \
        .sort(["PCHG", "USUBJID"], descending=[True, False])
    missing = best.height - shown.height
    fig = _new_figure(3.4)
    ax = fig.subplots(1, 1)
    values = shown.get_column("PCHG").to_list()
    responses = [r if r in RESPONSE_COLOURS else "NE"
                 for r in shown.get_column("BOR").fill_null("NE").to_list()]
    subjects = shown.get_column("USUBJID").to_list()
    for i, (subject, value, response) in enumerate(zip(subjects, values, responses,
                                                       strict=True)):
        ax.bar(i, value, width=0.8, color=RESPONSE_COLOURS[response], edgecolor="none",
               gid=f"bar-{subject}")
    ax.axhline(0, color="#555555", linewidth=0.6, zorder=0, gid="zero")
    ax.axhline(PD_PCT, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=0.9,
               gid="ref-plus20")
    ax.axhline(PR_PCT, color=OKABE_ITO["blue"], linestyle="--", linewidth=0.9,
               gid="ref-minus30")
    n = len(values)
    ax.set_xlim(-0.8, max(n, 1) - 0.2)
    low = min([*values, PR_PCT, -40.0])
    high = max([*values, PD_PCT, 30.0])
    pad = (high - low) * 0.06
    ax.set_ylim(low - pad, high + pad)
    for y, text, colour in ((PD_PCT, "+20 %", OKABE_ITO["vermillion"]),
                            (PR_PCT, "−30 %", OKABE_ITO["blue"])):
        ax.annotate(text, (1.0, y), xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=7,
                    color=colour)
    if n <= 30:
        ax.set_xticks(range(n), subjects, rotation=90, fontsize=6)
        ax.set_xlabel("Subject")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"Subjects (n = {n}), sorted by best change")
    ax.set_ylabel("Best change from baseline in sum of diameters (%)")
    present = [r for r in RESPONSE_ORDER if r in responses]
    handles = [Patch(facecolor=RESPONSE_COLOURS[r], edgecolor="none", label=r) for r in present]
    ax.legend(handles=handles, title="Best overall response", loc="upper left",
              bbox_to_anchor=(1.06, 1.0), borderaxespad=0, title_fontsize=7)
    if missing:
        ax.text(1.06, 0.0, f"Not shown: {missing} subject{'s' if missing > 1 else ''}\n"
                "without a post-baseline\nmeasurement", transform=ax.transAxes, ha="left",
                va="bottom", fontsize=6.5, color="#555555", gid="not-shown")
    ax.set_title(title or "Best percent change from baseline (waterfall)")
    return fig


# --- swimmer -----------------------------------------------------------------------------------


def _swimmer_colour(index: int) -> str:
    return OKABE_ITO[SWIMMER_COLOURS[index % len(SWIMMER_COLOURS)]]


def _months(start: dt.date, day: dt.date) -> float:
    return ((day - start).days + 1) / DAYS_PER_MONTH


def swimmer_figure(adtte: pl.DataFrame, adrs: pl.DataFrame, group: str | None = None,
                   paramcd: str = "OS", max_subjects: int = MAX_SWIMMERS,
                   title: str | None = None) -> Figure:
    """One bar per subject of length ``AVAL`` (months) of ADTTE ``paramcd`` (time on study for
    OS), coloured by ``group``; markers at the first CR and PR and the first PD of ADRS ``OVR``
    (``ANL01FL = "Y"`` when the column exists), a cross at death (``CNSR = 0`` for OS) and an
    arrow where the subject was censored (alive at last contact)."""
    tte = adtte.filter(pl.col("PARAMCD") == paramcd)
    if tte.height == 0:
        raise ValueError(f"ADTTE has no {paramcd} records")
    if tte.height > max_subjects:
        raise ValueError(f"a swimmer plot shows at most {max_subjects} subjects "
                         f"({tte.height} given): select a subset")
    with _style():
        return _swimmer_figure(tte, adrs, group, paramcd, title)


def _swimmer_figure(tte: pl.DataFrame, adrs: pl.DataFrame, group: str | None, paramcd: str,
                    title: str | None) -> Figure:
    tte = tte.with_columns((pl.col("AVAL") / DAYS_PER_MONTH).alias("_MONTHS")) \
        .sort(["_MONTHS", "USUBJID"], descending=[False, True])
    ovr = adrs.filter(pl.col("PARAMCD") == "OVR")
    if "ANL01FL" in ovr.columns:
        ovr = ovr.filter(pl.col("ANL01FL") == "Y")
    ovr = ovr.sort("ADT")
    groups = sorted(set(tte.get_column(group).cast(pl.String).to_list())) if group else []
    n = tte.height
    fig = _new_figure(1.3 + 0.15 * n)
    ax = fig.subplots(1, 1)
    marks: dict[str, tuple[list[float], list[float]]] = {
        k: ([], []) for k in ("CR", "PR", "PD", "death", "ongoing")}
    labels: list[str] = []
    for y, row in enumerate(tte.iter_rows(named=True)):
        subject = row["USUBJID"]
        labels.append(subject)
        length = float(row["_MONTHS"])
        colour = _swimmer_colour(groups.index(str(row[group]))) if group else "#BBBBBB"
        ax.barh(y, length, height=0.6, color=colour, alpha=0.6,
                edgecolor="none", gid=f"swim-{subject}")
        start: dt.date | None = row.get("STARTDT")
        if start is not None:
            visits = ovr.filter(pl.col("USUBJID") == subject)
            for response in ("CR", "PR", "PD"):
                first = visits.filter(pl.col("AVALC") == response).get_column("ADT")
                if first.len() and first[0] is not None:
                    marks[response][0].append(min(_months(start, first[0]), length))
                    marks[response][1].append(y)
        if row["CNSR"] == 0 and paramcd == "OS":
            marks["death"][0].append(length)
            marks["death"][1].append(y)
        elif row["CNSR"] != 0:
            marks["ongoing"][0].append(length)
            marks["ongoing"][1].append(y)
    x_max = float(tte.get_column("_MONTHS").max() or 1.0)  # type: ignore[arg-type]
    pad = x_max * 0.035
    styles = {
        "CR": ("o", RESPONSE_COLOURS["CR"], "CR (first)", 0.0),
        "PR": ("o", RESPONSE_COLOURS["PR"], "PR (first)", 0.0),
        "PD": ("D", RESPONSE_COLOURS["PD"], "Progression", 0.0),
        "death": ("X", OKABE_ITO["black"], "Death", 0.0),
        "ongoing": (">", OKABE_ITO["black"], "Ongoing (alive at last contact)", pad * 0.5),
    }
    handles: list[Any] = []
    for key, (marker, colour, label, shift) in styles.items():
        xs, ys = marks[key]
        if not xs:
            continue
        ax.plot([x + shift for x in xs], ys, linestyle="none", marker=marker, color=colour,
                markersize=5 if key != "ongoing" else 4.5, markeredgewidth=0.6,
                markeredgecolor="white" if key in ("CR", "PR", "PD") else colour,
                zorder=4, gid=key)
        handles.append(Line2D([], [], linestyle="none", marker=marker, color=colour,
                              markersize=5, label=label))
    handles += [Patch(facecolor=_swimmer_colour(i), alpha=0.6, edgecolor="none", label=g)
                for i, g in enumerate(groups)]
    ax.set_yticks(range(n), labels, fontsize=5.5 if n > 30 else 6.5)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, x_max + 2 * pad)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    step = 6.0 if x_max > 18 else 3.0 if x_max > 6 else 1.0
    ticks = [step * k for k in range(int(x_max // step) + 1)]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel(MONTHS_LABEL)
    ax.set_title(title or f"Time on study and response per subject (n = {n})")
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    return fig


def swimmer_selection(adtte: pl.DataFrame, adrs: pl.DataFrame,
                      limit: int = MAX_SWIMMERS) -> pl.DataFrame:
    """The OS records of at most ``limit`` subjects for :func:`swimmer_figure`: responders
    (ADRS ``RSP`` = Y) first, then the longest time on study, then by ``USUBJID``, so the
    same tables always give the same plot."""
    responders = (adrs.filter((pl.col("PARAMCD") == "RSP") & (pl.col("AVALC") == "Y"))
                  .select("USUBJID").unique().with_columns(_responder=pl.lit(True)))
    os_rows = (adtte.filter(pl.col("PARAMCD") == "OS")
               .join(responders, on="USUBJID", how="left")
               .with_columns(pl.col("_responder").fill_null(False)))
    return (os_rows.sort(["_responder", "AVAL", "USUBJID"], descending=[True, True, False])
            .head(limit).drop("_responder"))


# --- writing -----------------------------------------------------------------------------------


def save_figure(fig: Figure, stem: Path, dpi: int = 150) -> tuple[Path, Path, Path]:
    """Write ``stem.png``, ``.svg`` and ``.pdf`` with no timestamps or software versions in
    them: the same figure gives the same bytes every time."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg, pdf = stem.with_suffix(".png"), stem.with_suffix(".svg"), stem.with_suffix(".pdf")
    with _style():
        fig.savefig(png, dpi=dpi, metadata={"Software": None})
        fig.set_layout_engine("none")  # keep the layout just computed: same for every format
        fig.savefig(svg, metadata={"Date": None})
        fig.savefig(pdf, metadata={"CreationDate": None, "ModDate": None})
    return png, svg, pdf


def write_cohort_figures(
    out_dir: Path,
    km: SurvivalResult | None = None,
    best: pl.DataFrame | None = None,
    adtte: pl.DataFrame | None = None,
    adrs: pl.DataFrame | None = None,
    group: str | None = None,
    dpi: int = 150,
) -> list[Path]:
    """Write ``km``, ``waterfall`` and ``swimmer`` (PNG, SVG, PDF) into ``out_dir`` for the
    inputs given (the swimmer needs ``adtte`` and ``adrs``) and return the files."""
    built: list[tuple[str, Figure]] = []
    if km is not None:
        built.append(("km", km_figure(km)))
    if best is not None:
        built.append(("waterfall", waterfall_figure(best)))
    if adtte is not None and adrs is not None:
        built.append(("swimmer", swimmer_figure(adtte, adrs, group=group)))
    files: list[Path] = []
    for name, fig in built:
        try:
            files += save_figure(fig, Path(out_dir) / name, dpi)
        finally:
            fig.clear()
    return files


__all__ = [
    "GROUP_COLOURS",
    "MAX_SWIMMERS",
    "group_colour",
    "km_figure",
    "save_figure",
    "swimmer_figure",
    "swimmer_selection",
    "waterfall_data",
    "waterfall_figure",
    "write_cohort_figures",
]
