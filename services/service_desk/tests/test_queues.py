"""Queues, routing rules and queue items: pick (one holder at a time, under concurrency too),
release, route, history."""
import uuid

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from crmkit.errors import Conflict, NotFound, ValidationFailed

ACCOUNT = str(uuid.uuid4())
ALICE, BOB = str(uuid.uuid4()), str(uuid.uuid4())


def new_case(desk, **fields):
    return desk.rpc.create_case({"title": "Router keeps rebooting", "customer_account_id": ACCOUNT, **fields})


def queue_item_of(desk, case):
    return desk.sql.rows("SELECT * FROM queue_items WHERE item_id = :c", c=case["id"])


def test_cases_are_routed_by_the_first_matching_rule_else_to_the_default_queue(desk):
    tier2 = desk.rpc.create_queue({"name": "Tier 2"})
    urgent_phone = desk.rpc.create_queue({"name": "Urgent phone"})
    default = desk.rpc.create_queue({"name": "Triage", "is_default": True})
    product = str(uuid.uuid4())
    desk.rpc.create_routing_rule({"name": "urgent by phone", "position": 1, "queue_id": urgent_phone["id"],
                                  "conditions": {"priority": ["urgent"], "origin": ["phone"]}})
    desk.rpc.create_routing_rule({"name": "urgent or routers", "position": 2, "queue_id": tier2["id"],
                                  "conditions": {"priority": ["urgent", "high"]}})
    desk.rpc.create_routing_rule({"name": "the router product", "position": 3, "queue_id": tier2["id"],
                                  "conditions": {"product_id": [product]}})
    assert new_case(desk, priority="urgent", origin="phone")["queue_id"] == urgent_phone["id"]
    assert new_case(desk, priority="urgent", origin="email")["queue_id"] == tier2["id"]  # first match wins
    assert new_case(desk, product_id=product)["queue_id"] == tier2["id"]
    low = new_case(desk, priority="low")
    assert low["queue_id"] == default["id"]
    [item] = queue_item_of(desk, low)
    assert (str(item["queue_id"]), item["item_type"], item["status"]) == (default["id"], "case", "active")


def test_without_a_matching_rule_or_default_queue_a_case_is_not_queued(desk):
    case = new_case(desk)
    assert case["queue_id"] is None and queue_item_of(desk, case) == []


def test_queue_and_rule_validation(desk):
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_queue({"kind": "secret", "member_ids": ["x"]})
    assert {e["field"] for e in raised.value.errors} == {"name", "kind", "member_ids.0"}
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_queue({"name": "Private, nobody in it", "kind": "private"})
    assert [e["field"] for e in raised.value.errors] == ["member_ids"]
    desk.rpc.create_queue({"name": "Default", "is_default": True})
    with pytest.raises(ValidationFailed):
        desk.rpc.create_queue({"name": "Another default", "is_default": True})
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_routing_rule({"name": "r", "position": 1, "queue_id": str(uuid.uuid4()),
                                      "conditions": {"priority": ["asap"], "weather": ["sunny"]}})
    assert {e["field"] for e in raised.value.errors} == {"conditions.priority.0", "conditions.weather"}
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.create_routing_rule({"name": "r", "position": 1, "queue_id": str(uuid.uuid4())})
    assert [e["field"] for e in raised.value.errors] == ["queue_id"]


def test_pick_release_route_and_the_items_history(desk):
    first = desk.rpc.create_queue({"name": "First line", "is_default": True})
    second = desk.rpc.create_queue({"name": "Second line"})
    case = new_case(desk)
    [item] = desk.rpc.list_queue_items(first["id"])["items"]
    assert item["item_id"] == case["id"] and item["title"] == case["title"]

    picked = desk.rpc.pick_queue_item(item["id"], user_id=ALICE)
    assert picked["worker_id"] == ALICE and picked["picked_at"]
    with pytest.raises(Conflict):
        desk.rpc.pick_queue_item(item["id"], user_id=BOB)
    with pytest.raises(Conflict):  # picking what you hold is no success either
        desk.rpc.pick_queue_item(item["id"], user_id=ALICE)
    assert desk.rpc.release_queue_item(item["id"], user_id=ALICE)["worker_id"] is None
    with pytest.raises(Conflict):
        desk.rpc.release_queue_item(item["id"], user_id=ALICE)
    desk.rpc.pick_queue_item(item["id"], user_id=BOB, data={"worker_id": ALICE})  # on someone's behalf

    routed = desk.rpc.route_queue_item(item["id"], {"queue_id": second["id"]}, user_id=BOB)
    assert (routed["queue_id"], routed["worker_id"]) == (second["id"], None)
    assert desk.rpc.get_case(case["id"])["queue_id"] == second["id"]
    with pytest.raises(Conflict):
        desk.rpc.route_queue_item(item["id"], {"queue_id": second["id"]}, user_id=BOB)
    with pytest.raises(ValidationFailed):
        desk.rpc.route_queue_item(item["id"], {"queue_id": str(uuid.uuid4())}, user_id=BOB)
    assert desk.rpc.list_queue_items(first["id"])["items"] == []

    desk.rpc.resolve_case(case["id"], {"resolution": "Firmware update"})
    with pytest.raises(Conflict):
        desk.rpc.pick_queue_item(item["id"], user_id=BOB)
    history = desk.rpc.queue_item_history(item["id"])["items"]
    assert [(h["action"], h["queue_id"], h["worker_id"]) for h in history] == [
        ("added", first["id"], None), ("picked", first["id"], ALICE), ("released", first["id"], ALICE),
        ("picked", first["id"], ALICE), ("routed", second["id"], ALICE), ("closed", second["id"], None)]
    assert history[4]["from_queue_id"] == first["id"] and history[4]["actor_id"] == BOB
    assert history[0]["note"] == "default queue"


def test_twenty_concurrent_picks_leave_exactly_one_holder(desk):
    queue = desk.rpc.create_queue({"name": "Hot"})
    item = desk.rpc.add_queue_item(queue["id"], {"item_type": "activity", "item_id": str(uuid.uuid4()),
                                                 "title": "Call back Contoso"})
    workers = [str(uuid.uuid4()) for _ in range(20)]

    def pick(worker):
        with ServiceRpcProxy("service_desk", {"AMQP_URI": desk.amqp_uri}) as rpc:  # one client per thread
            try:
                return rpc.pick_queue_item(item["id"], user_id=worker)["worker_id"]
            except Conflict:
                return "409"

    outcomes = list(eventlet.GreenPool(20).imap(pick, workers))
    winners = [o for o in outcomes if o != "409"]
    assert len(winners) == 1 and outcomes.count("409") == 19
    assert desk.rpc.get_queue_item(item["id"])["worker_id"] == winners[0]
    assert desk.sql.scalar("SELECT count(*) FROM queue_item_history WHERE action = 'picked'") == 1


def test_queue_items_are_validated(desk):
    queue = desk.rpc.create_queue({"name": "Q"})
    with pytest.raises(ValidationFailed) as raised:
        desk.rpc.add_queue_item(queue["id"], {"item_type": "lead", "item_id": "nope"})
    assert {e["field"] for e in raised.value.errors} == {"item_type", "item_id"}
    with pytest.raises(ValidationFailed):  # a case item must name a case of ours
        desk.rpc.add_queue_item(queue["id"], {"item_type": "case", "item_id": str(uuid.uuid4())})
    with pytest.raises(NotFound):
        desk.rpc.add_queue_item(str(uuid.uuid4()), {"item_type": "activity", "item_id": str(uuid.uuid4())})
    activity = str(uuid.uuid4())
    desk.rpc.add_queue_item(queue["id"], {"item_type": "activity", "item_id": activity})
    with pytest.raises(Conflict):
        desk.rpc.add_queue_item(queue["id"], {"item_type": "activity", "item_id": activity})
    with pytest.raises(NotFound):
        desk.rpc.pick_queue_item(str(uuid.uuid4()), user_id=ALICE)


def test_a_private_queue_shows_its_items_to_members_only(desk):
    private = desk.rpc.create_queue({"name": "VIP", "kind": "private", "member_ids": [ALICE]})
    item = desk.rpc.add_queue_item(private["id"], {"item_type": "activity", "item_id": str(uuid.uuid4())},
                                   user_id=ALICE)
    assert len(desk.rpc.list_queue_items(private["id"], user_id=ALICE)["items"]) == 1
    with pytest.raises(NotFound):
        desk.rpc.list_queue_items(private["id"], user_id=BOB)
    with pytest.raises(NotFound):
        desk.rpc.pick_queue_item(item["id"], user_id=BOB)
    assert desk.rpc.get_queue_item(item["id"])["worker_id"] is None  # the refused pick left no trace


def test_a_queue_in_use_cannot_be_deleted(desk):
    queue = desk.rpc.create_queue({"name": "Busy", "is_default": True})
    case = new_case(desk)
    with pytest.raises(Conflict):
        desk.rpc.delete_queue(queue["id"])
    desk.rpc.cancel_case(case["id"])
    desk.rpc.delete_case(case["id"])
    desk.rpc.delete_queue(queue["id"])
