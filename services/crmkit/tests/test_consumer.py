"""Consumers: idempotent through the inbox, retried with back-off, parked after N attempts,
replayable by an operator, and never missing an event published while they were down."""
import uuid
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from crmkit.cli import dead_letters
from crmkit.config import ConsumerSettings
from crmkit.deadletter import list_parked
from crmkit.testing.bus import publish_event
from crmkit.testing.waiting import wait_until
from crmkit.topology import declare_service_topology
from probe_services import ProbeConsumer, ProbeService


def envelope(note: str, event_id: str | None = None) -> dict:
    return {"event_id": event_id or str(uuid.uuid4()), "event_type": "NoteRecorded", "version": 1,
            "occurred_at": datetime.now(timezone.utc).isoformat(), "producer": "probe",
            "correlation_id": None, "payload": {"note": note}}


def publish(amqp_uri: str, body) -> None:
    publish_event(amqp_uri, body)


@pytest.fixture
def consumer(container_factory, fresh_vhost, consumer_db, service_config):
    def start(**extra):
        config = service_config("probe_consumer", fresh_vhost, consumer_db, **extra)
        container = container_factory(ProbeConsumer, config)
        container.start()
        return container
    return start


def times_handled(db, note):
    return db.scalar("SELECT times FROM handled WHERE note = :n", n=note)


def test_a_duplicated_delivery_changes_nothing(consumer, fresh_vhost, consumer_db, sql):
    db = sql(consumer_db)
    consumer(max_workers=1)  # one at a time: the marker is handled after both copies
    duplicated = envelope("once")
    publish(fresh_vhost, duplicated)
    publish(fresh_vhost, duplicated)
    publish(fresh_vhost, envelope("marker"))
    wait_until(lambda: times_handled(db, "marker"), message="the marker")
    assert times_handled(db, "once") == 1
    # The inbox turned the second copy away before the handler body ran.
    assert db.scalar("SELECT count(*) FROM attempts WHERE note = 'once'") == 1
    assert db.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=duplicated["event_id"]) == 1


def test_a_failing_handler_is_retried_then_parked_and_the_cli_replays_it_to_success(
        consumer, fresh_vhost, consumer_db, sql, monkeypatch):
    db = sql(consumer_db)
    db.execute("UPDATE switches SET is_on = true WHERE name = 'fail'")
    consumer()
    event = envelope("stubborn")
    publish(fresh_vhost, event)

    [parked] = wait_until(lambda: list_parked(fresh_vhost, "probe_consumer"), message="a parked event")
    assert parked.event_id == event["event_id"]
    assert parked.attempts == 3  # CRM_MAX_ATTEMPTS in the test config
    assert parked.handler == "on_note_recorded"
    assert "handler switched to fail for stubborn" in parked.error
    assert parked.queue == "evt-probe-NoteRecorded--probe_consumer.on_note_recorded"
    assert db.scalar("SELECT count(*) FROM attempts WHERE note = 'stubborn'") == 3
    assert times_handled(db, "stubborn") is None
    assert db.scalar("SELECT count(*) FROM inbox") == 0  # failed attempts rolled back their inbox row

    listed = CliRunner().invoke(dead_letters, ["list", "--service", "probe_consumer"],
                                env={"CRM_AMQP_URI": fresh_vhost})
    assert listed.exit_code == 0, listed.output
    assert event["event_id"] in listed.output and "1 parked event(s)" in listed.output

    db.execute("UPDATE switches SET is_on = false WHERE name = 'fail'")  # the fix is deployed
    replayed = CliRunner().invoke(dead_letters, ["replay", "--service", "probe_consumer"],
                                  env={"CRM_AMQP_URI": fresh_vhost})
    assert replayed.exit_code == 0, replayed.output
    assert "1 event(s) replayed" in replayed.output
    wait_until(lambda: times_handled(db, "stubborn") == 1, message="the replayed event handled")
    assert list_parked(fresh_vhost, "probe_consumer") == []


def test_an_event_waits_out_a_database_outage_without_being_parked(consumer, fresh_vhost, consumer_db, sql):
    """Six failures in a row would park an event (CRM_MAX_ATTEMPTS is 3 here), unless they are
    the database being unreachable: then the event keeps waiting and is handled once it answers."""
    db = sql(consumer_db)
    consumer()
    publish(fresh_vhost, envelope("outage-6"))
    wait_until(lambda: times_handled(db, "outage-6") == 1, timeout=30, message="the event handled after the outage")
    assert db.scalar("SELECT count(*) FROM attempts WHERE note = 'outage-6'") == 7
    assert list_parked(fresh_vhost, "probe_consumer") == []


def test_replay_can_pick_single_events_and_leaves_the_others_parked(consumer, fresh_vhost, consumer_db, sql):
    db = sql(consumer_db)
    db.execute("UPDATE switches SET is_on = true WHERE name = 'fail'")
    consumer()
    first, second = envelope("first"), envelope("second")
    publish(fresh_vhost, first)
    publish(fresh_vhost, second)
    wait_until(lambda: len(list_parked(fresh_vhost, "probe_consumer")) == 2, message="two parked events")
    db.execute("UPDATE switches SET is_on = false WHERE name = 'fail'")
    result = CliRunner().invoke(dead_letters, ["replay", "-s", "probe_consumer", "-e", second["event_id"]],
                                env={"CRM_AMQP_URI": fresh_vhost})
    assert "1 event(s) replayed" in result.output
    wait_until(lambda: times_handled(db, "second") == 1, message="the chosen event handled")
    assert [p.event_id for p in list_parked(fresh_vhost, "probe_consumer")] == [first["event_id"]]
    assert times_handled(db, "first") is None


def test_a_backlog_is_handled_in_batches_and_one_poison_event_fails_alone(
        consumer, fresh_vhost, consumer_db, sql):
    # Queue a backlog before the consumer runs, as after a deploy or a burst.
    declare_service_topology(fresh_vhost, "probe_consumer", ProbeConsumer, ConsumerSettings())
    notes = [f"backlog {n}" for n in range(60)]
    notes.insert(30, "poison pill")
    for note in notes:
        publish(fresh_vhost, envelope(note))
    consumer()
    db = sql(consumer_db)

    [parked] = wait_until(lambda: list_parked(fresh_vhost, "probe_consumer"), message="the poison parked")
    assert "poison pill always fails" in parked.error and parked.attempts == 3
    wait_until(lambda: db.scalar("SELECT count(*) FROM handled") == 60, message="the rest handled")
    assert db.scalar("SELECT max(times) FROM handled") == 1
    # Rows written by one transaction share its xmin: fewer transactions than events.
    transactions = db.scalar("SELECT count(DISTINCT xmin::text) FROM inbox")
    assert db.scalar("SELECT count(*) FROM inbox") == 60
    assert transactions < 30, f"{transactions} transactions for 60 events: not batched"


def test_with_quorum_queues_events_are_handled_retried_and_parked_alike(
        consumer, fresh_vhost, consumer_db, sql, crm_servers):
    from urllib.parse import unquote, urlsplit

    from crmkit.testing.infra import queue_info

    quorum = ConsumerSettings(retry_delays_ms=(50, 100), max_attempts=3, queue_type="quorum")
    [queue] = declare_service_topology(fresh_vhost, "probe_consumer", ProbeConsumer, quorum)
    consumer(CRM_QUEUE_TYPE="quorum")  # nameko redeclares the queue: same arguments, no clash
    publish(fresh_vhost, envelope("poison in a quorum queue"))
    publish(fresh_vhost, envelope("fine"))
    db = sql(consumer_db)
    wait_until(lambda: times_handled(db, "fine") == 1, message="the good event handled")
    [parked] = wait_until(lambda: list_parked(fresh_vhost, "probe_consumer"), message="the poison parked")
    assert parked.attempts == 3

    vhost = unquote(urlsplit(fresh_vhost).path[1:])
    for name in (queue, "probe_consumer.dead-letters", "probe_consumer.retry.50ms"):
        assert queue_info(crm_servers.management_url, vhost, name)["type"] == "quorum", name


def test_a_malformed_message_is_parked_not_dropped(consumer, fresh_vhost):
    consumer()
    publish_event(fresh_vhost, {"not": "an envelope"}, producer="probe", event_type="NoteRecorded")
    [parked] = wait_until(lambda: list_parked(fresh_vhost, "probe_consumer"), message="the poison message")
    assert "ValidationError" in parked.error


def test_an_event_published_while_its_consumer_is_stopped_is_handled_when_it_starts(
        container_factory, consumer, fresh_vhost, probe_db, consumer_db, sql, service_config):
    # What `python -m <service> migrate` does at deploy time, before anything runs.
    declare_service_topology(fresh_vhost, "probe_consumer", ProbeConsumer, ConsumerSettings())
    producer = container_factory(ProbeService, service_config("probe", fresh_vhost, probe_db))
    producer.start()
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy("probe", {"AMQP_URI": fresh_vhost}) as probe:
        probe.record("while you were away")
    wait_until(lambda: sql(probe_db).scalar("SELECT count(*) FROM outbox WHERE status = 'published'"),
               message="the event published")

    consumer()
    db = sql(consumer_db)
    wait_until(lambda: times_handled(db, "while you were away") == 1, message="the late consumer to handle it")


def test_an_rpc_that_fails_after_writing_leaves_neither_the_change_nor_its_event(
        container_factory, fresh_vhost, probe_db, sql, service_config):
    producer = container_factory(ProbeService, service_config("probe", fresh_vhost, probe_db))
    producer.start()
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy("probe", {"AMQP_URI": fresh_vhost}) as probe:
        with pytest.raises(Exception, match="refused after writing"):
            probe.record("doomed", fail_after_writing=True)
    db = sql(probe_db)
    assert db.scalar("SELECT count(*) FROM notes") == 0
    assert db.scalar("SELECT count(*) FROM outbox") == 0
