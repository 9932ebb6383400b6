"""Audit history: every change of every record (who, when, which fields from what to what).

A trigger on every table with an `id` column writes one `audit_log` row per inserted, updated
or deleted row, with the changed fields as {"field": {"from": old, "to": new}}. A trigger
rather than code in each flow: actions (qualify, win, resolve, ...), event consumers and bulk
paths are all caught, and a new flow cannot forget it. Who: the unit of work sets the
transaction-local setting `crm.actor` to the user the gateway names in the RPC context.

`ensure_audit` runs after every migration (crmkit.migrations.run_env), so tables that later
revisions add are audited without each revision having to remember.
"""
from __future__ import annotations

from sqlalchemy import text

from crmkit import pagination
from crmkit.errors import NotFound, ValidationFailed
from crmkit.records import json_safe

NOT_AUDITED = ("outbox", "inbox", "audit_log", "alembic_version")
# Bookkeeping every update changes: recorded with the row, not as a field change.
NOT_CHANGES = ("updated_at", "version", "created_at")

SETUP = f"""
CREATE TABLE IF NOT EXISTS audit_log (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    record_id text NOT NULL,
    action text NOT NULL,
    changes jsonb NOT NULL,
    actor_id text,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS ix_audit_log_record ON audit_log (table_name, record_id, id);

CREATE OR REPLACE FUNCTION crm_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    diff jsonb := '{{}}';
    field text;
BEGIN
    FOR field IN SELECT jsonb_object_keys(coalesce(new_row, old_row)) LOOP
        CONTINUE WHEN field = ANY (ARRAY{list(NOT_CHANGES)!r});
        IF (old_row -> field) IS DISTINCT FROM (new_row -> field) THEN
            diff := diff || jsonb_build_object(field, jsonb_build_object(
                'from', old_row -> field, 'to', new_row -> field));
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND diff = '{{}}' THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, changes, actor_id)
    VALUES (TG_TABLE_NAME, coalesce(new_row ->> 'id', old_row ->> 'id'),
            CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END,
            diff, nullif(current_setting('crm.actor', true), ''));
    RETURN NULL;
END $$;
"""

UNAUDITED_TABLES = text("""
SELECT c.table_name FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = 'public' AND c.column_name = 'id' AND t.table_type = 'BASE TABLE'
  AND c.table_name <> ALL (:excluded)
  AND NOT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid
                  WHERE r.relname = c.table_name AND g.tgname = 'crm_audit')
ORDER BY c.table_name
""")


def ensure_audit(connection) -> list[str]:
    """Create the audit table and function if missing, and audit every table with an `id`
    that is not audited yet. Returns the tables that got their trigger now."""
    connection.exec_driver_sql(SETUP)
    tables = [row[0] for row in connection.execute(UNAUDITED_TABLES, {"excluded": list(NOT_AUDITED)})]
    for table in tables:
        connection.exec_driver_sql(
            f'CREATE TRIGGER crm_audit AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION crm_audit()")
    return tables


SET_ACTOR = text("SELECT set_config('crm.actor', :actor, true)")

_HISTORY = text("""
SELECT id, action, changes, actor_id, at FROM audit_log
WHERE table_name = :table AND record_id = :record AND id < :before
ORDER BY id DESC LIMIT :limit
""")


_AUDITED = text("""
SELECT 1 FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid
WHERE r.relname = :table AND g.tgname = 'crm_audit'
""")


def history(connection, table: str, record_id: str, limit: int, cursor: str | None) -> dict:
    """A record's changes, newest first, a page at a time (`next_cursor` while more remain)."""
    if connection.execute(_AUDITED, {"table": table}).first() is None:
        raise NotFound(f"This service keeps no audit history of {table!r}")
    limit = pagination.check_limit(limit)
    if cursor is not None and not str(cursor).isdigit():
        raise ValidationFailed("Invalid cursor", [{"field": "cursor", "message": "not a cursor of this list"}])
    before = int(cursor) if cursor is not None else 2 ** 62
    rows = connection.execute(_HISTORY, {"table": table, "record": str(record_id), "before": before,
                                         "limit": limit + 1}).mappings().all()
    items = [dict(row) for row in rows[:limit]]
    next_cursor = str(items[-1]["id"]) if len(rows) > limit else None
    return {"items": json_safe(items), "next_cursor": next_cursor}
