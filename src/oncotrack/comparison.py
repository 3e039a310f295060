"""Criteria side by side: the response each gives at every scan, their best responses, and a
line on where and why they differ (the reasons are the rules each criterion reported)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from oncotrack.assessment import CriterionResult


class SideRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: dt.date
    responses: dict[str, str | None]
    """Criterion key → response code (None: the criterion has no result for this scan)."""
    differ: bool


class SideBySide(BaseModel):
    model_config = ConfigDict(frozen=True)

    criteria: list[str]
    """Keys of the criteria shown (those the data support), in order."""
    names: dict[str, str]
    rows: list[SideRow]
    best: dict[str, dict[str, str]]
    """Key → {"unconfirmed": code, "confirmed": code}."""
    differences: list[str]
    not_assessed: dict[str, list[str]]
    """Criteria the data do not support → what they need."""


# Responses that mean the same across criteria, so that "iPR" and "PR" do not count as differing.
_SAME = {"iCR": "CR", "iPR": "PR", "iSD": "SD", "NON-iCR/NON-iUPD": "NON-CR/NON-PD"}


def _plain(code: str | None) -> str | None:
    return None if code is None else _SAME.get(code, code)


def _difference(day: dt.date, found: dict[str, tuple[str, str]], names: dict[str, str]) -> str:
    """The first criterion shown (RECIST 1.1) is the reference: its reason, then the reason of
    each criterion that gives something else."""
    reference = next(iter(found))
    code, reason = found[reference]
    others = [f"{names[k]} {c}: {r}" for k, (c, r) in found.items()
              if k != reference and _plain(c) != _plain(code)]
    return f"{day}: {names[reference]} {code} ({reason}); " + "; ".join(others)


def side_by_side(results: Mapping[str, CriterionResult]) -> SideBySide:
    supported = {k: r for k, r in results.items() if r.supported}
    names = {k: r.criteria for k, r in results.items()}
    by_date: dict[dt.date, dict[str, tuple[str, str]]] = {}
    for key, result in supported.items():
        for tp in result.timepoints:
            # The target rule carries the arithmetic (sums, changes, thresholds); the overall
            # rule says which table row turned it into the overall response.
            reason = tp.target_rule if tp.target is not None else tp.non_target_rule
            if tp.overall.value not in (tp.target.value if tp.target else "", "iUPD", "iCPD"):
                reason = f"{tp.rule}; {reason}"
            by_date.setdefault(tp.date, {})[key] = (tp.overall.value, reason)
    rows, differences = [], []
    for day in sorted(by_date):
        found = by_date[day]
        codes = {k: found[k][0] if k in found else None for k in supported}
        distinct = {_plain(c) for c in codes.values() if c is not None}
        differ = len(distinct) > 1
        rows.append(SideRow(date=day, responses=codes, differ=differ))
        if differ:
            differences.append(_difference(day, found, names))
    best: dict[str, dict[str, str]] = {}
    for key, result in supported.items():
        bor = result.best_overall_response
        if bor is not None:
            best[key] = {"unconfirmed": bor.unconfirmed.response.value,
                         "confirmed": bor.confirmed.response.value}
    confirmed = {k: v["confirmed"] for k, v in best.items()}
    if len({_plain(c) for c in confirmed.values()}) > 1:
        differences.append("Best overall response (confirmed): " + ", ".join(
            f"{names[k]} {c}" for k, c in confirmed.items()))
    return SideBySide(
        criteria=list(supported), names=names, rows=rows, best=best, differences=differences,
        not_assessed={k: r.missing_data for k, r in results.items() if not r.supported},
    )
