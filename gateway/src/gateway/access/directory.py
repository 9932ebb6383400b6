"""The directory behind the administration API: business units (a tree), teams with their
members and roles, roles, and users with their roles. Every write is one transaction, and the
rules that keep the directory whole hold under concurrent requests: the tree never gets a
cycle (moves are serialised), nothing in use is deleted (row locks and the foreign keys), and
no one grants privileges wider than their own (Dynamics' rule against escalation)."""
from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, Table, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select

from gateway import tables
from gateway.users import forget as forget_user
from gateway.access.caller import Caller
from gateway.access.levels import RANK
from gateway.problems import Problem

units, teams, members, roles = tables.business_units, tables.teams, tables.team_members, tables.roles
user_roles, team_roles, users = tables.user_roles, tables.team_roles, tables.users

UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION = "23505", "23503"
TREE_LOCK = 0x6275_7472  # pg_advisory_xact_lock key: one move of a business unit at a time


def _ids(column: Column, of: Column, record: Column):
    """The ids linked to `record`, sorted, as an array column."""
    return func.array(select(column).where(of == record).order_by(column).scalar_subquery())


@dataclass(frozen=True)
class Kind:
    label: str
    table: Table
    shown: Select  # the columns an answer carries
    key: Column  # unique; pages run in its order


def _entry(table: Table, *columns) -> Select:
    return select(table.c.id, *columns, table.c.created_at, table.c.updated_at, table.c.version)


UNIT = Kind("business unit", units, _entry(units, units.c.name, units.c.parent_id), units.c.name)
TEAM = Kind("team", teams, _entry(teams, teams.c.name, teams.c.business_unit_id,
                                  _ids(members.c.user_id, members.c.team_id, teams.c.id).label("member_ids"),
                                  _ids(team_roles.c.role_id, team_roles.c.team_id, teams.c.id).label("role_ids")),
            teams.c.name)
ROLE = Kind("role", roles, _entry(roles, roles.c.name, roles.c.description, roles.c.privileges), roles.c.name)
USER = Kind("user", users, _entry(users, users.c.username, users.c.business_unit_id, users.c.is_admin,
                                  users.c.is_active,
                                  _ids(user_roles.c.role_id, user_roles.c.user_id, users.c.id).label("role_ids"),
                                  _ids(members.c.team_id, members.c.user_id, users.c.id).label("team_ids")),
            users.c.username)


# --- reading ---------------------------------------------------------------------------------

def _cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _after(cursor: str) -> str:
    try:
        key = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, ValueError):
        key = "\x00"
    if "\x00" in key:
        raise Problem(422, "The cursor is not one this API returned.",
                      [{"field": "cursor", "message": "invalid cursor"}])
    return key


async def page(engine: AsyncEngine, kind: Kind, limit: int, cursor: str | None = None, **filters) -> dict:
    """A page in the order of the kind's unique key ({"items", "next_cursor"}); `filters` are
    equalities on its columns, None meaning no filter."""
    query = kind.shown.where(*(kind.table.c[name] == value for name, value in filters.items()
                               if value is not None))
    if cursor is not None:
        query = query.where(kind.key > _after(cursor))
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(kind.key).limit(limit + 1))).mappings().all()
    more = len(rows) > limit
    items = [dict(row) for row in rows[:limit]]
    return {"items": items, "next_cursor": _cursor(items[-1][kind.key.name]) if more else None}


async def _fetch(conn: AsyncConnection, kind: Kind, record_id: uuid.UUID) -> dict:
    row = (await conn.execute(kind.shown.where(kind.table.c.id == record_id))).mappings().first()
    if row is None:
        raise Problem(404, f"No {kind.label} with id {record_id}.")
    return dict(row)


async def get(engine: AsyncEngine, kind: Kind, record_id: uuid.UUID) -> dict:
    async with engine.connect() as conn:
        return await _fetch(conn, kind, record_id)


# --- writing: the pieces ---------------------------------------------------------------------

@asynccontextmanager
async def _transaction(engine: AsyncEngine, kind: Kind) -> AsyncIterator[AsyncConnection]:
    """One transaction; a taken name is 409, and so is a foreign key that a concurrent request
    broke between the checks here and the commit."""
    try:
        async with engine.begin() as conn:
            yield conn
    except IntegrityError as error:
        state = getattr(error.orig, "sqlstate", None)
        if state == UNIQUE_VIOLATION:
            field = kind.key.name
            raise Problem(409, f"Another {kind.label} has that {field}.",
                          [{"field": field, "message": "already taken"}]) from None
        if state == FOREIGN_KEY_VIOLATION:
            raise Problem(409, f"The {kind.label} refers to a record that was changed meanwhile; "
                               "try again.") from None
        raise


async def _lock(conn: AsyncConnection, kind: Kind, record_id: uuid.UUID, expected: int | None):
    """The record's row, locked for this transaction; 404 unknown, 412 not at `expected`."""
    row = (await conn.execute(select(kind.table).where(kind.table.c.id == record_id).with_for_update())).first()
    if row is None:
        raise Problem(404, f"No {kind.label} with id {record_id}.")
    if expected is not None and expected != row.version:
        raise Problem(412, f"The {kind.label} is at version {row.version}, not {expected}.")
    return row


async def _save(conn: AsyncConnection, kind: Kind, row, changes: Mapping) -> dict:
    """Write `changes` (possibly none, when only links changed) as the next version."""
    await conn.execute(update(kind.table).where(kind.table.c.id == row.id).values(
        **changes, updated_at=datetime.now(timezone.utc), version=row.version + 1))
    return await _fetch(conn, kind, row.id)


async def _insert(conn: AsyncConnection, kind: Kind, **values) -> uuid.UUID:
    now = datetime.now(timezone.utc)
    record_id = uuid.uuid4()
    await conn.execute(insert(kind.table).values(id=record_id, created_at=now, updated_at=now, version=1,
                                                 **values))
    return record_id


def _unknown(kind: Kind, field: str, ids: Iterable[uuid.UUID]) -> Problem:
    listed = ", ".join(sorted(str(i) for i in ids))
    return Problem(422, f"No {kind.label} with id {listed}.",
                   [{"field": field, "message": f"no {kind.label} with id {listed}"}])


async def _require(conn: AsyncConnection, kind: Kind, record_id: uuid.UUID, field: str) -> None:
    if await conn.scalar(select(kind.table.c.id).where(kind.table.c.id == record_id)) is None:
        raise _unknown(kind, field, [record_id])


def require_within(caller: Caller, privileges_of_roles: Iterable[Mapping]) -> None:
    """403 when roles (granted, created, or changed: their holders get the change at once) would
    give someone a privilege at a wider level than the caller has."""
    if caller.user.is_admin:
        return
    wider = sorted({f"privileges.{resource}.{privilege}"
                    for privileges in privileges_of_roles for resource, granted in privileges.items()
                    for privilege, level in granted.items()
                    if RANK.get(level, 0) > RANK[caller.level(resource, privilege)]})
    if wider:
        raise Problem(403, "Your own roles do not grant these privileges at that level, so you cannot "
                           "grant them.", [{"field": field, "message": "wider than your own"} for field in wider])


async def _replace_roles(conn: AsyncConnection, link: Table, owner: Column, owner_id: uuid.UUID,
                         role_ids: Iterable[uuid.UUID], caller: Caller) -> bool:
    """Make `role_ids` the roles linked to the owner (a user or a team); True if that changed."""
    wanted = set(role_ids)
    found = {row.id: row.privileges for row in
             await conn.execute(select(roles.c.id, roles.c.privileges).where(roles.c.id.in_(wanted)))}
    if wanted - found.keys():
        raise _unknown(ROLE, "role_ids", wanted - found.keys())
    held = set(await conn.scalars(select(link.c.role_id).where(owner == owner_id)))
    require_within(caller, (found[role_id] for role_id in wanted - held))
    if wanted == held:
        return False
    await conn.execute(delete(link).where(owner == owner_id, link.c.role_id.not_in(wanted)))
    if wanted - held:
        await conn.execute(insert(link), [{owner.name: owner_id, "role_id": role_id} for role_id in wanted - held])
    return True


# --- business units, teams and roles: what they share -----------------------------------------

async def create(engine: AsyncEngine, kind: Kind, values: dict, **references: Kind) -> dict:
    """`references`: the fields of `values` naming a record of another kind (422 unknown)."""
    async with _transaction(engine, kind) as conn:
        for field, referred in references.items():
            await _require(conn, referred, values[field], field)
        return await _fetch(conn, kind, await _insert(conn, kind, **values))


async def change(engine: AsyncEngine, kind: Kind, record_id: uuid.UUID, expected: int | None, changes: dict,
                 **references: Kind) -> dict:
    async with _transaction(engine, kind) as conn:
        row = await _lock(conn, kind, record_id, expected)
        for field in references.keys() & changes.keys():
            await _require(conn, references[field], changes[field], field)
        return await _save(conn, kind, row, changes)


# --- business units --------------------------------------------------------------------------

async def update_unit(engine: AsyncEngine, unit_id: uuid.UUID, expected: int | None, changes: dict) -> dict:
    async with _transaction(engine, UNIT) as conn:
        moving = "parent_id" in changes
        if moving:  # two moves at once could each pass the check and together make a cycle
            await conn.execute(select(func.pg_advisory_xact_lock(TREE_LOCK)))
        row = await _lock(conn, UNIT, unit_id, expected)
        if moving and changes["parent_id"] != row.parent_id:
            await _check_move(conn, row, changes["parent_id"])
        return await _save(conn, UNIT, row, changes)


async def _check_move(conn: AsyncConnection, unit, parent_id: uuid.UUID) -> None:
    def refuse(message: str) -> Problem:
        return Problem(422, f"The business unit cannot move there: {message}.",
                       [{"field": "parent_id", "message": message}])

    if unit.parent_id is None:
        raise refuse("the root business unit stays at the top")
    await _require(conn, UNIT, parent_id, "parent_id")
    below = select(units.c.id).where(units.c.id == unit.id).cte("below", recursive=True)
    below = below.union(select(units.c.id).where(units.c.parent_id == below.c.id))
    if await conn.scalar(select(exists().where(below.c.id == parent_id))):
        raise refuse("the new parent is the unit itself or a unit below it (a cycle)")


async def delete_unit(engine: AsyncEngine, unit_id: uuid.UUID) -> None:
    async with _transaction(engine, UNIT) as conn:
        row = await _lock(conn, UNIT, unit_id, None)
        if row.parent_id is None:
            raise Problem(409, "The root business unit (the organisation) cannot be deleted.")
        in_use = [what for what, column in (("users", users.c.business_unit_id), ("teams", teams.c.business_unit_id),
                                            ("business units below it", units.c.parent_id))
                  if await conn.scalar(select(exists().where(column == unit_id)))]
        if in_use:
            raise Problem(409, f"The business unit still has {' and '.join(in_use)}; move them first.")
        await conn.execute(delete(units).where(units.c.id == unit_id))


# --- teams -----------------------------------------------------------------------------------

async def delete_team(engine: AsyncEngine, team_id: uuid.UUID) -> None:
    """Members and roles go with the team (cascade), and so do the records shared with it."""
    async with _transaction(engine, TEAM) as conn:
        await _lock(conn, TEAM, team_id, None)
        await conn.execute(delete(tables.record_shares).where(tables.record_shares.c.principal_id == team_id))
        await conn.execute(delete(teams).where(teams.c.id == team_id))


async def add_member(engine: AsyncEngine, team_id: uuid.UUID, user_id: uuid.UUID, expected: int | None,
                     caller: Caller) -> dict:
    """The user joins the team and so holds its roles; joining twice changes nothing."""
    async with _transaction(engine, TEAM) as conn:
        row = await _lock(conn, TEAM, team_id, expected)
        await _require(conn, USER, user_id, "user_id")
        require_within(caller, await conn.scalars(select(roles.c.privileges).join(team_roles)
                                           .where(team_roles.c.team_id == team_id)))
        added = await conn.scalar(pg_insert(members).values(team_id=team_id, user_id=user_id)
                                  .on_conflict_do_nothing().returning(members.c.user_id))
        return await _save(conn, TEAM, row, {}) if added else await _fetch(conn, TEAM, team_id)


async def remove_member(engine: AsyncEngine, team_id: uuid.UUID, user_id: uuid.UUID, expected: int | None) -> dict:
    async with _transaction(engine, TEAM) as conn:
        row = await _lock(conn, TEAM, team_id, expected)
        removed = await conn.execute(delete(members).where(members.c.team_id == team_id, members.c.user_id == user_id))
        if removed.rowcount == 0:
            raise Problem(404, f"The user {user_id} is not a member of the team.")
        return await _save(conn, TEAM, row, {})


async def set_team_roles(engine: AsyncEngine, team_id: uuid.UUID, role_ids: list[uuid.UUID], expected: int | None,
                         caller: Caller) -> dict:
    async with _transaction(engine, TEAM) as conn:
        row = await _lock(conn, TEAM, team_id, expected)
        if await _replace_roles(conn, team_roles, team_roles.c.team_id, team_id, role_ids, caller):
            return await _save(conn, TEAM, row, {})
        return await _fetch(conn, TEAM, team_id)


# --- roles -----------------------------------------------------------------------------------

async def delete_role(engine: AsyncEngine, role_id: uuid.UUID) -> None:
    # The row lock makes a concurrent grant of this role wait, then fail on its foreign key.
    async with _transaction(engine, ROLE) as conn:
        await _lock(conn, ROLE, role_id, None)
        holders = [what for what, link in (("users", user_roles), ("teams", team_roles))
                   if await conn.scalar(select(exists().where(link.c.role_id == role_id)))]
        if holders:
            raise Problem(409, f"{' and '.join(holders).capitalize()} still hold the role; take it from them first.")
        await conn.execute(delete(roles).where(roles.c.id == role_id))


# --- users -----------------------------------------------------------------------------------

async def create_user(engine: AsyncEngine, username: str, password_hash: str, business_unit_id: uuid.UUID | None,
                      role_ids: list[uuid.UUID], caller: Caller) -> dict:
    """A user who is not an administrator, in the root business unit unless one is given."""
    async with _transaction(engine, USER) as conn:
        if business_unit_id is None:
            business_unit_id = await conn.scalar(select(units.c.id).where(units.c.parent_id.is_(None)))
        else:
            await _require(conn, UNIT, business_unit_id, "business_unit_id")
        now = datetime.now(timezone.utc)
        user_id = await conn.scalar(pg_insert(users).values(
            id=uuid.uuid4(), username=username, password_hash=password_hash, is_active=True, is_admin=False,
            business_unit_id=business_unit_id, created_at=now, updated_at=now, version=1)
            .on_conflict_do_nothing(index_elements=["username"]).returning(users.c.id))
        if user_id is None:
            raise Problem(409, f"The username {username!r} is taken.",
                          [{"field": "username", "message": "already taken"}])
        await _replace_roles(conn, user_roles, user_roles.c.user_id, user_id, role_ids, caller)
        return await _fetch(conn, USER, user_id)


async def update_user(engine: AsyncEngine, user_id: uuid.UUID, expected: int | None, changes: dict,
                      caller: Caller) -> dict:
    """`changes`: business_unit_id, is_active, role_ids (replacing every role held directly)."""
    changes = dict(changes)
    role_ids = changes.pop("role_ids", None)
    async with _transaction(engine, USER) as conn:
        row = await _lock(conn, USER, user_id, expected)
        if "business_unit_id" in changes:
            await _require(conn, UNIT, changes["business_unit_id"], "business_unit_id")
        if role_ids is not None:
            await _replace_roles(conn, user_roles, user_roles.c.user_id, user_id, role_ids, caller)
        saved = await _save(conn, USER, row, changes)
    forget_user(engine, user_id)  # committed: a deactivation counts from this process's next request
    return saved
