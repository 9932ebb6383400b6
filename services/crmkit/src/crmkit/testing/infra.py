"""Find PostgreSQL and RabbitMQ for tests, and make isolated databases and vhosts on them.

The local servers are used when reachable (configured by CRM_TEST_POSTGRES_URL,
CRM_TEST_AMQP_URI and CRM_TEST_RABBIT_MANAGEMENT_URL, with defaults for this machine);
otherwise, if a Docker engine answers, testcontainers starts them.
"""
from __future__ import annotations

import os
import socket
import urllib.parse
import uuid
from dataclasses import dataclass

import httpx

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MANAGEMENT_URL = "http://guest:guest@127.0.0.1:15672"


@dataclass
class Servers:
    postgres_url: str  # libpq URL of an admin database (used to create/drop test databases)
    amqp_uri: str  # AMQP URI of the default vhost
    management_url: str  # RabbitMQ management API base, with credentials
    containers: list

    def stop(self) -> None:
        for container in self.containers:
            container.stop()


def _reachable(url: str, default_port: int) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


def find_servers() -> Servers:
    postgres_url = os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    amqp_uri = os.environ.get("CRM_TEST_AMQP_URI", DEFAULT_AMQP_URI)
    management_url = os.environ.get("CRM_TEST_RABBIT_MANAGEMENT_URL", DEFAULT_MANAGEMENT_URL)
    containers = []
    pg_ok = _reachable(postgres_url, 5432)
    rabbit_ok = _reachable(amqp_uri, 5672) and _reachable(management_url, 15672)
    if (not pg_ok or not rabbit_ok) and not _docker_available():
        raise RuntimeError(
            "Tests need PostgreSQL and RabbitMQ (with the management plugin). Neither the local "
            f"servers ({postgres_url}, {amqp_uri}, {management_url}) answered nor is a Docker "
            "engine available for testcontainers. Start them, e.g. "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
            "`rabbitmq-server -detached`, `rabbitmq-plugins enable rabbitmq_management`."
        )
    if not pg_ok:
        from testcontainers.postgres import PostgresContainer

        pg = PostgresContainer("postgres:15", username="postgres", password="postgres", dbname="postgres")
        pg.start()
        containers.append(pg)
        postgres_url = (f"postgresql://postgres:postgres@{pg.get_container_host_ip()}:"
                        f"{pg.get_exposed_port(5432)}/postgres")
    if not rabbit_ok:
        from testcontainers.rabbitmq import RabbitMqContainer

        rabbit = RabbitMqContainer("rabbitmq:3.13-management")
        rabbit.with_exposed_ports(5672, 15672)
        rabbit.start()
        containers.append(rabbit)
        host = rabbit.get_container_host_ip()
        amqp_uri = f"amqp://guest:guest@{host}:{rabbit.get_exposed_port(5672)}/"
        management_url = f"http://guest:guest@{host}:{rabbit.get_exposed_port(15672)}"
    return Servers(postgres_url, amqp_uri, management_url, containers)


# --- PostgreSQL -------------------------------------------------------------------------

def database_url(admin_url: str, name: str, driver: str = "postgresql+psycopg") -> str:
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit((driver, parts.netloc, "/" + name, parts.query, ""))


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


# --- RabbitMQ ---------------------------------------------------------------------------

def _management_client(management_url: str) -> httpx.Client:
    parts = urllib.parse.urlsplit(management_url)
    base = urllib.parse.urlunsplit((parts.scheme, f"{parts.hostname}:{parts.port or 15672}", "", "", ""))
    return httpx.Client(base_url=base, auth=(parts.username or "guest", parts.password or "guest"),
                        timeout=10)


def create_vhost(management_url: str, vhost: str, user: str = "guest") -> None:
    quoted = urllib.parse.quote(vhost, safe="")
    with _management_client(management_url) as client:
        client.put(f"/api/vhosts/{quoted}").raise_for_status()
        client.put(f"/api/permissions/{quoted}/{user}",
                   json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()


def delete_vhost(management_url: str, vhost: str) -> None:
    quoted = urllib.parse.quote(vhost, safe="")
    with _management_client(management_url) as client:
        response = client.delete(f"/api/vhosts/{quoted}")
        if response.status_code not in (204, 404):
            response.raise_for_status()


def queue_info(management_url: str, vhost: str, queue: str) -> dict | None:
    """The management API's view of a queue (type, arguments, messages), None if absent."""
    quoted = urllib.parse.quote(vhost, safe="")
    with _management_client(management_url) as client:
        response = client.get(f"/api/queues/{quoted}/{urllib.parse.quote(queue, safe='')}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()


def queue_depth(management_url: str, vhost: str, queue: str) -> int | None:
    """Messages in a queue (ready + unacked) or None if it does not exist. The management
    API refreshes its figures every few seconds, so use it for assertions with a poll."""
    info = queue_info(management_url, vhost, queue)
    return None if info is None else info.get("messages", 0)


def amqp_uri_for_vhost(amqp_uri: str, vhost: str) -> str:
    parts = urllib.parse.urlsplit(amqp_uri)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + urllib.parse.quote(vhost, safe=""), "", ""))
