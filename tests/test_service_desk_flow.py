"""Flow 3 of EVENTS.md through the gateway, every service a process: a case on a contract
collects completed phone calls (activities' ActivityCompleted), its resolution charges the
contract exactly once, and an exhausted allotment gives the account owner a task."""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
from crmkit.testing.bus import publish_event
from crmkit.testing.suite_http import ok
from crmkit.testing.waiting import wait_until

WAIT_S = 30


def active_contract(api, account_id, minutes):
    today = date.today()
    contract = ok(api.post("/api/v1/contracts", json={
        "name": f"Support {minutes} min", "customer_account_id": account_id, "start_date": str(today),
        "end_date": str(today + timedelta(days=365)), "allotment_type": "hours", "total_allotment": minutes}), 201)
    return ok(api.post(f"/api/v1/contracts/{contract['id']}/activate"))


def completed_call(api, case_id, minutes):
    call = ok(api.post("/api/v1/activities", json={"type": "phone_call", "subject": f"{minutes} minutes on the phone",
                                                   "regarding": {"type": "case", "id": case_id}}), 201)
    return ok(api.post(f"/api/v1/activities/{call['id']}/complete", json={"actual_duration_minutes": minutes}))


def test_flow_3_a_case_charges_its_contract_exactly_once(suite, api, sql):
    account = ok(api.post("/api/v1/accounts", json={"name": "Flow Three Ltd"}), 201)
    contract = active_contract(api, account["id"], 600)  # 10 hours, counted in minutes
    case = ok(api.post("/api/v1/cases", json={"title": "Mail server down", "customer_account_id": account["id"],
                                              "contract_id": contract["id"], "priority": "high"}), 201)
    completed_call(api, case["id"], 30)
    completed_call(api, case["id"], 60)
    wait_until(lambda: ok(api.get(f"/api/v1/cases/{case['id']}"))["time_spent_minutes"] == 90, timeout=WAIT_S,
               interval=0.3, message="the calls' minutes on the case")

    resolved = ok(api.post(f"/api/v1/cases/{case['id']}/resolve", json={"resolution": "Restarted the MTA",
                                                                         "billable_minutes": 30}))
    assert (resolved["status"], resolved["time_spent_minutes"]) == ("resolved", 120)
    assert ok(api.get(f"/api/v1/contracts/{contract['id']}"))["remaining_allotment"] == 480

    # CaseResolved delivered twice more on the bus, and the resolve sent again: still 480.
    desk = sql(suite.database_url("service_desk"))
    envelope = desk.scalar("SELECT envelope FROM outbox WHERE event_type = 'CaseResolved' "
                           "AND envelope->'payload'->>'case_id' = :c", c=case["id"])
    assert envelope["payload"]["time_spent_minutes"] == 120
    for _ in range(2):
        publish_event(suite.env["CRM_AMQP_URI"], envelope)
    assert api.post(f"/api/v1/cases/{case['id']}/resolve", json={"resolution": "Again"}).status_code == 409
    activities = sql(suite.database_url("activities"))
    wait_until(lambda: activities.scalar("SELECT count(*) FROM inbox WHERE event_id = :e",
                                         e=envelope["event_id"]) == 1, timeout=WAIT_S, message="CaseResolved handled")
    assert ok(api.get(f"/api/v1/contracts/{contract['id']}"))["remaining_allotment"] == 480
    assert desk.scalar("SELECT count(*) FROM contract_deductions WHERE case_id = :c", c=case["id"]) == 1
    assert ok(api.get(f"/api/v1/cases/{case['id']}"))["customer_name"] == "Flow Three Ltd"


def test_an_exhausted_allotment_gives_the_account_owner_a_task(suite, api):
    account = ok(api.post("/api/v1/accounts", json={"name": "Used Up Inc"}), 201)
    contract = active_contract(api, account["id"], 60)
    case = ok(api.post("/api/v1/cases", json={"title": "Everything", "customer_account_id": account["id"],
                                              "contract_id": contract["id"]}), 201)
    ok(api.post(f"/api/v1/cases/{case['id']}/resolve", json={"resolution": "All of it", "billable_minutes": 60}))
    assert ok(api.get(f"/api/v1/contracts/{contract['id']}"))["remaining_allotment"] == 0

    def tasks():
        return ok(api.get("/api/v1/activities", params={"regarding_type": "contract",
                                                        "regarding_id": contract["id"]}))["items"]
    [task] = wait_until(tasks, timeout=WAIT_S, interval=0.3, message="the renewal task")
    assert task["type"] == "task" and task["owner_id"] == account["owner_id"]


def test_twenty_concurrent_picks_through_the_gateway_leave_one_holder(suite, api):
    queue = ok(api.post("/api/v1/queues", json={"name": f"Suite queue {uuid.uuid4()}"}), 201)
    case = ok(api.post("/api/v1/cases", json={"title": "Pick me", "customer_account_id": str(uuid.uuid4())}), 201)
    item = ok(api.post(f"/api/v1/queues/{queue['id']}/items", json={"item_type": "case", "item_id": case["id"]}), 201)
    headers = dict(api.headers)

    def pick(_):
        with httpx.Client(base_url=suite.url, headers=headers, timeout=30) as client:
            return client.post(f"/api/v1/queue-items/{item['id']}/pick").status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(pick, range(20)))
    assert sorted(statuses) == [200] + [409] * 19
    history = ok(api.get(f"/api/v1/queue-items/{item['id']}/history"))["items"]
    assert [h["action"] for h in history] == ["added", "picked"]


def test_every_wrong_state_answers_409_and_changes_nothing(api):
    case = ok(api.post("/api/v1/cases", json={"title": "States", "customer_account_id": str(uuid.uuid4())}), 201)
    ok(api.post(f"/api/v1/cases/{case['id']}/cancel"))
    before = ok(api.get(f"/api/v1/cases/{case['id']}"))
    for path, body in (("resolve", {"resolution": "x"}), ("cancel", None), ("wait", None), ("resume", None),
                       ("respond", None)):
        response = api.post(f"/api/v1/cases/{case['id']}/{path}", json=body)
        assert response.status_code == 409, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api.patch(f"/api/v1/cases/{case['id']}", json={"title": "Renamed"}).status_code == 409
    assert ok(api.get(f"/api/v1/cases/{case['id']}")) == before
    article = ok(api.post("/api/v1/kb/articles", json={"title": "Draft", "body": "Body"}), 201)
    for path in ("archive", "revise"):
        assert api.post(f"/api/v1/kb/articles/{article['id']}/{path}").status_code == 409
    assert json.loads(api.get(f"/api/v1/kb/articles/{article['id']}").text)["status"] == "draft"
