"""Leads and merges in the read model; marketing lists, campaigns, expenses, activities,
their recipients, responses and the opportunities campaigns generated.

Revision ID: marketing_0002
Revises: marketing_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "marketing_0002"
down_revision = "marketing_0001"
branch_labels = None
depends_on = None


def uuid_column(name, *args, **kwargs):
    return sa.Column(name, UUID(as_uuid=False), *args, **kwargs)


def audit_columns():
    return [
        uuid_column("owner_id"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def campaign_fk(**kwargs):
    return uuid_column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
                       nullable=False, **kwargs)


def lower_index(table, column):
    op.create_index(f"ix_{table}_lower_{column}", table, [sa.text(f"lower({column})")])


def trigram_index(table, column):
    # `contains` compiles to lower(column) LIKE '%...%', which a trigram GIN index serves.
    op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
               f"USING gin (lower({column}) gin_trgm_ops)")


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in ("customer_accounts", "customer_contacts"):
        op.add_column(table, uuid_column("merged_into"))
    op.create_table(
        "customer_leads",
        uuid_column("lead_id", primary_key=True),
        uuid_column("campaign_id"),
        uuid_column("response_id"),
        sa.Column("source", sa.String(30)),
        sa.Column("topic", sa.String(200)),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("company_name", sa.String(200)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(50)),
        uuid_column("owner_id"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        uuid_column("account_id"),
        uuid_column("contact_id"),
        uuid_column("opportunity_id"),
        sa.Column("estimated_value", sa.Numeric(18, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("disqualify_reason", sa.Text),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign_opportunities",
        uuid_column("opportunity_id", primary_key=True),
        uuid_column("campaign_id", nullable=False),
        uuid_column("lead_id"),
        uuid_column("account_id"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("estimated_value", sa.Numeric(18, 2)),
        sa.Column("actual_revenue", sa.Numeric(18, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "marketing_lists",
        uuid_column("id", primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("member_type", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("query", JSONB),
        *audit_columns(),
    )
    op.create_table(
        "marketing_list_members",
        uuid_column("list_id", sa.ForeignKey("marketing_lists.id", ondelete="CASCADE"), primary_key=True),
        uuid_column("member_id", primary_key=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaigns",
        uuid_column("id", primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("budget", sa.Numeric(18, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        sa.Column("expected_response_rate", sa.Numeric(5, 2)),
        sa.Column("list_ids", ARRAY(UUID(as_uuid=False)), nullable=False),
        *audit_columns(),
    )
    op.create_table(
        "campaign_expenses",
        uuid_column("id", primary_key=True),
        campaign_fk(),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("incurred_on", sa.Date, nullable=False),
        *audit_columns(),
    )
    op.create_table(
        "campaign_activities",
        uuid_column("id", primary_key=True),
        campaign_fk(),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("scheduled_start", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("distributed_count", sa.Integer, nullable=False),
        sa.Column("distributed_at", sa.DateTime(timezone=True)),
        *audit_columns(),
    )
    op.create_table(
        "campaign_recipients",
        uuid_column("campaign_activity_id", sa.ForeignKey("campaign_activities.id", ondelete="CASCADE"),
                    primary_key=True),
        sa.Column("member_type", sa.String(20), primary_key=True),
        uuid_column("member_id", primary_key=True),
        uuid_column("campaign_id", nullable=False),
        uuid_column("owner_id", nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign_responses",
        uuid_column("id", primary_key=True),
        campaign_fk(),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("description", sa.Text),
        uuid_column("contact_id"),
        uuid_column("lead_id"),
        uuid_column("account_id"),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("company_name", sa.String(200)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(50)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("converted_at", sa.DateTime(timezone=True)),
        uuid_column("converted_lead_id"),
        *audit_columns(),
    )

    # Dynamic list queries: equality and ranges on these columns are index scans.
    for column in ("city", "country", "email", "job_title"):
        lower_index("customer_contacts", column)
    op.create_index("ix_customer_contacts_birth_date", "customer_contacts", ["birth_date"])
    op.create_index("ix_customer_contacts_owner", "customer_contacts", ["owner_id"])
    op.create_index("ix_customer_contacts_merged_into", "customer_contacts", ["merged_into"])
    for column in ("city", "country", "industry", "email"):
        lower_index("customer_accounts", column)
    op.create_index("ix_customer_accounts_owner", "customer_accounts", ["owner_id"])
    for column in ("email", "status", "source", "company_name"):
        lower_index("customer_leads", column)
    op.create_index("ix_customer_leads_campaign", "customer_leads", ["campaign_id"])
    op.create_index("ix_customer_leads_response", "customer_leads", ["response_id"])
    trigram_index("customer_contacts", "last_name")
    trigram_index("customer_contacts", "email")
    trigram_index("customer_accounts", "name")
    trigram_index("customer_leads", "company_name")

    op.create_index("ix_campaign_opportunities_campaign", "campaign_opportunities", ["campaign_id"])
    op.create_index("ix_marketing_list_members_member", "marketing_list_members", ["member_id"])
    op.execute("CREATE INDEX ix_campaigns_list_ids ON campaigns USING gin (list_ids)")
    for table in ("campaign_expenses", "campaign_activities", "campaign_responses"):
        op.create_index(f"ix_{table}_campaign", table, ["campaign_id"])
    op.create_index("ix_campaign_recipients_campaign", "campaign_recipients", ["campaign_id"])
    op.create_index("ix_campaign_recipients_member", "campaign_recipients", ["member_id"])
    for column in ("contact_id", "account_id", "lead_id"):
        op.create_index(f"ix_campaign_responses_{column}", "campaign_responses", [column])


def downgrade():
    for table in ("campaign_responses", "campaign_recipients", "campaign_activities",
                  "campaign_expenses", "campaigns", "marketing_list_members", "marketing_lists",
                  "campaign_opportunities", "customer_leads"):
        op.drop_table(table)
    for table in ("customer_accounts", "customer_contacts"):
        op.drop_column(table, "merged_into")
