"""marshmallow schemas: what RPC callers may send, and what the events we publish carry."""
from __future__ import annotations

import re
from datetime import timezone
from zoneinfo import available_timezones

from crmkit.fields import text as _text
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

KINDS = ("user", "equipment", "facility")
BOOKING_STATUSES = ("booked", "cancelled")
CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_ZONES = frozenset(available_timezones()) | {"UTC"}
MAX_LIMIT = 500


def _aware(required: bool = True):
    return fields.AwareDateTime(required=required, default_timezone=None, format="iso",
                                error_messages={"invalid_awareness": "must carry a time zone offset"})


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Ordered(Strict):
    """A start and an end: the end comes after the start."""

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")


class CharacteristicSchema(Strict):
    name = _text(100, required=True)
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))


class WorkingHoursSchema(Strict):
    weekday = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=6))
    start = fields.String(required=True, validate=validate.Regexp(CLOCK, error="must be HH:MM"))
    end = fields.String(required=True, validate=validate.Regexp(CLOCK, error="must be HH:MM (24:00 allowed)"))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and CLOCK.match(data["start"]) and CLOCK.match(data["end"]) \
                and data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")


class SpanSchema(Ordered):
    start = _aware()
    end = _aware()
    reason = _text(200)



def _zone(value: str) -> None:
    if value not in _ZONES:
        raise ValidationError("not an IANA time zone such as Europe/Paris")


class ResourceInput(Strict):
    name = _text(200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    # Defaults apply on create (a PATCH leaves absent fields alone); null resets to the default.
    capacity = fields.Integer(load_default=1, allow_none=True, strict=True,
                              validate=validate.Range(min=1, max=100000))
    characteristics = fields.List(fields.Nested(CharacteristicSchema), load_default=list, allow_none=True)
    features = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                           allow_none=True)
    timezone = fields.String(load_default="UTC", allow_none=True, validate=_zone)
    working_hours = fields.List(fields.Nested(WorkingHoursSchema), load_default=None, allow_none=True)
    time_off = fields.List(fields.Nested(SpanSchema), load_default=list, allow_none=True)
    user_id = fields.UUID(allow_none=True)


class ResourceGroupInput(Strict):
    name = _text(200, required=True)
    description = _text(2000)
    member_ids = fields.List(fields.UUID(), load_default=list, allow_none=True)


class RequiredCharacteristic(Strict):
    name = _text(100, required=True)
    min_rating = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=5))


def _min_capacity(value) -> None:
    if value == "attendees" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return
    raise ValidationError('must be "attendees" or a whole number of seats (at least 1)')


class RequirementSchema(Strict):
    count = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=50))
    kind = fields.String(allow_none=True, validate=validate.OneOf(KINDS))
    group_id = fields.UUID(allow_none=True)
    characteristics = fields.List(fields.Nested(RequiredCharacteristic), load_default=list)
    features = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    min_capacity = fields.Raw(allow_none=True, validate=_min_capacity)

    @validates_schema(skip_on_field_errors=False)  # reported with the other fields' errors
    def _something_asked(self, data, **kwargs):
        if not data.get("kind") and not data.get("group_id"):
            raise ValidationError("give a kind or a group_id", "kind")


class ServiceInput(Strict):
    name = _text(200, required=True)
    description = _text(2000)
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=5, max=24 * 60))
    requirements = fields.List(fields.Nested(RequirementSchema), load_default=list, allow_none=True)
    default_attendees = fields.Integer(load_default=1, allow_none=True, strict=True,
                                       validate=validate.Range(min=1, max=100000))
    slot_minutes = fields.Integer(load_default=30, allow_none=True, strict=True,
                                  validate=validate.OneOf((5, 10, 15, 20, 30, 60)))


class RegardingSchema(Strict):
    type = fields.String(required=True, validate=validate.Length(min=1, max=50))
    id = fields.UUID(required=True)


class BookingInput(Ordered):
    service_id = fields.UUID(required=True)
    request_id = fields.UUID(allow_none=True)
    resource_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=50))
    start = _aware()
    end = _aware()
    attendees = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=100000))
    regarding = fields.Nested(RegardingSchema, allow_none=True)
    account_id = fields.UUID(allow_none=True)
    subject = _text(300)



class CancelInput(Strict):
    reason = _text(500)


class WindowSchema(Ordered):
    start = _aware()
    end = _aware()

    @validates_schema
    def _not_too_long(self, data, **kwargs):
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 366:
            raise ValidationError("a window spans at most 366 days", "end")


class AvailabilityQuery(Strict):
    service_id = fields.UUID(required=True)
    attendees = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=100000))
    window = fields.Nested(WindowSchema, required=True)
    limit = fields.Integer(load_default=10, strict=True, validate=validate.Range(min=1, max=MAX_LIMIT))
    step_minutes = fields.Integer(allow_none=True, strict=True, validate=validate.OneOf((5, 10, 15, 20, 30, 60)))
    resource_ids = fields.List(fields.UUID(), allow_none=True)  # only these resources, if given


class SolveRequestSchema(Strict):
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    service_id = fields.UUID(required=True)
    attendees = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=100000))
    window = fields.Nested(WindowSchema, required=True)
    preferred_resource_ids = fields.List(fields.UUID(), load_default=list)
    not_before_request = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    course = fields.String(allow_none=True, validate=validate.Length(min=1, max=200))
    regarding = fields.Nested(RegardingSchema, allow_none=True)
    account_id = fields.UUID(allow_none=True)
    subject = _text(300)


class SolveInput(Strict):
    requests = fields.List(fields.Nested(SolveRequestSchema), required=True,
                           validate=validate.Length(min=1, max=5000))
    time_limit_s = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=3600), allow_nan=False)
    commit = fields.Boolean(load_default=False)
    step_minutes = fields.Integer(allow_none=True, strict=True, validate=validate.OneOf((15, 30, 60, 120)))
    background = fields.Boolean(load_default=None, allow_none=True)  # force (or forbid) a job


# --- published event payloads (the contract; examples live in contracts/events) ---------

class RegardingPayload(Schema):
    type = fields.String(required=True)
    id = fields.UUID(required=True)


class BookingPayload(Schema):
    booking_id = fields.UUID(required=True)
    service_id = fields.UUID(required=True)
    request_id = fields.UUID(allow_none=True)
    resource_ids = fields.List(fields.UUID(), required=True)
    start = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    end = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    regarding = fields.Nested(RegardingPayload, allow_none=True)
    account_id = fields.UUID(allow_none=True)


class BookingCreatedPayload(BookingPayload):
    attendees = fields.Integer(required=True)
    subject = fields.String(allow_none=True)
    service_name = fields.String(allow_none=True)
    resource_names = fields.List(fields.String(), allow_none=True)
    user_ids = fields.List(fields.UUID(), allow_none=True)  # people booked, as CRM users


class BookingCancelledPayload(BookingPayload):
    reason = fields.String(allow_none=True)


class ResourcePayload(Schema):
    resource_id = fields.UUID(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    capacity = fields.Integer(required=True)
    user_id = fields.UUID(allow_none=True)
    version = fields.Integer(required=True)


class ResourceGroupPayload(Schema):
    resource_group_id = fields.UUID(required=True)
    name = fields.String(required=True)
    member_ids = fields.List(fields.UUID(), required=True)
    version = fields.Integer(required=True)


class ServicePayload(Schema):
    service_id = fields.UUID(required=True)
    name = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    version = fields.Integer(required=True)


def _updated(payload: type[Schema]) -> type[Schema]:
    return type(f"{payload.__name__}Updated", (payload,), {"changed": fields.List(fields.String(), required=True)})


def _deleted(key: str) -> type[Schema]:
    return Schema.from_dict({key: fields.UUID(required=True)})


EVENT_PAYLOADS = {
    "BookingCreated": BookingCreatedPayload,
    "BookingCancelled": BookingCancelledPayload,
    "ResourceCreated": ResourcePayload,
    "ResourceUpdated": _updated(ResourcePayload),
    "ResourceDeleted": _deleted("resource_id"),
    "ResourceGroupCreated": ResourceGroupPayload,
    "ResourceGroupUpdated": _updated(ResourceGroupPayload),
    "ResourceGroupDeleted": _deleted("resource_group_id"),
    "SchedulingServiceCreated": ServicePayload,
    "SchedulingServiceUpdated": _updated(ServicePayload),
    "SchedulingServiceDeleted": _deleted("service_id"),
}
