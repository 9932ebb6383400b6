"""Steady traffic of flow 3 through the gateway while faults happen, and what it left behind.

One unit: open a case, log a phone call regarding it and complete it with some minutes. The
completion is an ActivityCompleted event that service_desk adds to the case's time spent, so
every completed call must be counted on its case exactly once, whatever broke meanwhile."""
from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx


@dataclass
class Unit:
    case_id: str | None = None
    call_ids: list[str] = field(default_factory=list)
    accepted_minutes: int = 0  # minutes of completions the API answered 200 to


@dataclass
class Traffic:
    base_url: str
    headers: dict
    rate_per_s: float = 2.0
    units: list[Unit] = field(default_factory=list)
    requests: int = 0
    accepted: int = 0
    refused: dict = field(default_factory=dict)  # status or error -> count
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _send(self, client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response | None:
        self.requests += 1
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.refused[type(exc).__name__] = self.refused.get(type(exc).__name__, 0) + 1
            return None
        if response.is_success:
            self.accepted += 1
        else:
            self.refused[response.status_code] = self.refused.get(response.status_code, 0) + 1
        return response

    def _one(self, client: httpx.Client, n: int) -> None:
        unit = Unit()
        self.units.append(unit)
        case = self._send(client, "POST", "/api/v1/cases",
                          json={"title": f"Fault traffic {n}", "customer_account_id": str(uuid.uuid4())})
        if case is None or case.status_code != 201:
            return
        unit.case_id = case.json()["id"]
        call = self._send(client, "POST", "/api/v1/activities", json={
            "type": "phone_call", "subject": f"call {n}", "regarding": {"type": "case", "id": unit.case_id}})
        if call is None or call.status_code != 201:
            return
        unit.call_ids.append(call.json()["id"])
        minutes = 5 + n % 7
        done = self._send(client, "POST", f"/api/v1/activities/{unit.call_ids[-1]}/complete",
                          json={"actual_duration_minutes": minutes})
        if done is not None and done.status_code == 200:
            unit.accepted_minutes += minutes

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, headers=self.headers, timeout=15) as client:
            for n in itertools.count():
                started = time.monotonic()
                self._one(client, n)
                if self._stop.wait(max(0.0, 1 / self.rate_per_s - (time.monotonic() - started))):
                    return

    def start(self) -> "Traffic":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
