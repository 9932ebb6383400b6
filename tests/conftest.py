"""The suite layer: all five services and the gateway as real processes, on fresh databases
and an isolated vhost, driven over HTTP like a client would."""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from crm_ops import suite as suite_processes
from crmkit.testing import infra

ADMIN = ("suite-admin", "suite-admin-password")
RPC_TIMEOUT_S = 2.0


# Layers that run only when asked for by marker: `fault` restarts private servers and takes
# minutes (./scripts/test runs it as a layer of its own); `audit` needs PyPI's per-version
# vulnerability data, which the development machines cannot reach (docs/RELIABILITY.md).
OPT_IN_MARKERS = ("fault", "audit")


def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("markexpr") or ""
    opted_out = [name for name in OPT_IN_MARKERS if name not in wanted]
    kept = [item for item in items if not any(item.get_closest_marker(name) for name in opted_out)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@dataclass
class Suite:
    url: str
    env: dict
    processes: suite_processes.SuiteProcesses
    database_prefix: str
    postgres_url: str
    rpc_timeout_s: float

    def database_url(self, component: str) -> str:
        return infra.database_url(self.postgres_url, f"{self.database_prefix}_{component}")


@contextlib.contextmanager
def _running_suite(crm_servers, amqp_uri: str):
    prefix = infra.unique_name("crm_suite")
    env = dict(os.environ) | {
        "CRM_AMQP_URI": amqp_uri,
        "CRM_DATABASE_URL_TEMPLATE": infra.database_url(crm_servers.postgres_url, prefix + "_{service}"),
        "CRM_ADMIN_USERNAME": ADMIN[0], "CRM_ADMIN_PASSWORD": ADMIN[1],
        "CRM_JWT_SECRET": uuid.uuid4().hex, "CRM_RPC_TIMEOUT_S": str(RPC_TIMEOUT_S),
        "CRM_RETRY_DELAYS_MS": "100,200", "CRM_RELAY_POLL_INTERVAL_S": "0.5",
    }
    port = infra.free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="crm-suite-logs-"))
    processes = suite_processes.SuiteProcesses(env, log_dir, port)
    suite_processes.migrate_all(env)
    processes.start_all()
    try:
        suite_processes.wait_ready(f"http://127.0.0.1:{port}", timeout_s=60)
        yield Suite(f"http://127.0.0.1:{port}", env, processes, prefix, crm_servers.postgres_url, RPC_TIMEOUT_S)
    finally:
        processes.stop_all()
        for component in suite_processes.COMPONENTS:
            infra.drop_database(crm_servers.postgres_url, f"{prefix}_{component}")
        print(f"suite logs: {log_dir}")


@pytest.fixture(scope="session")
def suite(crm_servers, rabbit_vhost):
    with _running_suite(crm_servers, rabbit_vhost) as running:
        yield running


@pytest.fixture(scope="session")
def start_isolated_suite(crm_servers):
    """A context manager starting a suite of its own (own databases and vhost), for tests whose
    data would disturb the others (e.g. fuzzing creates default queues and routing rules)."""
    @contextlib.contextmanager
    def start():
        vhost = infra.unique_name("crm-test")
        infra.create_vhost(crm_servers.management_url, vhost)
        try:
            with _running_suite(crm_servers, infra.amqp_uri_for_vhost(crm_servers.amqp_uri, vhost)) as running:
                yield running
        finally:
            infra.delete_vhost(crm_servers.management_url, vhost)
    return start


@pytest.fixture(scope="session")
def api(suite):
    with httpx.Client(base_url=suite.url, timeout=10) as client:
        token = client.post("/api/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]})
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client
