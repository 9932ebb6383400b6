"""The read model follows sales' leads (in any event order) and merges: a merged record stops
being anyone's member, and what referred to it passes to the survivor once."""
import uuid

from sales_events import deliver, sales_event


def lead(m, lead_id):
    rows = m.sql.rows("SELECT status, campaign_id::text, opportunity_id::text, disqualify_reason, company_name "
                      "FROM customer_leads WHERE lead_id = :l", l=lead_id)
    return rows[0] if rows else None


def test_a_lead_is_created_then_qualified(shared_marketing):
    m = shared_marketing
    lead_id, opportunity_id = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(m, sales_event("LeadCreated", lead_id=lead_id))
    assert lead(m, lead_id)["status"] == "new"
    deliver(m, sales_event("LeadQualified", lead_id=lead_id, opportunity_id=opportunity_id))
    row = lead(m, lead_id)
    assert (row["status"], row["opportunity_id"], row["company_name"]) == ("qualified", opportunity_id, "Adventure Works")


def test_a_late_lead_created_does_not_undo_the_qualification(shared_marketing):
    m = shared_marketing
    lead_id = str(uuid.uuid4())
    deliver(m, sales_event("LeadQualified", lead_id=lead_id))
    deliver(m, sales_event("LeadCreated", lead_id=lead_id))
    row = lead(m, lead_id)
    assert (row["status"], row["company_name"]) == ("qualified", "Adventure Works")


def test_the_later_of_two_outcomes_wins_whatever_the_arrival_order(shared_marketing):
    m = shared_marketing
    lead_id = str(uuid.uuid4())
    disqualified = sales_event("LeadDisqualified", lead_id=lead_id)  # occurred 11:03
    qualified = sales_event("LeadQualified", lead_id=lead_id)  # occurred 11:02, arrives later
    deliver(m, disqualified)
    deliver(m, qualified)
    row = lead(m, lead_id)
    assert (row["status"], row["disqualify_reason"]) == ("disqualified", "no budget this year")


def member_ids(m, list_id):
    return {item["id"] for item in m.rpc.list_marketing_list_members(list_id, limit=500)["items"]}


def test_a_contact_merge_passes_memberships_and_responses_to_the_survivor(shared_marketing):
    m = shared_marketing
    merged, surviving, other = (str(uuid.uuid4()) for _ in range(3))
    deliver(m, *(sales_event("ContactCreated", contact_id=c, city="Nantes") for c in (merged, surviving, other)))
    both = m.rpc.create_marketing_list({"name": "Both", "member_type": "contact", "kind": "static"})
    m.rpc.add_marketing_list_members(both["id"], {"ids": [merged, surviving]})
    only_merged = m.rpc.create_marketing_list({"name": "Merged only", "member_type": "contact", "kind": "static"})
    m.rpc.add_marketing_list_members(only_merged["id"], {"ids": [merged, other]})
    nantes = m.rpc.create_marketing_list({"name": "Nantes", "member_type": "contact", "kind": "dynamic",
                                          "query": {"all": [{"field": "city", "op": "eq", "value": "Nantes"}]}})
    campaign = m.rpc.create_campaign({"name": "Merge", "list_ids": [only_merged["id"]]})
    m.rpc.activate_campaign(campaign["id"])
    response = m.rpc.create_campaign_response(campaign["id"], {"channel": "email", "contact_id": merged})

    deliver(m, sales_event("ContactMerged", merged_contact_id=merged, surviving_contact_id=surviving))

    assert member_ids(m, both["id"]) == {surviving}
    assert member_ids(m, only_merged["id"]) == {surviving, other}
    assert merged not in member_ids(m, nantes["id"]) and surviving in member_ids(m, nantes["id"])
    assert m.rpc.get_campaign_response(response["id"])["contact_id"] == surviving
    assert m.sql.scalar("SELECT merged_into::text FROM customer_contacts WHERE contact_id = :c", c=merged) == surviving
    # A late update of the merged contact does not bring it back.
    deliver(m, sales_event("ContactUpdated", contact_id=merged, city="Nantes", version=5))
    assert merged not in member_ids(m, nantes["id"])


def test_an_account_merge_moves_its_contacts_and_memberships(shared_marketing):
    m = shared_marketing
    merged, surviving, contact_id = (str(uuid.uuid4()) for _ in range(3))
    deliver(m, sales_event("AccountCreated", account_id=merged), sales_event("AccountCreated", account_id=surviving),
            sales_event("ContactCreated", contact_id=contact_id, account_id=merged))
    accounts = m.rpc.create_marketing_list({"name": "Accounts", "member_type": "account", "kind": "static"})
    m.rpc.add_marketing_list_members(accounts["id"], {"ids": [merged]})

    deliver(m, sales_event("AccountMerged", merged_account_id=merged, surviving_account_id=surviving))

    assert member_ids(m, accounts["id"]) == {surviving}
    assert m.sql.scalar("SELECT account_id::text FROM customer_contacts WHERE contact_id = :c", c=contact_id) == surviving
    assert m.sql.scalar("SELECT deleted FROM customer_accounts WHERE account_id = :a", a=merged) is True
