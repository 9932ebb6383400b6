"""The records a caller may see, as the gateway's security model computed them: those owned by
one of `owner_ids` (the caller, their teams, their business units' users and teams) and those
shared with them (`record_ids`). The gateway sends it with list RPCs; services add it to the
WHERE clause of the list, so a page holds only visible records and paging stays exact."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Table, any_, bindparam, literal, or_
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from crmkit.errors import ValidationFailed

_UUIDS = ARRAY(UUID(as_uuid=False))


@dataclass(frozen=True)
class Reach:
    owner_ids: tuple[str, ...]
    record_ids: tuple[str, ...] = ()

    @classmethod
    def from_rpc(cls, value: dict | None) -> Reach | None:
        """None (no limit) or {"owner_ids": [...], "record_ids": [...]}, ids as UUID strings."""
        if value is None:
            return None
        try:
            return cls(tuple(str(uuid.UUID(str(i))) for i in value.get("owner_ids") or ()),
                       tuple(str(uuid.UUID(str(i))) for i in value.get("record_ids") or ()))
        except (AttributeError, TypeError, ValueError):
            raise ValidationFailed("Invalid reach", [{"field": "reach", "message": "owner_ids and "
                                                      "record_ids must be lists of UUIDs"}]) from None

    def condition(self, table: Table):
        # `= ANY(array)`: one parameter however many owners a business unit has.
        return or_(table.c.owner_id == any_(literal(list(self.owner_ids), _UUIDS)),
                   table.c.id == any_(literal(list(self.record_ids), _UUIDS)))

    @staticmethod
    def bound_condition(table: Table):
        """`condition` with bind parameters instead of values, for a statement built once and
        run with `params()`."""
        return or_(table.c.owner_id == any_(bindparam("reach_owner_ids", type_=_UUIDS)),
                   table.c.id == any_(bindparam("reach_record_ids", type_=_UUIDS)))

    def params(self) -> dict:
        return {"reach_owner_ids": list(self.owner_ids), "reach_record_ids": list(self.record_ids)}
