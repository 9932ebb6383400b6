"""Database I/O must yield to eventlet, or one slow query stalls every worker."""
import time

import eventlet
from nameko.standalone.rpc import ServiceRpcProxy

from crmkit import green
from probe_services import ProbeService


def test_psycopg_uses_the_cooperative_wait_function():
    assert green.psycopg_is_cooperative()


def test_ten_concurrent_rpcs_each_sleeping_half_a_second_in_postgres_finish_within_1_5_s(
        container_factory, rabbit_vhost, probe_db, service_config):
    container = container_factory(ProbeService, service_config("probe", rabbit_vhost, probe_db))
    container.start()
    # One proxy per green thread: a shared ClusterRpcProxy is not safe under concurrency.
    proxies = [ServiceRpcProxy("probe", {"AMQP_URI": rabbit_vhost}) for _ in range(10)]
    clients = [proxy.start() for proxy in proxies]
    try:
        clients[0].sleep_in_db(0)  # warm the service's connection pool path
        pool = eventlet.GreenPool(10)
        started = time.monotonic()
        results = list(pool.imap(lambda client: client.sleep_in_db(0.5), clients))
        elapsed = time.monotonic() - started
    finally:
        for proxy in proxies:
            proxy.stop()
    assert results == [0.5] * 10
    assert 0.5 <= elapsed < 1.5, f"10 concurrent 0.5 s queries took {elapsed:.2f} s"
