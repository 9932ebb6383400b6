"""`crm up`, the command behind ./scripts/up: everything migrated and started under honcho,
/ready within 60 s, demo data loaded once, and Ctrl-C stopping every process."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from crm_ops import demo_data
from crm_ops.suite import COMPONENTS, wait_ready
from crmkit.testing import infra
from crmkit.testing.waiting import wait_until

CRM = str(Path(sys.executable).with_name("crm"))


@pytest.fixture
def crm_env(crm_servers, fresh_vhost):
    prefix = infra.unique_name("crm_up")
    env = dict(os.environ) | {
        "CRM_AMQP_URI": fresh_vhost,
        "CRM_DATABASE_URL_TEMPLATE": infra.database_url(crm_servers.postgres_url, prefix + "_{service}"),
        "CRM_ADMIN_USERNAME": "admin", "CRM_ADMIN_PASSWORD": "up-test-password",
    }
    yield env
    for component in COMPONENTS:
        infra.drop_database(crm_servers.postgres_url, f"{prefix}_{component}")


def suite_processes_alive(env) -> list[str]:
    """Processes started with this test's database template still running."""
    marker = env["CRM_DATABASE_URL_TEMPLATE"]
    alive = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker.encode() in (proc / "environ").read_bytes():
                    alive.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
    return alive


def test_crm_up_brings_the_suite_to_ready_loads_demo_data_and_stops_on_ctrl_c(crm_env, tmp_path):
    port = infra.free_port()
    log = open(tmp_path / "up.log", "wb")
    started = time.monotonic()
    up = subprocess.Popen([CRM, "up", "--port", str(port)], env=crm_env, stdout=log,
                          stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = wait_ready(f"http://127.0.0.1:{port}", timeout_s=60)
        assert time.monotonic() - started < 60
        assert set(status["services"]) == {"sales", "marketing", "service_desk", "activities", "scheduler"}

        client = demo_data.login(f"http://127.0.0.1:{port}", "admin", "up-test-password")

        def accounts():
            response = client.get("/api/v1/accounts", params={"limit": 500})
            assert response.status_code == 200, response.text
            return response.json()["items"]

        # The seed runs right after /ready.
        wait_until(lambda: len(accounts()) >= len(demo_data.ACCOUNTS), timeout=30, message="the demo data")
        assert sorted(a["name"] for a in accounts()) == sorted(row[0] for row in demo_data.ACCOUNTS)

        created = subprocess.run([CRM, "users", "create", "alice", "--password", "alice-secret"],
                                 env=crm_env, capture_output=True, text=True)
        assert created.returncode == 0, created.stderr
        token = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/token",
                           json={"username": "alice", "password": "alice-secret"})
        assert token.status_code == 200
    finally:
        os.killpg(up.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        up.wait(30)
        log.close()
    try:
        wait_until(lambda: not suite_processes_alive(crm_env), timeout=15, message="every process to stop")
    except AssertionError:
        raise AssertionError(f"still running: {suite_processes_alive(crm_env)}\n"
                             + (tmp_path / "up.log").read_text()[-3000:]) from None
    assert "CRM suite running at" in (tmp_path / "up.log").read_text()
