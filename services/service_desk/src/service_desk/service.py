"""nameko entrypoints of the service desk; thin: each delegates to a flow."""
from __future__ import annotations

from datetime import datetime, timezone

from nameko.rpc import rpc
from nameko.timer import timer

from crmkit.consumer import handles
from crmkit.errors import EXPECTED
from crmkit.service_base import CrmService
from service_desk import cases, contracts, customers, kb, overview, records
from service_desk.cases import CaseFlows
from service_desk.queues import QUEUES, QueueItemFlows
from service_desk.records import record_flows
from service_desk.routing import ROUTING_RULES
from service_desk.sla import SLA_POLICIES

command = rpc(expected_exceptions=EXPECTED)
CONTRACT_EXPIRY_INTERVAL_S = 60


def _today():
    return datetime.now(timezone.utc).date()


class ServiceDeskService(CrmService):
    name = "service_desk"
    owned_resources = {"cases": cases.CASES, "contracts": records.unpublished(contracts.CONTRACTS)}

    # --- cases --------------------------------------------------------------------------

    @command
    def create_case(self, data, owner_id=None):
        return CaseFlows(self.db).create(data, owner_id)

    @command
    def get_case(self, case_id):
        return CaseFlows(self.db).get(case_id)

    @command
    def list_cases(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return CaseFlows(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_case(self, case_id, changes, expected_version=None):
        return CaseFlows(self.db).update(case_id, changes, expected_version)

    @command
    def delete_case(self, case_id):
        CaseFlows(self.db).delete(case_id)

    @command
    def resolve_case(self, case_id, data, user_id=None):
        return CaseFlows(self.db).resolve(case_id, data, user_id)

    @command
    def cancel_case(self, case_id, user_id=None):
        return CaseFlows(self.db).cancel(case_id, user_id)

    @command
    def reopen_case(self, case_id, user_id=None):
        return CaseFlows(self.db).reopen(case_id, user_id)

    @command
    def wait_on_customer(self, case_id):
        return CaseFlows(self.db).wait_on_customer(case_id)

    @command
    def resume_case(self, case_id):
        return CaseFlows(self.db).resume(case_id)

    @command
    def record_first_response(self, case_id):
        return CaseFlows(self.db).respond(case_id)

    @command
    def link_article(self, case_id, data, user_id=None):
        return CaseFlows(self.db).link_article(case_id, data, user_id)

    @command
    def list_case_articles(self, case_id):
        return CaseFlows(self.db).articles(case_id)

    @handles("activities", "ActivityCompleted")
    def on_activity_completed(self, uow, event):
        CaseFlows(self.db).on_activity_completed(uow, event.payload)

    # --- contracts ----------------------------------------------------------------------

    @command
    def create_contract(self, data, owner_id=None):
        return contracts.shown(record_flows(self.db, contracts.CONTRACTS).create(data, owner_id), _today())

    @command
    def get_contract(self, contract_id):
        return contracts.shown(record_flows(self.db, contracts.CONTRACTS).get(contract_id), _today())

    @command
    def list_contracts(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return contracts.shown_page(
            record_flows(self.db, contracts.CONTRACTS).list(filters, q, sort, limit, cursor, reach), _today())

    @command
    def update_contract(self, contract_id, changes, expected_version=None):
        return contracts.shown(
            record_flows(self.db, contracts.CONTRACTS).update(contract_id, changes, expected_version), _today())

    @command
    def delete_contract(self, contract_id):
        record_flows(self.db, contracts.CONTRACTS).delete(contract_id)

    @command
    def activate_contract(self, contract_id):
        return contracts.act(self.db, contract_id, "activate", _today())

    @command
    def cancel_contract(self, contract_id):
        return contracts.act(self.db, contract_id, "cancel", _today())

    @command  # also on demand, for operators (and tests) who will not wait for the timer
    @timer(interval=CONTRACT_EXPIRY_INTERVAL_S)
    def expire_ended_contracts(self):
        return contracts.expire_ended(self.db, _today())

    # --- SLA policies and routing rules -------------------------------------------------

    @command
    def create_sla_policy(self, data, owner_id=None):
        return record_flows(self.db, SLA_POLICIES).create(data, owner_id)

    @command
    def get_sla_policy(self, sla_policy_id):
        return record_flows(self.db, SLA_POLICIES).get(sla_policy_id)

    @command
    def list_sla_policies(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return record_flows(self.db, SLA_POLICIES).list(filters, q, sort, limit, cursor)

    @command
    def update_sla_policy(self, sla_policy_id, changes, expected_version=None):
        return record_flows(self.db, SLA_POLICIES).update(sla_policy_id, changes, expected_version)

    @command
    def delete_sla_policy(self, sla_policy_id):
        record_flows(self.db, SLA_POLICIES).delete(sla_policy_id)

    @command
    def create_routing_rule(self, data, owner_id=None):
        return record_flows(self.db, ROUTING_RULES).create(data, owner_id)

    @command
    def get_routing_rule(self, routing_rule_id):
        return record_flows(self.db, ROUTING_RULES).get(routing_rule_id)

    @command
    def list_routing_rules(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return record_flows(self.db, ROUTING_RULES).list(filters, q, sort, limit, cursor)

    @command
    def update_routing_rule(self, routing_rule_id, changes, expected_version=None):
        return record_flows(self.db, ROUTING_RULES).update(routing_rule_id, changes, expected_version)

    @command
    def delete_routing_rule(self, routing_rule_id):
        record_flows(self.db, ROUTING_RULES).delete(routing_rule_id)

    # --- queues and their items ---------------------------------------------------------

    @command
    def create_queue(self, data, owner_id=None):
        return record_flows(self.db, QUEUES).create(data, owner_id)

    @command
    def get_queue(self, queue_id):
        return record_flows(self.db, QUEUES).get(queue_id)

    @command
    def list_queues(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return record_flows(self.db, QUEUES).list(filters, q, sort, limit, cursor)

    @command
    def update_queue(self, queue_id, changes, expected_version=None):
        return record_flows(self.db, QUEUES).update(queue_id, changes, expected_version)

    @command
    def delete_queue(self, queue_id):
        record_flows(self.db, QUEUES).delete(queue_id)

    @command
    def add_queue_item(self, queue_id, data, user_id=None):
        return QueueItemFlows(self.db).add(queue_id, data, user_id)

    @command
    def list_queue_items(self, queue_id, filters=None, sort=None, limit=50, cursor=None, user_id=None):
        return QueueItemFlows(self.db).list(queue_id, filters, sort, limit, cursor, user_id)

    @command
    def get_queue_item(self, queue_item_id):
        return QueueItemFlows(self.db).get(queue_item_id)

    @command
    def pick_queue_item(self, queue_item_id, user_id=None, data=None):
        return QueueItemFlows(self.db).pick(queue_item_id, user_id, data)

    @command
    def release_queue_item(self, queue_item_id, user_id=None):
        return QueueItemFlows(self.db).release(queue_item_id, user_id)

    @command
    def route_queue_item(self, queue_item_id, data, user_id=None):
        return QueueItemFlows(self.db).route(queue_item_id, data, user_id)

    @command
    def queue_item_history(self, queue_item_id):
        return QueueItemFlows(self.db).history(queue_item_id)

    # --- knowledge base -----------------------------------------------------------------

    @command
    def create_article(self, data, owner_id=None):
        return record_flows(self.db, kb.ARTICLES).create(data, owner_id)

    @command
    def get_article(self, article_id):
        return record_flows(self.db, kb.ARTICLES).get(article_id)

    @command
    def list_articles(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return record_flows(self.db, kb.ARTICLES).list(kb.language_filter(filters), q, sort, limit, cursor)

    @command
    def update_article(self, article_id, changes, expected_version=None):
        return record_flows(self.db, kb.ARTICLES).update(article_id, changes, expected_version)

    @command
    def delete_article(self, article_id):
        record_flows(self.db, kb.ARTICLES).delete(article_id)

    @command
    def publish_article(self, article_id, user_id=None):
        return kb.act(self.db, article_id, "publish", user_id)

    @command
    def archive_article(self, article_id, user_id=None):
        return kb.act(self.db, article_id, "archive", user_id)

    @command
    def revise_article(self, article_id, user_id=None):
        return kb.act(self.db, article_id, "revise", user_id)

    @command
    def list_article_versions(self, article_id):
        return kb.versions(self.db, article_id)

    # --- customers: sales' read model and the 360 view ----------------------------------

    @handles("sales", "AccountCreated")
    def on_account_created(self, uow, event):
        customers.apply_account(uow.connection, event.payload)

    @handles("sales", "AccountUpdated")
    def on_account_updated(self, uow, event):
        customers.apply_account(uow.connection, event.payload)

    @handles("sales", "ContactCreated")
    def on_contact_created(self, uow, event):
        customers.apply_contact(uow.connection, event.payload)

    @handles("sales", "ContactUpdated")
    def on_contact_updated(self, uow, event):
        customers.apply_contact(uow.connection, event.payload)

    @handles("sales", "AccountMerged")
    def on_account_merged(self, uow, event):
        customers.merge_accounts(uow.connection, event.payload)

    @handles("sales", "ContactMerged")
    def on_contact_merged(self, uow, event):
        customers.merge_contacts(uow.connection, event.payload)

    @command
    def customer_overview(self, account_id):
        with self.db.reading() as connection:
            return overview.customer_overview(connection, account_id, _today())
