"""Applying sales events to marketing's read model: forward-only upserts, tombstones, merges,
leads and the opportunities campaigns generated.

Sales events may arrive late, twice (with new ids after a replay) or out of order, so every
effect is keyed by the sales record's id and moves only forwards: a record's version for
accounts and contacts, the event's time for lead and opportunity states."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import Table, and_, bindparam, case, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from marketing.db import (campaign_opportunities, campaign_recipients, campaign_responses,
                          customer_accounts, customer_contacts, customer_leads,
                          marketing_list_members)

TOMBSTONE_VERSION = 2**31 - 1  # beats any real version: nothing resurrects a deleted record


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _forward_only_upsert(table: Table, key: str):
    """INSERT ... ON CONFLICT DO UPDATE only when the incoming source_version is newer.
    Built once per table (every event runs it) and executed with every column as a param.
    merged_into is left alone: only a merge sets it."""
    statement = insert(table).values({c.name: bindparam(c.name) for c in table.columns})
    return statement.on_conflict_do_update(
        index_elements=[key],
        set_={c.name: statement.excluded[c.name] for c in table.columns
              if c.name not in (key, "merged_into")},
        where=table.c.source_version < statement.excluded.source_version,
    )


UPSERT_ACCOUNT = _forward_only_upsert(customer_accounts, "account_id")
UPSERT_CONTACT = _forward_only_upsert(customer_contacts, "contact_id")


def _row(table: Table, values: dict) -> dict:
    """Every column of the table (absent ones NULL) from an event payload."""
    row = {c.name: values.get(c.name) for c in table.columns}
    row["synced_at"] = _now()
    return row


def apply_account(connection, payload: dict) -> None:
    connection.execute(UPSERT_ACCOUNT, _row(customer_accounts, payload | {
        "source_version": payload["version"], "deleted": False}))


def delete_account(connection, payload: dict) -> None:
    connection.execute(UPSERT_ACCOUNT, _row(customer_accounts, {
        "account_id": payload["account_id"], "source_version": TOMBSTONE_VERSION, "deleted": True}))


def apply_contact(connection, payload: dict) -> None:
    connection.execute(UPSERT_CONTACT, _row(customer_contacts, payload | {
        "source_version": payload["version"], "deleted": False}))


def delete_contact(connection, payload: dict) -> None:
    connection.execute(UPSERT_CONTACT, _row(customer_contacts, {
        "contact_id": payload["contact_id"], "source_version": TOMBSTONE_VERSION, "deleted": True}))


# --- merges ------------------------------------------------------------------------------

def _repoint_member(connection, merged_id: str, surviving_id: str) -> None:
    """Static list memberships and distribution records of the merged record pass to the
    survivor (once: where it already has one, the merged record's copy is dropped), so a
    later distribution does not reach the same person again under the surviving id."""
    members = marketing_list_members
    connection.execute(insert(members).from_select(
        ["list_id", "member_id", "added_at"],
        select(members.c.list_id, bindparam("survivor", surviving_id, type_=members.c.member_id.type),
               members.c.added_at).where(members.c.member_id == merged_id),
    ).on_conflict_do_nothing())
    connection.execute(delete(members).where(members.c.member_id == merged_id))
    recipients = campaign_recipients
    columns = [c.name for c in recipients.columns]
    connection.execute(insert(recipients).from_select(
        columns,
        select(*[bindparam("survivor", surviving_id, type_=c.type) if c.name == "member_id" else c
                 for c in recipients.columns]).where(recipients.c.member_id == merged_id),
    ).on_conflict_do_nothing())
    connection.execute(delete(recipients).where(recipients.c.member_id == merged_id))


def _tombstone_merged(connection, table: Table, key: str, upsert, merged_id: str, surviving_id: str):
    connection.execute(upsert, _row(table, {key: merged_id, "source_version": TOMBSTONE_VERSION,
                                            "deleted": True}))
    connection.execute(update(table).where(table.c[key] == merged_id).values(merged_into=surviving_id))


def merge_contact(connection, payload: dict) -> None:
    merged, surviving = payload["merged_contact_id"], payload["surviving_contact_id"]
    _tombstone_merged(connection, customer_contacts, "contact_id", UPSERT_CONTACT, merged, surviving)
    _repoint_member(connection, merged, surviving)
    for table in (campaign_responses, customer_leads):
        connection.execute(update(table).where(table.c.contact_id == merged).values(contact_id=surviving))


def merge_account(connection, payload: dict) -> None:
    merged, surviving = payload["merged_account_id"], payload["surviving_account_id"]
    _tombstone_merged(connection, customer_accounts, "account_id", UPSERT_ACCOUNT, merged, surviving)
    _repoint_member(connection, merged, surviving)
    for table in (customer_contacts, campaign_responses, customer_leads, campaign_opportunities):
        connection.execute(update(table).where(table.c.account_id == merged).values(account_id=surviving))


# --- leads ---------------------------------------------------------------------------------

LEAD_DETAILS = ("campaign_id", "response_id", "source", "topic", "first_name", "last_name",
                "company_name", "email", "phone", "owner_id")
QUALIFICATION = ("account_id", "contact_id", "opportunity_id", "estimated_value", "currency")


def _lead_upsert(details: tuple[str, ...]):
    """Upsert of a lead where `details` columns fill in (never blank out what is known) and
    the status is the one of the latest event, whatever order the events arrive in."""
    statement = insert(customer_leads).values(
        {c.name: bindparam(c.name) for c in customer_leads.columns})
    table, new = customer_leads, statement.excluded
    newer = or_(new.status_at >= table.c.status_at, table.c.status == "new")
    return statement.on_conflict_do_update(
        index_elements=["lead_id"],
        set_={**{name: func.coalesce(new[name], table.c[name]) for name in details},
              "status": case((and_(new.status != "new", newer), new.status), else_=table.c.status),
              "status_at": case((and_(new.status != "new", newer), new.status_at), else_=table.c.status_at),
              "disqualify_reason": func.coalesce(new.disqualify_reason, table.c.disqualify_reason),
              "synced_at": new.synced_at},
    )


UPSERT_LEAD_CREATED = _lead_upsert(LEAD_DETAILS)
UPSERT_LEAD_QUALIFIED = _lead_upsert(("campaign_id", "source", "owner_id", *QUALIFICATION))
UPSERT_LEAD_DISQUALIFIED = _lead_upsert(("campaign_id",))


def _lead_row(payload: dict, status: str, occurred_at: datetime) -> dict:
    row = _row(customer_leads, payload)
    row["response_id"] = response_id_of(payload)
    row["status"], row["status_at"] = status, occurred_at
    if row.get("estimated_value") is not None:
        row["estimated_value"] = Decimal(str(row["estimated_value"]))
    if status == "disqualified":
        row["disqualify_reason"] = payload.get("reason")
    return row


def response_id_of(lead_payload: dict) -> str | None:
    """The campaign response a lead was converted from: sales echoes our response_id as
    `campaign_response_id` in LeadCreated."""
    return lead_payload.get("campaign_response_id")


def apply_lead_created(connection, payload: dict, occurred_at: datetime) -> None:
    connection.execute(UPSERT_LEAD_CREATED, _lead_row(payload, "new", occurred_at))


def apply_lead_qualified(connection, payload: dict, occurred_at: datetime) -> None:
    connection.execute(UPSERT_LEAD_QUALIFIED, _lead_row(payload, "qualified", occurred_at))
    if payload.get("opportunity_id") and payload.get("campaign_id"):
        record_opportunity(connection, payload, "open", occurred_at)


def apply_lead_disqualified(connection, payload: dict, occurred_at: datetime) -> None:
    connection.execute(UPSERT_LEAD_DISQUALIFIED, _lead_row(payload, "disqualified", occurred_at))


# --- opportunities generated by campaigns ----------------------------------------------------

def _opportunity_upsert():
    statement = insert(campaign_opportunities).values(
        {c.name: bindparam(c.name) for c in campaign_opportunities.columns})
    table, new = campaign_opportunities, statement.excluded
    # An outcome (won / lost) replaces "open" and an older outcome; "open" (LeadQualified)
    # never undoes an outcome that arrived first.
    takes_over = and_(new.status != "open",
                      or_(table.c.status == "open", new.last_event_at >= table.c.last_event_at))
    return statement.on_conflict_do_update(
        index_elements=["opportunity_id"],
        set_={
            "campaign_id": func.coalesce(new.campaign_id, table.c.campaign_id),
            "lead_id": func.coalesce(new.lead_id, table.c.lead_id),
            "account_id": func.coalesce(new.account_id, table.c.account_id),
            "estimated_value": func.coalesce(new.estimated_value, table.c.estimated_value),
            "status": case((takes_over, new.status), else_=table.c.status),
            "actual_revenue": case((takes_over, new.actual_revenue), else_=table.c.actual_revenue),
            "currency": case((takes_over, func.coalesce(new.currency, table.c.currency)),
                             else_=func.coalesce(table.c.currency, new.currency)),
            "last_event_at": case((takes_over, new.last_event_at), else_=table.c.last_event_at),
        },
    )


UPSERT_OPPORTUNITY = _opportunity_upsert()


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def record_opportunity(connection, payload: dict, status: str, occurred_at: datetime) -> None:
    connection.execute(UPSERT_OPPORTUNITY, {
        "opportunity_id": payload["opportunity_id"], "campaign_id": payload["campaign_id"],
        "lead_id": payload.get("lead_id") or payload.get("originating_lead_id"),
        "account_id": payload.get("account_id"),
        "status": status, "estimated_value": _money(payload.get("estimated_value")),
        "actual_revenue": _money(payload.get("actual_revenue")) if status == "won" else None,
        "currency": payload.get("currency"), "last_event_at": occurred_at,
    })


def apply_opportunity_closed(connection, payload: dict, status: str, occurred_at: datetime) -> None:
    """OpportunityWon / OpportunityLost. Without a campaign_id the outcome still counts for
    an opportunity a campaign's lead generated (known from LeadQualified)."""
    campaign_id = payload.get("campaign_id")
    if campaign_id is None:
        campaign_id = connection.execute(
            select(campaign_opportunities.c.campaign_id)
            .where(campaign_opportunities.c.opportunity_id == payload["opportunity_id"])).scalar()
        if campaign_id is None:
            return  # not a campaign's opportunity: nothing for marketing to count
    record_opportunity(connection, payload | {"campaign_id": campaign_id}, status, occurred_at)


def known(connection, table: Table, key: str, record_id: str) -> bool:
    return connection.execute(select(exists().where(table.c[key] == record_id,
                                                    table.c.deleted.is_(False)))).scalar()
