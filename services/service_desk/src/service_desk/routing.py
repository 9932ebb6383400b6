"""Routing rules as records, and routing a new case to its queue."""
from __future__ import annotations

from crmkit.resources import Resource
from service_desk.db import QueueRepository, RoutingRuleRepository
from service_desk.domain.routing import choose_queue
from service_desk.queues import enqueue
from service_desk.schemas import RoutingRuleInput


def _rule_checks(repo: RoutingRuleRepository, rule: dict) -> list[dict]:
    if rule.get("queue_id") and not QueueRepository(repo.connection).exists(rule["queue_id"]):
        return [{"field": "queue_id", "message": f"no queue with id {rule['queue_id']}"}]
    return []


def _normalise(values: dict) -> dict:
    if "conditions" in values:  # UUIDs travel and are stored as strings
        values = values | {"conditions": {key: [str(value) for value in accepted]
                                          for key, accepted in values["conditions"].items()}}
    return values


ROUTING_RULES = Resource(
    label="routing rule", event_prefix="RoutingRule", schema=RoutingRuleInput,
    repository=RoutingRuleRepository, event_payload=lambda record: {}, check=_rule_checks,
    normalise=_normalise,
)


def route_new_case(connection, case: dict, actor_id: str | None) -> str | None:
    """Queue a new case by the first matching rule, else in the default queue (if any)."""
    default = QueueRepository(connection).default_queue_id()
    queue_id, rule = choose_queue(RoutingRuleRepository(connection).in_order(), case, default)
    if queue_id is None:
        return None
    note = f"routing rule {rule['name']}" if rule else "default queue"
    enqueue(connection, queue_id, "case", case["id"], case["title"], actor_id, note=note)
    return queue_id
