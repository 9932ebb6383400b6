"""Privileges and access levels, and how the roles of a user (and of their teams) combine:
for each resource and privilege, the widest level any of them grants."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

PRIVILEGES = ("create", "read", "write", "delete", "assign", "share")
# Narrowest to widest; "none" is the absence of the privilege.
LEVELS = ("none", "own", "business_unit", "business_unit_and_children", "organisation")
RANK = {level: rank for rank, level in enumerate(LEVELS)}

Grants = dict[str, dict[str, str]]  # {resource: {privilege: level}}


def combine(role_privileges: Iterable[Mapping[str, Mapping[str, str]]]) -> Grants:
    """The union of several roles' privileges: the widest level per resource and privilege."""
    combined: Grants = {}
    for privileges in role_privileges:
        for resource, granted in privileges.items():
            mine = combined.setdefault(resource, {})
            for privilege, level in granted.items():
                if RANK.get(level, 0) > RANK.get(mine.get(privilege, "none"), 0):
                    mine[privilege] = level
    return combined


def errors_in(privileges: object, resources: Iterable[str]) -> list[dict]:
    """Field errors of a role's privileges document (422 when a role is created or changed)."""
    known = set(resources)
    if not isinstance(privileges, Mapping):
        return [{"field": "privileges", "message": "an object {resource: {privilege: level}}"}]
    errors = []
    for resource, granted in privileges.items():
        if resource not in known:
            errors.append({"field": f"privileges.{resource}", "message": "not a resource of the CRM"})
        elif not isinstance(granted, Mapping):
            errors.append({"field": f"privileges.{resource}", "message": "an object {privilege: level}"})
        else:
            for privilege, level in granted.items():
                if privilege not in PRIVILEGES:
                    errors.append({"field": f"privileges.{resource}.{privilege}",
                                   "message": f"one of {', '.join(PRIVILEGES)}"})
                elif level not in LEVELS:
                    errors.append({"field": f"privileges.{resource}.{privilege}",
                                   "message": f"one of {', '.join(LEVELS)}"})
    return errors
