import pytest

from crmkit.config import consumer_settings_from
from crmkit.testing import infra
from crmkit.testing.services import RunningService, service_test_config
from crmkit.testing.sql import Sql
from crmkit.topology import declare_service_topology
from sales.service import SalesService


@pytest.fixture
def sales(run_service):
    return run_service(SalesService, "sales")


@pytest.fixture(scope="module")
def shared_sales(crm_servers, make_database):
    """One sales service (own database and vhost) for the tests of a module that do not get
    in each other's way: starting a container costs more than most of these tests."""
    from nameko.containers import ServiceContainer
    from nameko.standalone.rpc import ServiceRpcProxy

    vhost = infra.unique_name("crm-test")
    infra.create_vhost(crm_servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)
    url = make_database("sales")
    config = service_test_config("sales", amqp_uri, url)
    # As `python -m sales run` does: the exchange and consumer queues exist before anything publishes.
    declare_service_topology(amqp_uri, "sales", SalesService, consumer_settings_from(config))
    container = ServiceContainer(SalesService, config)
    container.start()
    proxy = ServiceRpcProxy("sales", {"AMQP_URI": amqp_uri})
    sql = Sql(url)
    try:
        yield RunningService(container, proxy.start(), sql, url, amqp_uri)
    finally:
        proxy.stop()
        container.kill()
        sql.close()
        infra.delete_vhost(crm_servers.management_url, vhost)
