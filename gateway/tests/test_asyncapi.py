"""/asyncapi.json lists every event every producer publishes, with its payload schema."""
from __future__ import annotations

from crmkit.testing.contracts import example_event_types

from gateway import asyncapi


def test_every_published_event_type_is_documented(client):
    response = client.get("/asyncapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"].startswith("2.")
    for producer in asyncapi.PRODUCERS:
        module = __import__(f"{producer}.schemas", fromlist=["EVENT_PAYLOADS"])
        # Every type the producer validates, and every one it keeps a fixture of.
        published = set(module.EVENT_PAYLOADS) | set(example_event_types(producer))
        assert published, producer
        for event_type in published:
            channel = document["channels"].get(f"{producer}.events/{event_type}")
            assert channel is not None, (producer, event_type)
            binding = channel["bindings"]["amqp"]
            assert binding["exchange"]["name"] == f"{producer}.events"
            assert binding["exchange"]["type"] == "topic"


def test_messages_carry_the_envelope_the_payload_schema_and_the_fixture(client):
    document = client.get("/asyncapi.json").json()
    message = document["components"]["messages"]["sales.QuoteAccepted"]
    envelope = message["payload"]
    assert {"event_id", "event_type", "version", "occurred_at", "producer", "payload"} <= set(envelope["required"])
    payload = envelope["properties"]["payload"]["properties"]
    assert payload["quote_id"]["format"] == "uuid"
    # Money is a string on the wire, never a float.
    assert payload["total"]["type"] in ("string", ["string", "null"])
    assert payload["lines"]["type"] == "array"
    assert message["examples"][0]["payload"]["event_type"] == "QuoteAccepted"
