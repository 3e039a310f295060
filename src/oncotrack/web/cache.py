"""Derived results per case revision: ``assess()`` runs once per change of a case, not per view.

A case's revision is raised by every change to it (in the same transaction), so a result cached
under ``(patient id, revision)`` can never be stale; a bounded LRU keeps memory flat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from oncotrack.assessment import AssessmentResult, assess
from oncotrack.model.case import Case
from oncotrack.model.problems import CaseError
from oncotrack.store.repository import case_revision, load_case

T = TypeVar("T")


class RevisionCache(Generic[T]):
    """A thread-safe LRU of values computed per ``(patient id, case revision)``."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[tuple[int, int, str], T] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: tuple[int, int, str], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two threads may compute once each, harmlessly
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class Assessed:
    """A case, and its assessment or the problems that stop it (no baseline yet, ...)."""

    def __init__(self, case: Case, revision: int) -> None:
        self.case, self.revision = case, revision
        self.result: AssessmentResult | None = None
        self.error: CaseError | None = None
        self._json: bytes | None = None
        try:
            self.result = assess(case)
        except CaseError as error:
            self.error = error

    @property
    def json(self) -> bytes:
        """The assessment as ``oncotrack assess --format json`` writes it (computed once)."""
        if self._json is None:
            assert self.result is not None
            self._json = self.result.model_dump_json().encode()
        return self._json


def assessed(cache: RevisionCache[Assessed], db: Session, patient_id: int) -> Assessed:
    """The patient's case and assessment at its current revision (NotFound if no patient)."""
    revision = case_revision(db, patient_id)
    return cache.get((patient_id, revision, "assess"),
                     lambda: Assessed(load_case(db, patient_id), revision))
