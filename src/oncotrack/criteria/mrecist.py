"""mRECIST for hepatocellular carcinoma: RECIST on the viable (arterially enhancing) tumour.

Source: Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
Semin Liver Dis 2010;30:52-60 — cited below as "mRECIST 2010" (Table 1: target lesions; Table 2:
non-target lesions; Table 3: overall response; the text on new lesions and lymph nodes). Where
mRECIST is silent it keeps RECIST, and oncotrack uses the RECIST 1.1 rules of
:mod:`oncotrack.criteria.recist11` (Eisenhauer 2009), saying so in each rule. Every rule has a line
in docs/clinical-rules.md.

Arithmetic is exact (:class:`~decimal.Decimal` from the written value), so a fall of exactly 30.0 %
or a rise of exactly 20.0 % meets its threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from oncotrack.criteria.recist11 import (
    ANY,
    NON_PD,
    NonTarget,
    PrPersistence,
    Row,
    TargetOutcome,
    codes,
    first_matching_row,
    measurement_mm,
    meets_pr,
    non_target_statuses,
    percent_change,
)
from oncotrack.criteria.results import Finding, LesionReading, TimepointResult
from oncotrack.model.case import Assessment, Case, Lesion, NewLesion
from oncotrack.model.dates import resolve
from oncotrack.model.vocabulary import (
    Enhancement,
    LesionRole,
    MeasurementStatus,
    NonTargetStatus,
    Response,
)

NAME = "mRECIST"
KEY = "mrecist"
MEASURE = "sum of viable (arterially enhancing) longest diameters, mm"

PD_FRACTION = Decimal("1.20")
"""mRECIST 2010 Table 1: PD is an increase of at least 20 % in the sum of the diameters of viable
(enhancing) target lesions, taking as reference the smallest viable sum since treatment started.
(PR, at least −30 % from the baseline viable sum, is RECIST's threshold: ``recist11.meets_pr``.)"""
NEW_HCC_MIN_MM = Decimal(10)
"""mRECIST 2010 (new lesions): a new liver lesion is HCC if its longest diameter is at least 1 cm
and it shows the typical vascular pattern (arterial hyperenhancement, portal-venous or late
washout)."""
NEW_HCC_GROWTH_MM = Decimal(10)
"""mRECIST 2010 (new lesions): a lesion of at least 1 cm without the typical pattern is HCC when it
shows at least 1 cm of interval growth on later scans."""
PORTA_HEPATIS_NODE_MIN_MM = Decimal(20)
"""mRECIST 2010 (lymph nodes): a porta hepatis node counts as malignant only with a short axis of
at least 2 cm (nodes there are often reactive in cirrhosis)."""


class NewLesionScope(StrEnum):
    """Which new lesions the HCC rule (1 cm, typical pattern or 1 cm growth) judges.

    ``liver`` (default): new lesions in the liver. mRECIST 2010 states the rule for newly detected
    liver nodules (it is the AASLD noninvasive diagnosis of HCC); a new lesion elsewhere follows
    RECIST 1.1 §4.3.4 (unequivocal = PD). ``all``: every new lesion that is not a lymph node.
    """

    LIVER = "liver"
    ALL = "all"


@dataclass(frozen=True)
class Options:
    absolute_increase_mm: float | None = None
    """PD also needs sum − nadir ≥ this many mm (RECIST 1.1's 5 mm clause). Default none: the
    mRECIST 2010 Table 1 PD row has no absolute clause."""
    pr_persistence: PrPersistence = PrPersistence.WORKING_GROUP
    """As RECIST 1.1 (``recist11.PrPersistence``): mRECIST's SD wording ("any cases that do not
    qualify for either PR or PD") is RECIST's, which the RECIST Working Group reads against the
    nadir after a PR."""
    new_lesion_scope: NewLesionScope = NewLesionScope.LIVER


# --- single-value rules -------------------------------------------------------------------------


def meets_pd(total: Decimal, nadir: Decimal, absolute_mm: Decimal | None = None) -> bool:
    """mRECIST 2010 Table 1: viable sum ≥ 1.20 × the smallest viable sum on study.

    The sum must also exceed the nadir, so a nadir of 0 mm (all enhancement gone) turns to PD when
    any enhancement returns, and 0 mm after 0 mm is not PD. With ``absolute_mm`` (option
    ``absolute_increase_mm``), the rise must also be at least that many mm (RECIST 1.1 §4.3.1).
    """
    if not (total >= PD_FRACTION * nadir and total > nadir):
        return False
    return absolute_mm is None or total - nadir >= absolute_mm


def viable_value(assessment: Assessment, lesion_id: str) -> Decimal | None:
    """The viable diameter used in sums: absent = 0 mm, too small = 5 mm, not evaluated = unknown.

    A target recorded ``absent`` as a whole has no viable tissue either (0 mm) even when the viable
    diameter was not written; otherwise an unrecorded viable diameter is unknown.
    """
    raw = assessment.viable.get(lesion_id)
    if raw is None:
        whole = assessment.target.get(lesion_id)
        return Decimal(0) if whole is MeasurementStatus.ABSENT else None
    return measurement_mm(raw)


# --- target lesions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    """What the target-response rule needs at one timepoint (viable diameters, mm)."""

    values: Mapping[str, Decimal | None]
    baseline_sum: Decimal
    nadir_sum: Decimal
    after_overall_cr: bool = False
    pr_reached_before: bool = False


def target_response(data: TargetInput, options: Options) -> TargetOutcome:
    """Target response on the viable sum (mRECIST 2010 Table 1; RECIST 1.1 §4.4.2 on missing data).

    Order: PD (also with missing lesions, which can only add); enhancement back after an overall CR
    (RECIST FAQ); NE; CR (no enhancement in any target); PR; PR persistence (option); SD.
    """
    measured = {k: v for k, v in data.values.items() if v is not None}
    missing = tuple(sorted(k for k, v in data.values.items() if v is None))
    total = sum(measured.values(), Decimal(0))
    absolute = (Decimal(str(options.absolute_increase_mm))
                if options.absolute_increase_mm is not None else None)
    rise = f"viable sum {total} mm vs nadir {data.nadir_sum} mm"
    if meets_pd(total, data.nadir_sum, absolute):
        change = percent_change(total, data.nadir_sum)
        pct = f"{change:+.1f} %" if change is not None else "any rise from 0 mm"
        rule = f"PD: {rise} ({pct}), at least +20 % (mRECIST 2010 Table 1)"
        if absolute is not None:
            rule += f" and at least +{absolute} mm (option absolute_increase_mm)"
        if missing:
            rule += f"; met although {', '.join(missing)} not evaluated (RECIST 1.1 §4.4.2)"
        return TargetOutcome(Response.PD, rule, total, missing)
    if data.after_overall_cr:
        back = sorted(k for k, v in measured.items() if v > 0)
        if back:
            rule = (f"PD: enhancement in {', '.join(back)} returned after an overall CR "
                    "(RECIST FAQ 'Does a new lesion always result in PD?')")
            return TargetOutcome(Response.PD, rule, total, missing)
    if missing:
        rule = (f"NE: viable diameter of {', '.join(missing)} not evaluated and the measured "
                f"{rise} is not PD (RECIST 1.1 §4.4.2)")
        return TargetOutcome(Response.NE, rule, total, missing)
    if all(v == 0 for v in measured.values()):
        rule = ("CR: no intratumoral arterial enhancement in any target lesion "
                "(mRECIST 2010 Table 1)")
        return TargetOutcome(Response.CR, rule, total, missing)
    if meets_pr(total, data.baseline_sum):
        rule = (f"PR: viable sum {total} mm <= 70 % of the baseline viable sum {data.baseline_sum} "
                "mm (mRECIST 2010 Table 1)")
        return TargetOutcome(Response.PR, rule, total, missing)
    if data.pr_reached_before and options.pr_persistence is PrPersistence.WORKING_GROUP:
        rule = (f"PR maintained: viable sum {total} mm above 70 % of baseline {data.baseline_sum} "
                "mm but not PD after an earlier PR (RECIST Working Group clarification; option "
                "pr_persistence)")
        return TargetOutcome(Response.PR, rule, total, missing)
    rule = (f"SD: viable sum {total} mm neither -30 % from baseline {data.baseline_sum} mm nor PD "
            f"over the nadir {data.nadir_sum} mm (mRECIST 2010 Table 1)")
    return TargetOutcome(Response.SD, rule, total, missing)


# --- non-target lesions -------------------------------------------------------------------------


def non_target_enhancement(assessment: Assessment, lesion: Lesion) -> str:
    """``present``, ``absent`` or ``unknown``: the non-target's intratumoral arterial enhancement.

    ``non_target_viable`` when recorded; a non-target recorded ``absent`` as a whole has none;
    anything else (present without an enhancement record, not evaluated) is unknown.
    """
    recorded = assessment.non_target_viable.get(lesion.id)
    if recorded in ("present", "absent"):
        return recorded
    if recorded is None and assessment.non_target.get(lesion.id) is NonTargetStatus.ABSENT:
        return "absent"
    return "unknown"


def non_target_response(
    statuses: Mapping[str, NonTargetStatus], enhancement: Mapping[str, str]
) -> tuple[Response | None, str]:
    """Non-target response (mRECIST 2010 Table 2); ``None`` without non-target disease.

    PD: unequivocal progression of any non-target. IR/SD (reported as NON-CR/NON-PD): arterial
    enhancement persists in at least one. NE: enhancement not known for some and present in none.
    CR: enhancement gone from every non-target.
    """
    if not statuses:
        return None, "no non-target lesions"
    progressing = sorted(k for k, v in statuses.items() if v is NonTargetStatus.PROGRESSION)
    if progressing:
        return Response.PD, (f"PD: unequivocal progression of {', '.join(progressing)} "
                             "(mRECIST 2010 Table 2)")
    present = sorted(k for k, v in enhancement.items() if v == "present")
    if present:
        return Response.NON_CR_NON_PD, (
            f"IR/SD: intratumoral arterial enhancement persists in {', '.join(present)} "
            "(mRECIST 2010 Table 2; reported as NON-CR/NON-PD)")
    unknown = sorted(k for k, v in enhancement.items() if v != "absent")
    if unknown:
        return Response.NE, (f"NE: arterial enhancement of {', '.join(unknown)} not recorded "
                             "(non_target_viable), none seen elsewhere (mRECIST 2010 Table 2)")
    return Response.CR, ("CR: no intratumoral arterial enhancement in any non-target lesion "
                         "(mRECIST 2010 Table 2)")


# --- new lesions --------------------------------------------------------------------------------


@dataclass
class NewLesionHistory:
    """Earlier sightings of new lesions with an ``id``: first date and first recorded size."""

    first_seen: dict[str, dt.date] = field(default_factory=dict)
    first_size: dict[str, Decimal] = field(default_factory=dict)

    def remember(self, lesions: Sequence[NewLesion], day: dt.date) -> None:
        for new in lesions:
            if new.id:
                self.first_seen.setdefault(new.id, day)
                if new.size_mm is not None:
                    self.first_size.setdefault(new.id, Decimal(str(new.size_mm)))


@dataclass(frozen=True)
class NewLesionCall:
    """One new lesion judged: PD or not, why, and the date PD is dated to if earlier."""

    name: str
    progression: bool
    reason: str
    dated_to: dt.date | None = None


def _name(new: NewLesion) -> str:
    return f"{new.organ} (id {new.id})" if new.id else new.organ


def _is_liver(organ: str) -> bool:
    text = organ.lower()
    return "liver" in text or "hepat" in text


def _is_porta_hepatis_node(new: NewLesion) -> bool:
    text = new.organ.lower()
    node = new.lymph_node or "node" in text
    return node and ("porta hepatis" in text or "hilum" in text or "hilar" in text)


def judge_new_lesion(
    new: NewLesion, history: NewLesionHistory, scope: NewLesionScope
) -> NewLesionCall:
    """Whether a new lesion is progression under mRECIST 2010 (new lesions; lymph nodes).

    Porta hepatis node: PD only with short axis ≥ 20 mm. Liver lesion (or, with scope ``all``, any
    non-nodal lesion): PD when ≥ 10 mm with the typical pattern, or ≥ 10 mm without it and grown
    ≥ 10 mm since first seen (same ``id``); anything else is equivocal (not PD), as is a lesion the
    reader marked equivocal. Other lesions: RECIST 1.1 §4.3.4 (``unequivocal``). PD is dated to
    the lesion's first sighting when seen earlier (RECIST 1.1 §4.3.4, equivocal then confirmed).
    """
    name = _name(new)
    earlier = history.first_seen.get(new.id) if new.id else None
    size = Decimal(str(new.size_mm)) if new.size_mm is not None else None
    if not new.unequivocal:
        return NewLesionCall(name, False, f"{name}: marked equivocal by the reader")
    if _is_porta_hepatis_node(new):
        if size is None:
            return NewLesionCall(name, False, f"{name}: porta hepatis node without a short axis "
                                 "(size_mm); malignant only if >= 20 mm (mRECIST 2010)")
        if size >= PORTA_HEPATIS_NODE_MIN_MM:
            return NewLesionCall(name, True, f"{name}: porta hepatis node {size} mm >= 20 mm "
                                 "(mRECIST 2010)", earlier)
        return NewLesionCall(name, False, f"{name}: porta hepatis node {size} mm < 20 mm, not "
                             "malignant by mRECIST 2010")
    hcc_rule = not new.lymph_node and (
        scope is NewLesionScope.ALL or _is_liver(new.organ))
    if not hcc_rule:
        return NewLesionCall(name, True, f"{name}: unequivocal new lesion (RECIST 1.1 §4.3.4)",
                             earlier)
    if size is None or new.enhancement is None:
        lacking = " and ".join(w for w, v in (("size_mm", size), ("enhancement", new.enhancement))
                               if v is None)
        return NewLesionCall(name, False, f"{name}: equivocal until {lacking} is recorded "
                             "(mRECIST 2010 needs the size and the arterial pattern)")
    if size < NEW_HCC_MIN_MM:
        return NewLesionCall(name, False, f"{name}: {size} mm < 10 mm, equivocal (mRECIST 2010)")
    if new.enhancement is Enhancement.TYPICAL:
        return NewLesionCall(name, True, f"{name}: {size} mm >= 10 mm with the typical vascular "
                             "pattern (mRECIST 2010)", earlier)
    first = history.first_size.get(new.id) if new.id else None
    if first is None:
        return NewLesionCall(name, False, f"{name}: {size} mm without the typical pattern "
                             f"({new.enhancement.value}), first sighting: equivocal until it "
                             "grows by >= 10 mm (mRECIST 2010)")
    growth = size - first
    if growth >= NEW_HCC_GROWTH_MM:
        return NewLesionCall(name, True, f"{name}: {size} mm without the typical pattern, grown "
                             f"{growth} mm (>= 10 mm) since first seen at {first} mm "
                             "(mRECIST 2010)", earlier)
    return NewLesionCall(name, False, f"{name}: {size} mm without the typical pattern, grown "
                         f"{growth} mm (< 10 mm) since first seen at {first} mm: equivocal "
                         "(mRECIST 2010)")


def judge_new_lesions_recist(new_lesions: Sequence[NewLesion], history: NewLesionHistory
                             ) -> list[NewLesionCall]:
    """RECIST 1.1 §4.3.4: an unequivocal new lesion is PD, dated to its first sighting."""
    calls = []
    for new in new_lesions:
        name = _name(new)
        if new.unequivocal:
            earlier = history.first_seen.get(new.id) if new.id else None
            calls.append(NewLesionCall(name, True, f"{name}: unequivocal new lesion "
                                       "(RECIST 1.1 §4.3.4)", earlier))
        else:
            calls.append(NewLesionCall(name, False, f"{name}: marked equivocal by the reader"))
    return calls


# --- overall response ---------------------------------------------------------------------------




TABLE_3: tuple[Row, ...] = (
    Row(frozenset({Response.PD}), ANY, ANY, Response.PD, "Table 3: target PD -> PD"),
    Row(ANY, codes(Response.PD), ANY, Response.PD, "Table 3: non-target PD -> PD"),
    Row(ANY, ANY, True, Response.PD, "Table 3: new lesion -> PD"),
    Row(frozenset({Response.CR}), codes(Response.CR, None), False, Response.CR,
        "Table 3: target CR, non-target CR (or none), no new lesion -> CR"),
    Row(frozenset({Response.CR}), codes(Response.NON_CR_NON_PD), False, Response.PR,
        "Table 3: target CR, non-target IR/SD, no new lesion -> PR"),
    Row(frozenset({Response.CR}), codes(Response.NE), False, Response.PR,
        "RECIST 1.1 Table 1: target CR, non-target not evaluated, no new lesion -> PR"),
    Row(frozenset({Response.PR}), NON_PD, False, Response.PR,
        "Table 3: target PR, non-target non-PD (or not all evaluated), no new lesion -> PR"),
    Row(frozenset({Response.SD}), NON_PD, False, Response.SD,
        "Table 3: target SD, non-target non-PD (or not all evaluated), no new lesion -> SD"),
    Row(frozenset({Response.NE}), NON_PD, False, Response.NE,
        "RECIST 1.1 Table 1: targets not all evaluated, non-target non-PD, no new lesion -> NE"),
)
"""mRECIST 2010 Table 3 (RECIST's Table 1 with IR/SD for Non-CR/Non-PD); the rows for targets or
non-targets not evaluated come from RECIST 1.1 §4.4.1 Table 1, which the 2010 table lacks."""

TABLE_NON_TARGET_ONLY: tuple[Row, ...] = (
    Row(ANY, codes(Response.PD), ANY, Response.PD, "RECIST 1.1 Table 2: non-target PD -> PD"),
    Row(ANY, ANY, True, Response.PD, "RECIST 1.1 Table 2: new lesion -> PD"),
    Row(ANY, codes(Response.CR), False, Response.CR,
        "RECIST 1.1 Table 2: non-target CR, no new lesion -> CR"),
    Row(ANY, codes(Response.NON_CR_NON_PD), False, Response.NON_CR_NON_PD,
        "RECIST 1.1 Table 2: non-target IR/SD, no new lesion -> NON-CR/NON-PD"),
    Row(ANY, codes(Response.NE), False, Response.NE,
        "RECIST 1.1 Table 2: non-target not all evaluated, no new lesion -> NE"),
)
"""Without target disease mRECIST has no table of its own; RECIST 1.1 §4.4.1 Table 2 applies."""


def overall_response(
    target: Response | None, non_target: NonTarget, new_lesion: bool, criterion: str = NAME
) -> tuple[Response, str]:
    """The first matching row of :data:`TABLE_3` or, without target disease,
    :data:`TABLE_NON_TARGET_ONLY`; the rule names the criterion and the row."""
    table = TABLE_3 if target is not None else TABLE_NON_TARGET_ONLY
    row = first_matching_row(table, target, non_target, new_lesion, criterion)
    label = row.label
    if not label.startswith("RECIST"):
        by = "mRECIST" if criterion == NAME else f"{criterion}, by mRECIST"
        label = f"{by} {label}"
    return row.overall, label


# --- data checks --------------------------------------------------------------------------------


def _targets(case: Case) -> list[Lesion]:
    return [lesion for lesion in case.lesions if lesion.role is LesionRole.TARGET]


def _measured(value: object) -> bool:
    return value is not None and value is not MeasurementStatus.NOT_EVALUATED


def missing_data(case: Case) -> list[str]:
    """The viable diameters mRECIST needs and the case lacks.

    Every target needs its viable (arterially enhancing) longest diameter at the baseline, and at
    every follow-up where the target itself was measured (a target ``absent`` as a whole needs
    none: no viable tissue is left). Never guessed.
    """
    baseline = case.baseline
    if baseline is None:
        return ["a baseline assessment"]
    missing = []
    for lesion in _targets(case):
        if not _measured(baseline.viable.get(lesion.id)):
            missing.append(f"viable (arterially enhancing) longest diameter of {lesion.id} at the "
                           f"baseline {baseline.date}")
    for assessment in case.follow_ups():
        for lesion in _targets(case):
            whole = assessment.target.get(lesion.id)
            if (_measured(whole) and whole is not MeasurementStatus.ABSENT
                    and lesion.id not in assessment.viable):
                missing.append(f"viable (arterially enhancing) longest diameter of {lesion.id} at "
                               f"the follow-up {assessment.date}")
    return missing


def baseline_findings(case: Case) -> list[Finding]:
    """mRECIST 2010 (target selection): a typical target must show intratumoral arterial
    enhancement at baseline; a target without it (viable 0 mm or absent) is named."""
    baseline = case.baseline
    if baseline is None:
        return []
    findings = []
    for lesion in _targets(case):
        value = viable_value(baseline, lesion.id)
        if value is not None and value == 0:
            findings.append(Finding(
                code="target-not-enhancing", lesion=lesion.id, source="mRECIST 2010",
                message=f"{lesion.id}: no arterial enhancement at baseline (viable 0 mm); mRECIST "
                "targets must show intratumoral arterial enhancement (a non-enhancing lesion is "
                "better followed as a non-target or by RECIST 1.1)",
            ))
    return findings


# --- the series of timepoints -------------------------------------------------------------------


@dataclass
class _History:
    nadir: Decimal
    nadir_date: dt.date
    lesion_nadir: dict[str, Decimal]
    pr_reached: bool = False
    overall_cr: bool = False
    new: NewLesionHistory = field(default_factory=NewLesionHistory)


def judge_new_lesions(new_lesions: Sequence[NewLesion], history: NewLesionHistory,
                      scope: NewLesionScope) -> list[NewLesionCall]:
    return [judge_new_lesion(new, history, scope) for new in new_lesions]


def new_lesion_summary(calls: Sequence[NewLesionCall], day: dt.date
                       ) -> tuple[bool, list[str], dt.date | None, str]:
    """(any PD, equivocal names, progression date if earlier than ``day``, rule suffix)."""
    pd = [c for c in calls if c.progression]
    equivocal = [c.name for c in calls if not c.progression]
    earlier = [c.dated_to for c in pd if c.dated_to is not None and c.dated_to < day]
    dated = min(earlier) if earlier else None
    suffix = "; ".join(c.reason for c in calls)
    return bool(pd), equivocal, dated, suffix


def assess_timepoints(case: Case, options: Options | None = None) -> list[TimepointResult]:
    """mRECIST response at every follow-up, in date order (ValueError if data are missing)."""
    options = options or Options()
    missing = missing_data(case)
    if missing:
        raise ValueError("mRECIST needs: " + "; ".join(missing))
    baseline = case.baseline
    assert baseline is not None
    targets = _targets(case)
    non_targets = [lesion for lesion in case.lesions if lesion.role is LesionRole.NON_TARGET]
    base_values = {t.id: _require(viable_value(baseline, t.id)) for t in targets}
    baseline_sum = sum(base_values.values(), Decimal(0))
    base_day = baseline.date.impute(baseline.date_imputation)
    history = _History(nadir=baseline_sum, nadir_date=base_day, lesion_nadir=dict(base_values))
    history.new.remember(baseline.new_lesions, base_day)
    warnings = [f.message for f in baseline_findings(case)]
    position = {id(a): i for i, a in enumerate(case.assessments)}
    results = []
    for assessment in case.follow_ups():
        day, imputed = resolve(assessment.date, assessment.date_imputation,
                               f"assessments[{position[id(assessment)]}].date")
        values = {t.id: viable_value(assessment, t.id) for t in targets}
        target = None
        if targets:
            target = target_response(
                TargetInput(values, baseline_sum, history.nadir, history.overall_cr,
                            history.pr_reached), options)
        statuses = non_target_statuses(assessment, non_targets)
        enhancement = {n.id: non_target_enhancement(assessment, n) for n in non_targets}
        nt_response, nt_rule = non_target_response(statuses, enhancement)
        calls = judge_new_lesions(assessment.new_lesions, history.new, options.new_lesion_scope)
        new_pd, equivocal, dated, new_rule = new_lesion_summary(calls, day)
        overall, rule = overall_response(target.response if target else None, nt_response, new_pd)
        progression_date = None
        if overall is Response.PD:
            progression_date = dated if new_pd and dated is not None else day
            if progression_date < day:
                rule += (f"; dated to {progression_date}, when the new lesion was first seen "
                         "(RECIST 1.1 §4.3.4)")
        if calls:
            rule += f"; new lesions: {new_rule}"
        total = target.measured_sum if target else None
        complete = target is not None and not target.missing
        readings = [_reading(t, assessment, values[t.id], base_values[t.id],
                             history.lesion_nadir[t.id]) for t in targets]
        result = TimepointResult(
            criterion=NAME, measure=MEASURE, date=day, date_given=str(assessment.date),
            sum_mm=float(total) if total is not None else None,
            baseline_sum_mm=float(baseline_sum) if targets else None,
            change_from_baseline_pct=(percent_change(total, baseline_sum)
                                      if total is not None and complete else None),
            nadir_mm=float(history.nadir) if targets else None,
            nadir_date=history.nadir_date if targets else None,
            change_from_nadir_pct=(percent_change(total, history.nadir)
                                   if total is not None and complete else None),
            target=target.response if target else None,
            target_rule=target.rule if target else "no target lesions",
            non_target=nt_response, non_target_rule=nt_rule,
            new_lesions=new_pd, equivocal_new_lesions=equivocal,
            overall=overall, rule=rule, progression_date=progression_date,
            missing_lesions=list(target.missing) if target else [],
            lesions=readings, illustrative=assessment.illustrative,
            imputed_dates=[imputed.describe()] if imputed else [],
            notes=list(warnings) + _option_notes(options),
        )
        results.append(result)
        _remember(history, result, values, assessment, day)
    return results


def _option_notes(options: Options) -> list[str]:
    notes = []
    if options.absolute_increase_mm is not None:
        notes.append(f"option absolute_increase_mm={options.absolute_increase_mm:g}: PD also "
                     "needs that rise in mm (RECIST 1.1 clause; not in mRECIST 2010)")
    if options.new_lesion_scope is NewLesionScope.ALL:
        notes.append("option new_lesion_scope=all: the HCC new-lesion rule judges every "
                     "non-nodal new lesion")
    return notes


def _require(value: Decimal | None) -> Decimal:
    if value is None:  # missing_data() rejects this first
        raise ValueError("a target lesion has no baseline viable diameter")
    return value


def _reading(lesion: Lesion, assessment: Assessment, value: Decimal | None,
             baseline: Decimal, nadir: Decimal) -> LesionReading:
    """One target's viable diameter, with the mRECIST thresholds applied to it alone (a labelled
    per-lesion reading; mRECIST judges the sum)."""
    raw = assessment.viable.get(lesion.id)
    if raw is None:
        recorded_as = "absent (whole lesion)" if value == 0 else "not recorded"
    else:
        recorded_as = raw.value if isinstance(raw, MeasurementStatus) else f"{raw:g}"
    if value is None:
        reading = Response.NE
    elif meets_pd(value, nadir):
        reading = Response.PD
    elif value == 0:
        reading = Response.CR
    elif meets_pr(value, baseline):
        reading = Response.PR
    else:
        reading = Response.SD
    return LesionReading(
        lesion=lesion.id, organ=lesion.organ, lymph_node=lesion.lymph_node,
        recorded_as=recorded_as, value_mm=float(value) if value is not None else None,
        baseline_mm=float(baseline),
        change_from_baseline_pct=percent_change(value, baseline) if value is not None else None,
        nadir_mm=float(nadir),
        change_from_nadir_pct=percent_change(value, nadir) if value is not None else None,
        per_lesion_reading=reading,
    )


def _remember(history: _History, result: TimepointResult, values: Mapping[str, Decimal | None],
              assessment: Assessment, day: dt.date) -> None:
    measured = {k: v for k, v in values.items() if v is not None}
    if values and len(measured) == len(values):  # the nadir is the smallest complete sum
        total = sum(measured.values(), Decimal(0))
        if total < history.nadir:
            history.nadir, history.nadir_date = total, day
    for lesion_id, value in measured.items():
        history.lesion_nadir[lesion_id] = min(history.lesion_nadir[lesion_id], value)
    if result.target in (Response.PR, Response.CR):
        history.pr_reached = True
    if result.overall is Response.PD:
        history.pr_reached = False
    if result.overall is Response.CR:
        history.overall_cr = True
    history.new.remember(assessment.new_lesions, day)
