"""Webhooks end to end: events published on the bus reach a receiver started by the test
as signed POSTs, failed deliveries are retried with back-off then parked, and re-sent.

The module runs its own gateway on its own vhost and database, with retry delays of a
fraction of a second, so no other test's gateway competes for its events."""
from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from crmkit.testing import infra
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until
from fastapi.testclient import TestClient
from kombu import Connection, Exchange

from gateway import webhooks
from gateway.app import create_app
from gateway.webhooks_consumer import QUEUE

SECRET = "receiver-secret-0123456789"
DELAYS = (0.2, 0.4)  # three attempts in all, then parked


class Receiver:
    """A small HTTP server answering each POST with the next scripted status (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def for_event(self, event_id: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if json.loads(r["body"])["event_id"] == event_id]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def vhost(crm_servers):
    name = infra.unique_name("crm-test-webhooks")
    infra.create_vhost(crm_servers.management_url, name)
    yield name, infra.amqp_uri_for_vhost(crm_servers.amqp_uri, name)
    infra.delete_vhost(crm_servers.management_url, name)


@pytest.fixture(scope="module")
def hooks(make_settings, make_database, vhost, crm_servers, admin):
    name, amqp_uri = vhost
    settings = make_settings(amqp_uri, database_url=make_database("gateway"),
                             webhook_retry_delays_s=DELAYS, webhook_poll_interval_s=0.1,
                             webhook_timeout_s=5.0)
    with TestClient(create_app(settings)) as client:
        # Consuming starts after every binding: from then on no event is missed.
        wait_until(lambda: (infra.queue_info(crm_servers.management_url, name, QUEUE) or {})
                   .get("consumers", 0) > 0, timeout=60, interval=0.5,
                   message="the webhook consumer to bind its queue")
        token = client.post("/api/v1/auth/token", json={"username": admin[0], "password": admin[1]})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


def publish(amqp_uri: str, producer: str, event_type: str) -> dict:
    """The producer's example event with a fresh id, published as nameko does."""
    event = {**example_event(producer, event_type), "event_id": str(uuid.uuid4())}
    exchange = Exchange(f"{producer}.events", type="topic", durable=True)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(json.dumps(event), exchange=exchange, routing_key=event_type,
                                content_type="application/json", declare=[exchange])
    return event


@pytest.fixture
def subscribe(hooks, receiver):
    """subscribe(*event_types) -> a webhook to the receiver; deleted after the test, so each
    test's receiver sees only its own subscriptions' deliveries."""
    created = []

    def make(*event_types: str) -> dict:
        response = hooks.post("/api/v1/webhooks", json={"url": receiver.url, "event_types": list(event_types),
                                                        "secret": SECRET})
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
        return response.json()

    yield make
    for webhook_id in created:
        hooks.delete(f"/api/v1/webhooks/{webhook_id}")


def deliveries(hooks, webhook_id: str) -> list[dict]:
    response = hooks.get(f"/api/v1/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_subscribed_events_arrive_signed_and_logged(hooks, receiver, vhost, subscribe):
    webhook = subscribe("AccountCreated")
    assert "secret" not in webhook and webhook["active"] is True
    other = publish(vhost[1], "sales", "ContactCreated")  # not subscribed
    event = publish(vhost[1], "sales", "AccountCreated")

    wait_until(lambda: receiver.for_event(event["event_id"]), timeout=30, message="the delivery")
    [request] = receiver.for_event(event["event_id"])
    assert json.loads(request["body"]) == event
    assert webhooks.verify(SECRET, request["body"], request["headers"][webhooks.SIGNATURE_HEADER])
    assert request["headers"]["X-CRM-Event-Id"] == event["event_id"]
    wait_until(lambda: [d["status"] for d in deliveries(hooks, webhook["id"])] == ["delivered"],
               timeout=30, message="the log to show the delivery")
    [logged] = deliveries(hooks, webhook["id"])
    assert logged["event_id"] == event["event_id"] and logged["attempts"] == 1
    assert logged["last_status_code"] == 200
    assert receiver.for_event(other["event_id"]) == []


def test_retried_after_two_500s_until_a_2xx(hooks, receiver, vhost, subscribe):
    webhook = subscribe("InvoicePaid")
    with receiver.lock:
        receiver.script[:] = [500, 500]
    event = publish(vhost[1], "sales", "InvoicePaid")

    wait_until(lambda: len(receiver.for_event(event["event_id"])) == 3, timeout=60,
               message="three attempts")
    attempts = receiver.for_event(event["event_id"])
    # The same signed envelope each time, so the receiver can dedupe on event_id.
    assert len({r["body"] for r in attempts}) == 1
    assert all(webhooks.verify(SECRET, r["body"], r["headers"][webhooks.SIGNATURE_HEADER]) for r in attempts)
    wait_until(lambda: deliveries(hooks, webhook["id"])[0]["status"] == "delivered", timeout=30,
               message="delivered in the log")
    [logged] = deliveries(hooks, webhook["id"])
    assert (logged["attempts"], logged["last_status_code"], logged["last_error"]) == (3, 200, None)


def test_parked_after_the_last_retry_and_resent(hooks, receiver, vhost, subscribe):
    webhook = subscribe("OrderFulfilled")
    with receiver.lock:
        receiver.script[:] = [503] * (len(DELAYS) + 1)
    event = publish(vhost[1], "sales", "OrderFulfilled")

    wait_until(lambda: deliveries(hooks, webhook["id"])[0]["status"] == "parked", timeout=60,
               message="the delivery to be parked")
    [parked] = deliveries(hooks, webhook["id"])
    assert parked["attempts"] == len(DELAYS) + 1 and parked["last_error"] == "HTTP 503"
    assert len(receiver.for_event(event["event_id"])) == len(DELAYS) + 1

    resent = hooks.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{parked['id']}/resend")
    assert resent.status_code == 200 and resent.json()["status"] == "pending"
    wait_until(lambda: deliveries(hooks, webhook["id"])[0]["status"] == "delivered", timeout=30,
               message="the re-sent delivery")
    assert len(receiver.for_event(event["event_id"])) == len(DELAYS) + 2


def test_a_redelivered_event_is_delivered_once(hooks, receiver, vhost, subscribe):
    webhook = subscribe("*")
    event = publish(vhost[1], "sales", "LeadCreated")
    exchange = Exchange("sales.events", type="topic", durable=True)
    with Connection(vhost[1]) as conn:  # the same envelope again, as the bus may redeliver it
        conn.Producer().publish(json.dumps(event), exchange=exchange, routing_key="LeadCreated")
    marker = publish(vhost[1], "sales", "LeadDeleted")
    # Events of one exchange reach the consumer in order: once the later one is delivered,
    # the duplicate has been handled.
    wait_until(lambda: receiver.for_event(marker["event_id"]), timeout=30, message="the marker")
    wait_until(lambda: len(deliveries(hooks, webhook["id"])) == 2, timeout=30, message="the log")
    assert len(receiver.for_event(event["event_id"])) == 1


def test_inactive_and_deleted_subscriptions_receive_nothing(hooks, receiver, vhost, subscribe):
    webhook = subscribe("AccountUpdated")
    updated = hooks.patch(f"/api/v1/webhooks/{webhook['id']}", json={"active": False},
                          headers={"If-Match": '"1"'})
    assert updated.status_code == 200 and updated.json()["active"] is False
    assert updated.json()["version"] == 2
    stale = hooks.patch(f"/api/v1/webhooks/{webhook['id']}", json={"active": True},
                        headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    live = subscribe("AccountUpdated")
    event = publish(vhost[1], "sales", "AccountUpdated")
    wait_until(lambda: receiver.for_event(event["event_id"]), timeout=30, message="the live one's delivery")
    # Both subscriptions were read in the one transaction that recorded the live one's row.
    assert [d["webhook_id"] for d in deliveries(hooks, live["id"])] == [live["id"]]
    assert deliveries(hooks, webhook["id"]) == []

    assert hooks.delete(f"/api/v1/webhooks/{webhook['id']}").status_code == 204
    assert hooks.get(f"/api/v1/webhooks/{webhook['id']}").status_code == 404
    assert hooks.get(f"/api/v1/webhooks/{webhook['id']}/deliveries").status_code == 404
    assert len(receiver.for_event(event["event_id"])) == 1


def test_bad_subscriptions_are_422_naming_every_field(hooks):
    before = hooks.get("/api/v1/webhooks", params={"limit": 500}).json()["items"]
    response = hooks.post("/api/v1/webhooks", json={"url": "not a url", "event_types": ["NoSuchEvent"],
                                                    "secret": "short"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"url", "event_types", "secret"}
    assert hooks.get("/api/v1/webhooks", params={"limit": 500}).json()["items"] == before
    assert hooks.get(f"/api/v1/webhooks/{uuid.uuid4()}").status_code == 404
    assert hooks.post(f"/api/v1/webhooks/{uuid.uuid4()}/deliveries/{uuid.uuid4()}/resend").status_code == 404


def test_signature_is_hmac_sha256_of_the_body():
    # Reference value computed independently: printf 'body' | openssl dgst -sha256 -hmac key
    assert webhooks.signature("key", b"body") == (
        "sha256=515aae133b435d4000956731f68ae5cf5eb85d4f0dc6a546d2bfcd3595ec1ae1")


def test_back_off_then_parked():
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert webhooks.after_failure(1, now, (10, 60)) == ("pending", now + timedelta(seconds=10))
    assert webhooks.after_failure(2, now, (10, 60)) == ("pending", now + timedelta(seconds=60))
    assert webhooks.after_failure(3, now, (10, 60)) == ("parked", None)


def test_events_nobody_subscribed_to_cost_no_database_round_trip_each():
    """Every event on the bus reaches the consumer; the subscriptions are read once per second
    at most, and a change made through this process is seen at once."""
    import asyncio

    from gateway.webhooks_consumer import Subscriptions

    class CountingEngine:
        reads = 0
        slow = False

        def connect(self):
            engine = self

            class Conn:
                async def __aenter__(self):
                    engine.reads += 1
                    return self

                async def __aexit__(self, *exc):
                    return False

                async def execute(self, query):
                    if engine.slow:
                        await asyncio.sleep(0.01)  # the other events arrive meanwhile

                    class Rows:
                        def all(self):
                            return []
                    return Rows()
            return Conn()

    async def scenario():
        engine, subscriptions = CountingEngine(), Subscriptions(ttl_s=60)
        for _ in range(1000):
            assert await subscriptions.targets(engine, "ContactCreated") == []
        assert engine.reads == 1
        subscriptions.forget()
        await subscriptions.targets(engine, "ContactCreated")
        assert engine.reads == 2
        # Many events at once when the rows have expired: one read, not one per event.
        engine.slow = True
        subscriptions.forget()
        answers = await asyncio.gather(*(subscriptions.targets(engine, "ContactCreated") for _ in range(50)))
        assert answers == [[]] * 50 and engine.reads == 3

    asyncio.run(scenario())
