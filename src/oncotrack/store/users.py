"""Users and their roles; passwords kept as argon2id hashes (argon2-cffi's defaults)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrack.store.errors import Conflict, InvalidRecord, NotFound
from oncotrack.store.models import ROLES, UserRow, utcnow
from oncotrack.store.repository import write_audit

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD = 8
# A hash of no one's password: verifying against it when the user does not exist costs the same
# time as a real check, so response times do not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("no such user; constant-time dummy")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_new_user(username: str, password: str, role: str) -> None:
    errors = []
    if not _USERNAME.match(username):
        errors.append({"loc": ["username"], "msg": "1 to 64 letters, digits or . _ @ -"})
    if len(password) < MIN_PASSWORD:
        errors.append({"loc": ["password"], "msg": f"at least {MIN_PASSWORD} characters"})
    if role not in ROLES:
        errors.append({"loc": ["role"], "msg": f"expected one of {', '.join(ROLES)}"})
    if errors:
        raise InvalidRecord(errors)


def create_user(s: Session, username: str, password: str, role: str,
                actor: UserRow | None = None) -> UserRow:
    """A new active user (audited; ``actor`` is the admin who added it, None from the CLI)."""
    check_new_user(username, password, role)
    if user_by_name(s, username) is not None:
        raise Conflict(f"user {username!r} already exists")
    row = UserRow(username=username, password_hash=hash_password(password), role=role,
                  active=True, created_at=utcnow())
    s.add(row)
    s.flush()
    write_audit(s, actor, "create", "user", row.id, new={"username": username, "role": role})
    return row


def user_by_name(s: Session, username: str) -> UserRow | None:
    return s.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()


def get_user(s: Session, user_id: int) -> UserRow:
    row = s.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id}")
    return row


def list_users(s: Session) -> list[UserRow]:
    return list(s.execute(select(UserRow).order_by(UserRow.username)).scalars())


def set_password(s: Session, user: UserRow, password: str, actor: UserRow | None = None) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRecord([{"loc": ["password"], "msg": f"at least {MIN_PASSWORD} characters"}])
    user.password_hash = hash_password(password)
    write_audit(s, actor, "password", "user", user.id)
