"""Faults injected while flow 3 traffic runs through the gateway at a steady rate; after each,
the invariants: every completed call counted on its case exactly once (expected = found), no
event stuck in an outbox, every ActivityCompleted handled exactly once, the suite ready again
without anyone touching it. A poison message must sit in the dead-letter queue while the rest
keeps flowing. Figures are printed (run with -s) and recorded in docs/RELIABILITY.md.

Run: cd tests && ../.venv/bin/python -m pytest -m fault -s fault/"""
from __future__ import annotations

import os
import signal
import time
import urllib.parse

import httpx
import pytest
from crmkit.testing.bus import publish_event
from crmkit.testing.infra import queue_depth
from crmkit.testing.waiting import wait_until

from traffic import Traffic

pytestmark = pytest.mark.fault

BEFORE_S, AFTER_S = 5, 10  # traffic before the fault, and after it is over
CONVERGE_S = 180  # generous: 2 shared cores, and services reconnecting with back-off


@pytest.fixture
def traffic(suite, api):
    running = Traffic(suite.url, {"Authorization": api.headers["Authorization"]}).start()
    yield running
    running.stop()


def vhost(suite) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(suite.env["CRM_AMQP_URI"]).path[1:])


def ready(suite) -> bool:
    try:
        return httpx.get(f"{suite.url}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def settle_and_check(name: str, suite, api, sql, traffic: Traffic, started: float) -> dict:
    """Stop the traffic, wait for the effects to converge, assert the invariants, report."""
    traffic.stop()
    duration = time.monotonic() - started
    wait_until(lambda: ready(suite), timeout=CONVERGE_S, interval=1, message="the suite ready again")
    desk, activities = sql(suite.database_url("service_desk")), sql(suite.database_url("activities"))

    def expected_and_found() -> tuple[dict, dict]:
        expected, found = {}, {}
        for unit in traffic.units:
            if unit.case_id is None:
                continue
            minutes = 0
            for call_id in unit.call_ids:
                call = api.get(f"/api/v1/activities/{call_id}").json()
                if call["status"] == "completed":
                    minutes += call["actual_duration_minutes"]
            # An accepted completion must have happened (a refused one may have, too: a
            # timeout can hide a success).
            assert minutes >= unit.accepted_minutes, (unit, minutes)
            expected[unit.case_id] = minutes
            found[unit.case_id] = api.get(f"/api/v1/cases/{unit.case_id}").json()["time_spent_minutes"]
        return expected, found

    wait_until(lambda: (lambda e, f: e == f)(*expected_and_found()), timeout=CONVERGE_S, interval=2,
               message=f"{name}: every completed call counted once on its case")
    expected, found = expected_and_found()
    assert expected == found
    for db, label in ((desk, "service_desk"), (activities, "activities")):
        wait_until(lambda: db.scalar("SELECT count(*) FROM outbox WHERE status <> 'published'") == 0,
                   timeout=CONVERGE_S, interval=1, message=f"{label}'s outbox drained")
    produced = activities.scalar("SELECT count(*) FROM outbox WHERE event_type = 'ActivityCompleted'")
    handled = desk.scalar("SELECT count(DISTINCT event_id) FROM inbox WHERE event_type = 'ActivityCompleted'")
    rows = desk.scalar("SELECT count(*) FROM inbox WHERE event_type = 'ActivityCompleted'")
    assert produced == handled == rows, (produced, handled, rows)
    record = {"fault": name, "seconds": round(duration, 1), "units": len(traffic.units),
              "requests": traffic.requests, "accepted": traffic.accepted, "refused": traffic.refused,
              "cases": len(expected), "minutes expected": sum(expected.values()),
              "minutes found": sum(found.values()), "events produced/handled": f"{produced}/{handled}"}
    print(f"\nFAULT {record}")
    return record


def test_rabbitmq_restart(suite, api, sql, traffic, private_servers):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    private_servers[1].restart(down_s=3)
    time.sleep(AFTER_S)
    settle_and_check("RabbitMQ restart", suite, api, sql, traffic, started)


def test_postgresql_restart(suite, api, sql, traffic, private_servers):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    private_servers[0].restart(down_s=3)
    time.sleep(AFTER_S)
    settle_and_check("PostgreSQL restart", suite, api, sql, traffic, started)


def test_sigkill_of_the_consumer_mid_handling(suite, api, sql, traffic):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    process = suite.processes.processes.pop("service_desk")
    os.killpg(process.pid, signal.SIGKILL)  # no goodbye: unacked deliveries go back to the queue
    process.wait()
    time.sleep(2)
    suite.processes.start("service_desk")  # what the supervisor (systemd, k8s) does
    time.sleep(AFTER_S)
    settle_and_check("SIGKILL service_desk", suite, api, sql, traffic, started)


def test_every_event_delivered_twice(suite, api, sql, traffic):
    started = time.monotonic()
    time.sleep(BEFORE_S)
    activities = sql(suite.database_url("activities"))
    envelopes = [row["envelope"] for row in
                 activities.rows("SELECT envelope FROM outbox WHERE event_type = 'ActivityCompleted'")]
    for envelope in envelopes:
        publish_event(suite.env["CRM_AMQP_URI"], envelope)
    time.sleep(AFTER_S)
    record = settle_and_check("duplicate deliveries", suite, api, sql, traffic, started)
    print(f"  re-published {len(envelopes)} ActivityCompleted envelopes; record {record['fault']}")
    assert envelopes


def test_poison_message_parked_and_the_rest_flows(suite, api, sql, traffic, crm_servers):
    dead_letters = "service_desk.dead-letters"
    before = queue_depth(crm_servers.management_url, vhost(suite), dead_letters) or 0
    started = time.monotonic()
    time.sleep(BEFORE_S)
    publish_event(suite.env["CRM_AMQP_URI"], {"not": "an envelope"}, producer="activities",
                  event_type="ActivityCompleted")
    time.sleep(AFTER_S)
    settle_and_check("poison message", suite, api, sql, traffic, started)
    wait_until(lambda: (queue_depth(crm_servers.management_url, vhost(suite), dead_letters) or 0) == before + 1,
               timeout=CONVERGE_S, interval=1, message="the poison message in service_desk's dead-letter queue")
