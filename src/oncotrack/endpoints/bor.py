"""Best overall response, unconfirmed and confirmed, from a series of timepoint responses.

Sources: RECIST 1.1 §4.4.3 and Table 3 (Eisenhauer 2009), §4.6 (confirmation) and §4.3.1 (SD
minimum duration); the parameters and their defaults follow admiralonco's
``derive_param_bor`` / ``derive_param_confirmed_bor`` (pharmaverse): ``ref_start_window``
(here ``sd_window_days``), ``ref_confirm`` (``confirm_days``), ``max_nr_ne`` (``max_ne``) and
``accept_sd``. Every rule has a line in docs/clinical-rules.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from oncotrack.model.vocabulary import Response

RANK: dict[Response, int] = {
    Response.CR: 1,
    Response.PR: 2,
    Response.SD: 3,
    Response.NON_CR_NON_PD: 4,
    Response.PD: 5,
    Response.NE: 6,
}
"""RECIST 1.1 §4.4.3: best is CR, then PR, SD, Non-CR/Non-PD, PD, and NE last."""

STABLE = frozenset({Response.SD, Response.NON_CR_NON_PD})


@dataclass(frozen=True)
class BorOptions:
    sd_window_days: int = 42
    """SD (or Non-CR/Non-PD) counts only at or after this many days from the reference date
    (RECIST 1.1 §4.3.1 'minimum interval'; compared with >=)."""
    confirm_days: int = 28
    """A CR or PR is confirmed by a later one at least this many days after it (RECIST 1.1 §4.6:
    'no less than 4 weeks'; compared with >=, no +1)."""
    max_ne: int = 1
    """At most this many NE timepoints between a response and its confirmation."""
    accept_sd: bool = False
    """Whether one SD between a PR and its confirmation is accepted."""


@dataclass(frozen=True)
class ResponseAt:
    """One timepoint's overall response, as the BOR rules see it."""

    date: dt.date
    response: Response


class BestResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    response: Response
    date: dt.date | None
    rule: str
    confirmed_by: dt.date | None = None


def on_study(
    timepoints: Sequence[ResponseAt], reference_date: dt.date
) -> list[ResponseAt]:
    """Timepoints that count: on or after the reference date, up to and including the first PD.

    RECIST 1.1 §4.4.3: the best response is recorded from the start of treatment until disease
    progression; later assessments do not count towards it.
    """
    counted: list[ResponseAt] = []
    for tp in sorted(timepoints, key=lambda t: t.date):
        if tp.date < reference_date:
            continue
        counted.append(tp)
        if tp.response is Response.PD:
            break
    return counted


def best_overall_response(
    timepoints: Sequence[ResponseAt], reference_date: dt.date, options: BorOptions
) -> BestResponse:
    """Unconfirmed BOR: the best timepoint response, SD only once the minimum duration is met.

    RECIST 1.1 §4.4.3; SD minimum duration §4.3.1 (an SD before it counts as NE, so SD then PD
    gives PD and SD then NE gives NE, as in Table 3's notes).
    """
    counted = on_study(timepoints, reference_date)
    if not counted:
        return BestResponse(response=Response.NE, date=None,
                            rule="NE: no assessment on or after the reference date")
    graded = [(tp, _sd_checked(tp, reference_date, options)) for tp in counted]
    best = min(graded, key=lambda pair: (RANK[pair[1][0]], pair[0].date))
    tp, (response, why) = best
    return BestResponse(response=response, date=tp.date, rule=why)


def _sd_checked(
    tp: ResponseAt, reference_date: dt.date, options: BorOptions
) -> tuple[Response, str]:
    days = (tp.date - reference_date).days
    if tp.response in STABLE:
        if days >= options.sd_window_days:
            return tp.response, (f"{tp.response.value} on {tp.date}, {days} days after the "
                                 f"reference date (>= {options.sd_window_days})")
        return Response.NE, (f"NE: {tp.response.value} on {tp.date} only {days} days after the "
                             f"reference date (< {options.sd_window_days}, SD minimum duration)")
    return tp.response, f"{tp.response.value} on {tp.date}"


def confirmed_best_overall_response(
    timepoints: Sequence[ResponseAt], reference_date: dt.date, options: BorOptions,
    non_target_only: bool = False,
) -> BestResponse:
    """Confirmed BOR (RECIST 1.1 §4.6 and Table 3; admiralonco ``derive_param_confirmed_bor``).

    * CR: a CR followed, at least ``confirm_days`` later, by a CR, with only CR or NE between
      (at most ``max_ne`` NE).
    * PR: a PR followed, at least ``confirm_days`` later, by a CR or PR, with only CR, PR, NE
      (at most ``max_ne``) or — when ``accept_sd`` — one SD between, and no PR after a CR.
    * SD: any CR, PR or SD at or after ``sd_window_days`` (an unconfirmed response is SD);
      with ``non_target_only`` disease the same is NON-CR/NON-PD, since RECIST 1.1 Table 2 does
      not use SD there.
    * PD: disease (PR or SD) after a CR before the SD minimum duration (Table 3, note a), or a
      PD; NE otherwise.
    """
    counted = on_study(timepoints, reference_date)
    if not counted:
        return BestResponse(response=Response.NE, date=None,
                            rule="NE: no assessment on or after the reference date")
    for wanted in (Response.CR, Response.PR):
        for i, tp in enumerate(counted):
            if tp.response is not wanted:
                continue
            confirmed_by = confirmation(counted, i, options)
            if confirmed_by is not None:
                later, between = confirmed_by
                gap = (later.date - tp.date).days
                return BestResponse(
                    response=wanted, date=tp.date, confirmed_by=later.date,
                    rule=f"{wanted.value} on {tp.date} confirmed by {later.response.value} on "
                    f"{later.date}, {gap} days later (>= {options.confirm_days}){between}",
                )
    stable = Response.NON_CR_NON_PD if non_target_only else Response.SD
    for tp in counted:
        days = (tp.date - reference_date).days
        if tp.response in (Response.CR, Response.PR, Response.SD) and (
            days >= options.sd_window_days
        ):
            note = "" if tp.response is stable else f" (an unconfirmed {tp.response.value})"
            return BestResponse(
                response=stable, date=tp.date,
                rule=f"{stable.value}: {tp.response.value} on {tp.date}{note}, {days} days after "
                f"the reference date (>= {options.sd_window_days})",
            )
    for tp in counted:
        days = (tp.date - reference_date).days
        if tp.response is Response.NON_CR_NON_PD and days >= options.sd_window_days:
            return BestResponse(
                response=Response.NON_CR_NON_PD, date=tp.date,
                rule=f"NON-CR/NON-PD on {tp.date}, {days} days after the reference date "
                f"(>= {options.sd_window_days})",
            )
    disease_after_cr = _disease_after_cr(counted)
    if disease_after_cr is not None:
        cr, later = disease_after_cr
        return BestResponse(
            response=Response.PD, date=later.date,
            rule=f"PD: {later.response.value} on {later.date} after the CR of {cr.date} is "
            "disease again and the SD minimum duration was not met (RECIST 1.1 Table 3, note a)",
        )
    last = counted[-1]
    if last.response is Response.PD:
        return BestResponse(response=Response.PD, date=last.date,
                            rule=f"PD on {last.date}; no confirmed response or SD before it")
    return BestResponse(response=Response.NE, date=counted[0].date,
                        rule="NE: no confirmed response, no SD after the minimum duration, no PD")


def confirmation(
    counted: Sequence[ResponseAt], i: int, options: BorOptions
) -> tuple[ResponseAt, str] | None:
    """The timepoint confirming ``counted[i]`` (a CR or PR), with a note on what lay between."""
    first = counted[i]
    confirmers = {Response.CR} if first.response is Response.CR else {Response.CR, Response.PR}
    allowed_between = (
        {Response.CR, Response.NE} if first.response is Response.CR
        else {Response.CR, Response.PR, Response.NE, Response.SD}
    )
    for j in range(i + 1, len(counted)):
        later = counted[j]
        if later.response in confirmers and (later.date - first.date).days >= options.confirm_days:
            between = [tp.response for tp in counted[i + 1:j]]
            window = [*between, later.response]
            if not all(r in allowed_between for r in between):
                return None
            if between.count(Response.NE) > options.max_ne:
                return None
            sd_count = between.count(Response.SD)
            if sd_count > (1 if options.accept_sd else 0):
                return None
            if _pr_after_cr(window):
                return None
            note = f"; between: {', '.join(r.value for r in between)}" if between else ""
            return later, note
    return None


def _disease_after_cr(counted: Sequence[ResponseAt]) -> tuple[ResponseAt, ResponseAt] | None:
    """RECIST 1.1 Table 3 rows CR→PR and CR→SD when the SD minimum duration is not met: PD.

    Note (a) of Table 3: after a true CR any disease, even disease meeting PR against baseline,
    is PD. (oncotrack's RECIST engine already calls such a timepoint PD; this matters for series
    of recorded responses.) admiralonco returns NE here; Table 3 is the source.
    """
    for i, tp in enumerate(counted):
        if tp.response is Response.CR:
            for later in counted[i + 1:]:
                if later.response in (Response.PR, Response.SD):
                    return tp, later
    return None


def _pr_after_cr(window: Sequence[Response]) -> bool:
    """After a true CR any PR is disease again (RECIST 1.1 Table 3 note): it cannot confirm."""
    seen_cr = False
    for response in window:
        if response is Response.CR:
            seen_cr = True
        elif response is Response.PR and seen_cr:
            return True
    return False
