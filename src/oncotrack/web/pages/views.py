"""View models: stored rows and results turned into what a template shows (no clinical rule here:
responses, sums and scores come from the engines through the report's context)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oncotrack.store.models import AuditRow, RecordRow
from oncotrack.web.pages.forms import RECORD_KINDS, SPECS

HEADINGS = {"diagnoses": "Diagnoses", "lesions": "Lesions", "assessments": "Imaging assessments",
            "procedures": "Procedures", "regimens": "Drug regimens", "labs": "Labs",
            "clinical": "Clinical status", "events": "Events"}
FIRST_COLUMN = {"lesions": "Lesion", "regimens": "Drug"}


def when(moment: dt.datetime | None) -> str:
    """A stored time (UTC) to the minute."""
    if moment is None:
        return "—"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def display(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _join(parts: Iterable[str | None]) -> str:
    return "; ".join(p for p in parts if p)


def record_title(kind: str, payload: Mapping[str, Any]) -> str:
    """The first column of a record's row: its date, or its id (lesions), or its drug."""
    if kind == "lesions":
        return str(payload.get("id", "?"))
    if kind == "regimens":
        return str(payload.get("drug", "?"))
    return str(payload.get("date", "—"))


def record_summary(kind: str, p: Mapping[str, Any]) -> str:
    """One line describing a record, as entered (the results are in the report sections)."""
    marked = " (illustrative)" if p.get("illustrative") else ""
    if kind == "assessments":
        targets = ", ".join(f"{k} {display(v)}" for k, v in (p.get("target") or {}).items())
        others = ", ".join(f"{k} {v}" for k, v in (p.get("non_target") or {}).items())
        new = len(p.get("new_lesions") or [])
        return _join(["baseline" if p.get("baseline") else "follow-up", p.get("modality"),
                      f"targets: {targets}" if targets else None,
                      f"non-target: {others}" if others else None,
                      f"{new} new lesion(s)" if new else None,
                      f"recorded {p['recorded_response']}" if p.get("recorded_response") else None]
                     ) + marked
    if kind == "lesions":
        return _join([p.get("role"), p.get("organ"), "lymph node" if p.get("lymph_node") else None,
                      p.get("description")]) + marked
    if kind == "procedures":
        extra = None
        if p.get("type") == "tace":
            extra = (p.get("variant", "conventional") + " TACE" +
                     ("" if p.get("embolization_performed", True) else ", arteriography only"))
        return _join([p.get("name"), p.get("type") if extra is None else extra,
                      p.get("findings")]) + marked
    if kind == "regimens":
        dose = f"{display(p['dose'])} {p.get('unit') or ''}".strip() if p.get("dose") else None
        cycle = p.get("cycle")
        schedule = f"{cycle['days_on']} days on, {cycle['days_off']} off" if cycle else None
        span = f"from {p.get('start')}" + (f" to {p['stop']}" if p.get("stop") else "")
        return _join([dose, p.get("frequency"), schedule, span]) + marked
    if kind == "labs":
        return f"{p.get('analyte')} {display(p.get('value'))} {p.get('unit')}" + marked
    if kind == "events":
        return _join([p.get("type"), p.get("description")]) + marked
    if kind == "diagnoses":
        return _join([p.get("kind"), p.get("site"), p.get("histology"), p.get("grade")]) + marked
    return _join(f"{k}: {display(v)}" for k, v in p.items() if k not in ("date", "notes")) + marked


@dataclass(frozen=True)
class RecordView:
    id: int
    version: int
    title: str
    summary: str


@dataclass(frozen=True)
class RecordGroup:
    kind: str
    heading: str
    noun: str
    first_column: str
    rows: list[RecordView]


def record_groups(rows: Sequence[RecordRow]) -> list[RecordGroup]:
    """The patient's records by kind, in the order of the case file."""
    groups = []
    for kind in RECORD_KINDS:
        mine = sorted((r for r in rows if r.kind == kind), key=lambda r: r.position)
        groups.append(RecordGroup(
            kind=kind, heading=HEADINGS[kind], noun=SPECS[kind].title,
            first_column=FIRST_COLUMN.get(kind, "Date"),
            rows=[RecordView(r.id, r.version, record_title(kind, r.payload),
                             record_summary(kind, r.payload)) for r in mine]))
    return groups


# --- audit trail --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class AuditView:
    at: str
    username: str | None
    action: str
    what: str
    changes: list[Change]
    note: str
    reason: str | None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"target": {"T1": 20}}`` -> ``{"target.T1": 20}``; lists of records by index."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        out = {}
        for index, inner in enumerate(value):
            out.update(flatten(inner, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def changes(old: Any, new: Any) -> list[Change]:
    """Every leaf that differs between two payloads, in a stable order."""
    before, after = flatten(old or {}), flatten(new or {})
    out = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a != b:
            out.append(Change(path, None if a is None else display(a),
                              None if b is None else display(b)))
    return out


def audit_view(row: AuditRow) -> AuditView:
    """One audit row for the patient page."""
    noun = SPECS[row.kind].title if row.kind in SPECS else (row.entity or "")
    if row.entity == "record":
        payload = row.new if isinstance(row.new, Mapping) else row.old
        title = record_title(row.kind or "", payload) if isinstance(payload, Mapping) else ""
        what = f"{noun} {title}".strip() + f" (#{row.entity_id})"
    else:
        what = row.entity
    note = ""
    found: list[Change] = []
    if row.action == "update":
        found = changes(row.old, row.new)
        note = "no value changed" if not found else ""
    elif row.action == "create" and row.entity == "record" and isinstance(row.new, Mapping):
        note = record_summary(row.kind or "", row.new)
    elif row.action == "create" and isinstance(row.new, Mapping):
        patient = row.new.get("patient") or {}
        note = _join([patient.get("id"), patient.get("sex"),
                      f"{patient['age']} years" if patient.get("age") is not None else None])
    elif row.action == "delete":
        note = "soft-deleted"
    elif row.action == "import" and isinstance(row.new, Mapping):
        counts = [f"{len(row.new[k])} {k}" for k in RECORD_KINDS if row.new.get(k)]
        note = "case file: " + ", ".join(counts) if counts else "case file"
    return AuditView(at=when(row.at), username=row.username, action=row.action, what=what,
                     changes=found, note=note, reason=row.reason)


@dataclass(frozen=True)
class CompareRow:
    path: str
    stored: str
    mine: str
    differs: bool


def compare(stored: Mapping[str, Any] | None, mine: Mapping[str, Any]) -> list[CompareRow]:
    """A stored payload beside the one the user submitted, field by field (the 409 page)."""
    before, after = flatten(stored or {}), flatten(mine)
    rows = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        rows.append(CompareRow(path, "—" if a is None else display(a),
                               "—" if b is None else display(b), a != b))
    return rows
