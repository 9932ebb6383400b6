import pytest

from service_desk.service import ServiceDeskService


@pytest.fixture
def desk(run_service):
    return run_service(ServiceDeskService, "service_desk")
