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
