"""The suite as processes: what `crm up` and the cross-service tests both need.

Deploy order matters: every service migrates (which also declares its consumer queues)
before any service starts, so no event is published before its consumer's queue exists.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from crmkit.config import SERVICES
from crmkit.testing.infra import free_port

GATEWAY = "gateway"
COMPONENTS = (*SERVICES, GATEWAY)


def python() -> str:
    return sys.executable


def migrate(component: str, env: dict) -> None:
    result = subprocess.run([python(), "-m", component, "migrate"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{component} migrate failed:\n{result.stdout}\n{result.stderr}")


def migrate_all(env: dict) -> None:
    """Migrate every component in parallel (each owns its database, so they do not interfere)."""
    with ThreadPoolExecutor(len(COMPONENTS)) as pool:
        list(pool.map(lambda component: migrate(component, env), COMPONENTS))


def run_command(component: str, gateway_port: int) -> list[str]:
    if component == GATEWAY:
        return [python(), "-m", GATEWAY, "run", "--host", "127.0.0.1", "--port", str(gateway_port)]
    return [python(), "-m", component, "run"]


def wait_ready(base_url: str, timeout_s: float = 60.0) -> dict:
    """Poll GET /ready until it answers 200; returns its body."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{base_url}/ready", timeout=5)
            if response.status_code == 200:
                return response.json()
            last = response.text
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)  # polling the endpoint that says when the suite is up
    raise TimeoutError(f"{base_url}/ready did not answer 200 within {timeout_s}s: {last}")


class SuiteProcesses:
    """Start and stop the components one by one (tests stop a single service on purpose)."""

    def __init__(self, env: dict, log_dir: Path, gateway_port: int):
        self.env = env
        self.log_dir = log_dir
        self.gateway_port = gateway_port
        # Each service serves Prometheus /metrics on a port of its own.
        self.metrics_ports = {service: free_port() for service in SERVICES}
        self.processes: dict[str, subprocess.Popen] = {}
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, component: str) -> None:
        log = open(self.log_dir / f"{component}.log", "ab")
        env = self.env
        if component in self.metrics_ports:
            env = env | {"CRM_METRICS_PORT": str(self.metrics_ports[component])}
        self.processes[component] = subprocess.Popen(
            run_command(component, self.gateway_port), env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def stop(self, component: str, timeout_s: float = 15.0) -> None:
        process = self.processes.pop(component, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def start_all(self) -> None:
        for component in COMPONENTS:
            self.start(component)

    def stop_all(self) -> None:
        for component in list(self.processes):
            self.stop(component)
