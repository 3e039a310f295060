"""CTCAE v5.0 grades of laboratory adverse events, from a value and its reference limits.

Source: National Cancer Institute, Common Terminology Criteria for Adverse Events (CTCAE) v5.0,
published 27 Nov 2017 — "NCI CTCAE v5.0 (27 Nov 2017), as transcribed machine-readably by admiral
ncictcaev5.json" (pharmaverse/admiral ``data-raw/adlb_grading/ncictcaev5.json``). Every rule has a
line in docs/clinical-rules.md ("CTCAE v5.0 laboratory grades").

The grading criteria are data (:data:`TERMS`): one :class:`Term` per CTCAE term, each a tuple of
:class:`Band` s from the highest grade down; the first band the value meets is the grade. Values
are in the canonical units of :mod:`oncotrack.model.units` (U/L, µmol/L, g/L, 10^9/L, mmol/L,
INR ratio) and are compared as exact decimals of their written form, so a value of exactly
3.0 × ULN is in the band whose wording includes it (">3.0" excludes it, "1.5 -" includes it).

What a laboratory value cannot decide is not guessed. In CTCAE v5.0 a semicolon within a grade
means "or": hyperkalemia ">5.5 - 6.0 mmol/L; intervention initiated" is G2 by the value alone and
G3 if hospitalization is indicated. :func:`grade_lab` returns the grade the value establishes and
names, in ``needs_clinical_input``, every clinical criterion that would give a higher grade
(``symptomatic`` decides the bands that turn on symptoms: hyponatremia 125-129 mmol/L, hypokalemia
<LLN - 3.0 mmol/L).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from oncotrack.model.units import ANALYTES, analyte_code

SOURCE = "CTCAE v5.0"
CITATION = (
    "NCI CTCAE v5.0 (27 Nov 2017), as transcribed machine-readably by admiral ncictcaev5.json"
)


class Direction(StrEnum):
    """Which way the analyte worsens: the term is an increase or a decrease."""

    INCREASED = "increased"
    DECREASED = "decreased"


class Reference(StrEnum):
    """What a band threshold is a multiple of (``ABSOLUTE``: the threshold is the value itself)."""

    ULN = "ULN"
    LLN = "LLN"
    BASELINE = "baseline"
    ABSOLUTE = "absolute"


class BaselineUse(StrEnum):
    """When a term's baseline bands apply (CTCAE v5.0 wording of each term)."""

    NEVER = "never"
    WHEN_ABNORMAL = "when-abnormal"
    """ALT, AST, ALP, GGT, bilirubin: "... x baseline if baseline was abnormal" — when the
    baseline is above the ULN (admiral ``BNRIND`` = HIGH) the baseline bands replace the ULN
    bands."""
    ALSO = "also"
    """Creatinine: ">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN" — both apply, the higher grade
    wins."""
    ON_ANTICOAGULATION = "on-anticoagulation"
    """INR: ">1 - 1.5 x baseline if on anticoagulation" — baseline bands replace the absolute
    bands for a patient on anticoagulation."""


@dataclass(frozen=True)
class Band:
    """One grade of one term: the value is in it when it is beyond ``factor`` × ``reference``.

    ``inclusive`` says whether the threshold itself belongs to the band (CTCAE "1.5 - 3.0 x
    baseline", "125-129") or not (">3.0 x ULN", "<LLN"). ``symptomatic_grade`` is the grade the
    band gives a symptomatic patient (hyponatremia 125-129 mmol/L: G2 asymptomatic, G3
    symptomatic).
    """

    grade: int
    reference: Reference
    factor: Decimal
    inclusive: bool
    wording: str
    symptomatic_grade: int | None = None

    def threshold(self, uln: Decimal | None, lln: Decimal | None,
                  baseline: Decimal | None) -> Decimal | None:
        """The threshold in the analyte's unit; ``None`` when its reference limit is missing."""
        if self.reference is Reference.ABSOLUTE:
            return self.factor
        limit = {Reference.ULN: uln, Reference.LLN: lln, Reference.BASELINE: baseline}[
            self.reference
        ]
        return None if limit is None else self.factor * limit

    def met(self, value: Decimal, threshold: Decimal, direction: Direction) -> bool:
        """Whether ``value`` lies beyond ``threshold`` in the term's direction."""
        if direction is Direction.INCREASED:
            return value >= threshold if self.inclusive else value > threshold
        return value <= threshold if self.inclusive else value < threshold


@dataclass(frozen=True)
class Term:
    """One CTCAE v5.0 laboratory term: its bands (highest grade first) and clinical criteria.

    ``clinical`` lists, per grade, the criterion CTCAE offers besides the value ("; intervention
    initiated"), which a laboratory value cannot decide.
    """

    analyte: str
    term: str
    label: str
    direction: Direction
    bands: tuple[Band, ...]
    baseline_bands: tuple[Band, ...] = ()
    baseline_use: BaselineUse = BaselineUse.NEVER
    clinical: tuple[tuple[int, str], ...] = ()


class CtcaeGrade(BaseModel):
    """A CTCAE v5.0 grade of one laboratory value, with the band that fired and its arithmetic.

    ``grade`` is what the value establishes; ``needs_clinical_input`` names the clinical
    criteria that would raise it (``None`` when there are none). ``baseline_abnormal`` is True
    when the value was graded against multiples of the baseline.
    """

    model_config = ConfigDict(frozen=True)

    analyte: str
    term: str
    grade: int | None
    rule: str
    baseline_abnormal: bool
    needs_clinical_input: str | None
    source: str = SOURCE


# --- the table ----------------------------------------------------------------------------------

D = Decimal
ULN, LLN, BL, ABS = Reference.ULN, Reference.LLN, Reference.BASELINE, Reference.ABSOLUTE
UP, DOWN = Direction.INCREASED, Direction.DECREASED

LIFE_THREATENING = "life-threatening consequences"
LIFE_THREATENING_URGENT = "life-threatening consequences; urgent intervention indicated"
ELECTROLYTE_HIGH = (
    (2, "intervention initiated"), (3, "hospitalization indicated"), (4, LIFE_THREATENING)
)


def _uln_bands(g1_top: str, g2: str, g3: str, g4: str) -> tuple[Band, ...]:
    """ULN multiples ``>ULN - a; >a - b; >b - c; >c x ULN`` (transaminases, ALP, GGT, bilirubin)."""
    return (
        Band(4, ULN, D(g4), False, f">{g4} x ULN"),
        Band(3, ULN, D(g3), False, f">{g3}-{g4} x ULN"),
        Band(2, ULN, D(g2), False, f">{g2}-{g3} x ULN"),
        Band(1, ULN, D(1), False, f">ULN-{g1_top} x ULN"),
    )


def _baseline_bands(g1: str, g1_inclusive: bool, g2: str, g3: str, g4: str) -> tuple[Band, ...]:
    """Baseline multiples used when the baseline was abnormal (above the ULN)."""
    g1_text = f"{g1}-{g2} x baseline" if g1_inclusive else f">{g1}-{g2} x baseline"
    return (
        Band(4, BL, D(g4), False, f">{g4} x baseline"),
        Band(3, BL, D(g3), False, f">{g3}-{g4} x baseline"),
        Band(2, BL, D(g2), False, f">{g2}-{g3} x baseline"),
        Band(1, BL, D(g1), g1_inclusive, g1_text),
    )


def _low_bands(unit: str, g2: str, g3: str, g4: str | None) -> tuple[Band, ...]:
    """``<LLN - a; <a - b; <b - c; <c`` in absolute units (counts, haemoglobin, albumin)."""
    bands = [
        Band(3, ABS, D(g3), False, f"<{g3}-{g4} {unit}" if g4 is not None else f"<{g3} {unit}"),
        Band(2, ABS, D(g2), False, f"<{g2}-{g3} {unit}"),
        Band(1, LLN, D(1), False, f"<LLN-{g2} {unit}"),
    ]
    if g4 is not None:
        bands.insert(0, Band(4, ABS, D(g4), False, f"<{g4} {unit}"))
    return tuple(bands)


TERMS: tuple[Term, ...] = (
    Term("alt", "Alanine aminotransferase increased", "ALT", UP,
         _uln_bands("3.0", "3.0", "5.0", "20.0"),
         _baseline_bands("1.5", True, "3.0", "5.0", "20.0"), BaselineUse.WHEN_ABNORMAL),
    Term("ast", "Aspartate aminotransferase increased", "AST", UP,
         _uln_bands("3.0", "3.0", "5.0", "20.0"),
         _baseline_bands("1.5", True, "3.0", "5.0", "20.0"), BaselineUse.WHEN_ABNORMAL),
    Term("bilirubin", "Blood bilirubin increased", "Bilirubin", UP,
         _uln_bands("1.5", "1.5", "3.0", "10.0"),
         _baseline_bands("1.0", False, "1.5", "3.0", "10.0"), BaselineUse.WHEN_ABNORMAL),
    Term("alp", "Alkaline phosphatase increased", "ALP", UP,
         _uln_bands("2.5", "2.5", "5.0", "20.0"),
         _baseline_bands("2.0", True, "2.5", "5.0", "20.0"), BaselineUse.WHEN_ABNORMAL),
    Term("ggt", "GGT increased", "GGT", UP,
         _uln_bands("2.5", "2.5", "5.0", "20.0"),
         _baseline_bands("2.0", True, "2.5", "5.0", "20.0"), BaselineUse.WHEN_ABNORMAL),
    Term("albumin", "Hypoalbuminemia", "Albumin", DOWN,
         _low_bands("g/L", "30", "20", None),
         clinical=((4, LIFE_THREATENING_URGENT),)),
    Term("platelets", "Platelet count decreased", "Platelet count", DOWN,
         _low_bands("x 10^9/L", "75.0", "50.0", "25.0")),
    Term("neutrophils", "Neutrophil count decreased", "Neutrophil count", DOWN,
         _low_bands("x 10^9/L", "1.5", "1.0", "0.5")),
    Term("wbc", "White blood cell decreased", "WBC", DOWN,
         _low_bands("x 10^9/L", "3.0", "2.0", "1.0")),
    Term("lymphocytes", "Lymphocyte count decreased", "Lymphocyte count", DOWN,
         _low_bands("x 10^9/L", "0.8", "0.5", "0.2")),
    Term("hemoglobin", "Anemia", "Haemoglobin", DOWN,
         _low_bands("g/L", "100", "80", None),
         clinical=((3, "transfusion indicated"), (4, LIFE_THREATENING_URGENT))),
    Term("creatinine", "Creatinine increased", "Creatinine", UP,
         (
             Band(4, ULN, D("6.0"), False, ">6.0 x ULN"),
             Band(3, ULN, D("3.0"), False, ">3.0-6.0 x ULN"),
             Band(2, ULN, D("1.5"), False, ">1.5-3.0 x ULN"),
             Band(1, ULN, D(1), False, ">ULN-1.5 x ULN"),
         ),
         (
             Band(3, BL, D("3.0"), False, ">3.0 x baseline"),
             Band(2, BL, D("1.5"), False, ">1.5-3.0 x baseline"),
         ),
         BaselineUse.ALSO),
    Term("inr", "INR increased", "INR", UP,
         (
             Band(3, ABS, D("2.5"), False, ">2.5"),
             Band(2, ABS, D("1.5"), False, ">1.5-2.5"),
             Band(1, ABS, D("1.2"), False, ">1.2-1.5"),
         ),
         (
             Band(3, BL, D("2.5"), False, ">2.5 x baseline (on anticoagulation)"),
             Band(2, BL, D("1.5"), False, ">1.5-2.5 x baseline (on anticoagulation)"),
             Band(1, BL, D(1), False, ">1-1.5 x baseline (on anticoagulation)"),
         ),
         BaselineUse.ON_ANTICOAGULATION,
         clinical=((2, "dose adjustment indicated"),)),
    Term("sodium", "Hyponatremia", "Sodium", DOWN,
         (
             Band(4, ABS, D(120), False, "<120 mmol/L"),
             Band(3, ABS, D(125), False, "120-124 mmol/L regardless of symptoms"),
             Band(2, ABS, D(129), True, "125-129 mmol/L", symptomatic_grade=3),
             Band(1, LLN, D(1), False, "<LLN-130 mmol/L"),
         ),
         clinical=((4, LIFE_THREATENING),)),
    Term("sodium", "Hypernatremia", "Sodium", UP,
         (
             Band(4, ABS, D(160), False, ">160 mmol/L"),
             Band(3, ABS, D(155), False, ">155-160 mmol/L"),
             Band(2, ABS, D(150), False, ">150-155 mmol/L"),
             Band(1, ULN, D(1), False, ">ULN-150 mmol/L"),
         ),
         clinical=ELECTROLYTE_HIGH),
    Term("potassium", "Hypokalemia", "Potassium", DOWN,
         (
             Band(4, ABS, D("2.5"), False, "<2.5 mmol/L"),
             Band(3, ABS, D("3.0"), False, "<3.0-2.5 mmol/L"),
             Band(1, LLN, D(1), False, "<LLN-3.0 mmol/L", symptomatic_grade=2),
         ),
         clinical=(
             (2, "intervention indicated"), (3, "hospitalization indicated"),
             (4, LIFE_THREATENING),
         )),
    Term("potassium", "Hyperkalemia", "Potassium", UP,
         (
             Band(4, ABS, D("7.0"), False, ">7.0 mmol/L"),
             Band(3, ABS, D("6.0"), False, ">6.0-7.0 mmol/L"),
             Band(2, ABS, D("5.5"), False, ">5.5-6.0 mmol/L"),
             Band(1, ULN, D(1), False, ">ULN-5.5 mmol/L"),
         ),
         clinical=ELECTROLYTE_HIGH),
)
"""CTCAE v5.0 laboratory terms (NCI CTCAE v5.0 (27 Nov 2017), as transcribed machine-readably by
admiral ncictcaev5.json), thresholds in the canonical units of :mod:`oncotrack.model.units`."""


def terms_for(analyte: str) -> tuple[Term, ...]:
    """The CTCAE v5.0 terms graded from ``analyte`` (two for sodium and potassium: hypo, hyper)."""
    code = analyte_code(analyte)
    return tuple(term for term in TERMS if term.analyte == code)


# --- grading ------------------------------------------------------------------------------------

_LIMIT_NAMES = {
    Reference.ULN: ("uln", "upper limit of normal"),
    Reference.LLN: ("lln", "lower limit of normal"),
    Reference.BASELINE: ("baseline", "baseline value"),
}


class _MissingLimit(Exception):
    """A band needs a reference limit the caller did not give."""

    def __init__(self, term: Term, band: Band, why: str = "") -> None:
        keyword, description = _LIMIT_NAMES[band.reference]
        detail = why or f"{term.term} G{band.grade} is {band.wording}"
        super().__init__(f"{term.label} needs {keyword}= ({description}): {detail}")


@dataclass(frozen=True)
class _Limits:
    uln: Decimal | None
    lln: Decimal | None
    baseline: Decimal | None


@dataclass(frozen=True)
class _Hit:
    """The band a value fell in (``None``: below G1, grade 0) and the context of the grading."""

    term: Term
    band: Band | None
    lowest: Band
    on_baseline: bool
    context: str


def _first_band(term: Term, bands: tuple[Band, ...], value: Decimal, limits: _Limits,
                missing_why: str = "") -> Band | None:
    """The first (highest-grade) band ``value`` meets; ``None`` if none. Raises _MissingLimit
    when a band whose limit is missing must be checked before the grade is decided."""
    for band in bands:
        threshold = band.threshold(limits.uln, limits.lln, limits.baseline)
        if threshold is None:
            raise _MissingLimit(term, band, missing_why)
        if band.met(value, threshold, term.direction):
            return band
    return None


def _evaluate(term: Term, value: Decimal, limits: _Limits, on_anticoagulation: bool) -> _Hit:
    """Grade one term: choose its bands by the baseline rule and find the band that fires."""
    if term.baseline_use is BaselineUse.WHEN_ABNORMAL:
        if limits.uln is None:
            why = f"every band of {term.term} is a multiple of the ULN or of an abnormal baseline"
            raise _MissingLimit(term, term.bands[-1], why)
        unit = ANALYTES[term.analyte].unit
        if limits.baseline is not None and limits.baseline > limits.uln:
            context = (f"baseline abnormal: baseline {_show(limits.baseline, unit)} > ULN "
                       f"{_show(limits.uln, unit)}")
            band = _first_band(term, term.baseline_bands, value, limits)
            return _Hit(term, band, term.baseline_bands[-1], True, context)
        context = "baseline normal" if limits.baseline is not None else (
            "baseline normal: no baseline given, graded against the ULN")
        return _Hit(term, _first_band(term, term.bands, value, limits), term.bands[-1], False,
                    context)
    if term.baseline_use is BaselineUse.ON_ANTICOAGULATION and on_anticoagulation:
        why = f"on anticoagulation {term.term} is graded against multiples of the baseline"
        band = _first_band(term, term.baseline_bands, value, limits, why)
        return _Hit(term, band, term.baseline_bands[-1], True, "")
    band = _first_band(term, term.bands, value, limits)
    if term.baseline_use is BaselineUse.ALSO and limits.baseline is not None:
        by_baseline = _first_band(term, term.baseline_bands, value, limits)
        if by_baseline is not None and (band is None or by_baseline.grade > band.grade):
            return _Hit(term, by_baseline, term.bands[-1], True, "")
    return _Hit(term, band, term.bands[-1], False, "")


def _result(hit: _Hit, value: Decimal, limits: _Limits,
            symptomatic: bool | None) -> CtcaeGrade:
    term, band = hit.term, hit.band
    unit = ANALYTES[term.analyte].unit
    context = f" ({hit.context})" if hit.context else ""
    if band is None:
        lowest = hit.lowest
        arithmetic = _arithmetic(lowest, value, limits, unit)
        return CtcaeGrade(
            analyte=term.analyte, term=term.term, grade=0,
            rule=f"G0: {arithmetic}; G1 is {lowest.wording}{context}",
            baseline_abnormal=hit.on_baseline, needs_clinical_input=None,
        )
    grade = band.grade
    wording = band.wording
    raising: dict[int, list[str]] = {}
    if band.symptomatic_grade is not None:
        if symptomatic is True:
            grade = band.symptomatic_grade
            wording += " and symptomatic"
        elif symptomatic is False:
            wording += " and asymptomatic"
        else:
            wording += f", symptoms not given (G{band.symptomatic_grade} if symptomatic)"
            raising.setdefault(band.symptomatic_grade, []).append("symptomatic")
    for clinical_grade, criterion in term.clinical:
        if clinical_grade > grade:
            raising.setdefault(clinical_grade, []).append(criterion)
    needs = "; ".join(
        f"G{g} if {' or '.join(criteria)}" for g, criteria in sorted(raising.items())
    ) or None
    return CtcaeGrade(
        analyte=term.analyte, term=term.term, grade=grade,
        rule=f"G{grade}: {wording}{context}: {_arithmetic(band, value, limits, unit)}",
        baseline_abnormal=hit.on_baseline, needs_clinical_input=needs,
    )


def _arithmetic(band: Band, value: Decimal, limits: _Limits, unit: str) -> str:
    """The value against the band's reference: ``150 U/L = 3.75 x ULN 40 U/L``."""
    shown = _show(value, unit)
    if band.reference in (Reference.ULN, Reference.BASELINE):
        limit = limits.uln if band.reference is Reference.ULN else limits.baseline
        assert limit is not None  # the band was checked, so its limit was given
        return f"{shown} = {_num(round(value / limit, 6))} x {band.reference} {_show(limit, unit)}"
    if band.reference is Reference.LLN:
        assert limits.lln is not None
        relation = "<" if value < limits.lln else ">="
        return f"{shown} {relation} LLN {_show(limits.lln, unit)}"
    return shown


def _num(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``150``, ``3.75``, ``0.5``."""
    return format(value.normalize(), "f")


def _show(value: Decimal, unit: str) -> str:
    """A value with its unit: ``150 U/L``, ``40 x 10^9/L``, ``INR 1.3``."""
    if unit == "ratio":
        return f"INR {_num(value)}"
    if unit.startswith("10^"):
        return f"{_num(value)} x {unit}"
    return f"{_num(value)} {unit}"


def _decimal(name: str, value: float | None, *, positive: bool) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "above 0" if positive else "0 or more"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return Decimal(str(value))


def grade_lab(
    analyte: str,
    value: float,
    *,
    uln: float | None = None,
    lln: float | None = None,
    baseline: float | None = None,
    on_anticoagulation: bool = False,
    symptomatic: bool | None = None,
) -> CtcaeGrade:
    """CTCAE v5.0 grade of one laboratory value (NCI CTCAE v5.0 (27 Nov 2017), as transcribed
    machine-readably by admiral ncictcaev5.json).

    ``analyte`` is a code of :mod:`oncotrack.model.units` (aliases such as ``"ALT"`` are
    accepted) and every number is in that analyte's canonical unit. ``uln``/``lln`` are the
    laboratory's limits of normal; ``baseline`` is the patient's baseline value (ALT, AST, ALP,
    GGT, bilirubin: graded against multiples of it when it is above the ULN; creatinine: its
    G2/G3 multiples apply besides the ULN ones; INR: used instead of the absolute bands when
    ``on_anticoagulation``). ``symptomatic`` decides hyponatremia 125-129 mmol/L (G2 or G3) and
    hypokalemia <LLN - 3.0 mmol/L (G1 or G2); when it is ``None`` the lower grade is returned and
    ``needs_clinical_input`` says what would raise it.

    Sodium and potassium are graded in the direction of the value: below the LLN (or a G2+
    absolute threshold) as hyponatremia / hypokalemia, above the ULN as hypernatremia /
    hyperkalemia. A value on the normal side is grade 0.

    Raises ValueError for an unknown analyte, a non-finite or negative number, ``lln`` not below
    ``uln``, or when a limit that a band needs is missing ("ALT needs uln= (upper limit of
    normal): ...").
    """
    code = analyte_code(analyte)
    terms = terms_for(code)
    number = _decimal("value", value, positive=False)
    assert number is not None
    limits = _Limits(
        uln=_decimal("uln", uln, positive=True),
        lln=_decimal("lln", lln, positive=True),
        baseline=_decimal("baseline", baseline, positive=True),
    )
    if limits.uln is not None and limits.lln is not None and limits.lln >= limits.uln:
        raise ValueError(f"{terms[0].label}: lln= {lln} must be below uln= {uln}")
    if len(terms) == 1:
        try:
            hit = _evaluate(terms[0], number, limits, on_anticoagulation)
        except _MissingLimit as missing:
            raise ValueError(str(missing)) from None
        return _result(hit, number, limits, symptomatic)
    return _two_sided(terms, number, limits, symptomatic)


def _two_sided(terms: tuple[Term, ...], value: Decimal, limits: _Limits,
               symptomatic: bool | None) -> CtcaeGrade:
    """Sodium, potassium: the hypo term if the value is low, the hyper term if high, else G0."""
    missing: list[_MissingLimit] = []
    for term in terms:
        try:
            hit = _evaluate(term, value, limits, on_anticoagulation=False)
        except _MissingLimit as error:
            missing.append(error)
            continue
        if hit.band is not None:
            return _result(hit, value, limits, symptomatic)
    if missing:
        raise ValueError(str(missing[0]))
    assert limits.lln is not None  # both sides reached G0, so both limits were given
    assert limits.uln is not None
    unit = ANALYTES[terms[0].analyte].unit
    return CtcaeGrade(
        analyte=terms[0].analyte, term=" / ".join(term.term for term in terms), grade=0,
        rule=f"G0: {_show(value, unit)} within LLN {_num(limits.lln)} - ULN "
        f"{_show(limits.uln, unit)}",
        baseline_abnormal=False, needs_clinical_input=None,
    )
