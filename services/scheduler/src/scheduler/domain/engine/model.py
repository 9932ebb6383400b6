"""The engine's problem statement: plain integers, so it is cheap to copy into a solver
process as JSON and independent of the CRM's records."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Need:
    """`count` distinct resources among `candidates` (indices), each with its cost."""

    count: int
    candidates: list[int]
    costs: list[int]


@dataclass
class Session:
    key: str
    duration: int
    starts: list[int]  # allowed start times, ascending
    start_costs: list[int]  # the cost of each allowed start (earliness)
    needs: list[Need]
    course: str | None = None  # sessions of one course: spread over days, same resources
    after: int | None = None  # index of a session that must end before this one starts


@dataclass
class Weights:
    unplaced: int = 100_000
    spread: int = 0  # per day a course falls short of its target of distinct days
    stability: int = 0  # per resource a course uses beyond what one session needs
    compactness: int = 0  # per session of a group with no session of the group next to it
    balance: int = 0  # per `balance_unit` of the heaviest load among balanced resources


@dataclass
class Problem:
    resources: list[str]
    sessions: list[Session]
    day_length: int  # time units per day: day of a start = start // day_length
    blocked: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # [start, end)
    groups: list[list[int]] = field(default_factory=list)  # sessions that must not overlap
    min_days: dict[str, int] = field(default_factory=dict)  # course -> target distinct days
    balanced: list[int] = field(default_factory=list)  # resources whose load is balanced
    balance_unit: int = 1  # time units per step of the heaviest load (e.g. 60 minutes)
    weights: Weights = field(default_factory=Weights)

    def to_json(self) -> dict:
        data = asdict(self)
        data["blocked"] = {str(r): [list(span) for span in spans] for r, spans in self.blocked.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Problem":
        return cls(
            resources=list(data["resources"]),
            sessions=[Session(**{**s, "needs": [Need(**n) for n in s["needs"]]}) for s in data["sessions"]],
            day_length=data["day_length"],
            blocked={int(r): [tuple(span) for span in spans] for r, spans in data.get("blocked", {}).items()},
            groups=[list(g) for g in data.get("groups", [])],
            min_days=dict(data.get("min_days", {})),
            balanced=list(data.get("balanced", [])), balance_unit=int(data.get("balance_unit", 1)),
            weights=Weights(**data.get("weights", {})),
        )


@dataclass(frozen=True)
class Placement:
    start: int
    resources: tuple[int, ...]  # need by need, in the order of the session's needs


Assignment = list  # per session: Placement or None (unplaced)
