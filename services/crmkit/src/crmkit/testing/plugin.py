"""pytest plugin (registered by crm-kit's entry point) with the fixtures every layer uses.

A project opts into eventlet by `crm_eventlet = true` in its pytest ini options: the
monkey patch must happen before any test module imports socket-using libraries.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    parser.addini("crm_eventlet", "monkey-patch with eventlet before collecting (nameko service tests)",
                  type="bool", default=False)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    try:
        wanted = early_config.getini("crm_eventlet")
    except ValueError:
        wanted = False
    if wanted:
        from crmkit import green

        green.patch()


@pytest.fixture(scope="session")
def crm_servers():
    from crmkit.testing.infra import find_servers

    servers = find_servers()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def rabbit_vhost(crm_servers):
    """An isolated vhost for the whole test session; returns its AMQP URI."""
    from crmkit.testing import infra

    vhost = infra.unique_name("crm-test")
    infra.create_vhost(crm_servers.management_url, vhost)
    yield infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)
    infra.delete_vhost(crm_servers.management_url, vhost)


@pytest.fixture
def fresh_vhost(crm_servers):
    """An isolated vhost for one test, for tests that stop and start things on the bus."""
    from crmkit.testing import infra

    vhost = infra.unique_name("crm-test")
    infra.create_vhost(crm_servers.management_url, vhost)
    yield infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)
    infra.delete_vhost(crm_servers.management_url, vhost)


@pytest.fixture(scope="session")
def make_database(crm_servers):
    """Factory: make_database(service, migrate=True) -> SQLAlchemy URL of a fresh database,
    migrated to head with that service's migrations. Every database is dropped at the end."""
    from crmkit.testing import infra

    created: list[str] = []

    def make(service: str, migrate: bool = True) -> str:
        name = infra.unique_name(f"crm_test_{service}")
        infra.create_database(crm_servers.postgres_url, name)
        created.append(name)
        url = infra.database_url(crm_servers.postgres_url, name)
        if migrate:
            from crmkit.migrations import upgrade

            upgrade(service, url)
        return url

    yield make
    for name in created:
        infra.drop_database(crm_servers.postgres_url, name)


@pytest.fixture
def sql():
    """sql(url) -> crmkit.testing.sql.Sql, disposed after the test."""
    from crmkit.testing.sql import Sql

    made = []

    def make(url: str):
        made.append(Sql(url))
        return made[-1]

    yield make
    for handle in made:
        handle.close()


@pytest.fixture
def run_service(fresh_vhost, make_database, sql, container_factory):
    """run_service(ServiceClass, package) starts the service on a fresh migrated database and
    the test's own vhost, and returns a RunningService (rpc client, sql, urls)."""
    # container_factory is requested last so that its teardown (killing the containers)
    # runs before the vhost they are connected to is deleted.
    from nameko.standalone.rpc import ServiceRpcProxy

    from crmkit.config import consumer_settings_from
    from crmkit.testing.services import RunningService, service_test_config
    from crmkit.topology import declare_service_topology

    proxies = []

    def start(service_cls, package: str, database_url: str | None = None, **config) -> RunningService:
        url = database_url or make_database(package)
        config = service_test_config(service_cls.name, fresh_vhost, url, **config)
        # As `python -m <service> run` does: its exchange and queues exist before it publishes.
        declare_service_topology(fresh_vhost, service_cls.name, service_cls, consumer_settings_from(config))
        container = container_factory(service_cls, config)
        container.start()
        proxy = ServiceRpcProxy(service_cls.name, {"AMQP_URI": fresh_vhost})
        proxies.append(proxy)
        return RunningService(container, proxy.start(), sql(url), url, fresh_vhost)

    yield start
    for proxy in proxies:
        proxy.stop()
