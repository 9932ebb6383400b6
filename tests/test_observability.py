"""Operators can follow a request and watch the suite: one correlation id through every log
line it causes, and Prometheus metrics from the gateway and from every service."""
import json
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from crmkit.config import SERVICES
from crmkit.testing.waiting import wait_until


def log_lines(suite, component: str) -> list[dict]:
    """The JSON lines of a component's log (anything else, e.g. a traceback, is skipped)."""
    lines = []
    for raw in (suite.processes.log_dir / f"{component}.log").read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines


def mentioning(suite, component: str, correlation_id: str) -> list[str]:
    return [line["message"] for line in log_lines(suite, component)
            if line.get("correlation_id") == correlation_id]


def test_one_request_id_follows_a_request_through_the_gateway_sales_and_marketings_handler(suite, api):
    request_id = str(uuid.uuid4())
    created = api.post("/api/v1/accounts", json={"name": "Traceable Ltd"},
                       headers={"X-Request-ID": request_id})
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == request_id

    handled = wait_until(lambda: [m for m in mentioning(suite, "marketing", request_id)
                                  if "handled AccountCreated" in m], message="marketing's handler log line")
    assert handled and "on_account_created" in handled[0]
    assert any("rpc create_account ok" in m for m in mentioning(suite, "sales", request_id))
    assert any("POST /api/v1/accounts" in m and "201" in m for m in mentioning(suite, "gateway", request_id))
    # Lines of other requests do not claim this id.
    assert not any("Traceable" in json.dumps(line) for line in log_lines(suite, "sales")
                   if line.get("correlation_id") not in (request_id, None))


def metric_names(url: str) -> set[str]:
    text = httpx.get(url, timeout=5).text
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def test_the_gateway_and_every_service_expose_their_metrics(suite, api):
    api.post("/api/v1/accounts", json={"name": "Measured Ltd"})  # some RPC and event traffic
    gateway = metric_names(f"{suite.url}/metrics")
    assert {"crm_gateway_http_request_duration_seconds_bucket", "crm_gateway_http_requests_total",
            "crm_gateway_rpc_call_duration_seconds_bucket"} <= gateway

    expected = {"crm_rpc_duration_seconds_bucket", "crm_outbox_backlog", "crm_dead_letters"}
    for service in SERVICES:
        port = suite.processes.metrics_ports[service]
        names = metric_names(f"http://127.0.0.1:{port}/metrics")
        assert expected <= names, f"{service} lacks {expected - names}"
    sales = metric_names(f"http://127.0.0.1:{suite.processes.metrics_ports['sales']}/metrics")
    assert "crm_events_published_total" in sales
    marketing = wait_until(lambda: (lambda names: names if "crm_events_handled_total" in names else None)(
        metric_names(f"http://127.0.0.1:{suite.processes.metrics_ports['marketing']}/metrics")),
        message="marketing counting handled events")
    assert "crm_event_batch_size_bucket" in marketing


def test_the_scheduler_times_its_solver_runs(suite, api):
    room = api.post("/api/v1/scheduler/resources", json={
        "name": "Metrics room", "kind": "facility", "capacity": 5, "timezone": "UTC",
        "working_hours": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(7)]}).json()
    service = api.post("/api/v1/scheduler/services", json={
        "name": "Metrics session", "duration_minutes": 60,
        "requirements": [{"kind": "facility", "min_capacity": 1}]}).json()
    solved = api.post("/api/v1/scheduler/solve", json={"time_limit_s": 2, "requests": [{
        "id": "r1", "service_id": service["id"], "attendees": 2,
        "window": {"start": "2030-01-07T08:00:00+00:00", "end": "2030-01-11T18:00:00+00:00"}}]})
    assert solved.status_code == 200, solved.text
    assert room["id"] in solved.json()["assignments"][0]["resource_ids"]
    names = metric_names(f"http://127.0.0.1:{suite.processes.metrics_ports['scheduler']}/metrics")
    assert "crm_solver_duration_seconds_count" in names
