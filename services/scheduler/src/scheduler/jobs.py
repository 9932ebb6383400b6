"""Running the solver process and long solves as jobs.

`run_solver` starts `scheduler.solver_process` with eventlet's green subprocess, so waiting
for it never blocks the service. `Jobs` is a nameko dependency that runs a job in a
managed green thread of the container (killed with it); the job's row carries its status,
progress and best schedule so far for `get_job`.
"""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from nameko.extensions import DependencyProvider
from sqlalchemy import insert, select, update

from crmkit.errors import NotFound
from crmkit.metrics import SOLVER_SECONDS
from crmkit.records import json_safe, valid_id
from scheduler.db import solve_jobs

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(seconds=120)  # a running job silent this long lost its process


class SolverFailed(Exception):
    pass


def run_solver(batch: dict, on_progress=None) -> dict:
    """Solve in a child process; its wall time goes to crm_solver_duration_seconds."""
    from eventlet.green import subprocess

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "scheduler.solver_process"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process.stdin.write(json.dumps(batch).encode())
    process.stdin.close()
    result = None
    for raw in process.stdout:
        line = json.loads(raw)
        if line["type"] == "result":
            result = line["result"]
        elif on_progress is not None:
            on_progress(line)
    code = process.wait()
    status = result["status"] if result is not None else "failed"
    SOLVER_SECONDS.labels("scheduler", status).observe(time.perf_counter() - started)
    if result is None:
        raise SolverFailed(f"the solver process exited with code {code} without a result")
    return result


def _now() -> datetime:
    return datetime.now(timezone.utc)


def create_job(connection, spec: dict, time_limit_s: float) -> dict:
    now = _now()
    row = {"id": str(uuid.uuid4()), "status": "queued", "spec": spec, "progress": {}, "result": None,
           "error": None, "time_limit_s": time_limit_s, "created_at": now, "updated_at": now, "finished_at": None}
    connection.execute(insert(solve_jobs), row)
    return row


def get_job(db, job_id: str) -> dict:
    with db.reading() as connection:
        row = connection.execute(select(solve_jobs).where(solve_jobs.c.id == valid_id(job_id, "job"))).mappings().first()
    if row is None:
        raise NotFound(f"No job with id {job_id}")
    job = dict(row)
    if job["status"] in ("queued", "running") and _now() - job["updated_at"] > STALE_AFTER:
        job["status"], job["error"] = "failed", "the solver stopped reporting (the service restarted?)"
    job.pop("spec")
    return json_safe(job)


def update_job(db, job_id: str, **values) -> None:
    with db.unit_of_work() as uow:
        uow.connection.execute(update(solve_jobs).where(solve_jobs.c.id == job_id).values(updated_at=_now(), **values))


class Jobs(DependencyProvider):
    """`self.jobs.start(fn, *args)` runs fn in a managed thread of the service container."""

    def get_dependency(self, worker_ctx):
        container = self.container

        class Starter:
            @staticmethod
            def start(fn, *args):
                return container.spawn_managed_thread(lambda: fn(*args))

        return Starter()
