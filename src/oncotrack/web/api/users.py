"""Users and roles (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from oncotrack.store import users as store
from oncotrack.web.api.schemas import Error, InvalidBody, NewUser, UserOut
from oncotrack.web.deps import Admin, DbSession

router = APIRouter(tags=["users"], responses={
    401: {"model": Error, "description": "Not signed in."},
    403: {"model": Error, "description": "Admins only."},
})


@router.get("/users", response_model=list[UserOut])
def list_users(db: DbSession, _admin: Admin) -> Any:
    return store.list_users(db)


@router.post("/users", response_model=UserOut, status_code=201,
             responses={409: {"model": Error}, 422: {"model": InvalidBody}})
def add_user(body: NewUser, db: DbSession, admin: Admin) -> Any:
    """Add a user with a role: viewer reads; editor also records and edits; admin also manages
    users."""
    return store.create_user(db, body.username, body.password, body.role, actor=admin)
