"""Renderers of results for people: terminal tables (later: figures and reports)."""
