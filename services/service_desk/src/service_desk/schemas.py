"""marshmallow schemas: what RPC callers may send, and what the events we publish carry."""
from __future__ import annotations

from datetime import time
from zoneinfo import available_timezones

from crmkit.fields import text as _text
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from service_desk.domain.cases import ORIGINS, PRIORITIES, STAGES

ALLOTMENT_TYPES = ("hours", "cases", "none")
QUEUE_KINDS = ("public", "private")
ITEM_TYPES = ("case", "activity")
# PostgreSQL's text search configurations, by name or ISO 639-1 code: each stems its language.
LANGUAGES = {"simple": "simple", "arabic": "arabic", "ar": "arabic", "danish": "danish", "da": "danish",
             "dutch": "dutch", "nl": "dutch", "english": "english", "en": "english", "finnish": "finnish",
             "fi": "finnish", "french": "french", "fr": "french", "german": "german", "de": "german",
             "greek": "greek", "el": "greek", "hungarian": "hungarian", "hu": "hungarian",
             "italian": "italian", "it": "italian", "norwegian": "norwegian", "no": "norwegian",
             "portuguese": "portuguese", "pt": "portuguese", "romanian": "romanian", "ro": "romanian",
             "russian": "russian", "ru": "russian", "spanish": "spanish", "es": "spanish",
             "swedish": "swedish", "sv": "swedish", "turkish": "turkish", "tr": "turkish"}


class Input(Schema):
    class Meta:
        unknown = RAISE


def _choice(values, default=None, required=False):
    if default is not None:
        return fields.String(load_default=default, validate=validate.OneOf(values))
    return fields.String(required=required, allow_none=not required, validate=validate.OneOf(values))


def _minutes(required=False, allow_none=True):
    return fields.Integer(required=required, allow_none=allow_none and not required, strict=True,
                          validate=validate.Range(min=0, max=10_000_000))


# --- cases ------------------------------------------------------------------------------

class CaseInput(Input):
    title = _text(300, required=True)
    description = _text(20_000)
    customer_account_id = fields.UUID(allow_none=True)
    customer_contact_id = fields.UUID(allow_none=True)
    product_id = fields.UUID(allow_none=True)
    contract_id = fields.UUID(allow_none=True)
    priority = _choice(PRIORITIES, default="normal")
    origin = _choice(ORIGINS, default="other")
    stage = _choice(STAGES, default="identify")


class CaseChanges(CaseInput):
    """PATCH: the create fields, plus reassigning the owner."""

    owner_id = fields.UUID(allow_none=True)


class ResolveInput(Input):
    resolution = _text(5000, required=True)
    billable_minutes = _minutes()


# --- contracts --------------------------------------------------------------------------

class ContractInput(Input):
    name = _text(200, required=True)
    customer_account_id = fields.UUID(required=True)
    description = _text(20_000)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    allotment_type = _choice(ALLOTMENT_TYPES, default="none")
    # hours are counted in minutes (600 = 10 hours); cases in cases
    total_allotment = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=10_000_000))


# --- SLA policies -----------------------------------------------------------------------

def _naive_time(value: time) -> None:
    if value.tzinfo is not None:
        raise ValidationError("must be a time of day without a UTC offset (time_zone applies)")


class SlaPolicyInput(Input):
    name = _text(200, required=True)
    priority = _choice(PRIORITIES, required=True)
    first_response_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    resolve_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    time_zone = fields.String(load_default="UTC")
    working_days = fields.List(fields.Integer(strict=True, validate=validate.Range(min=0, max=6)),
                               load_default=lambda: [0, 1, 2, 3, 4],
                               metadata={"description": "0 = Monday ... 6 = Sunday"})
    # Wall-clock times in time_zone: an offset ("09:00+02:00") would contradict it (and
    # naive and aware times cannot be compared), so it is refused.
    day_start = fields.Time(load_default=time(9, 0), validate=_naive_time)
    day_end = fields.Time(load_default=time(17, 0), validate=_naive_time)
    holidays = fields.List(fields.Date(), load_default=list)
    warn_percent = fields.Integer(load_default=75, strict=True, validate=validate.Range(min=1, max=100))

    @validates("time_zone")
    def known_zone(self, value, **_):
        if value not in available_timezones():
            raise ValidationError("not an IANA time zone such as Europe/Paris")


# --- queues and routing -----------------------------------------------------------------

class QueueInput(Input):
    name = _text(200, required=True)
    kind = _choice(QUEUE_KINDS, default="public")
    description = _text(5000)
    member_ids = fields.List(fields.UUID(), load_default=list)
    is_default = fields.Boolean(load_default=False)


class QueueItemInput(Input):
    item_type = _choice(ITEM_TYPES, required=True)
    item_id = fields.UUID(required=True)
    title = _text(300)


class RouteInput(Input):
    queue_id = fields.UUID(required=True)


class PickInput(Input):
    worker_id = fields.UUID(allow_none=True)


class ConditionsSchema(Input):
    priority = fields.List(fields.String(validate=validate.OneOf(PRIORITIES)), validate=validate.Length(min=1))
    origin = fields.List(fields.String(validate=validate.OneOf(ORIGINS)), validate=validate.Length(min=1))
    product_id = fields.List(fields.UUID(), validate=validate.Length(min=1))
    customer_account_id = fields.List(fields.UUID(), validate=validate.Length(min=1))
    customer_contact_id = fields.List(fields.UUID(), validate=validate.Length(min=1))
    customer_type = fields.List(fields.String(validate=validate.OneOf(("account", "contact"))),
                                validate=validate.Length(min=1))


class RoutingRuleInput(Input):
    name = _text(200, required=True)
    position = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    conditions = fields.Nested(ConditionsSchema, load_default=dict)
    queue_id = fields.UUID(required=True)
    enabled = fields.Boolean(load_default=True)


# --- knowledge base ---------------------------------------------------------------------

class ArticleInput(Input):
    title = _text(300, required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=200_000))
    keywords = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                           validate=validate.Length(max=50))
    language = fields.String(validate=validate.OneOf(sorted(LANGUAGES)))


class LinkArticleInput(Input):
    article_id = fields.UUID(required=True)


# --- published event payloads (the contract; examples live in contracts/events) ---------

class CustomerRef(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("account", "contact")))
    id = fields.UUID(required=True)


class CaseCreatedPayload(Schema):
    case_id = fields.UUID(required=True)
    title = fields.String(required=True)
    customer = fields.Nested(CustomerRef, required=True)
    customer_account_id = fields.UUID(allow_none=True)
    product_id = fields.UUID(allow_none=True)
    contract_id = fields.UUID(allow_none=True)
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    owner_id = fields.UUID(allow_none=True)


class CaseResolvedPayload(Schema):
    case_id = fields.UUID(required=True)
    customer = fields.Nested(CustomerRef, required=True)
    customer_account_id = fields.UUID(allow_none=True)
    contract_id = fields.UUID(allow_none=True)
    time_spent_minutes = fields.Integer(required=True)
    resolved_at = fields.AwareDateTime(required=True)


class ContractAllotmentExhaustedPayload(Schema):
    contract_id = fields.UUID(required=True)
    customer_account_id = fields.UUID(required=True)
    allotment_type = fields.String(required=True, validate=validate.OneOf(("hours", "cases")))
    owner_id = fields.UUID(allow_none=True)


EVENT_PAYLOADS = {
    "CaseCreated": CaseCreatedPayload,
    "CaseResolved": CaseResolvedPayload,
    "ContractAllotmentExhausted": ContractAllotmentExhaustedPayload,
}
