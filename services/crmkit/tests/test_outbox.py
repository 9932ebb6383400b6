"""The outbox: events commit with the change or not at all, and reach the broker even when
it was down at commit time."""
import urllib.parse

import eventlet
import pytest

from crmkit.database import DatabaseAccess, make_engine
from crmkit.relay import OutboxRelayLoop
from crmkit.testing.bus import Subscriber
from crmkit.testing.proxy import TcpProxy
from crmkit.testing.waiting import wait_until


@pytest.fixture
def probe_db_access(probe_db):
    engine = make_engine(probe_db)
    yield DatabaseAccess(engine, "probe", correlation_id=None)
    engine.dispose()


@pytest.fixture
def start_relay():
    loops = []

    def start(database_url: str, amqp_uri: str) -> OutboxRelayLoop:
        loop = OutboxRelayLoop(database_url, amqp_uri, poll_interval_s=0.2)
        loops.append((loop, eventlet.spawn(loop.run)))
        return loop

    yield start
    for loop, thread in loops:
        loop.stopping.set()
        thread.wait()
        loop.close()


def record(db: DatabaseAccess, note: str, fail: bool = False) -> None:
    with db.unit_of_work() as uow:
        uow.add_event("NoteRecorded", {"note": note})
        if fail:
            raise RuntimeError("the change failed after the event was recorded")


def test_a_rolled_back_transaction_publishes_nothing(probe_db, probe_db_access, fresh_vhost, sql, start_relay):
    subscriber = Subscriber(fresh_vhost, "probe")
    start_relay(probe_db, fresh_vhost)
    with pytest.raises(RuntimeError):
        record(probe_db_access, "rolled back", fail=True)
    record(probe_db_access, "committed")  # a marker: once it has arrived, the relay has passed

    received = wait_until(lambda: subscriber.drain(), message="the committed event")
    subscriber.drain()
    assert [event["payload"]["note"] for event in received] == ["committed"]
    assert sql(probe_db).scalar("SELECT count(*) FROM outbox") == 1
    subscriber.close()


def test_an_event_committed_while_the_broker_is_down_is_published_once_it_is_back(
        probe_db, probe_db_access, fresh_vhost, sql, start_relay):
    subscriber = Subscriber(fresh_vhost, "probe")
    parts = urllib.parse.urlsplit(fresh_vhost)
    proxy = TcpProxy(parts.hostname, parts.port or 5672)
    proxy.open()
    via_proxy = urllib.parse.urlunsplit((parts.scheme, f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}",
                                         parts.path, "", ""))
    start_relay(probe_db, via_proxy)
    db = sql(probe_db)

    record(probe_db_access, "before the outage")
    wait_until(lambda: subscriber.drain(), message="the first event")

    proxy.cut()
    record(probe_db_access, "during the outage")
    wait_until(lambda: db.scalar("SELECT attempts FROM outbox WHERE envelope->'payload'->>'note' = 'during the outage'"),
               message="a failed publish attempt")
    assert db.scalar("SELECT status FROM outbox WHERE envelope->'payload'->>'note' = 'during the outage'") == "pending"
    assert len(subscriber.drain()) == 1

    proxy.open()
    wait_until(lambda: len(subscriber.drain()) == 2, timeout=15, message="the event after the outage")
    assert [e["payload"]["note"] for e in subscriber.received] == ["before the outage", "during the outage"]
    assert db.scalar("SELECT count(*) FROM outbox WHERE status = 'published'") == 2
    proxy.cut()
    subscriber.close()


def test_the_relay_publishes_a_large_backlog_in_confirmed_batches_exactly_once(
        probe_db, probe_db_access, fresh_vhost, sql, start_relay):
    subscriber = Subscriber(fresh_vhost, "probe")
    with probe_db_access.unit_of_work() as uow:
        for n in range(1200):
            uow.add_event("NoteRecorded", {"note": f"n{n}"})
    start_relay(probe_db, fresh_vhost)
    wait_until(lambda: len(subscriber.drain()) >= 1200, timeout=20, message="1200 events")
    notes = [event["payload"]["note"] for event in subscriber.drain()]
    assert sorted(notes) == sorted(f"n{n}" for n in range(1200))
    assert sql(probe_db).scalar("SELECT count(*) FROM outbox WHERE status = 'published'") == 1200
    subscriber.close()


def test_the_envelope_carries_the_contract_fields_and_the_correlation_id(
        probe_db, fresh_vhost, start_relay):
    engine = make_engine(probe_db)
    db = DatabaseAccess(engine, "probe", correlation_id="5d9b3a7e-4c1f-4f0e-8a2b-1c3d5e7f9a01")
    subscriber = Subscriber(fresh_vhost, "probe")
    start_relay(probe_db, fresh_vhost)
    record(db, "traced")
    [event] = wait_until(lambda: subscriber.drain(), message="the event")
    assert set(event) == {"event_id", "event_type", "version", "occurred_at", "producer",
                          "correlation_id", "payload"}
    assert (event["event_type"], event["producer"], event["version"]) == ("NoteRecorded", "probe", 1)
    assert event["correlation_id"] == "5d9b3a7e-4c1f-4f0e-8a2b-1c3d5e7f9a01"
    assert event["occurred_at"].endswith("Z")
    subscriber.close()
    engine.dispose()


def test_a_commit_with_events_notifies_the_relay_once_and_a_rollback_not_at_all(probe_db, probe_db_access):
    import psycopg
    from sqlalchemy.engine import make_url

    from crmkit.database import OUTBOX_CHANNEL

    url = make_url(probe_db).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {OUTBOX_CHANNEL}")
        with pytest.raises(RuntimeError):
            record(probe_db_access, "rolled back", fail=True)
        with probe_db_access.unit_of_work() as uow:  # two events, one wake-up
            uow.add_event("NoteRecorded", {"note": "first"})
            uow.add_event("NoteRecorded", {"note": "second"})
        with probe_db_access.unit_of_work():
            pass  # no events: no wake-up
        notices = list(listener.notifies(timeout=1.0))
    assert [notice.channel for notice in notices] == [OUTBOX_CHANNEL]


def test_the_relay_deletes_only_events_published_longer_ago_than_the_retention(probe_db, probe_db_access, sql):
    from datetime import timedelta

    for note in ("old", "recent", "unpublished"):
        record(probe_db_access, note)
    db = sql(probe_db)
    db.execute("UPDATE outbox SET status = 'published', published_at = now() - interval '4 days' "
               "WHERE envelope->'payload'->>'note' = 'old'")
    db.execute("UPDATE outbox SET status = 'published', published_at = now() - interval '1 hour' "
               "WHERE envelope->'payload'->>'note' = 'recent'")
    loop = OutboxRelayLoop(probe_db, "amqp://unused", retention=timedelta(hours=72))
    try:
        assert loop.purge_published() == 1
    finally:
        loop.close()
    left = db.rows("SELECT envelope->'payload'->>'note' AS note FROM outbox ORDER BY id")
    assert [row["note"] for row in left] == ["recent", "unpublished"]
