"""Gateway users: creation, password checks, the first administrator.

`create_user` is synchronous (for operator command lines); the request path uses the async
functions with the app's AsyncEngine.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, create_engine, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from crmkit.config import env
from gateway.tables import roles as roles_table
from gateway.tables import user_roles, users

log = logging.getLogger(__name__)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    username: str
    is_admin: bool
    is_active: bool
    # Tokens issued under an older version (before a password change) are refused.
    token_version: int = 0


_USER_COLUMNS = (users.c.id, users.c.username, users.c.is_admin, users.c.is_active,
                 users.c.token_version)


class UsernameTaken(Exception):
    pass


class StaleCredentials(Exception):
    """The user's password changed (or the user was deactivated) since their token was issued."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _decoy_hash() -> str:
    return hash_password("decoy password for unknown usernames")


def _insert_user(username: str, password: str, is_admin: bool):
    """INSERT ... ON CONFLICT DO NOTHING: two processes creating the same user race safely
    (the loser gets no row back instead of an error inside its transaction)."""
    username = username.strip()
    if not username or len(username) > 100:
        raise ValueError("username must be 1 to 100 characters")
    if not password:
        raise ValueError("password must not be empty")
    now = datetime.now(timezone.utc)
    return (
        insert(users)
        .values(id=uuid.uuid4(), username=username, password_hash=hash_password(password),
                is_active=True, is_admin=is_admin, created_at=now, updated_at=now, version=1)
        .on_conflict_do_nothing(index_elements=["username"])
        .returning(*_USER_COLUMNS)
    )


def create_user(target: str | Engine | Connection | Session, username: str, password: str,
                is_admin: bool = False, roles: Sequence[str] = ()) -> User:
    """Create a gateway user (synchronous), holding the named `roles` (see
    gateway.access.default_roles; a user with no role may do nothing but sign in).

    `target` is a database URL (e.g. `crmkit.config.database_url("gateway")`), a sync
    SQLAlchemy Engine (committed here), or a Connection / Session (the caller commits).
    Raises UsernameTaken if the username exists, ValueError for an empty username/password
    or a role that does not exist.
    """
    if isinstance(target, str):
        engine = create_engine(target)
        try:
            return create_user(engine, username, password, is_admin, roles)
        finally:
            engine.dispose()
    if isinstance(target, Engine):
        with target.begin() as conn:
            return create_user(conn, username, password, is_admin, roles)
    row = target.execute(_insert_user(username, password, is_admin)).first()
    if row is None:
        raise UsernameTaken(f"user {username.strip()!r} already exists")
    for name in roles:
        role_id = target.execute(select(roles_table.c.id).where(roles_table.c.name == name)).scalar()
        if role_id is None:
            raise ValueError(f"no role named {name!r}")
        target.execute(insert(user_roles).values(user_id=row.id, role_id=role_id))
    return User(*row)


async def ensure_admin(engine: AsyncEngine, username: str, password: str) -> bool:
    """Create the administrator unless a user of that name exists; True if created.
    Safe when several gateway processes start at once."""
    statement = await asyncio.to_thread(_insert_user, username, password, True)
    async with engine.begin() as conn:
        created = (await conn.execute(statement)).first() is not None
    if created:
        log.info("created administrator %r", username)
        if password == "admin":
            log.warning("the administrator has the default password; change it")
    return created


async def authenticate(engine: AsyncEngine, username: str, password: str) -> User | None:
    """The active user with these credentials, else None. Unknown usernames cost the same
    argon2 verification as wrong passwords so response times do not reveal which exist."""
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(*_USER_COLUMNS, users.c.password_hash).where(users.c.username == username.strip())
        )).first()
    # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
    stored = row.password_hash if row is not None else await asyncio.to_thread(_decoy_hash)
    matches = await asyncio.to_thread(password_matches, stored, password)
    if row is None or not matches or not row.is_active:
        return None
    return User(row.id, row.username, row.is_admin, row.is_active, row.token_version)


# Every request checks its user's row (active, token version). Remembering it for a second
# per gateway process spares that query on most requests; a change made through this process
# (password, deactivation) is seen at once (`forget`), one made elsewhere within the second.
ACTIVE_USER_TTL_S = float(env("CRM_ACTIVE_USER_TTL_S", "1.0"))
_remembered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {id: (until, User)}


def forget(engine: AsyncEngine, user_id: uuid.UUID | None = None) -> None:
    """Read this user (or everyone, without `user_id`) again on their next request."""
    known = _remembered.get(engine.sync_engine)
    if known is not None:
        known.clear() if user_id is None else known.pop(user_id, None)


async def get_active_user(engine: AsyncEngine, user_id: uuid.UUID) -> User | None:
    known = _remembered.setdefault(engine.sync_engine, {})
    remembered = known.get(user_id)
    if remembered is not None and remembered[0] > time.monotonic():
        return remembered[1]
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(*_USER_COLUMNS).where(users.c.id == user_id, users.c.is_active)
        )).first()
    user = User(*row) if row is not None else None
    if user is not None and ACTIVE_USER_TTL_S > 0:
        known[user_id] = (time.monotonic() + ACTIVE_USER_TTL_S, user)
    return user


async def change_password(engine: AsyncEngine, user: User, new_password: str) -> User:
    """Store a new password and bump the token version, which revokes every token issued
    before. The UPDATE is conditional on the version the caller's token carried, so two
    concurrent changes cannot both succeed on a stale token."""
    new_hash = await asyncio.to_thread(hash_password, new_password)
    now = datetime.now(timezone.utc)
    async with engine.begin() as conn:
        row = (await conn.execute(
            update(users)
            .where(users.c.id == user.id, users.c.is_active,
                   users.c.token_version == user.token_version)
            .values(password_hash=new_hash, token_version=users.c.token_version + 1,
                    password_changed_at=now, updated_at=now, version=users.c.version + 1)
            .returning(*_USER_COLUMNS)
        )).first()
    forget(engine, user.id)
    if row is None:
        raise StaleCredentials()
    log.info("user %s changed their password; older tokens are revoked", user.id)
    return User(*row)
