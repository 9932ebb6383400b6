"""One running service desk per test module (its startup dominated the run time), on a
database emptied before each test, so every test still starts from nothing."""
import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ServiceRpcProxy

from crmkit.testing import infra
from crmkit.testing.services import RunningService, service_test_config
from crmkit.testing.sql import Sql
from service_desk.service import ServiceDeskService


@pytest.fixture(scope="module")
def running_desk(crm_servers, make_database):
    vhost = infra.unique_name("crm-test")
    infra.create_vhost(crm_servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)
    url = make_database("service_desk")
    container = ServiceContainer(ServiceDeskService, service_test_config("service_desk", amqp_uri, url))
    container.start()
    proxy = ServiceRpcProxy("service_desk", {"AMQP_URI": amqp_uri})
    sql = Sql(url)
    try:
        yield RunningService(container, proxy.start(), sql, url, amqp_uri)
    finally:
        proxy.stop()
        container.stop()
        sql.close()
        infra.delete_vhost(crm_servers.management_url, vhost)


@pytest.fixture
def desk(running_desk):
    tables = [row["tablename"] for row in running_desk.sql.rows(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
    running_desk.sql.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return running_desk
