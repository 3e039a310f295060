"""Adapters that read and write the model: case files (later CDISC, FHIR, REDCap)."""
