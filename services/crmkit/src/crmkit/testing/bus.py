"""A test's own subscription to an exchange, as a downstream system would bind one."""
from __future__ import annotations

import json
import socket

from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange


class Subscriber:
    def __init__(self, amqp_uri: str, producer: str, routing_key: str = "#"):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"test-subscriber-{id(self)}", exchange=get_event_exchange(producer, {}),
                           routing_key=routing_key, durable=False, auto_delete=False)
        self.queue(self.connection.channel()).declare()
        self.received: list[dict] = []

    def drain(self, timeout: float = 0.2) -> list[dict]:
        """Collect what has arrived (waiting at most `timeout` for more)."""
        with self.connection.Consumer(self.queue, callbacks=[self._on_message], accept=["json"]):
            try:
                while True:
                    self.connection.drain_events(timeout=timeout)
            except socket.timeout:
                pass
        return self.received

    def _on_message(self, body, message) -> None:
        self.received.append(body if isinstance(body, dict) else json.loads(body))
        message.ack()

    def close(self) -> None:
        self.connection.release()


def publish_event(amqp_uri: str, body, producer: str | None = None, event_type: str | None = None) -> None:
    """Publish an envelope as its producer would; producer/event_type override the routing,
    to send a malformed message where a consumer listens."""
    exchange = get_event_exchange(producer or body["producer"], {})
    routing_key = event_type or body["event_type"]
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(json.dumps(body), exchange=exchange, routing_key=routing_key,
                                content_type="application/json", content_encoding="utf-8",
                                declare=[exchange])
