"""The security model through the gateway (issue 8): business units, teams, roles, owners,
assign and share, enforced on every list, read, change and action of every user- or team-owned
resource.

The organisation: South and North under the root, North-East under North. Nora and Nina are
salespeople of North and North-East, Sam and Tess salespeople of South (Tess in the team
"South deals"), Mark the sales manager of North. One record of every owned resource belongs to
Nora; the matrix walks every route of the served OpenAPI document that names such a record."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx
import pytest

from crmkit.testing.suite_http import ok
from crmkit.testing.waiting import wait_until

API = "/api/v1"
OWNED = ("accounts", "contacts", "leads", "opportunities", "quotes", "orders", "invoices", "cases", "contracts",
         "activities", "campaigns", "marketing-lists")


def sign_in(suite, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=suite.url, timeout=15)
    token = ok(client.post(f"{API}/auth/token", json={"username": username, "password": password}))
    client.headers["Authorization"] = f"Bearer {token['access_token']}"
    return client


@pytest.fixture(scope="module")
def org(suite, api):
    """The business units, teams and users described above, and Nora's records."""
    tag = uuid.uuid4().hex[:6]
    roles = {role["name"]: role["id"] for role in ok(api.get(f"{API}/roles", params={"limit": 100}))["items"]}
    root = next(unit for unit in ok(api.get(f"{API}/business-units", params={"limit": 500}))["items"]
                if unit["parent_id"] is None)

    def unit(name, parent):
        return ok(api.post(f"{API}/business-units", json={"name": f"{name} {tag}", "parent_id": parent}), 201)["id"]

    south, north = unit("South", root["id"]), unit("North", root["id"])
    north_east = unit("North-East", north)
    people, clients = {}, {}
    for name, business_unit, role in (("nora", north, "salesperson"), ("nina", north_east, "salesperson"),
                                      ("sam", south, "salesperson"), ("tess", south, "salesperson"),
                                      ("mark", north, "sales manager")):
        password = f"{name}-password-{tag}"
        user = ok(api.post(f"{API}/users", json={"username": f"{name}-{tag}", "password": password,
                                                  "business_unit_id": business_unit,
                                                  "role_ids": [roles[role]]}), 201)
        people[name] = user["id"]
        clients[name] = sign_in(suite, f"{name}-{tag}", password)
    team = ok(api.post(f"{API}/teams", json={"name": f"South deals {tag}", "business_unit_id": south}), 201)["id"]
    ok(api.post(f"{API}/teams/{team}/members", json={"user_id": people["tess"]}))
    records = nora_records(api, tag)
    for resource, record_id in records.items():
        ok(api.post(f"{API}/{resource}/{record_id}/assign", json={"owner_id": people["nora"]}))
    yield {"people": people, "clients": clients, "team": team, "records": records, "tag": tag,
           "units": {"south": south, "north": north, "north_east": north_east}}
    for client in clients.values():
        client.close()


def nora_records(api, tag: str) -> dict[str, str]:
    """One record of every owned resource (made by the administrator, then assigned)."""
    account = ok(api.post(f"{API}/accounts", json={"name": f"Nordic Traders {tag}"}), 201)["id"]
    contact = ok(api.post(f"{API}/contacts", json={"last_name": f"Nord {tag}", "account_id": account}), 201)["id"]
    lead = ok(api.post(f"{API}/leads", json={"topic": f"Widgets {tag}", "last_name": f"Lead {tag}", "company_name": f"Lead Co {tag}"}), 201)["id"]
    opportunity = ok(api.post(f"{API}/opportunities", json={
        "name": f"Deal {tag}", "account_id": account, "estimated_value": "1000.00", "currency": "EUR"}), 201)["id"]
    product = ok(api.post(f"{API}/products", json={"name": f"Widget {tag}", "product_number": f"W-{tag}"}), 201)
    price_list = ok(api.post(f"{API}/price-lists", json={"name": f"EUR {tag}", "currency": "EUR"}), 201)
    ok(api.post(f"{API}/price-lists/{price_list['id']}/items", json={"product_id": product["id"], "amount": "10.00"}),
       201)
    quote_body = {"name": f"Quote {tag}", "account_id": account, "price_list_id": price_list["id"]}
    sold = ok(api.post(f"{API}/quotes", json=quote_body), 201)["id"]
    ok(api.post(f"{API}/quotes/{sold}/lines", json={"product_id": product["id"], "quantity": "2"}), 201)
    ok(api.post(f"{API}/quotes/{sold}/activate"))
    order = ok(api.post(f"{API}/quotes/{sold}/accept"))["order_id"]
    ok(api.post(f"{API}/orders/{order}/fulfil", json={}))
    invoice = ok(api.post(f"{API}/orders/{order}/invoice", json={}))["invoice_id"]
    quote = ok(api.post(f"{API}/quotes", json=quote_body), 201)["id"]
    case = ok(api.post(f"{API}/cases", json={"title": f"Broken {tag}", "customer_account_id": account}), 201)["id"]
    today = date.today()
    contract = ok(api.post(f"{API}/contracts", json={
        "name": f"Support {tag}", "customer_account_id": account, "start_date": str(today),
        "end_date": str(today + timedelta(days=365)), "allotment_type": "hours", "total_allotment": 600}), 201)["id"]
    activity = ok(api.post(f"{API}/activities", json={"type": "task", "subject": f"Call back {tag}"}), 201)["id"]
    campaign = ok(api.post(f"{API}/campaigns", json={"name": f"Spring {tag}", "type": "email"}), 201)["id"]
    marketing_list = ok(api.post(f"{API}/marketing-lists", json={
        "name": f"Nordics {tag}", "member_type": "contact", "kind": "static"}), 201)["id"]
    return {"accounts": account, "contacts": contact, "leads": lead, "opportunities": opportunity,
            "quotes": quote, "orders": order, "invoices": invoice, "cases": case, "contracts": contract,
            "activities": activity, "campaigns": campaign, "marketing-lists": marketing_list}


def record_routes(suite) -> list[tuple[str, str, str]]:
    """(method, path template, resource) of every served route acting on one owned record."""
    document = httpx.get(f"{suite.url}/openapi.json", timeout=15).json()
    routes = []
    for template, operations in document["paths"].items():
        match = re.match(rf"^{API}/([a-z-]+)/\{{\w+\}}", template)
        if match and match.group(1) in OWNED:
            routes += [(method.upper(), template, match.group(1)) for method in operations
                       if method in ("get", "post", "patch", "put", "delete")]
    return routes


def fill(template: str, record_id: str) -> str:
    """The record's id in its place; any further id (a line, a member) made up."""
    ids = iter([record_id])
    return re.sub(r"\{\w+\}", lambda _: next(ids, None) or str(uuid.uuid4()), template)


def test_every_route_on_another_units_record_is_404_for_a_salesperson_and_changes_nothing(suite, api, org):
    """Sam (South) tries every route that names one of Nora's (North) records: none of them
    admits the record exists, and none changes it."""
    sam, records = org["clients"]["sam"], org["records"]
    before = {resource: ok(api.get(f"{API}/{resource}/{record_id}")) for resource, record_id in records.items()}
    routes = record_routes(suite)
    assert {resource for _, _, resource in routes} == set(OWNED)
    assert len(routes) > 60
    answers = {}
    for method, template, resource in routes:
        answer = sam.request(method, fill(template, records[resource]),
                             json={} if method in ("POST", "PATCH", "PUT") else None)
        answers[(method, template)] = answer.status_code
    assert {route: status for route, status in answers.items() if status != 404} == {}
    after = {resource: ok(api.get(f"{API}/{resource}/{record_id}")) for resource, record_id in records.items()}
    assert after == before


def test_lists_hold_only_records_within_reach(org):
    """Salespeople read every owned resource but marketing lists (default roles): Nora's list
    holds her record, Sam's does not; a list no role grants is 403 for both."""
    clients, records = org["clients"], org["records"]
    for resource in OWNED:
        sams, noras = (clients[who].get(f"{API}/{resource}", params={"limit": 500}) for who in ("sam", "nora"))
        if resource == "marketing-lists":
            assert sams.status_code == noras.status_code == 403
            continue
        assert records[resource] not in {item["id"] for item in ok(sams)["items"]}, resource
        assert records[resource] in {item["id"] for item in ok(noras)["items"]}, resource


def test_the_customer_360_of_another_units_account_is_404(org):
    sam, nora = org["clients"]["sam"], org["clients"]["nora"]
    account = org["records"]["accounts"]
    assert sam.get(f"{API}/customers/{account}").status_code == 404
    assert ok(nora.get(f"{API}/customers/{account}"))["account"]["id"] == account


def test_a_salesperson_reads_the_units_records_but_changes_only_their_own(org):
    """Nina is in North-East, below North: a salesperson's business-unit level does not reach
    North's records from there; Mark, North's sales manager, reaches both units."""
    clients, records, people = org["clients"], org["records"], org["people"]
    nina_account = ok(clients["nina"].post(f"{API}/accounts", json={"name": f"Eastern {org['tag']}"}), 201)
    assert nina_account["owner_id"] == people["nina"]
    assert clients["nina"].get(f"{API}/accounts/{records['accounts']}").status_code == 404
    assert clients["nora"].get(f"{API}/accounts/{nina_account['id']}").status_code == 404
    # The manager of North sees the unit and its children, and may change them.
    assert ok(clients["mark"].get(f"{API}/accounts/{records['accounts']}"))["id"] == records["accounts"]
    assert ok(clients["mark"].get(f"{API}/accounts/{nina_account['id']}"))["id"] == nina_account["id"]
    mark_sees = {item["id"] for item in ok(clients["mark"].get(f"{API}/accounts", params={"limit": 500}))["items"]}
    assert {records["accounts"], nina_account["id"]} <= mark_sees
    ok(clients["mark"].patch(f"{API}/accounts/{nina_account['id']}", json={"industry": "Shipping"}))
    # A salesperson of the same unit reads a colleague's record but may not change it.
    colleague = ok(clients["sam"].post(f"{API}/accounts", json={"name": f"Southern {org['tag']}"}), 201)
    assert ok(clients["tess"].get(f"{API}/accounts/{colleague['id']}"))["id"] == colleague["id"]
    refused = clients["tess"].patch(f"{API}/accounts/{colleague['id']}", json={"industry": "Textiles"})
    assert refused.status_code == 403
    assert clients["mark"].get(f"{API}/accounts/{colleague['id']}").status_code == 404


def test_a_share_grants_exactly_its_privileges_and_can_be_taken_back(api, org):
    clients, people = org["clients"], org["people"]
    account = ok(clients["nora"].post(f"{API}/accounts", json={"name": f"Shared Traders {org['tag']}"}), 201)["id"]
    sam = clients["sam"]
    assert sam.get(f"{API}/accounts/{account}").status_code == 404
    ok(clients["nora"].post(f"{API}/accounts/{account}/shares",
                            json={"principal_id": people["sam"], "privileges": ["read"]}))
    assert ok(sam.get(f"{API}/accounts/{account}"))["id"] == account
    assert account in {item["id"] for item in ok(sam.get(f"{API}/accounts", params={"limit": 500}))["items"]}
    assert sam.patch(f"{API}/accounts/{account}", json={"industry": "Fisheries"}).status_code == 403
    assert sam.delete(f"{API}/accounts/{account}").status_code == 403
    ok(clients["nora"].post(f"{API}/accounts/{account}/shares",
                            json={"principal_id": people["sam"], "privileges": ["read", "write"]}))
    assert ok(sam.patch(f"{API}/accounts/{account}", json={"industry": "Fisheries"}))["industry"] == "Fisheries"
    assert sam.delete(f"{API}/accounts/{account}").status_code == 403  # not shared for delete
    shares = ok(clients["nora"].get(f"{API}/accounts/{account}/shares"))["items"]
    assert [(s["principal_id"], s["principal_type"], s["privileges"]) for s in shares] == [
        (people["sam"], "user", ["read", "write"])]
    assert clients["nora"].delete(f"{API}/accounts/{account}/shares/{people['sam']}").status_code == 204
    assert sam.get(f"{API}/accounts/{account}").status_code == 404
    # Sharing is itself a privilege on the record: Sam cannot share Nora's record.
    assert sam.post(f"{API}/accounts/{account}/shares",
                    json={"principal_id": people["sam"], "privileges": ["read"]}).status_code == 404


def test_team_ownership_grants_its_members_what_owners_have(api, org):
    clients, team = org["clients"], org["team"]
    account = ok(api.post(f"{API}/accounts", json={"name": f"Team Traders {org['tag']}"}), 201)["id"]
    ok(api.post(f"{API}/accounts/{account}/assign", json={"owner_id": team}))
    # Tess is in the team: she changes it as an owner would.
    assert ok(clients["tess"].patch(f"{API}/accounts/{account}", json={"industry": "Tourism"}))["industry"] == "Tourism"
    # Sam is in the team's unit but not the team: he reads it (business unit level) only.
    assert ok(clients["sam"].get(f"{API}/accounts/{account}"))["owner_id"] == team
    assert clients["sam"].patch(f"{API}/accounts/{account}", json={"industry": "Ports"}).status_code == 403
    # Nora (North) does not see it at all.
    assert clients["nora"].get(f"{API}/accounts/{account}").status_code == 404


def test_assign_needs_the_assign_privilege_and_a_real_owner(api, org):
    clients, people = org["clients"], org["people"]
    account = ok(clients["sam"].post(f"{API}/accounts", json={"name": f"Handover {org['tag']}"}), 201)["id"]
    assert clients["tess"].post(f"{API}/accounts/{account}/assign",
                                json={"owner_id": people["tess"]}).status_code == 403  # not hers
    bad = clients["sam"].post(f"{API}/accounts/{account}/assign", json={"owner_id": str(uuid.uuid4())})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "owner_id"
    given = ok(clients["sam"].post(f"{API}/accounts/{account}/assign", json={"owner_id": people["tess"]}))
    assert given["owner_id"] == people["tess"]
    # Now Tess's: Sam only reads it.
    assert clients["sam"].patch(f"{API}/accounts/{account}", json={"industry": "Mining"}).status_code == 403
    history = ok(api.get(f"{API}/accounts/{account}/audit"))["items"]
    assert any(entry["changes"].get("owner_id", {}).get("to") == people["tess"] for entry in history)


def test_a_privilege_no_role_grants_is_403(org):
    sam = org["clients"]["sam"]
    assert sam.post(f"{API}/products", json={"name": "Forbidden", "product_number": f"F-{org['tag']}"}).status_code == 403
    assert sam.get(f"{API}/webhooks").status_code == 403
    assert sam.get(f"{API}/scheduler/resources").status_code == 403
    assert ok(sam.get(f"{API}/products"))["items"] is not None  # reading the catalogue is granted


def test_changing_the_owner_by_patch_is_an_assignment(org):
    clients, people = org["clients"], org["people"]
    activity = ok(clients["tess"].post(f"{API}/activities", json={"type": "task", "subject": f"Hand me {org['tag']}"}),
                  201)
    assert activity["owner_id"] == people["tess"]
    # Sam reads Tess's activity (same unit) but may not reassign it.
    assert clients["sam"].patch(f"{API}/activities/{activity['id']}",
                                json={"owner_id": people["sam"]}).status_code == 403
    moved = ok(clients["tess"].patch(f"{API}/activities/{activity['id']}", json={"owner_id": org["team"]}))
    assert moved["owner_id"] == org["team"]


def test_creating_for_someone_else_needs_them_within_the_assign_reach(org):
    clients, people = org["clients"], org["people"]
    refused = clients["sam"].post(f"{API}/activities", json={"type": "task", "subject": "For Tess",
                                                              "owner_id": people["tess"]})
    assert refused.status_code == 403
    for_the_team = ok(clients["tess"].post(f"{API}/activities", json={"type": "task", "subject": "For the team",
                                                                       "owner_id": org["team"]}), 201)
    assert for_the_team["owner_id"] == org["team"]


def test_exports_hold_only_readable_records(org):
    sam, nora, records = org["clients"]["sam"], org["clients"]["nora"], org["records"]
    assert records["accounts"] not in sam.get(f"{API}/exports/accounts").text
    assert records["accounts"] in nora.get(f"{API}/exports/accounts").text


def test_an_import_does_not_change_records_outside_the_write_reach(api, org):
    clients, tag = org["clients"], org["tag"]
    contact = ok(api.get(f"{API}/contacts/{org['records']['contacts']}"))
    ok(api.patch(f"{API}/contacts/{contact['id']}", json={"email": f"nord-{tag}@nordic.example"}))
    csv = f"last_name,email,job_title\nNord {tag},nord-{tag}@nordic.example,Buyer\nNew {tag},new-{tag}@south.example,CEO\n"
    job = ok(clients["sam"].post(f"{API}/imports/contacts", content=csv.encode(),
                                 headers={"Content-Type": "text/csv"}), 202)
    done = wait_until(lambda: (j := ok(clients["sam"].get(f"{API}/imports/{job['id']}")))["status"] == "completed"
                      and j, timeout=30, message="the import to finish")
    assert (done["created"], done["updated"], done["rejected"]) == (1, 0, 1)
    assert done["rejections"][0]["errors"][0]["message"] == "matches a record you may not change"
    assert ok(api.get(f"{API}/contacts/{contact['id']}")).get("job_title") == contact.get("job_title")
    # The job is Sam's: Tess does not see it.
    assert clients["tess"].get(f"{API}/imports/{job['id']}").status_code == 404
