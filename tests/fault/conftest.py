"""The fault suite runs the whole CRM on PRIVATE PostgreSQL and RabbitMQ servers (started
here on free ports and temp directories, stopped at the end), so it can restart them without
touching the machine's shared servers. Overriding `crm_servers` points every fixture of the
suite layer (databases, vhost, processes) at them."""
from __future__ import annotations

import pytest

from crmkit.testing.infra import Servers

from servers import PrivatePostgres, PrivateRabbit


@pytest.fixture(scope="session")
def private_servers():
    postgres, rabbit = PrivatePostgres(), PrivateRabbit()
    try:
        postgres.start()
        rabbit.start()
        yield postgres, rabbit
    finally:
        rabbit.remove()
        postgres.remove()


@pytest.fixture(scope="session")
def crm_servers(private_servers):
    postgres, rabbit = private_servers
    return Servers(postgres.url, rabbit.amqp_uri, rabbit.management_url, [])


def pytest_collection_modifyitems(config, items):
    """Fault tests restart servers and take minutes: they run only when asked for with
    `-m fault` (deselected, and reported as such, from plain runs of the suite layer)."""
    if "fault" in (config.getoption("markexpr") or ""):
        return
    kept = [item for item in items if item.get_closest_marker("fault") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
