"""Many patients at once: columnar tables, batch derivation, survival analysis, synthetic cohorts.

The per-patient engines are the reference; this package is the fast path and is tested against
them on generated data.
"""
