"""Direct SQL on a service's database, for tests that check what really got stored."""
from __future__ import annotations

from sqlalchemy import create_engine, text


class Sql:
    def __init__(self, url: str):
        self.engine = create_engine(url)

    def scalar(self, query: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(query), params).scalar()

    def rows(self, query: str, **params) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(query), params).mappings()]

    def execute(self, query: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(query), params)

    def close(self) -> None:
        self.engine.dispose()
