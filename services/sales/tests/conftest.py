import pytest

from crmkit.testing.services import running_service
from sales.service import SalesService


@pytest.fixture
def sales(run_service):
    return run_service(SalesService, "sales")


@pytest.fixture(scope="module")
def shared_sales(crm_servers, make_database):
    """One sales service (own database and vhost) for the tests of a module that do not get
    in each other's way: starting a container costs more than most of these tests."""
    with running_service(crm_servers, make_database, SalesService, "sales") as service:
        yield service
