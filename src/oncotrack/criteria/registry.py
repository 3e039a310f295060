"""The response criteria oncotrack knows, behind one interface.

Each criterion module (``recist11``, ``irecist``, ``mrecist``, ``easl``, ``choi``, ``who``)
provides ``NAME``, ``KEY``, ``missing_data(case)`` and ``assess_timepoints(case)``; a criterion
whose best response or progression differ from RECIST 1.1 also provides
``best_overall_response(timepoints, reference_date, bor_options)`` and
``observations(timepoints)``. Everything else uses the shared RECIST 1.1 rules of
:mod:`oncotrack.endpoints`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import typing
from collections.abc import Callable, Mapping, Sequence
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

    def options(self, settings: Mapping[str, object]) -> object | None:
        """The module's ``Options`` built from ``settings`` (field name → value; enum fields
        take their text value); ValueError names an unknown field or a bad value."""
        cls = getattr(self.module, "Options", None)
        if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
            if settings:
                raise ValueError(f"{self.name} has no options")
            return None
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, object] = {}
        for name, value in settings.items():
            if name not in names:
                raise ValueError(f"{self.name} has no option {name!r}; expected "
                                 f"{', '.join(sorted(names))}")
            values[name] = _coerce(hints[name], value, f"{self.key}.{name}")
        built: object = cls(**values)
        return built

    def timepoints(self, case: Case, settings: Mapping[str, object] | None = None
                   ) -> list[TimepointResult]:
        options = self.options(settings or {})
        function = cast(Callable[..., list[TimepointResult]], self.module.assess_timepoints)
        return function(case, options) if options is not None else function(case)

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


def _coerce(annotation: object, value: object, where: str) -> object:
    """Text from a command line or a dict into the option's type (bool, int, float, an enum)."""
    kinds = typing.get_args(annotation) or (annotation,)
    if value is None and type(None) in kinds:
        return None
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            try:
                return kind(value)
            except ValueError:
                allowed = ", ".join(str(m.value) for m in kind)
                raise ValueError(f"{where}: expected one of {allowed}, got {value!r}") from None
    if bool in kinds:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValueError(f"{where}: expected true or false, got {value!r}")
    for kind in (int, float):
        if kind in kinds:
            try:
                return kind(str(value))
            except ValueError:
                raise ValueError(f"{where}: expected a number, got {value!r}") from None
    return value


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
