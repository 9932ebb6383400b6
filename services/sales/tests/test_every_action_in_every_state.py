"""Every action of every sales record tried in every status: the allowed ones succeed and
lead where API.md says; the others answer Conflict (409) and change nothing, neither the
record nor the outbox."""
import uuid

import pytest

from crmkit.errors import Conflict
from sales_builders import account, catalogue, outbox, quote_with_lines

# (record, status) -> how to make one in that status, from the service's own actions.


def make_lead(rpc, products, status):
    lead = rpc.create_lead({"topic": "t", "last_name": "L", "company_name": f"Co {uuid.uuid4().hex[:6]}"})
    if status == "contacted":
        rpc.mark_lead_contacted(lead["id"])
    elif status == "qualified":
        rpc.qualify_lead(lead["id"], {})
    elif status == "disqualified":
        rpc.disqualify_lead(lead["id"], {"reason": "r"})
    return lead["id"]


def make_opportunity(rpc, products, status):
    opportunity = rpc.create_opportunity({"name": "o", "account_id": account(rpc)["id"],
                                          "estimated_value": "10", "currency": "USD"})
    if status == "won":
        rpc.win_opportunity(opportunity["id"], {})
    elif status == "lost":
        rpc.lose_opportunity(opportunity["id"], {"reason": "price"})
    return opportunity["id"]


def make_quote(rpc, products, status):
    quote = quote_with_lines(rpc, products)
    if status in ("active", "won"):
        rpc.activate_quote(quote["id"])
    if status == "won":
        rpc.accept_quote(quote["id"])
    if status == "closed":
        rpc.close_quote(quote["id"], {"reason": "lost interest"})
    return quote["id"]


def make_order(rpc, products, status):
    quote = quote_with_lines(rpc, products)
    rpc.activate_quote(quote["id"])
    order_id = rpc.accept_quote(quote["id"])["order_id"]
    {"fulfilled": rpc.fulfil_order, "invoiced": rpc.invoice_order, "cancelled": rpc.cancel_order,
     "active": lambda order_id: None}[status](order_id)
    return order_id


def make_invoice(rpc, products, status):
    invoice_id = rpc.invoice_order(make_order(rpc, products, "fulfilled"))["invoice_id"]
    {"paid": rpc.pay_invoice, "cancelled": rpc.cancel_invoice, "active": lambda invoice_id: None}[status](invoice_id)
    return invoice_id


def add_line(rpc, quote_id, products):
    return rpc.add_quote_line(quote_id, {"product_id": products["handbook"]["id"], "quantity": "1"})


RECORDS = {
    # record: (maker, getter, {action: call}, {action: {allowed status: resulting status}})
    "lead": (make_lead, "get_lead", {
        "edit": lambda rpc, i, p: rpc.update_lead(i, {"topic": "changed"}),
        "mark_contacted": lambda rpc, i, p: rpc.mark_lead_contacted(i),
        "qualify": lambda rpc, i, p: rpc.qualify_lead(i, {}),
        "disqualify": lambda rpc, i, p: rpc.disqualify_lead(i, {"reason": "r"}),
    }, {
        "edit": {"new": "new", "contacted": "contacted"},
        "mark_contacted": {"new": "contacted"},
        "qualify": {"new": "qualified", "contacted": "qualified"},
        "disqualify": {"new": "disqualified", "contacted": "disqualified"},
    }),
    "opportunity": (make_opportunity, "get_opportunity", {
        "edit": lambda rpc, i, p: rpc.update_opportunity(i, {"probability": 40}),
        "add_competitor": lambda rpc, i, p: rpc.add_opportunity_competitor(
            i, {"competitor_id": rpc.create_competitor({"name": "Rival"})["id"]}),
        "win": lambda rpc, i, p: rpc.win_opportunity(i, {"actual_revenue": "9"}),
        "lose": lambda rpc, i, p: rpc.lose_opportunity(i, {"reason": "price"}),
    }, {
        "edit": {"open": "open"}, "add_competitor": {"open": "open"},
        "win": {"open": "won"}, "lose": {"open": "lost"},
    }),
    "quote": (make_quote, "get_quote", {
        "edit": lambda rpc, i, p: rpc.update_quote(i, {"name": "changed"}),
        "add_line": lambda rpc, i, p: add_line(rpc, i, p),
        "delete": lambda rpc, i, p: rpc.delete_quote(i),
        "activate": lambda rpc, i, p: rpc.activate_quote(i),
        "revise": lambda rpc, i, p: rpc.revise_quote(i),
        "accept": lambda rpc, i, p: rpc.accept_quote(i),
        "close": lambda rpc, i, p: rpc.close_quote(i, {}),
    }, {
        "edit": {"draft": "draft"}, "add_line": {"draft": "draft"}, "delete": {"draft": None},
        "activate": {"draft": "active"}, "revise": {"active": "closed"}, "accept": {"active": "won"},
        "close": {"draft": "closed", "active": "closed"},
    }),
    "order": (make_order, "get_order", {
        "fulfil": lambda rpc, i, p: rpc.fulfil_order(i),
        "cancel": lambda rpc, i, p: rpc.cancel_order(i),
        "invoice": lambda rpc, i, p: rpc.invoice_order(i),
    }, {
        "fulfil": {"active": "fulfilled"}, "cancel": {"active": "cancelled"},
        "invoice": {"active": "invoiced", "fulfilled": "invoiced"},
    }),
    "invoice": (make_invoice, "get_invoice", {
        "pay": lambda rpc, i, p: rpc.pay_invoice(i),
        "cancel": lambda rpc, i, p: rpc.cancel_invoice(i),
    }, {
        "pay": {"active": "paid"}, "cancel": {"active": "cancelled"},
    }),
}
STATUSES = {"lead": ("new", "contacted", "qualified", "disqualified"), "opportunity": ("open", "won", "lost"),
            "quote": ("draft", "active", "won", "closed"), "order": ("active", "fulfilled", "invoiced", "cancelled"),
            "invoice": ("active", "paid", "cancelled")}
CASES = [(record, status, action) for record, (_, _, actions, _) in RECORDS.items()
         for status in STATUSES[record] for action in actions]


@pytest.fixture(scope="module")
def products(shared_sales):
    return catalogue(shared_sales.rpc)


@pytest.mark.parametrize("record,status,action", CASES, ids=[f"{r}-{s}-{a}" for r, s, a in CASES])
def test_action_in_status(shared_sales, products, record, status, action):
    rpc = shared_sales.rpc
    make, getter, actions, allowed = RECORDS[record]
    record_id = make(rpc, products, status)
    before = getattr(rpc, getter)(record_id)
    assert before["status"] == status
    events_before = outbox(shared_sales)
    if status in allowed[action]:
        actions[action](rpc, record_id, products)
        expected = allowed[action][status]
        if expected is None:  # deleted
            assert shared_sales.sql.scalar("SELECT count(*) FROM quotes WHERE id = :i", i=record_id) == 0
        else:
            assert getattr(rpc, getter)(record_id)["status"] == expected
        return
    with pytest.raises(Conflict):
        actions[action](rpc, record_id, products)
    assert getattr(rpc, getter)(record_id) == before
    assert outbox(shared_sales) == events_before
