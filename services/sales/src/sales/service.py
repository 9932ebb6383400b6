"""nameko entrypoints of the sales service; thin: each delegates to a flow."""
from __future__ import annotations

from nameko.rpc import rpc

from crmkit.consumer import handles
from crmkit.errors import EXPECTED, ValidationFailed
from crmkit.records import json_safe
from crmkit.resources import ResourceFlows
from crmkit.service_base import CrmService
from sales import catalogue, customers, documents, leads, merges, opportunities, orders, overview, quotes
from sales.customers import ACCOUNT_DUPLICATES, CONTACT_DUPLICATES
from sales.domain.duplicates import email_key, name_key
from sales.flows import create_refusing_duplicates

command = rpc(expected_exceptions=EXPECTED)

# --- bulk paths for imports (the gateway's import jobs) -------------------------------------
# Per resource: how a record is found again by an imported row's matching field. Emails and
# names are compared through the same keys as duplicate detection (case, legal forms), on
# their indexed key columns.
_BULK = {
    "accounts": (customers.ACCOUNTS, {"account_number": ("account_number", str),
                                      "name": ("name_key", name_key), "email": ("email_key", email_key)}),
    "contacts": (customers.CONTACTS, {"email": ("email_key", email_key)}),
    "leads": (leads.LEADS, {"email": ("email_key", email_key)}),
    "products": (catalogue.PRODUCTS, {"product_number": ("product_number", str)}),
}
BULK_LIMIT = 5000


def _ids(records: list[dict]) -> list[str]:
    return [record["id"] for record in records]


def _find_bulk(db, resource_name: str, field: str, values: list) -> dict[str, dict]:
    """{value: record} for each of `values` that a record of `resource_name` matches by
    `field` (one query); values matching nothing are left out."""
    resource, fields = _BULK.get(resource_name, (None, {}))
    if field not in fields or not isinstance(values, list) or len(values) > BULK_LIMIT:
        raise ValidationFailed(f"Cannot find {resource_name} in bulk by {field}", [
            {"field": "field", "message": f"one of {', '.join(fields) or 'nothing'}"} if field not in fields else
            {"field": "values", "message": f"a list of at most {BULK_LIMIT} values"}])
    column, key = fields[field]
    wanted = {str(value): key(str(value)) for value in values if value not in (None, "")}
    with db.reading() as connection:
        repo = resource.repository(connection)
        rows = connection.execute(repo.table.select().where(
            repo.table.c[column].in_(sorted(set(wanted.values()) - {None})))).mappings().all()
        by_key = {row[column]: json_safe(repo.to_record(row)) for row in rows}
    return {value: by_key[k] for value, k in wanted.items() if k in by_key}


class SalesService(CrmService):
    name = "sales"
    owned_resources = {"accounts": customers.ACCOUNTS, "contacts": customers.CONTACTS, "leads": leads.LEADS,
                       "opportunities": opportunities.OPPORTUNITIES, "quotes": quotes.QUOTES,
                       "orders": orders.ORDERS, "invoices": orders.INVOICES}

    # --- accounts and contacts -----------------------------------------------------------

    @command
    def create_account(self, data, owner_id=None):
        return create_refusing_duplicates(self.db, customers.ACCOUNTS, ACCOUNT_DUPLICATES, data, owner_id)

    @command
    def get_account(self, account_id):
        return ResourceFlows(self.db, customers.ACCOUNTS).get(account_id)

    @command
    def list_accounts(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return ResourceFlows(self.db, customers.ACCOUNTS).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_account(self, account_id, changes, expected_version=None):
        return ResourceFlows(self.db, customers.ACCOUNTS).update(account_id, changes, expected_version)

    @command
    def delete_account(self, account_id):
        ResourceFlows(self.db, customers.ACCOUNTS).delete(account_id)

    @command
    def merge_accounts(self, account_id, data, merged_by=None):
        return merges.merge(self.db, merges.ACCOUNT_MERGE, account_id, data, merged_by)

    @command
    def create_contact(self, data, owner_id=None):
        return create_refusing_duplicates(self.db, customers.CONTACTS, CONTACT_DUPLICATES, data, owner_id)

    @command
    def get_contact(self, contact_id):
        return ResourceFlows(self.db, customers.CONTACTS).get(contact_id)

    @command
    def list_contacts(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return ResourceFlows(self.db, customers.CONTACTS).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_contact(self, contact_id, changes, expected_version=None):
        return ResourceFlows(self.db, customers.CONTACTS).update(contact_id, changes, expected_version)

    @command
    def delete_contact(self, contact_id):
        ResourceFlows(self.db, customers.CONTACTS).delete(contact_id)

    @command
    def merge_contacts(self, contact_id, data, merged_by=None):
        return merges.merge(self.db, merges.CONTACT_MERGE, contact_id, data, merged_by)

    @command
    def list_merges(self, record_id):
        return merges.merges_of(self.db, record_id)

    @command
    def customer_overview(self, account_id):
        return overview.customer_overview(self.db, account_id)

    # --- leads ---------------------------------------------------------------------------

    @command
    def create_lead(self, data, owner_id=None):
        return leads.create(self.db, data, owner_id)

    @command
    def get_lead(self, lead_id):
        return leads.flows(self.db).get(lead_id)

    @command
    def list_leads(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return leads.flows(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_lead(self, lead_id, changes, expected_version=None):
        return leads.flows(self.db).update(lead_id, changes, expected_version)

    @command
    def delete_lead(self, lead_id):
        leads.flows(self.db).delete(lead_id)

    @command
    def mark_lead_contacted(self, lead_id):
        return leads.mark_contacted(self.db, lead_id)

    @command
    def qualify_lead(self, lead_id, options=None):
        return leads.qualify(self.db, lead_id, options)

    @command
    def disqualify_lead(self, lead_id, data=None):
        return leads.disqualify(self.db, lead_id, data)

    @handles("marketing", "CampaignResponseConverted")
    def on_campaign_response_converted(self, uow, event):
        leads.lead_from_campaign_response(uow, event.payload)

    # --- opportunities and competitors ---------------------------------------------------

    @command
    def create_opportunity(self, data, owner_id=None):
        return opportunities.opportunity_flows(self.db).create(data, owner_id)

    @command
    def get_opportunity(self, opportunity_id):
        return opportunities.opportunity_flows(self.db).get(opportunity_id)

    @command
    def list_opportunities(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return opportunities.opportunity_flows(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_opportunity(self, opportunity_id, changes, expected_version=None):
        return opportunities.opportunity_flows(self.db).update(opportunity_id, changes, expected_version)

    @command
    def delete_opportunity(self, opportunity_id):
        opportunities.opportunity_flows(self.db).delete(opportunity_id)

    @command
    def win_opportunity(self, opportunity_id, data=None):
        return opportunities.win(self.db, opportunity_id, data)

    @command
    def lose_opportunity(self, opportunity_id, data=None):
        return opportunities.lose(self.db, opportunity_id, data)

    @command
    def add_opportunity_competitor(self, opportunity_id, data):
        return opportunities.add_competitor(self.db, opportunity_id, data)

    @command
    def remove_opportunity_competitor(self, opportunity_id, competitor_id):
        opportunities.remove_competitor(self.db, opportunity_id, competitor_id)

    @command
    def list_opportunity_competitors(self, opportunity_id):
        return opportunities.list_competitors(self.db, opportunity_id)

    @command
    def create_competitor(self, data, owner_id=None):
        return opportunities.competitor_flows(self.db).create(data, owner_id)

    @command
    def get_competitor(self, competitor_id):
        return opportunities.competitor_flows(self.db).get(competitor_id)

    @command
    def list_competitors(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return opportunities.competitor_flows(self.db).list(filters, q, sort, limit, cursor)

    @command
    def update_competitor(self, competitor_id, changes, expected_version=None):
        return opportunities.competitor_flows(self.db).update(competitor_id, changes, expected_version)

    @command
    def delete_competitor(self, competitor_id):
        opportunities.competitor_flows(self.db).delete(competitor_id)

    # --- catalogue -----------------------------------------------------------------------

    @command
    def create_product(self, data, owner_id=None):
        return catalogue.product_flows(self.db).create(data, owner_id)

    @command
    def get_product(self, product_id):
        return catalogue.product_flows(self.db).get(product_id)

    @command
    def list_products(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return catalogue.product_flows(self.db).list(filters, q, sort, limit, cursor)

    @command
    def update_product(self, product_id, changes, expected_version=None):
        return catalogue.product_flows(self.db).update(product_id, changes, expected_version)

    @command
    def delete_product(self, product_id):
        catalogue.product_flows(self.db).delete(product_id)

    @command
    def create_price_list(self, data, owner_id=None):
        return catalogue.price_list_flows(self.db).create(data, owner_id)

    @command
    def get_price_list(self, price_list_id):
        return catalogue.price_list_flows(self.db).get(price_list_id)

    @command
    def list_price_lists(self, filters=None, q=None, sort=None, limit=50, cursor=None):
        return catalogue.price_list_flows(self.db).list(filters, q, sort, limit, cursor)

    @command
    def update_price_list(self, price_list_id, changes, expected_version=None):
        return catalogue.price_list_flows(self.db).update(price_list_id, changes, expected_version)

    @command
    def delete_price_list(self, price_list_id):
        catalogue.price_list_flows(self.db).delete(price_list_id)

    @command
    def add_price_list_item(self, price_list_id, data, owner_id=None):
        return catalogue.add_item(self.db, price_list_id, data, owner_id)

    @command
    def list_price_list_items(self, price_list_id):
        return catalogue.list_items(self.db, price_list_id)

    @command
    def update_price_list_item(self, price_list_id, item_id, changes):
        return catalogue.update_item(self.db, price_list_id, item_id, changes)

    @command
    def delete_price_list_item(self, price_list_id, item_id):
        catalogue.delete_item(self.db, price_list_id, item_id)

    # --- quotes --------------------------------------------------------------------------

    @command
    def create_quote(self, data, owner_id=None):
        return quotes.quote_flows(self.db).create(data, owner_id)

    @command
    def get_quote(self, quote_id):
        return quotes.quote_flows(self.db).get(quote_id)

    @command
    def list_quotes(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return quotes.quote_flows(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def update_quote(self, quote_id, changes, expected_version=None):
        return quotes.quote_flows(self.db).update(quote_id, changes, expected_version)

    @command
    def delete_quote(self, quote_id):
        quotes.quote_flows(self.db).delete(quote_id)

    @command
    def add_quote_line(self, quote_id, data):
        return quotes.add_line(self.db, quote_id, data)

    @command
    def update_quote_line(self, quote_id, line_id, changes):
        return quotes.update_line(self.db, quote_id, line_id, changes)

    @command
    def delete_quote_line(self, quote_id, line_id):
        return quotes.delete_line(self.db, quote_id, line_id)

    @command
    def activate_quote(self, quote_id):
        return quotes.activate(self.db, quote_id)

    @command
    def revise_quote(self, quote_id):
        return quotes.revise(self.db, quote_id)

    @command
    def accept_quote(self, quote_id):
        return quotes.accept(self.db, quote_id)

    @command
    def close_quote(self, quote_id, data=None):
        return quotes.close(self.db, quote_id, data)

    @command
    def quote_document(self, quote_id):
        """The quote as a .docx, base64-encoded (RPC replies are JSON)."""
        return documents.quote_document(self.db, quote_id)

    # --- orders and invoices -------------------------------------------------------------

    @command
    def get_order(self, order_id):
        return orders.order_reads(self.db).get(order_id)

    @command
    def list_orders(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return orders.order_reads(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def fulfil_order(self, order_id):
        return orders.fulfil(self.db, order_id)

    @command
    def cancel_order(self, order_id):
        return orders.cancel(self.db, order_id)

    @command
    def invoice_order(self, order_id, data=None):
        return orders.invoice(self.db, order_id, data)

    @command
    def get_invoice(self, invoice_id):
        return orders.invoice_reads(self.db).get(invoice_id)

    @command
    def list_invoices(self, filters=None, q=None, sort=None, limit=50, cursor=None, reach=None):
        return orders.invoice_reads(self.db).list(filters, q, sort, limit, cursor, reach)

    @command
    def pay_invoice(self, invoice_id, data=None):
        return orders.pay(self.db, invoice_id, data)

    @command
    def cancel_invoice(self, invoice_id):
        return orders.cancel_invoice(self.db, invoice_id)

    # --- bulk paths for imports ------------------------------------------------------------
    # They answer the new records' ids, in the order of `items`: the whole records of a
    # 1,000-row chunk, which nameko serialises twice, cost a sixth of the service's CPU per
    # chunk, and imports use none of it.

    @command
    def create_accounts_bulk(self, items, owner_id=None):
        return _ids(ResourceFlows(self.db, customers.ACCOUNTS).create_many(items, owner_id))

    @command
    def create_contacts_bulk(self, items, owner_id=None):
        return _ids(ResourceFlows(self.db, customers.CONTACTS).create_many(items, owner_id))

    @command
    def create_leads_bulk(self, items, owner_id=None):
        return _ids(leads.flows(self.db).create_many(items, owner_id))

    @command
    def create_products_bulk(self, items, owner_id=None):
        return _ids(catalogue.product_flows(self.db).create_many(items, owner_id))

    @command
    def find_records_bulk(self, resource, field, values):
        """Records of `resource` (accounts, contacts, leads, products) matching `values` of
        `field`: how an import finds the rows it updates instead of duplicating."""
        return _find_bulk(self.db, resource, field, values)
