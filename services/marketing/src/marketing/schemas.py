"""marshmallow schemas: what RPC callers may send, and what the events we publish carry."""
from __future__ import annotations

from crmkit.fields import text as _text
from marshmallow import RAISE, Schema, fields, validate

CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="must be an ISO 4217 code such as EUR")
MEMBER_TYPES = ("contact", "account", "lead")
LIST_KINDS = ("static", "dynamic")
CAMPAIGN_TYPES = ("email", "event", "advertisement", "direct_mail", "other")
ACTIVITY_CHANNELS = ("email", "phone_call", "letter", "fax", "appointment", "other")
RESPONSE_CHANNELS = (*ACTIVITY_CHANNELS, "web")
MAX_IDS = 10_000


def _choice(options, required: bool = False):
    return fields.String(required=required, allow_none=not required, validate=validate.OneOf(options))


def _money(required: bool = False, minimum=0):
    return fields.Decimal(required=required, allow_none=not required, places=2, as_string=True,
                          allow_nan=False, validate=validate.Range(min=minimum))


def _ids(minimum: int = 0, required: bool = False):
    return fields.List(fields.UUID(), required=required, validate=validate.Length(min=minimum, max=MAX_IDS))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class MarketingListInput(Strict):
    name = _text(200, required=True)
    description = _text(2000)
    member_type = _choice(MEMBER_TYPES, required=True)
    kind = _choice(LIST_KINDS, required=True)
    query = fields.Dict(allow_none=True)


class MembersInput(Strict):
    ids = _ids(minimum=1, required=True)


class CampaignInput(Strict):
    name = _text(200, required=True)
    description = _text(2000)
    type = _choice(CAMPAIGN_TYPES)
    budget = _money()
    currency = fields.String(allow_none=True, validate=CURRENCY)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    expected_response_rate = fields.Decimal(allow_none=True, places=2, as_string=True, allow_nan=False,
                                            validate=validate.Range(min=0, max=100))
    list_ids = _ids()


class ExpenseInput(Strict):
    amount = _money(required=True)
    description = _text(500)
    incurred_on = fields.Date(allow_none=True)


class CampaignActivityInput(Strict):
    channel = _choice(ACTIVITY_CHANNELS, required=True)
    subject = _text(200, required=True)
    description = _text(2000)
    scheduled_start = fields.AwareDateTime(allow_none=True)
    owner_id = fields.UUID(allow_none=True)


class DistributeInput(Strict):
    owner_ids = fields.List(fields.UUID(), allow_none=True, validate=validate.Length(max=1000))


class ResponseInput(Strict):
    channel = _choice(RESPONSE_CHANNELS, required=True)
    subject = _text(200)
    description = _text(2000)
    contact_id = fields.UUID(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    first_name = _text(100)
    last_name = _text(100)
    company_name = _text(200)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = _text(50)
    received_at = fields.AwareDateTime(allow_none=True)


class QuickCampaignInput(Strict):
    list_id = fields.UUID(required=True)
    channel = _choice(ACTIVITY_CHANNELS, required=True)
    subject = _text(200, required=True)
    name = _text(200)
    scheduled_start = fields.AwareDateTime(allow_none=True)
    owner_ids = fields.List(fields.UUID(), allow_none=True, validate=validate.Length(max=1000))


# --- published event payloads (the contract; examples live in contracts/events) ---------

class MarketingListPayload(Schema):
    list_id = fields.UUID(required=True)
    name = fields.String(required=True)
    member_type = fields.String(required=True)
    kind = fields.String(required=True)
    query = fields.Dict(allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    version = fields.Integer(required=True)


class MarketingListUpdatedPayload(MarketingListPayload):
    changed = fields.List(fields.String(), required=True)


class MarketingListDeletedPayload(Schema):
    list_id = fields.UUID(required=True)


class CampaignPayload(Schema):
    campaign_id = fields.UUID(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True)
    budget = fields.Decimal(allow_none=True, as_string=True)
    currency = fields.String(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    list_ids = fields.List(fields.UUID(), required=True)
    owner_id = fields.UUID(allow_none=True)
    version = fields.Integer(required=True)


class CampaignUpdatedPayload(CampaignPayload):
    changed = fields.List(fields.String(), required=True)


class CampaignDeletedPayload(Schema):
    campaign_id = fields.UUID(required=True)


class RecipientSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(MEMBER_TYPES))
    id = fields.UUID(required=True)
    owner_id = fields.UUID(required=True)


class CampaignActivityDistributedPayload(Schema):
    campaign_id = fields.UUID(required=True)
    campaign_activity_id = fields.UUID(required=True)
    channel = fields.String(required=True)
    subject = fields.String(required=True)
    description = fields.String(allow_none=True)
    scheduled_start = fields.AwareDateTime(allow_none=True)
    recipients = fields.List(fields.Nested(RecipientSchema), required=True)
    # A large distribution travels as several events of at most DISTRIBUTION_PART_SIZE
    # recipients: distribution_id names the distribution, part counts from 1 to parts.
    distribution_id = fields.UUID(required=True)
    part = fields.Integer(required=True)
    parts = fields.Integer(required=True)


class CampaignResponseConvertedPayload(Schema):
    response_id = fields.UUID(required=True)
    campaign_id = fields.UUID(required=True)
    channel = fields.String(required=True)
    subject = fields.String(allow_none=True)
    contact_id = fields.UUID(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    account_id = fields.UUID(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    owner_id = fields.UUID(allow_none=True)


EVENT_PAYLOADS = {
    "MarketingListCreated": MarketingListPayload,
    "MarketingListUpdated": MarketingListUpdatedPayload,
    "MarketingListDeleted": MarketingListDeletedPayload,
    "CampaignCreated": CampaignPayload,
    "CampaignUpdated": CampaignUpdatedPayload,
    "CampaignDeleted": CampaignDeletedPayload,
    "CampaignActivityDistributed": CampaignActivityDistributedPayload,
    "CampaignResponseConverted": CampaignResponseConvertedPayload,
}
