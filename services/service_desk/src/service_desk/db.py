"""Service desk tables (SQLAlchemy Core) and the repositories that read and write them."""
from __future__ import annotations

from sqlalchemy import (ARRAY, BigInteger, Boolean, Column, Date, DateTime, Float, ForeignKey, Integer,
                        MetaData, String, Table, Text, Time, cast, func, literal, select)
from sqlalchemy.dialects.postgresql import JSONB, REGCONFIG, TSQUERY, TSVECTOR, UUID

from crmkit import pagination
from crmkit.errors import ValidationFailed
from crmkit.repository import Repository, audit_columns

metadata = MetaData()


def _id():
    return Column("id", UUID(as_uuid=False), primary_key=True)


def _sync_columns():
    # source_version is sales' record version: updates apply forwards only, so a late or
    # redelivered older event never overwrites newer names; deleted is a tombstone.
    return [Column("source_version", Integer, nullable=False),
            Column("deleted", Boolean, nullable=False, default=False),
            Column("synced_at", DateTime(timezone=True), nullable=False)]


# --- read model of sales' customers (names for cases and contracts) ---------------------

customer_accounts = Table(
    "customer_accounts", metadata,
    Column("account_id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200)),
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
    Column("owner_id", UUID(as_uuid=False)),
    *_sync_columns(),
)

# --- contracts -------------------------------------------------------------------------

contracts = Table(
    "contracts", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("customer_account_id", UUID(as_uuid=False), nullable=False),
    Column("description", Text),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("allotment_type", String(10), nullable=False),
    Column("total_allotment", Integer),
    Column("remaining_allotment", Integer),
    Column("status", String(20), nullable=False),
    Column("activated_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("expired_at", DateTime(timezone=True)),
    Column("exhausted_at", DateTime(timezone=True)),
    *audit_columns(),
)

# What each case has cost its contract so far: the "exactly once" of deductions.
contract_deductions = Table(
    "contract_deductions", metadata,
    Column("case_id", UUID(as_uuid=False), primary_key=True),
    Column("contract_id", UUID(as_uuid=False), ForeignKey("contracts.id"), nullable=False),
    Column("deducted", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# --- SLA policies, queues, routing ------------------------------------------------------

sla_policies = Table(
    "sla_policies", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("priority", String(10), nullable=False, unique=True),
    Column("first_response_minutes", Integer, nullable=False),
    Column("resolve_minutes", Integer, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("working_days", ARRAY(Integer), nullable=False),
    Column("day_start", Time, nullable=False),
    Column("day_end", Time, nullable=False),
    Column("holidays", ARRAY(Date), nullable=False),
    Column("warn_percent", Integer, nullable=False),
    *audit_columns(),
)

queues = Table(
    "queues", metadata,
    _id(),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),
    Column("description", Text),
    Column("member_ids", ARRAY(UUID(as_uuid=False)), nullable=False),
    Column("is_default", Boolean, nullable=False),
    *audit_columns(),
)

queue_items = Table(
    "queue_items", metadata,
    _id(),
    Column("queue_id", UUID(as_uuid=False), ForeignKey("queues.id"), nullable=False),
    Column("item_type", String(10), nullable=False),
    Column("item_id", UUID(as_uuid=False), nullable=False),
    Column("title", String(300)),
    Column("status", String(10), nullable=False),  # active, closed
    Column("worker_id", UUID(as_uuid=False)),
    Column("picked_at", DateTime(timezone=True)),
    Column("entered_queue_at", DateTime(timezone=True), nullable=False),
    *audit_columns(),
)

queue_item_history = Table(
    "queue_item_history", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("queue_item_id", UUID(as_uuid=False), ForeignKey("queue_items.id"), nullable=False),
    Column("action", String(20), nullable=False),
    Column("queue_id", UUID(as_uuid=False), nullable=False),
    Column("from_queue_id", UUID(as_uuid=False)),
    Column("worker_id", UUID(as_uuid=False)),
    Column("actor_id", UUID(as_uuid=False)),
    Column("note", String(300)),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
)

routing_rules = Table(
    "routing_rules", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("conditions", JSONB, nullable=False),
    Column("queue_id", UUID(as_uuid=False), ForeignKey("queues.id"), nullable=False),
    Column("enabled", Boolean, nullable=False),
    *audit_columns(),
)

# --- cases ------------------------------------------------------------------------------

cases = Table(
    "cases", metadata,
    _id(),
    Column("title", String(300), nullable=False),
    Column("description", Text),
    Column("customer_account_id", UUID(as_uuid=False)),
    Column("customer_contact_id", UUID(as_uuid=False)),
    Column("product_id", UUID(as_uuid=False)),
    Column("contract_id", UUID(as_uuid=False), ForeignKey("contracts.id")),
    Column("priority", String(10), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("stage", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("status_reason", String(30), nullable=False),
    Column("resolution", Text),
    Column("billable_minutes", Integer),
    Column("activity_minutes", Integer, nullable=False),
    Column("time_spent_minutes", Integer, nullable=False),
    Column("first_responded_at", DateTime(timezone=True)),
    Column("first_response_by", DateTime(timezone=True)),
    Column("resolve_by", DateTime(timezone=True)),
    Column("sla_policy_id", UUID(as_uuid=False), ForeignKey("sla_policies.id")),
    Column("queue_id", UUID(as_uuid=False)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    *audit_columns(),
)

case_pauses = Table(
    "case_pauses", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("case_id", UUID(as_uuid=False), ForeignKey("cases.id"), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)

# One row per completed activity: a second ActivityCompleted for the same activity (it was
# reopened and completed again) replaces its minutes instead of adding them twice.
case_activities = Table(
    "case_activities", metadata,
    Column("activity_id", UUID(as_uuid=False), primary_key=True),
    Column("case_id", UUID(as_uuid=False), nullable=False),
    Column("activity_type", String(50)),
    Column("minutes", Integer, nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    Column("owner_id", UUID(as_uuid=False)),
)

case_articles = Table(
    "case_articles", metadata,
    Column("case_id", UUID(as_uuid=False), ForeignKey("cases.id"), primary_key=True),
    Column("article_id", UUID(as_uuid=False), ForeignKey("kb_articles.id"), primary_key=True),
    Column("linked_by", UUID(as_uuid=False)),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

# --- knowledge base ---------------------------------------------------------------------

kb_articles = Table(
    "kb_articles", metadata,
    _id(),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("keywords", ARRAY(String(100)), nullable=False),
    Column("language", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("published_version", Integer),
    Column("published_at", DateTime(timezone=True)),
    Column("archived_at", DateTime(timezone=True)),
    # Kept by a trigger (migration service_desk_0002): title A, keywords B, body C.
    Column("search", TSVECTOR),
    *audit_columns(),
)

kb_article_versions = Table(
    "kb_article_versions", metadata,
    Column("article_id", UUID(as_uuid=False), ForeignKey("kb_articles.id"), primary_key=True),
    Column("version_number", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("keywords", ARRAY(String(100)), nullable=False),
    Column("language", String(20), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", UUID(as_uuid=False)),
)


# --- repositories -----------------------------------------------------------------------

class ContractRepository(Repository):
    table = contracts
    text_search_columns = ("name",)
    filter_columns = {name: name for name in ("customer_account_id", "status", "allotment_type", "owner_id")}
    sort_fields = ("name", "start_date", "end_date", "created_at", "updated_at")

    def add(self, values: dict, owner_id: str | None) -> dict:
        return super().add({"status": "draft"} | values, owner_id)


class SlaPolicyRepository(Repository):
    table = sla_policies
    text_search_columns = ("name",)
    filter_columns = {"priority": "priority"}
    sort_fields = ("name", "priority", "created_at", "updated_at")

    def to_record(self, row) -> dict:
        record = dict(row)
        for key in ("day_start", "day_end"):  # JSON has no time type: "09:00"
            if record.get(key) is not None:
                record[key] = record[key].isoformat(timespec="minutes")
        return record

    def for_priority(self, priority: str) -> dict | None:
        row = self.connection.execute(select(sla_policies).where(sla_policies.c.priority == priority)).mappings().first()
        return self.to_record(row) if row else None


class QueueRepository(Repository):
    table = queues
    text_search_columns = ("name", "description")
    filter_columns = {"kind": "kind", "is_default": "is_default", "owner_id": "owner_id"}
    sort_fields = ("name", "created_at", "updated_at")

    def default_queue_id(self) -> str | None:
        return self.connection.execute(select(queues.c.id).where(queues.c.is_default)).scalar()


class QueueItemRepository(Repository):
    table = queue_items
    filter_columns = {name: name for name in ("queue_id", "item_type", "item_id", "status", "worker_id")}
    sort_fields = ("entered_queue_at", "created_at", "updated_at")
    default_sort = "entered_queue_at"

    def for_record(self, item_type: str, item_id: str, for_update: bool = False) -> dict | None:
        query = select(queue_items).where(queue_items.c.item_type == item_type, queue_items.c.item_id == item_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return self.to_record(row) if row else None


class RoutingRuleRepository(Repository):
    table = routing_rules
    text_search_columns = ("name",)
    filter_columns = {"queue_id": "queue_id", "enabled": "enabled"}
    sort_fields = ("position", "name", "created_at", "updated_at")
    default_sort = "position"

    def in_order(self) -> list[dict]:
        rows = self.connection.execute(select(routing_rules).order_by(routing_rules.c.position, routing_rules.c.created_at))
        return [self.to_record(row) for row in rows.mappings()]


class CaseRepository(Repository):
    table = cases
    text_search_columns = ("title", "description")
    filter_columns = {name: name for name in (
        "customer_account_id", "customer_contact_id", "product_id", "contract_id", "priority", "origin",
        "stage", "status", "status_reason", "owner_id", "queue_id")}
    sort_fields = ("title", "priority", "created_at", "updated_at")


class ArticleRepository(Repository):
    table = kb_articles
    text_search_columns = ("title",)
    filter_columns = {"status": "status", "language": "language", "owner_id": "owner_id"}
    sort_fields = ("title", "created_at", "updated_at")

    def add(self, values: dict, owner_id: str | None) -> dict:
        return super().add({"status": "draft", "keywords": [], "language": "english"} | values, owner_id)

    def to_record(self, row) -> dict:
        return {key: value for key, value in dict(row).items() if key != "search"}

    def list(self, filters: dict, q: str | None, sort: pagination.Sort, limit: int, cursor: str | None):
        if not q:
            return super().list(filters, q, sort, limit, cursor)
        return self.search(filters, q, limit, cursor)

    def search(self, filters: dict, q: str, limit: int, cursor: str | None):
        """Published articles matching any word of `q` (stemmed in each article's language),
        best first. ts_rank's default weights make a title hit (A) count more than a keyword
        hit (B), and that more than a body hit (C); like Lucene's coordination factor, the
        share of the question's words an article contains multiplies it, so an article that
        answers the whole question beats one that repeats half of it."""
        offset = decode_offset(cursor)
        # One language asked for: one constant configuration, which the GIN index can serve.
        config = cast(literal(filters["language"]) if "language" in filters else kb_articles.c.language, REGCONFIG)
        query = any_word_query(config, q)
        words = func.tsvector_to_array(func.to_tsvector(config, q))
        lexeme = func.unnest(words).table_valued("lexeme").render_derived(name="word")
        matched = (select(func.count()).select_from(lexeme)
                   .where(kb_articles.c.search.op("@@")(cast(func.quote_literal(lexeme.c.lexeme), TSQUERY)))
                   .scalar_subquery())
        coverage = cast(matched, Float) / func.greatest(func.cardinality(words), 1)
        rank = (func.ts_rank(kb_articles.c.search, query, 1) * coverage).label("rank")  # 1: damp long texts
        statement = (select(kb_articles, rank)
                     .where(kb_articles.c.search.op("@@")(query), kb_articles.c.status == "published"))
        for field, value in filters.items():
            statement = statement.where(kb_articles.c[self.filter_columns[field]] == value)
        rows = self.connection.execute(statement.order_by(rank.desc(), kb_articles.c.id)
                                       .offset(offset).limit(limit + 1)).mappings().all()
        items = [self.to_record(row) | {"rank": round(float(row["rank"]), 6)} for row in rows[:limit]]
        return items, (encode_offset(offset + limit) if len(rows) > limit else None)


def any_word_query(config, q: str):
    """Any of the words of `q` (a question need not repeat every word of its answer):
    plainto_tsquery applies the language's stemming and stop words, then its ANDs become ORs."""
    plain = cast(func.plainto_tsquery(config, q), Text)
    # Cast, not to_tsquery(): the lexemes are stemmed already and must not be stemmed twice.
    return cast(func.replace(plain, " & ", " | "), TSQUERY)


def encode_offset(offset: int) -> str:
    return f"rank:{offset}"


def decode_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    prefix, _, number = cursor.partition(":")
    if prefix != "rank" or not number.isdigit():
        raise ValidationFailed("Invalid cursor", [{"field": "cursor", "message": "not a cursor of this search"}])
    return int(number)
