"""The solver as a child process: `python -m scheduler.solver_process` reads one batch as
JSON on stdin and writes JSON lines on stdout: progress (with the best schedule so far)
while it searches, then the result.

A CP-SAT solve holds the CPU for seconds; inside the nameko process it would stop eventlet's
hub (no RPC answered, AMQP heartbeats missed). In its own process it only costs a core.
"""
from __future__ import annotations

import json
import sys
import time

from crmkit.records import json_safe
from scheduler.domain.batch import BatchRequest, solve_batch
from scheduler.domain.calendars import as_time
from scheduler.domain.engine.search import Settings

BEST_EVERY_S = 2.0  # the best schedule so far is large; send it at most this often


def run(batch: dict, out) -> dict:
    last = {"progress": 0.0, "best": 0.0}

    def on_progress(info, best):
        now = time.monotonic()
        if now - last["progress"] < 0.5:
            return
        line = {"type": "progress", "progress": info}
        last["progress"] = now
        if now - last["best"] >= BEST_EVERY_S:
            line["best"] = json_safe(best())
            last["best"] = now
        out.write(json.dumps(line) + "\n")
        out.flush()

    result = solve_batch(
        [BatchRequest.from_dict(r) for r in batch["requests"]], batch["resources"], batch["groups"],
        [(r, as_time(s), as_time(e)) for r, s, e in batch["busy"]], batch["time_limit_s"],
        batch.get("step_minutes"), Settings(workers=int(batch.get("workers") or 2)), on_progress)
    return json_safe(result)


def main() -> None:
    batch = json.load(sys.stdin)
    result = run(batch, sys.stdout)
    sys.stdout.write(json.dumps({"type": "result", "result": result}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
