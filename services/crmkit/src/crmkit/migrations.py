"""Alembic, per service: each service package holds `migrations/` for its own database."""
from __future__ import annotations

import importlib.resources

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it is missing; True when created."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).first()
            if exists:
                return False
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            return True
    finally:
        admin.dispose()


def alembic_config(package: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(importlib.resources.files(package) / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(package: str, url: str, revision: str = "head") -> None:
    ensure_database(url)
    command.upgrade(alembic_config(package, url), revision)


def run_env(audit: bool = True) -> None:
    """The whole of every service's migrations/env.py (online mode only). With `audit`, every
    table with an `id` gets the audit trigger once the revisions ran (crmkit.audit)."""
    from alembic import context

    from crmkit.audit import ensure_audit

    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
            if audit:
                ensure_audit(connection)
    engine.dispose()
