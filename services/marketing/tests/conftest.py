import pytest

from marketing.service import MarketingService


@pytest.fixture
def marketing(run_service):
    return run_service(MarketingService, "marketing")
