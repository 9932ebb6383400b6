"""Activities (API.md, Activities): records regarding any record, their actions, a record's
timeline, "my work", recurring series and the iCalendar feed."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter,
                      ValidationError, WithJsonSchema)

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText200

ActivityStatus = Literal["open", "completed", "cancelled"]
Priority = Literal["low", "normal", "high"]
Direction = Literal["incoming", "outgoing"]
Channel = Literal["email", "phone_call", "letter", "fax", "appointment", "other"]
PartyRole = Literal["from", "to", "cc", "bcc", "required", "optional", "organizer", "resource"]
TypeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$"), Field(
    description="phone_call, email, task, appointment, recurring_appointment, letter, fax, campaign_response, "
                "campaign_activity, service_activity, or a custom type's name", examples=["phone_call"])]
RecordType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,49}$"),
                       Field(description="account, contact, lead, opportunity, case, order, ...", examples=["case"])]
Minutes = Annotated[int, Field(ge=0, le=60 * 24 * 366)]
_AWARE = TypeAdapter(AwareDatetime)


def check_until(value: str) -> str:
    """A bare date is a whole day; anything longer must be an instant with an offset (even at
    midnight it stays an instant). Passed on as sent: the service reads the same two forms."""
    if len(value) == 10:
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    try:
        _AWARE.validate_python(value)
    except ValidationError:
        raise ValueError("must be a date YYYY-MM-DD or a date and time with an offset") from None
    return value


Until = Annotated[str, AfterValidator(check_until), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})]


class RecordRefInput(Input):
    type: RecordType
    id: UUID


class PartyInput(RecordRefInput):
    role: PartyRole


class RecurrenceInput(Input):
    rrule: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="An RFC 5545 rule without DTSTART, COUNT or UNTIL", examples=["FREQ=WEEKLY;BYDAY=MO"])
    timezone: str = Field("UTC", description="IANA zone the series keeps its wall-clock time in",
                          examples=["Europe/Paris"])
    count: Annotated[int, Field(ge=1, le=1000)] | None = None
    until: Until | None = Field(None, description="Last day (inclusive, in the series' zone) or last instant")


class ActivityCreate(Input):
    type: TypeName
    subject: RequiredText200
    description: Annotated[str, StringConstraints(max_length=10000)] | None = None
    regarding: RecordRefInput | None = None
    parties: list[PartyInput] = Field(default_factory=list, max_length=500)
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    duration_minutes: Minutes | None = None
    actual_duration_minutes: Minutes | None = None
    priority: Priority = "normal"
    direction: Direction | None = None
    channel: Channel | None = None
    recurrence: RecurrenceInput | None = None
    custom_fields: dict[str, Any] | None = Field(None, description="Values of a custom type's own fields")
    owner_id: UUID | None = Field(None, description="Whose work it is; the creator when absent")


class ActivityUpdate(Patch, ActivityCreate):
    """The create fields, all optional: only what the body carries changes."""

    REQUIRED = ("type", "subject", "priority", "parties")

    type: TypeName | None = None
    subject: RequiredText200 | None = None
    parties: list[PartyInput] | None = None
    priority: Priority | None = None


class RecordRef(BaseModel):
    type: str
    id: UUID
    label: str | None = Field(None, description="Display name, kept current from the owning service's events")


class Party(RecordRef):
    role: str


class Recurrence(BaseModel):
    model_config = ConfigDict(extra="ignore")

    rrule: str
    timezone: str = "UTC"
    count: int | None = None
    until: str | None = None


class SeriesException(BaseModel):
    original_start: AwareDatetime
    cancelled: bool
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None


class Activity(Record):
    model_config = ConfigDict(extra="ignore")

    type: str
    subject: str
    description: str | None = None
    status: ActivityStatus
    status_reason: str | None = None
    regarding: RecordRef | None = None
    parties: list[Party] = []
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    duration_minutes: int | None = None
    actual_duration_minutes: int | None = None
    priority: str
    direction: str | None = None
    channel: str | None = None
    recurrence: Recurrence | None = None
    exceptions: list[SeriesException] = []
    custom_fields: dict[str, Any] | None = None
    completed_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    source: dict[str, Any] | None = Field(None, description="What created it automatically (booking, campaign, ...)")


class ActivityListQuery(ListQuery):
    """`regarding_type` + `regarding_id` give a record's timeline, newest first."""

    regarding_type: RecordType | None = None
    regarding_id: UUID | None = None
    type: TypeName | None = None
    status: ActivityStatus | None = None
    owner_id: UUID | None = None
    priority: Priority | None = None
    direction: Direction | None = None
    channel: Channel | None = None


class CompleteRequest(Input):
    actual_duration_minutes: Minutes | None = Field(None, description="Time spent; the planned duration when absent")


class CancelRequest(Input):
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class ExceptionRequest(Input):
    """One occurrence of a series, cancelled, or moved to a new start and end."""

    original_start: AwareDatetime
    cancelled: bool = False
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None


class OccurrenceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime


class Occurrence(BaseModel):
    activity_id: UUID
    subject: str
    original_start: AwareDatetime
    start: AwareDatetime
    end: AwareDatetime
    moved: bool


class Occurrences(BaseModel):
    items: list[Occurrence]


class MyWorkQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view: Literal["open", "overdue", "due_today"] = "open"
    owner_id: UUID | None = Field(None, description="Whose work; the caller's when absent")
    timezone: str = Field("UTC", description="The owner's IANA zone: what \"today\" means", examples=["Europe/Paris"])
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


class CalendarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: UUID | None = Field(None, description="Whose appointments (give this or resource_id)")
    resource_id: UUID | None = Field(None, description="A scheduler resource's bookings")
    access_token: str | None = Field(None, description="A bearer token, for calendar apps that cannot send headers")


class CustomerActivities(BaseModel):
    """The activities section of the customer 360 view."""

    account_id: UUID
    counts_by_type: dict[str, int]
    counts_by_status: dict[str, int]
    time_spent_minutes: int
    recent: list[Activity]
