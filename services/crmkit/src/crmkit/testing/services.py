"""Running one real service (nameko container) in the test process, on a fresh migrated
database and an isolated vhost, with an RPC client and SQL access to its database."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

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


@contextmanager
def running_service(servers, make_database, service_cls, package: str, **config) -> Iterator[RunningService]:
    """One service on its own fresh database and vhost, for as long as the block runs; for
    module-scoped fixtures shared by tests that make their own records (startup is then paid
    once per module). Declares the topology first, as `python -m <service> run` does."""
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ServiceRpcProxy

    from crmkit.config import consumer_settings_from
    from crmkit.testing import infra
    from crmkit.topology import declare_service_topology

    vhost = infra.unique_name("crm-test")
    infra.create_vhost(servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(servers.amqp_uri, vhost)
    url = make_database(package)
    settings = service_test_config(service_cls.name, amqp_uri, url, **config)
    container = proxy = sql = None
    try:
        declare_service_topology(amqp_uri, service_cls.name, service_cls, consumer_settings_from(settings))
        container = ServiceContainer(service_cls, settings)
        container.start()
        proxy = ServiceRpcProxy(service_cls.name, {"AMQP_URI": amqp_uri})
        sql = Sql(url)
        yield RunningService(container, proxy.start(), sql, url, amqp_uri)
    finally:
        if proxy is not None:
            proxy.stop()
        if container is not None:
            container.kill()
        if sql is not None:
            sql.close()
        infra.delete_vhost(servers.management_url, vhost)
