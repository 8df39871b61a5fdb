"""Queries on store results: imports, order rows and per-day aggregates."""
