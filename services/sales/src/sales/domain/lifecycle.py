"""State machines of the sales records: which action is allowed in which status, and where it
leads. A wrong state is a Conflict (409) raised before anything is written."""
from __future__ import annotations

from dataclasses import dataclass

from crmkit.errors import Conflict


@dataclass(frozen=True)
class StateMachine:
    label: str  # "quote": used in messages
    # action -> (statuses it is allowed in, status it leads to; None keeps the status)
    transitions: dict[str, tuple[frozenset[str], str | None]]
    statuses: tuple[str, ...]

    def next_status(self, current: str, action: str) -> str:
        allowed_in, target = self.transitions[action]
        if current not in allowed_in:
            raise Conflict(
                f"Cannot {action.replace('_', ' ')} a {current} {self.label}; allowed only when "
                f"{' or '.join(sorted(allowed_in))}.",
                [{"field": "status", "message": f"is {current}"}])
        return target or current

    def actions(self) -> tuple[str, ...]:
        return tuple(self.transitions)


def _machine(label: str, statuses: tuple[str, ...], **transitions) -> StateMachine:
    return StateMachine(label, {action: (frozenset(sources), target)
                                for action, (sources, target) in transitions.items()}, statuses)


LEAD = _machine(
    "lead", ("new", "contacted", "qualified", "disqualified"),
    edit=(("new", "contacted"), None),
    mark_contacted=(("new",), "contacted"),
    qualify=(("new", "contacted"), "qualified"),
    disqualify=(("new", "contacted"), "disqualified"),
)

OPPORTUNITY = _machine(
    "opportunity", ("open", "won", "lost"),
    edit=(("open",), None),
    add_competitor=(("open",), None),
    win=(("open",), "won"),
    lose=(("open",), "lost"),
)

# Lines are frozen once a quote leaves draft: an active quote is what the customer was sent.
QUOTE = _machine(
    "quote", ("draft", "active", "won", "closed"),
    edit=(("draft",), None),
    delete=(("draft",), None),
    activate=(("draft",), "active"),
    revise=(("active",), "closed"),
    accept=(("active",), "won"),
    close=(("draft", "active"), "closed"),
)

ORDER = _machine(
    "order", ("active", "fulfilled", "invoiced", "cancelled"),
    fulfil=(("active",), "fulfilled"),
    cancel=(("active",), "cancelled"),
    invoice=(("active", "fulfilled"), "invoiced"),
)

INVOICE = _machine(
    "invoice", ("active", "paid", "cancelled"),
    pay=(("active",), "paid"),
    cancel=(("active",), "cancelled"),
)


def order_status_after_invoice_cancelled(order: dict) -> str:
    """A cancelled invoice hands the order back so that it can be invoiced again."""
    return "fulfilled" if order.get("fulfilled_at") else "active"
