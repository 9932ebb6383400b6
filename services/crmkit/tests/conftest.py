from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from crmkit.tables import create_plumbing_tables
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
    def make(service: str, amqp_uri: str, database_url: str, **extra) -> dict:
        return {"AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "SERVICE_NAME": service,
                "CRM_RETRY_DELAYS_MS": [50, 100], "CRM_MAX_ATTEMPTS": 3,
                "CRM_RELAY_POLL_INTERVAL_S": 0.5, "max_workers": 10} | extra
    return make


class Sql:
    def __init__(self, url: str):
        self.engine = create_engine(url)

    def scalar(self, query: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(query), params).scalar()

    def execute(self, query: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(query), params)


@pytest.fixture
def sql():
    made = []

    def make(url: str) -> Sql:
        made.append(Sql(url))
        return made[-1]

    yield make
    for s in made:
        s.engine.dispose()
