"""Eligibility rules: ablation (1-3 lesions, each < 3 cm) and TACE liver-function limits."""

from __future__ import annotations

import pytest

from oncotrack.scores.eligibility import (
    AblationLimits,
    TaceLimits,
    ablation_eligibility,
    tace_eligibility,
)


@pytest.mark.parametrize(("diameters", "eligible"), [
    ([12.0], True),
    ([29.9, 20.0, 10.0], True),               # 3 lesions, all < 30 mm
    ([30.0], False),                          # exactly 3 cm is not < 3 cm
    ([10.0, 10.0, 10.0, 10.0], False),        # 4 lesions
    ([], False),                              # no lesion to ablate
    ([10.0, None], None),                     # a lesion without a size: unknown
    ([40.0, None], False),                    # one too big decides it
])
def test_ablation(diameters: list[float | None], eligible: bool | None) -> None:
    assert ablation_eligibility(diameters).eligible is eligible


def test_ablation_limits_are_parameters() -> None:
    limits = AblationLimits(max_lesions=5, max_diameter_mm=50)
    assert ablation_eligibility([40.0] * 5, limits).eligible is True


@pytest.mark.parametrize(("bili", "cp", "albi", "eligible"), [
    (1.0, "A", 1, True),
    (3.0, "B", 2, True),       # 3.0 mg/dL is not above 3
    (3.01, "A", 1, False),
    (1.0, "C", 2, False),
    (1.0, "A", 3, False),
    (1.0, None, 2, None),      # Child-Pugh unknown
])
def test_tace_liver_function(bili: float, cp: str | None, albi: int, eligible: bool | None
                             ) -> None:
    assert tace_eligibility(bili, cp, albi).eligible is eligible


def test_tace_limits_are_parameters() -> None:
    lenient = TaceLimits(max_bilirubin_mg_dl=5, excluded_child_pugh=(), excluded_albi_grades=())
    assert tace_eligibility(4.0, "C", 3, lenient).eligible is True
