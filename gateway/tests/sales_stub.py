"""A stand-in `sales` nameko service for the gateway's tests, run as a subprocess:

    python sales_stub.py <amqp-uri>

It speaks real nameko RPC on a real broker, keeps records in memory, raises crmkit's
errors like the real service does, and counts calls so tests can tell how often the
gateway reached it. Never import this from the pytest process: it monkey-patches eventlet.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402 -- must precede every other import

import sys  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

from crmkit.errors import NotFound, PreconditionFailed, ValidationFailed  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.rpc import rpc  # noqa: E402

# Module level: nameko makes a new service instance per call.
RECORDS: dict[str, dict] = {}
CALLS: Counter = Counter()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class WorkerContext(DependencyProvider):
    """Hands the worker its context so a test can see the headers the gateway sent."""

    def get_dependency(self, worker_ctx):
        return worker_ctx


class SalesStub:
    name = "sales"
    worker_ctx = WorkerContext()

    @rpc
    def context(self):
        return {"correlation_id": self.worker_ctx.data.get("correlation_id"),
                "call_id_stack": self.worker_ctx.call_id_stack}

    @rpc
    def health(self):
        return {"status": "ok"}

    @rpc
    def calls(self, method):
        return CALLS[method]

    @rpc
    def echo(self, value, delay_s=0):
        eventlet.sleep(delay_s)
        return value

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "done"

    @rpc
    def boom(self):
        raise RuntimeError("an unexpected bug in the service")

    @rpc
    def create_account(self, data, owner_id):
        CALLS["create_account"] += 1
        if data.get("name") == "Reserved":
            raise ValidationFailed("Invalid account", [{"field": "name", "message": "is reserved"}])
        if data.get("name", "").startswith("Slow"):
            # Keeps a request in flight while a test sends the same Idempotency-Key again.
            eventlet.sleep(1.0)
        record = {"id": str(uuid.uuid4()), "created_at": _now(), "updated_at": _now(),
                  "owner_id": owner_id, "version": 1, **data}
        RECORDS[record["id"]] = record
        return record

    @rpc
    def get_account(self, account_id):
        if account_id not in RECORDS:
            raise NotFound(f"Account {account_id} not found", [])
        return RECORDS[account_id]

    @rpc
    def list_accounts(self, filters, q, sort, limit, cursor):
        items = [r for r in RECORDS.values()
                 if all(r.get(k) == v for k, v in filters.items())
                 and (q is None or q.lower() in r["name"].lower())]
        items.sort(key=lambda r: r["name"], reverse=bool(sort and sort.startswith("-")))
        start = int(cursor or 0)
        page = items[start:start + limit]
        more = start + limit < len(items)
        return {"items": page, "next_cursor": str(start + limit) if more else None}

    @rpc
    def update_account(self, account_id, changes, expected_version):
        record = self.get_account(account_id)
        if expected_version is not None and expected_version != record["version"]:
            raise PreconditionFailed(f"Account {account_id} is at version {record['version']}",
                                     [{"field": "If-Match", "message": "stale version"}])
        record.update(changes, version=record["version"] + 1, updated_at=_now())
        return record

    @rpc
    def delete_account(self, account_id):
        if RECORDS.pop(account_id, None) is None:
            raise NotFound(f"Account {account_id} not found", [])


if __name__ == "__main__":
    from nameko.runners import ServiceRunner

    runner = ServiceRunner({"AMQP_URI": sys.argv[1], "max_workers": 20})
    runner.add_service(SalesStub)
    runner.start()
    print("ready", flush=True)  # consumers are declared once start() returns
    runner.wait()
