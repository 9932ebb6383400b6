"""/api/v1/activity-types: custom activity types with their own fields, owned by activities."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.activity_types import ActivityType, ActivityTypeCreate, ActivityTypeListQuery, ActivityTypeUpdate

router = crud_router(Resource(
    path="activity-types", singular="activity_type", service="activities",
    create_model=ActivityTypeCreate, update_model=ActivityTypeUpdate, record_model=ActivityType,
    list_query=ActivityTypeListQuery,
))
