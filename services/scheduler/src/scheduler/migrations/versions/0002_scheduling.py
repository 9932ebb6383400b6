"""Resources, groups, services, bookings (with an exclusion constraint against double
booking), scheduling requests and solve jobs.

Revision ID: scheduler_0002
Revises: scheduler_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZRANGE, UUID

from crmkit.repository import audit_columns

revision = "scheduler_0002"
down_revision = "scheduler_0001"
branch_labels = None
depends_on = None


def upgrade():
    # btree_gist lets one GiST exclusion constraint compare uuids (=) and ranges (&&).
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "resources",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("characteristics", JSONB, nullable=False),
        sa.Column("features", JSONB, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("working_hours", JSONB, nullable=False),
        sa.Column("time_off", JSONB, nullable=False),
        sa.Column("user_id", UUID(as_uuid=False)),
        *audit_columns(),
    )
    op.create_index("ix_resources_name_id", "resources", ["name", "id"])
    op.create_index("ix_resources_created_at_id", "resources", ["created_at", "id"])
    op.create_table(
        "resource_groups",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("member_ids", JSONB, nullable=False),
        *audit_columns(),
    )
    op.create_index("ix_resource_groups_members", "resource_groups", ["member_ids"], postgresql_using="gin")
    op.create_table(
        "services",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("requirements", JSONB, nullable=False),
        sa.Column("default_attendees", sa.Integer, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        *audit_columns(),
    )
    op.create_index("ix_services_name_id", "services", ["name", "id"])
    op.create_table(
        "bookings",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("service_id", UUID(as_uuid=False), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("request_id", UUID(as_uuid=False)),
        sa.Column("resource_ids", ARRAY(UUID(as_uuid=False)), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attendees", sa.Integer, nullable=False),
        sa.Column("regarding_type", sa.String(50)),
        sa.Column("regarding_id", UUID(as_uuid=False)),
        sa.Column("account_id", UUID(as_uuid=False)),
        sa.Column("subject", sa.String(300)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cancel_reason", sa.String(500)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        *audit_columns(),
        sa.CheckConstraint('"end" > start', name="ck_bookings_ordered"),
    )
    op.create_index("ix_bookings_start_id", "bookings", ["start", "id"])
    op.create_index("ix_bookings_created_at_id", "bookings", ["created_at", "id"])
    op.create_index("ix_bookings_account_start", "bookings", ["account_id", "start"])
    op.create_index("ix_bookings_request", "bookings", ["request_id"])
    op.create_table(
        "booking_slots",
        sa.Column("booking_id", UUID(as_uuid=False), sa.ForeignKey("bookings.id"), primary_key=True),
        sa.Column("resource_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("during", TSTZRANGE, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.execute("ALTER TABLE booking_slots ADD CONSTRAINT ex_booking_slots_no_double_booking "
               "EXCLUDE USING gist (resource_id WITH =, during WITH &&) WHERE (active)")
    op.create_table(
        "scheduling_requests",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("service_id", UUID(as_uuid=False)),
        sa.Column("attendees", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before_request_id", UUID(as_uuid=False)),
        sa.Column("course", sa.String(200)),
        sa.Column("account_id", UUID(as_uuid=False)),
        sa.Column("regarding_type", sa.String(50)),
        sa.Column("regarding_id", UUID(as_uuid=False)),
        sa.Column("subject", sa.String(300)),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("source_ref", sa.String(200), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("booking_id", UUID(as_uuid=False)),
        *audit_columns(),
    )
    op.create_index("ix_scheduling_requests_created_at_id", "scheduling_requests", ["created_at", "id"])
    op.create_index("ix_scheduling_requests_account", "scheduling_requests", ["account_id"])
    op.create_table(
        "solve_jobs",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("spec", JSONB, nullable=False),
        sa.Column("progress", JSONB, nullable=False),
        sa.Column("result", JSONB),
        sa.Column("error", sa.Text),
        sa.Column("time_limit_s", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )


def downgrade():
    for table in ("solve_jobs", "scheduling_requests", "booking_slots", "bookings", "services",
                  "resource_groups", "resources"):
        op.drop_table(table)
