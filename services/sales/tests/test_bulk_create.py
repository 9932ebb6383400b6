"""Creating several records in one transaction (what imports and bulk loads use)."""
import pytest

from crmkit.database import DatabaseAccess, make_engine
from crmkit.errors import ValidationFailed
from crmkit.resources import ResourceFlows
from sales.customers import ACCOUNTS


@pytest.fixture
def accounts(make_database, sql):
    url = make_database("sales")
    engine = make_engine(url, pool_size=1)
    yield ResourceFlows(DatabaseAccess(engine, "sales", None), ACCOUNTS), sql(url)
    engine.dispose()


def test_create_many_writes_every_record_and_its_event_in_one_transaction(accounts):
    flows, db = accounts
    created = flows.create_many([{"name": f"Bulk {n}", "email": f"B{n}@Example.com"} for n in range(3)],
                                owner_id=None)
    assert [record["name"] for record in created] == ["Bulk 0", "Bulk 1", "Bulk 2"]
    assert created[1]["email"] == "b1@example.com"  # normalised like a single create
    assert db.scalar("SELECT count(*) FROM outbox WHERE event_type = 'AccountCreated'") == 3
    assert db.scalar("SELECT count(DISTINCT xmin::text) FROM accounts") == 1


def test_one_bad_item_names_its_index_and_field_and_writes_nothing(accounts):
    flows, db = accounts
    with pytest.raises(ValidationFailed) as raised:
        flows.create_many([{"name": "Fine"}, {"email": "not-an-email"}, {"name": "Also fine"}], owner_id=None)
    assert {error["field"] for error in raised.value.errors} == {"1.name", "1.email"}
    assert db.scalar("SELECT count(*) FROM accounts") == 0
    assert db.scalar("SELECT count(*) FROM outbox") == 0
