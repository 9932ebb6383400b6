"""nameko entrypoints of the marketing service; thin."""
from __future__ import annotations

from nameko.rpc import rpc
from sqlalchemy import select

from crmkit.consumer import handles
from crmkit.errors import EXPECTED, NotFound
from crmkit.records import json_safe
from crmkit.service_base import CrmService
from marketing import read_model
from marketing.db import customer_accounts


class MarketingService(CrmService):
    name = "marketing"

    @handles("sales", "AccountCreated")
    def on_account_created(self, uow, event):
        read_model.apply_account(uow.connection, event.payload)

    @handles("sales", "AccountUpdated")
    def on_account_updated(self, uow, event):
        read_model.apply_account(uow.connection, event.payload)

    @handles("sales", "AccountDeleted")
    def on_account_deleted(self, uow, event):
        read_model.delete_account(uow.connection, event.payload)

    @handles("sales", "ContactCreated")
    def on_contact_created(self, uow, event):
        read_model.apply_contact(uow.connection, event.payload)

    @handles("sales", "ContactUpdated")
    def on_contact_updated(self, uow, event):
        read_model.apply_contact(uow.connection, event.payload)

    @handles("sales", "ContactDeleted")
    def on_contact_deleted(self, uow, event):
        read_model.delete_contact(uow.connection, event.payload)

    @rpc(expected_exceptions=EXPECTED)
    def get_customer_account(self, account_id):
        """The read model's view of a sales account (what campaigns target)."""
        with self.db.reading() as connection:
            row = connection.execute(select(customer_accounts).where(
                customer_accounts.c.account_id == str(account_id),
                customer_accounts.c.deleted.is_(False))).mappings().first()
        if row is None:
            raise NotFound(f"marketing knows no account {account_id}")
        return json_safe(dict(row))
