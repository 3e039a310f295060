"""The database: schema and migrations, the repository of cases, users, cohorts, the audit trail.

See :mod:`oncotrack.store.repository` for the rules every change follows (validated, versioned,
audited in the same transaction, soft-deleted).
"""

from oncotrack.store.cohorts import (
    cohort_adrs,
    cohort_adtte,
    cohort_km_svg,
    create_cohort,
    get_cohort,
    list_cohorts,
)
from oncotrack.store.db import database_url, make_engine, session_factory, upgrade
from oncotrack.store.errors import Conflict, InvalidRecord, NotFound, StoreError, VersionConflict
from oncotrack.store.models import (
    RECORD_KINDS,
    ROLES,
    AuditRow,
    CohortRow,
    PatientRow,
    RecordRow,
    UserRow,
)
from oncotrack.store.repository import (
    PatientSummary,
    add_record,
    audit_trail,
    case_revision,
    create_patient,
    delete_patient,
    delete_record,
    export_case,
    get_patient,
    get_record,
    import_case,
    list_patients,
    list_records,
    load_case,
    patient_out,
    record_out,
    update_patient,
    update_record,
)
from oncotrack.store.users import create_user, get_user, list_users, user_by_name

__all__ = [
    "RECORD_KINDS", "ROLES", "AuditRow", "CohortRow", "Conflict", "InvalidRecord", "NotFound",
    "PatientRow", "PatientSummary", "RecordRow", "StoreError", "UserRow", "VersionConflict",
    "add_record", "audit_trail", "case_revision", "cohort_adrs", "cohort_adtte", "cohort_km_svg",
    "create_cohort", "create_patient", "create_user", "database_url", "delete_patient",
    "delete_record", "export_case", "get_cohort", "get_patient", "get_record", "get_user",
    "import_case", "list_cohorts", "list_patients", "list_records", "list_users", "load_case",
    "make_engine", "patient_out", "record_out", "session_factory", "update_patient",
    "update_record", "upgrade", "user_by_name",
]
