"""Marketing keeps a read model of sales' accounts and contacts from sales' events, loaded
from the example messages sales publishes (its contract fixtures)."""
import copy
import uuid

import pytest

from crmkit.errors import NotFound
from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until


def event(event_type: str, **payload_changes) -> dict:
    example = copy.deepcopy(example_event("sales", event_type))
    example["event_id"] = str(uuid.uuid4())
    example["payload"].update(payload_changes)
    return example


def account_row(marketing, account_id):
    rows = marketing.sql.rows("SELECT * FROM customer_accounts WHERE account_id = :a", a=account_id)
    return rows[0] if rows else None


def handled(marketing, envelope) -> bool:
    return bool(marketing.sql.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=envelope["event_id"]))


def test_account_created_lands_in_the_read_model(marketing):
    created = event("AccountCreated")
    publish_event(marketing.amqp_uri, created)
    wait_until(lambda: handled(marketing, created), message="AccountCreated handled")
    row = account_row(marketing, created["payload"]["account_id"])
    assert (row["name"], row["city"], row["source_version"], row["deleted"]) == ("Contoso Ltd", "Seattle", 1, False)
    view = marketing.rpc.get_customer_account(created["payload"]["account_id"])
    assert view["name"] == "Contoso Ltd"


def test_updates_apply_forwards_only_so_a_late_older_event_changes_nothing(marketing):
    account_id = str(uuid.uuid4())
    updated = event("AccountUpdated", account_id=account_id)  # version 2, "Contoso Group"
    late_created = event("AccountCreated", account_id=account_id)  # version 1, arrives after
    publish_event(marketing.amqp_uri, updated)
    wait_until(lambda: handled(marketing, updated), message="AccountUpdated handled")
    publish_event(marketing.amqp_uri, late_created)
    wait_until(lambda: handled(marketing, late_created), message="late AccountCreated handled")
    row = account_row(marketing, account_id)
    assert (row["name"], row["city"], row["source_version"]) == ("Contoso Group", "Redmond", 2)


def test_a_deleted_account_is_not_resurrected_by_a_late_update(marketing):
    account_id = str(uuid.uuid4())
    deleted = event("AccountDeleted", account_id=account_id)
    late_update = event("AccountUpdated", account_id=account_id)
    for envelope in (deleted, late_update):
        publish_event(marketing.amqp_uri, envelope)
        wait_until(lambda: handled(marketing, envelope), message=envelope["event_type"])
    assert account_row(marketing, account_id)["deleted"] is True
    with pytest.raises(NotFound):
        marketing.rpc.get_customer_account(account_id)


def test_contacts_are_kept_with_their_dates(marketing):
    created = event("ContactCreated")
    publish_event(marketing.amqp_uri, created)
    wait_until(lambda: handled(marketing, created), message="ContactCreated handled")
    [row] = marketing.sql.rows("SELECT * FROM customer_contacts")
    assert (row["last_name"], str(row["birth_date"]), row["source_version"]) == ("McKay", "1984-03-09", 1)


def test_a_redelivered_event_is_handled_once(marketing):
    created = event("AccountCreated", account_id=str(uuid.uuid4()))
    publish_event(marketing.amqp_uri, created)
    publish_event(marketing.amqp_uri, created)
    marker = event("ContactCreated", contact_id=str(uuid.uuid4()))
    publish_event(marketing.amqp_uri, marker)
    wait_until(lambda: handled(marketing, marker) and handled(marketing, created), message="events handled")
    assert marketing.sql.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=created["event_id"]) == 1
    assert marketing.sql.scalar("SELECT count(*) FROM customer_accounts") == 1
