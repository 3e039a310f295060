"""How large an uploaded file may be: one limit per kind, shared by the API and the pages."""

from __future__ import annotations

MAX_CASE_FILE = 5 * 1024 * 1024
"""A case file is a few kB; anything near 5 MB is not one."""
MAX_COHORT_FILE = 200 * 1024 * 1024
"""One SDTM table (or subject table) of a cohort upload; larger cohorts go through the CLI."""
