"""Rules every sales record shares: optimistic versions and change sets."""
from __future__ import annotations

from crmkit.errors import PreconditionFailed


def check_version(current: int, expected: int | None) -> None:
    """`If-Match` semantics: a caller that read version N may only change version N."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"The record is at version {current}, not {expected}; read it again before changing it.",
            [{"field": "If-Match", "message": f"stale version {expected}; current is {current}"}],
        )


def changed_fields(current: dict, changes: dict) -> dict:
    """Only the fields whose value really changes (a PATCH repeating values is a no-op)."""
    return {key: value for key, value in changes.items() if current.get(key) != value}
