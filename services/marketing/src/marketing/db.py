"""Marketing tables. `customer_accounts` / `customer_contacts` are the read model of sales'
records: marketing never reads sales' database, it keeps what the events tell it."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()


def _sync_columns():
    # source_version is the sales record's version: updates apply only forwards, so a late
    # or redelivered older event never overwrites newer data; deleted is a tombstone.
    return [
        Column("source_version", Integer, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("synced_at", DateTime(timezone=True), nullable=False),
    ]


customer_accounts = Table(
    "customer_accounts", metadata,
    Column("account_id", UUID(as_uuid=False), primary_key=True),
    Column("name", String(200)),
    Column("account_number", String(50)),
    Column("industry", String(100)),
    Column("email", String(254)),
    Column("city", String(100)),
    Column("country", String(100)),
    Column("parent_account_id", UUID(as_uuid=False)),
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
    Column("job_title", String(100)),
    Column("birth_date", Date),
    Column("city", String(100)),
    Column("country", String(100)),
    Column("owner_id", UUID(as_uuid=False)),
    *_sync_columns(),
)
