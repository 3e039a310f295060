"""Request and response bodies of the API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

Role = Literal["viewer", "editor", "admin"]
MAX_ID = 2**31 - 1
"""Ids and versions are 32-bit integers in the database: larger ones cannot exist."""
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
VersionNumber = Annotated[int, Field(ge=1, le=MAX_ID, description="The version read; a "
                                     "different stored version is a 409.")]


class Error(BaseModel):
    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    scope: Literal["case"] | None = Field(
        default=None, description="'case' when the problem is elsewhere in the case (loc is then "
        "the path in the whole case); absent when loc is inside the payload sent.")


class InvalidBody(BaseModel):
    detail: str
    errors: list[FieldError]


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    active: bool
    created_at: dt.datetime


class Me(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Send as X-CSRF-Token on POST, PUT, PATCH and DELETE.")


class CsrfOut(BaseModel):
    csrf_token: str


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=8, max_length=1024)
    role: Role


class PatientOut(BaseModel):
    id: int
    label: str
    version: int
    case_revision: int
    payload: dict[str, Any] = Field(description="patient, source, notes, endpoints.")
    created_at: dt.datetime
    updated_at: dt.datetime


class PatientIn(BaseModel):
    """A patient without records: the ``patient`` mapping of a case file and its companions."""

    patient: dict[str, Any] = Field(description="id (pseudonymous label), sex, age, birth_year.")
    source: str | None = None
    notes: str | None = None
    endpoints: dict[str, Any] | None = None


class PatientUpdate(PatientIn):
    version: VersionNumber
    reason: str | None = Field(default=None, max_length=2000)


class RecordOut(BaseModel):
    id: int
    patient_id: int
    kind: str
    position: int
    version: int
    payload: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class RecordIn(BaseModel):
    payload: dict[str, Any] = Field(description="One item of the case's list, as in a case file "
                                    "(see `oncotrack schema`).")
    reason: str | None = Field(default=None, max_length=2000)


class RecordUpdate(RecordIn):
    version: VersionNumber


class Conflict409(BaseModel):
    detail: str
    current: dict[str, Any] | None = Field(
        default=None, description="The record as stored now (on a version conflict).")


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    user_id: int | None
    username: str | None
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    kind: str | None
    old: Any | None
    new: Any | None
    reason: str | None


class CohortOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    status: str
    created_at: dt.datetime
    summary: dict[str, Any] = Field(description="subjects, best_response counts, and the "
                                    "Kaplan–Meier analysis of every ADTTE parameter.")


class CohortBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    status: str
    created_at: dt.datetime


class Problems(BaseModel):
    detail: str
    errors: list[FieldError]
