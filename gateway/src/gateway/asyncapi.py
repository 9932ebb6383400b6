"""The catalog of every event on the bus, and its AsyncAPI 2.6 document.

Generated, never written by hand: event types and payload schemas come from each producer's
`<producer>.schemas.EVENT_PAYLOADS` (marshmallow), examples from the producer's contract
fixtures (`<producer>/contracts/events/*.json`), so the document cannot drift from what the
services validate and publish. Pure: no I/O beyond reading those packages.
"""
from __future__ import annotations

import functools
import importlib
import logging

from crmkit.testing.contracts import example_event, example_event_types
from marshmallow import Schema, fields

log = logging.getLogger(__name__)

# Every service that publishes events, in the order the document lists them.
PRODUCERS = ("sales", "marketing", "service_desk", "activities", "scheduler")
ALL_EVENTS = "*"


def exchange_name(producer: str) -> str:
    """nameko's event exchange of a service (topic; the event type is the routing key)."""
    return f"{producer}.events"


@functools.cache
def payload_schemas() -> dict[str, dict[str, type[Schema]]]:
    """{producer: {event_type: payload Schema class}} for every producer installed here."""
    found: dict[str, dict[str, type[Schema]]] = {}
    for producer in PRODUCERS:
        try:
            module = importlib.import_module(f"{producer}.schemas")
        except ImportError:  # a deployment without that service's package
            log.warning("no %s.schemas: its events are not in the catalog", producer)
            continue
        found[producer] = dict(getattr(module, "EVENT_PAYLOADS", {}))
    return found


def event_types() -> set[str]:
    return {event for events in payload_schemas().values() for event in events}


# --- marshmallow -> JSON Schema ---------------------------------------------------------------

# Most specific first: Email and Url are Strings, AwareDateTime is a DateTime.
_FORMATS: tuple[tuple[type, dict], ...] = (
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.Url, {"type": "string", "format": "uri"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Time, {"type": "string", "format": "time"}),
    # Money travels as a string (never a float), so its schema says so.
    (fields.Decimal, {"type": "string", "format": "decimal"}),
    (fields.String, {"type": "string"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Dict, {"type": "object"}),
)


def field_schema(field: fields.Field) -> dict:
    if isinstance(field, fields.Nested):
        nested = field.schema
        schema = schema_of(nested)
        if getattr(field, "many", False):
            schema = {"type": "array", "items": schema}
    elif isinstance(field, fields.List):
        schema = {"type": "array", "items": field_schema(field.inner)}
    else:
        schema = next((dict(s) for kind, s in _FORMATS if isinstance(field, kind)), {})
    if field.allow_none and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def schema_of(schema: Schema | type[Schema]) -> dict:
    instance = schema() if isinstance(schema, type) else schema
    properties = {(f.data_key or name): field_schema(f) for name, f in instance.fields.items()}
    required = sorted((f.data_key or name) for name, f in instance.fields.items() if f.required)
    result: dict = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    return result


def _envelope(payload: dict) -> dict:
    return {
        "type": "object",
        "required": ["event_id", "event_type", "version", "occurred_at", "producer",
                     "correlation_id", "payload"],
        "properties": {
            "event_id": {"type": "string", "format": "uuid",
                         "description": "Unique per event; consumers dedupe on it"},
            "event_type": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "occurred_at": {"type": "string", "format": "date-time"},
            "producer": {"type": "string"},
            "correlation_id": {"type": ["string", "null"], "format": "uuid"},
            "payload": payload,
        },
    }


def _example(producer: str, event_type: str) -> dict | None:
    try:
        if event_type in example_event_types(producer):
            return example_event(producer, event_type)
    except (FileNotFoundError, ModuleNotFoundError):
        pass
    return None


@functools.cache
def document() -> dict:
    """The AsyncAPI 2.6 document: one channel per exchange and event type, subscribe side
    (what a downstream system receives)."""
    channels, messages = {}, {}
    for producer, events in payload_schemas().items():
        for event_type, schema in sorted(events.items()):
            message: dict = {
                "name": event_type,
                "title": f"{event_type} (from {producer})",
                "contentType": "application/json",
                "payload": _envelope(schema_of(schema)),
                "bindings": {"amqp": {"messageType": event_type, "bindingVersion": "0.2.0"}},
            }
            example = _example(producer, event_type)
            if example is not None:
                message["examples"] = [{"name": f"{event_type}.v{example.get('version', 1)}",
                                        "payload": example}]
            # Keyed by producer too: two services may one day name an event alike.
            key = f"{producer}.{event_type}"
            messages[key] = message
            channels[f"{exchange_name(producer)}/{event_type}"] = {
                "description": f"{event_type} events published by {producer} to the topic "
                               f"exchange {exchange_name(producer)} with routing key {event_type}.",
                "bindings": {"amqp": {
                    "is": "routingKey",
                    "exchange": {"name": exchange_name(producer), "type": "topic",
                                 "durable": True, "autoDelete": False, "vhost": "/"},
                    "bindingVersion": "0.2.0",
                }},
                "subscribe": {"operationId": f"receive{event_type}",
                              "message": {"$ref": f"#/components/messages/{key}"}},
            }
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "CRM suite events", "version": "1.0.0",
                 "description": "Every event the CRM services publish. Bind your own durable "
                                "queue to <producer>.events with the event type as routing key; "
                                "see docs/EVENTS_FOR_DOWNSTREAM.md."},
        "servers": {"rabbitmq": {"url": "amqp://{host}:5672/", "protocol": "amqp",
                                 "protocolVersion": "0.9.1",
                                 "variables": {"host": {"default": "localhost"}}}},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages},
    }
