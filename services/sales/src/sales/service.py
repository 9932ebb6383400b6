"""nameko entrypoints of the sales service; thin: each delegates to a flow."""
from __future__ import annotations

from nameko.rpc import rpc

from crmkit.errors import EXPECTED
from crmkit.service_base import CrmService
from sales import customers
from crmkit.resources import ResourceFlows

command = rpc(expected_exceptions=EXPECTED)


class SalesService(CrmService):
    name = "sales"

    def _accounts(self) -> ResourceFlows:
        return ResourceFlows(self.db, customers.ACCOUNTS)

    def _contacts(self) -> ResourceFlows:
        return ResourceFlows(self.db, customers.CONTACTS)

    @command
    def create_account(self, data, owner_id=None):
        return self._accounts().create(data, owner_id)

    @command
    def get_account(self, account_id):
        return self._accounts().get(account_id)

    @command
    def list_accounts(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._accounts().list(filters, q, sort, limit, cursor)

    @command
    def update_account(self, account_id, changes, expected_version=None):
        return self._accounts().update(account_id, changes, expected_version)

    @command
    def delete_account(self, account_id):
        self._accounts().delete(account_id)

    @command
    def create_contact(self, data, owner_id=None):
        return self._contacts().create(data, owner_id)

    @command
    def get_contact(self, contact_id):
        return self._contacts().get(contact_id)

    @command
    def list_contacts(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._contacts().list(filters, q, sort, limit, cursor)

    @command
    def update_contact(self, contact_id, changes, expected_version=None):
        return self._contacts().update(contact_id, changes, expected_version)

    @command
    def delete_contact(self, contact_id):
        self._contacts().delete(contact_id)
