"""Running one real service (nameko container) in the test process, on a fresh migrated
database and an isolated vhost, with an RPC client and SQL access to its database."""
from __future__ import annotations

from dataclasses import dataclass

from crmkit.testing.sql import Sql


def service_test_config(service: str, amqp_uri: str, database_url: str, **extra) -> dict:
    """Fast retries so failure paths finish in a test's time."""
    return {"AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "SERVICE_NAME": service,
            "CRM_RETRY_DELAYS_MS": [50, 100], "CRM_MAX_ATTEMPTS": 3,
            "CRM_RELAY_POLL_INTERVAL_S": 0.5, "max_workers": 10} | extra


@dataclass
class RunningService:
    container: object
    rpc: object
    sql: Sql
    database_url: str
    amqp_uri: str
