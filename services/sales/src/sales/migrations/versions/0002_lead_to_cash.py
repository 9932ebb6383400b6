"""Leads, opportunities, competitors, catalogue, quotes, orders, invoices; duplicate-matching
keys; merges; trigram indexes for `q` search.

Revision ID: sales_0002
Revises: sales_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from sales.domain.duplicates import email_key, name_key, phone_key

revision = "sales_0002"
down_revision = "sales_0001"
branch_labels = None
depends_on = None

KEY_COLUMNS = {"accounts": {"email_key": 254, "phone_key": 20, "name_key": 200},
               "contacts": {"email_key": 254, "phone_key": 20, "mobile_key": 20}}
# Text searched with `q` (ILIKE '%q%'): a trigram GIN index per column serves it, and the
# planner combines them with a BitmapOr.
SEARCHED = {"accounts": ("name", "email", "phone", "account_number"),
            "contacts": ("first_name", "last_name", "email", "phone", "mobile"),
            "leads": ("topic", "first_name", "last_name", "company_name", "email"),
            "opportunities": ("name",), "products": ("name", "product_number"),
            "competitors": ("name",), "quotes": ("name",)}
INDEXES = {
    "accounts": (["email_key"], ["phone_key"], ["name_key"]),
    "contacts": (["email_key"], ["phone_key"], ["mobile_key"]),
    "leads": (["status"], ["campaign_id"], ["created_at", "id"], ["email_key"], ["phone_key"],
              ["account_id"], ["contact_id"]),
    "opportunities": (["account_id"], ["contact_id"], ["status"], ["campaign_id"], ["created_at", "id"]),
    "price_list_items": (["product_id"],),
    "quotes": (["account_id"], ["opportunity_id"], ["contact_id"], ["created_at", "id"]),
    "quote_lines": (["quote_id", "position"],),
    "orders": (["account_id"], ["quote_id"], ["created_at", "id"]),
    "invoices": (["account_id"], ["order_id"], ["created_at", "id"]),
    "merges": (["merged_id"], ["surviving_id"]),
}
NEW_TABLES = ("leads", "competitors", "products", "price_lists", "price_list_items", "opportunities",
              "opportunity_competitors", "quotes", "quote_lines", "orders", "invoices",
              "number_series", "merges")


def audit_columns():
    return [
        sa.Column("owner_id", UUID(as_uuid=False)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in KEY_COLUMNS.items():
        for column, length in columns.items():
            op.add_column(table, sa.Column(column, sa.String(length)))
    _backfill_keys(op.get_bind())
    create_tables()
    op.create_unique_constraint("uq_price_list_items_product", "price_list_items",
                                ["price_list_id", "product_id"])
    for table, column_sets in INDEXES.items():
        for columns in column_sets:
            op.create_index(f"ix_{table}_{'_'.join(columns)}", table, columns)
    for table, columns in SEARCHED.items():
        for column in columns:
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")
    op.execute("INSERT INTO number_series (name, last_value) VALUES ('invoice', 0)")


def _backfill_keys(bind):
    """Rows from before this revision get their keys from the same functions new rows use."""
    for row in bind.execute(sa.text("SELECT id, name, email, phone FROM accounts")).mappings():
        bind.execute(sa.text("UPDATE accounts SET email_key = :e, phone_key = :p, name_key = :n WHERE id = :id"),
                     {"id": row["id"], "e": email_key(row["email"]), "p": phone_key(row["phone"]),
                      "n": name_key(row["name"])})
    for row in bind.execute(sa.text("SELECT id, email, phone, mobile FROM contacts")).mappings():
        bind.execute(sa.text("UPDATE contacts SET email_key = :e, phone_key = :p, mobile_key = :m WHERE id = :id"),
                     {"id": row["id"], "e": email_key(row["email"]), "p": phone_key(row["phone"]),
                      "m": phone_key(row["mobile"])})


def downgrade():
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    for table in ("accounts", "contacts"):
        for column in SEARCHED[table]:
            op.drop_index(f"ix_{table}_{column}_trgm", table)
        for columns in INDEXES[table]:
            op.drop_index(f"ix_{table}_{'_'.join(columns)}", table)
        for column in KEY_COLUMNS[table]:
            op.drop_column(table, column)


def create_tables():
    op.create_table(
        "leads",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("company_name", sa.String(200)),
        sa.Column("job_title", sa.String(100)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(50)),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("campaign_id", UUID(as_uuid=False)),
        sa.Column("campaign_response_id", UUID(as_uuid=False), unique=True),
        sa.Column("estimated_value", sa.Numeric(18, 4)),
        sa.Column("currency", sa.String(3)),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.String(500)),
        sa.Column("account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id")),
        sa.Column("contact_id", UUID(as_uuid=False), sa.ForeignKey("contacts.id")),
        sa.Column("opportunity_id", UUID(as_uuid=False)),
        sa.Column("qualified_at", sa.DateTime(timezone=True)),
        sa.Column("email_key", sa.String(254)),
        sa.Column("phone_key", sa.String(20)),
        *audit_columns(),
    )
    op.create_table(
        "competitors",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("website", sa.String(300)),
        sa.Column("strengths", sa.Text),
        sa.Column("weaknesses", sa.Text),
        *audit_columns(),
    )
    op.create_table(
        "products",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("product_number", sa.String(50), nullable=False, unique=True),
        sa.Column("description", sa.Text),
        sa.Column("unit", sa.String(50)),
        sa.Column("is_service", sa.Boolean, nullable=False),
        sa.Column("default_price", sa.Numeric(18, 4)),
        sa.Column("currency", sa.String(3)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scheduling_service_id", UUID(as_uuid=False)),
        *audit_columns(),
    )
    op.create_table(
        "price_lists",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_to", sa.Date),
        sa.Column("campaign_id", UUID(as_uuid=False)),
        *audit_columns(),
    )
    op.create_table(
        "price_list_items",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("price_list_id", UUID(as_uuid=False), sa.ForeignKey("price_lists.id"), nullable=False),
        sa.Column("product_id", UUID(as_uuid=False), sa.ForeignKey("products.id"), nullable=False),
        sa.Column("amount", sa.Numeric(18, 4), nullable=False),
        sa.Column("discount_tiers", JSONB, nullable=False),
        *audit_columns(),
    )
    op.create_table(
        "opportunities",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("contact_id", UUID(as_uuid=False), sa.ForeignKey("contacts.id")),
        sa.Column("estimated_value", sa.Numeric(18, 4)),
        sa.Column("currency", sa.String(3)),
        sa.Column("estimated_close_date", sa.Date),
        sa.Column("probability", sa.Integer),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("price_list_id", UUID(as_uuid=False), sa.ForeignKey("price_lists.id")),
        sa.Column("originating_lead_id", UUID(as_uuid=False), sa.ForeignKey("leads.id")),
        sa.Column("campaign_id", UUID(as_uuid=False)),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actual_revenue", sa.Numeric(18, 4)),
        sa.Column("actual_close_date", sa.Date),
        sa.Column("close_reason", sa.String(500)),
        sa.Column("competitor_id", UUID(as_uuid=False), sa.ForeignKey("competitors.id")),
        *audit_columns(),
    )
    op.create_table(
        "opportunity_competitors",
        sa.Column("opportunity_id", UUID(as_uuid=False), sa.ForeignKey("opportunities.id"), primary_key=True),
        sa.Column("competitor_id", UUID(as_uuid=False), sa.ForeignKey("competitors.id"), primary_key=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "quotes",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("contact_id", UUID(as_uuid=False), sa.ForeignKey("contacts.id")),
        sa.Column("opportunity_id", UUID(as_uuid=False), sa.ForeignKey("opportunities.id")),
        sa.Column("price_list_id", UUID(as_uuid=False), sa.ForeignKey("price_lists.id"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("previous_revision_id", UUID(as_uuid=False), sa.ForeignKey("quotes.id")),
        sa.Column("subtotal", sa.Numeric(18, 4), nullable=False),
        sa.Column("discount_total", sa.Numeric(18, 4), nullable=False),
        sa.Column("total", sa.Numeric(18, 4), nullable=False),
        sa.Column("close_reason", sa.String(500)),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        *audit_columns(),
    )
    op.create_table(
        "quote_lines",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("quote_id", UUID(as_uuid=False), sa.ForeignKey("quotes.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("product_id", UUID(as_uuid=False), sa.ForeignKey("products.id"), nullable=False),
        sa.Column("product_name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(50)),
        sa.Column("is_service", sa.Boolean, nullable=False),
        sa.Column("scheduling_service_id", UUID(as_uuid=False)),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("price_overridden", sa.Boolean, nullable=False),
        sa.Column("amount", sa.Numeric(18, 4), nullable=False),
        sa.Column("tier_percent", sa.Numeric(7, 4), nullable=False),
        sa.Column("tier_discount", sa.Numeric(18, 4), nullable=False),
        sa.Column("manual_discount", sa.Numeric(18, 4), nullable=False),
        sa.Column("net_amount", sa.Numeric(18, 4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "orders",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("quote_id", UUID(as_uuid=False), sa.ForeignKey("quotes.id")),
        sa.Column("account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("opportunity_id", UUID(as_uuid=False), sa.ForeignKey("opportunities.id")),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("subtotal", sa.Numeric(18, 4), nullable=False),
        sa.Column("discount_total", sa.Numeric(18, 4), nullable=False),
        sa.Column("total", sa.Numeric(18, 4), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        *audit_columns(),
    )
    op.create_table(
        "invoices",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("invoice_number", sa.String(20), nullable=False, unique=True),
        sa.Column("order_id", UUID(as_uuid=False), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("account_id", UUID(as_uuid=False), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("subtotal", sa.Numeric(18, 4), nullable=False),
        sa.Column("discount_total", sa.Numeric(18, 4), nullable=False),
        sa.Column("total", sa.Numeric(18, 4), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        *audit_columns(),
    )
    op.create_table(
        "number_series",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
    )
    op.create_table(
        "merges",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("record_type", sa.String(20), nullable=False),
        sa.Column("surviving_id", UUID(as_uuid=False), nullable=False),
        sa.Column("merged_id", UUID(as_uuid=False), nullable=False),
        sa.Column("merged_record", JSONB, nullable=False),
        sa.Column("survivor_changes", JSONB, nullable=False),
        sa.Column("moved", JSONB, nullable=False),
        sa.Column("merged_by", UUID(as_uuid=False)),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
    )
