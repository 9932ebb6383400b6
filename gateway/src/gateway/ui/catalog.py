"""The work areas and what the UI shows of each entity: list columns, filters, form fields
(taken from the API's request models), actions (the API's action routes), related records
and child collections. Presentation only: every rule stays with the API and the services."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel

from gateway.models import (accounts, activities, campaign_responses, campaigns, cases, competitors, contacts,
                            contracts, invoices, kb, leads, marketing_lists, opportunities, orders, price_lists,
                            products, queue_items, queues, quotes)
from gateway.ui.forms import Field, model_fields, required
from gateway.ui.sources import ApiSource, RpcSource


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    kind: str = "text"  # text money date datetime status ref bool minutes
    ref: str | None = None
    sortable: bool = False


@dataclass(frozen=True)
class Action:
    """POST <record>/<name> with the fields' body; `goto` opens a record the result names."""

    name: str
    label: str
    fields: tuple[Field, ...] = ()
    goto: tuple[str, str] | None = None  # (key in the result holding an id, entity key)
    danger: bool = False


@dataclass(frozen=True)
class Related:
    entity: str
    filter: str  # the list filter naming this record


@dataclass(frozen=True)
class RowAction:
    """An action on one row of a child collection; `path` is under /api/v1 with {parent}
    and {row} (the row's id) filled in."""

    label: str
    path: str
    fields: tuple[Field, ...] = ()
    goto: tuple[str, str] | None = None


@dataclass(frozen=True)
class Child:
    key: str
    title: str
    columns: tuple[Column, ...]
    list_path: str | None = None  # API path with {parent}; None: rows are the record's `from_record`
    from_record: str | None = None
    create_path: str | None = None
    create_fields: tuple[Field, ...] = ()
    create_label: str = "Add"
    row_actions: tuple[RowAction, ...] = ()
    row_entity: str | None = None  # rows link to this entity's record page


@dataclass(frozen=True)
class Entity:
    key: str
    area: str
    title: str
    singular: str
    source: ApiSource
    columns: tuple[Column, ...]
    title_of: Callable[[dict], str]
    create_fields: tuple[Field, ...] = ()
    edit_fields: tuple[Field, ...] = ()
    filters: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    related: tuple[Related, ...] = ()
    children: tuple[Child, ...] = ()
    regarding: str | None = None  # activities' regarding type: the record page shows its timeline
    figures: str | None = None  # API path (with {id}) of figures the record page shows (metrics)
    searchable: bool = True
    deletable: bool = True
    extra_params: dict = field(default_factory=dict)  # fixed list parameters (my open activities)

    @property
    def url(self) -> str:
        return f"/{self.area}/{self.key.replace('_', '-')}"

    def record_url(self, record_id: object) -> str:
        return f"{self.url}/{record_id}"


def api(path: str, service: str, singular: str, plural: str) -> ApiSource:
    """Records behind an API path; the RPC names (as gateway.crud names them) serve names."""
    return ApiSource(path, RpcSource(service, singular, plural, path))


def fields(model: type[BaseModel], **kwargs) -> tuple[Field, ...]:
    return tuple(model_fields(model, **kwargs))


def filters_of(query: type[BaseModel], skip: tuple[str, ...] = ()) -> tuple[Field, ...]:
    """A list's equality filters the filter bar offers: choices and short texts (reference
    filters arrive by links from related records instead of a box to paste ids in)."""
    paging = ("limit", "cursor", "q", "sort", "owner_id", *skip)
    return tuple(f for f in model_fields(query, skip=paging) if f.kind in ("select", "text", "checkbox")
                 and not f.name.endswith("_id"))


def name(record: dict) -> str:
    return str(record.get("name") or record.get("title") or record.get("subject") or record.get("id"))


def person(record: dict) -> str:
    return " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p) or name(record)


def money(field_name: str, label: str, sortable: bool = False) -> Column:
    return Column(field_name, label, "money", sortable=sortable)


STATUS = Column("status", "Status", "status", sortable=False)
CREATED = Column("created_at", "Created", "datetime", sortable=True)
ACCOUNT = Column("account_id", "Account", "ref", ref="accounts")

# --- Sales -----------------------------------------------------------------------------------

ACCOUNTS = Entity(
    "accounts", "sales", "Accounts", "Account", api("accounts", "sales", "account", "accounts"),
    (Column("name", "Name", sortable=True), Column("industry", "Industry"), Column("address.city", "City"),
     Column("email", "Email"), money("credit_limit", "Credit limit"), CREATED),
    name, fields(accounts.AccountCreate), fields(accounts.AccountUpdate), filters_of(accounts.AccountListQuery),
    actions=(Action("merge", "Merge a duplicate into this account",
                    (Field("duplicate_id", "Duplicate account", "ref", required=True, ref="accounts"),)),),
    related=(Related("contacts", "account_id"), Related("opportunities", "account_id"),
             Related("quotes", "account_id"), Related("orders", "account_id"), Related("invoices", "account_id"),
             Related("cases", "customer_account_id"), Related("contracts", "customer_account_id")),
    regarding="account",
)
CONTACTS = Entity(
    "contacts", "sales", "Contacts", "Contact", api("contacts", "sales", "contact", "contacts"),
    (Column("last_name", "Name", sortable=True), ACCOUNT, Column("job_title", "Job title"),
     Column("email", "Email"), Column("city", "City"), CREATED),
    person, fields(contacts.ContactCreate), fields(contacts.ContactUpdate), filters_of(contacts.ContactListQuery),
    actions=(Action("merge", "Merge a duplicate into this contact",
                    (Field("duplicate_id", "Duplicate contact", "ref", required=True, ref="contacts"),)),),
    related=(Related("opportunities", "contact_id"), Related("cases", "customer_contact_id")),
    regarding="contact",
)
LEADS = Entity(
    "leads", "sales", "Leads", "Lead", api("leads", "sales", "lead", "leads"),
    (Column("topic", "Topic", sortable=True), Column("last_name", "Name"), Column("company_name", "Company"),
     Column("source", "Source"), money("estimated_value", "Est. value"), STATUS, CREATED),
    lambda r: f"{r.get('topic')} ({person(r)})", fields(leads.LeadCreate), fields(leads.LeadUpdate),
    filters_of(leads.LeadListQuery),
    actions=(Action("mark-contacted", "Mark contacted"),
             Action("qualify", "Qualify", fields(leads.QualifyRequest), goto=("opportunity_id", "opportunities")),
             Action("disqualify", "Disqualify", fields(leads.DisqualifyRequest), danger=True)),
    regarding="lead",
)
OPPORTUNITIES = Entity(
    "opportunities", "sales", "Opportunities", "Opportunity", api("opportunities", "sales", "opportunity", "opportunities"),
    (Column("name", "Name", sortable=True), ACCOUNT, Column("stage", "Stage"),
     money("estimated_value", "Est. value", sortable=True), Column("probability", "Probability %"),
     Column("estimated_close_date", "Est. close", "date", sortable=True), STATUS),
    name, fields(opportunities.OpportunityCreate), fields(opportunities.OpportunityUpdate),
    filters_of(opportunities.OpportunityListQuery),
    actions=(Action("win", "Win", required(list(fields(opportunities.WinRequest)), "actual_revenue")),
             Action("lose", "Lose", fields(opportunities.LoseRequest), danger=True)),
    related=(Related("quotes", "opportunity_id"), Related("orders", "opportunity_id")),
    children=(Child("competitors", "Competitors", (Column("name", "Name"), Column("website", "Website")),
                    list_path="opportunities/{parent}/competitors", create_path="opportunities/{parent}/competitors",
                    create_fields=fields(opportunities.CompetitorLink), create_label="Link competitor",
                    row_entity="competitors"),),
    regarding="opportunity",
)
COMPETITORS = Entity(
    "competitors", "sales", "Competitors", "Competitor", api("competitors", "sales", "competitor", "competitors"),
    (Column("name", "Name", sortable=True), Column("website", "Website"), CREATED),
    name, fields(competitors.CompetitorCreate), fields(competitors.CompetitorUpdate),
    filters_of(competitors.CompetitorListQuery),
)
PRODUCTS = Entity(
    "products", "sales", "Products", "Product", api("products", "sales", "product", "products"),
    (Column("name", "Name", sortable=True), Column("product_number", "Number", sortable=True),
     Column("unit", "Unit"), Column("is_service", "Service", "bool"), money("default_price", "Default price"),
     STATUS),
    name, fields(products.ProductCreate), fields(products.ProductUpdate), filters_of(products.ProductListQuery),
)
PRICE_LISTS = Entity(
    "price_lists", "sales", "Price lists", "Price list", api("price-lists", "sales", "price_list", "price_lists"),
    (Column("name", "Name", sortable=True), Column("currency", "Currency"), Column("valid_from", "From", "date"),
     Column("valid_to", "To", "date"), CREATED),
    name, fields(price_lists.PriceListCreate), fields(price_lists.PriceListUpdate),
    filters_of(price_lists.PriceListListQuery),
    related=(Related("quotes", "price_list_id"),),
    children=(Child("items", "Prices", (Column("product_id", "Product", "ref", ref="products"),
                                        money("amount", "Amount"), Column("discount_tiers", "Tiers", "tiers")),
                    list_path="price-lists/{parent}/items", create_path="price-lists/{parent}/items",
                    create_fields=fields(price_lists.PriceListItemCreate), create_label="Add price"),),
)
QUOTES = Entity(
    "quotes", "sales", "Quotes", "Quote", api("quotes", "sales", "quote", "quotes"),
    (Column("name", "Name", sortable=True), ACCOUNT, Column("revision", "Rev."), money("total", "Total"),
     Column("valid_until", "Valid until", "date"), STATUS, CREATED),
    lambda r: f"{r.get('name')} (revision {r.get('revision')})", fields(quotes.QuoteCreate),
    fields(quotes.QuoteUpdate), filters_of(quotes.QuoteListQuery),
    actions=(Action("activate", "Activate"), Action("revise", "Revise", goto=("id", "quotes")),
             Action("accept", "Accept", goto=("order_id", "orders")),
             Action("close", "Close", fields(quotes.CloseRequest), danger=True)),
    related=(Related("orders", "quote_id"), Related("quotes", "previous_revision_id")),
    children=(Child("lines", "Lines", (Column("product_name", "Product"), Column("quantity", "Quantity"),
                                       money("unit_price", "Unit price"), money("tier_discount", "Tier discount"),
                                       money("manual_discount", "Manual discount"), money("net_amount", "Net")),
                    from_record="lines", create_path="quotes/{parent}/lines",
                    create_fields=fields(quotes.QuoteLineCreate), create_label="Add line"),),
    regarding="quote",
)
ORDER_LINES = Child("lines", "Lines", (Column("product_name", "Product"), Column("quantity", "Quantity"),
                                       money("unit_price", "Unit price"), money("net_amount", "Net")),
                    from_record="lines")
ORDERS = Entity(
    "orders", "sales", "Orders", "Order", api("orders", "sales", "order", "orders"),
    (Column("name", "Name"), ACCOUNT, money("total", "Total"), STATUS, CREATED),
    name, (), (), filters_of(orders.OrderListQuery),
    actions=(Action("fulfil", "Fulfil"), Action("invoice", "Invoice", fields(orders.InvoiceRequest),
                                                 goto=("invoice_id", "invoices")),
             Action("cancel", "Cancel", danger=True)),
    related=(Related("invoices", "order_id"), Related("bookings", "regarding_id")),
    children=(ORDER_LINES,), regarding="order",
)
INVOICES = Entity(
    "invoices", "sales", "Invoices", "Invoice", api("invoices", "sales", "invoice", "invoices"),
    (Column("invoice_number", "Number", sortable=True), ACCOUNT, money("total", "Total"),
     Column("due_date", "Due", "date"), STATUS, CREATED),
    lambda r: f"Invoice {r.get('invoice_number')}", (), (), filters_of(invoices.InvoiceListQuery),
    actions=(Action("pay", "Pay", fields(invoices.PayRequest)), Action("cancel", "Cancel", danger=True)),
    children=(ORDER_LINES,), regarding="invoice",
)

# --- Marketing -------------------------------------------------------------------------------

MARKETING_LISTS = Entity(
    "marketing_lists", "marketing", "Marketing lists", "Marketing list", api("marketing-lists", "marketing", "marketing_list", "marketing_lists"),
    (Column("name", "Name", sortable=True), Column("member_type", "Members are"), Column("kind", "Kind"),
     Column("member_count", "Members"), CREATED),
    name, fields(marketing_lists.MarketingListCreate), fields(marketing_lists.MarketingListUpdate),
    filters_of(marketing_lists.MarketingListListQuery),
    children=(Child("members", "Members", (Column("name", "Name"), Column("member_type", "Type"),
                                           Column("email", "Email")),
                    list_path="marketing-lists/{parent}/members", create_path="marketing-lists/{parent}/members",
                    create_fields=(Field("ids", "Members to add (ids, comma separated)", "list", required=True),),
                    create_label="Add members"),),
)
RESPONSE_COLUMNS = (Column("subject", "Subject"), Column("channel", "Channel"), Column("last_name", "Name"),
                    Column("company_name", "Company"), STATUS, Column("converted_lead_id", "Lead", "ref", ref="leads"))
CAMPAIGNS = Entity(
    "campaigns", "marketing", "Campaigns", "Campaign", api("campaigns", "marketing", "campaign", "campaigns"),
    (Column("name", "Name", sortable=True), Column("type", "Type"), money("budget", "Budget"),
     Column("start_date", "Start", "date"), Column("end_date", "End", "date"), STATUS),
    name, fields(campaigns.CampaignCreate), fields(campaigns.CampaignUpdate),
    filters_of(campaigns.CampaignListQuery),
    actions=(Action("activate", "Activate"), Action("complete", "Complete"),
             Action("cancel", "Cancel", danger=True)),
    related=(Related("leads", "campaign_id"), Related("opportunities", "campaign_id")),
    children=(
        Child("activities", "Campaign activities",
              (Column("subject", "Subject"), Column("channel", "Channel"), Column("scheduled_start", "Start", "datetime"),
               STATUS, Column("distributed_count", "Distributed")),
              list_path="campaigns/{parent}/activities", create_path="campaigns/{parent}/activities",
              create_fields=fields(campaigns.CampaignActivityCreate, skip=("owner_id",)), create_label="Plan activity",
              row_actions=(RowAction("Distribute", "campaigns/{parent}/activities/{row}/distribute",
                                     fields(campaigns.DistributeRequest)),)),
        Child("responses", "Responses", RESPONSE_COLUMNS,
              list_path="campaigns/{parent}/responses", create_path="campaigns/{parent}/responses",
              create_fields=fields(campaign_responses.CampaignResponseCreate), create_label="Record response",
              row_actions=(RowAction("Convert to lead", "campaign-responses/{row}/convert", goto=("lead_id", "leads")),
                           RowAction("Close", "campaign-responses/{row}/close"))),
        Child("expenses", "Expenses", (money("amount", "Amount"), Column("description", "Description"),
                                      Column("incurred_on", "Incurred on", "date")),
              list_path="campaigns/{parent}/expenses", create_path="campaigns/{parent}/expenses",
              create_fields=fields(campaigns.ExpenseCreate), create_label="Add expense"),
    ),
    regarding="campaign", figures="campaigns/{id}/metrics",
)

# --- Service ---------------------------------------------------------------------------------

CASES = Entity(
    "cases", "service", "Cases", "Case", api("cases", "service_desk", "case", "cases"),
    (Column("title", "Title", sortable=True), Column("customer_name", "Customer"), Column("priority", "Priority"),
     Column("sla", "SLA", "sla"), Column("time_spent_minutes", "Time spent", "minutes"), STATUS, CREATED),
    name, fields(cases.CaseCreate), fields(cases.CaseUpdate, skip=("owner_id",)), filters_of(cases.CaseListQuery),
    actions=(Action("resolve", "Resolve", fields(cases.ResolveCase)), Action("respond", "Record first response"),
             Action("wait", "Wait on customer"), Action("resume", "Resume"),
             Action("reopen", "Reopen"), Action("cancel", "Cancel", danger=True)),
    children=(Child("articles", "Knowledge articles", (Column("title", "Title"), Column("linked_at", "Linked", "datetime")),
                    list_path="cases/{parent}/articles", create_path="cases/{parent}/articles",
                    create_fields=fields(cases.LinkArticle), create_label="Link article"),),
    regarding="case",
)
QUEUE_ITEM_ACTIONS = (RowAction("Pick", "queue-items/{row}/pick"), RowAction("Release", "queue-items/{row}/release"),
                      RowAction("Route", "queue-items/{row}/route", fields(queue_items.RouteItem)))
QUEUE_ITEM_COLUMNS = (Column("title", "Item"), Column("item_type", "Type"), STATUS,
                      Column("worker_id", "Worked by", "user"), Column("entered_queue_at", "Entered", "datetime"))
QUEUES = Entity(
    "queues", "service", "Queues", "Queue", api("queues", "service_desk", "queue", "queues"),
    (Column("name", "Name", sortable=True), Column("kind", "Kind"), Column("is_default", "Default", "bool"), CREATED),
    name, fields(queues.QueueCreate), fields(queues.QueueUpdate), filters_of(queues.QueueListQuery),
    children=(Child("items", "Items", QUEUE_ITEM_COLUMNS, list_path="queues/{parent}/items",
                    create_path="queues/{parent}/items", create_fields=fields(queues.QueueItemCreate),
                    create_label="Add item", row_actions=QUEUE_ITEM_ACTIONS),),
)
ARTICLES = Entity(
    "articles", "service", "Knowledge base", "Article", api("kb/articles", "service_desk", "article", "articles"),
    (Column("title", "Title", sortable=True), Column("language", "Language"), STATUS,
     Column("published_at", "Published", "datetime")),
    name, fields(kb.ArticleCreate), fields(kb.ArticleUpdate), filters_of(kb.ArticleListQuery),
    actions=(Action("publish", "Publish"), Action("revise", "Revise"), Action("archive", "Archive", danger=True)),
)
CONTRACTS = Entity(
    "contracts", "service", "Contracts", "Contract", api("contracts", "service_desk", "contract", "contracts"),
    (Column("name", "Name", sortable=True), Column("customer_account_id", "Customer", "ref", ref="accounts"),
     Column("allotment_type", "Allotment"), Column("remaining_allotment", "Remaining", "allotment"),
     Column("end_date", "Ends", "date"), STATUS),
    name, fields(contracts.ContractCreate), fields(contracts.ContractUpdate), filters_of(contracts.ContractListQuery),
    actions=(Action("activate", "Activate"), Action("cancel", "Cancel", danger=True)),
    related=(Related("cases", "contract_id"),),
    regarding="contract",
)

# --- Scheduling --------------------------------------------------------------------------------

KINDS = ("user", "equipment", "facility")
RESOURCE_FIELDS = (
    Field("name", "Name", required=True), Field("kind", "Kind", "select", required=True, options=KINDS),
    Field("capacity", "Capacity (seats of a facility)", "int"), Field("timezone", "Time zone", help="e.g. Europe/Paris"),
    Field("features", "Features (comma separated)", "list"),
    Field("characteristics", "Characteristics", "json", help='[{"name": "python", "rating": 4}]'),
    Field("working_hours", "Working hours", "json", help='[{"weekday": 0, "start": "09:00", "end": "17:00"}]'),
)
SERVICE_FIELDS = (
    Field("name", "Name", required=True), Field("description", "Description", "textarea"),
    Field("duration_minutes", "Duration (minutes)", "int", required=True),
    Field("default_attendees", "Default attendees", "int"),
    Field("requirements", "Resource requirements", "json",
          help='[{"count": 1, "kind": "user", "characteristics": [{"name": "python", "min_rating": 3}]}, '
               '{"kind": "facility", "min_capacity": "attendees"}]'),
)
RESOURCES = Entity(
    "resources", "scheduling", "Resources", "Resource", api("scheduler/resources", "scheduler", "resource", "resources"),
    (Column("name", "Name", sortable=True), Column("kind", "Kind"), Column("capacity", "Capacity"),
     Column("timezone", "Time zone"), CREATED),
    name, RESOURCE_FIELDS, RESOURCE_FIELDS, (Field("kind", "Kind", "select", options=KINDS),),
)
SCHEDULER_SERVICES = Entity(
    "scheduler_services", "scheduling", "Services", "Service", api("scheduler/services", "scheduler", "service", "services"),
    (Column("name", "Name", sortable=True), Column("duration_minutes", "Minutes"),
     Column("default_attendees", "Attendees"), CREATED),
    name, SERVICE_FIELDS, SERVICE_FIELDS,
    related=(Related("bookings", "service_id"), Related("products", "scheduling_service_id")),
)
RESOURCE_GROUPS = Entity(
    "resource_groups", "scheduling", "Resource groups", "Resource group",
    api("scheduler/resource-groups", "scheduler", "resource_group", "resource_groups"),
    (Column("name", "Name", sortable=True), CREATED), name,
    (Field("name", "Name", required=True), Field("description", "Description", "textarea"),
     Field("member_ids", "Member resource ids (comma separated)", "list")),
    (Field("name", "Name", required=True), Field("description", "Description", "textarea"),
     Field("member_ids", "Member resource ids (comma separated)", "list")),
)
BOOKINGS = Entity(
    "bookings", "scheduling", "Bookings", "Booking", api("scheduler/bookings", "scheduler", "booking", "bookings"),
    (Column("subject", "Subject"), Column("start", "Start", "datetime", sortable=True),
     Column("end", "End", "datetime"), Column("service_id", "Service", "ref", ref="scheduler_services"), STATUS),
    lambda r: str(r.get("subject") or f"Booking {r.get('start', '')[:16]}"),
    create_fields=(
        Field("service_id", "Service", "ref", required=True, ref="scheduler_services"),
        Field("resource_ids", "Resources", "ref", required=True, ref="resources", multiple=True),
        Field("start", "Start (UTC)", "datetime", required=True), Field("end", "End (UTC)", "datetime", required=True),
        Field("attendees", "Attendees", "int"), Field("subject", "Subject"),
        Field("account_id", "Account", "ref", ref="accounts")),
    filters=(Field("status", "Status", "select", options=("booked", "cancelled")),),
    actions=(Action("cancel", "Cancel booking", (Field("reason", "Reason"),), danger=True),),
    deletable=False,  # a booking is cancelled, never deleted
)

# --- Activities (record pages of timeline entries; listed under My work) -------------------------

ACTIVITIES = Entity(
    "activities", "my-work", "Activities", "Activity", api("activities", "activities", "activity", "activities"),
    (Column("subject", "Subject"), Column("type", "Type"), Column("regarding", "Regarding", "regarding"),
     Column("due_at", "Due", "datetime", sortable=True), Column("priority", "Priority"), STATUS),
    lambda r: str(r.get("subject")),
    fields(activities.ActivityCreate, skip=("parties", "recurrence", "custom_fields", "owner_id")),
    fields(activities.ActivityUpdate, skip=("type", "parties", "recurrence", "custom_fields", "owner_id")),
    filters_of(activities.ActivityListQuery),
    actions=(Action("complete", "Complete", fields(activities.CompleteRequest)),
             Action("cancel", "Cancel", fields(activities.CancelRequest), danger=True)),
)

ENTITIES: dict[str, Entity] = {e.key: e for e in (
    ACCOUNTS, CONTACTS, LEADS, OPPORTUNITIES, COMPETITORS, PRODUCTS, PRICE_LISTS, QUOTES, ORDERS, INVOICES,
    MARKETING_LISTS, CAMPAIGNS, CASES, QUEUES, ARTICLES, CONTRACTS, RESOURCES, SCHEDULER_SERVICES,
    RESOURCE_GROUPS, BOOKINGS, ACTIVITIES)}


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    links: tuple[Link, ...]


def _links(*keys: str) -> tuple[Link, ...]:
    return tuple(Link(ENTITIES[k].title, ENTITIES[k].url) for k in keys)


AREAS = (
    Area("sales", "Sales", _links("accounts", "contacts", "leads", "opportunities", "competitors", "products",
                                  "price_lists", "quotes", "orders", "invoices")),
    Area("marketing", "Marketing", _links("marketing_lists", "campaigns")
         + (Link("Quick campaigns", "/marketing/quick-campaigns"), Link("Responses", "/marketing/responses"))),
    Area("service", "Service", _links("cases", "queues", "articles", "contracts")),
    Area("scheduling", "Scheduling", _links("resources", "resource_groups", "scheduler_services", "bookings")
         + (Link("Schedule board", "/scheduling/board"),)),
    Area("my-work", "My work", (Link("My open activities", "/my-work"), Link("My queue items", "/my-work/queue-items"))),
    Area("dashboards", "Dashboards", (Link("Dashboards", "/dashboards"),)),
)


def entity_for_url(area: str, slug: str) -> Entity | None:
    entity = ENTITIES.get(slug.replace("-", "_"))
    return entity if entity is not None and entity.area == area else None
