"""Campaign distribution benchmark (issue 6): one campaign activity distributed to a list of
N members (10,000 by default) must create exactly N activities, owners round-robin, and a
second distribution must create none. Target: at most 30 s.

What runs: a fresh RabbitMQ vhost and fresh marketing and activities databases (unique
names), migrated with `python -m <service> migrate`, and both real services started with
`python -m <service> run`; torn down at the end, on errors and on Ctrl-C too.

1. Seed: N ContactCreated events (sales' contract fixture, city "Benchville") published on
   sales' exchange; marketing's read model takes them in. Reported, not the subject.
2. Lists: a static list of the N contacts (one add-members call) and a dynamic list (city eq
   Benchville) holding the same N; the campaign targets both, so every member is on two
   lists and must be reached once.
3. Distribute (measured): the RPC `distribute_campaign_activity` with 4 owners -> marketing
   records N recipients and publishes CampaignActivityDistributed in parts of 1,000; the
   activities service creates one campaign activity per recipient. Times: the RPC's reply,
   and from the call until the activities database holds N activities regarding the
   campaign (end to end). Checks: N activities, N distinct recipients, N/4 per owner.
4. Distribute again: the reply says 0 created; after a further wait the activities count is
   unchanged.

    /work/main/.venv/bin/python bench/marketing_distribution.py --members 10000
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from kombu import Connection
from nameko.standalone.events import get_event_exchange
from sqlalchemy import create_engine, text

from crmkit.testing import infra
from crmkit.testing.contracts import example_event
from gateway.rpc import RpcClient

SERVICES = ("marketing", "activities")
TARGET_S = 30.0


def wait_for(condition, timeout_s: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval)


def publish_contacts(amqp_uri: str, count: int) -> list[str]:
    example = example_event("sales", "ContactCreated")
    exchange = get_event_exchange("sales", {})
    ids = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        for _ in range(count):
            envelope = copy.deepcopy(example)
            envelope["event_id"] = str(uuid.uuid4())
            envelope["payload"].update(contact_id=str(uuid.uuid4()), city="Benchville")
            ids.append(envelope["payload"]["contact_id"])
            producer.publish(json.dumps(envelope), exchange=exchange, routing_key="ContactCreated",
                             content_type="application/json", content_encoding="utf-8", declare=[exchange])
    return ids


class Rpc:
    def __init__(self, amqp_uri: str):
        self.loop = asyncio.new_event_loop()
        self.client = RpcClient(amqp_uri, timeout_s=300)
        self.loop.run_until_complete(self.client.start())

    def __call__(self, method: str, **kwargs):
        return self.loop.run_until_complete(self.client.call("marketing", method, **kwargs))

    def close(self):
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


def run(members: int) -> dict:
    servers = infra.find_servers()
    vhost = infra.unique_name("crm-bench")
    prefix = infra.unique_name("crm_bench")
    infra.create_vhost(servers.management_url, vhost)
    amqp_uri = infra.amqp_uri_for_vhost(servers.amqp_uri, vhost)
    urls = {s: infra.database_url(servers.postgres_url, f"{prefix}_{s}") for s in SERVICES}
    env = dict(os.environ) | {"CRM_AMQP_URI": amqp_uri, "CRM_RELAY_POLL_INTERVAL_S": "0.2",
                              **{f"CRM_{s.upper()}_DATABASE_URL": url for s, url in urls.items()}}
    logs = Path(tempfile.mkdtemp(prefix="crm-bench-distribution-"))
    processes: list[subprocess.Popen] = []
    engines = {}
    rpc = None
    try:
        for service in SERVICES:
            subprocess.run([sys.executable, "-m", service, "migrate"], env=env, check=True, capture_output=True)
        for service in SERVICES:
            with open(logs / f"{service}.log", "ab") as log:
                processes.append(subprocess.Popen([sys.executable, "-m", service, "run"], env=env,
                                                  stdout=log, stderr=subprocess.STDOUT))
        engines = {s: create_engine(url) for s, url in urls.items()}

        def scalar(service, query, **params):
            with engines[service].connect() as conn:
                return conn.execute(text(query), params).scalar()

        rpc = Rpc(amqp_uri)
        wait_for(lambda: _answers(rpc), 60, "marketing to answer")

        started = time.perf_counter()
        ids = publish_contacts(amqp_uri, members)
        wait_for(lambda: scalar("marketing", "SELECT count(*) FROM customer_contacts") == members, 300,
                 "the read model")
        seed_s = time.perf_counter() - started

        static = rpc("create_marketing_list", data={"name": "Bench static", "member_type": "contact",
                                                    "kind": "static"})
        rpc("add_marketing_list_members", marketing_list_id=static["id"], data={"ids": ids})
        dynamic = rpc("create_marketing_list", data={
            "name": "Bench dynamic", "member_type": "contact", "kind": "dynamic",
            "query": {"all": [{"field": "city", "op": "eq", "value": "Benchville"}]}})
        campaign = rpc("create_campaign", data={"name": "Bench", "list_ids": [static["id"], dynamic["id"]]},
                       owner_id=str(uuid.uuid4()))
        rpc("activate_campaign", campaign_id=campaign["id"])
        activity = rpc("create_campaign_activity", campaign_id=campaign["id"],
                       data={"channel": "email", "subject": "Bench"})
        owners = [str(uuid.uuid4()) for _ in range(4)]

        def created_activities():
            return scalar("activities", "SELECT count(*) FROM activities WHERE regarding_id = :c", c=campaign["id"])

        started = time.perf_counter()
        first = rpc("distribute_campaign_activity", campaign_id=campaign["id"], activity_id=activity["id"],
                    data={"owner_ids": owners})
        reply_s = time.perf_counter() - started
        wait_for(lambda: created_activities() >= members, 600, "the activities")
        end_to_end_s = time.perf_counter() - started

        with engines["activities"].connect() as conn:
            per_owner = dict(conn.execute(text(
                "SELECT owner_id::text, count(*) FROM activities WHERE regarding_id = :c GROUP BY owner_id"),
                {"c": campaign["id"]}).all())
        recipients = scalar("marketing", "SELECT count(DISTINCT member_id) FROM campaign_recipients "
                                         "WHERE campaign_activity_id = :a", a=activity["id"])
        second = rpc("distribute_campaign_activity", campaign_id=campaign["id"], activity_id=activity["id"],
                     data={"owner_ids": owners})
        time.sleep(3)  # anything a second distribution had sent would land by now
        return {
            "members": members, "seed_s": seed_s, "distribute_reply_s": reply_s,
            "end_to_end_s": end_to_end_s, "first_distributed": first["distributed"],
            "recipients": recipients, "activities": created_activities(),
            "per_owner": sorted(per_owner.values()),
            "owners_round_robin": sorted(per_owner) == sorted(owners) and len(set(per_owner.values())) == 1,
            "second_distributed": second["distributed"], "activities_after_second": created_activities(),
        }
    finally:
        if rpc is not None:
            rpc.close()
        for process in processes:
            process.kill()
            process.wait(timeout=10)
        for engine in engines.values():
            engine.dispose()
        for service in SERVICES:
            with contextlib.suppress(Exception):
                infra.drop_database(servers.postgres_url, f"{prefix}_{service}")
        infra.delete_vhost(servers.management_url, vhost)
        print(f"service logs: {logs}", file=sys.stderr)


def _answers(rpc: Rpc) -> bool:
    try:
        rpc("health")
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    for attempt in range(1, args.repeats + 1):
        result = run(args.members)
        verdict = "met" if result["end_to_end_s"] <= TARGET_S else "NOT met"
        print(f"run {attempt}: {json.dumps(result)}")
        print(f"  distribute reply {result['distribute_reply_s']:.2f} s, {result['activities']} activities in "
              f"{result['end_to_end_s']:.2f} s end to end (target {TARGET_S:.0f} s: {verdict}); "
              f"second call created {result['second_distributed']}, activities after it "
              f"{result['activities_after_second']}; seed {result['seed_s']:.1f} s")


if __name__ == "__main__":
    main()
