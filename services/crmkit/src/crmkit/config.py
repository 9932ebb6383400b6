"""Configuration from environment variables, with defaults that work on a development
machine where PostgreSQL and RabbitMQ listen on 127.0.0.1."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

SERVICES = ("sales", "marketing", "service_desk", "activities", "scheduler")

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL_TEMPLATE = "postgresql+psycopg://postgres@127.0.0.1:5432/crm_{service}"


def env(name: str, default: str) -> str:
    """The variable's value, or `default` when it is unset or empty."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def amqp_uri() -> str:
    return env("CRM_AMQP_URI", DEFAULT_AMQP_URI)


def database_url(service: str) -> str:
    """`CRM_<SERVICE>_DATABASE_URL` wins; otherwise the template with {service} filled in.

    One template is enough for one PostgreSQL server; separate servers are configured by
    setting the per-service variable."""
    specific = os.environ.get(f"CRM_{service.upper()}_DATABASE_URL")
    if specific:
        return with_psycopg(specific)
    return with_psycopg(env("CRM_DATABASE_URL_TEMPLATE", DEFAULT_DATABASE_URL_TEMPLATE).format(service=service))


def with_psycopg(url: str) -> str:
    """Plain `postgresql://` / `postgres://` URLs (what CloudNativePG and most tools hand out)
    mean psycopg 3 here, the one driver the images carry."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class ConsumerSettings:
    """How a failing event handler is retried before it is parked in the dead-letter queue."""

    # Delay before each retry, in milliseconds; attempt n waits retry_delays_ms[n-1]
    # (the last value repeats). One delay queue per distinct value.
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000, 120000)
    max_attempts: int = 5
    # "quorum": replicated Raft queues for a RabbitMQ cluster (a one-node quorum works too);
    # "classic" by default. A queue keeps the type it was declared with: switching an existing
    # deployment means draining and deleting its queues first.
    queue_type: str = "classic"

    @classmethod
    def from_env(cls) -> "ConsumerSettings":
        return cls(
            retry_delays_ms=_ints(env("CRM_RETRY_DELAYS_MS", "1000,5000,30000,120000")),
            max_attempts=int(env("CRM_MAX_ATTEMPTS", "5")),
            queue_type=_queue_type(env("CRM_QUEUE_TYPE", "classic")),
        )

    def queue_arguments(self) -> dict:
        return {"x-queue-type": "quorum"} if self.queue_type == "quorum" else {}

    def delay_for(self, attempt: int) -> int:
        """Delay before retry number `attempt` (1-based)."""
        index = min(attempt, len(self.retry_delays_ms)) - 1
        return self.retry_delays_ms[index]


@dataclass(frozen=True)
class ServiceConfig:
    """Everything one nameko service process needs, read once at start."""

    service: str
    amqp_uri: str
    database_url: str
    consumer: ConsumerSettings = field(default_factory=ConsumerSettings)
    max_workers: int = 10
    relay_poll_interval_s: float = 1.0
    event_prefetch: int = 100  # events waiting per consumer: the largest batch
    event_linger_ms: float = 20.0  # how long a batch waits for more events once one arrived
    outbox_retention_h: float = 72.0  # published events are deleted after this many hours
    metrics_port: int = 0  # serve Prometheus /metrics on this port; 0: off
    relay_min_pass_ms: float = 25.0  # relay passes at least this far apart, so busy times batch

    @classmethod
    def from_env(cls, service: str) -> "ServiceConfig":
        return cls(
            service=service,
            amqp_uri=amqp_uri(),
            database_url=database_url(service),
            consumer=ConsumerSettings.from_env(),
            max_workers=int(env("CRM_MAX_WORKERS", "10")),
            relay_poll_interval_s=float(env("CRM_RELAY_POLL_INTERVAL_S", "1.0")),
            event_prefetch=int(env("CRM_EVENT_PREFETCH", "100")),
            event_linger_ms=float(env("CRM_EVENT_LINGER_MS", "20")),
            outbox_retention_h=float(env("CRM_OUTBOX_RETENTION_H", "72")),
            metrics_port=int(env("CRM_METRICS_PORT", "0")),
            relay_min_pass_ms=float(env("CRM_RELAY_MIN_PASS_MS", "25")),
        )

    def nameko_config(self) -> dict:
        """The dict nameko containers receive; extensions read their settings from it."""
        return {
            "AMQP_URI": self.amqp_uri,
            "DATABASE_URL": self.database_url,
            "SERVICE_NAME": self.service,
            "max_workers": self.max_workers,
            "parent_calls_tracked": 10,
            "CRM_RETRY_DELAYS_MS": list(self.consumer.retry_delays_ms),
            "CRM_MAX_ATTEMPTS": self.consumer.max_attempts,
            "CRM_QUEUE_TYPE": self.consumer.queue_type,
            "CRM_RELAY_POLL_INTERVAL_S": self.relay_poll_interval_s,
            "CRM_EVENT_PREFETCH": self.event_prefetch,
            "CRM_EVENT_LINGER_MS": self.event_linger_ms,
            "CRM_OUTBOX_RETENTION_H": self.outbox_retention_h,
            "CRM_METRICS_PORT": self.metrics_port,
            "CRM_RELAY_MIN_PASS_MS": self.relay_min_pass_ms,
        }


def consumer_settings_from(nameko_config: dict) -> ConsumerSettings:
    defaults = ConsumerSettings()
    return ConsumerSettings(
        retry_delays_ms=tuple(nameko_config.get("CRM_RETRY_DELAYS_MS", defaults.retry_delays_ms)),
        max_attempts=int(nameko_config.get("CRM_MAX_ATTEMPTS", defaults.max_attempts)),
        queue_type=_queue_type(nameko_config.get("CRM_QUEUE_TYPE", defaults.queue_type)),
    )


def _queue_type(value: str) -> str:
    if value not in ("classic", "quorum"):
        raise ValueError(f"CRM_QUEUE_TYPE must be classic or quorum, not {value!r}")
    return value
