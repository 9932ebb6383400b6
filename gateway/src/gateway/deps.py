"""FastAPI dependencies for what the app holds: settings, database engine, RPC client."""
from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.rpc import RpcClient


def settings(request: Request) -> Settings:
    return request.app.state.settings


def engine(request: Request) -> AsyncEngine:
    return request.app.state.engine


def rpc(request: Request) -> RpcClient:
    return request.app.state.rpc
