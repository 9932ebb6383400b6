"""Consumer-driven contracts across the suite: every event a service consumes has the
consumer's own fixture, and every producer's current schema still reads it. A producer that
drops or retypes a field some consumer relies on fails here, before it is released.

Record a new consumer's fixtures with `crm contracts record` (copies of the producers' current
examples), then trim them to the fields the consumer really uses."""
from __future__ import annotations

import pytest
from marshmallow import Schema, fields

from crmkit.compatibility import Expectation, expectations_of, problems, producer_schema
from crmkit.config import SERVICES

EXPECTATIONS = [expectation for package in SERVICES for expectation in expectations_of(package)]


def test_the_suite_has_consumers_to_check():
    assert {e.consumer for e in EXPECTATIONS} >= {"marketing", "activities", "service_desk"}


@pytest.mark.parametrize("expectation", EXPECTATIONS,
                         ids=lambda e: f"{e.consumer}<-{e.producer}.{e.event_type}")
def test_every_producer_still_serves_what_its_consumers_read(expectation):
    assert problems(expectation, producer_schema(expectation.producer, expectation.event_type)) == []


EXAMPLE = Expectation("marketing", "sales", "AccountCreated", 1, {
    "version": 1, "payload": {"account_id": "8c3e4c8e-6a1b-4b6e-9d2f-3e5a7c9b1d01", "name": "Contoso",
                              "city": "Seattle"}})


class AccountCreatedToday(Schema):
    account_id = fields.UUID(required=True)
    name = fields.String(required=True)
    city = fields.String(allow_none=True)


class AccountCreatedWithoutCity(Schema):  # a release that dropped `city`
    account_id = fields.UUID(required=True)
    name = fields.String(required=True)


class AccountCreatedWithNumericName(Schema):  # a release that changed what `name` holds
    account_id = fields.UUID(required=True)
    name = fields.Integer(required=True)
    city = fields.String(allow_none=True)


def test_a_producer_dropping_a_field_a_consumer_uses_fails_the_check():
    assert problems(EXAMPLE, AccountCreatedToday) == []
    [problem] = problems(EXAMPLE, AccountCreatedWithoutCity)
    assert "no longer has the field 'city'" in problem and "marketing" in problem


def test_a_producer_changing_a_fields_type_or_dropping_the_event_fails_the_check():
    [problem] = problems(EXAMPLE, AccountCreatedWithNumericName)
    assert "field 'name' changed" in problem
    assert "no longer declares" in problems(EXAMPLE, None)[0]
    missing = Expectation("marketing", "sales", "AccountCreated", 1, None)
    assert "keeps no fixture" in problems(missing, AccountCreatedToday)[0]
