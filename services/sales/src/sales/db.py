"""Sales tables and the repositories that read and write them (SQLAlchemy Core)."""
from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, MetaData, Numeric, String, Table, select
from sqlalchemy.dialects.postgresql import UUID

from crmkit.repository import Repository, audit_columns

metadata = MetaData()


accounts = Table(
    "accounts", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
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
    Column("parent_account_id", UUID(as_uuid=False), ForeignKey("accounts.id")),
    Column("credit_limit", Numeric(18, 2)),
    Column("currency", String(3)),
    *audit_columns(),
)

contacts = Table(
    "contacts", metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254)),
    Column("phone", String(50)),
    Column("mobile", String(50)),
    Column("job_title", String(100)),
    Column("account_id", UUID(as_uuid=False), ForeignKey("accounts.id")),
    Column("birth_date", Date),
    Column("city", String(100)),
    Column("country", String(100)),
    *audit_columns(),
)

ADDRESS_PARTS = ("line1", "city", "postal_code", "country")


class AccountRepository(Repository):
    table = accounts
    text_search_columns = ("name", "email", "phone", "account_number")
    filter_columns = {"name": "name", "industry": "industry", "account_number": "account_number",
                      "parent_account_id": "parent_account_id", "owner_id": "owner_id",
                      "currency": "currency", "email": "email", "city": "address_city",
                      "country": "address_country"}
    sort_fields = ("name", "created_at", "updated_at")

    def to_row(self, record: dict) -> dict:
        row = {key: value for key, value in record.items() if key != "address"}
        if "address" in record:
            address = record["address"] or {}
            row.update({f"address_{part}": address.get(part) for part in ADDRESS_PARTS})
        return row

    def to_record(self, row) -> dict:
        record = {key: value for key, value in dict(row).items() if not key.startswith("address_")}
        record["address"] = {part: row[f"address_{part}"] for part in ADDRESS_PARTS}
        return record

    def parent_of(self, account_id: str) -> str | None:
        return self.connection.execute(
            select(accounts.c.parent_account_id).where(accounts.c.id == account_id)).scalar()


class ContactRepository(Repository):
    table = contacts
    text_search_columns = ("first_name", "last_name", "email", "phone", "mobile")
    filter_columns = {name: name for name in ("account_id", "last_name", "email", "owner_id", "city",
                                              "country", "job_title")}
    sort_fields = ("last_name", "created_at", "updated_at")
