"""Fixtures: a migrated gateway database, a real nameko `sales` stand-in on an isolated
RabbitMQ vhost, and the app served in-process by Starlette's TestClient (which runs the
lifespan: admin bootstrap and the RPC connection)."""
from __future__ import annotations

import os
import pathlib
import selectors
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import Settings

STUB = pathlib.Path(__file__).with_name("sales_stub.py")
ADMIN = ("admin", "admin-test-password")


class StubProcess:
    """The sales stand-in as a subprocess (eventlet stays out of the pytest process)."""

    def __init__(self, amqp_uri: str, log_path: pathlib.Path):
        self.amqp_uri = amqp_uri
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 30) -> "StubProcess":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, str(STUB), self.amqp_uri],
                                     stdout=subprocess.PIPE, stderr=self._log,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout_s) or self.proc.stdout.readline().strip() != b"ready":
                self.stop()
                raise RuntimeError(f"sales stub did not start; see {self.log_path}:\n"
                                   + self.log_path.read_text(errors="replace")[-3000:])
        return self

    def stop(self) -> None:
        """SIGKILL: the tests want a service that vanishes, not one that drains politely."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc is not None:
            self.proc.stdout.close()
            self._log.close()


@pytest.fixture
def start_stub(tmp_path):
    """Factory: start_stub(amqp_uri) -> running StubProcess, killed after the test."""
    started: list[StubProcess] = []

    def start(amqp_uri: str) -> StubProcess:
        stub = StubProcess(amqp_uri, tmp_path / f"sales-stub-{len(started)}.log").start()
        started.append(stub)
        return stub

    yield start
    for stub in started:
        stub.stop()


@pytest.fixture(scope="session")
def sales_stub(rabbit_vhost, tmp_path_factory):
    stub = StubProcess(rabbit_vhost, tmp_path_factory.mktemp("stub") / "sales-stub.log").start()
    yield stub
    stub.stop()


@pytest.fixture(scope="session")
def gateway_db(make_database):
    return make_database("gateway")


@pytest.fixture(scope="session")
def make_settings(gateway_db):
    def make(amqp_uri: str, **overrides) -> Settings:
        values = dict(amqp_uri=amqp_uri, database_url=gateway_db,
                      jwt_secret="test-secret-of-a-decent-length-0123456789",
                      admin_username=ADMIN[0], admin_password=ADMIN[1],
                      rpc_timeout_s=2.0, ready_timeout_s=1.0, retry_after_s=7)
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def settings(make_settings, rabbit_vhost):
    return make_settings(rabbit_vhost)


@pytest.fixture(scope="session")
def client(settings, sales_stub):
    """The gateway, talking to the sales stand-in, for the whole session."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def admin() -> tuple[str, str]:
    """The administrator's (username, password) the app bootstraps."""
    return ADMIN


@pytest.fixture(scope="session")
def get_token(client):
    """get_token(username, password) -> a bearer token from the token endpoint."""
    def get(username: str, password: str) -> str:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    return get


@pytest.fixture(scope="session")
def auth_headers(get_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {get_token(*ADMIN)}"}


@pytest.fixture(scope="module")
def start_service_process(client, rabbit_vhost, make_database, tmp_path_factory):
    """start_service_process("<package>") runs `python -m <package> run`, as deployed, on its
    own fresh database and the tests' vhost, and returns once the gateway gets answers from it.
    One process per package for the test module, stopped at its end: the vhost is shared, and
    other modules (e.g. /ready's) expect only the services they start to answer."""
    import functools

    from crmkit.testing.waiting import wait_until
    from gateway.rpc import ServiceUnavailable

    running: dict[str, subprocess.Popen] = {}

    def answers(package: str) -> bool:
        try:
            client.portal.call(functools.partial(client.app.state.rpc.call, package, "health", timeout_s=1.0))
            return True
        except ServiceUnavailable:
            return False

    def start(package: str) -> str:
        if package in running:
            return rabbit_vhost
        log_path = tmp_path_factory.mktemp(package) / f"{package}.log"
        env = {**os.environ, "CRM_AMQP_URI": rabbit_vhost, "CRM_LOG_FORMAT": "text",
               f"CRM_{package.upper()}_DATABASE_URL": make_database(package),
               "CRM_RETRY_DELAYS_MS": "100,200", "CRM_RELAY_POLL_INTERVAL_S": "0.5"}
        with open(log_path, "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", package, "run"], env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
        running[package] = process
        wait_until(lambda: answers(package) or process.poll() is not None, timeout=60, interval=0.5,
                   message=f"the {package} service to answer")
        assert process.poll() is None, log_path.read_text()[-3000:]
        return rabbit_vhost

    yield start
    for process in running.values():
        process.terminate()  # nameko finishes its workers on SIGTERM
    for process in running.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
