"""`python -m gateway migrate` and `python -m gateway run`, as an operator runs them."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse

import httpx
from sqlalchemy import create_engine, inspect

from crmkit.testing import infra
from crmkit.testing.infra import free_port
from gateway.webhooks_consumer import QUEUE
from crmkit.testing.waiting import wait_until


def gateway_env(**values: str) -> dict[str, str]:
    return {**os.environ, "CRM_JWT_SECRET": "cli-test-secret-0123456789abcdef", **values}


def test_migrate_creates_the_schema_and_the_webhook_queue(make_database, crm_servers, fresh_vhost):
    url = make_database("gateway", migrate=False)
    result = subprocess.run([sys.executable, "-m", "gateway", "migrate"], capture_output=True, text=True,
                            env=gateway_env(CRM_GATEWAY_DATABASE_URL=url, CRM_AMQP_URI=fresh_vhost), timeout=60)
    assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    try:
        assert {"users", "idempotency_keys", "business_units", "roles", "record_shares",
                "alembic_version"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    # Declared before any gateway runs: events published meanwhile wait for their webhooks.
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(fresh_vhost).path[1:])
    queue = infra.queue_info(crm_servers.management_url, vhost, QUEUE)
    assert queue is not None and queue["durable"]


def test_run_serves_the_api(gateway_db, rabbit_vhost, tmp_path):
    port = free_port()
    env = gateway_env(CRM_GATEWAY_DATABASE_URL=gateway_db, CRM_AMQP_URI=rabbit_vhost,
                      CRM_ADMIN_USERNAME="cli-admin", CRM_ADMIN_PASSWORD="cli-pass")
    log = open(tmp_path / "gateway.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "gateway", "run", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        def serving() -> bool:
            assert server.poll() is None, (tmp_path / "gateway.log").read_text()  # it died
            try:
                return httpx.get(f"{base}/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(serving, timeout=20, interval=0.1, message="the gateway to serve /health")
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "cli-admin", "password": "cli-pass"})
        assert token.status_code == 200 and token.json()["token_type"] == "bearer"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
