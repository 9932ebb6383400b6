"""Import jobs: a file's rows become records of a sales resource, in the background.

Rows are taken in chunks. Each row is validated with the API's own create model (a bad row
is rejected with every bad field, the rest go on); its matching field (e.g. email) finds the
existing record, in one bulk RPC per chunk, which is then updated with the fields that differ
(or left alone: unchanged); the others are created with one bulk RPC per chunk (one
transaction, events included). Progress and counts are written to import_jobs after every
chunk, so GET /imports/{id} shows them while the job runs.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import tables
from gateway.imports_rules import (FIRST_ROW, RULES, Rule, changes, errors_by_index, in_rounds, match_key,
                                   normalised, rows_of)
from gateway.problems import validation_errors
from gateway.rpc import RemoteError, RpcClient, ServiceUnavailable

log = logging.getLogger(__name__)

SERVICE = "sales"
CHUNK = 1000
# Chunks in flight at once: the service's workers and the database overlap their waits.
PARALLEL_CHUNKS = 4
PARALLEL_UPDATES = 8
REJECTIONS_KEPT = 1000
j = tables.import_jobs


@dataclass
class Row:
    number: int  # as a spreadsheet shows it
    data: dict
    key: tuple[str, str] | None


@dataclass
class Tally:
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    may_update: Callable[[dict], bool] = lambda record: True

    def reject(self, row: int, errors: list[dict]) -> None:
        self.rejected += 1
        if len(self.rejections) < REJECTIONS_KEPT:
            self.rejections.append({"row": row, "errors": errors})


async def create_job(engine: AsyncEngine, resource: str, file_format: str, owner_id) -> uuid.UUID:
    now = datetime.now(timezone.utc)
    job_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(insert(j).values(
            id=job_id, resource=resource, file_format=file_format, status="queued", total_rows=0,
            processed_rows=0, created=0, updated=0, unchanged=0, rejected=0, rejections=[],
            owner_id=owner_id, created_at=now, updated_at=now))
    return job_id


async def _save(engine: AsyncEngine, job_id, tally: Tally, **values) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(j).where(j.c.id == job_id).values(
            processed_rows=tally.processed, created=tally.created, updated=tally.updated,
            unchanged=tally.unchanged, rejected=tally.rejected, rejections=tally.rejections,
            updated_at=datetime.now(timezone.utc), **values))


def validate(rule: Rule, number: int, raw: dict, tally: Tally) -> Row | None:
    try:
        model = rule.create_model.model_validate(raw)
    except ValidationError as exc:
        tally.reject(number, validation_errors(exc.errors()))
        return None
    data = model.model_dump(mode="json", exclude_unset=True, exclude={"allow_duplicate"})
    return Row(number, data, match_key(rule, data))


async def _create(rpc: RpcClient, resource: str, rows: list[Row], owner_id: str, tally: Tally) -> None:
    """One bulk create; rows the service refuses are rejected and the rest tried again."""
    while rows:
        try:
            await rpc.call(SERVICE, f"create_{resource}_bulk", items=[r.data for r in rows],
                           owner_id=owner_id, timeout_s=max(rpc.timeout_s, 60.0))
        except RemoteError as error:
            per_row, other = errors_by_index(error.errors)
            if not per_row:  # nothing names a row: every row shares the reason
                for row in rows:
                    tally.reject(row.number, other or [{"field": "", "message": error.detail}])
                return
            for index, errors in sorted(per_row.items()):
                tally.reject(rows[index].number, errors)
            rows = [row for index, row in enumerate(rows) if index not in per_row]
            continue
        tally.created += len(rows)
        return


async def _update(rpc: RpcClient, resource: str, row: Row, record: dict, tally: Tally) -> None:
    if not tally.may_update(record):
        tally.reject(row.number, [{"field": row.key[0], "message": "matches a record you may not change"}])
        return
    diff = changes(record, row.data)
    # The field it was matched on differs at most in case or spaces: not a change.
    if row.key and row.key[0] in diff and normalised(str(record.get(row.key[0]) or "")) == normalised(row.key[1]):
        del diff[row.key[0]]
    if not diff:
        tally.unchanged += 1
        return
    singular = resource[:-1]
    try:
        await rpc.call(SERVICE, f"update_{singular}", **{f"{singular}_id": record["id"]},
                       changes=diff, expected_version=record.get("version"))
    except RemoteError as error:
        tally.reject(row.number, error.errors or [{"field": "", "message": error.detail}])
        return
    tally.updated += 1


async def _round(rpc: RpcClient, resource: str, rule: Rule, rows: list[Row], owner_id: str,
                 tally: Tally) -> None:
    found: dict[tuple[str, str], dict] = {}
    for match_field in rule.match_on:
        values = sorted({r.key[1] for r in rows if r.key and r.key[0] == match_field})
        if values:
            matches = await rpc.call(SERVICE, "find_records_bulk", resource=resource,
                                     field=match_field, values=values)
            found.update({(match_field, normalised(v)): record for v, record in matches.items()})
    new, matched = [], []
    for row in rows:
        record = found.get((row.key[0], normalised(row.key[1]))) if row.key else None
        if record is None:
            new.append(row)
        else:
            matched.append((row, record))
    # Keys are unique within a round, so these updates touch different records.
    for start in range(0, len(matched), PARALLEL_UPDATES):
        await asyncio.gather(*(_update(rpc, resource, row, record, tally)
                               for row, record in matched[start:start + PARALLEL_UPDATES]))
    await _create(rpc, resource, new, owner_id, tally)


async def run(engine: AsyncEngine, rpc: RpcClient, job_id, resource: str, file_format: str,
              content: bytes, owner_id: str, may_update: Callable[[dict], bool] = lambda record: True) -> None:
    """`may_update(record)`: whether the importing user may change a record a row matches
    (the security model's write reach); rows matching others are rejected."""
    rule = RULES[resource]
    tally = Tally(may_update=may_update)
    try:
        raw_rows = list(rows_of(content, file_format))
        await _save(engine, job_id, tally, status="running", total_rows=len(raw_rows))
        rows = [row for offset, raw in enumerate(raw_rows)
                if (row := validate(rule, FIRST_ROW + offset, raw, tally)) is not None]
        tally.processed = len(raw_rows) - len(rows)  # the rejected ones are done
        key = (lambda r: (r.key[0], normalised(r.key[1])) if r.key else None)
        # No round holds one key twice, so its chunks can run side by side without two
        # of them creating the same record; a later round sees what earlier ones created.
        for batch in in_rounds(rows, key):
            chunks = [batch[start:start + CHUNK] for start in range(0, len(batch), CHUNK)]
            for first in range(0, len(chunks), PARALLEL_CHUNKS):
                group = chunks[first:first + PARALLEL_CHUNKS]
                await asyncio.gather(*(_round(rpc, resource, rule, chunk, owner_id, tally) for chunk in group))
                tally.processed += sum(map(len, group))
                await _save(engine, job_id, tally)
    except (ServiceUnavailable, ValueError) as exc:
        log.warning("import %s failed: %s", job_id, exc)
        await _save(engine, job_id, tally, status="failed", error=str(exc),
                    finished_at=datetime.now(timezone.utc))
        return
    except Exception as exc:  # noqa: BLE001 - a job must end in a state, never hang in running
        log.exception("import %s failed", job_id)
        await _save(engine, job_id, tally, status="failed", error=f"internal error: {type(exc).__name__}",
                    finished_at=datetime.now(timezone.utc))
        return
    await _save(engine, job_id, tally, status="completed", finished_at=datetime.now(timezone.utc))


# Background tasks are held here: asyncio keeps only weak references to running tasks.
_running: set[asyncio.Task] = set()


def start(engine: AsyncEngine, rpc: RpcClient, job_id, resource: str, file_format: str, content: bytes,
          owner_id: str, may_update: Callable[[dict], bool] = lambda record: True) -> None:
    task = asyncio.create_task(run(engine, rpc, job_id, resource, file_format, content, owner_id, may_update))
    _running.add(task)
    task.add_done_callback(_running.discard)
