"""nameko entrypoints of the activities service. Its domain arrives with its own issue; for now it
runs the shared plumbing (database, outbox relay, health RPC) like every other service."""
from __future__ import annotations

from crmkit.service_base import CrmService


class ActivitiesService(CrmService):
    name = "activities"
