"""Staging of soft-tissue sarcoma: AJCC 8th edition (retroperitoneum), FNCLCC grade, MSTS/Enneking.

Sources:
* AJCC Cancer Staging Manual, 8th edition (2017), chapter "Soft Tissue Sarcoma of the
  Retroperitoneum": T by greatest dimension (T1 ≤ 5 cm, T2 > 5-10, T3 > 10-15, T4 > 15); the
  stage groups below, in which N1 M0 is stage IIIB (in the trunk and extremity chapter it is IV);
  N0 includes unknown nodal status. Reproduced in Fisher SB et al., Am J Clin Oncol 2019;42:160.
* FNCLCC grade (Trojani 1984; Guillou 1997): differentiation 1-3 + mitoses per 10 HPF (0-9: 1,
  10-19: 2, ≥ 20: 3) + necrosis (none 0, < 50 %: 1, ≥ 50 %: 2); total 2-3 G1, 4-5 G2, 6-8 G3.
* MSTS/Enneking (Enneking WF et al., Clin Orthop 1980;153:106-120): low grade G1 / high grade G2,
  intracompartmental T1 / extracompartmental T2, metastasis M1: IA G1T1M0, IB G1T2M0, IIA G2T1M0,
  IIB G2T2M0, III any M1 (IIIA T1, IIIB T2 in the common sub-division).
Where the record leaves a category unknown, every stage it could be is shown with the condition,
never a guess. Lines in docs/clinical-rules.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product
from math import prod
from typing import Literal

from pydantic import BaseModel, ConfigDict

from oncotrack.model.case import Diagnosis, FnclccScores

Grade = Literal["G1", "G2", "G3", "GX"]
TCategory = Literal["T1", "T2", "T3", "T4"]
NCategory = Literal["N0", "N1"]
MCategory = Literal["M0", "M1"]

GRADES: tuple[Grade, ...] = ("G1", "G2", "G3", "GX")


def fnclcc_grade(scores: FnclccScores) -> tuple[Grade, str]:
    """FNCLCC: differentiation + mitotic score + necrosis score → G1 (2-3), G2 (4-5), G3 (6-8)."""
    mitoses = scores.mitotic_count_per_10_hpf
    mitotic_score = 1 if mitoses <= 9 else 2 if mitoses <= 19 else 3
    necrosis_score = {"none": 0, "<50%": 1, ">=50%": 2}[scores.necrosis]
    total = scores.differentiation + mitotic_score + necrosis_score
    grade: Grade = "G1" if total <= 3 else "G2" if total <= 5 else "G3"
    rule = (f"FNCLCC: differentiation {scores.differentiation} + mitoses {mitoses}/10 HPF "
            f"({mitotic_score}) + necrosis {scores.necrosis} ({necrosis_score}) = {total}: {grade}")
    return grade, rule


def ajcc8_t_retroperitoneum(size_cm: float) -> TCategory:
    """AJCC 8th, retroperitoneum: T1 ≤ 5 cm; T2 > 5-10; T3 > 10-15; T4 > 15 (greatest dimension)."""
    if size_cm <= 5:
        return "T1"
    if size_cm <= 10:
        return "T2"
    return "T3" if size_cm <= 15 else "T4"


AJCC8_RETROPERITONEUM: tuple[tuple[frozenset[str], frozenset[str], frozenset[str],
                                   frozenset[str], str], ...] = (
    # T, N, M, grade -> stage; first match wins (M1 and N1 rows first)
    (frozenset({"T1", "T2", "T3", "T4"}), frozenset({"N0", "N1"}), frozenset({"M1"}),
     frozenset(GRADES), "IV"),
    (frozenset({"T1", "T2", "T3", "T4"}), frozenset({"N1"}), frozenset({"M0"}),
     frozenset(GRADES), "IIIB"),
    (frozenset({"T1"}), frozenset({"N0"}), frozenset({"M0"}), frozenset({"G1", "GX"}), "IA"),
    (frozenset({"T2", "T3", "T4"}), frozenset({"N0"}), frozenset({"M0"}),
     frozenset({"G1", "GX"}), "IB"),
    (frozenset({"T1"}), frozenset({"N0"}), frozenset({"M0"}), frozenset({"G2", "G3"}), "II"),
    (frozenset({"T2"}), frozenset({"N0"}), frozenset({"M0"}), frozenset({"G2", "G3"}), "IIIA"),
    (frozenset({"T3", "T4"}), frozenset({"N0"}), frozenset({"M0"}), frozenset({"G2", "G3"}),
     "IIIB"),
)
"""AJCC 8th edition, retroperitoneal soft-tissue sarcoma, prognostic stage groups."""


def ajcc8_stage_retroperitoneum(t: str, n: str, m: str, grade: str) -> str:
    for ts, ns, ms, gs, stage in AJCC8_RETROPERITONEUM:
        if t in ts and n in ns and m in ms and grade in gs:
            return stage
    raise ValueError(f"no AJCC 8th stage for {t} {n} {m} {grade}")


def msts_stage(grade: Literal["low", "high"], compartment: Literal["T1", "T2"],
               m: MCategory) -> str:
    """MSTS/Enneking: IA, IB, IIA, IIB, IIIA (M1 T1), IIIB (M1 T2)."""
    if m == "M1":
        return "IIIA" if compartment == "T1" else "IIIB"
    roman = "I" if grade == "low" else "II"
    return f"{roman}{'A' if compartment == 'T1' else 'B'}"


class StageOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: str
    when: str
    """The unknown categories' values that give this stage (empty when nothing was unknown)."""


class StagingResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    system: str
    stage: str | None
    """The stage when the record decides it; None when it depends on unknown categories."""
    options: list[StageOption]
    categories: dict[str, str]
    reported: str | None
    matches_reported: bool | None
    explanation: str


def _grade_of(diagnosis: Diagnosis) -> tuple[list[Grade], str]:
    if diagnosis.fnclcc is not None:
        grade, rule = fnclcc_grade(diagnosis.fnclcc)
        return [grade], rule
    text = (diagnosis.grade or "").strip().upper().replace("GRADE ", "G")
    recorded = _GRADE_TEXT.get(text)
    if recorded is not None:
        return [recorded], f"grade {recorded} as recorded"
    return list(GRADES), "grade not recorded"


_GRADE_TEXT: dict[str, Grade] = {"G1": "G1", "G2": "G2", "G3": "G3", "GX": "GX",
                                 "1": "G1", "2": "G2", "3": "G3"}


def _options(results: Iterable[tuple[str, tuple[str, ...]]],
             domains: Sequence[Sequence[str]]) -> list[StageOption]:
    """Group the conditions under which each stage results, e.g. IIIA when G2/G3.

    ``results`` pairs a stage with the values of the unknown categories; ``domains`` lists each
    unknown category's possible values. A category every value of which gives the stage is left
    out of its condition ("M1" rather than "M1 and G1/G2/G3/GX").
    """
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for stage, values in results:
        grouped.setdefault(stage, []).append(values)
    options = []
    for stage, rows in grouped.items():
        seen = [sorted({row[i] for row in rows}, key=list(domain).index)
                for i, domain in enumerate(domains)]
        if len(rows) == prod(len(s) for s in seen):  # a rectangle: say it per category
            parts = ["/".join(s) for s, d in zip(seen, domains, strict=True) if len(s) < len(d)]
            when = " and ".join(parts)
        else:
            when = " or ".join(" and ".join(row) for row in rows)
        options.append(StageOption(stage=stage, when=when))
    return options


def _reported(diagnosis: Diagnosis, system: str) -> str | None:
    for reported in diagnosis.reported_stages:
        if reported.system.upper().startswith(system.upper()):
            return reported.stage
    return None


def _verdict(system: str, options: list[StageOption], reported: str | None,
             categories: dict[str, str]) -> StagingResult:
    stages = [o.stage for o in options]
    unique = stages[0] if len(stages) == 1 else None
    shown = ", ".join(f"{o.stage} ({o.when})" if o.when else o.stage for o in options)
    known = " ".join(categories.values())
    if reported is None:
        matches = None
        explanation = f"{system}: {known} gives {shown}"
    elif reported in stages and unique is not None:
        matches = True
        explanation = f"{system}: {known} gives {unique}, as reported"
    elif reported in stages:
        matches = None
        explanation = (f"{system}: reported {reported}; {known} gives {shown}: it matches only "
                       "for some values of the unknown categories")
    else:
        matches = False
        explanation = (f"{system}: reported {reported} does not match the recomputed stage: "
                       f"{known} gives {shown}")
    return StagingResult(system=system, stage=unique, options=options, categories=categories,
                         reported=reported, matches_reported=matches, explanation=explanation)


def stage_ajcc8_retroperitoneum(diagnosis: Diagnosis) -> StagingResult:
    """Recompute the AJCC 8th stage of a retroperitoneal sarcoma and compare with the reported one.

    Unknown nodal status counts as N0 (AJCC 8th: N0 includes unknown); unknown grade, size or M
    give every possible stage with its condition.
    """
    grades, grade_rule = _grade_of(diagnosis)
    size = max(diagnosis.size_cm) if diagnosis.size_cm else None
    ts: list[str] = [ajcc8_t_retroperitoneum(size)] if size is not None else [
        "T1", "T2", "T3", "T4"]
    ns = ["N1"] if diagnosis.nodal_status == "N1" else ["N0"]
    ms = [diagnosis.distant_metastasis] if diagnosis.distant_metastasis else ["M0", "M1"]
    domains = [d for d in (ts, ms, grades) if len(d) > 1]
    results = []
    for t, n, m, g in product(ts, ns, ms, grades):
        unknown = tuple(v for v, d in ((t, ts), (m, ms), (g, grades)) if len(d) > 1)
        results.append((ajcc8_stage_retroperitoneum(t, n, m, g), unknown))
    options = _options(results, domains)
    categories = {
        "T": ts[0] + (f" ({size:g} cm)" if size is not None else "") if len(ts) == 1 else "T?",
        "N": ns[0] + ("" if diagnosis.nodal_status in ("N0", "N1") else " (nodes unknown)"),
        "M": ms[0] if len(ms) == 1 else "M?",
        "G": grades[0] if len(grades) == 1 else "G?",
    }
    result = _verdict("AJCC 8th", options, _reported(diagnosis, "AJCC"), categories)
    return result.model_copy(update={"explanation": f"{result.explanation} ({grade_rule})"})


def stage_msts(diagnosis: Diagnosis) -> StagingResult:
    """Recompute the MSTS/Enneking stage (low grade = FNCLCC G1; high = G2/G3)."""
    grades, _ = _grade_of(diagnosis)
    levels: list[Literal["low", "high"]] = []
    if any(g in ("G1", "GX") for g in grades):
        levels.append("low")
    if any(g in ("G2", "G3") for g in grades):
        levels.append("high")
    comps: list[Literal["T1", "T2"]] = (
        ["T1"] if diagnosis.compartment == "intracompartmental"
        else ["T2"] if diagnosis.compartment == "extracompartmental" else ["T1", "T2"])
    ms: list[MCategory] = [diagnosis.distant_metastasis] if diagnosis.distant_metastasis else [
        "M0", "M1"]
    named_levels = [f"{level} grade" for level in levels]
    domains = [d for d in (named_levels, comps, ms) if len(d) > 1]
    results = []
    for level, comp, m in product(levels, comps, ms):
        unknown = tuple(v for v, d in ((f"{level} grade", named_levels), (comp, comps), (m, ms))
                        if len(d) > 1)
        results.append((msts_stage(level, comp, m), unknown))
    categories = {
        "G": f"{levels[0]} grade" if len(levels) == 1 else "grade?",
        "T": comps[0] if len(comps) == 1 else "T?",
        "M": ms[0] if len(ms) == 1 else "M?",
    }
    return _verdict("MSTS", _options(results, domains), _reported(diagnosis, "MSTS"), categories)
