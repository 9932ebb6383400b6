import pytest

from crmkit.testing.services import running_service
from marketing.service import MarketingService


@pytest.fixture
def marketing(run_service):
    return run_service(MarketingService, "marketing")


@pytest.fixture(scope="module")
def shared_marketing(crm_servers, make_database):
    """One running marketing service for a whole test module: its tests make their own
    records (fresh ids), so they do not interfere, and startup is paid once."""
    with running_service(crm_servers, make_database, MarketingService, "marketing") as service:
        yield service

