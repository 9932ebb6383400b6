"""marshmallow schemas: what RPC callers may send, and what the events we publish carry."""
from __future__ import annotations

from crmkit.fields import text as _text
from marshmallow import RAISE, Schema, fields, validate

CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="must be an ISO 4217 code such as EUR")


class AddressSchema(Schema):
    class Meta:
        unknown = RAISE

    line1 = _text(200)
    city = _text(100)
    postal_code = _text(20)
    country = _text(100)


class AccountInput(Schema):
    class Meta:
        unknown = RAISE

    name = _text(200, required=True)
    account_number = _text(50)
    industry = _text(100)
    website = fields.Url(allow_none=True, require_tld=False, validate=validate.Length(max=300))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = _text(50)
    address = fields.Nested(AddressSchema, allow_none=True)
    parent_account_id = fields.UUID(allow_none=True)
    credit_limit = fields.Decimal(allow_none=True, places=2, as_string=True,
                                  validate=validate.Range(min=0), allow_nan=False)
    currency = fields.String(allow_none=True, validate=CURRENCY)


class ContactInput(Schema):
    class Meta:
        unknown = RAISE

    first_name = _text(100)
    last_name = _text(100, required=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = _text(50)
    mobile = _text(50)
    job_title = _text(100)
    account_id = fields.UUID(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    city = _text(100)
    country = _text(100)


def _money(required: bool = False, **kw):
    """A non-negative decimal (arrives as a string; floats cannot hold cents exactly)."""
    return fields.Decimal(required=required, allow_none=not required, as_string=True, allow_nan=False,
                          validate=validate.Range(min=0), **kw)


def _choice(values: tuple[str, ...], required: bool = False, **kw):
    return fields.String(required=required, allow_none=not required and "load_default" not in kw,
                         validate=validate.OneOf(values), **kw)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


LEAD_SOURCES = ("web", "referral", "campaign", "partner", "other")
OPPORTUNITY_STAGES = ("qualify", "develop", "propose", "close")


class LeadInput(StrictSchema):
    topic = _text(200, required=True)
    first_name = _text(100)
    last_name = _text(100, required=True)
    company_name = _text(200)
    job_title = _text(100)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = _text(50)
    source = _choice(LEAD_SOURCES, load_default="other")
    campaign_id = fields.UUID(allow_none=True)
    estimated_value = _money()
    currency = fields.String(allow_none=True, validate=CURRENCY)
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))


class QualifyInput(StrictSchema):
    create_account = fields.Boolean(load_default=True)
    create_contact = fields.Boolean(load_default=True)
    create_opportunity = fields.Boolean(load_default=True)
    existing_account_id = fields.UUID(allow_none=True, load_default=None)
    existing_contact_id = fields.UUID(allow_none=True, load_default=None)
    opportunity_name = _text(200)
    allow_duplicate = fields.Boolean(load_default=False)


class ReasonInput(StrictSchema):
    reason = _text(500, required=True)


class OptionalReasonInput(StrictSchema):
    reason = _text(500)


class CompetitorInput(StrictSchema):
    name = _text(200, required=True)
    website = fields.Url(allow_none=True, require_tld=False, validate=validate.Length(max=300))
    strengths = fields.String(allow_none=True, validate=validate.Length(max=10000))
    weaknesses = fields.String(allow_none=True, validate=validate.Length(max=10000))


class OpportunityInput(StrictSchema):
    name = _text(200, required=True)
    account_id = fields.UUID(required=True)
    contact_id = fields.UUID(allow_none=True)
    estimated_value = _money()
    currency = fields.String(allow_none=True, validate=CURRENCY)
    estimated_close_date = fields.Date(allow_none=True)
    probability = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    stage = _choice(OPPORTUNITY_STAGES, load_default="qualify")
    price_list_id = fields.UUID(allow_none=True)
    originating_lead_id = fields.UUID(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))


class WinInput(StrictSchema):
    actual_revenue = _money()
    close_date = fields.Date(allow_none=True)
    reason = _text(500)


class LoseInput(StrictSchema):
    reason = _text(500)
    competitor_id = fields.UUID(allow_none=True)
    close_date = fields.Date(allow_none=True)


class CompetitorLinkInput(StrictSchema):
    competitor_id = fields.UUID(required=True)


class ProductInput(StrictSchema):
    name = _text(200, required=True)
    product_number = _text(50, required=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))
    unit = _text(50)
    is_service = fields.Boolean(load_default=False)
    default_price = _money()
    currency = fields.String(allow_none=True, validate=CURRENCY)
    status = _choice(("active", "retired"), load_default="active")
    scheduling_service_id = fields.UUID(allow_none=True)


class PriceListInput(StrictSchema):
    name = _text(200, required=True)
    currency = fields.String(required=True, validate=CURRENCY)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)


class TierInput(StrictSchema):
    min_quantity = fields.Decimal(required=True, as_string=True, allow_nan=False,
                                  validate=validate.Range(min=0, min_inclusive=False))
    percent = fields.Decimal(required=True, as_string=True, allow_nan=False,
                             validate=validate.Range(min=0, max=100))


class PriceListItemInput(StrictSchema):
    product_id = fields.UUID(required=True)
    amount = _money(required=True)
    discount_tiers = fields.List(fields.Nested(TierInput), load_default=list)


class QuoteInput(StrictSchema):
    name = _text(200, required=True)
    account_id = fields.UUID(required=True)
    contact_id = fields.UUID(allow_none=True)
    opportunity_id = fields.UUID(allow_none=True)
    price_list_id = fields.UUID(required=True)
    valid_until = fields.Date(allow_none=True)
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))


class QuoteLineInput(StrictSchema):
    product_id = fields.UUID(required=True)
    quantity = fields.Decimal(required=True, as_string=True, allow_nan=False,
                              validate=validate.Range(min=0, min_inclusive=False))
    unit_price = _money()
    manual_discount = _money(load_default=None)


class InvoiceOrderInput(StrictSchema):
    due_date = fields.Date(allow_none=True)


class PayInput(StrictSchema):
    paid_at = fields.AwareDateTime(allow_none=True)


class MergeInput(StrictSchema):
    duplicate_id = fields.UUID(required=True)


# --- published event payloads (the contract; examples live in contracts/events) ---------

class AccountPayload(Schema):
    account_id = fields.UUID(required=True)
    name = fields.String(required=True)
    account_number = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    parent_account_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    version = fields.Integer(required=True)


class AccountUpdatedPayload(AccountPayload):
    changed = fields.List(fields.String(), required=True)


class ContactPayload(Schema):
    contact_id = fields.UUID(required=True)
    account_id = fields.UUID(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(required=True)
    email = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    city = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    owner_id = fields.UUID(allow_none=True)
    version = fields.Integer(required=True)


class ContactUpdatedPayload(ContactPayload):
    changed = fields.List(fields.String(), required=True)


class AccountDeletedPayload(Schema):
    account_id = fields.UUID(required=True)


class ContactDeletedPayload(Schema):
    contact_id = fields.UUID(required=True)


def _amount(required: bool = True):
    return fields.Decimal(required=required, allow_none=not required, as_string=True)


def _uuid(required: bool = False):
    return fields.UUID(required=required, allow_none=not required)


class LeadCreatedPayload(Schema):
    lead_id = _uuid(True)
    campaign_id = _uuid()
    campaign_response_id = _uuid()
    source = fields.String(required=True)
    topic = fields.String(required=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(required=True)
    company_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    owner_id = _uuid()


class LeadUpdatedPayload(LeadCreatedPayload):
    changed = fields.List(fields.String(), required=True)


class LeadDeletedPayload(Schema):
    lead_id = _uuid(True)


class LeadQualifiedPayload(Schema):
    lead_id = _uuid(True)
    account_id = _uuid()
    contact_id = _uuid()
    opportunity_id = _uuid()
    campaign_id = _uuid()
    source = fields.String(required=True)
    estimated_value = _amount(False)
    currency = fields.String(allow_none=True)
    owner_id = _uuid()


class LeadDisqualifiedPayload(Schema):
    lead_id = _uuid(True)
    campaign_id = _uuid()
    reason = fields.String(required=True)
    owner_id = _uuid()


class OpportunityClosedPayload(Schema):
    opportunity_id = _uuid(True)
    account_id = _uuid(True)
    campaign_id = _uuid()
    originating_lead_id = _uuid()
    actual_revenue = _amount(False)
    currency = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    competitor_id = _uuid()
    close_date = fields.Date(allow_none=True)
    owner_id = _uuid()


class AcceptedLinePayload(Schema):
    line_id = _uuid()
    product_id = _uuid(True)
    product_name = fields.String(required=True)
    quantity = _amount()
    unit = fields.String(allow_none=True)
    net_amount = _amount(False)
    is_service = fields.Boolean(required=True)
    scheduling_service_id = _uuid()


class QuoteAcceptedPayload(Schema):
    quote_id = _uuid(True)
    order_id = _uuid(True)
    account_id = _uuid(True)
    contact_id = _uuid()
    opportunity_id = _uuid()
    campaign_id = _uuid()
    total = _amount()
    currency = fields.String(required=True)
    lines = fields.List(fields.Nested(AcceptedLinePayload), required=True)
    owner_id = _uuid()


class OrderFulfilledPayload(Schema):
    order_id = _uuid(True)
    quote_id = _uuid()
    account_id = _uuid(True)
    total = _amount()
    currency = fields.String(required=True)
    owner_id = _uuid()


class InvoicePayload(Schema):
    invoice_id = _uuid(True)
    invoice_number = fields.String(required=True)
    order_id = _uuid(True)
    account_id = _uuid(True)
    total = _amount()
    currency = fields.String(required=True)
    owner_id = _uuid()


class InvoiceCreatedPayload(InvoicePayload):
    due_date = fields.Date(required=True)


class InvoicePaidPayload(InvoicePayload):
    paid_at = fields.AwareDateTime(required=True)


class ContactMergedPayload(Schema):
    merged_contact_id = _uuid(True)
    surviving_contact_id = _uuid(True)
    merge_id = _uuid()


class AccountMergedPayload(Schema):
    merged_account_id = _uuid(True)
    surviving_account_id = _uuid(True)
    merge_id = _uuid()


EVENT_PAYLOADS = {
    "AccountCreated": AccountPayload,
    "AccountUpdated": AccountUpdatedPayload,
    "AccountDeleted": AccountDeletedPayload,
    "ContactCreated": ContactPayload,
    "ContactUpdated": ContactUpdatedPayload,
    "ContactDeleted": ContactDeletedPayload,
    "LeadCreated": LeadCreatedPayload,
    "LeadUpdated": LeadUpdatedPayload,
    "LeadDeleted": LeadDeletedPayload,
    "LeadQualified": LeadQualifiedPayload,
    "LeadDisqualified": LeadDisqualifiedPayload,
    "OpportunityWon": OpportunityClosedPayload,
    "OpportunityLost": OpportunityClosedPayload,
    "QuoteAccepted": QuoteAcceptedPayload,
    "OrderFulfilled": OrderFulfilledPayload,
    "InvoiceCreated": InvoiceCreatedPayload,
    "InvoicePaid": InvoicePaidPayload,
    "ContactMerged": ContactMergedPayload,
    "AccountMerged": AccountMergedPayload,
}
