"""nameko entrypoints of the marketing service; thin: each delegates to a flow."""
from __future__ import annotations

from nameko.rpc import rpc
from sqlalchemy import select

from crmkit.consumer import handles
from crmkit.errors import EXPECTED, NotFound
from crmkit.records import json_safe
from crmkit.resources import ResourceFlows
from crmkit.service_base import CrmService
from marketing import campaigns, distribution, lists, metrics, overview, quick_campaigns, read_model, responses
from marketing.db import customer_accounts
from marketing.lists import ListFlows

command = rpc(expected_exceptions=EXPECTED)


class MarketingService(CrmService):
    name = "marketing"
    owned_resources = {"campaigns": campaigns.CAMPAIGNS, "marketing-lists": lists.LISTS}

    # --- read model of sales' customers and leads ------------------------------------------

    @handles("sales", "AccountCreated")
    def on_account_created(self, uow, event):
        read_model.apply_account(uow.connection, event.payload)

    @handles("sales", "AccountUpdated")
    def on_account_updated(self, uow, event):
        read_model.apply_account(uow.connection, event.payload)

    @handles("sales", "AccountDeleted")
    def on_account_deleted(self, uow, event):
        read_model.delete_account(uow.connection, event.payload)

    @handles("sales", "AccountMerged")
    def on_account_merged(self, uow, event):
        read_model.merge_account(uow.connection, event.payload)

    @handles("sales", "ContactCreated")
    def on_contact_created(self, uow, event):
        read_model.apply_contact(uow.connection, event.payload)

    @handles("sales", "ContactUpdated")
    def on_contact_updated(self, uow, event):
        read_model.apply_contact(uow.connection, event.payload)

    @handles("sales", "ContactDeleted")
    def on_contact_deleted(self, uow, event):
        read_model.delete_contact(uow.connection, event.payload)

    @handles("sales", "ContactMerged")
    def on_contact_merged(self, uow, event):
        read_model.merge_contact(uow.connection, event.payload)

    @handles("sales", "LeadCreated")
    def on_lead_created(self, uow, event):
        read_model.apply_lead_created(uow.connection, event.payload, event.occurred_at)
        responses.link_converted_lead(uow.connection, event.payload)

    @handles("sales", "LeadQualified")
    def on_lead_qualified(self, uow, event):
        read_model.apply_lead_qualified(uow.connection, event.payload, event.occurred_at)

    @handles("sales", "LeadDisqualified")
    def on_lead_disqualified(self, uow, event):
        read_model.apply_lead_disqualified(uow.connection, event.payload, event.occurred_at)

    @handles("sales", "OpportunityWon")
    def on_opportunity_won(self, uow, event):
        read_model.apply_opportunity_closed(uow.connection, event.payload, "won", event.occurred_at)

    @handles("sales", "OpportunityLost")
    def on_opportunity_lost(self, uow, event):
        read_model.apply_opportunity_closed(uow.connection, event.payload, "lost", event.occurred_at)

    @command
    def get_customer_account(self, account_id):
        """The read model's view of a sales account (what campaigns target)."""
        with self.db.reading() as connection:
            row = connection.execute(select(customer_accounts).where(
                customer_accounts.c.account_id == str(account_id),
                customer_accounts.c.deleted.is_(False))).mappings().first()
        if row is None:
            raise NotFound(f"marketing knows no account {account_id}")
        return json_safe(dict(row))

    @command
    def customer_overview(self, account_id):
        """Campaigns that touched the account or its contacts (customer 360 view)."""
        return overview.customer_overview(self.db, account_id)

    # --- marketing lists -------------------------------------------------------------------

    @command
    def create_marketing_list(self, data, owner_id=None):
        return ListFlows(self.db).create(data, owner_id)

    @command
    def get_marketing_list(self, marketing_list_id):
        return ListFlows(self.db).get(marketing_list_id)

    @command
    def list_marketing_lists(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return ListFlows(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_marketing_list(self, marketing_list_id, changes, expected_version=None):
        return ListFlows(self.db).update(marketing_list_id, changes, expected_version)

    @command
    def delete_marketing_list(self, marketing_list_id):
        ListFlows(self.db).delete(marketing_list_id)

    @command
    def list_marketing_list_members(self, marketing_list_id, limit=50, cursor=None):
        return ListFlows(self.db).members(marketing_list_id, limit, cursor)

    @command
    def add_marketing_list_members(self, marketing_list_id, data):
        return ListFlows(self.db).add_members(marketing_list_id, data)

    @command
    def remove_marketing_list_member(self, marketing_list_id, member_id):
        return ListFlows(self.db).remove_member(marketing_list_id, member_id)

    # --- campaigns ---------------------------------------------------------------------------

    def _campaigns(self) -> ResourceFlows:
        return ResourceFlows(self.db, campaigns.CAMPAIGNS)

    @command
    def create_campaign(self, data, owner_id=None):
        return self._campaigns().create(data, owner_id)

    @command
    def get_campaign(self, campaign_id):
        return self._campaigns().get(campaign_id)

    @command
    def list_campaigns(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return self._campaigns().list(filters, q, sort, limit, cursor, reach)

    @command
    def update_campaign(self, campaign_id, changes, expected_version=None):
        return self._campaigns().update(campaign_id, changes, expected_version)

    @command
    def delete_campaign(self, campaign_id):
        self._campaigns().delete(campaign_id)

    @command
    def activate_campaign(self, campaign_id):
        return campaigns.change_status(self.db, campaign_id, "activate")

    @command
    def complete_campaign(self, campaign_id):
        return campaigns.change_status(self.db, campaign_id, "complete")

    @command
    def cancel_campaign(self, campaign_id):
        return campaigns.change_status(self.db, campaign_id, "cancel")

    @command
    def get_campaign_metrics(self, campaign_id):
        return metrics.campaign_metrics(self.db, campaign_id)

    @command
    def add_campaign_expense(self, campaign_id, data, owner_id=None):
        return campaigns.add_expense(self.db, campaign_id, data, owner_id)

    @command
    def list_campaign_expenses(self, campaign_id, sort=None, limit=50, cursor=None):
        return campaigns.list_expenses(self.db, campaign_id, sort, limit, cursor)

    @command
    def get_campaign_expense(self, campaign_id, expense_id):
        return campaigns.get_expense(self.db, campaign_id, expense_id)

    @command
    def delete_campaign_expense(self, campaign_id, expense_id):
        campaigns.delete_expense(self.db, campaign_id, expense_id)

    @command
    def create_campaign_activity(self, campaign_id, data, owner_id=None):
        return campaigns.add_activity(self.db, campaign_id, data, owner_id)

    @command
    def get_campaign_activity(self, campaign_id, activity_id):
        return campaigns.get_activity(self.db, campaign_id, activity_id)

    @command
    def list_campaign_activities(self, campaign_id, status=None, sort=None, limit=50, cursor=None):
        return campaigns.list_activities(self.db, campaign_id, status, sort, limit, cursor)

    @command
    def distribute_campaign_activity(self, campaign_id, activity_id, data=None):
        return distribution.distribute(self.db, campaign_id, activity_id, data)

    @command
    def create_quick_campaign(self, data, owner_id=None):
        return quick_campaigns.quick_campaign(self.db, data, owner_id)

    # --- responses -----------------------------------------------------------------------

    @command
    def create_campaign_response(self, campaign_id, data, owner_id=None):
        return responses.create_response(self.db, campaign_id, data, owner_id)

    @command
    def list_campaign_responses(self, campaign_id, filters=None, sort=None, limit=50, cursor=None):
        return responses.list_responses(self.db, campaign_id, filters, sort, limit, cursor)

    @command
    def get_campaign_response(self, response_id):
        return responses.get_response(self.db, response_id)

    @command
    def convert_campaign_response(self, response_id):
        return responses.convert_response(self.db, response_id)

    @command
    def close_campaign_response(self, response_id):
        return responses.close_response(self.db, response_id)
