"""Imports (and exports) against the real sales service: exact created / updated / rejected
counts, matching that updates instead of duplicating, and a re-import that creates nothing.

The module runs its own gateway and sales service on their own vhost and databases (the
session's gateway talks to a sales stand-in)."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from crmkit.testing import infra
from crmkit.testing.waiting import wait_until
from fastapi.testclient import TestClient
from openpyxl import Workbook

from gateway.app import create_app
from gateway.rpc import ServiceUnavailable


@pytest.fixture(scope="module")
def api(make_settings, make_database, crm_servers, admin, tmp_path_factory):
    vhost = infra.unique_name("crm-test-imports")
    infra.create_vhost(crm_servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)
    log_path = tmp_path_factory.mktemp("sales") / "sales.log"
    env = {**os.environ, "CRM_AMQP_URI": amqp_uri, "CRM_LOG_FORMAT": "text",
           "CRM_SALES_DATABASE_URL": make_database("sales")}
    with open(log_path, "ab") as log:
        sales = subprocess.Popen([sys.executable, "-m", "sales", "run"], env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
    settings = make_settings(amqp_uri, database_url=make_database("gateway"), rpc_timeout_s=10.0,
                             webhooks_enabled=False, max_body_bytes=10 * 1024 * 1024)
    try:
        with TestClient(create_app(settings)) as client:
            def answers() -> bool:
                try:
                    client.portal.call(lambda: client.app.state.rpc.call("sales", "health", timeout_s=1.0))
                    return True
                except ServiceUnavailable:
                    return sales.poll() is not None
            wait_until(answers, timeout=60, interval=0.5, message="the sales service")
            assert sales.poll() is None, log_path.read_text()[-3000:]
            token = client.post("/api/v1/auth/token", json={"username": admin[0], "password": admin[1]})
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            yield client
    finally:
        sales.terminate()
        try:
            sales.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sales.kill()
        infra.delete_vhost(crm_servers.management_url, vhost)


def to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["first_name", "last_name", "email", "job_title", "city"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def run_import(api, resource: str, content: bytes, content_type: str = "text/csv") -> dict:
    response = api.post(f"/api/v1/imports/{resource}", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    wait_until(lambda: api.get(f"/api/v1/imports/{job_id}").json()["status"] in ("completed", "failed"),
               timeout=120, interval=0.2, message="the import to finish")
    job = api.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "completed", job
    return job


def all_records(api, resource: str, **filters) -> list[dict]:
    records, cursor = [], None
    while True:
        page = api.get(f"/api/v1/{resource}", params={"limit": 500, **filters, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        records += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return records


def test_contacts_import_counts_exactly_and_a_reimport_creates_nothing(api):
    for i in range(10):
        created = api.post("/api/v1/contacts", json={"last_name": f"Pre{i}", "email": f"pre{i}@imp.test",
                                                     "job_title": "Old"})
        assert created.status_code == 201, created.text
    rows = [{"last_name": f"Pre{i}", "email": f"PRE{i}@Imp.Test", "job_title": "New"} for i in range(10)]
    rows += [{"first_name": "N", "last_name": f"New{i}", "email": f"new{i}@imp.test", "job_title": "A",
              "city": "Oslo"} for i in range(250)]
    rows += [{"first_name": "No", "last_name": "", "email": f"bad{i}@imp.test"} for i in range(10)]
    rows += [{"last_name": f"Bad{i}", "email": "not-an-email"} for i in range(10)]
    # The same emails again later in the file: they update what the earlier rows created.
    rows += [{"first_name": "N", "last_name": f"New{i}", "email": f"new{i}@imp.test", "job_title": "B",
              "city": "Oslo"} for i in range(5)]
    content = to_csv(rows)

    job = run_import(api, "contacts", content)
    assert (job["total_rows"], job["processed_rows"]) == (285, 285)
    assert (job["created"], job["updated"], job["unchanged"], job["rejected"]) == (250, 15, 0, 20)
    rejected = {r["row"]: {e["field"] for e in r["errors"]} for r in job["rejections"]}
    # Header is row 1; the ten pre-existing matches are rows 2-11, new ones 12-261.
    assert rejected == {**{262 + i: {"last_name"} for i in range(10)}, **{272 + i: {"email"} for i in range(10)}}
    contacts = {c["email"]: c for c in all_records(api, "contacts")}
    assert len(contacts) == 260
    assert contacts["pre3@imp.test"]["job_title"] == "New"
    assert contacts["new2@imp.test"]["job_title"] == "B" and contacts["new7@imp.test"]["job_title"] == "A"

    again = run_import(api, "contacts", content)
    # Each duplicated email is set to A then back to B: 10 updates; nothing else changes.
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 10, 255, 20)
    assert len(all_records(api, "contacts")) == 260


def test_xlsx_accounts_match_on_account_number_then_name(api):
    existing = api.post("/api/v1/accounts", json={"name": "Fabrikam Inc", "account_number": "IMP-1"}).json()
    by_name = api.post("/api/v1/accounts", json={"name": "Northwind Traders"}).json()
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "account_number", "industry", "address.city"])
    sheet.append(["Fabrikam (renamed)", "IMP-1", "Retail", "Lyon"])  # matched by number
    sheet.append(["northwind traders", None, "Logistics", None])  # matched by name
    sheet.append(["Tailspin Toys", "IMP-3", None, "Oslo"])  # new
    sheet.append([None, "IMP-4", "Retail", None])  # no name: rejected
    buffer = io.BytesIO()
    book.save(buffer)

    job = run_import(api, "accounts", buffer.getvalue(),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert (job["created"], job["updated"], job["rejected"]) == (1, 2, 1), job
    assert job["rejections"] == [{"row": 5, "errors": [{"field": "name", "message": job["rejections"][0]["errors"][0]["message"]}]}]
    renamed = api.get(f"/api/v1/accounts/{existing['id']}").json()
    assert (renamed["name"], renamed["industry"], renamed["address"]["city"]) == ("Fabrikam (renamed)", "Retail", "Lyon")
    assert api.get(f"/api/v1/accounts/{by_name['id']}").json()["industry"] == "Logistics"
    assert [a["address"]["city"] for a in all_records(api, "accounts", account_number="IMP-3")] == ["Oslo"]


def test_the_json_form_of_an_upload(api):
    import base64

    content = to_csv([{"last_name": "Jsonson", "email": "json@imp.test"}])
    response = api.post("/api/v1/imports/contacts", json={"file_format": "csv",
                                                          "content": base64.b64encode(content).decode()})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    wait_until(lambda: api.get(f"/api/v1/imports/{job_id}").json()["status"] == "completed", timeout=60)
    assert api.get(f"/api/v1/imports/{job_id}").json()["created"] == 1
    assert [c["last_name"] for c in all_records(api, "contacts", email="json@imp.test")] == ["Jsonson"]


def test_bad_uploads_are_problems(api):
    assert api.post("/api/v1/imports/opportunities", content=b"a\n1", headers={"Content-Type": "text/csv"}).status_code == 404
    unknown = api.post("/api/v1/imports/contacts", content=b"a\n1", headers={"Content-Type": "text/plain"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "format"
    bad_json = api.post("/api/v1/imports/contacts", json={"file_format": "pdf", "content": 5})
    assert bad_json.status_code == 422
    assert {e["field"] for e in bad_json.json()["errors"]} == {"file_format", "content"}
    assert api.get("/api/v1/imports/00000000-0000-0000-0000-000000000000").status_code == 404
    response = api.post("/api/v1/imports/contacts?format=xlsx", content=b"not a workbook")
    job_id = response.json()["id"]
    wait_until(lambda: api.get(f"/api/v1/imports/{job_id}").json()["status"] == "failed", timeout=30)
    assert "XLSX" in api.get(f"/api/v1/imports/{job_id}").json()["error"]


# --- exports -----------------------------------------------------------------------------------

def test_exports_apply_the_list_filters_and_defuse_formulas(api):
    for i, title in enumerate(["=HYPERLINK(\"http://evil\")", "+1+1", "@SUM(A1)", "-2+3", "Plain"]):
        created = api.post("/api/v1/contacts", json={"last_name": f"Exp{i}", "email": f"exp{i}@exp.test",
                                                     "job_title": title, "city": "Exportville"})
        assert created.status_code == 201, created.text
    api.post("/api/v1/contacts", json={"last_name": "Elsewhere", "email": "else@exp.test", "city": "Oslo"})

    response = api.get("/api/v1/exports/contacts", params={"format": "csv", "city": "Exportville", "sort": "last_name"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    exported = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["last_name"] for row in exported] == [f"Exp{i}" for i in range(5)]
    assert [row["job_title"] for row in exported] == [
        "'=HYPERLINK(\"http://evil\")", "'+1+1", "'@SUM(A1)", "'-2+3", "Plain"]

    from openpyxl import load_workbook
    xlsx = api.get("/api/v1/exports/contacts", params={"format": "xlsx", "city": "Exportville", "sort": "last_name"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header, first = values[0], values[1]
    assert len(values) == 6
    assert first[header.index("job_title")] == "'=HYPERLINK(\"http://evil\")"
    assert sheet.cell(row=2, column=header.index("job_title") + 1).data_type == "s"  # text, not a formula


def test_exports_refuse_bad_filters_and_unknown_resources(api):
    bad = api.get("/api/v1/exports/contacts", params={"format": "csv", "colour": "red", "sort": "no such!"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"colour", "sort"}
    assert api.get("/api/v1/exports/contacts", params={"format": "pdf"}).status_code == 422
    assert api.get("/api/v1/exports/invoices").status_code == 404
