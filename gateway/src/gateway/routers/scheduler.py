"""/api/v1/scheduler/...: resources, resource groups, services, bookings, availability,
solving and solve jobs, owned by the scheduler service."""
# No `from __future__ import annotations`: FastAPI must see the real model classes.
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status
from fastapi.responses import JSONResponse

from gateway import deps
from gateway.auth import CurrentUser, current_user
from gateway.crud import API_PREFIX, Resource, crud_router
from gateway.models.common import Page
from gateway.models.scheduler import (Availability, AvailabilityQuery, Booking, BookingCreate, BookingListQuery,
                                      CancelBooking, Job, JobAccepted, ResourceCreate, ResourceGroup,
                                      ResourceGroupCreate, ResourceGroupListQuery, ResourceGroupUpdate,
                                      ResourceListQuery, ResourceRecord, ResourceUpdate, Service, ServiceCreate,
                                      ServiceListQuery, ServiceUpdate, SolveBody, SolveResult)
from gateway.openapi import errors
from gateway.rpc import RpcClient

SERVICE = "scheduler"
PREFIX = f"{API_PREFIX}/scheduler"
Rpc = Annotated[RpcClient, Depends(deps.rpc)]
# Solving waits for the solver; the reply may take the whole time limit and some more.
SOLVE_MARGIN_S = 20.0


class SchedulerResource(Resource):
    """Records under /scheduler/...: the RPC names use the last part of the path only."""

    @property
    def plural(self) -> str:
        return self.path.rsplit("/", 1)[-1].replace("-", "_")


def _crud(path: str, singular: str, create, update, record, list_query) -> APIRouter:
    return crud_router(SchedulerResource(path=f"scheduler/{path}", singular=singular, service=SERVICE,
                                         create_model=create, update_model=update, record_model=record,
                                         list_query=list_query))


actions = APIRouter(prefix=PREFIX, tags=["scheduler"], dependencies=[Depends(current_user)],
                    responses=errors(401, 503))


@actions.get("/bookings", response_model=Page[Booking], operation_id="list_bookings", summary="List bookings",
             responses=errors(422))
async def list_bookings(query: Annotated[BookingListQuery, Query()], rpc: Rpc):
    return await rpc.call(SERVICE, "list_bookings", filters=query.filters(), q=query.q, sort=query.sort,
                          limit=query.limit, cursor=query.cursor)


@actions.post("/bookings", response_model=Booking, status_code=status.HTTP_201_CREATED,
              operation_id="create_booking", responses=errors(409, 422),
              summary="Book resources for a service; 409 when one is booked, not working or on time off")
async def create_booking(body: Annotated[BookingCreate, Body()], user: CurrentUser, rpc: Rpc, response: Response):
    booking = await rpc.call(SERVICE, "create_booking", data=body.model_dump(mode="json", exclude_unset=True),
                             owner_id=str(user.id))
    response.headers["Location"] = f"{PREFIX}/bookings/{booking['id']}"
    return booking


@actions.get("/bookings/{booking_id}", response_model=Booking, operation_id="get_booking",
             summary="Get a booking by id", responses=errors(404, 422))
async def get_booking(booking_id: Annotated[UUID, Path()], rpc: Rpc):
    return await rpc.call(SERVICE, "get_booking", booking_id=str(booking_id))


@actions.post("/bookings/{booking_id}/cancel", response_model=Booking, operation_id="cancel_booking",
              summary="Cancel a booking (publishes BookingCancelled); 409 if it is not booked",
              responses=errors(404, 409, 422))
async def cancel_booking(booking_id: Annotated[UUID, Path()], rpc: Rpc,
                         body: Annotated[CancelBooking | None, Body()] = None):
    data = body.model_dump(mode="json", exclude_unset=True) if body else {}
    return await rpc.call(SERVICE, "cancel_booking", booking_id=str(booking_id), data=data)


@actions.post("/availability", response_model=Availability, operation_id="find_availability",
              summary="Earliest feasible slots for a service in a window, or why there are none",
              responses=errors(422))
async def find_availability(body: Annotated[AvailabilityQuery, Body()], rpc: Rpc):
    return await rpc.call(SERVICE, "find_availability", query=body.model_dump(mode="json", exclude_unset=True))


@actions.post("/solve", response_model=SolveResult, operation_id="solve",
              summary="Schedule many requests at once (CP-SAT); large or long solves answer 202 with a job",
              responses={**errors(422), 202: {"model": JobAccepted, "description": "Solving as a job"}})
async def solve(body: Annotated[SolveBody, Body()], user: CurrentUser, rpc: Rpc):
    answer = await rpc.call(SERVICE, "solve", timeout_s=body.time_limit_s + rpc.timeout_s + SOLVE_MARGIN_S,
                            spec=body.model_dump(mode="json", exclude_unset=True), owner_id=str(user.id))
    if "job_id" in answer:
        return JSONResponse(JobAccepted(**answer).model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED,
                            headers={"Location": f"{PREFIX}/jobs/{answer['job_id']}"})
    return answer


@actions.get("/jobs/{job_id}", response_model=Job, operation_id="get_solve_job",
             summary="A solve job: progress, the best schedule so far, then the result", responses=errors(404, 422))
async def get_job(job_id: Annotated[UUID, Path()], rpc: Rpc):
    return await rpc.call(SERVICE, "get_job", job_id=str(job_id))


router = APIRouter()
router.include_router(_crud("resources", "resource", ResourceCreate, ResourceUpdate, ResourceRecord,
                            ResourceListQuery))
router.include_router(_crud("resource-groups", "resource_group", ResourceGroupCreate, ResourceGroupUpdate,
                            ResourceGroup, ResourceGroupListQuery))
router.include_router(_crud("services", "service", ServiceCreate, ServiceUpdate, Service, ServiceListQuery))
router.include_router(actions)
