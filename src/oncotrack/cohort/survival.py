"""Kaplan–Meier analysis of an ADTTE parameter, log-rank test, and the published medians.

Input is an ADTTE frame (:data:`~oncotrack.cohort.schema.ADTTE_COLUMNS`) holding one ``PARAMCD``
(or pass ``paramcd=`` to pick one): ``AVAL`` in days (``ADT − STARTDT + 1``) and ``CNSR``
(0 = event, a positive integer = censored; the event indicator is ``CNSR == 0``, as
``Surv(AVAL, 1 - CNSR)`` in R). Estimates come from lifelines' ``KaplanMeierFitter`` (product-
limit estimate, Greenwood variance, log(−log) 95 % confidence intervals; the median is the first
time the curve reaches 0.5 or below and its interval is where the interval's bounds reach 0.5)
and ``multivariate_logrank_test`` (for two groups the classic log-rank test).

Times are reported in months = days / 30.4375 (the mean Gregorian month, as in
:mod:`oncotrack.endpoints.survival`). A survival estimate or median that the data cannot give
(follow-up too short, the curve never reaching 0.5) is ``None``, printed as "NR" (not reached)
or "NE" (not estimable).

lifelines ships no type information; it is imported through :func:`importlib.import_module`,
so that its objects are ``Any`` here and this module type-checks with or without a mypy
``ignore_missing_imports`` override for it.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from oncotrack.endpoints.survival import DAYS_PER_MONTH

LANDMARK_MONTHS = (6.0, 12.0, 24.0)
ALPHA = 0.05


@cache
def _lifelines() -> tuple[Any, Any, Any]:
    """(KaplanMeierFitter, multivariate_logrank_test, median_survival_times), imported once."""
    lifelines = importlib.import_module("lifelines")
    statistics = importlib.import_module("lifelines.statistics")
    utils = importlib.import_module("lifelines.utils")
    return (lifelines.KaplanMeierFitter, statistics.multivariate_logrank_test,
            utils.median_survival_times)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "NE" if value is None else f"{value:.{digits}f}"


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --- results -------------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Landmark(_Frozen):
    """Survival probability at a fixed time (a landmark), with its 95 % CI."""

    months: float
    survival: float | None = Field(description="None when follow-up ends before this time.")
    lower: float | None
    upper: float | None
    at_risk: int

    def __str__(self) -> str:
        if self.survival is None:
            return f"{self.months:g} months: NE (n at risk {self.at_risk})"
        return (f"{self.months:g} months: {100 * self.survival:.1f} % "
                f"(95 % CI {100 * (self.lower or 0):.1f}–{100 * (self.upper or 0):.1f}; "
                f"n at risk {self.at_risk})")


class AtRisk(_Frozen):
    """Subjects still at risk at ``months`` (AVAL ≥ that time) and events and censorings up to
    it."""

    months: float
    at_risk: int
    events: int
    censored: int


class Curve(_Frozen):
    """The step function, for plotting: S(t) from each time on (t in months, starting at 0)."""

    months: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    censor_months: tuple[float, ...]
    """Times of censored observations (one entry per censored subject)."""
    censor_survival: tuple[float, ...]


class KaplanMeier(_Frozen):
    """A Kaplan–Meier estimate for one group (or for everyone)."""

    label: str
    n: int
    events: int
    censored: int
    median_months: float | None = Field(description="None: not reached.")
    median_lower: float | None
    median_upper: float | None = Field(description="None: not reached.")
    landmarks: tuple[Landmark, ...]
    at_risk: tuple[AtRisk, ...]
    curve: Curve
    max_follow_up_months: float

    @property
    def median_days(self) -> float | None:
        return None if self.median_months is None else self.median_months * DAYS_PER_MONTH

    def median_text(self) -> str:
        median = "NR" if self.median_months is None else f"{self.median_months:.1f}"
        lower = _fmt(self.median_lower)
        upper = "NR" if self.median_upper is None else f"{self.median_upper:.1f}"
        return f"{median} months (95 % CI {lower}–{upper})"

    def __str__(self) -> str:
        lines = [f"{self.label}: n = {self.n}, {self.events} events, {self.censored} censored",
                 f"  median {self.median_text()}"]
        lines += [f"  {landmark}" for landmark in self.landmarks]
        return "\n".join(lines)


class LogRank(_Frozen):
    """Log-rank test of equal survival across the groups of ``group_column``."""

    group_column: str
    groups: tuple[str, ...]
    statistic: float = Field(description="Chi-square statistic.")
    degrees_of_freedom: int
    p_value: float

    def __str__(self) -> str:
        p = "< 0.001" if self.p_value < 0.001 else f"= {self.p_value:.3f}"
        return (f"log-rank by {self.group_column} ({', '.join(self.groups)}): "
                f"χ² = {self.statistic:.2f}, df = {self.degrees_of_freedom}, p {p}")


class SurvivalResult(_Frozen):
    """Kaplan–Meier for one ADTTE parameter: everyone, each group, and the log-rank test."""

    paramcd: str
    param: str | None
    overall: KaplanMeier
    group_column: str | None = None
    groups: tuple[KaplanMeier, ...] = ()
    logrank: LogRank | None = None

    def __str__(self) -> str:
        title = f"{self.paramcd}" + (f" ({self.param})" if self.param else "")
        parts = [title, str(self.overall)]
        parts += [str(km) for km in self.groups]
        if self.logrank is not None:
            parts.append(str(self.logrank))
        return "\n".join(parts)


# --- analysis ------------------------------------------------------------------------------------


def _prepare(adtte: pl.DataFrame, paramcd: str | None) -> tuple[pl.DataFrame, str, str | None]:
    missing = [c for c in ("PARAMCD", "AVAL", "CNSR") if c not in adtte.columns]
    if missing:
        raise ValueError(f"ADTTE lacks {', '.join(missing)}")
    frame = adtte if paramcd is None else adtte.filter(pl.col("PARAMCD") == paramcd)
    codes = frame.get_column("PARAMCD").unique().drop_nulls().sort().to_list()
    if len(codes) != 1:
        found = ", ".join(codes) if codes else "none"
        raise ValueError(f"analyse one PARAMCD at a time (found {found}); pass paramcd=")
    if frame.get_column("AVAL").null_count() or frame.get_column("CNSR").null_count():
        raise ValueError("AVAL and CNSR must be present on every record")
    if (frame.get_column("AVAL") < 0).any():
        raise ValueError("AVAL (days) must not be negative")
    if (frame.get_column("CNSR") < 0).any():
        raise ValueError("CNSR is 0 (event) or a positive integer (censored)")
    param = None
    if "PARAM" in frame.columns:
        params = frame.get_column("PARAM").drop_nulls().unique().to_list()
        param = params[0] if len(params) == 1 else None
    return frame, codes[0], param


def _at(index: np.ndarray[Any, Any], t: float) -> int:
    """Position of the step in force at time ``t`` (the last index time ≤ t)."""
    return int(np.searchsorted(index, t, side="right")) - 1


def kaplan_meier(
    days: Sequence[float] | np.ndarray[Any, Any],
    events: Sequence[bool] | np.ndarray[Any, Any],
    label: str = "All",
    landmarks: Sequence[float] = LANDMARK_MONTHS,
    risk_months: Sequence[float] | None = None,
    alpha: float = ALPHA,
) -> KaplanMeier:
    """The Kaplan–Meier estimate of durations ``days`` (event flags ``events``), reported in
    months: median with CI, survival at ``landmarks`` (months) with CI, and the number at risk at
    ``risk_months`` (default every 6 months up to the longest follow-up)."""
    fitter_class, _, median_times = _lifelines()
    t = np.asarray(days, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.size == 0:
        raise ValueError(f"{label}: no subjects")
    months = t / DAYS_PER_MONTH
    km = fitter_class(alpha=alpha).fit(months, event_observed=e, label=label)
    index = km.survival_function_.index.to_numpy(dtype=float)
    surv = km.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    ci = km.confidence_interval_
    lower = ci.iloc[:, 0].to_numpy(dtype=float)
    upper = ci.iloc[:, 1].to_numpy(dtype=float)
    max_months = float(months.max())
    last_is_event = bool(e[months == max_months].any())

    median = _finite(float(km.median_survival_time_))
    bounds = median_times(ci)
    median_lower = _finite(float(bounds.iloc[0, 0]))
    median_upper = _finite(float(bounds.iloc[0, 1]))

    def landmark(m: float) -> Landmark:
        at_risk = int((months >= m).sum())
        if m > max_months and not (last_is_event and surv[-1] == 0.0):
            return Landmark(months=m, survival=None, lower=None, upper=None, at_risk=at_risk)
        i = _at(index, m)
        return Landmark(months=m, survival=float(surv[i]), lower=float(lower[i]),
                        upper=float(upper[i]), at_risk=at_risk)

    if risk_months is None:
        risk_months = default_risk_months(max_months)
    risk = tuple(
        AtRisk(months=float(m), at_risk=int((months >= m).sum()),
               events=int((e & (months < m)).sum()), censored=int((~e & (months < m)).sum()))
        for m in risk_months)
    censor_months = np.sort(months[~e])
    curve = Curve(
        months=tuple(index.tolist()), survival=tuple(surv.tolist()),
        lower=tuple(lower.tolist()), upper=tuple(upper.tolist()),
        censor_months=tuple(censor_months.tolist()),
        censor_survival=tuple(float(surv[_at(index, m)]) for m in censor_months),
    )
    return KaplanMeier(
        label=label, n=int(t.size), events=int(e.sum()), censored=int((~e).sum()),
        median_months=median, median_lower=median_lower, median_upper=median_upper,
        landmarks=tuple(landmark(float(m)) for m in landmarks), at_risk=risk, curve=curve,
        max_follow_up_months=max_months,
    )


def default_risk_months(max_months: float, step: float = 6.0) -> tuple[float, ...]:
    """0, 6, 12, … up to the longest follow-up (at least 0 and 6)."""
    count = max(int(max_months // step), 1)
    return tuple(step * k for k in range(count + 1))


def analyse(
    adtte: pl.DataFrame,
    group: str | None = None,
    paramcd: str | None = None,
    landmarks: Sequence[float] = LANDMARK_MONTHS,
    risk_months: Sequence[float] | None = None,
    alpha: float = ALPHA,
) -> SurvivalResult:
    """Kaplan–Meier of one ADTTE parameter, overall and (with ``group``, a column such as
    ``ARM``) per group with a log-rank test across the groups."""
    frame, code, param = _prepare(adtte, paramcd)
    days = frame.get_column("AVAL").cast(pl.Float64).to_numpy()
    events = (frame.get_column("CNSR") == 0).to_numpy()
    if risk_months is None:
        risk_months = default_risk_months(float(days.max()) / DAYS_PER_MONTH)
    overall = kaplan_meier(days, events, "All", landmarks, risk_months, alpha)
    if group is None:
        return SurvivalResult(paramcd=code, param=param, overall=overall)
    if group not in frame.columns:
        raise ValueError(f"no column {group!r} to group by")
    labels = frame.get_column(group)
    if labels.null_count():
        raise ValueError(f"{group} is missing on {labels.null_count()} record(s)")
    text = labels.cast(pl.String).to_numpy()
    names = sorted(set(text.tolist()))
    if len(names) < 2:
        raise ValueError(f"log-rank needs at least two groups in {group} (found {names})")
    per_group = tuple(
        kaplan_meier(days[text == name], events[text == name], name, landmarks, risk_months,
                     alpha)
        for name in names)
    return SurvivalResult(paramcd=code, param=param, overall=overall, group_column=group,
                          groups=per_group, logrank=logrank(days, events, text, group))


def logrank(days: np.ndarray[Any, Any], events: np.ndarray[Any, Any],
            groups: np.ndarray[Any, Any], group_column: str = "group") -> LogRank:
    """Log-rank test (lifelines ``multivariate_logrank_test``; for two groups the same as
    ``logrank_test``) of equal survival across ``groups``."""
    _, test, _ = _lifelines()
    result = test(np.asarray(days, dtype=float), np.asarray(groups),
                  np.asarray(events, dtype=bool))
    statistic = float(result.test_statistic)
    p_value = float(result.p_value)
    if not math.isfinite(p_value):  # no events at all: no evidence of a difference
        statistic, p_value = 0.0, 1.0
    return LogRank(group_column=group_column,
                   groups=tuple(sorted(set(np.asarray(groups).tolist()))),
                   statistic=statistic, degrees_of_freedom=int(result.degrees_of_freedom),
                   p_value=p_value)


# --- the literature ------------------------------------------------------------------------------


class PublishedMedian(_Frozen):
    """A median from a published cohort."""

    study: str
    citation: str
    n: str
    treatment: str
    median_months: float
    note: str = ""


CASE_REPORT = ("Cui, Xu, Han, Zhang. A Case of DEB-TACE Combined with Anlotinib for Treatment of "
               "Liver Metastasis from Retroperitoneal Leiomyosarcoma. J Hepatocell Carcinoma "
               "(discussion)")
"""Where the cohort medians below are quoted (docs: seed-case-facts.md)."""

PUBLISHED: dict[str, tuple[PublishedMedian, ...]] = {
    "OS": (
        PublishedMedian(study="Pierce et al. 2018", citation="Pierce et al., AJR 2018",
                        n="28 (11 LMS)", treatment="bland, radio- or chemo-embolization",
                        median_months=26.7),
        PublishedMedian(study="Chapiro et al. 2015", citation="Chapiro et al., Eur J Radiol 2015",
                        n="30 (25 LMS)", treatment="TACE", median_months=21.2,
                        note="from first treatment"),
    ),
    "PFS": (
        PublishedMedian(study="Pierce et al. 2018", citation="Pierce et al., AJR 2018",
                        n="28 (11 LMS)", treatment="bland, radio- or chemo-embolization",
                        median_months=14.2),
        PublishedMedian(study="Chapiro et al. 2015", citation="Chapiro et al., Eur J Radiol 2015",
                        n="30 (25 LMS)", treatment="TACE", median_months=6.3),
    ),
}
"""Published medians of liver-directed therapy for sarcoma liver metastases, as quoted in the
reference case report's discussion (:data:`CASE_REPORT`)."""


class LiteratureRow(_Frozen):
    source: str
    n: str
    treatment: str
    median_months: float | None
    median_lower: float | None = None
    median_upper: float | None = None
    citation: str = ""
    note: str = ""


class LiteratureComparison(_Frozen):
    """The cohort's median beside the published ones, for one parameter (OS or PFS)."""

    paramcd: str
    rows: tuple[LiteratureRow, ...]
    quoted_in: str = CASE_REPORT

    def __str__(self) -> str:
        lines = [f"Median {self.paramcd} (months)"]
        for row in self.rows:
            median = "NR" if row.median_months is None else f"{row.median_months:.1f}"
            ci = ""
            if row.median_lower is not None or row.median_upper is not None:
                upper = "NR" if row.median_upper is None else f"{row.median_upper:.1f}"
                ci = f" (95 % CI {_fmt(row.median_lower)}–{upper})"
            note = f"; {row.note}" if row.note else ""
            cite = f" [{row.citation}]" if row.citation else ""
            treatment = f", {row.treatment}" if row.treatment else ""
            lines.append(f"  {row.source}, n = {row.n}{treatment}: {median}{ci}{note}{cite}")
        lines.append(f"  Published figures as quoted in {self.quoted_in}.")
        return "\n".join(lines)


def compare_literature(result: SurvivalResult, treatment: str = ""
                       ) -> LiteratureComparison:
    """The cohort's median (overall, then each group) beside the published medians of the same
    parameter. Only OS and PFS have published figures."""
    published = PUBLISHED.get(result.paramcd)
    if published is None:
        raise ValueError(f"no published medians for {result.paramcd} (have: "
                         f"{', '.join(PUBLISHED)})")
    rows = [LiteratureRow(source="This cohort" if km.label == "All" else f"This cohort: {km.label}",
                          n=str(km.n), treatment=treatment, median_months=km.median_months,
                          median_lower=km.median_lower, median_upper=km.median_upper)
            for km in (result.overall, *result.groups)]
    rows += [LiteratureRow(source=p.study, n=p.n, treatment=p.treatment,
                           median_months=p.median_months, citation=p.citation, note=p.note)
             for p in published]
    return LiteratureComparison(paramcd=result.paramcd, rows=tuple(rows))


__all__ = [
    "CASE_REPORT",
    "LANDMARK_MONTHS",
    "PUBLISHED",
    "AtRisk",
    "Curve",
    "KaplanMeier",
    "Landmark",
    "LiteratureComparison",
    "LiteratureRow",
    "LogRank",
    "PublishedMedian",
    "SurvivalResult",
    "analyse",
    "compare_literature",
    "default_risk_months",
    "kaplan_meier",
    "logrank",
]
