"""Health, readiness, metrics, and what clients see when the owning service goes away."""
from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient

from gateway.app import create_app


def test_health_needs_nothing(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_shows_which_services_answered(client):
    started = time.perf_counter()
    response = client.get("/ready")
    assert time.perf_counter() - started < 1.5  # checks run concurrently, bounded by the timeout
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert set(body["services"]) == {"sales", "marketing", "service_desk", "activities", "scheduler"}
    assert body["services"]["sales"]["ok"] is True
    assert body["services"]["sales"]["latency_ms"] >= 0
    assert body["services"]["marketing"]["ok"] is False and body["services"]["marketing"]["error"]


def test_metrics_count_requests_by_route_and_rpc_calls_by_outcome(client, auth_headers):
    client.get(f"/api/v1/accounts/{uuid.uuid4()}", headers=auth_headers)
    client.get("/no/such/path")
    text = client.get("/metrics").text
    assert ('crm_gateway_http_requests_total{method="GET",route="/api/v1/accounts/{account_id}",'
            'status="404"}') in text
    assert 'crm_gateway_http_requests_total{method="GET",route="<unmatched>",status="404"}' in text
    assert 'crm_gateway_rpc_calls_total{outcome="NotFound",rpc="sales.get_account"}' in text
    assert 'crm_gateway_rpc_call_duration_seconds_count{outcome="NotFound",rpc="sales.get_account"}' in text


def test_requests_get_a_request_id(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    generated = client.get("/health").headers["x-request-id"]
    assert str(uuid.UUID(generated)) == generated  # the form event envelopes carry


def test_service_not_deployed_stopped_and_back(fresh_vhost, make_settings, start_stub, admin):
    """503 + Retry-After fast when sales was never deployed; within the RPC timeout once its
    process is killed; and an Idempotency-Key is not burnt by a 503."""
    settings = make_settings(fresh_vhost, rpc_timeout_s=1.0)
    with TestClient(create_app(settings)) as client:
        token = client.post("/api/v1/auth/token", json=dict(zip(("username", "password"), admin)))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        account_url = f"/api/v1/accounts/{uuid.uuid4()}"
        key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}

        started = time.perf_counter()
        never_deployed = client.get(account_url, headers=headers)
        assert time.perf_counter() - started < 0.5
        assert never_deployed.status_code == 503
        assert never_deployed.headers["retry-after"] == "7"
        assert never_deployed.headers["content-type"] == "application/problem+json"
        assert client.post("/api/v1/accounts", json={"name": "A"}, headers={**headers, **key}).status_code == 503

        stub = start_stub(fresh_vhost)
        assert client.get(account_url, headers=headers).status_code == 404
        created = client.post("/api/v1/accounts", json={"name": "A"}, headers={**headers, **key})
        assert created.status_code == 201 and "idempotent-replayed" not in created.headers

        stub.stop()
        started = time.perf_counter()
        stopped = client.get(account_url, headers=headers)
        elapsed = time.perf_counter() - started
        assert stopped.status_code == 503 and stopped.headers["retry-after"] == "7"
        assert stopped.json()["detail"] == "The sales service is unavailable; try again later."
        assert 1.0 <= elapsed < 2.0, elapsed
