"""/api/v1/competitors, owned by the sales service."""
from __future__ import annotations

from gateway.crud import Resource, crud_router
from gateway.models.competitors import Competitor, CompetitorCreate, CompetitorListQuery, CompetitorUpdate

router = crud_router(Resource(
    path="competitors", singular="competitor", service="sales",
    create_model=CompetitorCreate, update_model=CompetitorUpdate, record_model=Competitor,
    list_query=CompetitorListQuery,
))
