"""The activities service runs on its own migrated database and answers its health RPC."""
from activities.service import ActivitiesService


def test_it_migrates_its_own_database_and_answers_health(run_service):
    service = run_service(ActivitiesService, "activities")
    assert service.rpc.health() == {"service": "activities", "status": "ok"}
    tables = {row["tablename"] for row in service.sql.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"outbox", "inbox", "alembic_version"} <= tables
