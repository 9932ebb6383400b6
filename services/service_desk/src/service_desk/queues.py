"""Queues and their items: add, pick (one holder at a time), release, route; every move is
kept in the item's history."""
from __future__ import annotations

from sqlalchemy import insert, select, update

from crmkit import pagination
from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.records import json_safe, load, valid_id
from crmkit.resources import Resource
from service_desk.db import (CaseRepository, QueueItemRepository, QueueRepository, queue_item_history,
                             queue_items, routing_rules)
from service_desk.records import get_or_404, now
from service_desk.schemas import PickInput, QueueInput, QueueItemInput, RouteInput


def _queue_rules(repo: QueueRepository, queue: dict) -> list[dict]:
    errors = []
    if queue.get("is_default"):
        default = repo.default_queue_id()
        if default and default != queue.get("id"):
            errors.append({"field": "is_default", "message": "another queue is the default already"})
    if queue.get("kind") == "private" and not queue.get("member_ids"):
        errors.append({"field": "member_ids", "message": "a private queue needs at least one member"})
    return errors


def _queue_in_use(repo: QueueRepository, queue: dict) -> str | None:
    items = QueueItemRepository(repo.connection).count_where("queue_id", queue["id"])
    rules = repo.connection.execute(select(routing_rules.c.id).where(routing_rules.c.queue_id == queue["id"])).first()
    if items or rules:
        return "The queue still has items or routing rules pointing at it; move or delete them first."
    return None


QUEUES = Resource(
    label="queue", event_prefix="Queue", schema=QueueInput, repository=QueueRepository,
    event_payload=lambda record: {}, check=_queue_rules, delete_blocker=_queue_in_use,
    normalise=lambda values: values | ({"member_ids": [str(m) for m in values["member_ids"]]}
                                       if "member_ids" in values else {}),
)


def record_history(connection, item: dict, action: str, actor_id: str | None, *, queue_id: str | None = None,
                   from_queue_id: str | None = None, worker_id: str | None = None, note: str | None = None) -> None:
    connection.execute(insert(queue_item_history).values(
        queue_item_id=item["id"], action=action, queue_id=queue_id or item["queue_id"],
        from_queue_id=from_queue_id, worker_id=worker_id, actor_id=actor_id, note=note))


def _visible_queue(connection, queue_id, user_id: str | None) -> dict:
    """A private queue is visible to its members only; to anyone else it does not exist."""
    queue = get_or_404(QueueRepository(connection), queue_id, "queue")
    if queue["kind"] == "private" and user_id is not None and user_id not in queue["member_ids"]:
        raise NotFound(f"No queue with id {queue_id}")
    return queue


def enqueue(connection, queue_id: str, item_type: str, item_id: str, title: str | None,
            actor_id: str | None, note: str | None = None) -> dict:
    """Put a record in a queue (it sits in one queue at a time)."""
    items = QueueItemRepository(connection)
    existing = items.for_record(item_type, item_id)
    if existing is not None:
        raise Conflict(f"The {item_type} is already in a queue ({existing['queue_id']}); route it instead.")
    item = items.add({"queue_id": queue_id, "item_type": item_type, "item_id": item_id, "title": title,
                      "status": "active", "entered_queue_at": now()}, actor_id)
    record_history(connection, item, "added", actor_id, note=note)
    return item


def close_item_of(connection, item_type: str, item_id: str, actor_id: str | None, note: str) -> None:
    """The record is done (a case resolved or cancelled): its item leaves the work lists."""
    items = QueueItemRepository(connection)
    item = items.for_record(item_type, item_id, for_update=True)
    if item is not None and item["status"] == "active":
        items.change(item, {"status": "closed", "worker_id": None, "picked_at": None})
        record_history(connection, item, "closed", actor_id, note=note)


def reopen_item_of(connection, item_type: str, item_id: str, actor_id: str | None) -> None:
    items = QueueItemRepository(connection)
    item = items.for_record(item_type, item_id, for_update=True)
    if item is not None and item["status"] == "closed":
        items.change(item, {"status": "active", "entered_queue_at": now()})
        record_history(connection, item, "reopened", actor_id)


class QueueItemFlows:
    def __init__(self, db):
        self.db = db

    def add(self, queue_id: str, data: dict, actor_id: str | None) -> dict:
        values = load(QueueItemInput(), data)
        with self.db.unit_of_work() as uow:
            queue = _visible_queue(uow.connection, queue_id, actor_id)
            title = values.get("title")
            if values["item_type"] == "case":
                case = CaseRepository(uow.connection).get(values["item_id"])
                if case is None:
                    raise ValidationFailed("Invalid queue item", [
                        {"field": "item_id", "message": f"no case with id {values['item_id']}"}])
                title = title or case["title"]
            return json_safe(enqueue(uow.connection, queue["id"], values["item_type"], values["item_id"],
                                     title, actor_id))

    def list(self, queue_id: str, filters: dict | None, sort: str | None, limit: int | None,
             cursor: str | None, user_id: str | None) -> dict:
        filters = {"status": "active"} | {k: v for k, v in (filters or {}).items() if v is not None}
        allowed = set(QueueItemRepository.filter_columns) - {"queue_id"}
        errors = [{"field": key, "message": "not a filter of this list"} for key in filters if key not in allowed]
        if errors:
            raise ValidationFailed("Invalid filters", errors)
        order = pagination.parse_sort(sort, QueueItemRepository.sort_fields, QueueItemRepository.default_sort)
        limit = pagination.check_limit(limit)
        with self.db.reading() as connection:
            queue = _visible_queue(connection, queue_id, user_id)
            items, next_cursor = QueueItemRepository(connection).list(
                filters | {"queue_id": queue["id"]}, None, order, limit, cursor)
        return {"items": json_safe(items), "next_cursor": next_cursor}

    def get(self, item_id: str) -> dict:
        with self.db.reading() as connection:
            return json_safe(get_or_404(QueueItemRepository(connection), item_id, "queue item"))

    def pick(self, item_id: str, user_id: str | None, data: dict | None = None) -> dict:
        """One holder at a time: a conditional UPDATE lets exactly one of any number of
        concurrent picks through; the others find it held and get 409."""
        worker_id = load(PickInput(), data or {}).get("worker_id") or user_id
        if worker_id is None:
            raise ValidationFailed("Who picks?", [{"field": "worker_id", "message": "required"}])
        item_id = valid_id(item_id, "queue item")
        with self.db.unit_of_work() as uow:
            picked_at = now()
            row = uow.connection.execute(
                update(queue_items)
                .where(queue_items.c.id == item_id, queue_items.c.worker_id.is_(None),
                       queue_items.c.status == "active")
                .values(worker_id=worker_id, picked_at=picked_at, updated_at=picked_at,
                        version=queue_items.c.version + 1)
                .returning(*queue_items.c)).mappings().first()
            if row is None:
                item = get_or_404(QueueItemRepository(uow.connection), item_id, "queue item")
                if item["status"] != "active":
                    raise Conflict("The item is closed; there is nothing to pick.")
                raise Conflict(f"The item is held by {item['worker_id']} since {json_safe(item['picked_at'])}; "
                               "it must be released first.")
            item = dict(row)
            queue = _visible_queue(uow.connection, item["queue_id"], worker_id)  # rolls back if hidden
            record_history(uow.connection, item, "picked", user_id, queue_id=queue["id"], worker_id=worker_id)
            return json_safe(item)

    def release(self, item_id: str, user_id: str | None) -> dict:
        with self.db.unit_of_work() as uow:
            items = QueueItemRepository(uow.connection)
            item = get_or_404(items, item_id, "queue item", for_update=True)
            if item["worker_id"] is None:
                raise Conflict("Nobody holds the item; there is nothing to release.")
            released = items.change(item, {"worker_id": None, "picked_at": None})
            record_history(uow.connection, item, "released", user_id, worker_id=item["worker_id"])
            return json_safe(released)

    def route(self, item_id: str, data: dict, user_id: str | None) -> dict:
        target_id = load(RouteInput(), data)["queue_id"]
        with self.db.unit_of_work() as uow:
            items = QueueItemRepository(uow.connection)
            item = get_or_404(items, item_id, "queue item", for_update=True)
            target = QueueRepository(uow.connection).get(target_id)
            if target is None:
                raise ValidationFailed("Invalid route", [{"field": "queue_id", "message": f"no queue with id {target_id}"}])
            if item["status"] != "active":
                raise Conflict("The item is closed; reopen its record before routing it.")
            if target_id == item["queue_id"]:
                raise Conflict("The item is in that queue already.")
            # A worker of the old queue does not keep holding what moved elsewhere.
            moved = items.change(item, {"queue_id": target_id, "worker_id": None, "picked_at": None,
                                        "entered_queue_at": now()})
            record_history(uow.connection, item, "routed", user_id, queue_id=target_id,
                           from_queue_id=item["queue_id"], worker_id=item["worker_id"])
            if item["item_type"] == "case":
                cases = CaseRepository(uow.connection)
                case = cases.get(item["item_id"])
                if case is not None:
                    cases.change(case, {"queue_id": target_id})
            return json_safe(moved)

    def history(self, item_id: str) -> dict:
        with self.db.reading() as connection:
            item = get_or_404(QueueItemRepository(connection), item_id, "queue item")
            rows = connection.execute(select(queue_item_history)
                                      .where(queue_item_history.c.queue_item_id == item["id"])
                                      .order_by(queue_item_history.c.id)).mappings().all()
        return {"items": json_safe([{k: v for k, v in row.items() if k != "queue_item_id"} for row in rows]),
                "next_cursor": None}
