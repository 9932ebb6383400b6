"""The sales service over real RPC, PostgreSQL and RabbitMQ: accounts and contacts."""
import uuid

import pytest

from crmkit.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from sales.schemas import EVENT_PAYLOADS

CONTOSO = {"name": " Contoso Ltd ", "email": "Info@Contoso.example", "credit_limit": "2500.5",
           "currency": "EUR", "address": {"city": "Lyon", "country": "FR"}, "industry": "Retail"}


def outbox(sales, event_type=None):
    rows = sales.sql.rows("SELECT event_type, envelope FROM outbox ORDER BY id")
    return [row["envelope"] for row in rows if event_type in (None, row["event_type"])]


def test_creating_an_account_stores_it_and_records_account_created(sales):
    owner = str(uuid.uuid4())
    account = sales.rpc.create_account(CONTOSO, owner_id=owner)
    assert account["name"] == "Contoso Ltd"
    assert account["email"] == "info@contoso.example"
    assert account["credit_limit"] == "2500.50"  # exact decimal, as a string
    assert account["version"] == 1 and account["owner_id"] == owner
    assert account["created_at"].endswith("Z")
    assert sales.rpc.get_account(account["id"]) == account
    [event] = outbox(sales, "AccountCreated")
    assert event["payload"]["account_id"] == account["id"]
    assert event["payload"]["city"] == "Lyon"
    assert EVENT_PAYLOADS["AccountCreated"]().validate(event["payload"]) == {}


def test_an_invalid_account_lists_every_bad_field_and_writes_nothing(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.rpc.create_account({"email": "not-an-email", "credit_limit": "-1", "currency": "euro",
                                  "address": {"city": "x" * 101}, "colour": "red"})
    fields = {error["field"] for error in raised.value.errors}
    assert fields == {"name", "email", "credit_limit", "currency", "address.city", "colour"}
    assert sales.sql.scalar("SELECT count(*) FROM accounts") == 0
    assert outbox(sales) == []


def test_credit_limit_without_currency_is_refused(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.rpc.create_account({"name": "Fabrikam", "credit_limit": "10"})
    assert [e["field"] for e in raised.value.errors] == ["currency"]


@pytest.mark.parametrize("account_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_or_malformed_ids_are_not_found(sales, account_id):
    with pytest.raises(NotFound):
        sales.rpc.get_account(account_id)
    with pytest.raises(NotFound):
        sales.rpc.update_account(account_id, {"name": "x"})
    with pytest.raises(NotFound):
        sales.rpc.delete_account(account_id)


def test_update_bumps_the_version_records_what_changed_and_refuses_stale_versions(sales):
    account = sales.rpc.create_account(CONTOSO)
    updated = sales.rpc.update_account(account["id"], {"name": "Contoso Group", "address": {"city": "Paris"}},
                                       expected_version=1)
    assert updated["version"] == 2
    assert updated["address"] == {"line1": None, "city": "Paris", "postal_code": None, "country": "FR"}
    [event] = outbox(sales, "AccountUpdated")
    assert event["payload"]["changed"] == ["address", "name"]
    with pytest.raises(PreconditionFailed):
        sales.rpc.update_account(account["id"], {"name": "Late writer"}, expected_version=1)
    assert sales.rpc.get_account(account["id"])["name"] == "Contoso Group"


def test_an_update_that_changes_nothing_publishes_nothing(sales):
    account = sales.rpc.create_account(CONTOSO)
    same = sales.rpc.update_account(account["id"], {"industry": "Retail"})
    assert same["version"] == 1
    assert outbox(sales, "AccountUpdated") == []


def test_parent_accounts_must_exist_and_never_form_a_loop(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.rpc.create_account({"name": "Orphan", "parent_account_id": str(uuid.uuid4())})
    assert raised.value.errors[0]["field"] == "parent_account_id"
    root = sales.rpc.create_account({"name": "Root"})
    child = sales.rpc.create_account({"name": "Child", "parent_account_id": root["id"]})
    with pytest.raises(ValidationFailed) as raised:
        sales.rpc.update_account(root["id"], {"parent_account_id": child["id"]})
    assert "loop" in raised.value.errors[0]["message"]


def test_an_account_with_contacts_cannot_be_deleted_until_they_are_gone(sales):
    account = sales.rpc.create_account(CONTOSO)
    contact = sales.rpc.create_contact({"last_name": "McKay", "account_id": account["id"]})
    with pytest.raises(Conflict):
        sales.rpc.delete_account(account["id"])
    sales.rpc.delete_contact(contact["id"])
    sales.rpc.delete_account(account["id"])
    with pytest.raises(NotFound):
        sales.rpc.get_account(account["id"])
    assert [e["event_type"] for e in outbox(sales)][-2:] == ["ContactDeleted", "AccountDeleted"]


def test_a_contact_must_point_at_an_existing_account(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.rpc.create_contact({"last_name": "Nobody", "account_id": str(uuid.uuid4())})
    assert raised.value.errors[0]["field"] == "account_id"
    contact = sales.rpc.create_contact({"last_name": "Alone", "birth_date": "1990-02-03"})
    assert contact["birth_date"] == "1990-02-03"
    [event] = outbox(sales, "ContactCreated")
    assert EVENT_PAYLOADS["ContactCreated"]().validate(event["payload"]) == {}


def test_lists_page_with_cursors_filter_search_and_sort(sales):
    for n in range(7):
        sales.rpc.create_account({"name": f"Acme {n}", "industry": "Retail" if n % 2 else "Energy"})
    seen, cursor = [], None
    while True:
        page = sales.rpc.list_accounts(sort="name", limit=3, cursor=cursor)
        seen += [a["name"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Acme {n}" for n in range(7)]
    newest_first = sales.rpc.list_accounts(sort="-name", limit=2)["items"]
    assert [a["name"] for a in newest_first] == ["Acme 6", "Acme 5"]
    retail = sales.rpc.list_accounts(filters={"industry": "Retail"})["items"]
    assert sorted(a["name"] for a in retail) == ["Acme 1", "Acme 3", "Acme 5"]
    assert [a["name"] for a in sales.rpc.list_accounts(q="me 4")["items"]] == ["Acme 4"]


def test_bad_list_parameters_are_validation_errors(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.rpc.list_accounts(filters={"colour": "red", "parent_account_id": "nope"})
    assert {e["field"] for e in raised.value.errors} == {"colour", "parent_account_id"}
    with pytest.raises(ValidationFailed):
        sales.rpc.list_accounts(sort="website")
    with pytest.raises(ValidationFailed):
        sales.rpc.list_accounts(limit=501)
    with pytest.raises(ValidationFailed):
        sales.rpc.list_accounts(cursor="garbage")
