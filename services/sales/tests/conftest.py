import pytest

from sales.service import SalesService


@pytest.fixture
def sales(run_service):
    return run_service(SalesService, "sales")
