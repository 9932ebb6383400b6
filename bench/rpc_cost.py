"""What one nameko RPC costs a service, alone: CPU milliseconds per call, user and system.

The customer 360 benchmark (bench/customer360.py) shows what each service spends per
`customer_overview` inside a view, when five services, the gateway, RabbitMQ and PostgreSQL
wake at once. This one calls a single service's method back to back from one client (the
gateway's own RPC client, over RabbitMQ), nothing else running, so the two can be compared:
the difference is what the fan-out's crowding costs.

It runs on the databases of a `customer360.py --keep` run (the whole suite starts on them, as
`customer360.py --reuse` does) and reads the service's CPU from /proc before and after.

    /work/main/.venv/bin/python bench/customer360.py --accounts 10000 --keep   # once
    /work/main/.venv/bin/python bench/rpc_cost.py --reuse crm_bench_360_<id> --service scheduler
    /work/main/.venv/bin/python bench/rpc_cost.py --reuse crm_bench_360_<id> --service sales --method health
"""
from __future__ import annotations

import argparse
import asyncio
import os
import time

import psycopg

from customer360 import isolated_suite  # bench/ is the script's directory
from gateway.rpc import RpcClient

WARM_UP_CALLS = 200


def cpu_ticks(pid: int) -> tuple[int, int]:
    """(user, system) clock ticks of a process so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


async def measure(amqp_uri: str, pid: int, service: str, method: str, account_ids: list[str], calls: int) -> str:
    client = RpcClient(amqp_uri, timeout_s=10)
    await client.start()
    try:
        def arguments(n: int) -> dict:
            return {"account_id": account_ids[n % len(account_ids)]} if method == "customer_overview" else {}

        for n in range(WARM_UP_CALLS):
            await client.call(service, method, **arguments(n))
        user_before, system_before = cpu_ticks(pid)
        started = time.perf_counter()
        for n in range(calls):
            await client.call(service, method, **arguments(n))
        elapsed = time.perf_counter() - started
        user_after, system_after = cpu_ticks(pid)
    finally:
        await client.close()
    ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")
    return (f"{service}.{method}: {calls} calls one after another, {1000 * elapsed / calls:.2f} ms each; "
            f"CPU of the service per call: user {(user_after - user_before) * ms_per_tick / calls:.2f} ms, "
            f"system {(system_after - system_before) * ms_per_tick / calls:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", metavar="PREFIX", required=True, help="databases of a customer360.py --keep run")
    parser.add_argument("--service", default="scheduler")
    parser.add_argument("--method", default="customer_overview", help="customer_overview or health")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with isolated_suite(args.reuse, keep=True) as (_base_url, database_urls, suite):
        with psycopg.connect(database_urls["sales"]) as connection:
            account_ids = [row[0] for row in connection.execute("SELECT id::text FROM accounts LIMIT 500")]
        print(asyncio.run(measure(suite.env["CRM_AMQP_URI"], suite.processes[args.service].pid,
                                  args.service, args.method, account_ids, args.calls)))


if __name__ == "__main__":
    main()
