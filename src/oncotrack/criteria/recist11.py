"""RECIST 1.1: baseline checks, target, non-target and new-lesion responses, overall response.

Source: Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
guideline (version 1.1). Eur J Cancer 2009;45:228-247 — cited below as "RECIST 1.1 §n", with the
RECIST Working Group's published clarifications (recist.eortc.org FAQ). Every rule has a line in
docs/clinical-rules.md.

Arithmetic is exact: diameters become :class:`~decimal.Decimal` from their written form, so a fall
of exactly 30.0 % or a rise of exactly 20.0 % meets its threshold without floating-point doubt.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from oncotrack.criteria.results import Finding, LesionReading, TimepointResult
from oncotrack.model.case import Assessment, Case, Lesion, Measurement, NewLesion
from oncotrack.model.dates import resolve
from oncotrack.model.vocabulary import (
    LesionRole,
    MeasurementStatus,
    NonTargetStatus,
    Response,
)

NAME = "RECIST 1.1"
KEY = "recist1.1"

TOO_SMALL_MM = Decimal(5)
"""RECIST 1.1 §4.3.2 notes; EORTC FAQ 'Lesions less than 5 mm': too small to measure = 5 mm."""
ABSENT_MM = Decimal(0)
"""RECIST 1.1 §4.3.2 notes: a lesion that has disappeared is recorded as 0 mm."""
NODE_NORMAL_BELOW_MM = Decimal(10)
"""RECIST 1.1 §4.3.1: a target node with short axis < 10 mm counts as normal (CR)."""
NODE_TARGET_MIN_MM = Decimal(15)
"""RECIST 1.1 §3.1.2: a node is measurable (target-eligible) with short axis >= 15 mm."""
NON_NODAL_MIN_MM = Decimal(10)
"""RECIST 1.1 §3.1.1: a non-nodal lesion is measurable on CT with longest diameter >= 10 mm."""
MAX_TARGETS = 5
MAX_TARGETS_PER_ORGAN = 2
"""RECIST 1.1 §4.2: at most 5 target lesions in total and 2 per organ."""
PR_FRACTION = Decimal("0.70")
"""RECIST 1.1 §4.3.1: PR is a decrease of at least 30 % from the baseline sum."""
PD_FRACTION = Decimal("1.20")
PD_ABSOLUTE_MM = Decimal(5)
"""RECIST 1.1 §4.3.1: PD is an increase of at least 20 % over the nadir and at least 5 mm."""
BASELINE_MAX_DAYS_BEFORE_START = 28
"""RECIST 1.1 §3.2: baseline evaluations as close as possible to, and never more than 4 weeks
before, the beginning of treatment."""


class PrPersistence(StrEnum):
    """What a timepoint is after a PR when the sum no longer meets −30 % but is not PD.

    ``working-group`` (default): PR continues until PD — the RECIST Working Group's published
    clarifications "The definition of SD: a clarification" and "Managing PR when TP measurements
    change slightly over time": SD is judged against the nadir, so a small rise after a PR is
    not SD. ``paper``: SD, by the wording of RECIST 1.1 §4.3.1 read literally (PR needs −30 %
    from baseline at that timepoint).
    """

    WORKING_GROUP = "working-group"
    PAPER = "paper"


@dataclass(frozen=True)
class RecistOptions:
    pr_persistence: PrPersistence = PrPersistence.WORKING_GROUP


# --- single-value rules -------------------------------------------------------------------------


def measurement_mm(value: Measurement) -> Decimal | None:
    """The diameter used in sums: too small = 5 mm, absent = 0 mm, not evaluated = unknown.

    RECIST 1.1 §4.3.2 notes; EORTC RECIST FAQ "Lesions less than 5 mm".
    """
    if value is MeasurementStatus.TOO_SMALL:
        return TOO_SMALL_MM
    if value is MeasurementStatus.ABSENT:
        return ABSENT_MM
    if value is MeasurementStatus.NOT_EVALUATED:
        return None
    assert isinstance(value, float)
    return Decimal(str(value))


def meets_pr(total: Decimal, baseline: Decimal) -> bool:
    """RECIST 1.1 §4.3.1: at least a 30 % decrease in the sum, taking the baseline as reference."""
    return total <= PR_FRACTION * baseline


def meets_pd(total: Decimal, nadir: Decimal) -> bool:
    """RECIST 1.1 §4.3.1: at least +20 % over the smallest sum on study and at least +5 mm."""
    return total >= PD_FRACTION * nadir and total - nadir >= PD_ABSOLUTE_MM


def lesion_gone(value: Decimal, lymph_node: bool) -> bool:
    """RECIST 1.1 §4.3.1 (CR): non-nodal lesions at 0 mm; nodes with short axis < 10 mm."""
    return value < NODE_NORMAL_BELOW_MM if lymph_node else value == ABSENT_MM


def percent_change(value: Decimal, reference: Decimal) -> float | None:
    """(value − reference) / reference × 100, one decimal; undefined for a 0 mm reference."""
    if reference == 0:
        return None
    return float(round((value - reference) / reference * 100, 1))


# --- target lesions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    """What the target-response rule needs at one timepoint."""

    values: Mapping[str, Decimal | None]
    lymph_nodes: frozenset[str]
    baseline_sum: Decimal
    nadir_sum: Decimal
    after_overall_cr: bool = False
    pr_reached_before: bool = False


@dataclass(frozen=True)
class TargetOutcome:
    response: Response
    rule: str
    measured_sum: Decimal
    missing: tuple[str, ...]


def target_response(data: TargetInput, options: RecistOptions) -> TargetOutcome:
    """Target-lesion response at one timepoint (RECIST 1.1 §4.3.1 and §4.4.2 on missing data).

    Order of the rules: PD (also when lesions are missing, since missing lesions can only add to
    the sum); reappearance after an overall CR; NE for missing lesions; CR; PR; the PR-persistence
    option; SD.
    """
    measured = {k: v for k, v in data.values.items() if v is not None}
    missing = tuple(sorted(k for k, v in data.values.items() if v is None))
    total = sum(measured.values(), Decimal(0))
    rise = f"sum {total} mm vs nadir {data.nadir_sum} mm"
    if meets_pd(total, data.nadir_sum):
        rule = f"PD: {rise}, at least +20 % and +5 mm (§4.3.1)"
        if missing:
            rule += f"; met although {', '.join(missing)} not evaluated (§4.4.2)"
        return TargetOutcome(Response.PD, rule, total, missing)
    if data.after_overall_cr:
        back = sorted(k for k, v in measured.items() if not lesion_gone(v, k in data.lymph_nodes))
        if back:
            rule = f"PD: {', '.join(back)} reappeared after an overall CR (RECIST FAQ)"
            return TargetOutcome(Response.PD, rule, total, missing)
    if missing:
        rule = f"NE: {', '.join(missing)} not evaluated and the measured {rise} is not PD (§4.4.2)"
        return TargetOutcome(Response.NE, rule, total, missing)
    if all(lesion_gone(v, k in data.lymph_nodes) for k, v in measured.items()):
        rule = "CR: every non-nodal target at 0 mm and every target node < 10 mm (§4.3.1)"
        return TargetOutcome(Response.CR, rule, total, missing)
    if meets_pr(total, data.baseline_sum):
        rule = f"PR: sum {total} mm <= 70 % of baseline {data.baseline_sum} mm (§4.3.1)"
        return TargetOutcome(Response.PR, rule, total, missing)
    if data.pr_reached_before and options.pr_persistence is PrPersistence.WORKING_GROUP:
        rule = (
            f"PR maintained: above 70 % of baseline {data.baseline_sum} mm but not PD after an "
            "earlier PR (RECIST Working Group clarification; option pr_persistence)"
        )
        return TargetOutcome(Response.PR, rule, total, missing)
    rule = f"SD: neither -30 % from baseline {data.baseline_sum} mm nor PD over the nadir (§4.3.1)"
    return TargetOutcome(Response.SD, rule, total, missing)


# --- non-target and new lesions -----------------------------------------------------------------


def non_target_response(
    statuses: Mapping[str, NonTargetStatus], tumour_markers_normal: bool | None
) -> tuple[Response | None, str]:
    """Non-target response (RECIST 1.1 §4.3.3); ``None`` when there is no non-target disease."""
    if not statuses:
        return None, "no non-target lesions"
    values = set(statuses.values())
    if NonTargetStatus.PROGRESSION in values:
        which = sorted(k for k, v in statuses.items() if v is NonTargetStatus.PROGRESSION)
        return Response.PD, f"PD: unequivocal progression of {', '.join(which)} (§4.3.3)"
    if NonTargetStatus.NOT_EVALUATED in values:
        which = sorted(k for k, v in statuses.items() if v is NonTargetStatus.NOT_EVALUATED)
        return Response.NE, f"NE: {', '.join(which)} not evaluated (§4.3.3)"
    if values == {NonTargetStatus.ABSENT}:
        if tumour_markers_normal is False:
            return Response.NON_CR_NON_PD, "Non-CR/Non-PD: lesions gone but markers abnormal"
        return Response.CR, "CR: every non-target lesion gone (§4.3.3)"
    return Response.NON_CR_NON_PD, "Non-CR/Non-PD: non-target disease persists (§4.3.3)"


def non_target_statuses(
    assessment: Assessment, non_targets: Sequence[Lesion]
) -> dict[str, NonTargetStatus]:
    """Each non-target lesion's status; one left out of the assessment was not evaluated."""
    return {n.id: assessment.non_target.get(n.id, NonTargetStatus.NOT_EVALUATED)
            for n in non_targets}


def split_new_lesions(assessment: Assessment) -> tuple[list[NewLesion], list[str]]:
    """The unequivocal new lesions (PD, §4.3.4) and labels of the equivocal ones (not PD yet)."""
    unequivocal = [n for n in assessment.new_lesions if n.unequivocal]
    equivocal = [f"{n.organ} (id {n.id})" if n.id else n.organ
                 for n in assessment.new_lesions if not n.unequivocal]
    return unequivocal, equivocal


def progression_dated(
    day: dt.date, unequivocal: Sequence[NewLesion], equivocal_seen: Mapping[str, dt.date]
) -> tuple[dt.date, str]:
    """RECIST 1.1 §4.3.4: a new lesion first seen equivocal and confirmed later dates PD to its
    first appearance. Returns the date and, when it is earlier than ``day``, a note for the rule."""
    earlier = [equivocal_seen[n.id] for n in unequivocal
               if n.id is not None and n.id in equivocal_seen]
    dated = min([day, *earlier])
    if dated < day:
        return dated, (f"; dated to {dated}, when the new lesion was first seen as equivocal "
                       "(RECIST 1.1 §4.3.4)")
    return dated, ""


def remember_equivocal(
    equivocal_seen: dict[str, dt.date], assessment: Assessment, day: dt.date
) -> None:
    """Keep the first date each identified equivocal new lesion was seen (for §4.3.4)."""
    for new in assessment.new_lesions:
        if new.id and not new.unequivocal:
            equivocal_seen.setdefault(new.id, day)


# --- overall response: RECIST 1.1 Tables 1 and 2 ------------------------------------------------

ANY = None
"""A wildcard in the decision tables."""

NonTarget = Response | None  # None: no non-target disease at baseline
NON_PD: frozenset[NonTarget] = frozenset(
    {Response.CR, Response.NON_CR_NON_PD, Response.NE, None}
)


@dataclass(frozen=True)
class Row:
    target: frozenset[Response] | None
    non_target: frozenset[NonTarget] | None
    new_lesion: bool | None
    overall: Response
    label: str

    def matches(self, target: Response | None, non_target: NonTarget, new: bool) -> bool:
        return (
            (self.target is ANY or target in self.target)
            and (self.non_target is ANY or non_target in self.non_target)
            and (self.new_lesion is ANY or new == self.new_lesion)
        )


def codes(*responses: NonTarget) -> frozenset[NonTarget]:
    """The set of non-target responses a table cell accepts."""
    return frozenset(responses)


TABLE_1: tuple[Row, ...] = (
    Row(frozenset({Response.PD}), ANY, ANY, Response.PD, "Table 1: target PD -> PD"),
    Row(ANY, codes(Response.PD), ANY, Response.PD, "Table 1: non-target PD -> PD"),
    Row(ANY, ANY, True, Response.PD, "Table 1: new lesion -> PD"),
    Row(frozenset({Response.CR}), codes(Response.CR, None), False, Response.CR,
        "Table 1: target CR, non-target CR (or none), no new lesion -> CR"),
    Row(frozenset({Response.CR}), codes(Response.NON_CR_NON_PD), False, Response.PR,
        "Table 1: target CR, non-target Non-CR/Non-PD, no new lesion -> PR"),
    Row(frozenset({Response.CR}), codes(Response.NE), False, Response.PR,
        "Table 1: target CR, non-target not evaluated, no new lesion -> PR"),
    Row(frozenset({Response.PR}), NON_PD, False, Response.PR,
        "Table 1: target PR, non-target non-PD or not all evaluated, no new lesion -> PR"),
    Row(frozenset({Response.SD}), NON_PD, False, Response.SD,
        "Table 1: target SD, non-target non-PD or not all evaluated, no new lesion -> SD"),
    Row(frozenset({Response.NE}), NON_PD, False, Response.NE,
        "Table 1: targets not all evaluated, non-target non-PD, no new lesion -> NE"),
)
"""RECIST 1.1 §4.4.1 Table 1: patients with target disease (with or without non-target)."""

TABLE_2: tuple[Row, ...] = (
    Row(ANY, codes(Response.PD), ANY, Response.PD, "Table 2: unequivocal non-target PD -> PD"),
    Row(ANY, ANY, True, Response.PD, "Table 2: new lesion -> PD"),
    Row(ANY, codes(Response.CR), False, Response.CR, "Table 2: non-target CR, no new lesion -> CR"),
    Row(ANY, codes(Response.NON_CR_NON_PD), False, Response.NON_CR_NON_PD,
        "Table 2: non-target Non-CR/Non-PD, no new lesion -> NON-CR/NON-PD"),
    Row(ANY, codes(Response.NE), False, Response.NE,
        "Table 2: non-target not all evaluated, no new lesion -> NE"),
)
"""RECIST 1.1 §4.4.1 Table 2: patients with non-target disease only."""


def first_matching_row(
    table: Sequence[Row], target: Response | None, non_target: NonTarget, new_lesion: bool,
    criterion: str,
) -> Row:
    """The first row of a decision table that matches (every criterion's tables are ordered so
    that the first match is the answer: PD rows first)."""
    for row in table:
        if row.matches(target, non_target, new_lesion):
            return row
    raise ValueError(f"no {criterion} row for target={target}, non-target={non_target}")


def overall_response(
    target: Response | None, non_target: NonTarget, new_lesion: bool
) -> tuple[Response, str]:
    """The overall timepoint response: the first matching row of Table 1 or, without target
    disease, Table 2 (RECIST 1.1 §4.4.1)."""
    table = TABLE_1 if target is not None else TABLE_2
    row = first_matching_row(table, target, non_target, new_lesion, NAME)
    return row.overall, row.label


def per_lesion_reading(
    value: Decimal | None, baseline: Decimal, nadir: Decimal, lymph_node: bool
) -> Response:
    """RECIST thresholds applied to one lesion, as the reference case's authors graded lesions.

    Not RECIST 1.1 (which judges the sum, §4.3.1): reported beside the overall response, clearly
    labelled, and never used for it.
    """
    if value is None:
        return Response.NE
    if meets_pd(value, nadir):
        return Response.PD
    if lesion_gone(value, lymph_node):
        return Response.CR
    if meets_pr(value, baseline):
        return Response.PR
    return Response.SD


# --- baseline checks ----------------------------------------------------------------------------


def organ_group(lesion: Lesion) -> str:
    """RECIST 1.1 §4.2 and FAQ: all lymph nodes together count as one organ."""
    if lesion.lymph_node or "lymph node" in lesion.organ.lower():
        return "lymph nodes"
    return lesion.organ.strip().lower()


def baseline_findings(
    case: Case, reference_date: dt.date | None = None
) -> list[Finding]:
    """Baseline selection and measurability checks (RECIST 1.1 §3.1, §3.2, §4.2).

    Violations are warnings naming the lesion, not errors: a published case may have chosen
    otherwise (the reference case used three targets in one organ), and the record keeps what was
    done.
    """
    baseline = case.baseline
    if baseline is None:
        return []
    targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]
    findings: list[Finding] = []
    if len(targets) > MAX_TARGETS:
        findings.append(Finding(
            code="too-many-targets",
            message=f"{len(targets)} target lesions; RECIST 1.1 allows at most {MAX_TARGETS}",
            source="RECIST 1.1 §4.2",
        ))
    by_organ: dict[str, list[str]] = defaultdict(list)
    for lesion in targets:
        by_organ[organ_group(lesion)].append(lesion.id)
    for organ, ids in by_organ.items():
        if len(ids) > MAX_TARGETS_PER_ORGAN:
            findings.append(Finding(
                code="too-many-targets-in-organ",
                message=f"{organ}: {len(ids)} target lesions ({', '.join(ids)}); RECIST 1.1 "
                f"allows at most {MAX_TARGETS_PER_ORGAN} per organ",
                lesion=ids[MAX_TARGETS_PER_ORGAN],
                source="RECIST 1.1 §4.2",
            ))
    for lesion in targets:
        findings.extend(_measurability(lesion, baseline))
    if reference_date is not None:
        base_day = baseline.date.impute(baseline.date_imputation)
        gap = (reference_date - base_day).days
        if gap > BASELINE_MAX_DAYS_BEFORE_START:
            findings.append(Finding(
                code="baseline-too-early",
                message=f"baseline imaging {gap} days before the reference date "
                f"{reference_date}; RECIST 1.1 asks for at most {BASELINE_MAX_DAYS_BEFORE_START}",
                source="RECIST 1.1 §3.2",
            ))
    return findings


def _measurability(lesion: Lesion, baseline: Assessment) -> list[Finding]:
    raw = baseline.target.get(lesion.id)
    value = measurement_mm(raw) if raw is not None else None
    findings: list[Finding] = []
    if raw is MeasurementStatus.TOO_SMALL:
        findings.append(Finding(
            code="not-measurable", lesion=lesion.id, source="RECIST 1.1 §3.1.1",
            message=f"{lesion.id}: too small to measure at baseline cannot be a target lesion",
        ))
    elif value is not None and lesion.lymph_node and value < NODE_TARGET_MIN_MM:
        findings.append(Finding(
            code="node-too-small", lesion=lesion.id, source="RECIST 1.1 §3.1.2",
            message=f"{lesion.id}: lymph node short axis {value} mm at baseline; a target node "
            f"needs >= {NODE_TARGET_MIN_MM} mm (10-15 mm: non-target; < 10 mm: normal)",
        ))
    elif value is not None and not lesion.lymph_node:
        minimum = NON_NODAL_MIN_MM
        thickness = baseline.slice_thickness_mm
        if thickness is not None and thickness > 5:
            minimum = max(minimum, 2 * Decimal(str(thickness)))
        if value < minimum:
            findings.append(Finding(
                code="not-measurable", lesion=lesion.id, source="RECIST 1.1 §3.1.1",
                message=f"{lesion.id}: longest diameter {value} mm at baseline; a measurable "
                f"lesion needs >= {minimum} mm",
            ))
    if lesion.previously_treated:
        findings.append(Finding(
            code="previously-treated-target", lesion=lesion.id, source="RECIST 1.1 §3.1.3",
            message=f"{lesion.id}: previously irradiated or loco-regionally treated; usually "
            "not measurable unless it has progressed since",
        ))
    return findings


# --- the series of timepoints -------------------------------------------------------------------


@dataclass
class _History:
    """What earlier timepoints leave behind for later ones (nadir, PR reached, CR, lesions)."""

    nadir: Decimal
    nadir_date: dt.date
    lesion_nadir: dict[str, Decimal]
    pr_reached: bool = False
    overall_cr: bool = False
    equivocal_seen: dict[str, dt.date] = field(default_factory=dict)


def missing_data(case: Case) -> list[str]:
    """RECIST 1.1 needs nothing beyond what a valid case file holds (checked at loading)."""
    del case
    return []


def assess_timepoints(case: Case, options: RecistOptions | None = None) -> list[TimepointResult]:
    """RECIST 1.1 response at every follow-up of a consistent case, in date order."""
    options = options or RecistOptions()
    baseline = case.baseline
    if baseline is None:
        return []
    targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]
    non_targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET]
    base_values = {t.id: _require(measurement_mm(baseline.target[t.id])) for t in targets}
    baseline_sum = sum(base_values.values(), Decimal(0))
    history = _History(
        nadir=baseline_sum,
        nadir_date=baseline.date.impute(baseline.date_imputation),
        lesion_nadir=dict(base_values),
    )
    results = []
    position = {id(a): i for i, a in enumerate(case.assessments)}
    for assessment in case.follow_ups():
        values = {
            t.id: measurement_mm(assessment.target.get(t.id, MeasurementStatus.NOT_EVALUATED))
            for t in targets
        }
        result = _timepoint(
            assessment, f"assessments[{position[id(assessment)]}].date", values, targets,
            non_targets, base_values, baseline_sum, history, options,
        )
        results.append(result)
        _remember(history, result, values, assessment)
    return results


def _require(value: Decimal | None) -> Decimal:
    if value is None:  # consistency checks reject this before any assessment
        raise ValueError("a target lesion has no baseline measurement")
    return value


def _timepoint(
    assessment: Assessment,
    date_field: str,
    values: Mapping[str, Decimal | None],
    targets: Sequence[Lesion],
    non_targets: Sequence[Lesion],
    base_values: Mapping[str, Decimal],
    baseline_sum: Decimal,
    history: _History,
    options: RecistOptions,
) -> TimepointResult:
    day, imputed = resolve(assessment.date, assessment.date_imputation, date_field)
    nodes = frozenset(t.id for t in targets if t.lymph_node)
    target: TargetOutcome | None = None
    if targets:
        target = target_response(
            TargetInput(values, nodes, baseline_sum, history.nadir,
                        history.overall_cr, history.pr_reached),
            options,
        )
    statuses = non_target_statuses(assessment, non_targets)
    nt_response, nt_rule = non_target_response(statuses, assessment.tumour_markers_normal)
    unequivocal, equivocal = split_new_lesions(assessment)
    overall, rule = overall_response(
        target.response if target else None, nt_response, bool(unequivocal)
    )
    progression_date = None
    if overall is Response.PD:
        progression_date, note = progression_dated(day, unequivocal, history.equivocal_seen)
        rule += note
    total = target.measured_sum if target else None
    complete = target is not None and not target.missing
    readings = [
        _reading(t, assessment, values[t.id], base_values[t.id], history.lesion_nadir[t.id])
        for t in targets
    ]
    recorded = assessment.recorded_response
    agrees = None if recorded is None else recorded is overall
    return TimepointResult(
        date=day,
        date_given=str(assessment.date),
        sum_mm=float(total) if total is not None else None,
        baseline_sum_mm=float(baseline_sum) if targets else None,
        change_from_baseline_pct=(
            percent_change(total, baseline_sum) if total is not None and complete else None
        ),
        nadir_mm=float(history.nadir) if targets else None,
        nadir_date=history.nadir_date if targets else None,
        change_from_nadir_pct=(
            percent_change(total, history.nadir) if total is not None and complete else None
        ),
        target=target.response if target else None,
        target_rule=target.rule if target else "no target lesions",
        non_target=nt_response,
        non_target_rule=nt_rule,
        new_lesions=bool(unequivocal),
        equivocal_new_lesions=equivocal,
        overall=overall,
        rule=rule,
        progression_date=progression_date,
        missing_lesions=list(target.missing) if target else [],
        lesions=readings,
        recorded=recorded,
        agrees=agrees,
        disagreement=(
            _disagreement(recorded, overall, rule, target, nt_response, unequivocal)
            if recorded is not None and agrees is False else None
        ),
        illustrative=assessment.illustrative,
        imputed_dates=[imputed.describe()] if imputed else [],
    )


def _reading(
    lesion: Lesion, assessment: Assessment, value: Decimal | None,
    baseline: Decimal, nadir: Decimal,
) -> LesionReading:
    raw = assessment.target.get(lesion.id, MeasurementStatus.NOT_EVALUATED)
    reading = per_lesion_reading(value, baseline, nadir, lesion.lymph_node)
    recorded = assessment.recorded_lesion_responses.get(lesion.id)
    return LesionReading(
        lesion=lesion.id,
        organ=lesion.organ,
        lymph_node=lesion.lymph_node,
        recorded_as=raw.value if isinstance(raw, MeasurementStatus) else f"{raw:g}",
        value_mm=float(value) if value is not None else None,
        baseline_mm=float(baseline),
        change_from_baseline_pct=percent_change(value, baseline) if value is not None else None,
        nadir_mm=float(nadir),
        change_from_nadir_pct=percent_change(value, nadir) if value is not None else None,
        per_lesion_reading=reading,
        recorded=recorded,
        agrees=None if recorded is None else recorded is reading,
    )


def _disagreement(
    recorded: Response, overall: Response, rule: str, target: TargetOutcome | None,
    non_target: NonTarget, unequivocal: Sequence[object],
) -> str:
    parts = [f"recorded {recorded.value} but RECIST 1.1 gives {overall.value} by {rule}"]
    if target is not None:
        parts.append(f"target {target.response.value} ({target.rule})")
    parts.append(f"non-target {non_target.value if non_target else 'none'}")
    parts.append(f"unequivocal new lesions: {len(unequivocal)}")
    return "; ".join(parts)


def _remember(
    history: _History,
    result: TimepointResult,
    values: Mapping[str, Decimal | None],
    assessment: Assessment,
) -> None:
    measured = {k: v for k, v in values.items() if v is not None}
    # The nadir is the smallest complete sum: a sum with lesions missing is only a lower bound.
    if values and len(measured) == len(values):
        total = sum(measured.values(), Decimal(0))
        if total < history.nadir:
            history.nadir, history.nadir_date = total, result.date
    for lesion_id, value in measured.items():
        history.lesion_nadir[lesion_id] = min(history.lesion_nadir[lesion_id], value)
    if result.target in (Response.PR, Response.CR):
        history.pr_reached = True
    if result.overall is Response.PD:
        history.pr_reached = False
    if result.overall is Response.CR:
        history.overall_cr = True
    remember_equivocal(history.equivocal_seen, assessment, result.date)
