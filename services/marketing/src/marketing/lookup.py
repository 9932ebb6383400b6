"""Loading one of marketing's records by id: a malformed or unknown id is a 404."""
from __future__ import annotations

from crmkit.errors import NotFound
from crmkit.records import valid_id
from crmkit.repository import Repository


def fetch(repo: Repository, record_id: str, label: str, for_update: bool = False) -> dict:
    found = repo.get(valid_id(record_id, label), for_update)
    if found is None:
        raise NotFound(f"No {label} with id {record_id}")
    return found
