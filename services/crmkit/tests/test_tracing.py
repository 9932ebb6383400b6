"""Traces continue across services: an RPC carries the caller's traceparent, the service's
span is its child, and the events the RPC writes carry it on to the handlers' spans."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from crmkit import tracing
from crmkit.testing.waiting import wait_until
from probe_services import ProbeConsumer, ProbeService


@pytest.fixture(scope="module")
def spans():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)  # once per process; other tests' spans go here too
    return exporter


def test_a_trace_runs_from_the_caller_through_the_rpc_to_the_event_handler(
        spans, container_factory, fresh_vhost, probe_db, consumer_db, service_config):
    container_factory(ProbeService, service_config("probe", fresh_vhost, probe_db)).start()
    container_factory(ProbeConsumer, service_config("probe_consumer", fresh_vhost, consumer_db)).start()

    with tracing.span("client request") as root:
        traceparent = tracing.current_traceparent()
        with ServiceRpcProxy("probe", {"AMQP_URI": fresh_vhost}, context_data={"traceparent": traceparent}) as probe:
            probe.record("traced note")
    trace_id = root.get_span_context().trace_id

    def in_trace():
        return {span.name: span for span in spans.get_finished_spans()
                if span.context.trace_id == trace_id}

    found = wait_until(lambda: (lambda s: s if "handle probe.NoteRecorded" in s else None)(in_trace()),
                       message="the handler's span in the caller's trace")
    rpc_span = found["rpc probe.record"]
    assert rpc_span.parent.span_id == root.get_span_context().span_id
    assert found["handle probe.NoteRecorded"].parent.span_id == rpc_span.context.span_id
    assert found["handle probe.NoteRecorded"].attributes["handler"] == "on_note_recorded"


def test_without_an_exporter_nothing_is_installed(monkeypatch):
    monkeypatch.delenv("CRM_OTEL_EXPORTER", raising=False)
    assert tracing.setup("probe") is False
    monkeypatch.setenv("CRM_OTEL_EXPORTER", "zipkin")
    with pytest.raises(ValueError, match="none, console or otlp"):
        tracing.setup("probe")
