"""Flow 2 of EVENTS.md through the gateway with every service running as its own process:
a quote with a training product of 3 sessions for 12 attendees is accepted; the scheduler
books a qualified teacher and a fitting room for each session, and the service activities
show on the account's timeline (customer 360)."""
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from crmkit.testing.suite_http import ok
from crmkit.testing.waiting import wait_until

WAIT_S = 60


def hours(days=range(5), start="09:00", end="17:00"):
    return [{"weekday": d, "start": start, "end": end} for d in days]


def inside_working_hours(resource: dict, start: datetime, end: datetime) -> bool:
    local_start, local_end = start.astimezone(ZoneInfo(resource["timezone"])), end.astimezone(ZoneInfo(resource["timezone"]))
    if local_start.date() != local_end.date():
        return False
    return any(span["weekday"] == local_start.weekday() and span["start"] <= local_start.strftime("%H:%M")
               and local_end.strftime("%H:%M") <= span["end"] for span in resource["working_hours"])


def test_an_accepted_training_quote_is_booked_and_lands_on_the_accounts_timeline(api):
    tag = uuid.uuid4().hex[:8]
    subject = f"crm-admin-{tag}"
    scheduler = "/api/v1/scheduler"

    def resource(body):
        return ok(api.post(f"{scheduler}/resources", json=body), 201)

    # Teachers in two time zones; only two are rated 3 or more in the subject.
    resource({"name": f"Ada {tag}", "kind": "user", "timezone": "Europe/Paris", "working_hours": hours(),
              "characteristics": [{"name": subject, "rating": 5}]})
    resource({"name": f"Grace {tag}", "kind": "user", "timezone": "America/New_York", "working_hours": hours(),
              "characteristics": [{"name": subject, "rating": 3}]})
    resource({"name": f"Linus {tag}", "kind": "user", "timezone": "Europe/Paris", "working_hours": hours(),
              "characteristics": [{"name": subject, "rating": 2}]})
    for name, seats, features in (("Lab", 14, ["projector"]), ("Den", 30, []), ("Closet", 8, ["projector"]),
                                  ("Hall", 60, ["projector", "stage"])):
        resource({"name": f"{name} {tag}", "kind": "facility", "capacity": seats, "features": features,
                  "timezone": "Europe/Paris", "working_hours": hours(start="08:00", end="18:00")})
    service = ok(api.post(f"{scheduler}/services", json={
        "name": f"CRM administration {tag}", "duration_minutes": 180, "slot_minutes": 60, "default_attendees": 12,
        "requirements": [{"kind": "user", "characteristics": [{"name": subject, "min_rating": 3}]},
                         {"kind": "facility", "features": ["projector"], "min_capacity": "attendees"}]}), 201)

    account = ok(api.post("/api/v1/accounts", json={"name": f"Fabrikam Training {tag}"}), 201)
    course = ok(api.post("/api/v1/products", json={
        "name": "CRM administration course (per session)", "product_number": f"CRS-{tag}", "unit": "session",
        "is_service": True, "scheduling_service_id": service["id"]}), 201)
    price_list = ok(api.post("/api/v1/price-lists", json={"name": f"USD {tag}", "currency": "USD"}), 201)
    ok(api.post(f"/api/v1/price-lists/{price_list['id']}/items", json={"product_id": course["id"], "amount": "1350.00"}),
       201)
    quote = ok(api.post("/api/v1/quotes", json={"name": f"Training {tag}", "account_id": account["id"],
                                                "price_list_id": price_list["id"]}), 201)
    ok(api.post(f"/api/v1/quotes/{quote['id']}/lines", json={"product_id": course["id"], "quantity": "3"}), 201)
    ok(api.post(f"/api/v1/quotes/{quote['id']}/activate", json={}))
    accepted = ok(api.post(f"/api/v1/quotes/{quote['id']}/accept", json={}))

    def bookings():
        return ok(api.get(f"{scheduler}/bookings", params={"account_id": account["id"], "status": "booked"}))["items"]

    booked = wait_until(lambda: len(b := bookings()) == 3 and b, timeout=WAIT_S, interval=0.5,
                        message="three bookings for the accepted quote")
    assert {b["regarding"]["id"] for b in booked} == {accepted["order_id"]}
    assert all(b["attendees"] == 12 and b["service_id"] == service["id"] for b in booked)
    resources = {}
    spans = []
    for booking in booked:
        start, end = datetime.fromisoformat(booking["start"]), datetime.fromisoformat(booking["end"])
        assert (end - start).total_seconds() == 3 * 3600
        chosen = [resources.setdefault(rid, ok(api.get(f"{scheduler}/resources/{rid}"))) for rid in booking["resource_ids"]]
        [teacher] = [r for r in chosen if r["kind"] == "user"]
        [room] = [r for r in chosen if r["kind"] == "facility"]
        assert {c["name"]: c["rating"] for c in teacher["characteristics"]}[subject] >= 3
        assert room["capacity"] >= 12 and "projector" in room["features"]
        for resource_record in chosen:
            assert inside_working_hours(resource_record, start, end), (resource_record["name"], booking)
            spans.append((resource_record["id"], start, end))
    for i, (rid, start, end) in enumerate(spans):  # nobody double booked
        assert not any(rid == other and start < e and s < end for other, s, e in spans[i + 1:])
    assert len({datetime.fromisoformat(b["start"]).date() for b in booked}) == 3  # one session a day

    # Service activities for the bookings, on the account's timeline (customer 360) and the order's.
    def activities():
        return ok(api.get(f"/api/v1/customers/{account['id']}"))["activities"]["counts_by_type"].get("service_activity", 0)

    wait_until(lambda: activities() == 3, timeout=WAIT_S, interval=0.5, message="three service activities")
    timeline = ok(api.get("/api/v1/activities", params={"regarding_type": "order", "regarding_id": accepted["order_id"]}))
    assert sorted(a["scheduled_start"] for a in timeline["items"] if a["type"] == "service_activity") == \
        sorted(datetime.fromisoformat(b["start"]).isoformat().replace("+00:00", "Z") for b in booked)
    customer = ok(api.get(f"/api/v1/customers/{account['id']}"))
    assert sorted(b["id"] for b in customer["bookings"]) == sorted(b["id"] for b in booked)
