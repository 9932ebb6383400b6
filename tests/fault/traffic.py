"""Steady traffic of the three flows of EVENTS.md through the gateway while faults happen, and
what each flow's accepted requests must have left behind.

Each flow runs in a thread of its own at its own rate (a slow flow never holds up another):
- flow 1, marketing: record a response to the campaign and convert it; sales makes exactly one
  lead per converted response (CampaignResponseConverted), and the campaign's metrics count
  every response and every lead (LeadCreated back in marketing);
- flow 2, scheduler: a quote of 1-3 sessions of a training service, activated and accepted;
  sales makes exactly one order per accepted quote, and the scheduler exactly one booking per
  session sold (QuoteAccepted, solved in its child process);
- flow 3, service desk: a case on a contract, a phone call regarding it completed with some
  minutes (ActivityCompleted adds them to the case), then the case resolved with billable
  minutes: the contract is charged the case's time exactly once, even when the completion
  arrives after the resolution.

A request the API refused may still have happened (a timeout can hide a success), so what is
expected is read from the record that decides (the response's status in marketing, the
quote's in sales, the call's in activities), and every accepted request must be among it."""
from __future__ import annotations

import abc
import itertools
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import httpx

API = "/api/v1"
CONTRACT_MINUTES = 1_000_000  # never exhausted by the traffic: every charge is its full time


def created(response: httpx.Response | None, status: int = 201) -> dict | None:
    return response.json() if response is not None and response.status_code == status else None


def setup_call(client: httpx.Client, method: str, path: str, status: int = 201, **kwargs) -> dict:
    """A request of a flow's set-up, made while everything is up: it must succeed."""
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, (method, path, response.status_code, response.text)
    return response.json()


@dataclass
class Checked:
    """One invariant: what the accepted requests must have left, and what is there."""
    name: str
    expected: object
    found: object

    @property
    def holds(self) -> bool:
        return self.expected == self.found

    def figure(self) -> str:
        def size(value):  # a total of counts, or how many entries
            if isinstance(value, dict):
                return sum(value.values()) if all(isinstance(v, int) for v in value.values()) else len(value)
            return value
        return f"{size(self.expected)} = {size(self.found)}" if self.holds else \
            f"{size(self.expected)} != {size(self.found)}"


class Flow(abc.ABC):
    """A flow's traffic: `unit` is one pass through it, `check` its invariants (Checked list)."""
    name = ""
    rate_per_s = 1.0

    def __init__(self) -> None:
        self.units = 0
        self.requests = 0
        self.accepted = 0
        self.refused: dict = {}  # status or error -> count

    def send(self, client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response | None:
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

    def setup(self, client: httpx.Client) -> None:
        pass

    @abc.abstractmethod
    def unit(self, client: httpx.Client, n: int) -> None:
        """One pass through the flow."""

    @abc.abstractmethod
    def check(self, dbs: dict, api: httpx.Client) -> list[Checked]:
        """The flow's invariants after the faults."""

    def traffic(self) -> dict:
        return {"units": self.units, "requests": self.requests, "accepted": self.accepted,
                "refused": dict(self.refused)}


class MarketingFlow(Flow):
    name = "flow 1"
    rate_per_s = 1.0

    def __init__(self) -> None:
        super().__init__()
        self.campaign_id = ""
        self.accepted_responses: set[str] = set()
        self.accepted_conversions: set[str] = set()

    def setup(self, client: httpx.Client) -> None:
        campaign = setup_call(client, "POST", f"{API}/campaigns", json={
            "name": f"Fault traffic {uuid.uuid4().hex[:8]}", "type": "email", "budget": "1000.00",
            "currency": "EUR"})
        self.campaign_id = campaign["id"]
        setup_call(client, "POST", f"{API}/campaigns/{self.campaign_id}/activate", status=200)

    def unit(self, client: httpx.Client, n: int) -> None:
        response = created(self.send(client, "POST", f"{API}/campaigns/{self.campaign_id}/responses", json={
            "channel": "email", "subject": f"Interested {n}", "last_name": f"Responder {n}",
            "company_name": f"Fault Traffic {n}", "email": f"r{n}-{uuid.uuid4().hex[:6]}@fault.example"}))
        if response is None:
            return
        self.accepted_responses.add(response["id"])
        converted = self.send(client, "POST", f"{API}/campaign-responses/{response['id']}/convert")
        if converted is not None and converted.status_code in (200, 202):
            self.accepted_conversions.add(response["id"])

    def check(self, dbs: dict, api: httpx.Client) -> list[Checked]:
        responses = dbs["marketing"].rows(
            "SELECT id::text, status, converted_lead_id::text AS lead_id FROM campaign_responses "
            "WHERE campaign_id = :c", c=self.campaign_id)
        ids = {row["id"] for row in responses}
        converted = {row["id"] for row in responses if row["status"] == "converted"}
        assert self.accepted_responses <= ids, self.accepted_responses - ids
        assert self.accepted_conversions <= converted, self.accepted_conversions - converted
        leads = dbs["sales"].rows(
            "SELECT campaign_response_id::text AS response_id, id::text FROM leads WHERE campaign_id = :c",
            c=self.campaign_id)
        per_response: dict[str, int] = {}
        for lead in leads:
            per_response[lead["response_id"]] = per_response.get(lead["response_id"], 0) + 1
        metrics = api.get(f"{API}/campaigns/{self.campaign_id}/metrics").json()
        return [
            Checked("flow 1 leads (one per converted response)", {rid: 1 for rid in converted}, per_response),
            Checked("flow 1 response -> its lead in marketing",
                    {lead["response_id"]: lead["id"] for lead in leads},
                    {row["id"]: row["lead_id"] for row in responses if row["status"] == "converted"}),
            Checked("flow 1 metrics responses", len(ids), metrics.get("responses")),
            Checked("flow 1 metrics leads", len(converted), metrics.get("leads_generated")),
        ]


class SchedulerFlow(Flow):
    """Quotes of a training service taught by two teachers in two rooms (one-hour sessions in
    working hours over the scheduler's six-week window: far more room than the traffic needs,
    so every session sold can be booked)."""
    name = "flow 2"
    rate_per_s = 0.25  # each accepted quote is a CP-SAT solve in a child process

    def __init__(self) -> None:
        super().__init__()
        self.account_id = ""
        self.product_id = ""
        self.price_list_id = ""
        self.accepted_quotes: dict[str, int] = {}  # quote id -> sessions, accept answered 200

    def setup(self, client: httpx.Client) -> None:
        tag = uuid.uuid4().hex[:8]
        scheduler = f"{API}/scheduler"
        week = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)]
        for name in ("Ada", "Grace"):
            setup_call(client, "POST", f"{scheduler}/resources", json={
                "name": f"{name} {tag}", "kind": "user", "timezone": "Europe/Paris", "working_hours": week,
                "characteristics": [{"name": f"fault-{tag}", "rating": 5}]})
        for name in ("Lab", "Den"):
            setup_call(client, "POST", f"{scheduler}/resources", json={
                "name": f"{name} {tag}", "kind": "facility", "capacity": 20, "features": ["projector"],
                "timezone": "Europe/Paris", "working_hours": week})
        service = setup_call(client, "POST", f"{scheduler}/services", json={
            "name": f"Fault course {tag}", "duration_minutes": 60, "slot_minutes": 60, "default_attendees": 8,
            "requirements": [{"kind": "user", "characteristics": [{"name": f"fault-{tag}", "min_rating": 3}]},
                             {"kind": "facility", "features": ["projector"], "min_capacity": "attendees"}]})
        self.account_id = setup_call(client, "POST", f"{API}/accounts", json={"name": f"Fault Training {tag}"})["id"]
        self.product_id = setup_call(client, "POST", f"{API}/products", json={
            "name": "Fault course (per session)", "product_number": f"FLT-{tag}", "unit": "session",
            "is_service": True, "scheduling_service_id": service["id"]})["id"]
        self.price_list_id = setup_call(client, "POST", f"{API}/price-lists",
                                        json={"name": f"Fault {tag}", "currency": "EUR"})["id"]
        setup_call(client, "POST", f"{API}/price-lists/{self.price_list_id}/items",
                   json={"product_id": self.product_id, "amount": "400.00"})

    def unit(self, client: httpx.Client, n: int) -> None:
        quote = created(self.send(client, "POST", f"{API}/quotes", json={
            "name": f"Fault quote {n}", "account_id": self.account_id, "price_list_id": self.price_list_id}))
        if quote is None:
            return
        sessions = 1 + n % 3
        path = f"{API}/quotes/{quote['id']}"
        if created(self.send(client, "POST", f"{path}/lines",
                             json={"product_id": self.product_id, "quantity": str(sessions)})) is None:
            return
        if created(self.send(client, "POST", f"{path}/activate", json={}), 200) is None:
            return
        if created(self.send(client, "POST", f"{path}/accept", json={}), 200) is not None:
            self.accepted_quotes[quote["id"]] = sessions

    def check(self, dbs: dict, api: httpx.Client) -> list[Checked]:
        won = {row["id"] for row in dbs["sales"].rows(
            "SELECT id::text FROM quotes WHERE account_id = :a AND status = 'won'", a=self.account_id)}
        assert set(self.accepted_quotes) <= won, set(self.accepted_quotes) - won
        orders = dbs["sales"].rows("SELECT id::text, quote_id::text, lines FROM orders WHERE account_id = :a",
                                   a=self.account_id)
        per_quote: dict[str, int] = {}
        for order in orders:
            per_quote[order["quote_id"]] = per_quote.get(order["quote_id"], 0) + 1
        sessions = {order["id"]: sum(math.ceil(Decimal(str(line["quantity"]))) for line in order["lines"])
                    for order in orders}
        for order in orders:  # what the accept sent is what the order holds
            if order["quote_id"] in self.accepted_quotes:
                assert sessions[order["id"]] == self.accepted_quotes[order["quote_id"]], order
        booked = {row["order_id"]: row["n"] for row in dbs["scheduler"].rows(
            "SELECT regarding_id::text AS order_id, count(*) AS n FROM bookings WHERE regarding_type = 'order' "
            "AND status = 'booked' AND account_id = :a GROUP BY regarding_id", a=self.account_id)}
        requested = {row["order_id"]: row["n"] for row in dbs["scheduler"].rows(
            "SELECT regarding_id::text AS order_id, count(*) AS n FROM scheduling_requests "
            "WHERE regarding_type = 'order' AND account_id = :a GROUP BY regarding_id", a=self.account_id)}
        unassigned = {row["id"]: row["reasons"] for row in dbs["scheduler"].rows(
            "SELECT id::text, reasons FROM scheduling_requests WHERE account_id = :a AND status = 'unassigned'",
            a=self.account_id)}
        return [
            Checked("flow 2 sessions left unassigned", {}, unassigned),
            Checked("flow 2 orders (one per won quote)", {quote_id: 1 for quote_id in won}, per_quote),
            Checked("flow 2 scheduling requests (one per session sold)", sessions, requested),
            Checked("flow 2 bookings (one per session sold)", sessions, booked),
        ]


class ServiceDeskFlow(Flow):
    name = "flow 3"
    rate_per_s = 1.0

    def __init__(self) -> None:
        super().__init__()
        self.account_id = ""
        self.contract_id = ""
        self.cases: dict[str, int] = {}  # case id -> billable minutes its resolve sends
        self.calls: dict[str, str] = {}  # call id -> case id
        self.accepted_minutes: dict[str, int] = {}  # case id -> minutes of completions answered 200
        self.accepted_resolutions: set[str] = set()

    def setup(self, client: httpx.Client) -> None:
        self.account_id = setup_call(client, "POST", f"{API}/accounts",
                                     json={"name": f"Fault Support {uuid.uuid4().hex[:8]}"})["id"]
        today = date.today()
        contract = setup_call(client, "POST", f"{API}/contracts", json={
            "name": "Fault traffic support", "customer_account_id": self.account_id, "start_date": str(today),
            "end_date": str(today + timedelta(days=365)), "allotment_type": "hours",
            "total_allotment": CONTRACT_MINUTES})
        self.contract_id = contract["id"]
        setup_call(client, "POST", f"{API}/contracts/{self.contract_id}/activate", status=200)

    def unit(self, client: httpx.Client, n: int) -> None:
        case = created(self.send(client, "POST", f"{API}/cases", json={
            "title": f"Fault traffic {n}", "customer_account_id": self.account_id, "contract_id": self.contract_id}))
        if case is None:
            return
        case_id = case["id"]
        self.cases[case_id] = billable = n % 4 * 5
        call = created(self.send(client, "POST", f"{API}/activities", json={
            "type": "phone_call", "subject": f"call {n}", "regarding": {"type": "case", "id": case_id}}))
        if call is None:
            return
        self.calls[call["id"]] = case_id
        minutes = 5 + n % 7
        if created(self.send(client, "POST", f"{API}/activities/{call['id']}/complete",
                             json={"actual_duration_minutes": minutes}), 200) is None:
            return
        self.accepted_minutes[case_id] = minutes
        # Resolved at once: the call's ActivityCompleted usually arrives after the resolution
        # and must be charged to the contract then (and only once).
        if created(self.send(client, "POST", f"{API}/cases/{case_id}/resolve",
                             json={"resolution": "Fixed", "billable_minutes": billable}), 200) is not None:
            self.accepted_resolutions.add(case_id)

    def check(self, dbs: dict, api: httpx.Client) -> list[Checked]:
        cases = {row["id"]: row for row in dbs["service_desk"].rows(
            "SELECT id::text, status, time_spent_minutes FROM cases WHERE contract_id = :c", c=self.contract_id)}
        minutes = {case_id: 0 for case_id in cases}  # a case whose creation timed out has no call
        for call in dbs["activities"].rows(
                "SELECT id::text, actual_duration_minutes AS m FROM activities WHERE id::text = ANY(:ids) "
                "AND status = 'completed'", ids=list(self.calls)):
            minutes[self.calls[call["id"]]] += call["m"]
        for case_id, accepted in self.accepted_minutes.items():
            assert minutes[case_id] >= accepted, (case_id, minutes[case_id], accepted)
        resolved = {case_id for case_id, row in cases.items() if row["status"] == "resolved"}
        assert self.accepted_resolutions <= resolved, self.accepted_resolutions - resolved
        spent = {case_id: minutes[case_id] + (self.cases.get(case_id, 0) if case_id in resolved else 0)
                 for case_id in cases}
        charged = {case_id: spent[case_id] for case_id in resolved}
        deducted = {row["case_id"]: row["deducted"] for row in dbs["service_desk"].rows(
            "SELECT case_id::text, deducted FROM contract_deductions WHERE contract_id = :c", c=self.contract_id)}
        contract = api.get(f"{API}/contracts/{self.contract_id}").json()
        return [
            Checked("flow 3 time spent per case", spent,
                    {case_id: row["time_spent_minutes"] for case_id, row in cases.items()}),
            Checked("flow 3 contract deductions (one per resolved case)", charged, deducted),
            Checked("flow 3 contract remaining", CONTRACT_MINUTES - sum(charged.values()),
                    contract.get("remaining_allotment")),
        ]


@dataclass
class Traffic:
    """The three flows at their rates, each in a thread, until stopped."""
    base_url: str
    headers: dict
    flows: list[Flow] = field(default_factory=lambda: [MarketingFlow(), SchedulerFlow(), ServiceDeskFlow()])
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=15)

    def _run(self, flow: Flow) -> None:
        with self._client() as client:
            for n in itertools.count():
                started = time.monotonic()
                flow.units += 1
                flow.unit(client, n)
                if self._stop.wait(max(0.0, 1 / flow.rate_per_s - (time.monotonic() - started))):
                    return

    def start(self) -> "Traffic":
        with self._client() as client:
            for flow in self.flows:
                flow.setup(client)
        for flow in self.flows:
            thread = threading.Thread(target=self._run, args=(flow,), daemon=True, name=f"traffic {flow.name}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def check(self, dbs: dict, api: httpx.Client) -> list[Checked]:
        return [checked for flow in self.flows for checked in flow.check(dbs, api)]
