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
