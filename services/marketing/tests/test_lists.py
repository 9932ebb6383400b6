"""Marketing lists over real RPC, PostgreSQL and RabbitMQ: static membership by id, dynamic
queries over the read model that sales' events keep current, member counts."""
import uuid
from datetime import date, timedelta

import pytest

from crmkit.errors import Conflict, NotFound, ValidationFailed
from marketing.domain.queries import years_before
from sales_events import deliver, sales_event

PARIS_25_TO_35 = {"all": [{"field": "city", "op": "eq", "value": "Paris"},
                          {"field": "age", "op": "gte", "value": 25},
                          {"field": "age", "op": "lte", "value": 35}]}


def born_aged(years: int, days_after_birthday: int = 0) -> str:
    """A birth date making someone `years` old today, `days_after_birthday` past it."""
    today = date.today()
    return (years_before(today, years) - timedelta(days=days_after_birthday)).isoformat()


def contact(service, **fields) -> str:
    contact_id = str(uuid.uuid4())
    deliver(service, sales_event("ContactCreated", contact_id=contact_id, **fields))
    return contact_id


@pytest.fixture(scope="module")
def paris_dataset(shared_marketing):
    """A seeded read model: who should be in "contacts aged 25 to 35 in Paris" and who not."""
    m = shared_marketing
    inside = {
        "exactly 25 today": contact(m, city="Paris", birth_date=born_aged(25)),
        "35, birthday yesterday": contact(m, city="paris", birth_date=born_aged(35, 1)),
        "30": contact(m, city="Paris", birth_date=born_aged(30, 100)),
    }
    outside = {
        "24, turns 25 tomorrow": contact(m, city="Paris", birth_date=born_aged(24, 364)),
        "36 today": contact(m, city="Paris", birth_date=born_aged(36)),
        "30 in Lyon": contact(m, city="Lyon", birth_date=born_aged(30)),
        "no birth date": contact(m, city="Paris", birth_date=None),
        "no city": contact(m, city=None, birth_date=born_aged(30)),
    }
    return inside, outside


def member_ids(service, list_id) -> set[str]:
    found, cursor = set(), None
    while True:
        page = service.rpc.list_marketing_list_members(list_id, limit=2, cursor=cursor)
        found |= {item["id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_contacts_aged_25_to_35_in_paris(shared_marketing, paris_dataset):
    inside, outside = paris_dataset
    created = shared_marketing.rpc.create_marketing_list(
        {"name": "Paris 25-35", "member_type": "contact", "kind": "dynamic", "query": PARIS_25_TO_35})
    members = member_ids(shared_marketing, created["id"])
    assert set(inside.values()) <= members  # other tests of the module add their own contacts
    assert not members & set(outside.values())
    assert created["member_count"] >= len(inside)
    page = shared_marketing.rpc.list_marketing_list_members(created["id"], limit=500)
    one = next(item for item in page["items"] if item["id"] == inside["30"])
    assert (one["member_type"], one["city"], one["name"]) == ("contact", "Paris", "Yvonne McKay")


def test_a_dynamic_list_follows_a_contact_whose_city_changes_in_sales(shared_marketing, paris_dataset):
    m = shared_marketing
    contact_id = str(uuid.uuid4())
    thirty = born_aged(30, 10)
    deliver(m, sales_event("ContactCreated", contact_id=contact_id, city="Lyon", birth_date=thirty))
    marketing_list = m.rpc.create_marketing_list(
        {"name": "Paris 25-35 again", "member_type": "contact", "kind": "dynamic", "query": PARIS_25_TO_35})
    assert contact_id not in member_ids(m, marketing_list["id"])
    deliver(m, sales_event("ContactUpdated", contact_id=contact_id, city="Paris", birth_date=thirty,
                           version=2, changed=["city"]))
    assert contact_id in member_ids(m, marketing_list["id"])
    count_before = m.rpc.get_marketing_list(marketing_list["id"])["member_count"]
    deliver(m, sales_event("ContactUpdated", contact_id=contact_id, city="Marseille", birth_date=thirty,
                           version=3, changed=["city"]))
    assert contact_id not in member_ids(m, marketing_list["id"])
    assert m.rpc.get_marketing_list(marketing_list["id"])["member_count"] == count_before - 1


def test_dynamic_queries_use_the_read_models_indexes(shared_marketing, paris_dataset):
    """The planner picks the lower(city) / birth_date indexes once sequential scans are
    priced out, i.e. the compiled query is index-compatible (no function on birth_date)."""
    from sqlalchemy.dialects import postgresql

    from marketing.members import members_select

    query = members_select({"id": str(uuid.uuid4()), "member_type": "contact", "kind": "dynamic",
                            "query": PARIS_25_TO_35}, details=False)
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    with shared_marketing.sql.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_customer_contacts_lower_city" in plan or "ix_customer_contacts_birth_date" in plan, plan


def test_static_lists_add_and_remove_members_by_id(shared_marketing):
    m = shared_marketing
    first, second = contact(m, city="Oslo"), contact(m, city="Oslo")
    static = m.rpc.create_marketing_list({"name": "VIPs", "member_type": "contact", "kind": "static"})
    assert static["member_count"] == 0
    assert m.rpc.add_marketing_list_members(static["id"], {"ids": [first, second, first]}) == \
        {"added": 2, "member_count": 2}
    assert m.rpc.add_marketing_list_members(static["id"], {"ids": [first]})["added"] == 0
    assert member_ids(m, static["id"]) == {first, second}
    assert m.rpc.remove_marketing_list_member(static["id"], first) == {"removed": 1, "member_count": 1}
    with pytest.raises(NotFound):
        m.rpc.remove_marketing_list_member(static["id"], first)
    assert m.rpc.get_marketing_list(static["id"])["member_count"] == 1


def test_unknown_members_are_refused_by_index_and_nothing_is_added(shared_marketing):
    m = shared_marketing
    known = contact(m)
    static = m.rpc.create_marketing_list({"name": "Mixed", "member_type": "contact", "kind": "static"})
    missing = str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.add_marketing_list_members(static["id"], {"ids": [known, missing, "nope"]})
    assert [e["field"] for e in raised.value.errors] == ["ids.2"]  # malformed first
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.add_marketing_list_members(static["id"], {"ids": [known, missing]})
    assert [e["field"] for e in raised.value.errors] == ["ids.1"]
    assert m.rpc.get_marketing_list(static["id"])["member_count"] == 0


def test_dynamic_lists_refuse_membership_changes_with_409(shared_marketing, paris_dataset):
    m = shared_marketing
    dynamic = m.rpc.create_marketing_list({"name": "D", "member_type": "contact", "kind": "dynamic",
                                           "query": PARIS_25_TO_35})
    with pytest.raises(Conflict):
        m.rpc.add_marketing_list_members(dynamic["id"], {"ids": [paris_dataset[0]["30"]]})
    with pytest.raises(Conflict):
        m.rpc.remove_marketing_list_member(dynamic["id"], paris_dataset[0]["30"])


def test_invalid_lists_list_every_bad_field(shared_marketing):
    m = shared_marketing
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_marketing_list({"member_type": "robot", "kind": "static", "colour": "red"})
    assert {e["field"] for e in raised.value.errors} == {"name", "member_type", "colour"}
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_marketing_list({"name": "Bad query", "member_type": "contact", "kind": "dynamic",
                                     "query": {"all": [{"field": "shoe_size", "op": "eq", "value": 42},
                                                       {"field": "age", "op": "contains", "value": 3},
                                                       {"field": "birth_date", "op": "lt", "value": "soon"},
                                                       {"field": "city", "op": "in", "value": []}]}})
    assert [e["field"] for e in raised.value.errors] == [
        "query.all.0.field", "query.all.1.op", "query.all.2.value", "query.all.3.value"]
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_marketing_list({"name": "No query", "member_type": "contact", "kind": "dynamic"})
    assert [e["field"] for e in raised.value.errors] == ["query"]
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_marketing_list({"name": "Static with query", "member_type": "lead", "kind": "static",
                                     "query": {"all": []}})
    assert [e["field"] for e in raised.value.errors] == ["query"]


def test_a_lists_member_type_and_kind_cannot_change(shared_marketing):
    m = shared_marketing
    static = m.rpc.create_marketing_list({"name": "S", "member_type": "contact", "kind": "static"})
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.update_marketing_list(static["id"], {"member_type": "lead", "kind": "dynamic",
                                                   "query": {"all": []}})
    assert {e["field"] for e in raised.value.errors} == {"member_type", "kind"}
    renamed = m.rpc.update_marketing_list(static["id"], {"name": "Renamed"}, expected_version=1)
    assert (renamed["name"], renamed["version"], renamed["member_count"]) == ("Renamed", 2, 0)


def test_lists_page_with_member_counts_and_events_validate(shared_marketing):
    from marketing.schemas import EVENT_PAYLOADS

    m = shared_marketing
    tag = uuid.uuid4().hex[:8]
    for index in range(3):
        m.rpc.create_marketing_list({"name": f"page-{tag}-{index}", "member_type": "account", "kind": "static"})
    page = m.rpc.list_marketing_lists(q=f"page-{tag}", sort="name", limit=2)
    assert [item["name"] for item in page["items"]] == [f"page-{tag}-0", f"page-{tag}-1"]
    assert all(item["member_count"] == 0 for item in page["items"])
    rest = m.rpc.list_marketing_lists(q=f"page-{tag}", sort="name", limit=2, cursor=page["next_cursor"])
    assert [item["name"] for item in rest["items"]] == [f"page-{tag}-2"] and rest["next_cursor"] is None
    for row in m.sql.rows("SELECT event_type, envelope FROM outbox WHERE event_type LIKE 'MarketingList%'"):
        assert EVENT_PAYLOADS[row["event_type"]]().validate(row["envelope"]["payload"]) == {}


def test_a_list_targeted_by_an_open_campaign_cannot_be_deleted(shared_marketing):
    m = shared_marketing
    target = m.rpc.create_marketing_list({"name": "Target", "member_type": "contact", "kind": "static"})
    campaign = m.rpc.create_campaign({"name": "Uses it", "list_ids": [target["id"]]})
    with pytest.raises(Conflict):
        m.rpc.delete_marketing_list(target["id"])
    m.rpc.cancel_campaign(campaign["id"])
    m.rpc.delete_marketing_list(target["id"])
    with pytest.raises(NotFound):
        m.rpc.get_marketing_list(target["id"])
