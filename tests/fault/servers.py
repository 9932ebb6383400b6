"""Private PostgreSQL and RabbitMQ for the fault suite, on free ports and temp directories, so
restarting them disturbs nobody else's tests (the machine's shared servers are never touched)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from crmkit.testing.infra import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _wait(check, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not come up within {timeout_s}s: {last}")


class PrivatePostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="crm-fault-pg-"))
        self.data, self.socket_dir = self.root / "data", self.root / "sock"
        self.socket_dir.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        # PostgreSQL refuses to run as root: run it as the postgres system user then.
        self.user = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        if self.user:
            for path in (self.root, self.socket_dir):
                shutil.chown(path, "postgres", "postgres")
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                        "--no-sync"], check=True, capture_output=True, **self.user)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        log = open(self.root / "postgres.log", "ab")
        self.process = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.socket_dir),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self.user)
        log.close()
        _wait(lambda: psycopg.connect(self.url, connect_timeout=2).close() is None, 60, "private PostgreSQL")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: disconnects clients
            self.process.wait(60)
        self.process = None

    def restart(self, down_s: float = 3.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRabbit:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="crm-fault-rabbit-"))
        self.port, self.dist_port, self.management_port = free_port(), free_port(), free_port()
        self.node = f"crmfault{uuid.uuid4().hex[:8]}@localhost"
        if os.geteuid() == 0:
            # rabbitmq-server switches to the rabbitmq user when started as root.
            shutil.chown(self.root, "rabbitmq", "rabbitmq")
        (self.root / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"management.tcp.port = {self.management_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
            "loopback_users = none\n")
        self.env = os.environ | {
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port), "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbit.pid"),
            "ERL_CRASH_DUMP": str(self.root / "erl_crash.dump"),
        }
        self.process: subprocess.Popen | None = None

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def management_url(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    def start(self) -> None:
        log = open(self.root / "server.log", "ab")
        self.process = subprocess.Popen(["rabbitmq-server"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        _wait(lambda: httpx.get(f"http://127.0.0.1:{self.management_port}/api/overview",
                                auth=("guest", "guest"), timeout=2).status_code == 200, 120, "private RabbitMQ")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self.env, capture_output=True, timeout=120)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self, down_s: float = 3.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
