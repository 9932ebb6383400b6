"""The scheduler service runs on its own migrated database and answers its health RPC."""
from scheduler.service import SchedulerService


def test_it_migrates_its_own_database_and_answers_health(run_service):
    service = run_service(SchedulerService, "scheduler")
    assert service.rpc.health() == {"service": "scheduler", "status": "ok"}
    tables = {row["tablename"] for row in service.sql.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"outbox", "inbox", "alembic_version", "resources", "resource_groups", "services", "bookings",
            "booking_slots", "scheduling_requests", "solve_jobs"} <= tables
