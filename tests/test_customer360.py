"""The customer 360 view through the gateway: one account with data in all five services
appears whole; with one service stopped the call still answers within a second, naming the
sections it could not fill."""
import time
import uuid
from datetime import datetime, timedelta, timezone

from crmkit.testing.suite_http import ok
from crmkit.testing.waiting import wait_until


def seed_one_customer(api) -> dict:
    """An account with a contact, an opportunity, a case, an activity, a campaign response and
    an upcoming booking: something in every service."""
    tag = uuid.uuid4().hex[:8]
    account = ok(api.post("/api/v1/accounts", json={"name": f"Northwind 360 {tag}"}), 201)
    aid = account["id"]
    contact = ok(api.post("/api/v1/contacts", json={"last_name": f"Fuller {tag}", "account_id": aid}), 201)
    opportunity = ok(api.post("/api/v1/opportunities", json={
        "name": f"Renewal {tag}", "account_id": aid, "estimated_value": "5000.00", "currency": "EUR"}), 201)
    case = ok(api.post("/api/v1/cases", json={"title": f"Printer jam {tag}", "customer_account_id": aid}), 201)
    activity = ok(api.post("/api/v1/activities", json={
        "type": "phone_call", "subject": f"Check-in call {tag}", "regarding": {"type": "account", "id": aid}}), 201)
    campaign = ok(api.post("/api/v1/campaigns", json={"name": f"Spring {tag}", "type": "email"}), 201)
    ok(api.post(f"/api/v1/campaigns/{campaign['id']}/activate"))
    ok(api.post(f"/api/v1/campaigns/{campaign['id']}/responses",
                json={"channel": "email", "subject": "Tell me more", "contact_id": contact["id"]}), 201)
    room = ok(api.post("/api/v1/scheduler/resources", json={
        "name": f"Room {tag}", "kind": "facility", "capacity": 10, "timezone": "UTC",
        "working_hours": [{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)]}), 201)
    service = ok(api.post("/api/v1/scheduler/services", json={
        "name": f"Workshop {tag}", "duration_minutes": 60,
        "requirements": [{"kind": "facility", "min_capacity": 1}]}), 201)
    start = (datetime.now(timezone.utc) + timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = ok(api.post("/api/v1/scheduler/bookings", json={
        "service_id": service["id"], "resource_ids": [room["id"]], "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(), "account_id": aid}), 201)
    return {"account": aid, "contact": contact["id"], "opportunity": opportunity["id"], "case": case["id"],
            "activity": activity["id"], "campaign": campaign["id"], "booking": booking["id"]}


def ids(records) -> set[str]:
    return {record.get("id") or record.get("campaign_id") for record in records}


def test_one_account_appears_whole_and_a_stopped_service_only_empties_its_sections(suite, api):
    seeded = seed_one_customer(api)
    url = f"/api/v1/customers/{seeded['account']}"

    def whole():
        # Marketing and activities learn the contact's account from events: wait for them.
        view = ok(api.get(url))
        return view if seeded["campaign"] in ids(view["campaigns"]) and view["activities"]["recent"] else None

    view = wait_until(whole, timeout=30, message="every section of the 360 filled")
    assert view["unavailable"] == []
    assert view["account"]["id"] == seeded["account"]
    assert seeded["contact"] in ids(view["contacts"])
    assert seeded["opportunity"] in ids(view["opportunities"]["open"])
    assert seeded["case"] in ids(view["cases"]["open"])
    assert seeded["activity"] in ids(view["activities"]["recent"])
    assert view["activities"]["counts_by_type"].get("phone_call") == 1
    assert seeded["booking"] in ids(view["bookings"])

    suite.processes.stop("scheduler")
    try:
        started = time.perf_counter()
        degraded = api.get(url)
        elapsed = time.perf_counter() - started
        assert degraded.status_code == 200, degraded.text
        assert elapsed < 1.0, f"the 360 took {elapsed:.2f}s with the scheduler stopped"
        body = degraded.json()
        assert body["unavailable"] == ["bookings"] and body["bookings"] == []
        assert seeded["case"] in ids(body["cases"]["open"])  # the others still answer
    finally:
        suite.processes.start("scheduler")
        wait_until(lambda: api.get("/ready").status_code == 200, timeout=60, message="the scheduler back")


def test_an_unknown_account_is_404(api):
    response = api.get(f"/api/v1/customers/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
