"""Who can own or be shared a record: an active user or a team."""
from __future__ import annotations

import uuid

from sqlalchemy import select, union_all, literal
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import tables


async def kind_of(engine: AsyncEngine, principal_id: uuid.UUID) -> str | None:
    """"user" (active), "team", or None when it is neither."""
    users, teams = tables.users, tables.teams
    query = union_all(
        select(literal("user").label("kind")).where(users.c.id == principal_id, users.c.is_active),
        select(literal("team").label("kind")).where(teams.c.id == principal_id))
    async with engine.connect() as conn:
        return (await conn.execute(query)).scalar()
