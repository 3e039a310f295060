"""Small synthetic cases for tests, written as the case-file dictionaries users write."""

from __future__ import annotations

from typing import Any

from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case
from oncotrack.model.problems import CaseError


def lesion(lesion_id: str, organ: str = "liver", role: str = "target", node: bool = False
           ) -> dict[str, Any]:
    return {"id": lesion_id, "organ": organ, "role": role, "lymph_node": node}


def visit(date: str, target: dict[str, Any] | None = None, non_target: dict[str, str] | None = None,
          new: list[dict[str, Any]] | None = None, baseline: bool = False, **extra: Any
          ) -> dict[str, Any]:
    data: dict[str, Any] = {"date": date, "baseline": baseline, "target": target or {},
                            "non_target": non_target or {}, "new_lesions": new or []}
    data.update(extra)
    return data


def build(lesions: list[dict[str, Any]], assessments: list[dict[str, Any]], **rest: Any) -> Case:
    """A validated, consistent case (raises CaseError like a case file would)."""
    data = {"patient": {"id": "SYN-001"}, "lesions": lesions, "assessments": assessments, **rest}
    case = Case.model_validate(data)
    problems = check_case(case)
    if problems:
        raise CaseError(problems)
    return case
