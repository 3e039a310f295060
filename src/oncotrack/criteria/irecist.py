"""iRECIST: RECIST 1.1 for immunotherapy trials, with unconfirmed (iUPD) and confirmed (iCPD)
progression.

Sources: Seymour L et al. iRECIST: guidelines for response criteria for use in trials testing
immunotherapeutics. Lancet Oncol 2017;18:e143-e152 (PMC5648544) — "Seymour" below, with its
Table 2 (timepoint response) and Table 3 (best overall response); the EORTC iRECIST FAQ
(recist.eortc.org/irecist, "FAQ" below); admiralonco's vignette ``irecist.Rmd`` (pharmaverse) for
the best response and the progression date. Every rule has a line in docs/clinical-rules.md.

Baseline, measurement, sums, nadir and the target and non-target categories are RECIST 1.1's,
computed with :mod:`oncotrack.criteria.recist11`. What iRECIST adds, and where it lives here:

* iUPD: RECIST 1.1 PD in any category (target, non-target, new lesions) — :func:`iupd_reasons`.
* iCPD at a later assessment while iUPD stands — :func:`confirmation_reasons`, within the window
  of :func:`window_verdict`.
* "Remains iUPD" or a reset to iSD/iPR/iCR — :func:`still_unconfirmed`.
* New lesions, followed by ``NewLesion.id``: NLT (measured, up to 5 and 2 per organ, their sum kept
  apart from the target sum) or NLNT — :func:`assign_new_lesion_roles`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oncotrack.criteria.recist11 import (
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    NODE_TARGET_MIN_MM,
    NON_NODAL_MIN_MM,
    PD_ABSOLUTE_MM,
    PrPersistence,
    RecistOptions,
    TargetInput,
    TargetOutcome,
    measurement_mm,
    meets_pd,
    non_target_response,
    non_target_statuses,
    overall_response,
    percent_change,
    target_response,
)
from oncotrack.criteria.results import TimepointResult
from oncotrack.endpoints.bor import BestResponse, BorOptions, ResponseAt, confirmation
from oncotrack.endpoints.survival import Observation
from oncotrack.model.case import Assessment, Case, NewLesion
from oncotrack.model.dates import resolve
from oncotrack.model.vocabulary import LesionRole, MeasurementStatus, Response

NAME = "iRECIST"
KEY = "irecist"

NLT_MAX = MAX_TARGETS
NLT_MAX_PER_ORGAN = MAX_TARGETS_PER_ORGAN
"""Seymour, "New lesions": up to 5 new lesions (at most 2 per organ) are measured as new-lesion
targets (NLT), by the RECIST 1.1 §4.2 limits; the others are new-lesion non-targets (NLNT)."""
CONFIRM_GROWTH_MM = PD_ABSOLUTE_MM
"""Seymour Table 2: iCPD on a further rise of >= 5 mm in the target sum, or in the NLT sum, since
the iUPD; FAQ "How do new lesions define progression?": rises add up (+4 then +2 mm is iCPD)."""

I_CODE: dict[Response, Response] = {
    Response.CR: Response.ICR,
    Response.PR: Response.IPR,
    Response.SD: Response.ISD,
    Response.NON_CR_NON_PD: Response.NON_ICR_NON_IUPD,
    Response.NE: Response.NE,
}
"""Seymour Table 2 rows 1-4: without progression the RECIST 1.1 overall response (Tables 1 and
2 of RECIST 1.1) carries the prefix "i"; NE stays NE."""


@dataclass(frozen=True)
class Options:
    """Where the sources leave room; defaults follow Seymour 2017 and the EORTC FAQ."""

    confirm_min_days: int = 28
    """Seymour: confirm at the next assessment 4-8 weeks after iUPD. FAQ "Can imaging be used
    to confirm progression, even when done LESS than four weeks after the scans that showed
    iUPD": a scan earlier than 4 weeks after the first iUPD does not define iCPD (compared with
    >=, days since the first iUPD of the block)."""
    confirm_max_days: int = 56
    """The latest recommended confirmation scan (8 weeks). A later scan still confirms (the FAQ's
    own example iUPD, iUPD, iUPD, iCPD runs past 8 weeks) and the result says it was late; with
    ``enforce_max_window`` it cannot confirm."""
    window_tolerance_days: int = 0
    """The FAQ allows a protocol-defined variance of the window, recommending +/- 2 days; 0 keeps
    the window exact."""
    early_new_lesion_confirms: bool = True
    """FAQ: a scan earlier than 4 weeks may define iCPD when it was done for a new symptom or sign
    and shows an additional new lesion. The record does not say why a scan was done; default:
    an additional new lesion on an early scan confirms (the result says so); False: never."""
    enforce_max_window: bool = False
    """True: a scan more than ``confirm_max_days`` after the first iUPD cannot confirm."""
    pr_persistence: PrPersistence = PrPersistence.WORKING_GROUP
    """As in RECIST 1.1; the FAQ "Managing PR when TP measurements change slightly over time"
    applies the same principle to iRECIST (iPR throughout its example)."""


# --- data the criterion needs -------------------------------------------------------------------


def missing_data(case: Case) -> list[str]:
    """iRECIST follows each new lesion from one assessment to the next by its ``id`` (to tell a
    persisting lesion from an additional one, and to measure its growth). Lesions without a size
    are followed as non-target new lesions (NLNT), which is not a guess: RECIST follows unmeasured
    disease qualitatively."""
    missing: list[str] = []
    if case.baseline is None:
        missing.append("a baseline assessment (iRECIST measures from the RECIST 1.1 baseline)")
    for assessment in case.follow_ups():
        for new in assessment.new_lesions:
            if new.unequivocal and not new.id:
                missing.append(
                    f"an id for the new lesion in {new.organ} at the assessment of "
                    f"{assessment.date} (iRECIST follows each new lesion across assessments: "
                    "give it the same id wherever it is seen)")
    return missing


# --- new lesions: NLT and NLNT ------------------------------------------------------------------

NLT = "NLT"
NLNT = "NLNT"


def new_lesion_group(new: NewLesion) -> str:
    """The organ a new lesion counts against (all lymph nodes are one organ, RECIST 1.1 §4.2 and
    FAQ; as :func:`oncotrack.criteria.recist11.organ_group` for baseline lesions)."""
    if new.lymph_node or "lymph node" in new.organ.lower():
        return "lymph nodes"
    return new.organ.strip().lower()


def new_lesion_measurable(size_mm: float | None, lymph_node: bool) -> bool:
    """RECIST 1.1 measurability applied to a new lesion (Seymour, "New lesions"): non-nodal
    longest diameter >= 10 mm, node short axis >= 15 mm. No size: not measured, so NLNT."""
    if size_mm is None:
        return False
    size = Decimal(str(size_mm))
    return size >= (NODE_TARGET_MIN_MM if lymph_node else NON_NODAL_MIN_MM)


def assign_new_lesion_roles(
    lesions: Sequence[NewLesion], earlier: Mapping[str, tuple[str, str]]
) -> dict[str, str]:
    """NLT or NLNT for each new lesion not seen before (``earlier``: id -> (role, organ group)).

    Seymour, "New lesions": measurable new lesions, up to 5 in total and 2 per organ, are NLT;
    every other new lesion is NLNT. A role, once given, is kept. Within one assessment the largest
    measurable lesions are taken first (as RECIST 1.1 §4.2 selects targets), ties in listed order.
    """
    nlt_total = sum(1 for role, _ in earlier.values() if role == NLT)
    per_organ: dict[str, int] = {}
    for role, group in earlier.values():
        if role == NLT:
            per_organ[group] = per_organ.get(group, 0) + 1
    fresh = [n for n in lesions if n.id and n.unequivocal and n.id not in earlier]
    order = sorted(
        range(len(fresh)),
        key=lambda i: (-(fresh[i].size_mm or 0.0), i),
    )
    roles: dict[str, str] = {}
    for i in order:
        new = fresh[i]
        assert new.id is not None
        group = new_lesion_group(new)
        if (new_lesion_measurable(new.size_mm, new.lymph_node) and nlt_total < NLT_MAX
                and per_organ.get(group, 0) < NLT_MAX_PER_ORGAN):
            roles[new.id] = NLT
            nlt_total += 1
            per_organ[group] = per_organ.get(group, 0) + 1
        else:
            roles[new.id] = NLNT
    return roles


# --- the rules of one timepoint -----------------------------------------------------------------


@dataclass(frozen=True)
class Categories:
    """RECIST 1.1 at one timepoint, plus what iRECIST tracks of the new lesions."""

    target: TargetOutcome | None
    non_target: Response | None
    fresh_new: tuple[str, ...]
    """Unequivocal new lesions seen for the first time (ids)."""
    listed_new: tuple[str, ...]
    """Every unequivocal new lesion seen at this assessment (ids)."""
    nlt_known_sum: Decimal
    """Sum of the NLT known before this assessment, as measured now (not listed = gone = 0 mm)."""
    nlt_nadir: Decimal | None
    """The smallest earlier sum of those NLT."""
    nlnt_growing: tuple[str, ...]
    """Earlier-seen NLNT recorded with ``progression`` (growth since last seen)."""


def iupd_reasons(c: Categories) -> list[str]:
    """iUPD: RECIST 1.1 PD in any category (Seymour, "Assessment of progression"). After a reset,
    persisting new lesions are not new: a new iUPD needs further new lesions, NLT meeting RECIST
    1.1 PD over their nadir, or unequivocal NLNT growth (FAQ "How do new lesions define
    progression?")."""
    reasons: list[str] = []
    if c.target is not None and c.target.response is Response.PD:
        reasons.append(f"target {c.target.rule}")
    if c.non_target is Response.PD:
        reasons.append("non-target PD: unequivocal progression (§4.3.3)")
    if c.fresh_new:
        reasons.append(f"new lesion {', '.join(c.fresh_new)} (§4.3.4)")
    if c.nlt_nadir is not None and meets_pd(c.nlt_known_sum, c.nlt_nadir):
        reasons.append(f"NLT sum {c.nlt_known_sum} mm vs its nadir {c.nlt_nadir} mm, at least "
                       "+20 % and +5 mm (FAQ)")
    if c.nlnt_growing:
        reasons.append(f"unequivocal growth of NLNT {', '.join(c.nlnt_growing)} (FAQ)")
    return reasons


@dataclass(frozen=True)
class Block:
    """An iUPD not yet confirmed: what its first timepoint showed (the reference for iCPD)."""

    start: dt.date
    target_progressed: bool
    non_target_progressed: bool
    new_progressed: bool
    target_sum: Decimal | None
    target_response: Response | None
    nlt_sizes: Mapping[str, Decimal]
    """NLT present at the first iUPD and their sizes (the reference for NLT growth)."""
    known_new: frozenset[str]
    """Every new lesion id seen up to and including the first iUPD."""


def confirmation_reasons(
    block: Block, c: Categories, nlt_now: Mapping[str, Decimal]
) -> tuple[list[str], bool]:
    """Why this assessment confirms the iUPD (Seymour Table 2, "previous iUPD" column; FAQ), and
    whether one reason is an additional new lesion (which alone may confirm on an early scan).

    * target sum >= 5 mm above its value at the first iUPD, when targets progressed then;
    * non-target: any further increase when they progressed then (need not be unequivocal, FAQ
      "If iUPD is driven by non-target disease..."); ``progression`` records that increase;
    * NLT sum (of the NLT present at the first iUPD) >= 5 mm above its value then; any NLNT
      growth; more new lesions than at the first iUPD;
    * RECIST 1.1 PD in a category that had not progressed at the first iUPD.
    Increases are measured from the first iUPD, so they add up (FAQ: +4 then +2 mm is iCPD).
    """
    reasons: list[str] = []
    target = c.target
    if target is not None and block.target_progressed and block.target_sum is not None:
        rise = target.measured_sum - block.target_sum
        if rise >= CONFIRM_GROWTH_MM:
            reasons.append(f"target sum {target.measured_sum} mm is {rise} mm above "
                           f"{block.target_sum} mm at the iUPD of {block.start} (>= 5 mm)")
    elif target is not None and target.response is Response.PD:
        reasons.append(f"target PD, a category not progressed at the iUPD: {target.rule}")
    if c.non_target is Response.PD:
        reasons.append(
            "further increase of non-target disease after a non-target iUPD"
            if block.non_target_progressed
            else "non-target PD, a category not progressed at the iUPD")
    additional = sorted(set(c.listed_new) - block.known_new)
    if additional:
        reasons.append(f"more new lesions than at the iUPD: {', '.join(additional)}")
    if block.nlt_sizes:
        before = sum(block.nlt_sizes.values(), Decimal(0))
        now = sum((nlt_now.get(k, Decimal(0)) for k in block.nlt_sizes), Decimal(0))
        if now - before >= CONFIRM_GROWTH_MM:
            reasons.append(f"NLT sum {now} mm is {now - before} mm above {before} mm at the iUPD "
                           "(>= 5 mm)")
    if c.nlnt_growing:
        reasons.append(f"growth of NLNT {', '.join(c.nlnt_growing)}")
    return reasons, bool(additional)


def window_verdict(
    days: int, additional_new_lesion: bool, options: Options
) -> tuple[bool, str]:
    """May a scan ``days`` after the first iUPD confirm it? (confirms, why)

    Seymour: the next assessment 4-8 weeks after iUPD. FAQ: earlier scans are disregarded for
    iCPD unless done for a new symptom and showing an additional new lesion.
    """
    low = options.confirm_min_days - options.window_tolerance_days
    high = options.confirm_max_days + options.window_tolerance_days
    if days < low:
        if additional_new_lesion and options.early_new_lesion_confirms:
            return True, (f"{days} days after the first iUPD (< {low}) but an additional new "
                          "lesion may confirm early (FAQ: when the scan was done for a new "
                          "symptom or sign; option early_new_lesion_confirms)")
        return False, (f"only {days} days after the first iUPD (< {low}): too early to confirm "
                       "(FAQ); repeat 4-8 weeks after the iUPD")
    if days > high:
        if options.enforce_max_window:
            return False, (f"{days} days after the first iUPD (> {high}): outside the "
                           "confirmation window (option enforce_max_window)")
        return True, (f"{days} days after the first iUPD, later than the recommended {high} "
                      "(Seymour: 4-8 weeks)")
    return True, f"{days} days after the first iUPD (within {low}-{high})"


def still_unconfirmed(block: Block, c: Categories) -> list[str]:
    """Why iUPD remains when nothing confirms it (Seymour Table 2: "remains iUPD"); empty: the
    iUPD is reset and the RECIST 1.1 category applies (iSD, iPR, iCR, NON-iCR/NON-iUPD or NE).

    * targets still meet PD over the nadir, or cannot be judged (NE) after a target iUPD;
    * non-target disease that progressed has not gone (only "absent" shows it resolved; the
      record has no "decreased");
    * new lesions that made the iUPD persist and the targets have not improved in category since
      it (FAQ "Assigning response after the appearance of new lesions": scenario B, further target
      shrinkage after the new lesion gives iPR; scenario F, no change gives iUPD).
    """
    why: list[str] = []
    target = c.target
    if target is not None and target.response is Response.PD:
        why.append(f"target still PD ({target.rule})")
    elif target is not None and block.target_progressed and target.response is Response.NE:
        why.append("targets not all evaluated after a target iUPD")
    if block.non_target_progressed and c.non_target is not Response.CR:
        why.append("the non-target progression has not resolved")
    if block.new_progressed and c.listed_new:
        improved = (
            target is not None and block.target_response is not None
            and target.response in _TARGET_ORDER and block.target_response in _TARGET_ORDER
            and _TARGET_ORDER[target.response] < _TARGET_ORDER[block.target_response]
        )
        if not improved:
            why.append(f"new lesions {', '.join(c.listed_new)} persist and the targets have not "
                       "improved since the iUPD")
    return why


_TARGET_ORDER = {Response.CR: 0, Response.PR: 1, Response.SD: 2, Response.PD: 3}


# --- the series ---------------------------------------------------------------------------------


@dataclass
class _State:
    nadir: Decimal
    nadir_date: dt.date
    pr_reached: bool = False
    after_icr: bool = False
    roles: dict[str, tuple[str, str]] = field(default_factory=dict)
    nlt_nadir: Decimal | None = None
    block: Block | None = None
    confirmed_on: dt.date | None = None
    confirmed_from: dt.date | None = None


def assess_timepoints(case: Case, options: Options | None = None) -> list[TimepointResult]:
    """iRECIST at every follow-up of a case, in date order (one result per follow-up)."""
    options = options or Options()
    missing = missing_data(case)
    if missing:
        raise ValueError("iRECIST cannot assess this case: " + "; ".join(missing))
    baseline = case.baseline
    assert baseline is not None
    targets = [les for les in case.lesions if les.role is LesionRole.TARGET]
    non_targets = [les for les in case.lesions if les.role is LesionRole.NON_TARGET]
    nodes = frozenset(t.id for t in targets if t.lymph_node)
    base_values = {t.id: measurement_mm(baseline.target[t.id]) for t in targets}
    baseline_sum = sum((v for v in base_values.values() if v is not None), Decimal(0))
    state = _State(nadir=baseline_sum, nadir_date=baseline.date.impute(baseline.date_imputation))
    recist_options = RecistOptions(pr_persistence=options.pr_persistence)
    position = {id(a): i for i, a in enumerate(case.assessments)}
    results: list[TimepointResult] = []
    for assessment in case.follow_ups():
        day, imputed = resolve(assessment.date, assessment.date_imputation,
                               f"assessments[{position[id(assessment)]}].date")
        values = {
            t.id: measurement_mm(assessment.target.get(t.id, MeasurementStatus.NOT_EVALUATED))
            for t in targets
        }
        target = None
        if targets:
            target = target_response(
                TargetInput(values, nodes, baseline_sum, state.nadir, state.after_icr,
                            state.pr_reached),
                recist_options,
            )
        statuses = non_target_statuses(assessment, non_targets)
        nt_response, nt_rule = non_target_response(statuses, assessment.tumour_markers_normal)
        result = _timepoint(assessment, day, target, nt_response, nt_rule, state, options)
        result = result.model_copy(update={
            "baseline_sum_mm": float(baseline_sum) if targets else None,
            "nadir_mm": float(state.nadir) if targets else None,
            "nadir_date": state.nadir_date if targets else None,
            "change_from_baseline_pct": (
                percent_change(target.measured_sum, baseline_sum)
                if target is not None and not target.missing else None),
            "change_from_nadir_pct": (
                percent_change(target.measured_sum, state.nadir)
                if target is not None and not target.missing else None),
            "imputed_dates": [imputed.describe()] if imputed else [],
        })
        results.append(result)
        measured = [v for v in values.values() if v is not None]
        if values and len(measured) == len(values):
            total = sum(measured, Decimal(0))
            if total < state.nadir:
                state.nadir, state.nadir_date = total, day
    return results


def _listed(assessment: Assessment) -> dict[str, NewLesion]:
    return {n.id: n for n in assessment.new_lesions if n.unequivocal and n.id}


def _timepoint(
    assessment: Assessment, day: dt.date, target: TargetOutcome | None,
    nt_response: Response | None, nt_rule: str, state: _State, options: Options,
) -> TimepointResult:
    listed = _listed(assessment)
    fresh_roles = assign_new_lesion_roles(list(listed.values()), state.roles)
    fresh = tuple(i for i in listed if i in fresh_roles)
    roles = {**{k: r for k, (r, _) in state.roles.items()}, **fresh_roles}
    nlt_now: dict[str, Decimal] = {}
    unmeasured: list[str] = []
    for lesion_id, new in listed.items():
        if roles[lesion_id] == NLT:
            if new.size_mm is None:
                unmeasured.append(lesion_id)
            else:
                nlt_now[lesion_id] = Decimal(str(new.size_mm))
    known_nlt = [k for k, (r, _) in state.roles.items() if r == NLT]
    nlt_known_sum = sum((nlt_now.get(k, Decimal(0)) for k in known_nlt), Decimal(0))
    nlt_all_sum = sum(nlt_now.values(), Decimal(0))
    growing = tuple(i for i, n in listed.items()
                    if i not in fresh and roles[i] == NLNT and n.progression)
    cats = Categories(
        target=target, non_target=nt_response, fresh_new=fresh, listed_new=tuple(listed),
        nlt_known_sum=nlt_known_sum, nlt_nadir=state.nlt_nadir if known_nlt else None,
        nlnt_growing=growing,
    )
    notes: list[str] = []
    if listed:
        notes.append("new lesions: " + ", ".join(
            f"{i} {roles[i]}" + (f" {listed[i].size_mm:g} mm" if listed[i].size_mm is not None
                                  else "") for i in listed))
    if roles and any(r == NLT for r in roles.values()):
        notes.append(f"NLT sum {nlt_all_sum} mm, kept apart from the target sum (Seymour)")
    if unmeasured:
        notes.append(f"NLT {', '.join(unmeasured)} not measured at this assessment")

    overall, rule, progression_date = _decide(cats, nlt_now, day, state, options, notes)

    # remember
    for lesion_id, role in fresh_roles.items():
        state.roles[lesion_id] = (role, new_lesion_group(listed[lesion_id]))
    if any(r == NLT for r in fresh_roles.values()) or (state.nlt_nadir is None and nlt_now):
        state.nlt_nadir = nlt_all_sum
    elif state.nlt_nadir is not None:
        state.nlt_nadir = min(state.nlt_nadir, nlt_all_sum)
    if target is not None and target.response in (Response.PR, Response.CR):
        state.pr_reached = True
    if overall in (Response.IUPD, Response.ICPD):
        state.pr_reached = False
    if overall is Response.ICR:
        state.after_icr = True

    recorded = assessment.recorded_response
    return TimepointResult(
        criterion=NAME,
        date=day,
        date_given=str(assessment.date),
        sum_mm=float(target.measured_sum) if target is not None else None,
        baseline_sum_mm=None,
        change_from_baseline_pct=None,
        nadir_mm=None,
        nadir_date=None,
        change_from_nadir_pct=None,
        target=target.response if target is not None else None,
        target_rule=target.rule if target is not None else "no target lesions",
        non_target=nt_response,
        non_target_rule=nt_rule,
        new_lesions=bool(listed),
        equivocal_new_lesions=[f"{n.organ} (id {n.id})" if n.id else n.organ
                               for n in assessment.new_lesions if not n.unequivocal],
        overall=overall,
        rule=rule,
        progression_date=progression_date,
        missing_lesions=list(target.missing) if target is not None else [],
        recorded=recorded,
        agrees=None if recorded is None else recorded is overall,
        illustrative=assessment.illustrative,
        new_lesion_sum_mm=float(nlt_all_sum) if any(r == NLT for r in roles.values()) else None,
        notes=notes,
    )


def _decide(
    c: Categories, nlt_now: Mapping[str, Decimal], day: dt.date, state: _State,
    options: Options, notes: list[str],
) -> tuple[Response, str, dt.date | None]:
    """The overall iRECIST response at one timepoint, the rule in words, the progression date."""
    if state.confirmed_on is not None:
        assert state.confirmed_from is not None
        return (Response.ICPD, f"iCPD confirmed on {state.confirmed_on} stands (progression "
                f"dated {state.confirmed_from}); later assessments do not change it",
                state.confirmed_from)
    block = state.block
    if block is None:
        reasons = iupd_reasons(c)
        if reasons:
            state.block = Block(
                start=day,
                target_progressed=c.target is not None and c.target.response is Response.PD,
                non_target_progressed=c.non_target is Response.PD,
                new_progressed=bool(c.fresh_new or c.nlnt_growing) or (
                    c.nlt_nadir is not None and meets_pd(c.nlt_known_sum, c.nlt_nadir)),
                target_sum=c.target.measured_sum if c.target is not None else None,
                target_response=c.target.response if c.target is not None else None,
                nlt_sizes=dict(nlt_now),
                known_new=frozenset(state.roles) | frozenset(c.listed_new),
            )
            return (Response.IUPD, "iUPD: RECIST 1.1 PD by " + "; ".join(reasons)
                    + " (Seymour Table 2, no previous iUPD); needs confirmation", None)
        return _no_progression(c, "")
    days = (day - block.start).days
    reasons, additional = confirmation_reasons(block, c, nlt_now)
    if reasons:
        confirms, window = window_verdict(days, additional, options)
        if confirms:
            state.confirmed_on, state.confirmed_from = day, block.start
            state.block = None
            return (Response.ICPD, "iCPD: " + "; ".join(reasons) + f"; {window}; progression "
                    f"dated to the first iUPD of {block.start} (admiralonco)", block.start)
        return (Response.IUPD, "iUPD remains: " + "; ".join(reasons) + f", but {window}",
                None)
    why = still_unconfirmed(block, c)
    if why:
        return (Response.IUPD, f"iUPD remains (iUPD of {block.start}, {days} days before): "
                + "; ".join(why) + "; nothing confirms it (Seymour Table 2)", None)
    overall, rule, _ = _no_progression(
        c, f" — the iUPD of {block.start} is not confirmed and the bar is reset (Seymour): a new "
        "iUPD must meet RECIST 1.1 PD again against the nadir and the new-lesion status")
    if overall is not Response.NE:
        state.block = None
    else:
        notes.append(f"NE does not end the iUPD of {block.start}")
    return overall, rule, None


def _no_progression(c: Categories, suffix: str) -> tuple[Response, str, dt.date | None]:
    target = c.target.response if c.target is not None else None
    recist, label = overall_response(target, c.non_target, False)
    overall = I_CODE[recist]
    rule = f"{overall.value}: {label} (Seymour Table 2)"
    if overall is Response.ICR and c.listed_new:
        overall = Response.IPR
        rule = (f"iPR: the targets and non-targets are gone but new lesions "
                f"{', '.join(c.listed_new)} persist, so not iCR (Seymour: iCR needs all disease "
                "gone)")
    return overall, rule + suffix, None


# --- best overall response and progression ------------------------------------------------------

_AS_RECIST = {
    Response.ICR: Response.CR, Response.IPR: Response.PR, Response.ISD: Response.SD,
    Response.NON_ICR_NON_IUPD: Response.NON_CR_NON_PD, Response.NE: Response.NE,
    Response.IUPD: Response.PD, Response.ICPD: Response.PD,
}


def _counted(
    timepoints: Iterable[TimepointResult], reference_date: dt.date
) -> list[TimepointResult]:
    """On or after the reference date, up to and including the first iCPD (admiralonco
    ``ANL02FL``); an iUPD does not end the series (Seymour Table 3)."""
    counted: list[TimepointResult] = []
    for tp in sorted(timepoints, key=lambda t: t.date):
        if tp.date < reference_date:
            continue
        counted.append(tp)
        if tp.overall is Response.ICPD:
            break
    return counted


def _progression(counted: Sequence[TimepointResult]) -> BestResponse | None:
    """iCPD (dated to the first iUPD of its block) if any, else the first iUPD (Seymour Table 3
    examples 6-8; admiralonco ``ibor_icpd`` and ``ibor_iupd``)."""
    for tp in counted:
        if tp.overall is Response.ICPD:
            start = tp.progression_date or tp.date
            return BestResponse(response=Response.ICPD, date=start,
                                rule=f"iCPD on {tp.date}, confirming the iUPD of {start}")
    for tp in counted:
        if tp.overall is Response.IUPD:
            return BestResponse(response=Response.IUPD, date=tp.date,
                                rule=f"iUPD on {tp.date}, never confirmed")
    return None


def _stable(
    counted: Sequence[TimepointResult], reference_date: dt.date, options: BorOptions,
    codes: frozenset[Response], non_target_only: bool,
) -> BestResponse | None:
    stable = Response.NON_ICR_NON_IUPD if non_target_only else Response.ISD
    for wanted, accepted in ((stable, codes), (Response.NON_ICR_NON_IUPD,
                                               frozenset({Response.NON_ICR_NON_IUPD}))):
        for tp in counted:
            days = (tp.date - reference_date).days
            if tp.overall in accepted and days >= options.sd_window_days:
                note = "" if tp.overall is wanted else f" (an unconfirmed {tp.overall.value})"
                return BestResponse(
                    response=wanted, date=tp.date,
                    rule=f"{wanted.value}: {tp.overall.value} on {tp.date}{note}, {days} days "
                    f"after the reference date (>= {options.sd_window_days})")
    return None


def _rest(
    counted: Sequence[TimepointResult], reference_date: dt.date, options: BorOptions,
    codes: frozenset[Response],
) -> BestResponse:
    non_target_only = all(tp.target is None for tp in counted)
    found = _stable(counted, reference_date, options, codes, non_target_only)
    if found is None:
        found = _progression(counted)
    if found is None:
        found = BestResponse(response=Response.NE, date=counted[0].date,
                             rule="NE: no response, no iSD after the minimum duration, no iUPD")
    return found


def best_overall_response(
    timepoints: Sequence[TimepointResult], reference_date: dt.date,
    bor_options: BorOptions | None = None,
) -> tuple[BestResponse, BestResponse]:
    """iBOR, (unconfirmed, confirmed): Seymour Table 3 and admiralonco ``irecist.Rmd``.

    Order: iCR, iPR, iSD (any iCR/iPR/iSD at least ``sd_window_days`` after the reference date),
    NON-iCR/NON-iUPD (likewise), iCPD (dated to the first iUPD of its block), iUPD (never
    confirmed), NE. Only timepoints up to the first iCPD count; a response after an iUPD counts
    (iUPD then iPR is iPR). Confirmed iCR/iPR as in RECIST 1.1 (§4.6; admiralonco
    ``icbor_icr``/``icbor_ipr``) with the same ``BorOptions``.
    """
    options = bor_options or BorOptions()
    counted = _counted(timepoints, reference_date)
    if not counted:
        none = BestResponse(response=Response.NE, date=None,
                            rule="NE: no assessment on or after the reference date")
        return none, none
    responses = frozenset({Response.ICR, Response.IPR, Response.ISD})
    unconfirmed: BestResponse | None = None
    for wanted in (Response.ICR, Response.IPR):
        tp = next((t for t in counted if t.overall is wanted), None)
        if tp is not None:
            unconfirmed = BestResponse(response=wanted, date=tp.date,
                                       rule=f"{wanted.value} on {tp.date}")
            break
    if unconfirmed is None:
        unconfirmed = _rest(counted, reference_date, options, responses)
    series = [ResponseAt(tp.date, _AS_RECIST[tp.overall]) for tp in counted]
    confirmed: BestResponse | None = None
    for wanted in (Response.ICR, Response.IPR):
        for i, tp in enumerate(counted):
            if tp.overall is not wanted:
                continue
            found = confirmation(series, i, options)
            if found is not None:
                later, between = found
                gap = (later.date - tp.date).days
                confirmed = BestResponse(
                    response=wanted, date=tp.date, confirmed_by=later.date,
                    rule=f"{wanted.value} on {tp.date} confirmed on {later.date}, {gap} days "
                    f"later (>= {options.confirm_days}){between}")
                break
        if confirmed is not None:
            break
    if confirmed is None:
        confirmed = _rest(counted, reference_date, options, responses)
    return unconfirmed, confirmed


def observations(timepoints: Sequence[TimepointResult]) -> list[Observation]:
    """For iPFS/iTTP/iDOR: an iCPD is progression (``Response.PD``, so the shared endpoint rules
    see it) dated to the first iUPD of its block (admiralonco vignette: "the date of progression
    would be the first occurrence of iUPD in that block"). An unconfirmed iUPD is not a
    progression event (admiralonco derives iCPD as iUPD followed by iCPD; FAQ "Duration of
    i-response": iDOR ends at "iUPD confirmed as iCPD"); it stays an adequate assessment."""
    found: list[Observation] = []
    for tp in timepoints:
        if tp.overall is Response.ICPD:
            found.append(Observation(tp.date, Response.PD, tp.progression_date or tp.date))
        else:
            found.append(Observation(tp.date, tp.overall, None))
    return found


__all__ = [
    "I_CODE",
    "KEY",
    "NAME",
    "Block",
    "Categories",
    "Options",
    "assess_timepoints",
    "assign_new_lesion_roles",
    "best_overall_response",
    "confirmation_reasons",
    "iupd_reasons",
    "missing_data",
    "new_lesion_measurable",
    "observations",
    "still_unconfirmed",
    "window_verdict",
]
