"""Cohort survival: Kaplan–Meier checked by hand, log-rank, literature, and the cohort figures."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from oncotrack.cohort import figures
from oncotrack.cohort.survival import (
    LiteratureComparison,
    SurvivalResult,
    analyse,
    compare_literature,
    kaplan_meier,
)

MONTH = 30.4375

# --- a tiny cohort, computed by hand -------------------------------------------------------------
#
# Six subjects, AVAL in days; CNSR 0 = event, 1 = censored:
#   30 event, 60 censored, 90 event, 120 event, 150 censored, 180 event
#
# Product-limit estimate S(t) = Π (1 − d_i / n_i) over event times t_i ≤ t:
#   t =  30: n = 6, d = 1  → S = 5/6               = 0.8333
#   t =  60: censored (n falls 5 → 4, S unchanged)  = 0.8333
#   t =  90: n = 4, d = 1  → S = 5/6 · 3/4 = 15/24 = 0.6250
#   t = 120: n = 3, d = 1  → S = 0.625 · 2/3      = 0.4167
#   t = 150: censored (n falls 2 → 1)
#   t = 180: n = 1, d = 1  → S = 0
# Median: the first time S ≤ 0.5 → 120 days = 120 / 30.4375 = 3.9425 months.
#
# 95 % CI at t = 30 (log(−log) transform, Greenwood):
#   Σ d/(n(n−d)) = 1/(6·5) = 0.033333; log S = log(5/6) = −0.182322; (log S)² = 0.033241
#   v = 0.033333 / 0.033241 = 1.002770;  z·√v = 1.959964 · 1.001384 = 1.962677
#   lower = S^exp(+1.962677) = 0.8333^7.1168 = exp(−1.29754) = 0.2732
#   upper = S^exp(−1.962677) = 0.8333^0.14051 = exp(−0.025618) = 0.9747
#
# Landmark 2 months = 60.875 days: S = 5/6; at risk (AVAL ≥ 60.875): 90, 120, 150, 180 → 4.

DAYS = [30, 60, 90, 120, 150, 180]
CNSR = [0, 1, 0, 0, 1, 0]


def adtte(days: list[int], cnsr: list[int], paramcd: str = "OS",
          arm: list[str] | None = None) -> pl.DataFrame:
    start = dt.date(2022, 1, 1)
    frame = pl.DataFrame({
        "USUBJID": [f"S{i:03d}" for i in range(len(days))],
        "PARAMCD": [paramcd] * len(days),
        "PARAM": ["Overall Survival" if paramcd == "OS" else "Progression-Free Survival"]
        * len(days),
        "STARTDT": [start] * len(days),
        "ADT": [start + dt.timedelta(days=d - 1) for d in days],
        "AVAL": days,
        "CNSR": cnsr,
    }, schema_overrides={"AVAL": pl.Int64, "CNSR": pl.Int64})
    if arm is not None:
        frame = frame.with_columns(pl.Series("ARM", arm))
    return frame


def test_km_by_hand() -> None:
    result = analyse(adtte(DAYS, CNSR), landmarks=(2.0, 6.0), risk_months=(0, 2, 4, 6))
    km = result.overall
    assert (km.n, km.events, km.censored) == (6, 4, 2)
    steps = dict(zip([round(m * MONTH, 6) for m in km.curve.months], km.curve.survival,
                     strict=True))
    assert steps[0] == 1.0
    assert steps[30] == pytest.approx(5 / 6)
    assert steps[60] == pytest.approx(5 / 6)
    assert steps[90] == pytest.approx(15 / 24)
    assert steps[120] == pytest.approx(15 / 24 * 2 / 3)
    assert steps[180] == 0.0
    assert km.median_months == pytest.approx(120 / MONTH)
    assert km.median_days == pytest.approx(120)
    i30 = km.curve.survival.index(pytest.approx(5 / 6))
    assert km.curve.lower[i30] == pytest.approx(0.2732, abs=5e-4)
    assert km.curve.upper[i30] == pytest.approx(0.9747, abs=5e-4)
    two, six = km.landmarks
    assert (two.months, two.at_risk) == (2.0, 4)
    assert two.survival == pytest.approx(5 / 6)
    assert two.lower == pytest.approx(0.2732, abs=5e-4)
    assert six.survival == 0.0  # the last subject died at 180 days (5.9 months): S stays 0
    # at risk: AVAL ≥ 0, 60.875, 121.75, 182.625 days → 6, 4, 2, 0
    assert [r.at_risk for r in km.at_risk] == [6, 4, 2, 0]
    assert [r.events for r in km.at_risk] == [0, 1, 3, 4]
    assert [r.censored for r in km.at_risk] == [0, 1, 1, 2]
    assert km.curve.censor_months == pytest.approx((60 / MONTH, 150 / MONTH))
    assert km.curve.censor_survival == pytest.approx((5 / 6, 15 / 24 * 2 / 3))


def test_median_not_reached_and_landmark_beyond_follow_up() -> None:
    # 30 event, then four censored: S = 5/6 for good, the median is never reached.
    km = analyse(adtte([30, 40, 50, 60, 70], [0, 1, 1, 1, 1])).overall
    assert km.median_months is None
    assert km.median_upper is None
    assert "NR" in km.median_text()
    assert all(lm.survival is None for lm in km.landmarks)  # 6, 12, 24 months > 70 days
    assert "NE" in str(km.landmarks[0])


def test_result_shows_its_numbers() -> None:
    result = analyse(adtte(DAYS, CNSR), landmarks=(2.0,))
    text = str(result)
    assert "OS (Overall Survival)" in text
    assert "n = 6, 4 events, 2 censored" in text
    assert "median 3.9 months" in text
    assert "2 months: 83.3 %" in text
    assert isinstance(result, SurvivalResult)
    assert result.model_dump()["overall"]["median_months"] == pytest.approx(3.9425, abs=1e-4)


def test_logrank_separates_different_groups() -> None:
    short = list(range(20, 220, 20))            # 10 events between 20 and 200 days
    long = list(range(600, 1600, 100))          # 10 events between 600 and 1500 days
    frame = adtte(short + long, [0] * 20, arm=["A"] * 10 + ["B"] * 10)
    result = analyse(frame, group="ARM")
    assert result.logrank is not None
    assert result.logrank.p_value < 0.05
    assert result.logrank.statistic > 3.84
    assert result.logrank.degrees_of_freedom == 1
    assert [km.label for km in result.groups] == ["A", "B"]
    assert "log-rank by ARM (A, B)" in str(result)


def test_logrank_identical_groups() -> None:
    days = [30, 60, 90, 120, 150, 180]
    frame = adtte(days * 2, CNSR * 2, arm=["A"] * 6 + ["B"] * 6)
    result = analyse(frame, group="ARM")
    assert result.logrank is not None
    assert result.logrank.statistic == pytest.approx(0.0, abs=1e-12)
    assert result.logrank.p_value == pytest.approx(1.0)
    a, b = result.groups
    assert a.median_months == b.median_months == result.overall.median_months


def test_kaplan_meier_direct() -> None:
    km = kaplan_meier(np.array(DAYS), np.array(CNSR) == 0, label="x", landmarks=())
    assert km.label == "x"
    assert km.median_months == pytest.approx(120 / MONTH)


def test_input_checks() -> None:
    both = pl.concat([adtte(DAYS, CNSR), adtte(DAYS, CNSR, "PFS")])
    with pytest.raises(ValueError, match="one PARAMCD"):
        analyse(both)
    assert analyse(both, paramcd="PFS").paramcd == "PFS"
    with pytest.raises(ValueError, match="two groups"):
        analyse(adtte(DAYS, CNSR, arm=["A"] * 6), group="ARM")
    with pytest.raises(ValueError, match="no column"):
        analyse(adtte(DAYS, CNSR), group="ARM")
    with pytest.raises(ValueError, match="CNSR"):
        analyse(adtte(DAYS, [0, 1, 0, 0, -1, 0]))


def test_compare_literature() -> None:
    comparison = compare_literature(analyse(adtte(DAYS, CNSR)))
    assert isinstance(comparison, LiteratureComparison)
    by_source = {row.source: row for row in comparison.rows}
    assert by_source["This cohort"].median_months == pytest.approx(120 / MONTH)
    assert by_source["Pierce et al. 2018"].median_months == 26.7
    assert by_source["Chapiro et al. 2015"].median_months == 21.2
    assert by_source["Chapiro et al. 2015"].citation == "Chapiro et al., Eur J Radiol 2015"
    pfs = compare_literature(analyse(adtte(DAYS, CNSR, "PFS")))
    assert [r.median_months for r in pfs.rows[1:]] == [14.2, 6.3]
    text = str(pfs)
    assert "Pierce et al., AJR 2018" in text
    assert "J Hepatocell Carcinoma" in text
    with pytest.raises(ValueError, match="no published medians"):
        compare_literature(analyse(adtte(DAYS, CNSR, "DOR")))


def test_compare_literature_lists_groups() -> None:
    frame = adtte(DAYS * 2, CNSR * 2, arm=["A"] * 6 + ["B"] * 6)
    rows = compare_literature(analyse(frame, group="ARM")).rows
    assert [r.source for r in rows[:3]] == ["This cohort", "This cohort: A", "This cohort: B"]


# --- figures -------------------------------------------------------------------------------------


def synthetic_cohort(n: int = 40, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame,
                                                         pl.DataFrame]:
    """(ADTTE with OS and PFS, ADRS with OVR and BOR, best % change per subject)."""
    rng = np.random.default_rng(seed)
    start = dt.date(2021, 1, 4)
    tte_rows: list[dict[str, object]] = []
    rs_rows: list[dict[str, object]] = []
    best_rows: list[dict[str, object]] = []
    order = {"CR": 1, "PR": 2, "SD": 3, "PD": 4, "NE": 5}
    for i in range(n):
        arm = "DEB-TACE + TKI" if i % 2 else "DEB-TACE"
        scale = 900 if arm == "DEB-TACE + TKI" else 500
        os_days = int(rng.exponential(scale)) + 20
        follow = int(rng.uniform(300, 1300))
        os_event = os_days <= follow
        os_days = min(os_days, follow)
        pfs_days = max(int(os_days * rng.uniform(0.3, 0.9)), 15)
        pfs_event = pfs_days < os_days or os_event
        subject = f"LMS-{i + 1:03d}"
        sdt = start + dt.timedelta(days=int(rng.integers(0, 200)))
        for code, days, event in (("OS", os_days, os_event), ("PFS", pfs_days, pfs_event)):
            tte_rows.append({
                "USUBJID": subject, "PARAMCD": code,
                "PARAM": "Overall Survival" if code == "OS" else "Progression-Free Survival",
                "STARTDT": sdt, "ADT": sdt + dt.timedelta(days=days - 1), "AVAL": days,
                "CNSR": 0 if event else 1, "ARM": arm})
        pct = float(np.clip(rng.normal(-20, 30), -100, 80))
        bor = "CR" if pct <= -99 else "PR" if pct <= -30 else "PD" if pct >= 20 else "SD"
        if i == 5:
            bor, pct = "NE", math.nan
        best_rows.append({"USUBJID": subject, "PCHG": None if math.isnan(pct) else pct,
                          "BOR": bor})
        visits = [*range(60, pfs_days, 60), pfs_days]
        for k, day in enumerate(visits):
            response = "PD" if (k == len(visits) - 1 and pfs_event) else (
                bor if bor in ("CR", "PR") and k >= 1 else "SD")
            rs_rows.append({"USUBJID": subject, "PARAMCD": "OVR",
                            "PARAM": "Overall Response by Investigator", "AVALC": response,
                            "AVAL": float(order[response]),
                            "ADT": sdt + dt.timedelta(days=day - 1), "ANL01FL": "Y"})
        rs_rows.append({"USUBJID": subject, "PARAMCD": "BOR", "PARAM": "Best Overall Response",
                        "AVALC": bor, "AVAL": float(order[bor]), "ADT": None, "ANL01FL": "Y"})
    tte = pl.DataFrame(tte_rows, schema_overrides={"AVAL": pl.Int64, "CNSR": pl.Int64})
    rs = pl.DataFrame(rs_rows, schema_overrides={"ADT": pl.Date})
    best = pl.DataFrame(best_rows, schema_overrides={"PCHG": pl.Float64})
    return tte, rs, best


@pytest.fixture(scope="module")
def cohort() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return synthetic_cohort()


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_km_figure_structure(cohort: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    tte, _, _ = cohort
    result = analyse(tte.filter(pl.col("PARAMCD") == "OS"), group="ARM")
    fig = figures.km_figure(result)
    plot, table = fig.axes[:2]
    curves = [line for line in plot.get_lines() if str(line.get_gid()).startswith("km-")]
    assert sorted(str(line.get_gid()) for line in curves) == ["km-DEB-TACE", "km-DEB-TACE + TKI"]
    censors = [line for line in plot.get_lines() if str(line.get_gid()).startswith("censor-")]
    ticks = sum(np.size(line.get_xdata()) for line in censors)
    assert ticks == sum(km.censored for km in result.groups)
    assert plot.get_ylabel() == "Overall survival probability"
    assert plot.get_xlabel() == "Months since start (STARTDT)"
    risk = [t for t in table.texts if t.get_gid() == "risk-count"]
    assert len(risk) == 2 * len(result.groups[0].at_risk)
    for km in result.groups:
        counts = [t.get_text() for t in risk if t.get_gid() == "risk-count"
                  and t.get_color() == figures.group_colour(result.groups.index(km))]
        assert counts == [str(r.at_risk) for r in km.at_risk]
    texts = _texts(fig)
    assert "Number at risk" in texts
    assert any(t.startswith("Log-rank p") for t in texts)
    fig.clear()


def test_km_figure_single_group(cohort: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    tte, _, _ = cohort
    result = analyse(tte.filter(pl.col("PARAMCD") == "PFS"))
    fig = figures.km_figure(result)
    plot = fig.axes[0]
    assert [line.get_gid() for line in plot.get_lines() if line.get_gid() == "km-All"]
    assert plot.get_ylabel() == "Progression-free survival probability"
    assert not any(t.startswith("Log-rank") for t in _texts(fig))


def test_waterfall_structure(cohort: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    _, _, best = cohort
    fig = figures.waterfall_figure(best)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("bar-")]
    assert len(bars) == best.filter(pl.col("PCHG").is_not_null()).height
    heights = [p.get_height() for p in bars]  # type: ignore[attr-defined]
    assert heights == sorted(heights, reverse=True)
    refs = {line.get_gid(): line.get_ydata()[0] for line in ax.get_lines()}  # type: ignore[index]
    assert refs["ref-plus20"] == 20
    assert refs["ref-minus30"] == -30
    assert ax.get_ylabel() == "Best change from baseline in sum of diameters (%)"
    legend = ax.get_legend()
    assert legend is not None
    labels = {t.get_text() for t in legend.get_texts()}
    assert {"PR", "SD", "PD"} <= labels
    fig.clear()


def test_waterfall_from_timepoints() -> None:
    timepoints = pl.DataFrame({
        "USUBJID": ["A", "A", "B", "B", "C"],
        "PCHGBL": [-10.0, -35.0, 5.0, 25.0, None],
    })
    adrs = pl.DataFrame({"USUBJID": ["A", "B", "C"], "PARAMCD": ["BOR"] * 3,
                         "AVALC": ["PR", "PD", "NE"]})
    best = figures.waterfall_data(timepoints, adrs)
    assert best.rows() == [("A", -35.0, "PR"), ("B", 5.0, "PD"), ("C", None, "NE")]


def test_swimmer_structure(cohort: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    tte, rs, _ = cohort
    fig = figures.swimmer_figure(tte, rs, group="ARM")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("swim-")]
    assert len(bars) == 40
    ongoing = tte.filter((pl.col("PARAMCD") == "OS") & (pl.col("CNSR") == 1)).height
    arrows = [line for line in ax.get_lines() if line.get_gid() == "ongoing"]
    assert sum(np.size(line.get_xdata()) for line in arrows) == ongoing
    assert ax.get_xlabel() == "Months since start (STARTDT)"
    legend_texts = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"PR (first)", "Progression", "Death", "Ongoing (alive at last contact)"} <= \
        legend_texts
    fig.clear()


def test_swimmer_refuses_too_many(cohort: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
                                  ) -> None:
    tte, rs, _ = cohort
    with pytest.raises(ValueError, match="at most 10"):
        figures.swimmer_figure(tte, rs, max_subjects=10)


def test_figures_are_byte_identical(tmp_path: Path,
                                    cohort: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
                                    ) -> None:
    tte, rs, best = cohort
    result = analyse(tte.filter(pl.col("PARAMCD") == "OS"), group="ARM")
    written = []
    for run in ("a", "b"):
        written.append(figures.write_cohort_figures(
            tmp_path / run, km=result, best=best, adtte=tte, adrs=rs, group="ARM", dpi=60))
    first, second = written
    assert [p.name for p in first] == [p.name for p in second]
    assert {p.name for p in first} >= {"km.png", "km.svg", "km.pdf", "waterfall.png",
                                        "swimmer.pdf"}
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs between two writes"
