"""Audit history through the gateway: who changed which fields of a record, from what to what;
and every resource's audit route reads a table its service really audits."""
from sqlalchemy import create_engine, text

from crmkit.testing.suite_http import ok
from gateway.crud import REGISTERED
from gateway.routers import discover_routers


def admin_id(suite) -> str:
    engine = create_engine(suite.database_url("gateway"))
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id::text FROM users WHERE username = :u"),
                                   {"u": suite.env["CRM_ADMIN_USERNAME"]}).scalar_one()
    engine.dispose()
    return found


def test_changes_made_through_the_gateway_are_audited_with_the_user(suite, api):
    account = ok(api.post("/api/v1/accounts", json={"name": "Audit Trail Ltd", "industry": "Retail"}), 201)
    ok(api.patch(f"/api/v1/accounts/{account['id']}", json={"industry": "Software"}))
    history = ok(api.get(f"/api/v1/accounts/{account['id']}/audit"))["items"]
    assert [entry["action"] for entry in history] == ["updated", "created"]
    assert history[0]["changes"] == {"industry": {"from": "Retail", "to": "Software"}}
    assert {entry["actor_id"] for entry in history} == {admin_id(suite)}  # the caller, on every change


def test_an_unknown_records_audit_is_404(api):
    response = api.get("/api/v1/accounts/8c3e4c8e-6a1b-4b6e-9d2f-000000000000/audit")
    assert response.status_code == 404


def test_every_resource_audit_route_reads_an_audited_table_of_its_service(suite):
    discover_routers()
    assert len(REGISTERED) >= 15
    missing = []
    for resource in REGISTERED:
        engine = create_engine(suite.database_url(resource.service))
        with engine.connect() as connection:
            audited = connection.execute(text(
                "SELECT 1 FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid "
                "WHERE r.relname = :t AND g.tgname = 'crm_audit'"), {"t": resource.audit_table}).first()
        engine.dispose()
        if audited is None:
            missing.append(f"{resource.path} -> {resource.service}.{resource.audit_table}")
    assert missing == []
