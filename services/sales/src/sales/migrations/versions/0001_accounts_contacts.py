"""Outbox/inbox, accounts and contacts.

Revision ID: sales_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from crmkit.tables import create_plumbing_tables, drop_plumbing_tables

revision = "sales_0001"
down_revision = None
branch_labels = None
depends_on = None


def audit_columns():
    return [
        sa.Column("owner_id", UUID(as_uuid=False)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def upgrade():
    create_plumbing_tables(op.get_bind())
    op.create_table(
        "accounts",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(50)),
        sa.Column("industry", sa.String(100)),
        sa.Column("website", sa.String(300)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(50)),
        sa.Column("address_line1", sa.String(200)),
        sa.Column("address_city", sa.String(100)),
        sa.Column("address_postal_code", sa.String(20)),
        sa.Column("address_country", sa.String(100)),
        sa.Column("parent_account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id")),
        sa.Column("credit_limit", sa.Numeric(18, 2)),
        sa.Column("currency", sa.String(3)),
        *audit_columns(),
    )
    op.create_index("ix_accounts_name_id", "accounts", ["name", "id"])
    op.create_index("ix_accounts_created_at_id", "accounts", ["created_at", "id"])
    op.create_index("ix_accounts_parent", "accounts", ["parent_account_id"])
    op.create_table(
        "contacts",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(50)),
        sa.Column("mobile", sa.String(50)),
        sa.Column("job_title", sa.String(100)),
        sa.Column("account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id")),
        sa.Column("birth_date", sa.Date),
        sa.Column("city", sa.String(100)),
        sa.Column("country", sa.String(100)),
        *audit_columns(),
    )
    op.create_index("ix_contacts_last_name_id", "contacts", ["last_name", "id"])
    op.create_index("ix_contacts_created_at_id", "contacts", ["created_at", "id"])
    op.create_index("ix_contacts_account", "contacts", ["account_id"])


def downgrade():
    op.drop_table("contacts")
    op.drop_table("accounts")
    drop_plumbing_tables(op.get_bind())
