"""Campaigns over real RPC, PostgreSQL and RabbitMQ: the state machine (409 in a wrong state,
nothing changed), expenses, planned activities and their distribution."""
import uuid

import pytest

from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.testing.bus import Subscriber
from marketing.schemas import EVENT_PAYLOADS
from sales_events import deliver, sales_event

OWNERS = [str(uuid.uuid4()) for _ in range(3)]


def contacts(service, count: int, **fields) -> list[str]:
    envelopes = [sales_event("ContactCreated", contact_id=str(uuid.uuid4()), **fields) for _ in range(count)]
    deliver(service, *envelopes)
    return [envelope["payload"]["contact_id"] for envelope in envelopes]


def static_list(service, ids, member_type="contact") -> dict:
    created = service.rpc.create_marketing_list({"name": "L", "member_type": member_type, "kind": "static"})
    if ids:
        service.rpc.add_marketing_list_members(created["id"], {"ids": ids})
    return created


def active_campaign(service, list_ids, **fields) -> dict:
    campaign = service.rpc.create_campaign({"name": "Spring", "currency": "EUR", "list_ids": list_ids, **fields},
                                           owner_id=OWNERS[0])
    return service.rpc.activate_campaign(campaign["id"])


def snapshot(service, campaign_id) -> dict:
    """Everything an action could change about a campaign."""
    return {
        "campaign": service.rpc.get_campaign(campaign_id),
        "activities": service.rpc.list_campaign_activities(campaign_id)["items"],
        "expenses": service.rpc.list_campaign_expenses(campaign_id)["items"],
        "recipients": service.sql.scalar("SELECT count(*) FROM campaign_recipients WHERE campaign_id = :c",
                                         c=campaign_id),
        "events": service.sql.scalar("SELECT count(*) FROM outbox WHERE envelope->'payload'->>'campaign_id' = :c",
                                     c=campaign_id),
    }


def test_a_campaign_is_created_planned_with_exact_money(shared_marketing):
    m = shared_marketing
    target = static_list(m, [])
    campaign = m.rpc.create_campaign({"name": "Launch", "type": "email", "budget": "5000.5", "currency": "EUR",
                                      "start_date": "2026-12-01", "end_date": "2027-01-31",
                                      "expected_response_rate": "2.5", "list_ids": [target["id"], target["id"]]},
                                     owner_id=OWNERS[0])
    assert (campaign["status"], campaign["budget"], campaign["expected_response_rate"]) == ("planned", "5000.50", "2.50")
    assert campaign["list_ids"] == [target["id"]]
    assert m.rpc.get_campaign(campaign["id"]) == campaign
    [event] = m.sql.rows("SELECT envelope FROM outbox WHERE event_type = 'CampaignCreated' "
                         "AND envelope->'payload'->>'campaign_id' = :c", c=campaign["id"])
    assert EVENT_PAYLOADS["CampaignCreated"]().validate(event["envelope"]["payload"]) == {}


def test_an_invalid_campaign_lists_every_bad_field(shared_marketing):
    with pytest.raises(ValidationFailed) as raised:
        shared_marketing.rpc.create_campaign({"type": "radio", "budget": "-1", "expected_response_rate": "101",
                                              "status": "active"})
    assert {e["field"] for e in raised.value.errors} == {"name", "type", "budget", "expected_response_rate", "status"}
    missing = str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as raised:
        shared_marketing.rpc.create_campaign({"name": "X", "budget": "10", "start_date": "2026-02-01",
                                              "end_date": "2026-01-01", "list_ids": [missing]})
    assert [e["field"] for e in raised.value.errors] == ["currency", "end_date", "list_ids.0"]


def test_campaign_states_move_only_by_their_actions(shared_marketing):
    m = shared_marketing
    campaign = m.rpc.create_campaign({"name": "Lifecycle", "currency": "EUR"})
    with pytest.raises(Conflict):
        m.rpc.complete_campaign(campaign["id"])
    active = m.rpc.activate_campaign(campaign["id"])
    assert (active["status"], active["version"]) == ("active", 2)
    with pytest.raises(Conflict):
        m.rpc.activate_campaign(campaign["id"])
    with pytest.raises(Conflict):
        m.rpc.delete_campaign(campaign["id"])
    assert m.rpc.complete_campaign(campaign["id"])["status"] == "completed"
    changed = m.sql.rows("SELECT envelope FROM outbox WHERE event_type = 'CampaignUpdated' "
                         "AND envelope->'payload'->>'campaign_id' = :c ORDER BY id", c=campaign["id"])
    assert [row["envelope"]["payload"]["status"] for row in changed] == ["active", "completed"]


@pytest.mark.parametrize("closing", ["complete", "cancel"])
def test_every_action_on_a_closed_campaign_is_409_and_changes_nothing(shared_marketing, closing):
    m = shared_marketing
    members = contacts(m, 2)
    campaign = active_campaign(m, [static_list(m, members)["id"]])
    activity = m.rpc.create_campaign_activity(campaign["id"], {"channel": "email", "subject": "Hi"})
    m.rpc.add_campaign_expense(campaign["id"], {"amount": "10.00"})
    getattr(m.rpc, f"{closing}_campaign")(campaign["id"])
    before = snapshot(m, campaign["id"])
    expense_id = before["expenses"][0]["id"]
    attempts = [
        lambda: m.rpc.activate_campaign(campaign["id"]),
        lambda: m.rpc.complete_campaign(campaign["id"]),
        lambda: m.rpc.cancel_campaign(campaign["id"]),
        lambda: m.rpc.update_campaign(campaign["id"], {"name": "Renamed"}),
        lambda: m.rpc.delete_campaign(campaign["id"]),
        lambda: m.rpc.add_campaign_expense(campaign["id"], {"amount": "5.00"}),
        lambda: m.rpc.delete_campaign_expense(campaign["id"], expense_id),
        lambda: m.rpc.create_campaign_activity(campaign["id"], {"channel": "email", "subject": "Again"}),
        lambda: m.rpc.distribute_campaign_activity(campaign["id"], activity["id"], {"owner_ids": OWNERS}),
    ]
    if closing == "cancel":
        attempts.append(lambda: m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "email": "a@b.example"}))
    for attempt in attempts:
        with pytest.raises(Conflict):
            attempt()
    assert snapshot(m, campaign["id"]) == before


def test_a_planned_campaign_cannot_distribute_or_take_responses(shared_marketing):
    m = shared_marketing
    campaign = m.rpc.create_campaign({"name": "Not yet", "list_ids": [static_list(m, contacts(m, 1))["id"]]},
                                     owner_id=OWNERS[0])
    activity = m.rpc.create_campaign_activity(campaign["id"], {"channel": "letter", "subject": "Soon"})
    before = snapshot(m, campaign["id"])
    with pytest.raises(Conflict) as raised:
        m.rpc.distribute_campaign_activity(campaign["id"], activity["id"])
    assert "Activate it first" in raised.value.detail
    with pytest.raises(Conflict):
        m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "email": "early@bird.example"})
    assert snapshot(m, campaign["id"]) == before


def test_expenses_are_exact_in_the_campaigns_currency(shared_marketing):
    m = shared_marketing
    campaign = m.rpc.create_campaign({"name": "Costs", "currency": "EUR"})
    first = m.rpc.add_campaign_expense(campaign["id"], {"amount": "1200.10", "description": "Venue",
                                                        "incurred_on": "2026-11-01"})
    assert (first["amount"], first["currency"], first["incurred_on"]) == ("1200.10", "EUR", "2026-11-01")
    second = m.rpc.add_campaign_expense(campaign["id"], {"amount": "0.2"})
    assert second["amount"] == "0.20" and second["incurred_on"]  # defaults to today
    assert [e["id"] for e in m.rpc.list_campaign_expenses(campaign["id"], sort="incurred_on")["items"]] == \
        [first["id"], second["id"]]
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.add_campaign_expense(campaign["id"], {"amount": "-3", "incurred_on": "someday"})
    assert {e["field"] for e in raised.value.errors} == {"amount", "incurred_on"}
    m.rpc.delete_campaign_expense(campaign["id"], first["id"])
    with pytest.raises(NotFound):
        m.rpc.delete_campaign_expense(campaign["id"], first["id"])
    no_currency = m.rpc.create_campaign({"name": "No currency"})
    with pytest.raises(Conflict):
        m.rpc.add_campaign_expense(no_currency["id"], {"amount": "1.00"})


def test_distribution_assigns_owners_round_robin_deduplicates_and_never_repeats(shared_marketing):
    m = shared_marketing
    people = contacts(m, 7)
    accounts = [str(uuid.uuid4()) for _ in range(2)]
    deliver(m, *(sales_event("AccountCreated", account_id=a) for a in accounts))
    overlapping = [static_list(m, people[:5]), static_list(m, people[3:]), static_list(m, accounts, "account")]
    campaign = active_campaign(m, [x["id"] for x in overlapping])
    activity = m.rpc.create_campaign_activity(campaign["id"], {"channel": "phone_call", "subject": "Call them",
                                                               "scheduled_start": "2026-12-01T09:00:00+01:00"})
    subscriber = Subscriber(m.amqp_uri, "marketing", "CampaignActivityDistributed")
    try:
        result = m.rpc.distribute_campaign_activity(campaign["id"], activity["id"], {"owner_ids": OWNERS})
        assert (result["status"], result["distributed"], result["distributed_count"]) == ("distributed", 9, 9)
        rows = m.sql.rows("SELECT member_type, member_id::text, owner_id::text, position FROM campaign_recipients "
                          "WHERE campaign_activity_id = :a ORDER BY position", a=activity["id"])
        assert sorted(row["member_id"] for row in rows) == sorted(people + accounts)  # each member once
        assert [row["owner_id"] for row in rows] == [OWNERS[i % 3] for i in range(9)]
        again = m.rpc.distribute_campaign_activity(campaign["id"], activity["id"], {"owner_ids": OWNERS})
        assert (again["distributed"], again["distributed_count"]) == (0, 9)
        assert m.sql.scalar("SELECT count(*) FROM campaign_recipients WHERE campaign_activity_id = :a",
                            a=activity["id"]) == 9
        [event] = wait_for_events(subscriber, 1)
    finally:
        subscriber.close()
    payload = event["payload"]
    assert EVENT_PAYLOADS["CampaignActivityDistributed"]().validate(payload) == {}
    assert (payload["part"], payload["parts"], payload["scheduled_start"]) == (1, 1, "2026-12-01T08:00:00Z")
    assert {(r["type"], r["id"], r["owner_id"]) for r in payload["recipients"]} == \
        {(row["member_type"], row["member_id"], row["owner_id"]) for row in rows}


def wait_for_events(subscriber, count: int) -> list[dict]:
    from crmkit.testing.waiting import wait_until

    wait_until(lambda: len(subscriber.drain()) >= count, timeout=30, message=f"{count} events")
    subscriber.drain()  # anything extra arrives within the drain window
    return subscriber.received


def test_a_later_distribution_reaches_only_new_members_and_continues_the_rotation(shared_marketing):
    m = shared_marketing
    first, later = contacts(m, 2), contacts(m, 2)
    target = static_list(m, first)
    campaign = active_campaign(m, [target["id"]])
    activity = m.rpc.create_campaign_activity(campaign["id"], {"channel": "email", "subject": "News"})
    assert m.rpc.distribute_campaign_activity(campaign["id"], activity["id"], {"owner_ids": OWNERS})["distributed"] == 2
    m.rpc.add_marketing_list_members(target["id"], {"ids": later})
    assert m.rpc.distribute_campaign_activity(campaign["id"], activity["id"], {"owner_ids": OWNERS})["distributed"] == 2
    rows = m.sql.rows("SELECT member_id::text, owner_id::text FROM campaign_recipients "
                      "WHERE campaign_activity_id = :a ORDER BY position", a=activity["id"])
    assert [row["owner_id"] for row in rows] == [OWNERS[0], OWNERS[1], OWNERS[2], OWNERS[0]]
    assert {row["member_id"] for row in rows[2:]} == set(later)


def test_distribution_defaults_to_the_campaign_owner_and_needs_lists(shared_marketing):
    m = shared_marketing
    campaign = active_campaign(m, [static_list(m, contacts(m, 2))["id"]])
    activity = m.rpc.create_campaign_activity(campaign["id"], {"channel": "email", "subject": "Owner"})
    m.rpc.distribute_campaign_activity(campaign["id"], activity["id"])
    owners = m.sql.rows("SELECT DISTINCT owner_id::text FROM campaign_recipients WHERE campaign_activity_id = :a",
                        a=activity["id"])
    assert owners == [{"owner_id": OWNERS[0]}]
    no_lists = active_campaign(m, [])
    lonely = m.rpc.create_campaign_activity(no_lists["id"], {"channel": "email", "subject": "Nobody"})
    with pytest.raises(Conflict):
        m.rpc.distribute_campaign_activity(no_lists["id"], lonely["id"])
    with pytest.raises(NotFound):
        m.rpc.distribute_campaign_activity(campaign["id"], lonely["id"])  # another campaign's activity


def test_a_quick_campaign_is_distributed_at_once(shared_marketing):
    m = shared_marketing
    members = contacts(m, 4)
    target = static_list(m, members)
    quick = m.rpc.create_quick_campaign({"list_id": target["id"], "channel": "email", "subject": "Flash sale",
                                         "owner_ids": OWNERS[:2]}, owner_id=OWNERS[0])
    assert (quick["campaign"]["status"], quick["campaign"]["type"], quick["distributed"]) == ("active", "email", 4)
    assert quick["campaign"]["list_ids"] == [target["id"]]
    assert quick["activity"]["status"] == "distributed"
    metrics = m.rpc.get_campaign_metrics(quick["campaign"]["id"])
    assert (metrics["members_targeted"], metrics["activities_distributed"]) == (4, 4)
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_quick_campaign({"list_id": str(uuid.uuid4()), "channel": "pigeon"})
    assert {e["field"] for e in raised.value.errors} == {"channel", "subject"}
    with pytest.raises(ValidationFailed) as raised:
        m.rpc.create_quick_campaign({"list_id": str(uuid.uuid4()), "channel": "email", "subject": "x"})
    assert [e["field"] for e in raised.value.errors] == ["list_id"]
