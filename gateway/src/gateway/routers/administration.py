"""/api/v1/business-units, /teams, /roles, /users: the directory of the security model
(gateway.access). Stored in the gateway's database; every route needs the privilege the
catalogue names for it (e.g. write on teams to add a member), and no one grants privileges
wider than their own. Pages run in name (username) order."""
# No `from __future__ import annotations`: FastAPI reads the real types of the signatures.
import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deps, users
from gateway.access import directory
from gateway.access.caller import Caller
from gateway.access.catalog import RESOURCES
from gateway.access.enforce import caller_of
from gateway.access.levels import errors_in
from gateway.auth import CurrentUser, current_user
from gateway.crud import API_PREFIX, expected_version
from gateway.models.administration import (
    BusinessUnit, BusinessUnitCreate, BusinessUnitUpdate, Role, RoleCreate, RoleUpdate, Team, TeamCreate,
    TeamMemberAdd, TeamRoles, TeamUpdate, User, UserCreate, UserUpdate,
)
from gateway.models.common import MAX_LIMIT, Page
from gateway.openapi import errors
from gateway.problems import Problem

Engine = Annotated[AsyncEngine, Depends(deps.engine)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=1000)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
Id = Annotated[uuid.UUID, Path()]


async def acting(request: Request, user: CurrentUser) -> Caller:
    """The caller's access: what they may grant to others."""
    return await caller_of(request, user)


Acting = Annotated[Caller, Depends(acting)]


def _area(path: str, kind: directory.Kind, model: type, param: str, remove=None, removes: str = "") -> APIRouter:
    """The routes under /api/v1/<path>, with GET /{<param>} and, given `remove` (described by
    `removes`), DELETE /{<param>}."""
    area = APIRouter(prefix=f"{API_PREFIX}/{path}", tags=["administration"],
                     dependencies=[Depends(current_user)], responses=errors(401, 403))
    name = kind.label.replace(" ", "_")
    RecordId = Annotated[uuid.UUID, Path(alias=param)]

    @area.get(f"/{{{param}}}", response_model=model, operation_id=f"get_{name}", summary=f"Get a {kind.label}",
              responses=errors(404, 422))
    async def get_record(record_id: RecordId, engine: Engine, response: Response):
        return _versioned(response, await directory.get(engine, kind, record_id))

    if remove is not None:
        @area.delete(f"/{{{param}}}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
                     operation_id=f"delete_{name}", summary=removes, responses=errors(404, 409, 422))
        async def delete_record(record_id: RecordId, engine: Engine):
            await remove(engine, record_id)
            return Response(status_code=status.HTTP_204_NO_CONTENT)

    return area


def _versioned(response: Response, record: dict) -> dict:
    response.headers["ETag"] = f'"{record["version"]}"'
    return record


def _created(response: Response, path: str, record: dict) -> dict:
    response.headers["Location"] = f"{API_PREFIX}/{path}/{record['id']}"
    return _versioned(response, record)


def _changes(body) -> dict:
    return body.model_dump(exclude_unset=True)


def _check_privileges(privileges: dict, caller: Caller) -> None:
    """Names and levels the security model knows (422), within the caller's own (403)."""
    problems = errors_in(privileges, RESOURCES)
    if problems:
        raise Problem(422, "The role's privileges are not valid.", problems)
    directory.require_within(caller, [privileges])


# --- business units --------------------------------------------------------------------------

units = _area("business-units", directory.UNIT, BusinessUnit, "unit_id", directory.delete_unit,
              "Delete a business unit without users, teams or units below it (never the root)")


@units.get("", response_model=Page[BusinessUnit], operation_id="list_business_units",
           summary="List business units", responses=errors(422))
async def list_business_units(engine: Engine, limit: Limit = 50, cursor: Cursor = None,
                              parent_id: uuid.UUID | None = None):
    return await directory.page(engine, directory.UNIT, limit, cursor, parent_id=parent_id)


@units.post("", response_model=BusinessUnit, status_code=status.HTTP_201_CREATED,
            operation_id="create_business_unit", summary="Create a business unit below another",
            responses=errors(409, 422))
async def create_business_unit(body: Annotated[BusinessUnitCreate, Body()], engine: Engine, response: Response):
    return _created(response, "business-units", await directory.create(engine, directory.UNIT, body.model_dump(),
                                                                       parent_id=directory.UNIT))


@units.patch("/{unit_id}", response_model=BusinessUnit, operation_id="update_business_unit",
             summary="Rename a business unit or move it under another (never below itself)",
             responses=errors(404, 409, 412, 422))
async def update_business_unit(unit_id: Id, body: Annotated[BusinessUnitUpdate, Body()], engine: Engine,
                               response: Response, if_match: IfMatch = None):
    record = await directory.update_unit(engine, unit_id, expected_version(if_match), _changes(body))
    return _versioned(response, record)


# --- teams -----------------------------------------------------------------------------------

team_routes = _area("teams", directory.TEAM, Team, "team_id", directory.delete_team,
                    "Delete a team (its memberships, roles and shares go with it)")


@team_routes.get("", response_model=Page[Team], operation_id="list_teams", summary="List teams",
                 responses=errors(422))
async def list_teams(engine: Engine, limit: Limit = 50, cursor: Cursor = None,
                     business_unit_id: uuid.UUID | None = None):
    return await directory.page(engine, directory.TEAM, limit, cursor, business_unit_id=business_unit_id)


@team_routes.post("", response_model=Team, status_code=status.HTTP_201_CREATED, operation_id="create_team",
                  summary="Create a team in a business unit", responses=errors(409, 422))
async def create_team(body: Annotated[TeamCreate, Body()], engine: Engine, response: Response):
    return _created(response, "teams", await directory.create(engine, directory.TEAM, body.model_dump(),
                                                              business_unit_id=directory.UNIT))


@team_routes.patch("/{team_id}", response_model=Team, operation_id="update_team",
                   summary="Rename a team or move it to another business unit", responses=errors(404, 409, 412, 422))
async def update_team(team_id: Id, body: Annotated[TeamUpdate, Body()], engine: Engine, response: Response,
                      if_match: IfMatch = None):
    record = await directory.change(engine, directory.TEAM, team_id, expected_version(if_match), _changes(body),
                                    business_unit_id=directory.UNIT)
    return _versioned(response, record)


@team_routes.post("/{team_id}/members", response_model=Team, operation_id="add_team_member",
                  summary="Add a user to the team (they hold its roles)", responses=errors(404, 409, 412, 422))
async def add_team_member(team_id: Id, body: Annotated[TeamMemberAdd, Body()], engine: Engine,
                          caller: Acting, response: Response, if_match: IfMatch = None):
    record = await directory.add_member(engine, team_id, body.user_id, expected_version(if_match), caller)
    return _versioned(response, record)


@team_routes.delete("/{team_id}/members/{user_id}", response_model=Team, operation_id="remove_team_member",
                    summary="Take a user out of the team", responses=errors(404, 409, 412, 422))
async def remove_team_member(team_id: Id, user_id: Id, engine: Engine, response: Response,
                             if_match: IfMatch = None):
    record = await directory.remove_member(engine, team_id, user_id, expected_version(if_match))
    return _versioned(response, record)


@team_routes.put("/{team_id}/roles", response_model=Team, operation_id="set_team_roles",
                 summary="Replace the team's roles (its members hold them too)", responses=errors(404, 409, 412, 422))
async def set_team_roles(team_id: Id, body: Annotated[TeamRoles, Body()], engine: Engine, caller: Acting,
                         response: Response, if_match: IfMatch = None):
    record = await directory.set_team_roles(engine, team_id, body.role_ids, expected_version(if_match), caller)
    return _versioned(response, record)


# --- roles -----------------------------------------------------------------------------------

role_routes = _area("roles", directory.ROLE, Role, "role_id", directory.delete_role,
                    "Delete a role no user or team holds")


@role_routes.get("", response_model=Page[Role], operation_id="list_roles", summary="List roles",
                 responses=errors(422))
async def list_roles(engine: Engine, limit: Limit = 50, cursor: Cursor = None):
    return await directory.page(engine, directory.ROLE, limit, cursor)


@role_routes.post("", response_model=Role, status_code=status.HTTP_201_CREATED, operation_id="create_role",
                  summary="Create a role: privileges per resource at an access level", responses=errors(409, 422))
async def create_role(body: Annotated[RoleCreate, Body()], engine: Engine, caller: Acting, response: Response):
    _check_privileges(body.privileges, caller)
    return _created(response, "roles", await directory.create(engine, directory.ROLE, body.model_dump()))


@role_routes.patch("/{role_id}", response_model=Role, operation_id="update_role",
                   summary="Change a role (its holders' access changes at once)", responses=errors(404, 409, 412, 422))
async def update_role(role_id: Id, body: Annotated[RoleUpdate, Body()], engine: Engine, caller: Acting,
                      response: Response, if_match: IfMatch = None):
    changes = _changes(body)
    if "privileges" in changes:
        _check_privileges(changes["privileges"], caller)
    record = await directory.change(engine, directory.ROLE, role_id, expected_version(if_match), changes)
    return _versioned(response, record)


# --- users -----------------------------------------------------------------------------------

user_routes = _area("users", directory.USER, User, "user_id")  # deactivated, never deleted


@user_routes.get("", response_model=Page[User], operation_id="list_users", summary="List users",
                 responses=errors(422))
async def list_users(engine: Engine, limit: Limit = 50, cursor: Cursor = None,
                     business_unit_id: uuid.UUID | None = None, is_active: bool | None = None):
    return await directory.page(engine, directory.USER, limit, cursor, business_unit_id=business_unit_id,
                                is_active=is_active)


@user_routes.post("", response_model=User, status_code=status.HTTP_201_CREATED, operation_id="create_user",
                  summary="Create a user with a password and roles", responses=errors(409, 422))
async def create_user(body: Annotated[UserCreate, Body()], engine: Engine, caller: Acting, response: Response):
    # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
    password_hash = await asyncio.to_thread(users.hash_password, body.password)
    record = await directory.create_user(engine, body.username, password_hash, body.business_unit_id,
                                         body.role_ids, caller)
    return _created(response, "users", record)


@user_routes.patch("/{user_id}", response_model=User, operation_id="update_user",
                   summary="Move a user, replace their roles, or deactivate them (users are never deleted)",
                   responses=errors(404, 409, 412, 422))
async def update_user(user_id: Id, body: Annotated[UserUpdate, Body()], engine: Engine, caller: Acting,
                      response: Response, if_match: IfMatch = None):
    changes = _changes(body)
    if changes.get("is_active") is False and user_id == caller.user.id:
        raise Problem(409, "You cannot deactivate yourself; ask another administrator.")
    record = await directory.update_user(engine, user_id, expected_version(if_match), changes, caller)
    return _versioned(response, record)


router = APIRouter()
for _part in (units, team_routes, role_routes, user_routes):
    router.include_router(_part)
