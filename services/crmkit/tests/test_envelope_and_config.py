"""Pure plumbing logic: envelopes, correlation ids, error flattening, retry delays, cursors."""
import uuid

import pytest
from marshmallow import ValidationError

from crmkit.config import ConsumerSettings
from crmkit.envelope import Envelope, as_correlation_id
from crmkit.errors import ValidationFailed, field_errors
from crmkit.pagination import Sort, decode_cursor, encode_cursor


def test_an_envelope_round_trips_through_its_dict_form():
    envelope = Envelope(event_type="NoteRecorded", producer="probe", payload={"a": 1},
                        correlation_id=str(uuid.uuid4()))
    again = Envelope.from_dict(envelope.to_dict())
    assert again == envelope


def test_an_envelope_with_fields_added_by_a_newer_producer_is_still_accepted():
    data = Envelope(event_type="AccountCreated", producer="sales", payload={"x": 1}).to_dict()
    envelope = Envelope.from_dict(data | {"traceparent": "00-abc-def-01"})
    assert envelope.payload == {"x": 1} and envelope.event_type == "AccountCreated"


def test_a_malformed_envelope_names_its_bad_fields():
    with pytest.raises(ValidationError) as raised:
        Envelope.from_dict({"event_id": "x", "version": 0, "payload": []})
    assert {"event_id", "event_type", "version", "occurred_at", "producer", "payload"} <= set(raised.value.messages)


def test_correlation_ids_are_always_uuids_and_stable_for_the_same_request_id():
    known = str(uuid.uuid4())
    assert as_correlation_id(known) == known
    assert as_correlation_id(known.replace("-", "")) == known  # hex form of the same UUID
    free_text = as_correlation_id("client-request-42")
    assert uuid.UUID(free_text) and free_text == as_correlation_id("client-request-42")
    assert as_correlation_id(None) is None


def test_marshmallow_errors_flatten_to_dotted_fields():
    messages = {"name": ["Missing data for required field."], "address": {"city": ["Too long."]},
                "_schema": ["Bad combination."]}
    assert field_errors(messages) == [
        {"field": "name", "message": "Missing data for required field."},
        {"field": "address.city", "message": "Too long."},
        {"field": "body", "message": "Bad combination."},
    ]
    assert ValidationFailed.from_marshmallow(messages).args[1][1]["field"] == "address.city"


def test_retry_delays_follow_the_configured_steps_and_repeat_the_last():
    settings = ConsumerSettings(retry_delays_ms=(100, 200), max_attempts=5)
    assert [settings.delay_for(n) for n in (1, 2, 3, 4)] == [100, 200, 200, 200]


def test_a_cursor_only_fits_the_sort_it_came_from():
    from sqlalchemy import Column, DateTime, MetaData, String, Table

    table = Table("t", MetaData(), Column("name", String), Column("created_at", DateTime(timezone=True)))
    cursor = encode_cursor(Sort("name", False), "Acme", "id-1")
    assert decode_cursor(cursor, Sort("name", False), table.c.name) == ("Acme", "id-1")
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, Sort("name", True), table.c.name)


def test_service_settings_come_from_the_environment_into_the_nameko_config(monkeypatch):
    from crmkit.config import ServiceConfig

    monkeypatch.setenv("CRM_EVENT_PREFETCH", "250")
    monkeypatch.setenv("CRM_EVENT_LINGER_MS", "0")
    monkeypatch.setenv("CRM_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("CRM_SALES_DATABASE_URL", "postgresql+psycopg://u@db:5432/sales_x")
    config = ServiceConfig.from_env("sales").nameko_config()
    assert config["CRM_EVENT_PREFETCH"] == 250 and config["CRM_EVENT_LINGER_MS"] == 0
    assert config["CRM_MAX_ATTEMPTS"] == 7
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@db:5432/sales_x"


def test_plain_postgresql_urls_mean_psycopg(monkeypatch):
    from crmkit.config import database_url

    monkeypatch.setenv("CRM_SALES_DATABASE_URL", "postgresql://app:p%40ss@db-rw:5432/crm_sales")
    assert database_url("sales") == "postgresql+psycopg://app:p%40ss@db-rw:5432/crm_sales"
    monkeypatch.setenv("CRM_DATABASE_URL_TEMPLATE", "postgres://u@h/crm_{service}")
    assert database_url("scheduler") == "postgresql+psycopg://u@h/crm_scheduler"


def test_text_fields_refuse_nul_characters_postgresql_cannot_store():
    from marshmallow import Schema

    from crmkit.fields import text

    class Note(Schema):
        title = text(50, required=True)
        body = text(500)

    assert Note().validate({"title": "fine", "body": None}) == {}
    assert Note().validate({"title": "bad\x00title", "body": "x\x00"}) == {
        "title": ["must not contain NUL characters"], "body": ["must not contain NUL characters"]}
