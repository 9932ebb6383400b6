"""Resources, resource groups and services as records: their rules that need the database,
delete blockers and event payloads (the generic flows come from crmkit.resources)."""
from __future__ import annotations

from datetime import datetime, timezone

from crmkit.resources import Resource
from scheduler.db import (BookingRepository, ResourceGroupRepository, ResourceRepository, ServiceRepository,
                          bookings)
from scheduler.domain import records
from scheduler.schemas import ResourceGroupInput, ResourceInput, ServiceInput


def check_resource(repo: ResourceRepository, resource: dict) -> list[dict]:
    return records.resource_rule_errors(resource)


def resource_delete_blocker(repo: ResourceRepository, resource: dict) -> str | None:
    upcoming = BookingRepository(repo.connection).future_count_for_resource(resource["id"], datetime.now(timezone.utc))
    groups = ResourceGroupRepository(repo.connection).containing(resource["id"])
    if upcoming or groups:
        parts = []
        if upcoming:
            parts.append(f"{upcoming} upcoming booking(s); cancel them first")
        if groups:
            parts.append(f"membership of group(s) {', '.join(sorted(groups))}; remove it first")
        return "The resource still has " + " and ".join(parts) + "."
    return None


def check_group(repo: ResourceGroupRepository, group: dict) -> list[dict]:
    missing = ResourceRepository(repo.connection).missing(group.get("member_ids") or [])
    return [{"field": "member_ids", "message": f"no resource with id {rid}"} for rid in missing]


def group_delete_blocker(repo: ResourceGroupRepository, group: dict) -> str | None:
    users = ServiceRepository(repo.connection).using_group(group["id"])
    if users:
        return f"Services {', '.join(sorted(users))} require resources of this group; change them first."
    return None


def check_service(repo: ServiceRepository, service: dict) -> list[dict]:
    errors = []
    groups = ResourceGroupRepository(repo.connection)
    for n, requirement in enumerate(service.get("requirements") or []):
        group_id = requirement.get("group_id")
        if group_id and not groups.exists(group_id):
            errors.append({"field": f"requirements.{n}.group_id", "message": f"no resource group with id {group_id}"})
    return errors


def service_delete_blocker(repo: ServiceRepository, service: dict) -> str | None:
    used = repo.connection.execute(
        bookings.select().with_only_columns(bookings.c.id).where(bookings.c.service_id == service["id"]).limit(1)
    ).first()
    if used:
        return "The service has bookings; it stays for their history."
    return None


RESOURCES = Resource(
    label="resource", event_prefix="Resource", schema=ResourceInput, repository=ResourceRepository,
    event_payload=records.resource_event_payload, check=check_resource,
    delete_blocker=resource_delete_blocker, normalise=records.normalise_resource,
)
GROUPS = Resource(
    label="resource_group", event_prefix="ResourceGroup", schema=ResourceGroupInput,
    repository=ResourceGroupRepository, event_payload=records.group_event_payload, check=check_group,
    delete_blocker=group_delete_blocker, normalise=records.normalise_group,
)
SERVICES = Resource(
    label="service", event_prefix="SchedulingService", schema=ServiceInput, repository=ServiceRepository,
    event_payload=records.service_event_payload, check=check_service,
    delete_blocker=service_delete_blocker, normalise=records.normalise_service,
)
