"""Marketing tables (SQLAlchemy Core) and the repositories of its own records.

`customer_*` tables are the read model of sales' records: marketing never reads sales'
database, it keeps what the events tell it. Everything else is marketing's own."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, Numeric,
                        String, Table, Text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from crmkit.repository import Repository, audit_columns

metadata = MetaData()


def _sync_columns():
    # source_version is the sales record's version: updates apply only forwards, so a late
    # or redelivered older event never overwrites newer data; deleted is a tombstone and
    # merged_into names the record that absorbed this one (ContactMerged / AccountMerged).
    return [
        Column("source_version", Integer, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("synced_at", DateTime(timezone=True), nullable=False),
        Column("merged_into", UUID(as_uuid=False)),
    ]


customer_accounts = Table(
    "customer_accounts", metadata,
    Column("account_id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200)),
    Column("account_number", String(50)),
    Column("industry", String(100)),
    Column("email", String(254)),
    Column("city", String(100)),
    Column("country", String(100)),
    Column("parent_account_id", UUID(as_uuid=False)),
    Column("owner_id", UUID(as_uuid=False)),
    *_sync_columns(),
)

customer_contacts = Table(
    "customer_contacts", metadata,
    Column("contact_id", UUID(as_uuid=False), primary_key=True),
    Column("account_id", UUID(as_uuid=False)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("email", String(254)),
    Column("job_title", String(100)),
    Column("birth_date", Date),
    Column("city", String(100)),
    Column("country", String(100)),
    Column("owner_id", UUID(as_uuid=False)),
    *_sync_columns(),
)

customer_leads = Table(
    "customer_leads", metadata,
    Column("lead_id", UUID(as_uuid=False), primary_key=True),
    Column("campaign_id", UUID(as_uuid=False)),
    Column("response_id", UUID(as_uuid=False)),  # the campaign response it was converted from
    Column("source", String(30)),
    Column("topic", String(200)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("company_name", String(200)),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("owner_id", UUID(as_uuid=False)),
    Column("status", String(20), nullable=False),  # new, qualified, disqualified
    Column("status_at", DateTime(timezone=True), nullable=False),  # the event that set it
    Column("account_id", UUID(as_uuid=False)),
    Column("contact_id", UUID(as_uuid=False)),
    Column("opportunity_id", UUID(as_uuid=False)),
    Column("estimated_value", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("disqualify_reason", Text),
    Column("synced_at", DateTime(timezone=True), nullable=False),
)

# Opportunities marketing hears of with a campaign (LeadQualified, OpportunityWon / Lost):
# what the campaign metrics count as generated, won and revenue.
campaign_opportunities = Table(
    "campaign_opportunities", metadata,
    Column("opportunity_id", UUID(as_uuid=False), primary_key=True),
    Column("campaign_id", UUID(as_uuid=False), nullable=False),
    Column("lead_id", UUID(as_uuid=False)),
    Column("account_id", UUID(as_uuid=False)),
    Column("status", String(20), nullable=False),  # open, won, lost
    Column("estimated_value", Numeric(18, 2)),
    Column("actual_revenue", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("last_event_at", DateTime(timezone=True), nullable=False),
)

marketing_lists = Table(
    "marketing_lists", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("member_type", String(20), nullable=False),  # contact, account, lead
    Column("kind", String(20), nullable=False),  # static, dynamic
    Column("query", JSONB),  # dynamic lists only
    *audit_columns(),
)

marketing_list_members = Table(
    "marketing_list_members", metadata,
    Column("list_id", UUID(as_uuid=False), ForeignKey("marketing_lists.id", ondelete="CASCADE"),
           primary_key=True),
    Column("member_id", UUID(as_uuid=False), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

campaigns = Table(
    "campaigns", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("type", String(30), nullable=False),
    Column("status", String(20), nullable=False),
    Column("budget", Numeric(18, 2)),
    Column("currency", String(3)),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("expected_response_rate", Numeric(5, 2)),
    Column("list_ids", ARRAY(UUID(as_uuid=False)), nullable=False),
    *audit_columns(),
)

campaign_expenses = Table(
    "campaign_expenses", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("campaign_id", UUID(as_uuid=False), ForeignKey("campaigns.id", ondelete="CASCADE"),
           nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    Column("description", String(500)),
    Column("incurred_on", Date, nullable=False),
    *audit_columns(),
)

campaign_activities = Table(
    "campaign_activities", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("campaign_id", UUID(as_uuid=False), ForeignKey("campaigns.id", ondelete="CASCADE"),
           nullable=False),
    Column("channel", String(30), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("description", Text),
    Column("scheduled_start", DateTime(timezone=True)),
    Column("status", String(20), nullable=False),  # planned, distributed
    Column("distributed_count", Integer, nullable=False),
    Column("distributed_at", DateTime(timezone=True)),
    *audit_columns(),
)

# Who each activity was distributed to: the record that makes a second distribution create
# nothing again, and what metrics and the customer overview count.
campaign_recipients = Table(
    "campaign_recipients", metadata,
    Column("campaign_activity_id", UUID(as_uuid=False),
           ForeignKey("campaign_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("member_type", String(20), primary_key=True),
    Column("member_id", UUID(as_uuid=False), primary_key=True),
    Column("campaign_id", UUID(as_uuid=False), nullable=False),
    Column("owner_id", UUID(as_uuid=False), nullable=False),
    Column("position", Integer, nullable=False),
    Column("distributed_at", DateTime(timezone=True), nullable=False),
)

campaign_responses = Table(
    "campaign_responses", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("campaign_id", UUID(as_uuid=False), ForeignKey("campaigns.id", ondelete="CASCADE"),
           nullable=False),
    Column("channel", String(30), nullable=False),
    Column("subject", String(200)),
    Column("description", Text),
    Column("contact_id", UUID(as_uuid=False)),
    Column("lead_id", UUID(as_uuid=False)),
    Column("account_id", UUID(as_uuid=False)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("company_name", String(200)),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),  # open, converted, closed
    Column("converted_at", DateTime(timezone=True)),
    Column("converted_lead_id", UUID(as_uuid=False)),  # set once sales reports the lead
    *audit_columns(),
)


class MarketingListRepository(Repository):
    table = marketing_lists
    text_search_columns = ("name", "description")
    filter_columns = {name: name for name in ("member_type", "kind", "owner_id", "name")}
    sort_fields = ("name", "created_at", "updated_at")


class CampaignRepository(Repository):
    table = campaigns
    text_search_columns = ("name", "description")
    filter_columns = {name: name for name in ("status", "type", "owner_id", "currency", "name")}
    sort_fields = ("name", "created_at", "updated_at")

    def add(self, values: dict, owner_id: str | None) -> dict:
        # Every campaign starts planned; its state then moves only by actions.
        return super().add({"status": "planned", "type": "other", "list_ids": []} | values, owner_id)


class ExpenseRepository(Repository):
    table = campaign_expenses
    filter_columns = {"campaign_id": "campaign_id"}
    sort_fields = ("incurred_on", "created_at")
    default_sort = "-incurred_on"


class CampaignActivityRepository(Repository):
    table = campaign_activities
    filter_columns = {name: name for name in ("campaign_id", "status", "channel", "owner_id")}
    sort_fields = ("created_at", "updated_at")

    def add(self, values: dict, owner_id: str | None) -> dict:
        return super().add({"status": "planned", "distributed_count": 0} | values, owner_id)


class ResponseRepository(Repository):
    table = campaign_responses
    text_search_columns = ("subject", "first_name", "last_name", "company_name", "email")
    filter_columns = {name: name for name in ("campaign_id", "status", "channel", "contact_id",
                                              "lead_id", "account_id", "owner_id")}
    sort_fields = ("received_at", "created_at", "updated_at")
    default_sort = "-received_at"

    def add(self, values: dict, owner_id: str | None) -> dict:
        return super().add({"status": "open"} | values, owner_id)
