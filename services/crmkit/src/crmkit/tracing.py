"""OpenTelemetry traces across the gateway, the services and their events; off by default.

`CRM_OTEL_EXPORTER=otlp` exports spans over OTLP/HTTP (the standard OTEL_EXPORTER_OTLP_*
variables say where), `console` prints them; unset or `none` installs nothing, and the
OpenTelemetry API then costs next to nothing.

The W3C `traceparent` travels in the RPC context data (nameko headers) and in the event
envelope (an optional field), so a request's trace continues through every RPC it makes and
every event handler its events reach.
"""
from __future__ import annotations

import contextlib
import logging

from opentelemetry import context, propagate, trace

from crmkit.config import env

log = logging.getLogger(__name__)
TRACEPARENT = "traceparent"
tracer = trace.get_tracer("crm")


def setup(service: str) -> bool:
    """Install a tracer provider for this process if an exporter is configured."""
    exporter_name = env("CRM_OTEL_EXPORTER", "none")
    if exporter_name in ("", "none"):
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    if exporter_name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        exporter = OTLPSpanExporter()
    elif exporter_name == "console":
        exporter = ConsoleSpanExporter()
    else:
        raise ValueError(f"CRM_OTEL_EXPORTER must be none, console or otlp, not {exporter_name!r}")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    log.info("tracing: exporting spans with %s", exporter_name)
    return True


def current_traceparent() -> str | None:
    """The current span's W3C traceparent, to send along (None outside a sampled span)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT)


@contextlib.contextmanager
def span(name: str, traceparent: str | None = None, kind=trace.SpanKind.INTERNAL, **attributes):
    """A span, child of the given remote traceparent (or of the current span)."""
    parent = propagate.extract({TRACEPARENT: traceparent}) if traceparent else None
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes) as current:
        yield current


def start(name: str, traceparent: str | None, kind=trace.SpanKind.SERVER, **attributes):
    """Start a span and make it current until `finish(token)`; for hooks split in two calls
    (nameko's worker_setup / worker_result)."""
    parent = propagate.extract({TRACEPARENT: traceparent}) if traceparent else None
    current = tracer.start_span(name, context=parent, kind=kind, attributes=attributes)
    token = context.attach(trace.set_span_in_context(current))
    return current, token


def finish(current, token, error: BaseException | None = None) -> None:
    if error is not None:
        current.record_exception(error)
        current.set_status(trace.Status(trace.StatusCode.ERROR, str(error)))
    current.end()
    context.detach(token)
