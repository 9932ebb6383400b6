"""The gateway's database engine (SQLAlchemy asyncio over psycopg 3)."""
from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def psycopg_url(url: str) -> str:
    """Accept plain `postgresql://` URLs too; psycopg 3 is the driver that does asyncio."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str) -> AsyncEngine:
    # pre_ping: a gateway outlives database restarts; a dead pooled connection is replaced
    # instead of failing one request.
    return create_async_engine(psycopg_url(url), pool_pre_ping=True, pool_size=10, max_overflow=10)
