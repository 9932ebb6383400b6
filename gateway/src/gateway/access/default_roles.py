"""The roles every organisation starts with, after Dynamics' own: ensured at start-up (a role
that exists is left as the administrators changed it)."""
from __future__ import annotations

from gateway.access.catalog import RESOURCES
from gateway.access.levels import PRIVILEGES

ORG, TREE, UNIT, OWN = "organisation", "business_unit_and_children", "business_unit", "own"

SALES = ("accounts", "contacts", "leads", "opportunities", "quotes", "orders", "invoices")
CATALOGUE = ("products", "price-lists", "competitors")
MARKETING = ("campaigns", "marketing-lists", "campaign-responses")
SERVICE = ("cases", "contracts")
SERVICE_SETUP = ("sla-policies", "routing-rules", "queues", "queue-items", "kb-articles")
SCHEDULING = ("scheduler-resources", "scheduler-resource-groups", "scheduler-services", "scheduler-bookings")
DIRECTORY = ("users", "teams", "business-units", "roles")


def full(level: str, *resources: str) -> dict:
    return {resource: {privilege: level for privilege in PRIVILEGES} for resource in resources}


def read(level: str, *resources: str) -> dict:
    return {resource: {"read": level} for resource in resources}


def worker(read_level: str, *resources: str) -> dict:
    """Creates records, sees its business unit's, changes and hands over its own."""
    return {resource: {"create": OWN, "read": read_level, "write": OWN, "delete": OWN, "assign": OWN,
                       "share": OWN} for resource in resources}


def merged(*parts: dict) -> dict:
    out: dict = {}
    for part in parts:
        for resource, privileges in part.items():
            out.setdefault(resource, {}).update(privileges)
    return out


DEFAULT_ROLES: dict[str, tuple[str, dict]] = {
    "administrator": ("Everything, everywhere, including users, teams, units and roles.",
                      full(ORG, *RESOURCES)),
    "sales manager": ("Every sales record of their business unit and the units below it.",
                      merged(full(TREE, *SALES, "activities"), full(ORG, *CATALOGUE),
                             read(TREE, *SERVICE, *MARKETING), read(ORG, *DIRECTORY, *SCHEDULING))),
    "salesperson": ("Their own sales records; reads their business unit's.",
                    merged(worker(UNIT, *SALES, "activities"), read(ORG, *CATALOGUE, *DIRECTORY),
                           read(UNIT, *SERVICE, "campaigns"))),
    "marketing professional": ("Campaigns, lists and responses of their business unit; creates leads.",
                               merged(full(UNIT, *MARKETING), worker(UNIT, "leads", "activities"),
                                      read(UNIT, "accounts", "contacts"), read(ORG, *CATALOGUE, *DIRECTORY),
                                      {"activities": {"create": UNIT, "read": UNIT, "write": UNIT}})),
    "customer service representative": ("Their own cases; reads the unit's cases, customers and contracts.",
                                        merged(worker(UNIT, "cases", "activities"),
                                               worker(UNIT, "accounts", "contacts"),
                                               read(UNIT, "contracts"), full(ORG, "queue-items"),
                                               read(ORG, "kb-articles", "queues", "sla-policies", "products",
                                                    *DIRECTORY))),
    "service manager": ("Cases and contracts of their unit and below; sets up queues, SLAs, routing and articles.",
                        merged(full(TREE, *SERVICE, "activities"), full(ORG, *SERVICE_SETUP),
                               read(TREE, "accounts", "contacts"), read(ORG, "products", *DIRECTORY))),
    "scheduler": ("Resources, services, availability, batches and bookings; service activities.",
                  merged(full(ORG, *SCHEDULING), worker(UNIT, "activities"),
                         read(UNIT, "accounts", "contacts", "quotes", "orders"), read(ORG, "products", *DIRECTORY))),
}
