"""Queries on contests, submissions, votes, vote events and results (no rules here)."""
