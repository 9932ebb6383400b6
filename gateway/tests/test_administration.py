"""The administration API of the security model: the business unit tree, teams with members
and roles, roles and their privileges, users and their roles, and who may use it.

One gateway for the module, on a database and vhost of its own, so the directory holds only
what these tests put there (and the root unit, the default roles and the administrator)."""
from __future__ import annotations

import uuid

import pytest
from crmkit.testing import infra
from fastapi.testclient import TestClient

from gateway.app import create_app

PASSWORD = "a-password-of-some-length"


@pytest.fixture(scope="module")
def api(make_settings, make_database, crm_servers, admin):
    vhost = infra.unique_name("crm-test-administration")
    infra.create_vhost(crm_servers.management_url, vhost)
    settings = make_settings(infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost),
                             database_url=make_database("gateway"))
    try:
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {token(client, *admin)}"
            yield client
    finally:
        infra.delete_vhost(crm_servers.management_url, vhost)


def token(client: TestClient, username: str, password: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password},
                           headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def created(response) -> dict:
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(response.json()["id"])
    return response.json()


def fields(response, status: int = 422) -> set[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture(scope="module")
def root(api) -> dict:
    units = api.get("/api/v1/business-units", params={"limit": 500}).json()["items"]
    (organisation,) = [unit for unit in units if unit["parent_id"] is None]
    return organisation


@pytest.fixture(scope="module")
def role_ids(api) -> dict[str, str]:
    return {role["name"]: role["id"] for role in api.get("/api/v1/roles", params={"limit": 500}).json()["items"]}


def new_unit(api, parent_id: str) -> dict:
    return created(api.post("/api/v1/business-units", json={"name": unique("unit"), "parent_id": parent_id}))


def new_user(api, **body) -> dict:
    return created(api.post("/api/v1/users", json={"username": unique("user"), "password": PASSWORD, **body}))


def signed_in(api, user: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(api, user['username'], PASSWORD)}"}


def test_the_tree_refuses_cycles_and_deleting_what_is_in_use(api, root):
    assert root["name"] == "Organisation"
    sales = new_unit(api, root["id"])
    east = new_unit(api, sales["id"])
    assert api.get(f"/api/v1/business-units/{east['id']}").json()["parent_id"] == sales["id"]
    assert [u["id"] for u in api.get("/api/v1/business-units", params={"parent_id": sales["id"]}).json()["items"]] \
        == [east["id"]]

    # A unit cannot go below itself, directly or through its children, and the root has no parent.
    for unit, parent in ((sales, east), (sales, sales), (root, sales)):
        assert fields(api.patch(f"/api/v1/business-units/{unit['id']}", json={"parent_id": parent["id"]})) \
            == {"parent_id"}
    assert fields(api.post("/api/v1/business-units", json={"name": unique("unit"), "parent_id": str(uuid.uuid4())})) \
        == {"parent_id"}
    assert fields(api.post("/api/v1/business-units", json={"name": "Organisation", "parent_id": root["id"]}),
                  409) == {"name"}
    assert fields(api.patch(f"/api/v1/business-units/{east['id']}", json={"parent_id": None})) == {"parent_id"}

    # In use: child units, teams, users; the root never.
    assert api.delete(f"/api/v1/business-units/{sales['id']}").status_code == 409
    assert api.delete(f"/api/v1/business-units/{root['id']}").status_code == 409
    team = created(api.post("/api/v1/teams", json={"name": unique("team"), "business_unit_id": east["id"]}))
    user = new_user(api, business_unit_id=east["id"])
    refused = api.delete(f"/api/v1/business-units/{east['id']}")
    assert refused.status_code == 409 and "users and teams" in refused.json()["detail"]

    moved = api.patch(f"/api/v1/users/{user['id']}", json={"business_unit_id": sales["id"]})
    assert moved.json()["business_unit_id"] == sales["id"] and moved.json()["version"] == 2
    api.patch(f"/api/v1/teams/{team['id']}", json={"business_unit_id": sales["id"]}).raise_for_status()
    assert api.delete(f"/api/v1/business-units/{east['id']}").status_code == 204
    assert api.get(f"/api/v1/business-units/{east['id']}").status_code == 404

    # Moves and renames are versioned; a stale If-Match changes nothing.
    renamed = api.patch(f"/api/v1/business-units/{sales['id']}", json={"name": unique("renamed")},
                        headers={"If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.headers["ETag"] == '"2"'
    assert renamed.json()["updated_at"] > sales["updated_at"]
    assert api.patch(f"/api/v1/business-units/{sales['id']}", json={"name": "late"},
                     headers={"If-Match": '"1"'}).status_code == 412


def test_teams_have_members_who_hold_the_teams_roles(api, root, role_ids):
    team = created(api.post("/api/v1/teams", json={"name": unique("team"), "business_unit_id": root["id"]}))
    assert (team["member_ids"], team["role_ids"]) == ([], [])
    user = new_user(api)
    headers = signed_in(api, user)
    assert api.get("/api/v1/roles", headers=headers).status_code == 403

    joined = api.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": user["id"]})
    assert joined.status_code == 200 and joined.json()["member_ids"] == [user["id"]]
    assert joined.json()["version"] == 2
    again = api.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": user["id"]})
    assert again.json()["member_ids"] == [user["id"]] and again.json()["version"] == 2
    assert api.get(f"/api/v1/users/{user['id']}").json()["team_ids"] == [team["id"]]

    salesperson = role_ids["salesperson"]  # reads the directory
    given = api.put(f"/api/v1/teams/{team['id']}/roles", json={"role_ids": [salesperson]})
    assert given.json()["role_ids"] == [salesperson] and given.json()["version"] == 3
    assert api.get("/api/v1/roles", headers=headers).status_code == 200  # inherited from the team
    assert api.get(f"/api/v1/teams/{team['id']}").json()["role_ids"] == [salesperson]
    assert fields(api.put(f"/api/v1/teams/{team['id']}/roles", json={"role_ids": [str(uuid.uuid4())]})) \
        == {"role_ids"}
    assert fields(api.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": str(uuid.uuid4())})) \
        == {"user_id"}
    assert fields(api.post("/api/v1/teams", json={"name": team["name"], "business_unit_id": root["id"]}),
                  409) == {"name"}

    left = api.delete(f"/api/v1/teams/{team['id']}/members/{user['id']}")
    assert left.status_code == 200 and left.json()["member_ids"] == []
    assert api.delete(f"/api/v1/teams/{team['id']}/members/{user['id']}").status_code == 404
    assert api.get("/api/v1/roles", headers=headers).status_code == 403

    # A team that holds a role keeps the role from being deleted; the team itself can go.
    assert api.delete(f"/api/v1/teams/{team['id']}").status_code == 204
    assert api.get(f"/api/v1/teams/{team['id']}").status_code == 404
    assert api.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": user["id"]}).status_code == 404


def test_role_privileges_are_checked_field_by_field(api):
    refused = api.post("/api/v1/roles", json={"name": unique("role"), "privileges": {
        "acounts": {"read": "own"},
        "accounts": {"raed": "own", "write": "everywhere", "read": "business_unit"}}})
    assert fields(refused) == {"privileges.acounts", "privileges.accounts.raed", "privileges.accounts.write"}
    assert fields(api.post("/api/v1/roles", json={"name": unique("role"), "privileges": {"accounts": "all"}})) \
        == {"privileges.accounts"}

    role = created(api.post("/api/v1/roles", json={"name": unique("role"), "description": "reads accounts",
                                                   "privileges": {"accounts": {"read": "business_unit"}}}))
    assert role["privileges"] == {"accounts": {"read": "business_unit"}}
    assert fields(api.post("/api/v1/roles", json={"name": role["name"], "privileges": {}}), 409) == {"name"}
    assert fields(api.patch(f"/api/v1/roles/{role['id']}", json={"privileges": {"accounts": {"read": "all"}}})) \
        == {"privileges.accounts.read"}
    assert fields(api.patch(f"/api/v1/roles/{role['id']}", json={"privileges": None})) == {"privileges"}
    changed = api.patch(f"/api/v1/roles/{role['id']}", json={"privileges": {"accounts": {"read": "organisation"}}})
    assert changed.status_code == 200 and changed.json()["version"] == 2

    holder = new_user(api, role_ids=[role["id"]])
    held = api.delete(f"/api/v1/roles/{role['id']}")
    assert held.status_code == 409 and "Users" in held.json()["detail"]
    api.patch(f"/api/v1/users/{holder['id']}", json={"role_ids": []}).raise_for_status()
    assert api.delete(f"/api/v1/roles/{role['id']}").status_code == 204
    assert api.get(f"/api/v1/roles/{role['id']}").status_code == 404


def test_users_get_roles_replaced_and_are_deactivated_not_deleted(api, root, role_ids):
    unit = new_unit(api, root["id"])
    user = new_user(api, business_unit_id=unit["id"], role_ids=[role_ids["salesperson"]])
    shown = api.get(f"/api/v1/users/{user['id']}")
    assert shown.headers["ETag"] == '"1"'
    assert {k: shown.json()[k] for k in ("business_unit_id", "role_ids", "team_ids", "is_admin", "is_active")} == {
        "business_unit_id": unit["id"], "role_ids": [role_ids["salesperson"]], "team_ids": [], "is_admin": False,
        "is_active": True}
    assert not {"password", "password_hash"} & set(shown.json())
    assert new_user(api)["business_unit_id"] == root["id"]  # the default unit
    taken = api.post("/api/v1/users", json={"username": user["username"], "password": PASSWORD})
    assert fields(taken, 409) == {"username"}
    assert fields(api.post("/api/v1/users", json={"username": " ", "password": "short", "is_admin": True})) \
        == {"username", "password", "is_admin"}

    replaced = api.patch(f"/api/v1/users/{user['id']}", json={"role_ids": [role_ids["scheduler"],
                                                                         role_ids["sales manager"]]})
    assert sorted(replaced.json()["role_ids"]) == sorted([role_ids["scheduler"], role_ids["sales manager"]])
    assert fields(api.patch(f"/api/v1/users/{user['id']}", json={"role_ids": [str(uuid.uuid4())]})) == {"role_ids"}
    assert api.get(f"/api/v1/users/{user['id']}").json()["version"] == 2  # the refused change left nothing

    headers = signed_in(api, user)
    assert api.get("/api/v1/users", headers=headers).status_code == 200  # sales manager reads the directory
    listed = api.get("/api/v1/users", params={"business_unit_id": unit["id"], "is_active": True}).json()["items"]
    assert [u["id"] for u in listed] == [user["id"]]
    off = api.patch(f"/api/v1/users/{user['id']}", json={"is_active": False})
    assert off.json()["is_active"] is False
    assert api.get("/api/v1/users", headers=headers).status_code == 401  # signed out at once
    assert api.get("/api/v1/users", params={"business_unit_id": unit["id"], "is_active": True}).json()["items"] == []
    assert api.delete(f"/api/v1/users/{user['id']}").status_code == 405


def test_pages_run_in_name_order(api):
    names = [f"page-{uuid.uuid4().hex[:6]}-{n}" for n in range(3)]
    for name in names:
        created(api.post("/api/v1/roles", json={"name": name, "privileges": {}}))
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/roles", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [role["name"] for role in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and set(names) <= set(seen)
    assert fields(api.get("/api/v1/roles", params={"cursor": "not a cursor"})) == {"cursor"}


def test_only_roles_that_grant_it_reach_the_directory(api):
    nobody = new_user(api)
    assert api.get("/api/v1/roles", headers=signed_in(api, nobody)).status_code == 403
    assert api.get("/api/v1/roles").status_code == 200  # the administrator
    assert api.get("/api/v1/roles", headers={"Authorization": ""}).status_code == 401


def test_no_one_grants_privileges_wider_than_their_own(api, role_ids):
    """A user administrator (who may change users) cannot make themselves an administrator."""
    keeper = created(api.post("/api/v1/roles", json={"name": unique("user keeper"), "privileges": {
        "users": {"read": "organisation", "write": "organisation"}, "roles": {"read": "organisation"},
        "teams": {"write": "organisation"}}}))
    user = new_user(api, role_ids=[keeper["id"]])
    headers = signed_in(api, user)
    escalation = api.patch(f"/api/v1/users/{user['id']}", headers=headers,
                           json={"role_ids": [keeper["id"], role_ids["administrator"]]})
    assert escalation.status_code == 403 and "privileges.roles.create" in fields(escalation, 403)
    admins = created(api.post("/api/v1/teams", json={"name": unique("admins"), "business_unit_id":
                                                     user["business_unit_id"]}))
    api.put(f"/api/v1/teams/{admins['id']}/roles", json={"role_ids": [role_ids["administrator"]]}).raise_for_status()
    joined = api.post(f"/api/v1/teams/{admins['id']}/members", headers=headers, json={"user_id": user["id"]})
    assert joined.status_code == 403
    # Within their own privileges they may: another user gets the keeper role from them.
    other = new_user(api)
    given = api.patch(f"/api/v1/users/{other['id']}", headers=headers, json={"role_ids": [keeper["id"]]})
    assert given.status_code == 200 and given.json()["role_ids"] == [keeper["id"]]
    assert api.patch(f"/api/v1/users/{user['id']}", headers=headers, json={"is_active": False}).status_code == 409
