import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ServiceRpcProxy

from crmkit.config import consumer_settings_from
from crmkit.testing import infra
from crmkit.testing.services import RunningService, service_test_config
from crmkit.testing.sql import Sql
from crmkit.topology import declare_service_topology
from marketing.service import MarketingService


@pytest.fixture
def marketing(run_service):
    return run_service(MarketingService, "marketing")


@pytest.fixture(scope="module")
def shared_marketing(crm_servers, make_database):
    """One running marketing service for a whole test module: its tests make their own
    records (fresh ids), so they do not interfere, and startup is paid once."""
    vhost = infra.unique_name("crm-test")
    infra.create_vhost(crm_servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)
    url = make_database("marketing")
    config = service_test_config("marketing", amqp_uri, url)
    # As `python -m marketing run` does: the event exchange exists before the relay publishes.
    declare_service_topology(amqp_uri, "marketing", MarketingService, consumer_settings_from(config))
    container = ServiceContainer(MarketingService, config)
    container.start()
    proxy = ServiceRpcProxy("marketing", {"AMQP_URI": amqp_uri})
    sql = Sql(url)
    try:
        yield RunningService(container, proxy.start(), sql, url, amqp_uri)
    finally:
        proxy.stop()
        container.kill()
        sql.close()
        infra.delete_vhost(crm_servers.management_url, vhost)

