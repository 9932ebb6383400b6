"""Outbox and inbox.

Revision ID: service_desk_0001
Revises:
"""
from alembic import op

from crmkit.tables import create_plumbing_tables, drop_plumbing_tables

revision = "service_desk_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_plumbing_tables(op.get_bind())


def downgrade():
    drop_plumbing_tables(op.get_bind())
