"""Duplicate detection, merging contacts and accounts, the customer overview and the
index-backed `q` search, over real RPC and PostgreSQL."""
import uuid

import pytest

from crmkit.errors import Conflict, ValidationFailed
from sales.schemas import EVENT_PAYLOADS
from sales_builders import account, catalogue, outbox, quote_with_lines, unique


def test_a_contact_with_the_same_email_or_phone_is_refused_with_the_matching_ids(shared_sales):
    rpc = shared_sales.rpc
    email = f"{uuid.uuid4().hex[:8]}@contoso.example"
    first = rpc.create_contact({"last_name": "McKay", "email": email, "phone": "+1 (425) 555-0199"})
    count = shared_sales.sql.scalar("SELECT count(*) FROM contacts")
    with pytest.raises(Conflict) as raised:
        rpc.create_contact({"last_name": "Other", "email": email.upper()})
    assert raised.value.errors == [{"field": "email", "message": f"the same email as contact {first['id']}",
                                    "id": first["id"]}]
    with pytest.raises(Conflict) as raised:  # the same national number, written differently
        rpc.create_contact({"last_name": "Other", "mobile": "425 555 0199"})
    assert [(e["field"], e["id"]) for e in raised.value.errors] == [("phone", first["id"])]
    assert shared_sales.sql.scalar("SELECT count(*) FROM contacts") == count
    forced = rpc.create_contact({"last_name": "Other", "email": email, "allow_duplicate": True})
    assert forced["email"] == email and "allow_duplicate" not in forced


def test_accounts_match_on_their_normalised_name(shared_sales):
    rpc = shared_sales.rpc
    name = unique("Northwind")
    first = rpc.create_account({"name": f"{name} Traders Ltd."})
    with pytest.raises(Conflict) as raised:
        rpc.create_account({"name": f"{name.upper()} traders, LTD"})
    assert [(e["field"], e["id"]) for e in raised.value.errors] == [("name", first["id"])]
    with pytest.raises(ValidationFailed):
        rpc.create_account({"name": "x", "allow_duplicate": "yes"})


def test_a_lead_matching_a_contact_is_refused_unless_allowed(shared_sales):
    rpc = shared_sales.rpc
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    contact = rpc.create_contact({"last_name": "Known", "email": email})
    with pytest.raises(Conflict) as raised:
        rpc.create_lead({"topic": "t", "last_name": "Known", "email": email})
    assert raised.value.errors[0]["id"] == contact["id"]
    assert rpc.create_lead({"topic": "t", "last_name": "Known", "email": email, "allow_duplicate": True})["id"]


def test_merging_contacts_moves_their_references_fills_blanks_and_keeps_an_audit_row(shared_sales):
    rpc = shared_sales.rpc
    products = catalogue(rpc)
    customer = account(rpc)
    survivor = rpc.create_contact({"last_name": "McKay", "email": f"{uuid.uuid4().hex[:6]}@a.example",
                                   "account_id": customer["id"]})
    duplicate = rpc.create_contact({"last_name": "McKay", "first_name": "Yvonne", "job_title": "Buyer",
                                    "account_id": customer["id"], "allow_duplicate": True})
    opportunity = rpc.create_opportunity({"name": "o", "account_id": customer["id"], "contact_id": duplicate["id"]})
    quote = quote_with_lines(rpc, products, customer["id"], contact_id=duplicate["id"])
    merged = rpc.merge_contacts(survivor["id"], {"duplicate_id": duplicate["id"]}, merged_by=str(uuid.uuid4()))
    contact = merged["contact"]
    assert (contact["id"], contact["first_name"], contact["job_title"], contact["email"]) == \
        (survivor["id"], "Yvonne", "Buyer", survivor["email"])
    assert rpc.get_opportunity(opportunity["id"])["contact_id"] == survivor["id"]
    assert rpc.get_quote(quote["id"])["contact_id"] == survivor["id"]
    assert shared_sales.sql.scalar("SELECT count(*) FROM contacts WHERE id = :i", i=duplicate["id"]) == 0
    [audit] = rpc.list_merges(duplicate["id"])
    assert audit["merged_record"]["first_name"] == "Yvonne"
    assert audit["moved"] == {"leads.contact_id": 0, "opportunities.contact_id": 1, "quotes.contact_id": 1}
    assert sorted(audit["survivor_changes"]) == ["first_name", "job_title"]
    [event] = [e for e in outbox(shared_sales, "ContactMerged") if e["payload"]["merged_contact_id"] == duplicate["id"]]
    assert event["payload"] == {"merged_contact_id": duplicate["id"], "surviving_contact_id": survivor["id"],
                                "merge_id": audit["id"]}
    assert EVENT_PAYLOADS["ContactMerged"]().validate(event["payload"]) == {}
    [updated] = [e for e in outbox(shared_sales, "ContactUpdated") if e["payload"]["contact_id"] == survivor["id"]]
    assert updated["payload"]["changed"] == ["first_name", "job_title"]


def test_merging_accounts_moves_contacts_children_and_sales_records(shared_sales):
    rpc = shared_sales.rpc
    survivor, duplicate = account(rpc, industry="Retail"), account(rpc, website="https://dup.example")
    child = rpc.create_account({"name": unique("Child"), "parent_account_id": duplicate["id"]})
    contact = rpc.create_contact({"last_name": "Moved", "account_id": duplicate["id"]})
    opportunity = rpc.create_opportunity({"name": "o", "account_id": duplicate["id"]})
    result = rpc.merge_accounts(survivor["id"], {"duplicate_id": duplicate["id"]})
    assert result["account"]["website"] == "https://dup.example" and result["account"]["industry"] == "Retail"
    assert rpc.get_contact(contact["id"])["account_id"] == survivor["id"]
    assert rpc.get_account(child["id"])["parent_account_id"] == survivor["id"]
    assert rpc.get_opportunity(opportunity["id"])["account_id"] == survivor["id"]
    assert result["merge"]["moved"]["contacts.account_id"] == 1
    # Each moved contact is announced, so read models of contacts follow without knowing merges.
    assert any(e["payload"]["contact_id"] == contact["id"] and e["payload"]["changed"] == ["account_id"]
               for e in outbox(shared_sales, "ContactUpdated"))
    [event] = [e for e in outbox(shared_sales, "AccountMerged") if e["payload"]["merged_account_id"] == duplicate["id"]]
    assert event["payload"]["surviving_account_id"] == survivor["id"]


def test_a_child_account_merged_with_its_parent_does_not_become_its_own_parent(shared_sales):
    rpc = shared_sales.rpc
    grandparent = account(rpc)
    parent = rpc.create_account({"name": unique("Parent"), "parent_account_id": grandparent["id"]})
    child = rpc.create_account({"name": unique("Child"), "parent_account_id": parent["id"]})
    merged = rpc.merge_accounts(child["id"], {"duplicate_id": parent["id"]})["account"]
    assert merged["parent_account_id"] == grandparent["id"]


def test_a_record_cannot_be_merged_into_itself_or_an_unknown_one(shared_sales):
    rpc = shared_sales.rpc
    contact = rpc.create_contact({"last_name": "Solo"})
    with pytest.raises(ValidationFailed):
        rpc.merge_contacts(contact["id"], {"duplicate_id": contact["id"]})
    from crmkit.errors import NotFound
    with pytest.raises(NotFound):
        rpc.merge_contacts(contact["id"], {"duplicate_id": str(uuid.uuid4())})
    assert rpc.get_contact(contact["id"])["version"] == 1


def test_the_customer_overview_has_every_sales_section_of_an_account(shared_sales):
    rpc = shared_sales.rpc
    products = catalogue(rpc)
    customer = account(rpc)
    rpc.create_contact({"last_name": "Zed", "account_id": customer["id"]})
    rpc.create_contact({"last_name": "Abe", "account_id": customer["id"]})
    open_opportunity = rpc.create_opportunity({"name": "open", "account_id": customer["id"]})
    for revenue in ("100.10", "200.20"):
        won = rpc.create_opportunity({"name": "w", "account_id": customer["id"], "currency": "USD",
                                      "estimated_value": revenue})
        rpc.win_opportunity(won["id"], {})
    in_euros = rpc.create_opportunity({"name": "w", "account_id": customer["id"], "currency": "EUR",
                                       "estimated_value": "50.5"})
    rpc.win_opportunity(in_euros["id"], {})
    rpc.lose_opportunity(rpc.create_opportunity({"name": "l", "account_id": customer["id"]})["id"], {})
    invoices = []
    for _ in range(2):
        quote = quote_with_lines(rpc, products, customer["id"])
        rpc.activate_quote(quote["id"])
        invoices.append(rpc.invoice_order(rpc.accept_quote(quote["id"])["order_id"])["invoice_id"])
    rpc.pay_invoice(invoices[0])
    shared_sales.sql.execute("UPDATE invoices SET due_date = '2020-01-01' WHERE id = :i", i=invoices[1])
    view = rpc.customer_overview(customer["id"])
    assert view["account"]["id"] == customer["id"]
    assert [c["last_name"] for c in view["contacts"]] == ["Abe", "Zed"]
    assert [o["id"] for o in view["opportunities"]["open"]] == [open_opportunity["id"]]
    assert (view["opportunities"]["won_count"], view["opportunities"]["lost_count"]) == (3, 1)
    assert view["opportunities"]["won_revenue"] == {"EUR": "50.50", "USD": "300.30"}
    assert len(view["quotes"]) == 2 and len(view["orders"]) == 2
    assert [i["id"] for i in view["invoices"]["open"]] == [invoices[1]]
    assert [i["id"] for i in view["invoices"]["overdue"]] == [invoices[1]]
    assert view["invoices"]["paid_total"] == {"USD": "4455.00"}


def test_q_search_is_served_by_the_trigram_indexes(shared_sales):
    rpc = shared_sales.rpc
    marker = uuid.uuid4().hex[:8]
    wanted = rpc.create_contact({"last_name": f"Mc{marker}son"})
    rpc.create_contact({"last_name": "Unrelated", "email": f"x{marker}y@example.com"})
    found = rpc.list_contacts(q=marker.upper())["items"]
    assert {c["id"] for c in found} >= {wanted["id"]} and len(found) == 2
    # The planner picks a sequential scan for a table this small; forbid it to see the
    # indexes the query can use.
    with shared_sales.sql.engine.connect() as connection:
        from sqlalchemy import text
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(
            "EXPLAIN SELECT * FROM contacts WHERE last_name ILIKE :p OR email ILIKE :p OR phone ILIKE :p "
            "OR first_name ILIKE :p OR mobile ILIKE :p"), {"p": f"%{marker}%"}))
    assert "ix_contacts_last_name_trgm" in plan and "ix_contacts_email_trgm" in plan


@pytest.mark.parametrize("term_length", [2, 8])
def test_q_search_pages_with_cursors_and_filters(shared_sales, term_length):
    """Short terms take the sorted walk, longer ones the trigram-first query: both page alike."""
    rpc = shared_sales.rpc
    marker = uuid.uuid4().hex[:8]
    customer = account(rpc)
    made = [rpc.create_contact({"last_name": f"Zq{marker}", "first_name": str(n), "account_id": customer["id"],
                                "allow_duplicate": True}) for n in range(5)]
    rpc.create_contact({"last_name": f"Zq{marker}"})  # matches q, not the account filter
    term = marker[:term_length] if term_length > 2 else f"q{marker[0]}"
    seen, cursor = [], None
    while True:
        page = rpc.list_contacts(filters={"account_id": customer["id"]}, q=term, sort="-created_at", limit=2,
                                 cursor=cursor)
        seen += [contact["id"] for contact in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [contact["id"] for contact in reversed(made)]
