"""Activities, custom activity types and the read model of records they regard.

Revision ID: activities_0002
Revises: activities_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from crmkit.repository import audit_columns

revision = "activities_0002"
down_revision = "activities_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activities",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("type", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("regarding_type", sa.String(50)),
        sa.Column("regarding_id", UUID(as_uuid=False)),
        sa.Column("parties", JSONB, nullable=False, server_default="[]"),
        sa.Column("scheduled_start", sa.DateTime(timezone=True)),
        sa.Column("scheduled_end", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("duration_minutes", sa.Integer),
        sa.Column("actual_duration_minutes", sa.Integer),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("direction", sa.String(10)),
        sa.Column("channel", sa.String(20)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("recurrence", JSONB),
        sa.Column("exceptions", JSONB, nullable=False, server_default="[]"),
        sa.Column("custom_fields", JSONB),
        sa.Column("origin_key", sa.String(200), unique=True),
        sa.Column("source", JSONB),
        *audit_columns(),
    )
    # Timelines: a record's activities newest first, optionally of one type or status; each
    # index serves the keyset (created_at, id) order directly.
    op.create_index("ix_activities_timeline", "activities",
                    ["regarding_type", "regarding_id", sa.text("created_at DESC"), sa.text("id DESC")])
    op.create_index("ix_activities_timeline_type", "activities",
                    ["regarding_type", "regarding_id", "type", sa.text("created_at DESC"), sa.text("id DESC")])
    op.create_index("ix_activities_timeline_status", "activities",
                    ["regarding_type", "regarding_id", "status", sa.text("created_at DESC"), sa.text("id DESC")])
    # Both filters: without it a rare pair (open letters) reads every letter of the record
    # from the heap (18 ms -> 4.6 ms cold on 1,000,000 rows; docs/BENCHMARKS.md).
    op.create_index("ix_activities_timeline_type_status", "activities",
                    ["regarding_type", "regarding_id", "type", "status", sa.text("created_at DESC"), sa.text("id DESC")])
    op.create_index("ix_activities_created_at_id", "activities", ["created_at", "id"])
    # "My work": an owner's open activities by due moment.
    op.create_index("ix_activities_owner_due", "activities",
                    ["owner_id", "status", sa.text("coalesce(due_at, scheduled_end, scheduled_start)"), "id"])
    # Calendars of resources and merges look activities up by party.
    op.create_index("ix_activities_parties", "activities", ["parties"], postgresql_using="gin",
                    postgresql_ops={"parties": "jsonb_path_ops"})
    op.create_table(
        "activity_types",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("fields", JSONB, nullable=False),
        *audit_columns(),
    )
    op.create_index("ix_activity_types_created_at_id", "activity_types", ["created_at", "id"])
    op.create_table(
        "known_records",
        sa.Column("record_type", sa.String(50), primary_key=True),
        sa.Column("record_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("label", sa.String(300)),
        sa.Column("account_id", UUID(as_uuid=False)),
        sa.Column("owner_id", UUID(as_uuid=False)),
        sa.Column("source_version", sa.Integer, nullable=False),
        sa.Column("source_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_into", UUID(as_uuid=False)),
        sa.Column("deleted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_known_records_account", "known_records", ["account_id"])


def downgrade():
    op.drop_table("known_records")
    op.drop_table("activity_types")
    op.drop_table("activities")
