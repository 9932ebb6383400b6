"""Activities through the gateway with every service running as its own process: labels that
follow sales, campaign activities distributed by marketing, a case's activities closed when
service desk resolves it, bookings on resources' calendars, and the iCalendar feed."""
import copy
import uuid

from icalendar import Calendar

from crmkit.testing.bus import publish_event
from crmkit.testing.contracts import example_event
from crmkit.testing.waiting import wait_until

PROBLEM = "application/problem+json"
WAIT_S = 30


def timeline(api, record_type, record_id, **filters):
    response = api.get("/api/v1/activities", params={"regarding_type": record_type, "regarding_id": record_id,
                                                     **filters})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def publish(suite, producer, event_type, **payload):
    """Publish the producer's example message, as the producer would, on the suite's bus."""
    envelope = copy.deepcopy(example_event(producer, event_type))
    envelope["event_id"] = str(uuid.uuid4())
    envelope["payload"].update(payload)
    publish_event(suite.env["CRM_AMQP_URI"], envelope)
    return envelope


def test_an_activity_shows_its_accounts_name_as_sales_changes_it(api):
    account = api.post("/api/v1/accounts", json={"name": "Timeline Traders"}).json()
    activity = api.post("/api/v1/activities", json={"type": "phone_call", "subject": "Intro call",
                                                    "regarding": {"type": "account", "id": account["id"]}})
    assert activity.status_code == 201, activity.text
    location = activity.headers["location"]
    wait_until(lambda: api.get(location).json()["regarding"]["label"] == "Timeline Traders", timeout=WAIT_S,
               message="the account's name from AccountCreated")
    renamed = api.patch(f"/api/v1/accounts/{account['id']}", json={"name": "Timeline Traders Group"})
    assert renamed.status_code == 200, renamed.text
    wait_until(lambda: api.get(location).json()["regarding"]["label"] == "Timeline Traders Group", timeout=WAIT_S,
               message="the new name from AccountUpdated")
    [listed] = timeline(api, "account", account["id"])
    assert listed["regarding"]["label"] == "Timeline Traders Group"


def test_completing_publishes_activity_completed_on_the_bus(suite, api, sql):
    case_id = str(uuid.uuid4())
    activity = api.post("/api/v1/activities", json={"type": "phone_call", "subject": "Diagnose",
                                                    "regarding": {"type": "case", "id": case_id}}).json()
    done = api.post(f"/api/v1/activities/{activity['id']}/complete", json={"actual_duration_minutes": 40})
    assert done.status_code == 200, done.text
    assert api.post(f"/api/v1/activities/{activity['id']}/complete").status_code == 409
    activities = sql(suite.database_url("activities"))
    wait_until(lambda: activities.scalar("SELECT status FROM outbox WHERE event_type = 'ActivityCompleted' "
                                         "AND envelope->'payload'->>'activity_id' = :a", a=activity["id"]) == "published",
               timeout=WAIT_S, message="ActivityCompleted published")
    assert activities.scalar("SELECT count(*) FROM outbox WHERE event_type = 'ActivityCompleted' "
                             "AND envelope->'payload'->>'activity_id' = :a", a=activity["id"]) == 1


def test_a_quick_campaign_puts_one_campaign_activity_per_member_on_the_campaigns_timeline(api):
    contacts = [api.post("/api/v1/contacts", json={"first_name": "Ada", "last_name": f"Member {n}"}).json()
                for n in range(2)]
    members = api.post("/api/v1/marketing-lists", json={"name": "Activities flow", "member_type": "contact",
                                                        "kind": "static"}).json()
    for contact in contacts:
        wait_until(lambda: api.post(f"/api/v1/marketing-lists/{members['id']}/members",
                                    json={"ids": [contact["id"]]}).status_code == 200,
                   timeout=WAIT_S, message="the contact known to marketing")
    owner = str(uuid.uuid4())
    quick = api.post("/api/v1/quick-campaigns", json={"list_id": members["id"], "channel": "phone_call",
                                                      "subject": "Invite to the user day", "owner_ids": [owner]})
    assert quick.status_code == 201, quick.text
    campaign_id = quick.json()["campaign"]["id"]
    made = wait_until(lambda: len(timeline(api, "campaign", campaign_id)) == 2 and timeline(api, "campaign", campaign_id),
                      timeout=WAIT_S, message="campaign activities in the activities service")
    assert {(a["type"], a["channel"], a["owner_id"]) for a in made} == {("campaign_activity", "phone_call", owner)}
    assert sorted(a["parties"][0]["label"] for a in made) == ["Ada Member 0", "Ada Member 1"]
    my_work = api.get("/api/v1/activities/my-work", params={"owner_id": owner}).json()
    assert len(my_work["items"]) == 2


def test_case_resolved_closes_the_cases_open_activities_once(suite, api):
    case_id = str(uuid.uuid4())
    open_task = api.post("/api/v1/activities", json={"type": "task", "subject": "Check logs",
                                                     "regarding": {"type": "case", "id": case_id}}).json()
    resolved = publish(suite, "service_desk", "CaseResolved", case_id=case_id)
    publish_event(suite.env["CRM_AMQP_URI"], resolved)  # delivered twice
    wait_until(lambda: api.get(f"/api/v1/activities/{open_task['id']}").json()["status"] == "cancelled",
               timeout=WAIT_S, message="the case's task closed")
    assert api.get(f"/api/v1/activities/{open_task['id']}").json()["version"] == 2


def test_a_booking_lands_on_the_resources_calendar_feed(suite, api):
    resource = str(uuid.uuid4())
    booking = publish(suite, "scheduler", "BookingCreated", booking_id=str(uuid.uuid4()), resource_ids=[resource],
                      regarding={"type": "order", "id": str(uuid.uuid4())})
    order_id = booking["payload"]["regarding"]["id"]
    wait_until(lambda: timeline(api, "order", order_id), timeout=WAIT_S, message="the service activity")
    feed = api.get("/api/v1/activities/calendar.ics", params={"resource_id": resource})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == booking["payload"]["subject"]


def test_a_series_and_its_feed_through_the_gateway(api):
    series = api.post("/api/v1/activities", json={
        "type": "recurring_appointment", "subject": "Suite weekly",
        "scheduled_start": "2027-03-22T09:00:00+01:00", "scheduled_end": "2027-03-22T09:30:00+01:00",
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO", "timezone": "Europe/Paris", "count": 3}})
    assert series.status_code == 201, series.text
    occurrences = api.get(f"/api/v1/activities/{series.json()['id']}/occurrences",
                          params={"start": "2027-03-01T00:00:00Z", "end": "2027-05-01T00:00:00Z"}).json()["items"]
    assert [o["start"] for o in occurrences] == ["2027-03-22T08:00:00Z", "2027-03-29T07:00:00Z", "2027-04-05T07:00:00Z"]
    owner = series.json()["owner_id"]
    mine = api.get("/api/v1/activities/my-work", params={"limit": 500}).json()["items"]  # the caller's
    assert series.json()["id"] in [item["id"] for item in mine]
    feed = Calendar.from_ical(api.get("/api/v1/activities/calendar.ics", params={"owner_id": owner}).content)
    [event] = [e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Suite weekly"]
    assert event["RRULE"]["COUNT"] == [3]
    bad = api.post("/api/v1/activities", json={"type": "recurring_appointment", "subject": "Bad series",
                                               "scheduled_start": "2027-03-23T09:00:00+01:00",
                                               "scheduled_end": "2027-03-23T09:30:00+01:00",
                                               "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO", "count": 3}})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in bad.json()["errors"]] == ["scheduled_start"]
