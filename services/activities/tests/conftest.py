import pytest

from activities.service import ActivitiesService


@pytest.fixture
def activities(run_service):
    return run_service(ActivitiesService, "activities")
