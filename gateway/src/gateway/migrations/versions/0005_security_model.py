"""security model: business units (a tree), teams and their members, roles with privileges per
resource at an access level, the roles of users and teams, and records shared with one user or
team. The root business unit is created here; default roles are ensured at start-up.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROOT_BUSINESS_UNIT = "00000000-0000-4000-8000-000000000001"


def _audit() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("version", sa.Integer, nullable=False, server_default="1")]


def upgrade() -> None:
    op.create_table(
        "business_units",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        # NULL only for the root, the organisation itself.
        sa.Column("parent_id", sa.Uuid, sa.ForeignKey("business_units.id", ondelete="RESTRICT")),
        *_audit(),
    )
    op.create_index("ix_business_units_parent", "business_units", ["parent_id"])
    op.create_index("ux_business_units_one_root", "business_units", [sa.text("(parent_id IS NULL)")],
                    unique=True, postgresql_where=sa.text("parent_id IS NULL"))
    op.execute(f"INSERT INTO business_units (id, name) VALUES ('{ROOT_BUSINESS_UNIT}', 'Organisation')")
    op.add_column("users", sa.Column("business_unit_id", sa.Uuid,
                                     sa.ForeignKey("business_units.id", ondelete="RESTRICT"),
                                     nullable=False, server_default=ROOT_BUSINESS_UNIT))
    op.create_index("ix_users_business_unit", "users", ["business_unit_id"])
    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("business_unit_id", sa.Uuid, sa.ForeignKey("business_units.id", ondelete="RESTRICT"),
                  nullable=False),
        *_audit(),
    )
    op.create_index("ix_teams_business_unit", "teams", ["business_unit_id"])
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_team_members_user", "team_members", ["user_id"])
    op.create_table(
        "roles",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("description", sa.Text),
        # {resource: {privilege: level}}, e.g. {"accounts": {"read": "business_unit"}}
        sa.Column("privileges", postgresql.JSONB, nullable=False),
        *_audit(),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role_id", sa.Uuid, sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "team_roles",
        sa.Column("team_id", sa.Uuid, sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role_id", sa.Uuid, sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "record_shares",
        sa.Column("resource", sa.Text, primary_key=True),
        sa.Column("record_id", sa.Uuid, primary_key=True),
        # a user or a team
        sa.Column("principal_id", sa.Uuid, primary_key=True),
        sa.Column("principal_type", sa.Text, nullable=False),
        sa.Column("privileges", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("shared_by", sa.Uuid),
        *_audit(),
    )
    op.create_index("ix_record_shares_principal", "record_shares", ["principal_id", "resource"])


def downgrade() -> None:
    for table in ("record_shares", "team_roles", "user_roles", "roles", "team_members", "teams"):
        op.drop_table(table)
    op.drop_column("users", "business_unit_id")
    op.drop_table("business_units")
