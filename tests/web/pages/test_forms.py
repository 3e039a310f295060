"""Form <-> payload translation and error placement (no server, no database)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from oncotrack.model.case import Assessment, Diagnosis, Procedure, Regimen
from oncotrack.web.pages.forms import (
    SPECS,
    input_names,
    map_errors,
    payload_from_form,
    values_from_payload,
)

LESIONS = [{"id": "T1", "organ": "liver", "role": "target"},
           {"id": "T2", "organ": "lung", "role": "target"},
           {"id": "NT1", "organ": "bone", "role": "non-target"}]


def test_assessment_grid_becomes_a_valid_assessment() -> None:
    form = {"date": "2024-03-15", "modality": "CT", "target.T1": "30", "target.T2": "too-small",
            "non_target.NT1": "present", "new_lesions.0.organ": "lung",
            "new_lesions.0.size_mm": "8.5", "new_lesions.0.equivocal": "on",
            "new_lesions.1.organ": "", "new_lesions.1.size_mm": ""}
    payload = payload_from_form(SPECS["assessments"], form, None, LESIONS)
    assert payload == {"date": "2024-03-15", "modality": "CT",
                       "target": {"T1": 30, "T2": "too-small"},
                       "non_target": {"NT1": "present"},
                       "new_lesions": [{"organ": "lung", "unequivocal": False, "size_mm": 8.5}]}
    Assessment.model_validate(payload)


def test_a_value_that_is_not_a_number_reaches_the_model_as_typed() -> None:
    payload = payload_from_form(SPECS["assessments"], {"date": "2024-03-15", "target.T1": "3O"},
                                None, LESIONS)
    assert payload["target"] == {"T1": "3o"}
    with pytest.raises(ValidationError) as error:
        Assessment.model_validate(payload)
    loc = [str(p) for p in error.value.errors()[0]["loc"]]
    placed = map_errors([{"loc": loc, "msg": "bad"}], input_names(SPECS["assessments"], LESIONS))
    assert placed.by_field == {"target.T1": ["bad"]}


def test_round_trip_keeps_fields_the_form_does_not_show() -> None:
    stored = {"date": "2022-04-10", "target": {"T1": 40.0, "T2": 22.0}, "baseline": False,
              "viable": {"T1": 20.0}, "illustrative": True, "notes": "from the paper"}
    spec = SPECS["assessments"]
    form = values_from_payload(spec, stored)
    assert form["target.T1"] == "40"
    assert form["illustrative"] == "on"
    form["target.T1"] = "38"
    payload = payload_from_form(spec, form, stored, LESIONS)
    assert payload["target"] == {"T1": 38, "T2": 22.0}
    assert payload["viable"] == {"T1": 20.0}  # not on the form: kept
    assert payload["illustrative"] is True
    assert "baseline" not in payload  # unticked: the model's default


def test_procedure_type_change_drops_the_old_types_fields() -> None:
    stored = {"type": "tace", "date": "2022-01-05", "variant": "deb",
              "drugs": [{"drug": "epirubicin", "dose": 40, "unit": "mg"}],
              "treated_lesions": ["T1"]}
    spec = SPECS["procedures"]
    form = values_from_payload(spec, stored)
    assert form["embolization_performed"] == "on"  # the model's default is True
    assert form["treated_lesions"] == "T1"
    same = payload_from_form(spec, form, stored)
    assert same["drugs"] == stored["drugs"]
    assert same["embolization_performed"] is True
    form["type"] = "biopsy"
    form["site"] = "liver"
    changed = payload_from_form(spec, form, stored)
    assert changed == {"type": "biopsy", "date": "2022-01-05", "site": "liver"}
    TypeAdapter(Procedure).validate_python(changed)


def test_nested_fields_and_yes_no() -> None:
    form = {"drug": "anlotinib", "dose": "8", "unit": "mg", "start": "2021-12-03",
            "cycle.days_on": "14", "cycle.days_off": "7", "holds.days_before": "1",
            "holds.days_after": ""}
    payload = payload_from_form(SPECS["regimens"], form, None)
    assert payload["cycle"] == {"days_on": 14, "days_off": 7}
    assert payload["holds"] == {"days_before": 1}
    Regimen.model_validate(payload)
    clinical = payload_from_form(SPECS["clinical"], {"date": "2024-01-01", "dialysis": "no"},
                                 None)
    assert clinical == {"date": "2024-01-01", "dialysis": False}


def test_errors_go_beside_their_field_or_to_the_top() -> None:
    names = [f.name for f in SPECS["regimens"].fields]
    placed = map_errors([
        {"loc": ["cycle", "days_on"], "msg": "must be > 0"},
        {"loc": ["interruptions", 0, "start"], "msg": "no such field on the form"},
        {"loc": ["assessments", 2, "target", "T1"], "msg": "whole case", "scope": "case"},
    ], names)
    assert placed.by_field == {"cycle.days_on": ["must be > 0"]}
    assert placed.general == ["interruptions[0].start: no such field on the form",
                              "assessments[2].target.T1: whole case"]


def test_patient_form_paths() -> None:
    spec = SPECS["patients"]
    payload = payload_from_form(spec, {"patient.id": "P-1", "patient.sex": "male",
                                       "patient.age": "61", "endpoints.reference_date": ""},
                                {"patient": {"id": "P-0", "birth_year": 1960}, "notes": "x"})
    assert payload == {"patient": {"id": "P-1", "sex": "male", "age": 61}}
    placed = map_errors([{"loc": ["patient", "age"], "msg": "too old"}],
                        [f.name for f in spec.fields])
    assert placed.by_field == {"patient.age": ["too old"]}


def test_a_new_form_starts_from_the_models_defaults() -> None:
    assert values_from_payload(SPECS["procedures"], {}) == {"embolization_performed": "on"}
    assert values_from_payload(SPECS["labs"], {}) == {}


def test_other_criteria_measurements_beside_the_diameter() -> None:
    spec = SPECS["assessments"]
    form = {"date": "2024-03-15", "target.T1": "30", "viable.T1": "absent",
            "perpendicular.T1": "22", "attenuation_hu.T1": "41.5", "viable.T2": ""}
    payload = payload_from_form(spec, form, None, LESIONS)
    assert payload["viable"] == {"T1": "absent"}
    assert payload["perpendicular"] == {"T1": 22}
    assert payload["attenuation_hu"] == {"T1": 41.5}
    assert "viable_perpendicular" not in payload
    Assessment.model_validate(payload)
    assert values_from_payload(spec, payload)["attenuation_hu.T1"] == "41.5"
    assert "viable.T1" in input_names(spec, LESIONS)


def test_diagnosis_size_and_markers() -> None:
    spec = SPECS["diagnoses"]
    form = {"site": "retroperitoneum", "size_cm": "9 × 4.5 x 4,5",
            "ihc": "Desmin: positive; Ki-67: 50%;", "molecular": ""}
    payload = payload_from_form(spec, form, None)
    assert payload == {"site": "retroperitoneum", "size_cm": [9, 4.5, "4,5"],
                       "ihc": {"Desmin": "positive", "Ki-67": "50%"}}
    with pytest.raises(ValidationError):  # a decimal comma is refused, never read as 4 and 5
        Diagnosis.model_validate(payload)
    form["size_cm"] = "9 × 4.5 × 4.5"
    payload = payload_from_form(spec, form, None)
    assert payload["size_cm"] == [9, 4.5, 4.5]
    Diagnosis.model_validate(payload)
    shown = values_from_payload(spec, payload)
    assert shown["size_cm"] == "9 × 4.5 × 4.5"
    assert shown["ihc"] == "Desmin: positive; Ki-67: 50%"
    assert payload_from_form(spec, shown, payload) == payload
