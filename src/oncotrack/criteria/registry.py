"""The response criteria oncotrack knows, behind one interface.

Each criterion module (``recist11``, ``irecist``, ``mrecist``, ``easl``, ``choi``, ``who``)
provides ``NAME``, ``KEY``, ``missing_data(case)`` and ``assess_timepoints(case)``; a criterion
whose best response or progression differ from RECIST 1.1 also provides
``best_overall_response(timepoints, reference_date, bor_options)`` and
``observations(timepoints)``. Everything else uses the shared RECIST 1.1 rules of
:mod:`oncotrack.endpoints`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import cast

from oncotrack.criteria.results import TimepointResult
from oncotrack.endpoints.bor import (
    BestResponse,
    BorOptions,
    ResponseAt,
    best_overall_response,
    confirmed_best_overall_response,
)
from oncotrack.endpoints.survival import Observation
from oncotrack.model.case import Case
from oncotrack.model.vocabulary import LesionRole

ORDER = ("recist1.1", "irecist", "mrecist", "easl", "choi", "who")
"""Every criterion's key, in the order results are shown."""

_MODULES = {"recist1.1": "recist11", "irecist": "irecist", "mrecist": "mrecist",
            "easl": "easl", "choi": "choi", "who": "who"}

BestPair = tuple[BestResponse, BestResponse]


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    module: ModuleType

    def missing_data(self, case: Case) -> list[str]:
        if self.key == "recist1.1":
            return []  # the case model itself requires what RECIST 1.1 needs
        function = cast(Callable[[Case], list[str]], self.module.missing_data)
        return function(case)

    def timepoints(self, case: Case) -> list[TimepointResult]:
        function = cast(Callable[[Case], list[TimepointResult]],
                        self.module.assess_timepoints)
        return function(case)

    def best(self, timepoints: Sequence[TimepointResult], reference: dt.date,
             options: BorOptions, case: Case) -> BestPair:
        custom = getattr(self.module, "best_overall_response", None)
        if self.key != "recist1.1" and custom is not None:
            return cast(Callable[..., BestPair], custom)(timepoints, reference, options)
        series = [ResponseAt(tp.date, tp.overall) for tp in timepoints]
        non_target_only = not any(les.role is LesionRole.TARGET for les in case.lesions)
        return (best_overall_response(series, reference, options),
                confirmed_best_overall_response(series, reference, options,
                                                non_target_only=non_target_only))

    def observations(self, timepoints: Sequence[TimepointResult]) -> list[Observation]:
        custom = getattr(self.module, "observations", None)
        if custom is not None:
            return cast(Callable[..., list[Observation]], custom)(timepoints)
        return [Observation(tp.date, tp.overall, tp.progression_date) for tp in timepoints]


def available() -> dict[str, Criterion]:
    """The criteria whose modules are installed, by key, in :data:`ORDER`."""
    found: dict[str, Criterion] = {}
    for key in ORDER:
        try:
            module = importlib.import_module(f"oncotrack.criteria.{_MODULES[key]}")
        except ModuleNotFoundError:
            continue
        found[key] = Criterion(key=key, name=str(module.NAME), module=module)
    return found


def parse_keys(text: str) -> list[str]:
    """``"recist1.1,choi"`` → the keys, checked; ValueError names an unknown one."""
    known = available()
    keys = [part.strip().lower() for part in text.split(",") if part.strip()]
    aliases = {"recist": "recist1.1", "recist11": "recist1.1", "recist-1.1": "recist1.1"}
    keys = [aliases.get(k, k) for k in keys]
    for key in keys:
        if key not in known:
            raise ValueError(f"unknown criterion {key!r}; expected {', '.join(known)}")
    if not keys:
        raise ValueError(f"no criterion given; expected some of {', '.join(known)}")
    return list(dict.fromkeys(keys))
