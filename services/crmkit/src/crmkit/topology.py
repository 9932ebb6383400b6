"""Queues and exchanges on the bus, declared by each service at deploy time and at start.

Consumer queues must exist before any producer publishes, or RabbitMQ drops the events
(unrouted messages vanish). `crm-<service> migrate` declares them, so the deploy order
"migrate everything, then start" loses nothing even when a consumer starts last.
"""
from __future__ import annotations

from dataclasses import dataclass

from kombu import Connection, Exchange, Queue
from nameko.standalone.events import get_event_exchange

from crmkit.config import ConsumerSettings


def consumer_queue_name(source_service: str, event_type: str, service: str, method: str) -> str:
    # nameko's own naming for SERVICE_POOL handlers, so nameko finds the queue we declared.
    return f"evt-{source_service}-{event_type}--{service}.{method}"


def retry_exchange_name(service: str, delay_ms: int) -> str:
    return f"{service}.retry.{delay_ms}ms"


def dead_letter_queue_name(service: str) -> str:
    return f"{service}.dead-letters"


@dataclass(frozen=True)
class Subscription:
    source_service: str
    event_type: str
    method: str


def subscriptions_of(service_cls) -> list[Subscription]:
    from crmkit.consumer import ReliableEventHandler

    found = []
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                found.append(Subscription(entrypoint.source_service, entrypoint.event_type, name))
    return found


def consumer_queue(service: str, subscription: Subscription, settings: ConsumerSettings) -> Queue:
    return Queue(
        consumer_queue_name(subscription.source_service, subscription.event_type, service,
                            subscription.method),
        exchange=get_event_exchange(subscription.source_service, {}),
        routing_key=subscription.event_type,
        durable=True, auto_delete=False, exclusive=False,
        queue_arguments=settings.queue_arguments(),
    )


def declare_failure_handling(channel, service: str, settings: ConsumerSettings) -> None:
    """Delay queues for retries (their TTL dead-letters a message back, through the default
    exchange, to the consumer queue named by its routing key) and the service's DLQ."""
    for delay_ms in sorted(set(settings.retry_delays_ms)):
        name = retry_exchange_name(service, delay_ms)
        exchange = Exchange(name, type="fanout", durable=True)
        Queue(name, exchange=exchange, durable=True,
              queue_arguments={"x-message-ttl": delay_ms, "x-dead-letter-exchange": "",
                               **settings.queue_arguments()})(channel).declare()
    Queue(dead_letter_queue_name(service), durable=True,
          queue_arguments=settings.queue_arguments())(channel).declare()


def declare_service_topology(amqp_uri: str, service: str, service_cls,
                             settings: ConsumerSettings) -> list[str]:
    """Declare the service's event exchange, its consumer queues with their bindings, its
    retry queues and its dead-letter queue. Idempotent. Returns the consumer queue names."""
    with Connection(amqp_uri, connect_timeout=10) as conn:
        channel = conn.channel()
        get_event_exchange(service, {})(channel).declare()
        names = []
        for subscription in subscriptions_of(service_cls):
            get_event_exchange(subscription.source_service, {})(channel).declare()
            queue = consumer_queue(service, subscription, settings)
            queue(channel).declare()
            names.append(queue.name)
        declare_failure_handling(channel, service, settings)
        return names
