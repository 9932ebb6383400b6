"""The gateway's own tables (its database holds no business data). The schema itself is
created by the Alembic migrations; these definitions are what the code queries."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Integer, MetaData, PrimaryKeyConstraint, Table, Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Uuid, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("is_admin", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    # Tokens carry the version they were issued under; a password change bumps it.
    Column("token_version", Integer, nullable=False, server_default="0"),
    Column("password_changed_at", DateTime(timezone=True)),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("key", Text, nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status_code", Integer),
    Column("response_body", JSONB),
    Column("response_headers", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed", Boolean, nullable=False),
    PrimaryKeyConstraint("user_id", "key"),
)
