"""What one signed-in user may reach: their business unit, teams and the combined privileges of
their roles and their teams' roles, loaded with one query when the request needs them; the
owners of their business unit (and its children) and the records shared with them, loaded
only when a check needs them, once per request."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.access.catalog import RESOURCES
from gateway.access.levels import Grants, combine
from gateway.users import User


@dataclass(frozen=True)
class Reach:
    """The records one privilege reaches: those owned by `owner_ids` (None: every owner, the
    organisation level) and those in `record_ids` (shared with the caller or their teams)."""
    owner_ids: frozenset[str] | None
    record_ids: frozenset[str] = frozenset()

    def covers(self, record: dict) -> bool:
        if self.owner_ids is None:
            return True
        return str(record.get("owner_id")) in self.owner_ids or str(record.get("id")) in self.record_ids

    def to_rpc(self) -> dict | None:
        """What list RPCs take as `reach` (crmkit.reach)."""
        if self.owner_ids is None:
            return None
        return {"owner_ids": sorted(self.owner_ids), "record_ids": sorted(self.record_ids)}


EVERYTHING = Reach(None)
NOTHING = Reach(frozenset())

_CALLER = text("""
SELECT u.business_unit_id,
       ARRAY(SELECT tm.team_id FROM team_members tm WHERE tm.user_id = u.id) AS team_ids,
       ARRAY(SELECT r.privileges FROM roles r WHERE r.id IN (
                 SELECT ur.role_id FROM user_roles ur WHERE ur.user_id = u.id
                 UNION
                 SELECT tr.role_id FROM team_roles tr JOIN team_members tm ON tm.team_id = tr.team_id
                  WHERE tm.user_id = u.id)) AS privileges
  FROM users u WHERE u.id = :user_id
""")

# Users and teams of a business unit, or of it and every unit below it.
_OWNERS = text("""
WITH RECURSIVE units(id) AS (
    SELECT CAST(:unit AS uuid)
    UNION
    SELECT b.id FROM business_units b JOIN units ON b.parent_id = units.id WHERE :with_children
)
SELECT id FROM users WHERE business_unit_id IN (SELECT id FROM units)
UNION ALL
SELECT id FROM teams WHERE business_unit_id IN (SELECT id FROM units)
""")

_SHARES = text("""
SELECT resource, record_id, privileges FROM record_shares WHERE principal_id = ANY(:principals)
""")


@dataclass
class Caller:
    user: User
    business_unit_id: uuid.UUID | None = None
    team_ids: frozenset[str] = frozenset()
    grants: Grants = field(default_factory=dict)
    engine: AsyncEngine | None = None
    _owners: dict[bool, frozenset[str]] = field(default_factory=dict)
    _shares: dict[str, list[tuple[str, list[str]]]] | None = None

    @classmethod
    async def load(cls, engine: AsyncEngine, user: User) -> Caller:
        if user.is_admin:  # the built-in administrator reaches everything: nothing to load
            return cls(user, engine=engine)
        async with engine.connect() as conn:
            row = (await conn.execute(_CALLER, {"user_id": user.id})).one()
        return cls(user, row.business_unit_id, frozenset(str(t) for t in row.team_ids),
                   combine(row.privileges), engine)

    def level(self, resource: str, privilege: str) -> str:
        if self.user.is_admin:
            return "organisation"
        return self.grants.get(resource, {}).get(privilege, "none")

    @property
    def principals(self) -> frozenset[str]:
        """The owners the caller counts as: themselves and their teams."""
        return frozenset({str(self.user.id)}) | self.team_ids

    async def reach(self, resource: str, privilege: str) -> Reach:
        level = self.level(resource, privilege)
        if level == "none":
            return NOTHING
        secured = RESOURCES.get(resource)
        if level == "organisation" or secured is None or not secured.owned:
            return EVERYTHING  # organisation-owned records: the privilege reaches them all
        owners = self.principals
        if level in ("business_unit", "business_unit_and_children"):
            owners |= await self._unit_owners(level == "business_unit_and_children")
        return Reach(owners, await self._shared(resource, privilege))

    async def _unit_owners(self, with_children: bool) -> frozenset[str]:
        if with_children not in self._owners:
            async with self.engine.connect() as conn:
                rows = await conn.execute(_OWNERS, {"unit": self.business_unit_id, "with_children": with_children})
                self._owners[with_children] = frozenset(str(row.id) for row in rows)
        return self._owners[with_children]

    async def _shared(self, resource: str, privilege: str) -> frozenset[str]:
        if self._shares is None:
            self._shares = {}
            async with self.engine.connect() as conn:
                for row in await conn.execute(_SHARES, {"principals": [uuid.UUID(p) for p in self.principals]}):
                    self._shares.setdefault(row.resource, []).append((str(row.record_id), row.privileges))
        return frozenset(record_id for record_id, privileges in self._shares.get(resource, ())
                         if privilege in privileges)
