"""Lists limited to the caller's reach (owners and shared records, sent by the gateway's
security model) and assigning a record to another owner."""
import uuid

import pytest

from crmkit.database import DatabaseAccess, make_engine
from crmkit.errors import PreconditionFailed, ValidationFailed
from crmkit.resources import ResourceFlows
from sales.customers import ACCOUNTS

ALICE, BOB, TEAM = (str(uuid.uuid4()) for _ in range(3))


@pytest.fixture
def accounts(make_database, sql):
    url = make_database("sales")
    engine = make_engine(url, pool_size=1)
    flows = ResourceFlows(DatabaseAccess(engine, "sales", None), ACCOUNTS)
    made = {owner: flows.create({"name": f"Northwind of {label}", "email": f"{label}@north.example"}, owner)
            for owner, label in ((ALICE, "alice"), (BOB, "bob"), (TEAM, "team"))}
    yield flows, made, sql(url)
    engine.dispose()


def names(page):
    return sorted(item["name"] for item in page["items"])


def test_a_list_holds_only_records_of_the_given_owners_and_shared_records(accounts):
    flows, made, _ = accounts
    assert names(flows.list(None, None, None, 50, None)) == [
        "Northwind of alice", "Northwind of bob", "Northwind of team"]  # no reach: everything
    assert names(flows.list(None, None, None, 50, None, {"owner_ids": [ALICE, TEAM]})) == [
        "Northwind of alice", "Northwind of team"]
    shared = {"owner_ids": [ALICE], "record_ids": [made[BOB]["id"]]}
    assert names(flows.list(None, None, None, 50, None, shared)) == ["Northwind of alice", "Northwind of bob"]
    assert flows.list(None, None, None, 50, None, {"owner_ids": []})["items"] == []


def test_the_trigram_search_path_keeps_to_the_reach_too(accounts):
    flows, _, _ = accounts
    assert names(flows.list(None, "Northwind", None, 50, None, {"owner_ids": [BOB]})) == ["Northwind of bob"]


def test_a_reach_that_is_not_lists_of_uuids_is_refused(accounts):
    flows, _, _ = accounts
    with pytest.raises(ValidationFailed):
        flows.list(None, None, None, 50, None, {"owner_ids": ["alice"]})


def test_assign_changes_the_owner_and_publishes_an_update_naming_the_owner(accounts):
    flows, made, db = accounts
    record = flows.assign(made[ALICE]["id"], BOB)
    assert record["owner_id"] == BOB and record["version"] == made[ALICE]["version"] + 1
    payload = db.scalar("SELECT envelope->'payload' FROM outbox WHERE event_type = 'AccountUpdated'")
    assert payload["changed"] == ["owner_id"] and payload["owner_id"] == BOB
    assert flows.assign(made[ALICE]["id"], BOB)["version"] == record["version"]  # same owner: no change


def test_assign_checks_the_version_it_was_given(accounts):
    flows, made, db = accounts
    with pytest.raises(PreconditionFailed):
        flows.assign(made[ALICE]["id"], BOB, expected_version=99)
    assert db.scalar(f"SELECT owner_id::text FROM accounts WHERE id = '{made[ALICE]['id']}'") == ALICE
