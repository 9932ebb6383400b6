"""Consumers of other services' events, fed the producers' own example messages. Each is
delivered twice (the same event again) and, where a producer could say it twice, as a second
event telling the same fact: nothing is created or closed twice."""
import copy
import uuid

from icalendar import Calendar

from crmkit.testing.contracts import example_event
from helpers import deliver, event, outbox, valid_payloads

OWNER = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f1"
ACCOUNT = "8c3e4c8e-6a1b-4b6e-9d2f-3e5a7c9b1d01"


def count(service, where="true", **params) -> int:
    return service.sql.scalar(f"SELECT count(*) FROM activities WHERE {where}", **params)


def timeline(service, record_type, record_id):
    return service.rpc.list_activities(filters={"regarding_type": record_type, "regarding_id": record_id})["items"]


def test_campaign_activity_distributed_makes_one_campaign_activity_per_recipient_once(activities):
    distributed = example_event("marketing", "CampaignActivityDistributed")
    again_as_new_event = event("marketing", "CampaignActivityDistributed")
    deliver(activities, distributed, distributed, again_as_new_event)
    payload = distributed["payload"]
    made = timeline(activities, "campaign", payload["campaign_id"])
    assert len(made) == len(payload["recipients"]) == 2
    assert {(a["type"], a["channel"], a["owner_id"], a["subject"]) for a in made} == {
        ("campaign_activity", "phone_call", OWNER, payload["subject"])}
    assert sorted((a["parties"][0]["type"], a["parties"][0]["id"]) for a in made) == \
        sorted((r["type"], r["id"]) for r in payload["recipients"])
    assert {a["scheduled_start"] for a in made} == {"2026-12-01T09:00:00Z"}
    assert activities.sql.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=distributed["event_id"]) == 1
    # Completing one tells marketing which campaign activity progressed.
    activities.rpc.complete_activity(made[0]["id"])
    [completed] = outbox(activities, "ActivityCompleted")
    assert completed["payload"]["campaign_activity_id"] == payload["campaign_activity_id"]
    assert valid_payloads(activities)


def test_lead_qualified_gives_the_opportunity_owner_one_follow_up_task(activities):
    deliver(activities, event("sales", "LeadCreated"))
    qualified = example_event("sales", "LeadQualified")
    deliver(activities, qualified, qualified)
    p = qualified["payload"]
    [task] = timeline(activities, "opportunity", p["opportunity_id"])
    assert (task["type"], task["owner_id"], task["priority"], task["status"]) == ("task", OWNER, "high", "open")
    assert task["subject"] == "Follow up: 50 seats of CRM training"  # the lead's topic, from LeadCreated
    assert task["due_at"] == "2026-11-25T11:02:00Z"  # two days after the qualification
    assert task["parties"] == [{"role": "to", "type": "contact", "id": p["contact_id"], "label": None}]
    assert count(activities) == 1


def test_case_resolved_closes_the_open_activities_regarding_the_case_once(activities):
    resolved = example_event("service_desk", "CaseResolved")
    case = {"type": "case", "id": resolved["payload"]["case_id"]}
    open_call = activities.rpc.create_activity({"type": "phone_call", "subject": "Call", "regarding": case})
    done = activities.rpc.create_activity({"type": "task", "subject": "Done", "regarding": case})
    activities.rpc.complete_activity(done["id"], {"actual_duration_minutes": 10})
    elsewhere = activities.rpc.create_activity({"type": "task", "subject": "Other case",
                                                "regarding": {"type": "case", "id": str(uuid.uuid4())}})
    deliver(activities, resolved, resolved)
    assert activities.rpc.get_activity(open_call["id"])["status"] == "cancelled"
    assert activities.rpc.get_activity(open_call["id"])["status_reason"] == "case resolved"
    assert activities.rpc.get_activity(done["id"])["status"] == "completed"  # history stays as it was
    assert activities.rpc.get_activity(elsewhere["id"])["status"] == "open"
    assert [e["payload"]["activity_id"] for e in outbox(activities, "ActivityCancelled")] == [open_call["id"]]
    assert len(outbox(activities, "ActivityCompleted")) == 1  # only the one completed by hand


def test_booking_created_puts_a_service_activity_on_the_resources_and_cancelled_cancels_it(activities):
    created = example_event("scheduler", "BookingCreated")
    p = created["payload"]
    deliver(activities, created, created, event("scheduler", "BookingCreated"))
    [service_activity] = timeline(activities, "order", p["regarding"]["id"])
    assert service_activity["type"] == "service_activity"
    assert service_activity["subject"] == p["subject"]
    assert (service_activity["scheduled_start"], service_activity["scheduled_end"]) == \
        ("2026-12-07T08:00:00Z", "2026-12-07T11:00:00Z")
    assert [(x["role"], x["type"], x["id"]) for x in service_activity["parties"]] == \
        [("resource", "resource", r) for r in p["resource_ids"]]
    feed = Calendar.from_ical(activities.rpc.calendar_feed(resource_id=p["resource_ids"][1]))
    assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == [p["subject"]]

    cancelled = example_event("scheduler", "BookingCancelled")
    deliver(activities, cancelled, cancelled, event("scheduler", "BookingCancelled"))
    stored = activities.rpc.get_activity(service_activity["id"])
    assert (stored["status"], stored["status_reason"]) == ("cancelled", "customer postponed")
    assert count(activities) == 1 and len(outbox(activities, "ActivityCancelled")) == 1


def test_a_cancellation_that_overtakes_its_booking_leaves_nothing_open(activities):
    booking_id = str(uuid.uuid4())
    deliver(activities, event("scheduler", "BookingCancelled", booking_id=booking_id))
    deliver(activities, event("scheduler", "BookingCreated", booking_id=booking_id))
    assert count(activities) == 1
    assert count(activities, "status = 'cancelled'") == 1


def test_contract_allotment_exhausted_gives_the_account_owner_a_task_once(activities):
    account_owner = str(uuid.uuid4())
    deliver(activities, event("sales", "AccountCreated", owner_id=account_owner))
    exhausted = example_event("service_desk", "ContractAllotmentExhausted")
    deliver(activities, exhausted, exhausted)
    p = exhausted["payload"]
    [task] = timeline(activities, "contract", p["contract_id"])
    assert (task["type"], task["owner_id"], task["priority"]) == ("task", account_owner, "high")
    assert task["parties"] == [{"role": "to", "type": "account", "id": ACCOUNT, "label": "Contoso Ltd"}]
    assert count(activities) == 1


def test_the_account_owner_follows_account_updates(activities):
    new_owner = str(uuid.uuid4())
    deliver(activities, event("sales", "AccountCreated"), event("sales", "AccountUpdated", owner_id=new_owner))
    deliver(activities, event("service_desk", "ContractAllotmentExhausted"))
    [task] = activities.rpc.list_activities(filters={"type": "task"})["items"]
    assert task["owner_id"] == new_owner


def test_labels_of_regarding_records_are_kept_current_and_forward_only(activities):
    contact = example_event("sales", "ContactCreated")["payload"]["contact_id"]
    activity = activities.rpc.create_activity({
        "type": "email", "subject": "Welcome", "regarding": {"type": "account", "id": ACCOUNT},
        "parties": [{"role": "to", "type": "contact", "id": contact}]})
    assert activity["regarding"]["label"] is None
    updated = event("sales", "AccountUpdated")  # version 2, "Contoso Group"
    deliver(activities, updated, event("sales", "AccountCreated"), event("sales", "ContactCreated"))
    fetched = activities.rpc.get_activity(activity["id"])
    assert fetched["regarding"]["label"] == "Contoso Group"  # the late version 1 changed nothing
    assert fetched["parties"][0]["label"] == "Yvonne McKay"
    deliver(activities, event("sales", "ContactUpdated"))
    assert activities.rpc.get_activity(activity["id"])["parties"][0]["label"] == "Yvonne McKay-Smith"
    case = event("service_desk", "CaseCreated")
    deliver(activities, case)
    on_case = activities.rpc.create_activity({"type": "task", "subject": "Check logs",
                                              "regarding": {"type": "case", "id": case["payload"]["case_id"]}})
    assert on_case["regarding"]["label"] == "Cannot sync mailbox"


def test_campaigns_leads_and_resources_get_their_names_too(activities):
    distributed = example_event("marketing", "CampaignActivityDistributed")
    booking = example_event("scheduler", "BookingCreated")
    deliver(activities, distributed, booking, event("marketing", "CampaignCreated"),
            event("scheduler", "ResourceCreated"), event("sales", "LeadCreated"))
    campaign_id = distributed["payload"]["campaign_id"]
    made = timeline(activities, "campaign", campaign_id)
    assert {a["regarding"]["label"] for a in made} == {"Spring CRM training"}
    assert {a["parties"][0]["label"] for a in made if a["parties"][0]["type"] == "lead"} == {"50 seats of CRM training"}
    [service_activity] = timeline(activities, "order", booking["payload"]["regarding"]["id"])
    assert [p["label"] for p in service_activity["parties"]] == ["Ada Lovelace", None]
    deliver(activities, event("marketing", "CampaignUpdated", name="Spring CRM training (extended)"),
            event("scheduler", "ResourceDeleted"))
    assert {a["regarding"]["label"] for a in timeline(activities, "campaign", campaign_id)} == \
        {"Spring CRM training (extended)"}
    # A deleted resource keeps its name on past activities.
    assert activities.rpc.get_activity(service_activity["id"])["parties"][0]["label"] == "Ada Lovelace"


def test_contact_merged_re_points_regarding_and_parties_to_the_survivor(activities):
    merged = example_event("sales", "ContactMerged")
    loser, survivor = merged["payload"]["merged_contact_id"], merged["payload"]["surviving_contact_id"]
    about = activities.rpc.create_activity({"type": "task", "subject": "About", "regarding": {"type": "contact", "id": loser}})
    with_party = activities.rpc.create_activity({
        "type": "email", "subject": "To", "regarding": {"type": "account", "id": ACCOUNT},
        "parties": [{"role": "to", "type": "contact", "id": loser}, {"role": "cc", "type": "contact", "id": survivor}]})
    untouched = activities.rpc.create_activity({"type": "task", "subject": "Other",
                                                "regarding": {"type": "contact", "id": str(uuid.uuid4())}})
    deliver(activities, merged, merged)
    assert activities.rpc.get_activity(about["id"])["regarding"]["id"] == survivor
    assert [p["id"] for p in activities.rpc.get_activity(with_party["id"])["parties"]] == [survivor, survivor]
    assert activities.rpc.get_activity(untouched["id"])["version"] == 1
    assert sorted(e["payload"]["activity_id"] for e in outbox(activities, "ActivityUpdated")) == \
        sorted([about["id"], with_party["id"]])
    # A campaign activity that still names the merged contact lands on the survivor.
    deliver(activities, event("marketing", "CampaignActivityDistributed",
                              recipients=[{"type": "contact", "id": loser, "owner_id": OWNER}]))
    [campaign_activity] = activities.rpc.list_activities(filters={"type": "campaign_activity"})["items"]
    assert campaign_activity["parties"][0]["id"] == survivor
    assert valid_payloads(activities)


def test_account_merged_re_points_activities_and_moves_the_accounts_records(activities):
    merged = example_event("sales", "AccountMerged")
    loser, survivor = merged["payload"]["merged_account_id"], merged["payload"]["surviving_account_id"]
    deliver(activities, event("sales", "ContactCreated", account_id=loser))
    contact = example_event("sales", "ContactCreated")["payload"]["contact_id"]
    activities.rpc.create_activity({"type": "task", "subject": "On the account", "regarding": {"type": "account", "id": loser}})
    activities.rpc.create_activity({"type": "phone_call", "subject": "With the contact",
                                    "regarding": {"type": "contact", "id": contact}})
    deliver(activities, merged, merged)
    assert len(timeline(activities, "account", survivor)) == 1
    assert timeline(activities, "account", loser) == []
    overview = activities.rpc.customer_overview(survivor)
    assert overview["counts_by_type"] == {"phone_call": 1, "task": 1}
    assert activities.rpc.customer_overview(loser)["account_id"] == survivor


def test_a_large_distribution_is_inserted_in_chunks_exactly_once(activities):
    recipients = [{"type": "contact", "id": str(uuid.uuid4()), "owner_id": OWNER} for _ in range(1203)]
    distributed = event("marketing", "CampaignActivityDistributed", campaign_activity_id=str(uuid.uuid4()),
                        recipients=recipients)
    deliver(activities, distributed, distributed)
    repeated = copy.deepcopy(distributed) | {"event_id": str(uuid.uuid4())}
    repeated["payload"]["recipients"] = recipients[-5:] + [{"type": "lead", "id": str(uuid.uuid4()), "owner_id": OWNER}]
    deliver(activities, repeated)
    assert count(activities, "type = 'campaign_activity'") == 1204
    assert len(outbox(activities, "ActivityCreated")) == 1204
    assert count(activities, "parties @> CAST(:p AS jsonb)", p=f'[{{"id": "{recipients[600]["id"]}"}}]') == 1
