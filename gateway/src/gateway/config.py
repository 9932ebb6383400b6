"""Gateway settings, read once from environment variables.

Bus and database locations come from crmkit.config so every process in the suite reads
them the same way:
  CRM_AMQP_URI                 RabbitMQ (default amqp://guest:guest@127.0.0.1:5672/)
  CRM_GATEWAY_DATABASE_URL     the gateway's own database; else CRM_DATABASE_URL_TEMPLATE
                               with {service}=gateway (default .../crm_gateway)
Gateway-specific:
  CRM_JWT_SECRET               HS256 key shared by every gateway process (required in
                               production; a public development key otherwise, with a warning)
  CRM_TOKEN_TTL_S              token lifetime, default 3600
  CRM_ADMIN_USERNAME / CRM_ADMIN_PASSWORD   first administrator, default admin / admin
  CRM_RPC_TIMEOUT_S            per RPC call, default 5
  CRM_READY_TIMEOUT_S          per service in GET /ready, default 2
  CRM_RETRY_AFTER_S            Retry-After on 503, default 5
  CRM_MAX_BODY_BYTES           largest request body, default 1 MiB
  CRM_MAX_IMPORT_BYTES         largest import file (POST /imports/...), default 64 MiB
  CRM_LOGIN_MAX_FAILURES_PER_USER / _PER_ADDRESS   failed password checks within
                               CRM_LOGIN_WINDOW_S (default 900) before a lockout of
                               CRM_LOGIN_LOCKOUT_S (default 900); defaults 5 and 50
  CRM_ACTIVE_USER_TTL_S        how long a process trusts a user row it read (active, token
                               version), default 1; changes made through the process itself
                               count at once, 0 reads the row on every request
Webhooks (gateway.webhooks*):
  CRM_WEBHOOKS_ENABLED         consume events and deliver webhooks, default 1
  CRM_WEBHOOK_RETRY_DELAYS_S   back-off between attempts, comma separated; a delivery is
                               parked after one attempt more than there are delays
                               (default 10,60,300,1800,7200,21600)
  CRM_WEBHOOK_POLL_INTERVAL_S  how often due deliveries are looked for, default 1
  CRM_WEBHOOK_TIMEOUT_S        per delivery POST, default 10
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from crmkit import config as kit

log = logging.getLogger(__name__)

# Shared by every worker and every gateway replica, so tokens issued by one are accepted by
# all; a random per-process default would break that. Only fit for a development machine.
DEV_JWT_SECRET = "crm-development-secret-change-me-0123456789"


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    database_url: str
    jwt_secret: str
    token_ttl_s: int = 3600
    admin_username: str = "admin"
    admin_password: str = "admin"
    rpc_timeout_s: float = 5.0
    ready_timeout_s: float = 2.0
    # What a 503 tells clients to wait before retrying.
    retry_after_s: int = 5
    max_body_bytes: int = 1024 * 1024
    # Import files (CSV/XLSX) are bigger than any record: their own limit (POST /imports/...).
    max_import_bytes: int = 64 * 1024 * 1024
    # Brute-force protection of password checks (gateway.loginguard).
    login_max_failures_per_user: int = 5
    login_max_failures_per_address: int = 50
    login_window_s: float = 900.0
    login_lockout_s: float = 900.0
    webhooks_enabled: bool = True
    # Minutes to hours: a receiver that is down for a deploy or an afternoon still gets
    # everything; tests shorten these.
    webhook_retry_delays_s: tuple[float, ...] = (10, 60, 300, 1800, 7200, 21600)
    webhook_poll_interval_s: float = 1.0
    webhook_timeout_s: float = 10.0

    @classmethod
    def from_env(cls) -> "Settings":
        secret = os.environ.get("CRM_JWT_SECRET") or ""
        if not secret:
            log.warning("CRM_JWT_SECRET is not set: using the public development secret; "
                        "anyone can forge tokens. Set it in every deployment.")
            secret = DEV_JWT_SECRET
        return cls(
            amqp_uri=kit.amqp_uri(),
            database_url=kit.database_url("gateway"),
            jwt_secret=secret,
            token_ttl_s=int(kit.env("CRM_TOKEN_TTL_S", "3600")),
            admin_username=kit.env("CRM_ADMIN_USERNAME", "admin"),
            admin_password=kit.env("CRM_ADMIN_PASSWORD", "admin"),
            rpc_timeout_s=float(kit.env("CRM_RPC_TIMEOUT_S", "5")),
            ready_timeout_s=float(kit.env("CRM_READY_TIMEOUT_S", "2")),
            retry_after_s=int(kit.env("CRM_RETRY_AFTER_S", "5")),
            max_body_bytes=int(kit.env("CRM_MAX_BODY_BYTES", str(1024 * 1024))),
            max_import_bytes=int(kit.env("CRM_MAX_IMPORT_BYTES", str(64 * 1024 * 1024))),
            login_max_failures_per_user=int(kit.env("CRM_LOGIN_MAX_FAILURES_PER_USER", "5")),
            login_max_failures_per_address=int(kit.env("CRM_LOGIN_MAX_FAILURES_PER_ADDRESS", "50")),
            login_window_s=float(kit.env("CRM_LOGIN_WINDOW_S", "900")),
            login_lockout_s=float(kit.env("CRM_LOGIN_LOCKOUT_S", "900")),
            webhooks_enabled=kit.env("CRM_WEBHOOKS_ENABLED", "1") not in ("0", "false", "no"),
            webhook_retry_delays_s=tuple(
                float(d) for d in kit.env("CRM_WEBHOOK_RETRY_DELAYS_S",
                                          "10,60,300,1800,7200,21600").split(",") if d.strip()),
            webhook_poll_interval_s=float(kit.env("CRM_WEBHOOK_POLL_INTERVAL_S", "1")),
            webhook_timeout_s=float(kit.env("CRM_WEBHOOK_TIMEOUT_S", "10")),
        )
