"""`crm seed --scale N` fills every service with related records (through the import jobs'
bulk path for sales and the create routes for the others)."""
from __future__ import annotations

from crm_ops import scale_seed


def count(api, path: str, **params) -> int:
    total, cursor = 0, None
    while True:
        page = api.get(f"/api/v1/{path}", params={"limit": 500, **params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        total += len(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            return total


def test_scale_seed_fills_every_service_with_related_records(api, monkeypatch):
    monkeypatch.setattr(scale_seed, "FILE_ROWS", 40)  # several files per resource, as at scale
    done = []
    counts = scale_seed.run(api, 50, done.append)
    assert counts == scale_seed.plan(50)
    assert sum(done) == sum(counts.values())  # the progress bar reaches its end exactly

    accounts = {a["account_number"]: a["id"] for a in api.get("/api/v1/accounts", params={"limit": 500}).json()["items"]
                if (a["account_number"] or "").startswith("SEED-")}
    assert len(accounts) == 50
    first = accounts["SEED-0000000"]
    assert count(api, "contacts", account_id=first) == scale_seed.CONTACTS_PER_ACCOUNT
    assert count(api, "activities", regarding_type="account", regarding_id=first) >= 1
    assert count(api, "cases") >= counts["cases"]
    assert count(api, "campaigns") >= counts["campaigns"]
    assert count(api, "scheduler/resources") >= counts["scheduler/resources"]
    assert count(api, "leads") >= counts["leads"]
