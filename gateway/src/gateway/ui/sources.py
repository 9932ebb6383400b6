"""Where an entity's records come from: its API path, and for names only, its service's RPC
methods (named the way `gateway.crud` names them)."""
from __future__ import annotations

from dataclasses import dataclass

from gateway.access.caller import NOTHING
from gateway.ui.backend import Backend, Outcome

PAGING = ("q", "sort", "limit", "cursor")


@dataclass(frozen=True)
class ApiSource:
    path: str  # under /api/v1, e.g. "price-lists"
    # The same records read straight from the owning service, for the many small reads a
    # page makes only to show names (links, choices in a form): no HTTP round, no response
    # model over hundreds of records. Every write and every record a page shows goes
    # through the API.
    names_from: "RpcSource | None" = None

    def reader(self) -> "ApiSource | RpcSource":
        return self.names_from or self

    async def list(self, b: Backend, params: dict) -> Outcome:
        return await b.get(self.path, **params)

    async def get(self, b: Backend, record_id: str) -> Outcome:
        return await b.get(f"{self.path}/{record_id}")

    async def create(self, b: Backend, body: dict) -> Outcome:
        return await b.post(self.path, body)

    async def update(self, b: Backend, record_id: str, changes: dict, version: int | None) -> Outcome:
        return await b.patch(f"{self.path}/{record_id}", changes, version)

    async def action(self, b: Backend, record_id: str, name: str, body: dict | None) -> Outcome:
        return await b.post(f"{self.path}/{record_id}/{name}", body)

    async def delete(self, b: Backend, record_id: str) -> Outcome:
        return await b.delete(f"{self.path}/{record_id}")


@dataclass(frozen=True)
class RpcSource:
    service: str
    singular: str  # "resource" -> get_resource(resource_id=...), list_resources
    plural: str
    path: str = ""  # the API path of the same records: the security model's resource

    def reader(self) -> "RpcSource":
        return self

    async def list(self, b: Backend, params: dict) -> Outcome:
        filters = {k: v for k, v in params.items() if k not in PAGING and v not in (None, "")}
        try:
            limit = int(params.get("limit") or 50)
        except ValueError:
            return Outcome(422, {"detail": "The list parameters are not valid.",
                                 "errors": [{"field": "limit", "message": "must be a whole number"}]})
        reach = await b.reach(self.path)
        if reach is NOTHING:
            return Outcome(200, {"items": [], "next_cursor": None})
        within = {"reach": reach.to_rpc()} if reach.to_rpc() is not None else {}
        return await b.rpc(self.service, f"list_{self.plural}", filters=filters, q=params.get("q") or None,
                           sort=params.get("sort") or None, limit=limit, cursor=params.get("cursor") or None,
                           **within)

    async def get(self, b: Backend, record_id: str) -> Outcome:
        found = await b.rpc(self.service, f"get_{self.singular}", **{f"{self.singular}_id": record_id})
        if found.ok and not (await b.reach(self.path)).covers(found.body):
            return Outcome(404, {"detail": f"No {self.singular.replace('_', ' ')} with id {record_id}", "errors": []})
        return found
