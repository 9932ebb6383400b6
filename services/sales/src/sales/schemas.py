"""marshmallow schemas: what RPC callers may send, and what the events we publish carry."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="must be an ISO 4217 code such as EUR")


def _text(max_length: int, required: bool = False):
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=max_length))
    return fields.String(allow_none=True, validate=validate.Length(max=max_length))


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


EVENT_PAYLOADS = {
    "AccountCreated": AccountPayload,
    "AccountUpdated": AccountUpdatedPayload,
    "AccountDeleted": AccountDeletedPayload,
    "ContactCreated": ContactPayload,
    "ContactUpdated": ContactUpdatedPayload,
    "ContactDeleted": ContactDeletedPayload,
}
