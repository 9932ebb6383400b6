"""Every service serves Prometheus metrics: RPC latency, events published and handled, the
outbox backlog and the dead-letter count, all labelled with the service."""
import uuid
from datetime import datetime, timezone

import httpx
from prometheus_client.parser import text_string_to_metric_families

from crmkit.testing.bus import publish_event
from crmkit.testing.infra import free_port
from crmkit.testing.waiting import wait_until
from probe_services import ProbeConsumer, ProbeService


def scrape(port: int) -> dict:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def grew(samples: dict, before: dict, name: str, **labels) -> float:
    """Counters are process-wide: other tests in this process may have counted already."""
    return (value(samples, name, **labels) or 0) - (value(before, name, **labels) or 0)


def test_services_expose_rpc_latency_events_backlog_and_dead_letters(
        container_factory, fresh_vhost, probe_db, consumer_db, service_config, sql):
    from nameko.standalone.rpc import ServiceRpcProxy

    producer_port, consumer_port = free_port(), free_port()
    container_factory(ProbeService, service_config(
        "probe", fresh_vhost, probe_db, CRM_METRICS_PORT=producer_port)).start()
    container_factory(ProbeConsumer, service_config(
        "probe_consumer", fresh_vhost, consumer_db, CRM_METRICS_PORT=consumer_port)).start()
    before = scrape(producer_port)

    with ServiceRpcProxy("probe", {"AMQP_URI": fresh_vhost}) as probe:
        for note in ("one", "two", "poison pill"):
            probe.record(note)
    wait_until(lambda: sql(consumer_db).scalar("SELECT count(*) FROM handled") == 2,
               message="two events handled")
    publish_event(fresh_vhost, {"event_id": str(uuid.uuid4()), "event_type": "NoteRecorded",
                                "version": 1, "occurred_at": datetime.now(timezone.utc).isoformat(),
                                "producer": "probe", "correlation_id": None,
                                "payload": {"note": "one more"}})

    def settled():
        samples = scrape(consumer_port)
        parked = value(samples, "crm_dead_letters", service="probe_consumer")
        handled = grew(samples, before, "crm_events_handled_total", service="probe_consumer",
                       handler="on_note_recorded", outcome="handled")
        return samples if parked == 1 and handled == 3 else None

    consumer_samples = wait_until(settled, message="the poison parked and three events handled")
    assert grew(consumer_samples, before, "crm_events_handled_total", service="probe_consumer",
                handler="on_note_recorded", outcome="failed") == 3  # CRM_MAX_ATTEMPTS attempts

    producer_samples = scrape(producer_port)
    assert grew(producer_samples, before, "crm_events_published_total", service="probe",
                event_type="NoteRecorded") == 3
    assert grew(producer_samples, before, "crm_rpc_duration_seconds_count", service="probe",
                method="record", outcome="ok") == 3
    assert value(producer_samples, "crm_outbox_backlog", service="probe") == 0
    sql(probe_db).execute("UPDATE outbox SET status = 'pending', next_attempt_at = now() + interval '1 day'")
    assert value(scrape(producer_port), "crm_outbox_backlog", service="probe") == 3
