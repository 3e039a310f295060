"""Cohorts uploaded as SDTM tables: derived once on upload, stored with a summary.

The upload (TU, TR, subjects and optionally RS; CSV, XPT or Dataset-JSON) is read by
:mod:`oncotrack.interop.sdtm` and derived by :func:`oncotrack.cohort.derive.derive`, the same
path as ``oncotrack cohort derive``; ADaM adrs and adtte are stored as Parquet bytes and the
summary holds the Kaplan–Meier analysis of every ADTTE parameter (:mod:`oncotrack.cohort.survival`)
and the best-response counts. Input errors name the file, row and column.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncotrack.model.problems import CaseError
from oncotrack.store.errors import InvalidRecord, NotFound
from oncotrack.store.models import CohortRow, UserRow, utcnow
from oncotrack.store.repository import write_audit

ROLES = {"tu": "TU", "tr": "TR", "rs": "RS", "subjects": "ADSL"}
REQUIRED = ("tu", "tr", "subjects")
_SUFFIXES = (".csv", ".xpt", ".json", ".ndjson")


def _suffix(name: str | None, data: bytes) -> str:
    """The file type: from the uploaded file's name, else from its first bytes."""
    if name:
        suffix = Path(name).suffix.lower()
        if suffix in _SUFFIXES:
            return suffix
    head = data[:80].lstrip()
    if head.startswith(b"HEADER RECORD"):
        return ".xpt"
    if head.startswith(b"{"):
        return ".ndjson" if b"\n{" in data[:4096].strip() else ".json"
    return ".csv"


def _input_error(error: CaseError, shown: Mapping[str, str]) -> InvalidRecord:
    """The reader's errors with the uploaded file names instead of the temporary files'."""
    errors = []
    for problem in error.problems:
        loc: list[Any] = [shown.get(str(part), part) for part in problem.location]
        message = problem.message
        for temporary, name in shown.items():
            message = message.replace(temporary, name)
        errors.append({"loc": loc, "msg": message})
    return InvalidRecord(errors)


def _derive(files: Mapping[str, bytes], names: Mapping[str, str]) -> tuple[Any, pl.DataFrame]:
    from oncotrack.cohort.derive import derive
    from oncotrack.interop.sdtm import (
        measurements_table,
        read_domain,
        read_subjects,
        responses_table,
    )

    with tempfile.TemporaryDirectory(prefix="oncotrack-cohort-") as folder:
        paths: dict[str, Path] = {}
        for role, data in files.items():
            path = Path(folder) / f"{role}{_suffix(names.get(role), data)}"
            path.write_bytes(data)
            paths[role] = path
        try:
            measurements = measurements_table(
                read_domain(paths["tu"], "TU"), read_domain(paths["tr"], "TR"),
                tu_source=names["tu"], tr_source=names["tr"])
            subjects = read_subjects(paths["subjects"])
            if "rs" in paths:
                responses_table(read_domain(paths["rs"], "RS"), source=names["rs"])
        except CaseError as error:
            raise _input_error(error, {str(paths[r]): names[r] for r in paths}) from None
        derived = derive(measurements, subjects)
    return derived, subjects


def _with_subject_columns(adtte: pl.DataFrame, subjects: pl.DataFrame) -> pl.DataFrame:
    """ADTTE with the subjects' other columns (ARM, ...), so curves can be compared by them."""
    extra = [c for c in subjects.columns if c not in adtte.columns]
    if not extra:
        return adtte
    return adtte.join(subjects.select("USUBJID", *extra), on="USUBJID", how="left")


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _summary(adrs: pl.DataFrame, adtte: pl.DataFrame, n_subjects: int) -> dict[str, Any]:
    from oncotrack.cohort.survival import analyse

    survival: dict[str, Any] = {}
    for code in sorted(adtte.get_column("PARAMCD").unique().to_list()):
        try:
            survival[code] = analyse(adtte, paramcd=code).model_dump(mode="json")
        except ValueError as error:  # e.g. no event at all for a parameter
            survival[code] = {"error": str(error)}
    best: dict[str, dict[str, int]] = {}
    for code in ("BOR", "CBOR"):
        rows = adrs.filter(pl.col("PARAMCD") == code).group_by("AVALC").len()
        best[code] = {str(r["AVALC"]): int(r["len"]) for r in rows.iter_rows(named=True)}
    return {"subjects": n_subjects, "best_response": best, "survival": survival}


def create_cohort(s: Session, user: UserRow, name: str, files: Mapping[str, bytes],
                  names: Mapping[str, str] | None = None) -> CohortRow:
    """Read, derive and store a cohort. ``files`` maps ``tu``, ``tr``, ``subjects`` (and
    optionally ``rs``) to the uploaded bytes; ``names`` gives their file names (for the file
    type and for error messages). Raises :class:`InvalidRecord` naming file, row and column."""
    errors = [{"loc": [role], "msg": f"the {ROLES[role]} file is required"}
              for role in REQUIRED if not files.get(role)]
    errors += [{"loc": [role], "msg": f"unknown upload {role!r}; expected tu, tr, rs, subjects"}
               for role in files if role not in ROLES]
    if not name.strip():
        errors.append({"loc": ["name"], "msg": "a cohort needs a name"})
    if errors:
        raise InvalidRecord(errors)
    shown = {role: (names or {}).get(role) or role for role in files}
    derived, subjects = _derive({r: d for r, d in files.items() if d}, shown)
    adtte = _with_subject_columns(derived.adtte, subjects)
    row = CohortRow(name=name.strip(), status="ready", created_at=utcnow(), created_by=user.id,
                    summary=_summary(derived.adrs, adtte, subjects.height),
                    adrs=_parquet(derived.adrs), adtte=_parquet(adtte))
    s.add(row)
    s.flush()
    write_audit(s, user, "create", "cohort", row.id,
                new={"name": row.name, "files": shown, "subjects": subjects.height})
    return row


def list_cohorts(s: Session) -> list[CohortRow]:
    return list(s.execute(select(CohortRow).where(CohortRow.deleted_at.is_(None))
                          .order_by(CohortRow.id.desc())).scalars())


def get_cohort(s: Session, cohort_id: int) -> CohortRow:
    row = s.get(CohortRow, cohort_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"cohort {cohort_id}")
    return row


def cohort_adtte(row: CohortRow) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(row.adtte))


def cohort_adrs(row: CohortRow) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(row.adrs))


def cohort_km_svg(s: Session, cohort_id: int, paramcd: str = "OS",
                  by: str | None = None) -> str:
    """The Kaplan–Meier figure of one ADTTE parameter (optionally by a column) as SVG text."""
    from oncotrack.cohort.figures import km_figure, save_figure
    from oncotrack.cohort.survival import analyse

    adtte = cohort_adtte(get_cohort(s, cohort_id))
    try:
        result = analyse(adtte, group=by, paramcd=paramcd)
    except ValueError as error:
        raise InvalidRecord([{"loc": ["by" if by else "paramcd"], "msg": str(error)}]) from None
    figure = km_figure(result)
    with tempfile.TemporaryDirectory(prefix="oncotrack-km-") as folder:
        _, svg, _ = save_figure(figure, Path(folder) / "km")
        return svg.read_text(encoding="utf-8")
