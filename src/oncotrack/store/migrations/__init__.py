"""Alembic migrations of the oncotrack database (run by ``oncotrack db upgrade``)."""
