import pytest

from scheduler.service import SchedulerService


@pytest.fixture
def scheduler(run_service):
    return run_service(SchedulerService, "scheduler")
