"""The audit trail: every change of every record, with who, when and which fields from what
to what, whichever flow made it (crmkit.audit's trigger, installed by the migrations)."""
import uuid

from nameko.standalone.rpc import ServiceRpcProxy


def test_creates_updates_actions_and_deletes_are_audited_with_their_user(sales):
    user = str(uuid.uuid4())
    with ServiceRpcProxy("sales", {"AMQP_URI": sales.amqp_uri}, context_data={"user_id": user}) as rpc:
        account = rpc.create_account({"name": "Audited Ltd", "industry": "Retail"})
        rpc.update_account(account["id"], {"industry": "Software", "name": "Audited Ltd"})
        lead = rpc.create_lead({"topic": "Audit me", "last_name": "Trail"})
        rpc.disqualify_lead(lead["id"], {"reason": "no budget"})
        rpc.delete_account(account["id"])
        history = rpc.get_audit("accounts", account["id"])["items"]

    assert [entry["action"] for entry in history] == ["deleted", "updated", "created"]
    assert all(entry["actor_id"] == user for entry in history)
    deleted, updated, created = history
    # Only what changed, from what to what; bookkeeping (version, updated_at) is not a change.
    assert updated["changes"] == {"industry": {"from": "Retail", "to": "Software"}}
    assert created["changes"]["name"] == {"from": None, "to": "Audited Ltd"}
    assert deleted["changes"]["name"] == {"from": "Audited Ltd", "to": None}
    assert history[0]["at"] >= history[-1]["at"]

    lead_history = sales.rpc.get_audit("leads", lead["id"])["items"]  # an action, not a PATCH
    assert lead_history[0]["changes"]["status"] == {"from": "new", "to": "disqualified"}
    assert lead_history[0]["actor_id"] == user


def test_the_history_pages_newest_first(sales):
    account = sales.rpc.create_account({"name": "Paged Ltd"})
    for n in range(5):
        sales.rpc.update_account(account["id"], {"website": f"https://example.com/{n}"})
    first = sales.rpc.get_audit("accounts", account["id"], limit=4)
    rest = sales.rpc.get_audit("accounts", account["id"], limit=4, cursor=first["next_cursor"])
    assert len(first["items"]) == 4 and len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert [e["action"] for e in first["items"] + rest["items"]] == ["updated"] * 5 + ["created"]
    assert first["items"][0]["changes"]["website"]["to"] == "https://example.com/4"
    assert first["items"][0]["actor_id"] is None  # no user in the RPC context
