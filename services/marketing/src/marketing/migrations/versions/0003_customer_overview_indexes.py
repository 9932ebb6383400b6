"""Indexes the customer overview needs: the leads and campaign opportunities of an account
and of its contacts (found by bench/customer360.py: without them every campaign lead is
filtered row by row).

Revision ID: marketing_0003
Revises: marketing_0002
"""
from alembic import op

revision = "marketing_0003"
down_revision = "marketing_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_customer_leads_account", "customer_leads", ["account_id"])
    op.create_index("ix_customer_leads_contact", "customer_leads", ["contact_id"])
    op.create_index("ix_campaign_opportunities_account", "campaign_opportunities", ["account_id"])


def downgrade():
    op.drop_index("ix_campaign_opportunities_account", "campaign_opportunities")
    op.drop_index("ix_customer_leads_contact", "customer_leads")
    op.drop_index("ix_customer_leads_account", "customer_leads")
