"""`crm seed --scale N`: related data in every service, through the gateway.

The sales records go through the bulk path (CSV import jobs: one transaction per 1,000
rows): N accounts, 3 contacts each, N/2 leads, min(N, 1000) products. The other services'
records go through their create routes, several at a time: one activity per account
(activities), a case per 5 accounts (service desk), a campaign per 100 (marketing) and a
scheduling resource per 100 (scheduler). Faker with a fixed seed: the same N gives the same
data. Progress is reported in records.
"""
from __future__ import annotations

import csv
import io
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import httpx
from faker import Faker

PARALLEL = 8
CONTACTS_PER_ACCOUNT = 3
FILE_ROWS = 5000


def plan(scale: int) -> dict[str, int]:
    return {"accounts": scale, "contacts": scale * CONTACTS_PER_ACCOUNT, "leads": scale // 2,
            "products": min(scale, 1000), "activities": scale, "cases": scale // 5,
            "campaigns": max(1, scale // 100), "scheduler/resources": max(1, scale // 100)}


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def import_rows(client: httpx.Client, resource: str, rows: list[dict], progress: Callable[[int], None]) -> None:
    """Import jobs of FILE_ROWS rows each (so each file stays under the gateway's default
    1 MiB body limit); reports progress as they run and fails loudly on any rejected row."""
    for start in range(0, len(rows), FILE_ROWS):
        _import_file(client, resource, rows[start:start + FILE_ROWS], progress)


def _import_file(client: httpx.Client, resource: str, rows: list[dict], progress: Callable[[int], None]) -> None:
    response = client.post(f"/api/v1/imports/{resource}", content=_csv(rows), headers={"Content-Type": "text/csv"},
                           timeout=120)
    response.raise_for_status()
    job, reported = response.json(), 0
    while job["status"] not in ("completed", "failed"):
        time.sleep(0.5)
        job = client.get(f"/api/v1/imports/{job['id']}").json()
        progress(job["processed_rows"] - reported)
        reported = job["processed_rows"]
    progress(len(rows) - reported)
    if job["status"] != "completed" or job["rejected"]:
        raise RuntimeError(f"seeding {resource} failed: {job['error'] or job['rejections'][:3]}")


def exported_ids(client: httpx.Client, resource: str, key: str) -> dict[str, str]:
    response = client.get(f"/api/v1/exports/{resource}", params={"format": "csv"}, timeout=300)
    response.raise_for_status()
    return {row[key]: row["id"] for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}


def _create_all(client: httpx.Client, path: str, bodies: Iterator[dict], progress: Callable[[int], None]) -> None:
    def create(body: dict) -> None:
        for attempt in range(20):
            response = client.post(f"/api/v1/{path}", json=body)
            if response.status_code == 201:
                progress(1)
                return
            # A service's read model of accounts fills from events: give it a moment.
            if response.status_code in (422, 503) and attempt < 19:
                time.sleep(0.5)
                continue
            raise RuntimeError(f"seeding {path} failed: {response.status_code} {response.text[:300]}")

    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(create, bodies))


def run(client: httpx.Client, scale: int, progress: Callable[[int], None], seed: int = 42) -> dict[str, int]:
    fake = Faker()
    Faker.seed(seed)
    counts = plan(scale)
    accounts = [{"name": f"{fake.company()} {i}", "account_number": f"SEED-{i:07d}", "industry": fake.bs().split()[0].title(),
                 "email": f"info{i}@{fake.domain_name()}", "address.city": fake.city(), "address.country": fake.country_code()}
                for i in range(counts["accounts"])]
    import_rows(client, "accounts", accounts, progress)
    account_ids = exported_ids(client, "accounts", "account_number")
    ids = [account_ids[a["account_number"]] for a in accounts]
    contacts = [{"first_name": fake.first_name(), "last_name": fake.last_name(), "email": f"c{i}.{fake.user_name()}@seed.example",
                 "job_title": fake.job()[:100], "account_id": ids[i // CONTACTS_PER_ACCOUNT], "city": fake.city()}
                for i in range(counts["contacts"])]
    import_rows(client, "contacts", contacts, progress)
    if counts["leads"]:
        import_rows(client, "leads", [{"topic": fake.catch_phrase()[:200], "last_name": fake.last_name(),
                                       "company_name": fake.company(), "email": f"lead{i}@seed.example"}
                                      for i in range(counts["leads"])], progress)
    import_rows(client, "products", [{"name": f"{fake.word().title()} {i}", "product_number": f"SEED-P{i:06d}",
                                      "default_price": f"{fake.random_int(5, 5000)}.00", "currency": "EUR"}
                                     for i in range(counts["products"])], progress)
    _create_all(client, "activities", ({"type": "phone_call", "subject": fake.sentence(nb_words=5)[:200],
                                        "regarding": {"type": "account", "id": ids[i]}}
                                       for i in range(counts["activities"])), progress)
    _create_all(client, "cases", ({"title": fake.sentence(nb_words=6)[:200], "customer_account_id": ids[i * 5]}
                                  for i in range(counts["cases"])), progress)
    _create_all(client, "campaigns", ({"name": f"{fake.catch_phrase()[:150]} {i}"}
                                      for i in range(counts["campaigns"])), progress)
    _create_all(client, "scheduler/resources", ({"name": f"{fake.name()} {i}", "kind": "user"}
                                                for i in range(counts["scheduler/resources"])), progress)
    return counts
