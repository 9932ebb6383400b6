"""One running service desk per test module (its startup dominated the run time), on a
database emptied before each test, so every test still starts from nothing."""
import pytest

from crmkit.testing.services import running_service
from service_desk.service import ServiceDeskService


@pytest.fixture(scope="module")
def running_desk(crm_servers, make_database):
    with running_service(crm_servers, make_database, ServiceDeskService, "service_desk") as service:
        yield service


@pytest.fixture
def desk(running_desk):
    tables = [row["tablename"] for row in running_desk.sql.rows(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
    running_desk.sql.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return running_desk
