"""Single-value calculators, as clinicians use MDCalc: ``albi bilirubin=1.2mg/dL albumin=3.5g/dL``.

Arguments are ``name=value`` with the unit written after the number (``1.2mg/dL``, ``35 g/L``,
``20.5umol/L``); INR needs none. Every calculator converts to the canonical units through
:mod:`oncotrack.model.units` and calls the score module; no rule lives here. Bad arguments raise
:class:`CalculatorError` naming the argument and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from oncotrack.model.units import ANALYTES, analyte_code, from_canonical, to_canonical
from oncotrack.scores.albi import ALBUMIN_COEFFICIENT, albi
from oncotrack.scores.child_pugh import child_pugh
from oncotrack.scores.ctcae import grade_lab
from oncotrack.scores.meld import meld, meld3, meld_na


class CalculatorError(ValueError):
    """A calculator argument that is missing, unknown or malformed."""


_ARGUMENT = re.compile(r"^(?P<name>[a-z][a-z0-9_-]*)=(?P<value>.+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>.*)$")


def parse_arguments(arguments: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for argument in arguments:
        match = _ARGUMENT.match(argument.strip())
        if match is None:
            raise CalculatorError(f"{argument!r}: expected name=value, e.g. bilirubin=1.2mg/dL")
        name = match["name"].lower().replace("-", "_")
        if name in values:
            raise CalculatorError(f"{match['name']} is given twice")
        values[name] = match["value"].strip()
    return values


class _Args:
    """The parsed arguments of one calculator, read with clear errors."""

    def __init__(self, calculator: str, values: dict[str, str], allowed: set[str]) -> None:
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise CalculatorError(f"{calculator}: unknown argument {unknown[0]!r}; expected "
                                  f"{', '.join(sorted(allowed))}")
        self.calculator, self.values = calculator, values

    def lab(self, name: str, analyte: str, example: str) -> float:
        """A lab value in the analyte's canonical unit."""
        text = self._required(name, example)
        number, unit = _number(name, text, example)
        if not unit and ANALYTES[analyte_code(analyte)].unit != "ratio":
            raise CalculatorError(f"{name}={text}: give the unit, e.g. {name}={example}")
        try:
            return to_canonical(analyte, number, unit or "ratio")
        except ValueError as error:
            raise CalculatorError(f"{name}={text}: {error}") from None

    def choice(self, name: str, options: Sequence[str], default: str | None = None) -> str | None:
        text = self.values.get(name)
        if text is None:
            return default
        if text.lower() not in options:
            raise CalculatorError(f"{name}={text}: expected one of {', '.join(options)}")
        return text.lower()

    def flag(self, name: str) -> bool:
        return self.choice(name, ("yes", "no", "true", "false"), "no") in ("yes", "true")

    def number(self, name: str, default: float) -> float:
        text = self.values.get(name)
        return default if text is None else _number(name, text, str(default))[0]

    def _required(self, name: str, example: str) -> str:
        text = self.values.get(name)
        if text is None:
            raise CalculatorError(f"{self.calculator} needs {name}= (e.g. {name}={example})")
        return text


def _number(name: str, text: str, example: str) -> tuple[float, str]:
    match = _NUMBER.match(text)
    if match is None:
        raise CalculatorError(f"{name}={text}: expected a number with its unit, e.g. "
                              f"{name}={example}")
    return float(match["number"]), match["unit"].strip()


def _mg_dl(analyte: str, canonical: float) -> float:
    return from_canonical(analyte, canonical, "mg/dL")


def _albi(args: _Args) -> dict[str, Any]:
    result = albi(args.lab("bilirubin", "bilirubin", "1.2mg/dL"),
                  args.lab("albumin", "albumin", "3.5g/dL"),
                  args.number("coefficient", ALBUMIN_COEFFICIENT))
    return {"score": result.score, "grade": result.grade, "malbi": result.malbi,
            "rule": result.rule}


def _child_pugh(args: _Args) -> dict[str, Any]:
    ascites = args.choice("ascites", ("none", "mild", "moderate-severe"))
    encephalopathy = args.choice("encephalopathy", ("none", "grade-1-2", "grade-3-4"))
    bands = args.choice("albumin_bands", ("standard", "harrison"), "standard")
    result = child_pugh(args.lab("bilirubin", "bilirubin", "1.2mg/dL"),
                        args.lab("albumin", "albumin", "3.5g/dL"), args.lab("inr", "inr", "1.3"),
                        ascites, encephalopathy,  # type: ignore[arg-type]
                        "harrison" if bands == "harrison" else "standard")
    return {"points": result.points, "class": result.child_pugh_class,
            "points_range": list(result.points_range), "class_range": list(result.class_range),
            "items": result.items,
            "rule": result.rule, "needs_clinical_input": result.needs_clinical_input}


def _meld_inputs(args: _Args) -> tuple[float, float, float, bool]:
    return (_mg_dl("creatinine", args.lab("creatinine", "creatinine", "1.1mg/dL")),
            _mg_dl("bilirubin", args.lab("bilirubin", "bilirubin", "1.2mg/dL")),
            args.lab("inr", "inr", "1.3"), args.flag("dialysis"))


def _meld(args: _Args) -> dict[str, Any]:
    cr, bili, inr, dialysis = _meld_inputs(args)
    result = meld(cr, bili, inr, dialysis)
    return {"score": result.score, "grade": None, "rule": result.rule}


def _meld_na(args: _Args) -> dict[str, Any]:
    cr, bili, inr, dialysis = _meld_inputs(args)
    result = meld_na(cr, bili, inr, args.lab("sodium", "sodium", "135mmol/L"), dialysis)
    return {"score": result.score, "grade": None, "rule": result.rule}


def _meld3(args: _Args) -> dict[str, Any]:
    cr, bili, inr, dialysis = _meld_inputs(args)
    sex = args.choice("sex", ("female", "male"))
    if sex is None:
        raise CalculatorError("meld3 needs sex= (female or male)")
    result = meld3(cr, bili, inr, args.lab("sodium", "sodium", "135mmol/L"),
                   args.lab("albumin", "albumin", "3.5g/dL") / 10, sex == "female", dialysis)
    return {"score": result.score, "grade": None, "rule": result.rule}


CALCULATORS: dict[str, tuple[Callable[[_Args], dict[str, Any]], set[str]]] = {
    "albi": (_albi, {"bilirubin", "albumin", "coefficient"}),
    "child-pugh": (_child_pugh, {"bilirubin", "albumin", "inr", "ascites", "encephalopathy",
                                 "albumin_bands"}),
    "meld": (_meld, {"creatinine", "bilirubin", "inr", "dialysis"}),
    "meld-na": (_meld_na, {"creatinine", "bilirubin", "inr", "sodium", "dialysis"}),
    "meld3": (_meld3, {"creatinine", "bilirubin", "inr", "sodium", "albumin", "sex",
                       "dialysis"}),
}


def calculate(name: str, arguments: Sequence[str]) -> dict[str, Any]:
    """Run calculator ``name`` (albi, child-pugh, meld, meld-na, meld3) on ``name=value`` args."""
    if name not in CALCULATORS:
        raise CalculatorError(f"unknown calculator {name!r}; expected "
                              f"{', '.join([*CALCULATORS, 'ctcae'])}")
    function, allowed = CALCULATORS[name]
    return function(_Args(name, parse_arguments(arguments), allowed))


def ctcae(term: str, arguments: Sequence[str]) -> dict[str, Any]:
    """CTCAE v5.0 grade of one lab value: ``value=`` and, as the term needs, ``uln=``, ``lln=``,
    ``baseline=`` (same unit as the value unless written), ``anticoagulation=yes``."""
    try:
        code = analyte_code(term)
    except ValueError as error:
        raise CalculatorError(str(error)) from None
    args = _Args(f"ctcae {term}", parse_arguments(arguments),
                 {"value", "uln", "lln", "baseline", "anticoagulation", "symptomatic"})
    number, unit = _number("value", args._required("value", "120U/L"), "120U/L")
    unit = unit or ANALYTES[code].unit

    def canonical(name: str) -> float | None:
        text = args.values.get(name)
        if text is None:
            return None
        value, written = _number(name, text, f"40{unit}")
        try:
            return to_canonical(code, value, written or unit, check=name == "value")
        except ValueError as error:
            raise CalculatorError(f"{name}={text}: {error}") from None

    symptomatic = args.values.get("symptomatic")
    try:
        result = grade_lab(
            code, to_canonical(code, number, unit), uln=canonical("uln"), lln=canonical("lln"),
            baseline=canonical("baseline"), on_anticoagulation=args.flag("anticoagulation"),
            symptomatic=None if symptomatic is None else args.flag("symptomatic"),
        )
    except ValueError as error:
        raise CalculatorError(f"ctcae {term}: {error}") from None
    return {"grade": result.grade, "term": result.term, "rule": result.rule,
            "needs_clinical_input": result.needs_clinical_input}
