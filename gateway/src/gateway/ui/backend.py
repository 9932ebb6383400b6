"""How a page reaches the suite: the gateway's own API in-process, or a service's RPC.

Every call answers an `Outcome` (status + JSON body) instead of raising, so a page can show
a section's problem where the section would be and still render the rest."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request

from gateway import deps, problems, requestid, users
from gateway.access import catalog, enforce
from gateway.access.caller import EVERYTHING, NOTHING, Reach
from gateway.crud import API_PREFIX
from gateway.rpc import RemoteError, ServiceUnavailable

# httpx logs every request at INFO; a page's in-process API calls are already counted and
# logged by the gateway's own middleware, under the page's request id.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass
class Outcome:
    status: int
    body: Any = None
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("detail"), str):
            return self.body["detail"]
        return f"The request failed ({self.status})."

    @property
    def errors(self) -> list[dict]:
        if self.ok or not isinstance(self.body, dict):
            return []
        return [e for e in self.body.get("errors") or [] if isinstance(e, dict)]

    @property
    def items(self) -> list:
        """A page's items (or a bare list), empty when the call failed."""
        if not self.ok:
            return []
        if isinstance(self.body, list):
            return self.body
        return list((self.body or {}).get("items") or [])


def _problem_outcome(problem: problems.Problem) -> Outcome:
    return Outcome(problem.status, problem.body())


class Backend:
    """One per page request: the caller's bearer token and request id go with every call."""

    def __init__(self, request: Request, token: str | None, user: users.User | None = None):
        self._request = request
        self._user = user
        headers = {requestid.HEADER: requestid.request_id()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # raise_app_exceptions=False: an unexpected error is the 500 response the API
        # client would see, rendered as a problem on the page, not an exception here.
        transport = httpx.ASGITransport(app=request.app, raise_app_exceptions=False)
        self._http = httpx.AsyncClient(transport=transport, base_url="http://gateway", headers=headers,
                                       timeout=None)

    async def close(self) -> None:
        await self._http.aclose()

    # --- the public API ---------------------------------------------------------------

    async def call(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                   headers: dict | None = None) -> Outcome:
        url = path if path.startswith("/") else f"{API_PREFIX}/{path}"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        response = await self._http.request(method, url, params=clean, json=json, headers=headers)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Outcome(response.status_code, body, dict(response.headers))

    async def get(self, path: str, **params) -> Outcome:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any = None) -> Outcome:
        return await self.call("POST", path, json=body if body is not None else {})

    async def patch(self, path: str, body: dict, version: int | None = None) -> Outcome:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        return await self.call("PATCH", path, json=body, headers=headers)

    async def delete(self, path: str) -> Outcome:
        return await self.call("DELETE", path)

    # --- a service's RPC, where the API has no route yet ---------------------------------

    async def rpc(self, service: str, method: str, **kwargs) -> Outcome:
        client = deps.rpc_of(self._request)
        settings = deps.settings_of(self._request)
        try:
            return Outcome(200, await client.call(service, method, **kwargs))
        except RemoteError as exc:
            return _problem_outcome(problems.from_remote_error(exc))
        except ServiceUnavailable as exc:
            return _problem_outcome(problems.from_unavailable(exc, settings.retry_after_s))

    async def reach(self, path: str) -> Reach:
        """What the signed-in user may read of the records at this API path: the RPC reads
        keep to it as the API does."""
        secured = catalog.RESOURCES.get(path.replace("/", "-"))
        if secured is None or not secured.owned:
            return EVERYTHING
        if self._user is None:
            return NOTHING
        return await (await enforce.caller_of(self._request, self._user)).reach(secured.name, "read")

    async def gather(self, *calls) -> list[Outcome]:
        """Run independent calls at once (each page's sections load in parallel)."""
        return list(await asyncio.gather(*calls))
