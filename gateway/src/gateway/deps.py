"""FastAPI dependencies for what the app holds: settings, database engine, RPC client.

The dependencies are coroutines on purpose: FastAPI runs a plain `def` dependency in its
thread pool, and the two thread hand-offs per dependency per request cost the gateway more
CPU than the work they wrap (a tenth of its time in a profile of the contact list). Code
that is not a dependency reads the same things with the `*_of` functions."""
from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.rpc import RpcClient


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def engine_of(request: Request) -> AsyncEngine:
    return request.app.state.engine


def rpc_of(request: Request) -> RpcClient:
    return request.app.state.rpc


async def settings(request: Request) -> Settings:
    return settings_of(request)


async def engine(request: Request) -> AsyncEngine:
    return engine_of(request)


async def rpc(request: Request) -> RpcClient:
    return rpc_of(request)
