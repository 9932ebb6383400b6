"""The RPC client against a real nameko service (the sales stand-in) on a real broker."""
from __future__ import annotations

import asyncio
import time

import pytest

from gateway import requestid
from gateway.rpc import RemoteError, RpcClient, ServiceUnavailable


def run_with_client(amqp_uri: str, scenario, timeout_s: float = 3.0):
    """Run `scenario(client)` on a fresh event loop with a connected client."""
    async def main():
        client = RpcClient(amqp_uri, timeout_s=timeout_s)
        await client.start()
        assert client.connected
        try:
            return await scenario(client)
        finally:
            await client.close()

    return asyncio.run(main())


def test_fifty_concurrent_calls_each_get_their_own_reply(rabbit_vhost, sales_stub):
    async def scenario(client):
        started = time.perf_counter()
        # Replies arrive out of order (random-ish delays); each must reach its caller.
        results = await asyncio.gather(*(
            client.call("sales", "echo", value={"n": n}, delay_s=(n % 5) / 10) for n in range(50)))
        return results, time.perf_counter() - started

    results, elapsed = run_with_client(rabbit_vhost, scenario)
    assert results == [{"n": n} for n in range(50)]
    # Sequentially this is 50 * 0.2 s on average; concurrently a few hundred ms.
    assert elapsed < 3, elapsed


def test_service_errors_arrive_as_remote_errors(rabbit_vhost, sales_stub):
    async def scenario(client):
        with pytest.raises(RemoteError) as not_found:
            await client.call("sales", "get_account", account_id="nope")
        with pytest.raises(RemoteError) as bug:
            await client.call("sales", "boom")
        return not_found.value, bug.value

    not_found, bug = run_with_client(rabbit_vhost, scenario)
    assert (not_found.exc_type, not_found.detail, not_found.errors) == ("NotFound", "Account nope not found", [])
    assert bug.exc_type == "RuntimeError" and "unexpected bug" in bug.detail


def test_a_service_nobody_deployed_fails_fast(rabbit_vhost, sales_stub):
    async def scenario(client):
        started = time.perf_counter()
        with pytest.raises(ServiceUnavailable) as caught:
            await client.call("no_such_service", "health")
        return caught.value, time.perf_counter() - started

    error, elapsed = run_with_client(rabbit_vhost, scenario)
    assert error.service == "no_such_service" and "not deployed" in error.reason
    assert elapsed < 0.5


def test_a_slow_reply_times_out_and_is_dropped_when_it_comes(rabbit_vhost, sales_stub):
    async def scenario(client):
        started = time.perf_counter()
        with pytest.raises(ServiceUnavailable) as caught:
            await client.call("sales", "slow", seconds=0.6, timeout_s=0.2)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.6)  # the late reply arrives and must be ignored quietly
        return caught.value, elapsed, await client.call("sales", "health")

    error, elapsed, health = run_with_client(rabbit_vhost, scenario)
    assert "within 0.2s" in error.reason and 0.2 <= elapsed < 0.5
    assert health == {"status": "ok"}


def test_broker_down_at_startup_gives_unavailable_not_a_crash():
    async def scenario():
        client = RpcClient("amqp://guest:guest@127.0.0.1:1/", timeout_s=1)
        await client.start()  # logs and retries in the background
        try:
            with pytest.raises(ServiceUnavailable):
                await client.call("sales", "health")
        finally:
            await client.close()

    asyncio.run(scenario())


def test_requests_carry_nameko_context_headers(rabbit_vhost, sales_stub):
    async def scenario(client):
        requestid.current.set("req-123")
        return await client.call("sales", "context")

    context = run_with_client(rabbit_vhost, scenario)
    assert context["correlation_id"] == "req-123"
    assert context["call_id_stack"][0].startswith("gateway.")
    assert context["call_id_stack"][-1].startswith("sales.context.")
