"""Scheduler: resources, resource groups, services, bookings, availability and solving
(API.md, Scheduler). The scheduler service enforces the rules; these models type the
contract and catch malformed input at the door."""
from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.models.common import Input, ListQuery, Patch, Record
from gateway.models.fields import RequiredText100, RequiredText200, Text100, Text200

Kind = Literal["user", "equipment", "facility"]
Clock = Field(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["09:00"])
Step = Literal[5, 10, 15, 20, 30, 60]


class Characteristic(Input):
    name: RequiredText100 = Field(examples=["python"])
    rating: int = Field(ge=1, le=5, description="1 (beginner) to 5 (expert)")


class WorkingHours(Input):
    weekday: int = Field(ge=0, le=6, description="0 is Monday")
    start: str = Clock
    end: str = Field(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["17:00"])


class TimeOff(Input):
    start: AwareDatetime
    end: AwareDatetime
    reason: Text200 | None = None


class ResourceCreate(Input):
    name: RequiredText200
    kind: Kind
    capacity: int | None = Field(None, ge=1, description="Seats of a facility; 1 otherwise (the default)")
    characteristics: list[Characteristic] | None = None
    features: list[Text100] | None = Field(None, examples=[["projector"]])
    timezone: str | None = Field(None, max_length=64, description="IANA zone of the working hours; UTC by default",
                                 examples=["Europe/Paris"])
    working_hours: list[WorkingHours] | None = Field(None, description="Weekly hours; Mon-Fri 09:00-17:00 by default")
    time_off: list[TimeOff] | None = None
    user_id: UUID | None = Field(None, description="The CRM user a person resource is")


class ResourceUpdate(Patch, ResourceCreate):
    REQUIRED = ("name", "kind")

    name: RequiredText200 | None = None
    kind: Kind | None = None


class ResourceRecord(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    kind: str
    capacity: int
    characteristics: list[dict]
    features: list[str]
    timezone: str
    working_hours: list[dict]
    time_off: list[dict]
    user_id: UUID | None = None


class ResourceListQuery(ListQuery):
    kind: Kind | None = None
    name: str | None = None
    user_id: UUID | None = None
    owner_id: UUID | None = None
    timezone: str | None = None


class ResourceGroupCreate(Input):
    name: RequiredText200
    description: str | None = Field(None, max_length=2000)
    member_ids: list[UUID] | None = None


class ResourceGroupUpdate(Patch, ResourceGroupCreate):
    REQUIRED = ("name",)

    name: RequiredText200 | None = None


class ResourceGroup(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    description: str | None = None
    member_ids: list[UUID]


class ResourceGroupListQuery(ListQuery):
    name: str | None = None
    owner_id: UUID | None = None


class RequiredCharacteristic(Input):
    name: RequiredText100
    min_rating: int = Field(1, ge=1, le=5)


class Requirement(Input):
    count: int = Field(1, ge=1, le=50)
    kind: Kind | None = None
    group_id: UUID | None = None
    characteristics: list[RequiredCharacteristic] = []
    features: list[Text100] = []
    min_capacity: Literal["attendees"] | int | None = Field(
        None, description='"attendees" (seats for everyone attending) or a fixed number of seats')


class ServiceCreate(Input):
    name: RequiredText200
    description: str | None = Field(None, max_length=2000)
    duration_minutes: int = Field(ge=5, le=1440)
    requirements: list[Requirement] | None = None
    default_attendees: int | None = Field(None, ge=1, description="Attendees when a request gives none")
    slot_minutes: Step | None = Field(None, description="Start times fall on this grid (default 30)")


class ServiceUpdate(Patch, ServiceCreate):
    REQUIRED = ("name", "duration_minutes")

    name: RequiredText200 | None = None
    duration_minutes: int | None = Field(None, ge=5, le=1440)


class Service(Record):
    model_config = ConfigDict(extra="ignore")

    name: str
    description: str | None = None
    duration_minutes: int
    requirements: list[dict]
    default_attendees: int
    slot_minutes: int


class ServiceListQuery(ListQuery):
    name: str | None = None
    owner_id: UUID | None = None


class Regarding(BaseModel):
    type: str = Field(min_length=1, max_length=50, examples=["order"])
    id: UUID


class BookingCreate(Input):
    service_id: UUID
    request_id: UUID | None = None
    resource_ids: list[UUID] = Field(min_length=1, max_length=50)
    start: AwareDatetime
    end: AwareDatetime
    attendees: int = Field(1, ge=1)
    regarding: Regarding | None = None
    account_id: UUID | None = None
    subject: str | None = Field(None, max_length=300)


class Booking(Record):
    model_config = ConfigDict(extra="ignore")

    service_id: UUID
    request_id: UUID | None = None
    resource_ids: list[UUID]
    start: AwareDatetime
    end: AwareDatetime
    attendees: int
    regarding: Regarding | None = None
    account_id: UUID | None = None
    subject: str | None = None
    status: Literal["booked", "cancelled"]
    cancel_reason: str | None = None
    cancelled_at: AwareDatetime | None = None


class BookingListQuery(ListQuery):
    service_id: UUID | None = None
    request_id: UUID | None = None
    status: Literal["booked", "cancelled"] | None = None
    account_id: UUID | None = None
    regarding_type: str | None = None
    regarding_id: UUID | None = None
    owner_id: UUID | None = None


class CancelBooking(Input):
    reason: str | None = Field(None, max_length=500)


class Window(Input):
    start: AwareDatetime
    end: AwareDatetime


class AvailabilityQuery(Input):
    service_id: UUID
    attendees: int = Field(1, ge=1)
    window: Window
    limit: int = Field(10, ge=1, le=500)
    step_minutes: Step | None = Field(None, description="Grid of start times; the service's slot_minutes by default")
    resource_ids: list[UUID] | None = Field(None, description="Only consider these resources")


class Slot(BaseModel):
    start: AwareDatetime
    end: AwareDatetime
    resource_ids: list[UUID]


class Availability(BaseModel):
    service_id: UUID
    slots: list[Slot]
    reasons: list[str] = Field(description="When there is no slot: the requirement that no resource can meet")


class SolveRequest(Input):
    id: str = Field(min_length=1, max_length=100, description="Your id for the request, unique in the batch")
    service_id: UUID
    attendees: int = Field(1, ge=1)
    window: Window
    preferred_resource_ids: list[UUID] = []
    not_before_request: str | None = Field(None, description="Id of a request of this batch that must end first")
    course: str | None = Field(None, max_length=200,
                               description="Requests of one course: spread over days, same room and teacher")
    regarding: Regarding | None = None
    account_id: UUID | None = None
    subject: str | None = Field(None, max_length=300)


class SolveBody(Input):
    requests: list[SolveRequest] = Field(min_length=1, max_length=5000)
    time_limit_s: float = Field(10.0, ge=0.5, le=3600)
    commit: bool = False
    step_minutes: Literal[15, 30, 60, 120] | None = None
    background: bool | None = Field(None, description="Force (true) or forbid (false) a job; by default large "
                                                       "or long solves run as jobs")


class Assignment(BaseModel):
    model_config = ConfigDict(extra="allow")

    request_id: str
    start: AwareDatetime
    end: AwareDatetime
    resource_ids: list[UUID]
    booking_id: UUID | None = None


class Unassigned(BaseModel):
    request_id: str
    reasons: list[str]


class SolveResult(BaseModel):
    status: Literal["optimal", "feasible", "infeasible", "partial"]
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    objective: int = Field(description="Soft cost of the assignments (lower is better)")
    bound: int = Field(description="No schedule of these requests costs less")
    committed: bool = False
    stats: dict[str, Any] = {}


class JobAccepted(BaseModel):
    job_id: UUID
    status: str


class Job(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: dict[str, Any] = Field(description="phase, elapsed_s, placed, total, objective, bound, iterations")
    result: dict[str, Any] | None = Field(None, description="While running: best_assignments so far; then the result")
    error: str | None = None
    time_limit_s: float
    created_at: AwareDatetime
    updated_at: AwareDatetime
    finished_at: AwareDatetime | None = None
