"""Start-up: the default roles exist, and the built-in administrator holds the administrator
role (so the directory shows what they can do). Safe when several gateway processes start."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import tables
from gateway.access.default_roles import DEFAULT_ROLES


async def ensure_default_roles(engine: AsyncEngine, admin_username: str) -> None:
    roles, users = tables.roles, tables.users
    now = datetime.now(timezone.utc)
    async with engine.begin() as conn:
        for name, (description, privileges) in DEFAULT_ROLES.items():
            await conn.execute(insert(roles).values(
                id=uuid.uuid4(), name=name, description=description, privileges=privileges,
                created_at=now, updated_at=now, version=1).on_conflict_do_nothing(index_elements=["name"]))
        admin = (await conn.execute(select(users.c.id).where(users.c.username == admin_username))).scalar()
        if admin is not None:
            administrator = select(roles.c.id).where(roles.c.name == "administrator").scalar_subquery()
            await conn.execute(insert(tables.user_roles).values(user_id=admin, role_id=administrator)
                               .on_conflict_do_nothing())
