"""Marketing lists: static lists whose members are added and removed by id, and dynamic lists
whose members are a query over the read model. Every list shows its member_count."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from crmkit import pagination
from crmkit.errors import Conflict, NotFound, ValidationFailed
from crmkit.records import json_safe, load, valid_id
from crmkit.resources import Resource, ResourceFlows
from marketing import members
from marketing.lookup import fetch
from marketing.db import MarketingListRepository, campaigns, marketing_list_members
from marketing.domain.campaigns import CLOSED_CAMPAIGN_STATES
from marketing.domain.queries import QueryErrors, normalise_query
from marketing.schemas import MembersInput, MarketingListInput

IMMUTABLE = ("member_type", "kind")


def normalise_list(values: dict) -> dict:
    """Store a dynamic list's query in canonical form (check() reports it when invalid)."""
    query, member_type = values.get("query"), values.get("member_type")
    if query is not None and member_type in members.SOURCES:
        try:
            values = values | {"query": normalise_query(member_type, query)}
        except QueryErrors:
            pass
    return values


def check_list(repo: MarketingListRepository, candidate: dict) -> list[dict]:
    errors = []
    if candidate.get("id"):  # an update: the list's nature is fixed once it has members
        stored = repo.get(candidate["id"])
        errors += [{"field": name, "message": "cannot change once the list exists; make a new list"}
                   for name in IMMUTABLE if stored[name] != candidate[name]]
    if candidate["kind"] == "dynamic":
        if candidate.get("query") is None:
            errors.append({"field": "query", "message": "a dynamic list needs a query"})
        else:
            try:
                normalise_query(candidate["member_type"], candidate["query"])
            except QueryErrors as exc:
                errors += exc.errors
    elif candidate.get("query") is not None:
        errors.append({"field": "query", "message": "only dynamic lists have a query"})
    return errors


def list_delete_blocker(repo: MarketingListRepository, marketing_list: dict) -> str | None:
    names = repo.connection.execute(
        select(campaigns.c.name).where(campaigns.c.list_ids.contains([marketing_list["id"]]),
                                       campaigns.c.status.not_in(CLOSED_CAMPAIGN_STATES))
    ).scalars().all()
    if names:
        return f"The list is a target of open campaign(s): {', '.join(sorted(names))}."
    return None


def list_event_payload(marketing_list: dict) -> dict:
    return {"list_id": marketing_list["id"], "name": marketing_list["name"],
            "member_type": marketing_list["member_type"], "kind": marketing_list["kind"],
            "query": marketing_list.get("query"), "owner_id": marketing_list.get("owner_id"),
            "version": marketing_list["version"]}


LISTS = Resource(
    label="list", event_prefix="MarketingList", schema=MarketingListInput,
    repository=MarketingListRepository, event_payload=list_event_payload, check=check_list,
    delete_blocker=list_delete_blocker, normalise=normalise_list,
)


def get_list(connection, list_id: str, for_update: bool = False) -> dict:
    return fetch(MarketingListRepository(connection), list_id, "marketing list", for_update)


class ListFlows:
    """The generic record flows plus member counts and membership."""

    def __init__(self, db):
        self.db = db
        self.records = ResourceFlows(db, LISTS)

    def _counted(self, record: dict) -> dict:
        with self.db.reading() as connection:
            return record | {"member_count": members.member_count(connection, record)}

    def create(self, data: dict, owner_id: str | None) -> dict:
        return self._counted(self.records.create(data, owner_id))

    def get(self, list_id: str) -> dict:
        return self._counted(self.records.get(list_id))

    def update(self, list_id: str, changes: dict, expected_version: int | None) -> dict:
        return self._counted(self.records.update(list_id, changes, expected_version))

    def delete(self, list_id: str) -> None:
        self.records.delete(list_id)

    def list(self, filters, q, sort, limit, cursor, reach=None) -> dict:
        page = self.records.list(filters, q, sort, limit, cursor, reach)
        with self.db.reading() as connection:
            page["items"] = [item | {"member_count": members.member_count(connection, item)}
                             for item in page["items"]]
        return page

    def members(self, list_id: str, limit: int | None, cursor: str | None) -> dict:
        limit = pagination.check_limit(limit)
        with self.db.reading() as connection:
            items, next_cursor = members.member_page(connection, get_list(connection, list_id),
                                                     limit, cursor)
        return {"items": json_safe([dict(item) for item in items]), "next_cursor": next_cursor}

    def add_members(self, list_id: str, data: dict) -> dict:
        ids = [str(member_id) for member_id in dict.fromkeys(load(MembersInput(), data)["ids"])]
        with self.db.unit_of_work() as uow:
            marketing_list = get_list(uow.connection, list_id, for_update=True)
            _require_static(marketing_list, "add members to")
            known = members.known_ids(uow.connection, marketing_list["member_type"], ids)
            unknown = [{"field": f"ids.{index}",
                        "message": f"no {marketing_list['member_type']} {member_id} known to marketing"}
                       for index, member_id in enumerate(ids) if member_id not in known]
            if unknown:
                raise ValidationFailed("Unknown members", unknown)
            now = datetime.now(timezone.utc)
            added = uow.connection.execute(
                insert(marketing_list_members).on_conflict_do_nothing()
                .returning(marketing_list_members.c.member_id),
                [{"list_id": marketing_list["id"], "member_id": member_id, "added_at": now}
                 for member_id in ids]).all()
            return {"added": len(added), "member_count": members.member_count(uow.connection, marketing_list)}

    def remove_member(self, list_id: str, member_id: str) -> dict:
        with self.db.unit_of_work() as uow:
            marketing_list = get_list(uow.connection, list_id, for_update=True)
            _require_static(marketing_list, "remove members from")
            table = marketing_list_members
            removed = uow.connection.execute(delete(table).where(
                table.c.list_id == marketing_list["id"],
                table.c.member_id == valid_id(member_id, "member"))).rowcount
            if not removed:
                raise NotFound(f"{member_id} is not a member of the list")
            return {"removed": 1, "member_count": members.member_count(uow.connection, marketing_list)}


def _require_static(marketing_list: dict, doing: str) -> None:
    if marketing_list["kind"] != "static":
        raise Conflict(f"Cannot {doing} a dynamic list: its members are its query's results; "
                       "change the query instead.")

