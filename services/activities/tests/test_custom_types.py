"""Custom activity types defined at run time, with their own validated fields."""
import pytest

from crmkit.errors import Conflict, ValidationFailed
from helpers import bad_fields, outbox, valid_payloads

SITE_VISIT = {"name": "site_visit", "label": "Site visit", "fields": [
    {"name": "mileage_km", "type": "integer", "required": True},
    {"name": "expenses", "type": "decimal"},
    {"name": "outcome", "type": "choice", "choices": ["sold", "follow_up", "lost"]}]}


def test_a_custom_type_is_created_and_its_activities_validated_field_by_field(activities):
    site_visit = activities.rpc.create_activity_type(SITE_VISIT)
    assert site_visit["fields"][0] == {"name": "mileage_km", "type": "integer", "required": True}
    assert activities.rpc.list_activity_types()["items"] == [site_visit]
    visit = activities.rpc.create_activity({
        "type": "site_visit", "subject": "Visit the Lyon plant", "scheduled_start": "2026-03-02T09:00:00+01:00",
        "custom_fields": {"mileage_km": 42, "expenses": "18.40", "outcome": "follow_up"}})
    assert visit["custom_fields"] == {"mileage_km": 42, "expenses": "18.40", "outcome": "follow_up"}

    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity({"type": "site_visit", "subject": "Bad",
                                        "custom_fields": {"mileage_km": "far", "expenses": 18.4,
                                                          "outcome": "won", "weather": "sunny"}})
    assert bad_fields(raised) == {"custom_fields.mileage_km", "custom_fields.expenses",
                                  "custom_fields.outcome", "custom_fields.weather"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity({"type": "site_visit", "subject": "Missing"})
    assert raised.value.errors == [{"field": "custom_fields.mileage_km", "message": "required by this activity type"}]
    assert activities.sql.scalar("SELECT count(*) FROM activities") == 1


def test_custom_fields_patch_merges_and_is_revalidated(activities):
    activities.rpc.create_activity_type(SITE_VISIT)
    visit = activities.rpc.create_activity({"type": "site_visit", "subject": "Visit",
                                            "custom_fields": {"mileage_km": 10}})
    patched = activities.rpc.update_activity(visit["id"], {"custom_fields": {"outcome": "sold"}})
    assert patched["custom_fields"] == {"mileage_km": 10, "outcome": "sold"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.update_activity(visit["id"], {"custom_fields": {"mileage_km": None}})
    assert bad_fields(raised) == {"custom_fields.mileage_km"}


def test_type_definitions_are_validated(activities):
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity_type({"name": "task", "label": "",
                                             "fields": [{"name": "Mileage", "type": "float"},
                                                        {"name": "kind", "type": "choice"}]})
    assert bad_fields(raised) == {"label", "fields.0.name", "fields.0.type"}
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity_type({"name": "task", "label": "Task again",
                                             "fields": [{"name": "kind", "type": "choice"}]})
    assert bad_fields(raised) == {"name", "fields.0.choices"}
    activities.rpc.create_activity_type(SITE_VISIT)
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.create_activity_type(SITE_VISIT)
    assert raised.value.errors == [{"field": "name", "message": "an activity type named site_visit exists"}]


def test_a_type_in_use_can_be_relabelled_but_not_renamed_or_deleted(activities):
    site_visit = activities.rpc.create_activity_type(SITE_VISIT)
    activities.rpc.create_activity({"type": "site_visit", "subject": "Visit", "custom_fields": {"mileage_km": 1}})
    assert activities.rpc.update_activity_type(site_visit["id"], {"label": "Customer visit"})["label"] == "Customer visit"
    with pytest.raises(ValidationFailed) as raised:
        activities.rpc.update_activity_type(site_visit["id"], {"name": "plant_visit"})
    assert bad_fields(raised) == {"name"}
    with pytest.raises(Conflict):
        activities.rpc.delete_activity_type(site_visit["id"])
    unused = activities.rpc.create_activity_type(SITE_VISIT | {"name": "webinar", "fields": []})
    activities.rpc.delete_activity_type(unused["id"])
    assert [e["event_type"] for e in outbox(activities) if e["event_type"].startswith("ActivityType")] == \
        ["ActivityTypeCreated", "ActivityTypeUpdated", "ActivityTypeCreated", "ActivityTypeDeleted"]
    assert valid_payloads(activities)
