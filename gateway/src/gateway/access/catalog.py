"""Which resource and privilege every API route needs, derived from its path template, so
that no route escapes the check: a route this module cannot classify is refused (and a test
walks every route of the app to keep that from happening)."""
from __future__ import annotations

import re
from dataclasses import dataclass

API_PREFIX = "/api/v1/"


@dataclass(frozen=True)
class Secured:
    path: str  # under /api/v1/: "accounts", "kb/articles"
    service: str | None = None
    # User- or team-owned records (reach checked per record) name their singular, for the
    # owning service's get_<singular>(<singular>_id); organisation-owned ones do not.
    singular: str | None = None

    @property
    def name(self) -> str:
        return self.path.replace("/", "-")

    @property
    def owned(self) -> bool:
        return self.singular is not None

    @property
    def label(self) -> str:
        return (self.singular or self.name).replace("_", " ")


OWNED = (
    Secured("accounts", "sales", "account"), Secured("contacts", "sales", "contact"),
    Secured("leads", "sales", "lead"), Secured("opportunities", "sales", "opportunity"),
    Secured("quotes", "sales", "quote"), Secured("orders", "sales", "order"),
    Secured("invoices", "sales", "invoice"),
    Secured("cases", "service_desk", "case"), Secured("contracts", "service_desk", "contract"),
    Secured("activities", "activities", "activity"),
    Secured("campaigns", "marketing", "campaign"), Secured("marketing-lists", "marketing", "marketing_list"),
)
# Owned by the organisation: a role either grants the privilege (at any level) or not.
ORGANISATION_OWNED = tuple(Secured(path) for path in (
    "competitors", "products", "price-lists", "activity-types", "campaign-responses",
    "sla-policies", "routing-rules", "queues", "queue-items", "kb/articles",
    "scheduler/resources", "scheduler/resource-groups", "scheduler/services", "scheduler/bookings",
    "webhooks", "users", "business-units", "teams", "roles",
))
RESOURCES: dict[str, Secured] = {secured.name: secured for secured in OWNED + ORGANISATION_OWNED}
_BY_PATH = sorted(RESOURCES.values(), key=lambda secured: -len(secured.path))  # longest first


@dataclass(frozen=True)
class Rule:
    """`resource` (or the one a path parameter names) needs `privilege`; with
    `record_param`, the record that parameter names must be within the caller's reach."""
    resource: str | None = None
    privilege: str | None = None  # None: any signed-in user (their own password, their jobs)
    record_param: str | None = None
    resource_param: str | None = None  # imports and exports name the resource in the path
    checked_by_handler: bool = False  # the handler checks the record it fetched anyway


SIGNED_IN = Rule()

SPECIAL: dict[tuple[str, str], Rule] = {
    ("POST", "auth/password"): SIGNED_IN,
    ("GET", "imports/{job_id}"): SIGNED_IN,  # the job's owner or an administrator: the handler checks
    ("POST", "imports/{resource}"): Rule(privilege="create", resource_param="resource"),
    ("GET", "exports/{resource}"): Rule(privilege="read", resource_param="resource"),
    ("GET", "customers/{account_id}"): Rule("accounts", "read", "account_id", checked_by_handler=True),
    ("GET", "activities/my-work"): Rule("activities", "read"),
    ("GET", "activities/calendar.ics"): Rule("activities", "read"),
    ("POST", "quick-campaigns"): Rule("campaigns", "create"),
    ("POST", "scheduler/availability"): Rule("scheduler-bookings", "read"),
    ("POST", "scheduler/solve"): Rule("scheduler-bookings", "create"),
    ("GET", "scheduler/jobs/{job_id}"): Rule("scheduler-bookings", "read"),
}

_PARAM = re.compile(r"^\{(\w+)\}$")


def classify(method: str, template: str) -> Rule | None:
    """The rule of an API route (`template` as declared, e.g. /api/v1/quotes/{quote_id}/lines),
    or None when the route is not covered, which the caller must treat as refused."""
    if not template.startswith(API_PREFIX):
        return None
    rest = template[len(API_PREFIX):]
    if (method, rest) in SPECIAL:
        return SPECIAL[(method, rest)]
    secured = next((s for s in _BY_PATH if rest == s.path or rest.startswith(s.path + "/")), None)
    if secured is None:
        return None
    segments = rest[len(secured.path):].strip("/").split("/") if rest != secured.path else []
    if not segments:
        privilege = {"GET": "read", "POST": "create"}.get(method)
        return Rule(secured.name, privilege) if privilege else None
    param = _PARAM.match(segments[0])
    if param is None:
        return None
    record_param = param.group(1) if secured.owned else None
    return Rule(secured.name, _privilege(method, segments[1:]), record_param)


def _privilege(method: str, below_record: list[str]) -> str:
    """What acting on a record (or on something inside it: its lines, members, actions) needs."""
    if method == "GET":
        return "read"
    if not below_record:
        return "delete" if method == "DELETE" else "write"
    if below_record[0] == "assign":
        return "assign"
    if below_record[0] == "shares":
        return "share"
    return "write"
