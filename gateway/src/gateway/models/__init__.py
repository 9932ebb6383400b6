"""Pydantic models of the public HTTP contract (API.md)."""
