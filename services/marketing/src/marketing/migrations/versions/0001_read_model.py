"""Outbox/inbox and the read model of sales accounts and contacts.

Revision ID: marketing_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from crmkit.tables import create_plumbing_tables, drop_plumbing_tables

revision = "marketing_0001"
down_revision = None
branch_labels = None
depends_on = None


def sync_columns():
    return [
        sa.Column("source_version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    create_plumbing_tables(op.get_bind())
    op.create_table(
        "customer_accounts",
        sa.Column("account_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("account_number", sa.String(50)),
        sa.Column("industry", sa.String(100)),
        sa.Column("email", sa.String(254)),
        sa.Column("city", sa.String(100)),
        sa.Column("country", sa.String(100)),
        sa.Column("parent_account_id", UUID(as_uuid=False)),
        sa.Column("owner_id", UUID(as_uuid=False)),
        *sync_columns(),
    )
    op.create_table(
        "customer_contacts",
        sa.Column("contact_id", UUID(as_uuid=False), primary_key=True),
        sa.Column("account_id", UUID(as_uuid=False)),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("email", sa.String(254)),
        sa.Column("job_title", sa.String(100)),
        sa.Column("birth_date", sa.Date),
        sa.Column("city", sa.String(100)),
        sa.Column("country", sa.String(100)),
        sa.Column("owner_id", UUID(as_uuid=False)),
        *sync_columns(),
    )
    op.create_index("ix_customer_contacts_account", "customer_contacts", ["account_id"])


def downgrade():
    op.drop_table("customer_contacts")
    op.drop_table("customer_accounts")
    drop_plumbing_tables(op.get_bind())
