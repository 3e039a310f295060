"""The data-entry forms: which fields each record kind shows, and the translation between an HTML
form (flat ``name=value`` pairs) and the record payload the store validates.

No validation lives here: a value that does not parse as a number is passed on as typed, so that
the model's own error (with its field path) is what the user sees beside the field. Fields a form
does not show (e.g. a TACE's drug list) are kept from the stored record when it is edited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from oncotrack.model.vocabulary import (
    EventType,
    LesionRole,
    MeasurementStatus,
    NonTargetStatus,
    Response,
)

DATE_HELP = "YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known"
DATE_PATTERN = r"\d{4}(-\d{2}(-\d{2})?)?"


@dataclass(frozen=True)
class Field:
    """One input. ``name`` is the dotted path of the value in the payload (``cycle.days_on``)."""

    name: str
    label: str
    type: str = "text"  # text, number, integer, date, select, checkbox, textarea, list,
    # numbers (a list of numbers), pairs (a mapping, written "key: value; key: value")
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    only_for: frozenset[str] = frozenset()
    """Procedure types the field belongs to (empty: every type)."""

    @property
    def input_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass(frozen=True)
class FormSpec:
    kind: str
    title: str
    """Singular noun: 'imaging assessment', 'lab value', ..."""
    fields: tuple[Field, ...]
    discriminator: str | None = None
    """The field whose value selects the variant (procedures: ``type``)."""
    variants: tuple[str, ...] = field(default=())


def _yes_no() -> tuple[str, ...]:
    return ("", "yes", "no")


_SOURCED = (
    Field("illustrative", "Illustrative values (not measured or published)", "checkbox"),
    Field("notes", "Notes", "textarea"),
)

PROCEDURE_TYPES = ("tace", "surgery", "radiotherapy", "ablation", "biopsy", "other")
_TACE = frozenset({"tace"})
_ABLATION_OR_TACE = frozenset({"tace", "ablation"})

SPECS: dict[str, FormSpec] = {
    "patients": FormSpec("patients", "patient", (
        Field("patient.id", "Pseudonymous identifier", required=True,
              help="No name or hospital number: a code such as LMS-001."),
        Field("patient.sex", "Sex", "select", choices=("unknown", "female", "male", "other")),
        Field("patient.age", "Age at presentation (years)", "integer"),
        Field("patient.birth_year", "Year of birth", "integer"),
        Field("endpoints.reference_date", "Reference date (time zero for PFS and OS)", "date",
              help="Randomisation or start of treatment; empty: the first treatment after "
              "the baseline scan."),
        Field("source", "Source of the facts"),
        Field("notes", "Notes", "textarea"),
    )),
    "diagnoses": FormSpec("diagnoses", "diagnosis", (
        Field("kind", "Kind", "select", choices=("primary", "metastasis", "recurrence")),
        Field("date", "Date", "date"),
        Field("site", "Site", required=True),
        Field("histology", "Histology"),
        Field("grade", "Grade", help="e.g. FNCLCC G2"),
        Field("size_cm", "Size (cm, largest first)", "numbers",
              help="e.g. 9 × 4.5 × 4.5 (decimal point, not comma)"),
        Field("ihc", "Immunohistochemistry", "pairs",
              help="marker: result; marker: result (e.g. Desmin: positive; Ki-67: 50%)"),
        Field("molecular", "Molecular tests", "pairs", help="test: result; test: result"),
        Field("confirmed_by", "Confirmed by", help="e.g. surgical pathology, biopsy"),
        Field("nodal_status", "Regional nodes (AJCC)", "select", choices=("", "N0", "N1", "NX")),
        Field("distant_metastasis", "Distant metastasis (AJCC)", "select",
              choices=("", "M0", "M1")),
        Field("compartment", "Compartment (MSTS)", "select",
              choices=("", "intracompartmental", "extracompartmental")),
        *_SOURCED,
    )),
    "lesions": FormSpec("lesions", "lesion", (
        Field("id", "Lesion id", required=True, help="Short, no spaces: T1, NT1, ..."),
        Field("organ", "Organ", required=True),
        Field("role", "Role", "select", required=True, choices=tuple(r.value for r in LesionRole)),
        Field("lymph_node", "Lymph node (measured on the short axis)", "checkbox"),
        Field("previously_treated", "Irradiated or locally treated before baseline", "checkbox"),
        Field("description", "Description"),
        *_SOURCED,
    )),
    "assessments": FormSpec("assessments", "imaging assessment", (
        Field("date", "Scan date", "date", required=True),
        Field("baseline", "Baseline scan", "checkbox"),
        Field("modality", "Modality", "select", choices=("", "CT", "MRI", "PET-CT", "X-ray",
                                                         "clinical")),
        Field("slice_thickness_mm", "Slice thickness (mm)", "number"),
        Field("tumour_markers_normal", "Tumour markers normal", "select", choices=_yes_no(),
              help="'no' blocks a complete response of non-target disease"),
        Field("recorded_response", "Response recorded by the clinician", "select",
              choices=("", *(r.value for r in Response))),
        *_SOURCED,
    )),
    "procedures": FormSpec("procedures", "procedure", (
        Field("type", "Type", "select", required=True, choices=PROCEDURE_TYPES),
        Field("date", "Date", "date", required=True),
        Field("name", "Name", help="e.g. DEB-TACE 3"),
        Field("variant", "TACE variant", "select", choices=("conventional", "deb", "bland"),
              only_for=_TACE),
        Field("embolization_performed", "Embolization performed (unticked: arteriography only)",
              "checkbox", only_for=_TACE),
        Field("embolic_device", "Embolic device", only_for=_TACE),
        Field("bead_size_um", "Bead size (µm)", only_for=_TACE, help="e.g. 100-300"),
        Field("treated_lesions", "Treated lesions", "list", only_for=_ABLATION_OR_TACE,
              help="Lesion ids separated by commas"),
        Field("technique", "Technique", only_for=frozenset({"ablation"}),
              help="RFA, MWA, cryoablation"),
        Field("approach", "Approach", only_for=frozenset({"surgery"})),
        Field("margin", "Margin", only_for=frozenset({"surgery"}), help="R0, R1, R2 or unknown"),
        Field("site", "Site", only_for=frozenset({"radiotherapy", "biopsy"})),
        Field("dose_gy", "Dose (Gy)", "number", only_for=frozenset({"radiotherapy"})),
        Field("fractions", "Fractions", "integer", only_for=frozenset({"radiotherapy"})),
        Field("end_date", "Last day", "date", only_for=frozenset({"radiotherapy"})),
        Field("findings", "Findings", "textarea"),
        *_SOURCED,
    ), discriminator="type", variants=PROCEDURE_TYPES),
    "regimens": FormSpec("regimens", "drug regimen", (
        Field("drug", "Drug", required=True),
        Field("dose", "Dose", "number"),
        Field("unit", "Unit", help="e.g. mg"),
        Field("route", "Route", help="e.g. oral"),
        Field("frequency", "Frequency", help="e.g. once daily, q3w"),
        Field("start", "Start", "date", required=True),
        Field("stop", "Stop", "date"),
        Field("cycle.days_on", "Cycle: days on", "integer"),
        Field("cycle.days_off", "Cycle: days off", "integer"),
        Field("cycles_planned", "Cycles planned", "integer"),
        Field("holds.days_before", "Held days before a procedure", "integer"),
        Field("holds.days_after", "Held days after a procedure", "integer"),
        Field("intent", "Intent", help="adjuvant, first line, ..."),
        *_SOURCED,
    )),
    "labs": FormSpec("labs", "lab value", (
        Field("date", "Date", "date", required=True),
        Field("analyte", "Analyte", required=True, help="e.g. ALT, bilirubin, albumin, INR"),
        Field("value", "Value", "number", required=True),
        Field("unit", "Unit", required=True, help="e.g. U/L, µmol/L, g/L"),
        Field("low", "Reference range: low", "number"),
        Field("high", "Reference range: high", "number"),
        *_SOURCED,
    )),
    "clinical": FormSpec("clinical", "clinical status", (
        Field("date", "Date", "date", required=True),
        Field("ascites", "Ascites", "select", choices=("", "none", "mild", "moderate-severe")),
        Field("encephalopathy", "Encephalopathy", "select",
              choices=("", "none", "grade-1-2", "grade-3-4")),
        Field("dialysis", "Dialysis in the past week", "select", choices=_yes_no()),
        Field("on_anticoagulation", "On anticoagulation", "select", choices=_yes_no()),
        *_SOURCED,
    )),
    "events": FormSpec("events", "event", (
        Field("date", "Date", "date", required=True),
        Field("type", "Event", "select", required=True, choices=tuple(e.value for e in EventType)),
        Field("description", "Description"),
        *_SOURCED,
    )),
}

RECORD_KINDS = ("diagnoses", "lesions", "assessments", "procedures", "regimens", "labs",
                "clinical", "events")

MEASUREMENT_WORDS = tuple(s.value for s in MeasurementStatus)
EXTRA_MEASUREMENTS = (
    ("viable", "Viable (enhancing) part, mm", "mRECIST, EASL"),
    ("viable_perpendicular", "Viable part, perpendicular, mm", "EASL"),
    ("perpendicular", "Perpendicular diameter, mm", "WHO"),
    ("attenuation_hu", "Attenuation, HU", "Choi"),
)
"""Per-target-lesion values of the other criteria, entered beside the RECIST diameter."""
GRID_KEYS = ("target", "non_target", "new_lesions", *(key for key, _, _ in EXTRA_MEASUREMENTS))
NON_TARGET_CHOICES = tuple(s.value for s in NonTargetStatus)


# --- form -> payload ----------------------------------------------------------------------------


def _number(text: str, integer: bool) -> Any:
    """A number when the text is one; else the text itself, for the model to refuse by name."""
    try:
        value = float(text)
    except ValueError:
        return text
    if integer and value.is_integer():
        return int(value)
    return int(value) if not integer and value.is_integer() and "." not in text else value


def _parse(spec_field: Field, raw: str | None) -> Any:
    """The payload value of one input; None when the input is empty (the key is then left out)."""
    if spec_field.type == "checkbox":
        return raw is not None
    text = (raw or "").strip()
    if not text:
        return None
    if spec_field.type in ("number", "integer"):
        return _number(text, spec_field.type == "integer")
    if spec_field.type == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if spec_field.type == "numbers":
        # "9 × 4.5 × 4.5"; a comma is not a separator: "4,5" may be a decimal comma, so it
        # goes to the model as typed and comes back as an error rather than as two numbers
        parts = text.replace("×", " ").replace("x", " ").replace(";", " ").split()
        return [_number(part, integer=False) for part in parts]
    if spec_field.type == "pairs":
        return dict(_pair(part) for part in text.split(";") if part.strip())
    if spec_field.choices == _yes_no():
        return {"yes": True, "no": False}.get(text, text)
    return text


def _pair(text: str) -> tuple[str, str]:
    key, _, value = text.partition(":")
    return key.strip(), value.strip()


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        if value is None:
            target.pop(head, None)
        else:
            target[head] = value
        return
    inner = target.get(head)
    inner = dict(inner) if isinstance(inner, dict) else {}
    _set(inner, rest, value)
    if inner:
        target[head] = inner
    else:
        target.pop(head, None)


def fields_for(spec: FormSpec, variant: str | None) -> list[Field]:
    """The fields that belong to ``variant`` (every field when the form has no variants)."""
    return [f for f in spec.fields if not f.only_for or variant in f.only_for]


def payload_from_form(spec: FormSpec, form: Mapping[str, str], existing: Mapping[str, Any] | None,
                      lesions: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The record payload a submitted form describes.

    ``existing``: the stored payload when editing (its keys no field covers are kept; a changed
    procedure type drops the fields of the old type). ``lesions``: the patient's lesions, for
    the measurement grid of an assessment.
    """
    payload: dict[str, Any] = dict(existing or {})
    variant = None
    if spec.discriminator:
        variant = (form.get(spec.discriminator) or "").strip() or None
        if existing and existing.get(spec.discriminator) != variant:
            keep = {f.name for f in spec.fields if not f.only_for}
            payload = {k: v for k, v in payload.items() if k in keep}
    for spec_field in spec.fields:
        if spec_field.only_for and variant not in spec_field.only_for:
            _set(payload, spec_field.name, None)
            continue
        value = _parse(spec_field, form.get(spec_field.name))
        if spec_field.type == "checkbox" and value is False and spec_field.name != \
                "embolization_performed":
            value = None  # the model's default; keeps payloads (and the audit trail) small
        _set(payload, spec_field.name, value)
    if spec.kind == "assessments":
        payload.update(_assessment_grid(form, lesions))
        _drop_empty(payload, GRID_KEYS)
    return payload


def _drop_empty(payload: dict[str, Any], keys: Iterable[str]) -> None:
    for key in keys:
        if key in payload and not payload[key]:
            del payload[key]


def _assessment_grid(form: Mapping[str, str], lesions: Sequence[Mapping[str, Any]]
                     ) -> dict[str, Any]:
    """Per-lesion measurements (``target.<id>``), non-target statuses (``non_target.<id>``) and
    new lesions (``new_lesions.<n>.<field>``) of an assessment form."""
    target: dict[str, Any] = {}
    non_target: dict[str, Any] = {}
    extra: dict[str, dict[str, Any]] = {key: {} for key, _, _ in EXTRA_MEASUREMENTS}
    for lesion in lesions:
        lesion_id = str(lesion.get("id"))
        if lesion.get("role") == LesionRole.TARGET.value:
            for key, values in (("target", target), *extra.items()):
                text = (form.get(f"{key}.{lesion_id}") or "").strip()
                if text:
                    parsed = _number(text, integer=False)
                    values[lesion_id] = parsed if not isinstance(parsed, str) else text.lower()
        else:
            status = (form.get(f"non_target.{lesion_id}") or "").strip()
            if status:
                non_target[lesion_id] = status
    new_lesions = []
    for index in sorted(_new_lesion_rows(form)):
        prefix = f"new_lesions.{index}."
        organ = (form.get(prefix + "organ") or "").strip()
        size = (form.get(prefix + "size_mm") or "").strip()
        if not organ and not size:
            continue  # a blank row left in the form
        item: dict[str, Any] = {"organ": organ}
        if form.get(prefix + "equivocal") is not None:
            item["unequivocal"] = False
        if size:
            item["size_mm"] = _number(size, integer=False)
        new_id = (form.get(prefix + "id") or "").strip()
        if new_id:
            item["id"] = new_id
        new_lesions.append(item)
    return {"target": target, "non_target": non_target, "new_lesions": new_lesions, **extra}


def _new_lesion_rows(form: Mapping[str, str]) -> set[int]:
    rows = set()
    for key in form:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "new_lesions" and parts[1].isdigit():
            rows.add(int(parts[1]))
    return rows


# --- payload -> form ----------------------------------------------------------------------------


def _get(payload: Mapping[str, Any], path: str) -> Any:
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _plain(value: Any) -> str:
    """A stored value as a person types it: 34.0 mm is shown as 34."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def values_from_payload(spec: FormSpec, payload: Mapping[str, Any]) -> dict[str, str]:
    """The form's input values (as the browser would send them) for a stored payload."""
    values: dict[str, str] = {}
    for spec_field in spec.fields:
        value = _get(payload, spec_field.name)
        if spec_field.type == "checkbox":
            default = spec_field.name == "embolization_performed"
            if (default if value is None else bool(value)):
                values[spec_field.name] = "on"
        elif value is None:
            continue
        elif isinstance(value, bool):
            values[spec_field.name] = "yes" if value else "no"
        elif spec_field.type == "numbers" and isinstance(value, list):
            values[spec_field.name] = " × ".join(_plain(v) for v in value)
        elif spec_field.type == "pairs" and isinstance(value, dict):
            values[spec_field.name] = "; ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            values[spec_field.name] = ", ".join(str(v) for v in value)
        else:
            values[spec_field.name] = _plain(value)
    if spec.kind == "assessments":
        for key in ("target", *(key for key, _, _ in EXTRA_MEASUREMENTS)):
            for lesion_id, measurement in (payload.get(key) or {}).items():
                values[f"{key}.{lesion_id}"] = _plain(measurement)
        for lesion_id, status in (payload.get("non_target") or {}).items():
            values[f"non_target.{lesion_id}"] = str(status)
        for index, item in enumerate(payload.get("new_lesions") or []):
            prefix = f"new_lesions.{index}."
            values[prefix + "organ"] = str(item.get("organ", ""))
            if item.get("size_mm") is not None:
                values[prefix + "size_mm"] = _plain(item["size_mm"])
            if item.get("unequivocal") is False:
                values[prefix + "equivocal"] = "on"
            if item.get("id"):
                values[prefix + "id"] = str(item["id"])
    return values


# --- errors -> fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormErrors:
    """Errors next to their inputs (by input name), and those no input shows (with their path)."""

    by_field: dict[str, list[str]]
    general: list[str]

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)


def _path(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def map_errors(errors: Iterable[Mapping[str, Any]], names: Iterable[str],
               prefix: Sequence[str] = ()) -> FormErrors:
    """Place each ``{"loc": [...], "msg": ...}`` error beside the input whose name is its path
    (``prefix`` is stripped first: the patient form's paths start at the payload root). Errors
    about the whole case (``scope: case``) or a path no input has go to ``general``."""
    known = set(names)
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors:
        loc = [str(p) for p in error.get("loc") or []]
        msg = str(error.get("msg", ""))
        if error.get("scope") != "case":
            if list(prefix) and loc[:len(prefix)] == list(prefix):
                loc = loc[len(prefix):]
            # the longest path that is an input: "cycle.days_on", or "target.T1" for a value
            # error inside the measurement
            for end in range(len(loc), 0, -1):
                name = ".".join(loc[:end])
                if name in known:
                    by_field.setdefault(name, []).append(msg)
                    break
            else:
                general.append(f"{_path(error.get('loc') or [])}: {msg}" if loc else msg)
            continue
        general.append(f"{_path(error.get('loc') or [])}: {msg}")
    return FormErrors(by_field, general)


def input_names(spec: FormSpec, lesions: Sequence[Mapping[str, Any]] = (),
                new_lesion_rows: int = 0) -> list[str]:
    """Every input name the form has (for placing errors)."""
    names = [f.name for f in spec.fields]
    if spec.kind == "assessments":
        for lesion in lesions:
            if lesion.get("role") == LesionRole.TARGET.value:
                names.extend(f"{key}.{lesion.get('id')}"
                             for key in ("target", *(k for k, _, _ in EXTRA_MEASUREMENTS)))
            else:
                names.append(f"non_target.{lesion.get('id')}")
        names.extend(f"new_lesions.{i}.{part}" for i in range(new_lesion_rows)
                     for part in ("organ", "size_mm", "equivocal", "id"))
        names.extend(GRID_KEYS)
    return names
