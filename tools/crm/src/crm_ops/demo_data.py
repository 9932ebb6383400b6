"""A small demo dataset, loaded through the public API on first start."""
from __future__ import annotations

from typing import Callable, Iterator

import httpx

ACCOUNTS = [
    ("Contoso Ltd", "Manufacturing", "Seattle", "US", "250000.00", "USD"),
    ("Fabrikam Inc", "Retail", "Chicago", "US", "120000.00", "USD"),
    ("Adventure Works", "Sports", "Bothell", "US", "80000.00", "USD"),
    ("Northwind Traders", "Wholesale", "London", "GB", "60000.00", "GBP"),
    ("Tailspin Toys", "Retail", "Lyon", "FR", "45000.00", "EUR"),
    ("Wide World Importers", "Logistics", "Rotterdam", "NL", "150000.00", "EUR"),
    ("Litware Inc", "Software", "Berlin", "DE", "90000.00", "EUR"),
    ("Proseware", "Software", "Dublin", "IE", "30000.00", "EUR"),
    ("Coho Winery", "Food", "Mendoza", "AR", "20000.00", "USD"),
    ("Alpine Ski House", "Hospitality", "Innsbruck", "AT", "55000.00", "EUR"),
]
CONTACTS = [("Yvonne", "McKay", "Purchasing Manager"), ("Susanna", "Stubberod", "CFO"),
            ("Nancy", "Anderson", "IT Director")]


def login(base_url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10)
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def already_seeded(client: httpx.Client) -> bool:
    response = client.get("/api/v1/accounts", params={"limit": 1})
    response.raise_for_status()
    return bool(response.json()["items"])


def steps() -> int:
    return len(ACCOUNTS)


def seed(client: httpx.Client) -> Iterator[str]:
    """Create the accounts and their contacts; yields the name of each account done."""
    for name, industry, city, country, credit_limit, currency in ACCOUNTS:
        domain = name.lower().replace(" ", "") + ".example"
        account = _created(client.post("/api/v1/accounts", json={
            "name": name, "industry": industry, "email": f"info@{domain}", "website": f"https://{domain}",
            "address": {"city": city, "country": country}, "credit_limit": credit_limit, "currency": currency}))
        for first, last, title in CONTACTS:
            _created(client.post("/api/v1/contacts", json={
                "first_name": first, "last_name": last, "job_title": title, "account_id": account["id"],
                "email": f"{first.lower()}.{last.lower()}@{domain}", "city": city, "country": country}))
        yield name


def _created(response: httpx.Response) -> dict:
    if response.status_code != 201:
        raise RuntimeError(f"seeding failed: {response.status_code} {response.text}")
    return response.json()


def run_with_progress(client: httpx.Client, progress: Callable[[int], None]) -> int:
    done = 0
    for _ in seed(client):
        done += 1
        progress(1)
    return done
