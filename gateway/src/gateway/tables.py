"""The gateway's own tables (its database holds no business data). The schema itself is
created by the Alembic migrations; these definitions are what the code queries."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Integer, MetaData, PrimaryKeyConstraint, Table, Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

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
    Column("business_unit_id", Uuid, nullable=False),
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

# --- webhooks (gateway.webhooks*) ------------------------------------------------------------

webhooks = Table(
    "webhooks", metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", Text, nullable=False),
    # Event types this subscription receives; "*" is every event.
    Column("event_types", JSONB, nullable=False),
    # Write-only over the API: the key receivers verify X-CRM-Signature with.
    Column("secret", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("owner_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", Uuid, primary_key=True),
    Column("webhook_id", Uuid, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", Text, nullable=False),
    # The envelope exactly as it came off the bus: what is signed and sent, byte for byte.
    Column("body", Text, nullable=False),
    Column("status", Text, nullable=False),  # pending | delivered | parked
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
)

# --- import jobs (gateway.imports*) ----------------------------------------------------------

import_jobs = Table(
    "import_jobs", metadata,
    Column("id", Uuid, primary_key=True),
    Column("resource", Text, nullable=False),
    Column("file_format", Text, nullable=False),
    Column("status", Text, nullable=False),  # queued | running | completed | failed
    Column("total_rows", Integer, nullable=False),
    Column("processed_rows", Integer, nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    # [{"row": n, "errors": [{"field", "message"}]}], the first REJECTIONS_KEPT of them.
    Column("rejections", JSONB, nullable=False),
    Column("error", Text),
    Column("owner_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

# --- security model (gateway.access) ---------------------------------------------------------


def _audit_columns() -> list[Column]:
    return [Column("created_at", DateTime(timezone=True), nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            Column("version", Integer, nullable=False)]


business_units = Table(
    "business_units", metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("parent_id", Uuid, ForeignKey("business_units.id")),  # NULL: the root (organisation)
    *_audit_columns(),
)

teams = Table(
    "teams", metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("business_unit_id", Uuid, ForeignKey("business_units.id"), nullable=False),
    *_audit_columns(),
)

team_members = Table(
    "team_members", metadata,
    Column("team_id", Uuid, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

roles = Table(
    "roles", metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("description", Text),
    Column("privileges", JSONB, nullable=False),  # {resource: {privilege: level}}
    *_audit_columns(),
)

user_roles = Table(
    "user_roles", metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Uuid, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

team_roles = Table(
    "team_roles", metadata,
    Column("team_id", Uuid, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Uuid, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

record_shares = Table(
    "record_shares", metadata,
    Column("resource", Text, primary_key=True),
    Column("record_id", Uuid, primary_key=True),
    Column("principal_id", Uuid, primary_key=True),  # a user or a team
    Column("principal_type", Text, nullable=False),
    Column("privileges", ARRAY(Text), nullable=False),
    Column("shared_by", Uuid),
    *_audit_columns(),
)
