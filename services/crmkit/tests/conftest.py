from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from crmkit.tables import create_plumbing_tables
from crmkit.testing.services import service_test_config
from probe_services import PROBE_TABLES


def _probe_database(make_database, name: str) -> str:
    url = make_database(name, migrate=False)
    engine = create_engine(url)
    with engine.begin() as conn:
        create_plumbing_tables(conn)
        conn.exec_driver_sql(PROBE_TABLES)
    engine.dispose()
    return url


@pytest.fixture
def probe_db(make_database):
    return _probe_database(make_database, "probe")


@pytest.fixture
def consumer_db(make_database):
    return _probe_database(make_database, "probe_consumer")


@pytest.fixture
def service_config():
    return service_test_config
