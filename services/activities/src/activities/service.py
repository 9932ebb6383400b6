"""nameko entrypoints of the activities service; thin: each delegates to a flow."""
from __future__ import annotations

import re

from nameko.rpc import rpc

from crmkit.consumer import handles
from crmkit.errors import EXPECTED
from crmkit.resources import ResourceFlows
from crmkit.service_base import CrmService
from activities import automations, read_model, views
from activities.activities import ACTIVITIES, ActivityActions
from activities.activity_types import ACTIVITY_TYPES

command = rpc(expected_exceptions=EXPECTED)


def consumer(source_service: str, event_type: str, effect):
    """A reliable, idempotent handler (crmkit.consumer.handles) that applies
    `effect(uow, event)`; its name, and so its queue, comes from the event type."""
    def handle(self, uow, event):
        effect(uow, event)

    handle.__name__ = "on_" + re.sub(r"(?<!^)(?=[A-Z])", "_", event_type).lower()
    return handles(source_service, event_type)(handle)


class ActivitiesService(CrmService):
    name = "activities"
    owned_resources = {"activities": ACTIVITIES}

    def _activities(self) -> ResourceFlows:
        return ResourceFlows(self.db, ACTIVITIES)

    def _types(self) -> ResourceFlows:
        return ResourceFlows(self.db, ACTIVITY_TYPES)

    # --- activities -----------------------------------------------------------------

    @command
    def create_activity(self, data, owner_id=None):
        """`owner_id` is the caller; an `owner_id` in the body assigns it to someone else."""
        return self._activities().create(data, owner_id and str(owner_id))

    @command
    def get_activity(self, activity_id):
        return self._activities().get(activity_id)

    @command
    def list_activities(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        """With regarding_type and regarding_id filters: that record's timeline, newest first."""
        return self._activities().list(filters, q, sort, limit, cursor, reach)

    @command
    def update_activity(self, activity_id, changes, expected_version=None):
        return self._activities().update(activity_id, changes, expected_version)

    @command
    def delete_activity(self, activity_id):
        self._activities().delete(activity_id)

    @command
    def complete_activity(self, activity_id, data=None):
        return ActivityActions(self.db).complete(activity_id, data)

    @command
    def cancel_activity(self, activity_id, data=None):
        return ActivityActions(self.db).cancel(activity_id, data)

    @command
    def add_activity_exception(self, activity_id, data):
        return ActivityActions(self.db).add_exception(activity_id, data)

    @command
    def list_occurrences(self, activity_id, start, end):
        return ActivityActions(self.db).occurrences(activity_id, {"start": start, "end": end})

    @command
    def my_work(self, owner_id, view="open", timezone="UTC", limit=50, cursor=None):
        with self.db.reading() as connection:
            return views.my_work(connection, {"owner_id": owner_id, "view": view, "timezone": timezone},
                                 limit, cursor)

    @command
    def calendar_feed(self, owner_id=None, resource_id=None):
        """An iCalendar (text/calendar) document of an owner's or a resource's appointments."""
        with self.db.reading() as connection:
            return views.calendar_feed(connection, owner_id, resource_id)

    @command
    def customer_overview(self, account_id):
        with self.db.reading() as connection:
            return views.customer_overview(connection, account_id)

    # --- custom activity types ------------------------------------------------------------

    @command
    def create_activity_type(self, data, owner_id=None):
        return self._types().create(data, owner_id)

    @command
    def get_activity_type(self, activity_type_id):
        return self._types().get(activity_type_id)

    @command
    def list_activity_types(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._types().list(filters, q, sort, limit, cursor)

    @command
    def update_activity_type(self, activity_type_id, changes, expected_version=None):
        return self._types().update(activity_type_id, changes, expected_version)

    @command
    def delete_activity_type(self, activity_type_id):
        self._types().delete(activity_type_id)

    # --- consumers: activities other services' events create, close or move, and the labels
    # and customers of the records activities regard --------------------------------------
    on_campaign_activity_distributed = consumer("marketing", "CampaignActivityDistributed",
                                                automations.on_campaign_activity_distributed)
    on_lead_qualified = consumer("sales", "LeadQualified", automations.on_lead_qualified)
    on_case_resolved = consumer("service_desk", "CaseResolved", automations.on_case_resolved)
    on_booking_created = consumer("scheduler", "BookingCreated", automations.on_booking_created)
    on_booking_cancelled = consumer("scheduler", "BookingCancelled", automations.on_booking_cancelled)
    on_contract_allotment_exhausted = consumer("service_desk", "ContractAllotmentExhausted",
                                               automations.on_contract_allotment_exhausted)
    on_contact_merged = consumer("sales", "ContactMerged", automations.on_contact_merged)
    on_account_merged = consumer("sales", "AccountMerged", automations.on_account_merged)
    on_account_created = consumer("sales", "AccountCreated", read_model.apply_account)
    on_account_updated = consumer("sales", "AccountUpdated", read_model.apply_account)
    on_account_deleted = consumer("sales", "AccountDeleted", read_model.forgets("account"))
    on_contact_created = consumer("sales", "ContactCreated", read_model.apply_contact)
    on_contact_updated = consumer("sales", "ContactUpdated", read_model.apply_contact)
    on_contact_deleted = consumer("sales", "ContactDeleted", read_model.forgets("contact"))
    on_lead_created = consumer("sales", "LeadCreated", read_model.apply_lead)
    on_lead_updated = consumer("sales", "LeadUpdated", read_model.apply_lead)
    on_lead_deleted = consumer("sales", "LeadDeleted", read_model.forgets("lead"))
    on_quote_accepted = consumer("sales", "QuoteAccepted", read_model.note_quote)
    on_case_created = consumer("service_desk", "CaseCreated", read_model.apply_case)
    on_campaign_created = consumer("marketing", "CampaignCreated", read_model.apply_campaign)
    on_campaign_updated = consumer("marketing", "CampaignUpdated", read_model.apply_campaign)
    on_campaign_deleted = consumer("marketing", "CampaignDeleted", read_model.forgets("campaign"))
    on_resource_created = consumer("scheduler", "ResourceCreated", read_model.apply_resource)
    on_resource_updated = consumer("scheduler", "ResourceUpdated", read_model.apply_resource)
    on_resource_deleted = consumer("scheduler", "ResourceDeleted", read_model.forgets("resource"))
