"""Which resources can meet a service's requirement, and how to say so in words.

A requirement asks for `count` resources of a kind and/or from a group, with characteristics
at a minimum rating, features, and a capacity of at least the attendees (or a fixed number).
Names of characteristics and features compare case-insensitively: "Projector" is "projector".
"""
from __future__ import annotations

from dataclasses import dataclass, field

KIND_WORDS = {"user": "person", "equipment": "piece of equipment", "facility": "facility"}


@dataclass(frozen=True)
class Requirement:
    count: int = 1
    kind: str | None = None
    group_id: str | None = None
    characteristics: tuple[tuple[str, int], ...] = ()  # (name, min_rating)
    features: tuple[str, ...] = ()
    min_capacity: int | str | None = None  # an integer, "attendees" or None

    @classmethod
    def from_dict(cls, data: dict) -> "Requirement":
        return cls(
            count=int(data.get("count") or 1),
            kind=data.get("kind"),
            group_id=data.get("group_id"),
            characteristics=tuple((c["name"].casefold(), int(c.get("min_rating") or 1))
                                  for c in data.get("characteristics") or ()),
            features=tuple(f.casefold() for f in data.get("features") or ()),
            min_capacity=data.get("min_capacity"),
        )

    def seats_needed(self, attendees: int) -> int:
        if self.min_capacity == "attendees":
            return attendees
        return int(self.min_capacity or 0)


@dataclass(frozen=True)
class ResourceView:
    """What matching needs to know of a resource (built once per search from its record)."""

    id: str
    name: str
    kind: str
    capacity: int
    ratings: dict = field(default_factory=dict)  # characteristic -> rating
    features: frozenset = frozenset()
    group_ids: frozenset = frozenset()

    @classmethod
    def from_record(cls, record: dict, group_ids=()) -> "ResourceView":
        return cls(
            id=record["id"], name=record["name"], kind=record["kind"],
            capacity=int(record.get("capacity") or 1),
            ratings={c["name"].casefold(): int(c["rating"]) for c in record.get("characteristics") or ()},
            features=frozenset(f.casefold() for f in record.get("features") or ()),
            group_ids=frozenset(group_ids),
        )


def groups_by_member(groups: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for group in groups:
        for member in group.get("member_ids") or ():
            out.setdefault(member, set()).add(group["id"])
    return out


def matches(resource: ResourceView, requirement: Requirement, attendees: int) -> bool:
    if requirement.kind and resource.kind != requirement.kind:
        return False
    if requirement.group_id and requirement.group_id not in resource.group_ids:
        return False
    if any(resource.ratings.get(name, 0) < minimum for name, minimum in requirement.characteristics):
        return False
    if not set(requirement.features) <= resource.features:
        return False
    return resource.capacity >= requirement.seats_needed(attendees)


def candidates(resources: list[ResourceView], requirement: Requirement, attendees: int) -> list[ResourceView]:
    """The matching resources, best first: fewest wasted seats, then highest ratings, then
    name, so the earliest slot also uses the most fitting room and teacher."""
    found = [r for r in resources if matches(r, requirement, attendees)]
    need = requirement.seats_needed(attendees)
    return sorted(found, key=lambda r: (r.capacity - need if need else 0,
                                        -sum(r.ratings.get(n, 0) for n, _ in requirement.characteristics),
                                        r.name, r.id))


def describe(requirement: Requirement, attendees: int, group_names: dict | None = None) -> str:
    """'facility with 30 seats and a projector', '2 persons rated at least 3 in python'."""
    noun = KIND_WORDS.get(requirement.kind or "", "resource")
    if requirement.count > 1:
        noun = f"{requirement.count} {noun}s" if not noun.endswith("equipment") else \
            f"{requirement.count} pieces of equipment"
    parts = []
    seats = requirement.seats_needed(attendees)
    if seats:
        parts.append(f"{seats} seats")
    parts += [f"a {feature}" for feature in requirement.features]
    qualifiers = [f"rated at least {minimum} in {name}" for name, minimum in requirement.characteristics]
    text = noun
    if parts:
        text += " with " + _and(parts)
    if qualifiers:
        text += " " + _and(qualifiers)
    if requirement.group_id:
        group = (group_names or {}).get(requirement.group_id, requirement.group_id)
        text += f" from group {group}"
    return text


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def unmet(requirements: list[Requirement], chosen: list[ResourceView], attendees: int) -> list[Requirement]:
    """The requirements the chosen resources cannot cover, each resource serving at most
    one requirement (a small exact matching: requirements are few)."""
    slots = [(n, requirement) for n, requirement in enumerate(requirements) for _ in range(requirement.count)]
    owner: dict[str, int] = {}  # resource id -> slot index

    def augment(slot: int, seen: set) -> bool:
        _, requirement = slots[slot]
        for resource in chosen:
            if resource.id in seen or not matches(resource, requirement, attendees):
                continue
            seen.add(resource.id)
            if resource.id not in owner or augment(owner[resource.id], seen):
                owner[resource.id] = slot
                return True
        return False

    missing = []
    for slot in range(len(slots)):
        if not augment(slot, set()):
            missing.append(slots[slot][1])
    return list(dict.fromkeys(missing))
