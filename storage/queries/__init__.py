"""Queries, one module or package per capability: SQL in, row dataclasses out."""
