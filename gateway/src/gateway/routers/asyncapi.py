"""GET /asyncapi.json: the AsyncAPI document of every event (beside /openapi.json, and like
it public: it describes contracts, not data)."""
from __future__ import annotations

from fastapi import APIRouter

from gateway import asyncapi

router = APIRouter(tags=["events"])


@router.get("/asyncapi.json", operation_id="get_asyncapi",
            summary="AsyncAPI 2.6 document of every event the services publish")
async def get_asyncapi() -> dict:
    return asyncapi.document()
