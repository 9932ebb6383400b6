"""nameko entrypoints of the scheduler service; thin: each delegates to a flow."""
from __future__ import annotations

from nameko.rpc import rpc

from crmkit.consumer import handles
from crmkit.errors import EXPECTED
from crmkit.resources import ResourceFlows
from crmkit.service_base import CrmService
from scheduler import bookings, catalog, jobs, planning, quotes, solving

command = rpc(expected_exceptions=EXPECTED)


class SchedulerService(CrmService):
    name = "scheduler"

    solver_jobs = jobs.Jobs()

    def _resources(self) -> ResourceFlows:
        return ResourceFlows(self.db, catalog.RESOURCES)

    def _groups(self) -> ResourceFlows:
        return ResourceFlows(self.db, catalog.GROUPS)

    def _services(self) -> ResourceFlows:
        return ResourceFlows(self.db, catalog.SERVICES)

    def _bookings(self) -> ResourceFlows:
        return ResourceFlows(self.db, bookings.BOOKINGS)

    # --- resources -------------------------------------------------------------------
    @command
    def create_resource(self, data, owner_id=None):
        return self._resources().create(data, owner_id)

    @command
    def get_resource(self, resource_id):
        return self._resources().get(resource_id)

    @command
    def list_resources(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._resources().list(filters, q, sort, limit, cursor)

    @command
    def update_resource(self, resource_id, changes, expected_version=None):
        return self._resources().update(resource_id, changes, expected_version)

    @command
    def delete_resource(self, resource_id):
        self._resources().delete(resource_id)

    # --- resource groups -------------------------------------------------------------
    @command
    def create_resource_group(self, data, owner_id=None):
        return self._groups().create(data, owner_id)

    @command
    def get_resource_group(self, resource_group_id):
        return self._groups().get(resource_group_id)

    @command
    def list_resource_groups(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._groups().list(filters, q, sort, limit, cursor)

    @command
    def update_resource_group(self, resource_group_id, changes, expected_version=None):
        return self._groups().update(resource_group_id, changes, expected_version)

    @command
    def delete_resource_group(self, resource_group_id):
        self._groups().delete(resource_group_id)

    # --- services --------------------------------------------------------------------
    @command
    def create_service(self, data, owner_id=None):
        return self._services().create(data, owner_id)

    @command
    def get_service(self, service_id):
        return self._services().get(service_id)

    @command
    def list_services(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._services().list(filters, q, sort, limit, cursor)

    @command
    def update_service(self, service_id, changes, expected_version=None):
        return self._services().update(service_id, changes, expected_version)

    @command
    def delete_service(self, service_id):
        self._services().delete(service_id)

    # --- bookings --------------------------------------------------------------------
    @command
    def create_booking(self, data, owner_id=None):
        return bookings.create_booking(self.db, data, owner_id)

    @command
    def get_booking(self, booking_id):
        return self._bookings().get(booking_id)

    @command
    def list_bookings(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return self._bookings().list(filters, q, sort, limit, cursor)

    @command
    def cancel_booking(self, booking_id, data=None):
        return bookings.cancel_booking(self.db, booking_id, data)

    @command
    def customer_overview(self, account_id):
        return bookings.customer_overview(self.db, account_id)

    # --- availability and solving ----------------------------------------------------
    @command
    def find_availability(self, query):
        return planning.find_availability(self.db, query)

    @command
    def solve(self, spec, owner_id=None):
        return solving.solve(self.db, self.solver_jobs, spec, owner_id)

    @command
    def get_job(self, job_id):
        return jobs.get_job(self.db, job_id)

    # --- consumers -------------------------------------------------------------------
    @handles("sales", "QuoteAccepted")
    def on_quote_accepted(self, uow, event):
        quotes.on_quote_accepted(uow, event)
