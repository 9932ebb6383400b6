"""Sales tables and the repositories that read and write them (SQLAlchemy Core)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, Numeric,
                        String, Table, Text, bindparam, delete, or_, select, update)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from crmkit import pagination
from crmkit.reach import Reach
from crmkit.repository import Repository, audit_columns
from sales.domain.duplicates import email_key, name_key, phone_key
from sales.domain.pricing import as_money, plain_quantity

metadata = MetaData()
# Money and quantities keep 4 decimals in storage; amounts are rounded to the currency's
# minor unit by the pricing module before they get here.
MONEY = Numeric(18, 4)
# pg_trgm needs a pattern of at least one whole trigram to narrow a search.
TRIGRAM = 3


def _id(name: str = "id", target: str | None = None, **kw) -> Column:
    if target:
        return Column(name, UUID(as_uuid=False), ForeignKey(target), **kw)
    return Column(name, UUID(as_uuid=False), primary_key=name == "id", **kw)


accounts = Table(
    "accounts", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("account_number", String(50)),
    Column("industry", String(100)),
    Column("website", String(300)),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("address_line1", String(200)),
    Column("address_city", String(100)),
    Column("address_postal_code", String(20)),
    Column("address_country", String(100)),
    _id("parent_account_id", "accounts.id"),
    Column("credit_limit", Numeric(18, 2)),
    Column("currency", String(3)),
    *audit_columns(),
    Column("email_key", String(254)),
    Column("phone_key", String(20)),
    Column("name_key", String(200)),
)

contacts = Table(
    "contacts", metadata,
    _id(),
    Column("first_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("mobile", String(50)),
    Column("job_title", String(100)),
    _id("account_id", "accounts.id"),
    Column("birth_date", Date),
    Column("city", String(100)),
    Column("country", String(100)),
    *audit_columns(),
    Column("email_key", String(254)),
    Column("phone_key", String(20)),
    Column("mobile_key", String(20)),
)

leads = Table(
    "leads", metadata,
    _id(),
    Column("topic", String(200), nullable=False),
    Column("first_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("company_name", String(200)),
    Column("job_title", String(100)),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("source", String(20), nullable=False),
    _id("campaign_id"),
    _id("campaign_response_id", unique=True),
    Column("estimated_value", MONEY),
    Column("currency", String(3)),
    Column("description", Text),
    Column("status", String(20), nullable=False),
    Column("status_reason", String(500)),
    _id("account_id", "accounts.id"),
    _id("contact_id", "contacts.id"),
    _id("opportunity_id"),
    Column("qualified_at", DateTime(timezone=True)),
    *audit_columns(),
    Column("email_key", String(254)),
    Column("phone_key", String(20)),
)

competitors = Table(
    "competitors", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("website", String(300)),
    Column("strengths", Text),
    Column("weaknesses", Text),
    *audit_columns(),
)

products = Table(
    "products", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("product_number", String(50), nullable=False, unique=True),
    Column("description", Text),
    Column("unit", String(50)),
    Column("is_service", Boolean, nullable=False),
    Column("default_price", MONEY),
    Column("currency", String(3)),
    Column("status", String(20), nullable=False),
    _id("scheduling_service_id"),
    *audit_columns(),
)

price_lists = Table(
    "price_lists", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    _id("campaign_id"),
    *audit_columns(),
)

price_list_items = Table(
    "price_list_items", metadata,
    _id(),
    _id("price_list_id", "price_lists.id", nullable=False),
    _id("product_id", "products.id", nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("discount_tiers", JSONB, nullable=False),
    *audit_columns(),
)

opportunities = Table(
    "opportunities", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    _id("account_id", "accounts.id", nullable=False),
    _id("contact_id", "contacts.id"),
    Column("estimated_value", MONEY),
    Column("currency", String(3)),
    Column("estimated_close_date", Date),
    Column("probability", Integer),
    Column("stage", String(20), nullable=False),
    _id("price_list_id", "price_lists.id"),
    _id("originating_lead_id", "leads.id"),
    _id("campaign_id"),
    Column("description", Text),
    Column("status", String(20), nullable=False),
    Column("actual_revenue", MONEY),
    Column("actual_close_date", Date),
    Column("close_reason", String(500)),
    _id("competitor_id", "competitors.id"),
    *audit_columns(),
)

opportunity_competitors = Table(
    "opportunity_competitors", metadata,
    _id("opportunity_id", "opportunities.id", primary_key=True),
    _id("competitor_id", "competitors.id", primary_key=True),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

quotes = Table(
    "quotes", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    _id("account_id", "accounts.id", nullable=False),
    _id("contact_id", "contacts.id"),
    _id("opportunity_id", "opportunities.id"),
    _id("price_list_id", "price_lists.id", nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_until", Date),
    Column("description", Text),
    Column("status", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    _id("previous_revision_id", "quotes.id"),
    Column("subtotal", MONEY, nullable=False),
    Column("discount_total", MONEY, nullable=False),
    Column("total", MONEY, nullable=False),
    Column("close_reason", String(500)),
    Column("activated_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    *audit_columns(),
)

quote_lines = Table(
    "quote_lines", metadata,
    _id(),
    _id("quote_id", "quotes.id", nullable=False),
    Column("position", Integer, nullable=False),
    _id("product_id", "products.id", nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("unit", String(50)),
    Column("is_service", Boolean, nullable=False),
    _id("scheduling_service_id"),
    Column("quantity", MONEY, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("price_overridden", Boolean, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("tier_percent", Numeric(7, 4), nullable=False),
    Column("tier_discount", MONEY, nullable=False),
    Column("manual_discount", MONEY, nullable=False),
    Column("net_amount", MONEY, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

def _priced_lines_columns() -> list[Column]:
    """Orders and invoices keep their lines as a snapshot: they never change once made."""
    return [Column("currency", String(3), nullable=False),
            Column("lines", JSONB, nullable=False),
            Column("subtotal", MONEY, nullable=False),
            Column("discount_total", MONEY, nullable=False),
            Column("total", MONEY, nullable=False)]


orders = Table(
    "orders", metadata,
    _id(),
    _id("quote_id", "quotes.id"),
    _id("account_id", "accounts.id", nullable=False),
    _id("opportunity_id", "opportunities.id"),
    Column("name", String(200), nullable=False),
    *_priced_lines_columns(),
    Column("status", String(20), nullable=False),
    Column("fulfilled_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    *audit_columns(),
)

invoices = Table(
    "invoices", metadata,
    _id(),
    Column("invoice_number", String(20), nullable=False, unique=True),
    _id("order_id", "orders.id", nullable=False),
    _id("account_id", "accounts.id", nullable=False),
    *_priced_lines_columns(),
    Column("due_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("paid_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    *audit_columns(),
)

# One row per numbering series; taking a number locks the row until the transaction ends,
# so numbers are handed out in commit order and a rolled-back transaction gives its back.
number_series = Table(
    "number_series", metadata,
    Column("name", String(50), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

merges = Table(
    "merges", metadata,
    _id(),
    Column("record_type", String(20), nullable=False),
    _id("surviving_id", nullable=False),
    _id("merged_id", nullable=False),
    Column("merged_record", JSONB, nullable=False),  # the merged record as it was
    Column("survivor_changes", JSONB, nullable=False),
    Column("moved", JSONB, nullable=False),  # {"<table>.<column>": rows re-pointed}
    _id("merged_by"),
    Column("merged_at", DateTime(timezone=True), nullable=False),
)

ADDRESS_PARTS = ("line1", "city", "postal_code", "country")


class SalesRepository(Repository):
    """Adds defaults for new records (a lead starts `new`) and shows stored amounts with the
    decimals of their currency ("1350.00", not the storage's "1350.0000")."""

    defaults: dict = {}
    money_fields: tuple[str, ...] = ()
    quantity_fields: tuple[str, ...] = ()

    def _new_row(self, values: dict, owner_id: str | None, now) -> dict:
        # The defaults go in here rather than in `add`, so imports keep the repository's
        # one-statement `add_many` (which falls back to one INSERT per row for a repository
        # that changes `add`: it did for every sales record, 1,000 round trips per chunk).
        return super()._new_row(self.defaults | values, owner_id, now)

    def to_record(self, row) -> dict:
        record = super().to_record(row)
        return show_amounts(record, record.get("currency"), self.money_fields, self.quantity_fields)

    def list(self, filters: dict, q: str | None, sort: pagination.Sort, limit: int, cursor: str | None):
        """`q` of 3 characters or more: find the matches through the trigram indexes first, then
        sort that (usually short) list. Left to itself the planner, which cannot estimate how
        rare '%term%' is, walks the sort index and ILIKE-filters row after row: on 100,000
        contacts a rare name took 300-800 ms instead of ~2 ms (bench/sales_search.py). Shorter
        terms cannot use trigrams; they are common, and the sorted walk finds a page quickly."""
        if not q or len(q) < TRIGRAM or not self.text_search_columns:
            return super().list(filters, q, sort, limit, cursor)
        matching = self._matching(tuple(sorted(filters)), self.reach is not None)
        params = {f"filter_{field}": value for field, value in filters.items()} | {"q_pattern": f"%{q}%"}
        if self.reach is not None:
            params |= self.reach.params()
        rows, next_cursor = pagination.page(self.connection, select(matching), matching, sort, limit, cursor,
                                            params)
        return [self.to_record(row) for row in rows], next_cursor

    @classmethod
    def _matching(cls, filter_fields: tuple[str, ...], reached: bool):
        """The search's CTE for these filters, built once per repository class and kind of
        query with bind parameters: building it (SQLAlchemy's column proxies of a CTE over
        every column) was a tenth of the sales service's CPU per search."""
        key = (cls, filter_fields, reached)
        matching = _MATCHING.get(key)
        if matching is None:
            table = cls.table
            pattern = bindparam("q_pattern", type_=String)
            conditions = [or_(*(table.c[column].ilike(pattern) for column in cls.text_search_columns))]
            conditions += [table.c[cls.filter_columns[field]] == bindparam(
                f"filter_{field}", type_=table.c[cls.filter_columns[field]].type) for field in filter_fields]
            if reached:
                conditions.append(Reach.bound_condition(table))
            matching = select(table).where(*conditions).cte("matching").prefix_with("MATERIALIZED")
            _MATCHING[key] = matching
        return matching


# (repository class, filter fields, limited to a reach) -> the search's CTE (see `_matching`)
_MATCHING: dict[tuple, object] = {}


def show_amounts(record: dict, currency: str | None, money: tuple[str, ...], quantities: tuple[str, ...] = ()):
    for field in money:
        if record.get(field) is not None:
            record[field] = as_money(record[field], currency)
    for field in quantities:
        if record.get(field) is not None:
            record[field] = plain_quantity(record[field])
    return record


class KeyedRepository(SalesRepository):
    """A repository whose rows carry duplicate-matching keys computed from their fields."""

    # key column -> (source field, key function)
    keys: dict[str, tuple[str, object]] = {}

    def to_row(self, record: dict) -> dict:
        row = dict(record)
        for column, (field, key) in self.keys.items():
            if field in record:
                row[column] = key(record[field])
        return row

    def to_record(self, row) -> dict:
        return {key: value for key, value in super().to_record(row).items() if key not in self.keys}

    def matches(self, keys: dict[str, set[str]]) -> list[tuple[str, str]]:
        """[(kind, id)] of records sharing a key ("email", "phone", "name") with `keys`."""
        found = []
        for column, (field, _) in self.keys.items():
            kind = {"mobile": "phone"}.get(field, field)
            values = keys.get(kind)
            if values:
                rows = self.connection.execute(select(self.table.c.id).where(
                    self.table.c[column].in_(sorted(values))).order_by(self.table.c.created_at).limit(20))
                found += [(kind, row.id) for row in rows]
        unique, seen = [], set()
        for kind, record_id in found:
            if (kind, record_id) not in seen:
                seen.add((kind, record_id))
                unique.append((kind, record_id))
        return unique


class AccountRepository(KeyedRepository):
    table = accounts
    keys = {"email_key": ("email", email_key), "phone_key": ("phone", phone_key),
            "name_key": ("name", name_key)}
    text_search_columns = ("name", "email", "phone", "account_number")
    filter_columns = {"name": "name", "industry": "industry", "account_number": "account_number",
                      "parent_account_id": "parent_account_id", "owner_id": "owner_id",
                      "currency": "currency", "email": "email", "city": "address_city",
                      "country": "address_country"}
    sort_fields = ("name", "created_at", "updated_at")

    def to_row(self, record: dict) -> dict:
        row = {key: value for key, value in super().to_row(record).items() if key != "address"}
        if "address" in record:
            address = record["address"] or {}
            row.update({f"address_{part}": address.get(part) for part in ADDRESS_PARTS})
        return row

    def to_record(self, row) -> dict:
        record = {key: value for key, value in super().to_record(row).items()
                  if not key.startswith("address_")}
        record["address"] = {part: row[f"address_{part}"] for part in ADDRESS_PARTS}
        return record

    def parent_of(self, account_id: str) -> str | None:
        return self.connection.execute(
            select(accounts.c.parent_account_id).where(accounts.c.id == account_id)).scalar()


class ContactRepository(KeyedRepository):
    table = contacts
    keys = {"email_key": ("email", email_key), "phone_key": ("phone", phone_key),
            "mobile_key": ("mobile", phone_key)}
    text_search_columns = ("first_name", "last_name", "email", "phone", "mobile")
    filter_columns = {name: name for name in ("account_id", "last_name", "email", "owner_id", "city",
                                              "country", "job_title")}
    sort_fields = ("last_name", "created_at", "updated_at")


class LeadRepository(KeyedRepository):
    table = leads
    defaults = {"status": "new", "source": "other"}
    money_fields = ("estimated_value",)
    keys = {"email_key": ("email", email_key), "phone_key": ("phone", phone_key)}
    text_search_columns = ("topic", "first_name", "last_name", "company_name", "email")
    filter_columns = {name: name for name in ("status", "source", "campaign_id", "owner_id", "email",
                                              "company_name", "account_id", "contact_id")}
    sort_fields = ("last_name", "topic", "created_at", "updated_at")


class CompetitorRepository(Repository):
    table = competitors
    text_search_columns = ("name", "website")
    filter_columns = {"name": "name", "owner_id": "owner_id"}
    sort_fields = ("name", "created_at", "updated_at")


class ProductRepository(SalesRepository):
    table = products
    defaults = {"status": "active", "is_service": False}
    money_fields = ("default_price",)
    text_search_columns = ("name", "product_number")
    filter_columns = {name: name for name in ("status", "product_number", "is_service",
                                              "scheduling_service_id", "owner_id")}
    sort_fields = ("name", "product_number", "created_at", "updated_at")

    def number_taken(self, product_number: str, other_than: str | None) -> bool:
        query = select(products.c.id).where(products.c.product_number == product_number)
        if other_than:
            query = query.where(products.c.id != other_than)
        return self.connection.execute(query).first() is not None


class PriceListRepository(Repository):
    table = price_lists
    text_search_columns = ("name",)
    filter_columns = {name: name for name in ("currency", "campaign_id", "owner_id", "name")}
    sort_fields = ("name", "created_at", "updated_at")


class PriceListItemRepository(SalesRepository):
    table = price_list_items
    filter_columns = {"price_list_id": "price_list_id", "product_id": "product_id"}

    def find(self, price_list_id: str, product_id: str) -> dict | None:
        row = self.connection.execute(select(price_list_items).where(
            price_list_items.c.price_list_id == price_list_id,
            price_list_items.c.product_id == product_id)).mappings().first()
        return self.to_record(row) if row else None


class OpportunityRepository(SalesRepository):
    table = opportunities
    defaults = {"status": "open", "stage": "qualify"}
    money_fields = ("estimated_value", "actual_revenue")
    text_search_columns = ("name",)
    filter_columns = {name: name for name in ("status", "stage", "account_id", "contact_id", "campaign_id",
                                              "owner_id", "originating_lead_id", "currency")}
    sort_fields = ("name", "created_at", "updated_at")


LINE_MONEY = ("unit_price", "amount", "tier_discount", "manual_discount", "net_amount")


class QuoteRepository(SalesRepository):
    table = quotes
    defaults = {"status": "draft", "revision": 1, "subtotal": Decimal(0), "discount_total": Decimal(0),
                "total": Decimal(0)}
    money_fields = ("subtotal", "discount_total", "total")
    text_search_columns = ("name",)
    filter_columns = {name: name for name in ("status", "account_id", "contact_id", "opportunity_id",
                                              "price_list_id", "owner_id", "previous_revision_id")}
    sort_fields = ("name", "created_at", "updated_at")

    def lines_of(self, quotes_by_id: dict[str, dict]) -> dict[str, list[dict]]:
        by_quote: dict[str, list[dict]] = {quote_id: [] for quote_id in quotes_by_id}
        if quotes_by_id:
            rows = self.connection.execute(select(quote_lines).where(quote_lines.c.quote_id.in_(list(quotes_by_id)))
                                           .order_by(quote_lines.c.quote_id, quote_lines.c.position))
            for row in rows.mappings():
                currency = quotes_by_id[row["quote_id"]]["currency"]
                by_quote[row["quote_id"]].append(show_amounts(dict(row), currency, LINE_MONEY,
                                                                  ("quantity", "tier_percent")))
        return by_quote

    def get(self, record_id: str, for_update: bool = False) -> dict | None:
        quote = super().get(record_id, for_update)
        if quote is not None:
            quote["lines"] = self.lines_of({quote["id"]: quote})[quote["id"]]
        return quote

    def list(self, filters, q, sort, limit, cursor):
        items, next_cursor = super().list(filters, q, sort, limit, cursor)
        lines = self.lines_of({item["id"]: item for item in items})
        return [item | {"lines": lines[item["id"]]} for item in items], next_cursor

    def add(self, values: dict, owner_id: str | None) -> dict:
        quote = super().add(values | {"currency": self.currency_of(values["price_list_id"])}, owner_id)
        return quote | {"lines": []}

    def change(self, current: dict, changes: dict) -> dict:
        if "price_list_id" in changes:  # the quote is in the price list's currency
            changes = changes | {"currency": self.currency_of(changes["price_list_id"])}
        return super().change(current, changes)

    def remove(self, record_id: str) -> None:
        self.connection.execute(delete(quote_lines).where(quote_lines.c.quote_id == record_id))
        super().remove(record_id)

    def currency_of(self, price_list_id: str) -> str:
        return self.connection.execute(select(price_lists.c.currency)
                                       .where(price_lists.c.id == price_list_id)).scalar_one()

    def to_row(self, record: dict) -> dict:
        return {key: value for key, value in record.items() if key != "lines"}


class OrderRepository(SalesRepository):
    table = orders
    defaults = {"status": "active"}
    money_fields = ("subtotal", "discount_total", "total")
    filter_columns = {name: name for name in ("status", "account_id", "quote_id", "opportunity_id",
                                              "owner_id")}


class InvoiceRepository(SalesRepository):
    table = invoices
    defaults = {"status": "active"}
    money_fields = ("subtotal", "discount_total", "total")
    text_search_columns = ("invoice_number",)
    filter_columns = {name: name for name in ("status", "account_id", "order_id", "invoice_number",
                                              "owner_id")}
    sort_fields = ("invoice_number", "due_date", "created_at", "updated_at")


def next_number(connection, series: str) -> int:
    """The next number of a gapless series, taken inside the caller's transaction."""
    value = connection.execute(update(number_series).where(number_series.c.name == series)
                               .values(last_value=number_series.c.last_value + 1)
                               .returning(number_series.c.last_value)).scalar()
    if value is None:
        raise LookupError(f"no number series {series!r}; the migration creates it")
    return value


def repoint(connection, table: Table, column: str, old_id: str, new_id: str) -> int:
    """Move every reference `table.column = old_id` to `new_id`; returns how many moved."""
    return connection.execute(update(table).where(table.c[column] == old_id)
                              .values({column: new_id})).rowcount
