"""Laboratory analytes, their canonical units and the one table that converts into them.

Labs arrive in the units clinicians use (bilirubin in µmol/L or mg/dL, albumin in g/L or g/dL,
counts per litre or per microlitre). Every engine works in one canonical unit per analyte, chosen
as the SI unit CTCAE v5.0 and the ALBI formula are written in. Conversions that depend on a molar
mass are analyte-specific, so they live in an explicit table rather than a generic units library:

* bilirubin: 1 mg/dL = 17.1 µmol/L (molar mass 584.7 g/mol; Johnson 2015 ALBI supplement)
* creatinine: 1 mg/dL = 88.4 µmol/L (molar mass 113.1 g/mol; OPTN MELD policy)
* albumin, haemoglobin: 1 g/dL = 10 g/L
* cell counts: 1 ×10⁹/L = 1 ×10³/µL = 1000 /µL

A value outside the analyte's plausible range (for example albumin 400 g/L, a g/dL value written
as g/L times ten) is an error, not a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Analyte:
    code: str
    name: str
    unit: str
    """The canonical unit every engine uses."""
    factors: MappingProxyType[str, float]
    """Unit as written (normalised, see :func:`normalise_unit`) → multiply by this to get
    ``unit``."""
    plausible: tuple[float, float]
    """Inclusive range of canonical values a living patient can have."""
    log_scale: bool = False
    """True when a formula takes its logarithm (then 0 is impossible)."""


def _table(**factors: float) -> MappingProxyType[str, float]:
    return MappingProxyType(factors)


_COUNT = _table(**{"10^9/l": 1.0, "x10^9/l": 1.0, "g/l": 1.0, "10^3/ul": 1.0, "x10^3/ul": 1.0,
                   "k/ul": 1.0, "/ul": 0.001, "/mm3": 0.001, "cells/ul": 0.001})
_ENZYME = _table(**{"u/l": 1.0, "iu/l": 1.0, "ukat/l": 60.0})

ANALYTES: dict[str, Analyte] = {a.code: a for a in (
    Analyte("bilirubin", "total bilirubin", "µmol/L",
            _table(**{"umol/l": 1.0, "mg/dl": 17.1, "mg/l": 1.71}), (1.0, 1000.0),
            log_scale=True),
    Analyte("albumin", "albumin", "g/L",
            _table(**{"g/l": 1.0, "g/dl": 10.0}), (5.0, 70.0)),
    Analyte("creatinine", "creatinine", "µmol/L",
            _table(**{"umol/l": 1.0, "mg/dl": 88.4}), (5.0, 3000.0), log_scale=True),
    Analyte("inr", "international normalised ratio", "ratio",
            _table(**{"ratio": 1.0, "": 1.0, "inr": 1.0}), (0.5, 15.0), log_scale=True),
    Analyte("sodium", "sodium", "mmol/L",
            _table(**{"mmol/l": 1.0, "meq/l": 1.0}), (90.0, 200.0)),
    Analyte("potassium", "potassium", "mmol/L",
            _table(**{"mmol/l": 1.0, "meq/l": 1.0}), (1.0, 12.0)),
    Analyte("alt", "alanine aminotransferase", "U/L", _ENZYME, (0.0, 20000.0)),
    Analyte("ast", "aspartate aminotransferase", "U/L", _ENZYME, (0.0, 20000.0)),
    Analyte("alp", "alkaline phosphatase", "U/L", _ENZYME, (0.0, 10000.0)),
    Analyte("ggt", "gamma-glutamyl transferase", "U/L", _ENZYME, (0.0, 10000.0)),
    Analyte("hemoglobin", "haemoglobin", "g/L",
            _table(**{"g/l": 1.0, "g/dl": 10.0, "mmol/l": 16.11}), (20.0, 250.0)),
    Analyte("platelets", "platelet count", "10^9/L", _COUNT, (0.0, 3000.0)),
    Analyte("neutrophils", "neutrophil count", "10^9/L", _COUNT, (0.0, 200.0)),
    Analyte("wbc", "white blood cell count", "10^9/L", _COUNT, (0.0, 500.0)),
    Analyte("lymphocytes", "lymphocyte count", "10^9/L", _COUNT, (0.0, 500.0)),
)}

ALIASES: dict[str, str] = {
    "total bilirubin": "bilirubin", "tbil": "bilirubin", "bili": "bilirubin",
    "alb": "albumin", "serum albumin": "albumin",
    "cr": "creatinine", "creat": "creatinine", "serum creatinine": "creatinine",
    "na": "sodium", "k": "potassium",
    "alanine aminotransferase": "alt", "sgpt": "alt", "gpt": "alt",
    "aspartate aminotransferase": "ast", "sgot": "ast", "got": "ast",
    "alkaline phosphatase": "alp", "gamma-glutamyl transferase": "ggt", "gamma gt": "ggt",
    "haemoglobin": "hemoglobin", "hb": "hemoglobin", "hgb": "hemoglobin",
    "platelet count": "platelets", "plt": "platelets", "platelet": "platelets",
    "neutrophil count": "neutrophils", "anc": "neutrophils", "neutrophil": "neutrophils",
    "white blood cells": "wbc", "leukocytes": "wbc", "white blood cell count": "wbc",
    "lymphocyte count": "lymphocytes", "alc": "lymphocytes", "lymphocyte": "lymphocytes",
    "pt-inr": "inr",
}


def analyte_code(name: str) -> str:
    """The canonical code of an analyte written as clinicians write it (``ALT``, ``Hb``, ...)."""
    key = name.strip().lower()
    code = ALIASES.get(key, key)
    if code not in ANALYTES:
        known = ", ".join(sorted(ANALYTES))
        raise ValueError(f"unknown analyte {name!r}; known: {known}")
    return code


def normalise_unit(unit: str) -> str:
    """Lower case, µ as u, ×/* as x, no spaces or superscripts: ``×10⁹/L`` → ``x10^9/l``."""
    text = unit.strip().lower().replace(" ", "").replace("µ", "u").replace("μ", "u")
    text = text.replace("×", "x").replace("*", "x").replace("⁹", "^9").replace("³", "^3")
    return text.replace("10e9", "10^9").replace("10e3", "10^3")


def to_canonical(analyte: str, value: float, unit: str, *, check: bool = True) -> float:
    """``value`` in ``unit`` converted to the analyte's canonical unit, checked for plausibility
    (``check=False`` for reference-range limits, which may be 0).

    Raises ValueError naming the analyte, the unit and what was expected.
    """
    spec = ANALYTES[analyte_code(analyte)]
    factor = spec.factors.get(normalise_unit(unit))
    if factor is None:
        accepted = ", ".join(k for k in spec.factors if k)
        raise ValueError(f"unknown unit {unit!r} for {spec.name}; expected one of {accepted}")
    converted = value * factor
    if not check:
        return converted
    low, high = spec.plausible
    if spec.log_scale and converted <= 0:
        raise ValueError(f"{spec.name} {value} {unit} must be above 0 (a formula takes its "
                         "logarithm)")
    if not low <= converted <= high:
        given = f"{spec.name} {value:g} {unit}"
        if factor != 1:
            given += f" = {converted:g} {spec.unit}"
        raise ValueError(f"{given} is outside the plausible range {low:g}-{high:g} {spec.unit}; "
                         "check the value and unit")
    return converted


def from_canonical(analyte: str, value: float, unit: str) -> float:
    """The inverse of :func:`to_canonical` without the plausibility check (for display)."""
    spec = ANALYTES[analyte_code(analyte)]
    factor = spec.factors.get(normalise_unit(unit))
    if factor is None:
        raise ValueError(f"unknown unit {unit!r} for {spec.name}")
    return value / factor
