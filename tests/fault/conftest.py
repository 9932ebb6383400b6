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
