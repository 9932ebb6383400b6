"""Through the gateway, with every service running as its own process."""
import time
import uuid

from crmkit.envelope import as_correlation_id
from crmkit.testing.waiting import wait_until

PROBLEM = "application/problem+json"


def test_ready_answers_for_all_five_services(suite, api):
    response = api.get("/ready")
    assert response.status_code == 200
    services = response.json()["services"]
    assert set(services) == {"sales", "marketing", "service_desk", "activities", "scheduler"}
    assert all(status["ok"] for status in services.values())


def test_no_token_is_401_problem(suite):
    import httpx

    response = httpx.get(f"{suite.url}/api/v1/accounts")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


def test_an_invalid_account_is_422_problem_naming_each_bad_field(api):
    response = api.post("/api/v1/accounts", json={"email": "nope", "credit_limit": "-5", "currency": "euro"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {error["field"] for error in body["errors"]} >= {"name", "email", "credit_limit", "currency"}
    assert body["status"] == 422


def test_an_unknown_account_is_404_problem(api):
    response = api.get(f"/api/v1/accounts/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


def marketing_sql(suite, sql):
    return sql(suite.database_url("marketing"))


def test_an_account_created_through_the_gateway_appears_once_in_marketings_read_model(suite, api, sql):
    # A free-text request id from the client must still give the event a valid correlation id.
    created = api.post("/api/v1/accounts", json={"name": "Suite Co", "address": {"city": "Oslo"}},
                       headers={"X-Request-ID": "client-request-42"})
    assert created.status_code == 201, created.text
    account = created.json()
    assert created.headers["location"].endswith(f"/api/v1/accounts/{account['id']}")
    marketing = marketing_sql(suite, sql)
    wait_until(lambda: marketing.scalar("SELECT count(*) FROM customer_accounts WHERE account_id = :a",
                                        a=account["id"]), message="the account in marketing")
    sales = sql(suite.database_url("sales"))
    event_id = sales.scalar("SELECT event_id FROM outbox WHERE event_type = 'AccountCreated' "
                            "AND envelope->'payload'->>'account_id' = :a", a=account["id"])
    assert marketing.scalar("SELECT count(*) FROM customer_accounts WHERE account_id = :a", a=account["id"]) == 1
    assert marketing.scalar("SELECT count(*) FROM inbox WHERE event_id = :e", e=event_id) == 1
    assert marketing.scalar("SELECT city FROM customer_accounts WHERE account_id = :a", a=account["id"]) == "Oslo"
    correlation = sales.scalar("SELECT envelope->>'correlation_id' FROM outbox WHERE event_id = :e", e=event_id)
    assert correlation == as_correlation_id("client-request-42")


def test_an_event_published_while_marketing_is_stopped_is_handled_when_it_starts(suite, api, sql):
    suite.processes.stop("marketing")
    try:
        account = api.post("/api/v1/accounts", json={"name": "Published While Away"}).json()
        sales = sql(suite.database_url("sales"))
        wait_until(lambda: sales.scalar("SELECT status FROM outbox WHERE envelope->'payload'->>'account_id' = :a",
                                        a=account["id"]) == "published", message="the event published")
        marketing = marketing_sql(suite, sql)
        assert marketing.scalar("SELECT count(*) FROM customer_accounts WHERE account_id = :a", a=account["id"]) == 0
    finally:
        suite.processes.start("marketing")
    wait_until(lambda: marketing.scalar("SELECT count(*) FROM customer_accounts WHERE account_id = :a",
                                        a=account["id"]) == 1, timeout=30, message="marketing to catch up")


def test_sales_stopped_gives_503_problem_with_retry_after_within_the_timeout(suite, api):
    account = api.post("/api/v1/accounts", json={"name": "Before The Outage"}).json()
    suite.processes.stop("sales")
    try:
        started = time.monotonic()
        response = api.get(f"/api/v1/accounts/{account['id']}")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["content-type"].startswith(PROBLEM)
        assert int(response.headers["retry-after"]) > 0
        assert elapsed < suite.rpc_timeout_s + 1.0
        ready = api.get("/ready")
        assert ready.status_code == 503 and ready.json()["services"]["sales"]["ok"] is False
    finally:
        suite.processes.start("sales")
    wait_until(lambda: api.get("/ready").status_code == 200, timeout=60, message="sales back")
    assert api.get(f"/api/v1/accounts/{account['id']}").status_code == 200
