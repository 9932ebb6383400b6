"""marshmallow schemas: what RPC callers may send, and what the events we publish carry."""
from __future__ import annotations

from datetime import date

from crmkit.fields import text as _text
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.fields import List, String

from activities.domain.custom_fields import FIELD_TYPES, NAME
from activities.domain.kinds import CHANNELS, DIRECTIONS, PARTY_ROLES, PRIORITIES
from activities.domain.lifecycle import STATUSES
from activities.domain.recurrence import RecurrenceError, rule_text, zone
from activities.domain.worklist import VIEWS

MAX_MINUTES = 60 * 24 * 366  # a year: anything longer is a typo, not a meeting
RECORD_TYPE = validate.Regexp(r"^[a-z][a-z_]{1,49}$", error="must be a record type such as account or case")
TYPE_NAME = validate.Regexp(NAME.pattern, error="must be lower_snake_case, at most 50 characters")


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _minutes():
    return fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0, max=MAX_MINUTES))


class DateOrDateTime(fields.Field):
    """`until`: a date (the whole day counts, in the series' zone) or a time with an offset."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        try:
            return fields.AwareDateTime()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError("must be a date YYYY-MM-DD or a date and time with an offset") from None


class RecordRef(Strict):
    type = fields.String(required=True, validate=RECORD_TYPE)
    id = fields.UUID(required=True)


class Party(RecordRef):
    role = fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))


def _checked_by(check):
    """A marshmallow validator from a domain check raising RecurrenceError."""
    def run(value):
        try:
            check(value)
        except RecurrenceError as exc:
            raise ValidationError(exc.message) from None
    return run


class RecurrenceInput(Strict):
    rrule = fields.String(required=True, validate=[validate.Length(min=1, max=500), _checked_by(rule_text)])
    timezone = fields.String(load_default="UTC", validate=[validate.Length(min=1, max=64), _checked_by(zone)])
    count = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=1000))
    until = DateOrDateTime(allow_none=True)


class ActivityInput(Strict):
    type = fields.String(required=True, validate=TYPE_NAME)
    subject = _text(200, required=True)
    description = _text(10000)
    regarding = fields.Nested(RecordRef, allow_none=True)
    parties = fields.List(fields.Nested(Party), validate=validate.Length(max=500))
    scheduled_start = fields.AwareDateTime(allow_none=True)
    scheduled_end = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    duration_minutes = _minutes()
    actual_duration_minutes = _minutes()
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    direction = fields.String(allow_none=True, validate=validate.OneOf(DIRECTIONS))
    channel = fields.String(allow_none=True, validate=validate.OneOf(CHANNELS))
    recurrence = fields.Nested(RecurrenceInput, allow_none=True)
    custom_fields = fields.Dict(keys=fields.String(), allow_none=True)
    owner_id = fields.UUID(allow_none=True)  # assigns the activity (defaults to its creator)


class CompleteInput(Strict):
    actual_duration_minutes = _minutes()


class CancelInput(Strict):
    reason = _text(500)


class ExceptionInput(Strict):
    """One occurrence of a series, cancelled or moved."""

    original_start = fields.AwareDateTime(required=True)
    cancelled = fields.Boolean(load_default=False)
    scheduled_start = fields.AwareDateTime(allow_none=True)
    scheduled_end = fields.AwareDateTime(allow_none=True)


class WindowInput(Strict):
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)


class MyWorkInput(Strict):
    owner_id = fields.UUID(required=True)
    view = fields.String(load_default="open", validate=validate.OneOf(VIEWS))
    timezone = fields.String(load_default="UTC", validate=validate.Length(min=1, max=64))


class FieldDefinition(Strict):
    name = fields.String(required=True, validate=TYPE_NAME)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = _text(100)
    required = fields.Boolean(load_default=False)
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=100)), allow_none=True,
                          validate=validate.Length(max=200))


class ActivityTypeInput(Strict):
    name = fields.String(required=True, validate=TYPE_NAME)
    label = _text(100, required=True)
    description = _text(2000)
    fields = fields.List(fields.Nested(FieldDefinition), load_default=list,  # last: shadows the module
                         validate=validate.Length(max=100))


# --- published event payloads (the contract; examples live in contracts/events) ---------

class RegardingPayload(Schema):
    type = fields.String(required=True)
    id = fields.UUID(required=True)


class ActivityFacts(Schema):
    """What every activity event tells."""

    activity_id = fields.UUID(required=True)
    type = fields.String(required=True)
    regarding = fields.Nested(RegardingPayload, allow_none=True, required=True)
    owner_id = fields.UUID(allow_none=True, required=True)


class ActivityPayload(ActivityFacts):
    subject = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    scheduled_start = fields.AwareDateTime(allow_none=True)
    scheduled_end = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    version = fields.Integer(required=True)


class ActivityUpdatedPayload(ActivityPayload):
    changed = fields.List(fields.String(), required=True)


class ActivityDeletedPayload(Schema):
    activity_id = fields.UUID(required=True)


class ActivityCompletedPayload(ActivityFacts):
    subject = fields.String(required=True)
    actual_duration_minutes = fields.Integer(allow_none=True, required=True)
    completed_at = fields.AwareDateTime(required=True)
    campaign_activity_id = fields.UUID(allow_none=True)  # set on activities a campaign distributed


class ActivityCancelledPayload(ActivityFacts):
    cancelled_at = fields.AwareDateTime(required=True)
    reason = fields.String(allow_none=True)


class ActivityTypePayload(Schema):
    activity_type_id = fields.UUID(required=True)
    name = fields.String(required=True)
    label = fields.String(required=True)
    version = fields.Integer(required=True)
    fields = fields.List(fields.Dict(), required=True)  # last: it shadows the module below it


class ActivityTypeUpdatedPayload(ActivityTypePayload):
    changed = List(String(), required=True)


class ActivityTypeDeletedPayload(Schema):
    activity_type_id = fields.UUID(required=True)


EVENT_PAYLOADS = {
    "ActivityCreated": ActivityPayload,
    "ActivityUpdated": ActivityUpdatedPayload,
    "ActivityDeleted": ActivityDeletedPayload,
    "ActivityCompleted": ActivityCompletedPayload,
    "ActivityCancelled": ActivityCancelledPayload,
    "ActivityTypeCreated": ActivityTypePayload,
    "ActivityTypeUpdated": ActivityTypeUpdatedPayload,
    "ActivityTypeDeleted": ActivityTypeDeletedPayload,
}
