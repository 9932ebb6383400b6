"""An asyncio client for nameko 2.14's RPC protocol over RabbitMQ (aio-pika).

Wire protocol (what nameko's RpcConsumer / Responder expect and send):
- request: published to the durable topic exchange `nameko-rpc` with routing key
  `<service>.<method>`, JSON body `{"args": [...], "kwargs": {...}}`, `reply_to` and
  `correlation_id` properties, and context data as `nameko.*` headers;
- reply: published by the service to the same exchange with routing key = our `reply_to`,
  body `{"result": ..., "error": null | {"exc_type", "exc_path", "exc_args", "value"}}`.

One connection, one channel and one exclusive reply queue serve every call of the process;
replies are matched to waiting callers by correlation id.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import CONNECTION_EXCEPTIONS, PublishError
from crmkit import tracing

from gateway import metrics, requestid

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
CLIENT_NAME = "gateway"
# How long a first connection attempt may take, and how often to retry one that failed
# at startup (the robust connection handles reconnects after a first success).
CONNECT_TIMEOUT_S = 5.0
RECONNECT_INTERVAL_S = 2.0


class ServiceUnavailable(Exception):
    """The service did not answer: not deployed, stopped, too slow, or the bus is down."""

    def __init__(self, service: str, reason: str):
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


# eq=False keeps exceptions hashable and compared by identity, as Python expects.
@dataclass(eq=False)
class RemoteError(Exception):
    """The service answered with an exception (nameko's serialised form)."""

    service: str
    method: str
    exc_type: str
    exc_path: str | None = None
    detail: str = ""
    errors: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{self.service}.{self.method} raised {self.exc_type}: {self.detail}")

    @classmethod
    def from_reply(cls, service: str, method: str, error: dict) -> "RemoteError":
        """Read crmkit's convention `exc_args == [detail, errors]`; anything else (a bug
        or a library exception in the service) keeps nameko's `value` as the detail."""
        args = error.get("exc_args") or []
        if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], list):
            detail, errors = args
        else:
            detail, errors = str(error.get("value") or ""), []
        return cls(service=service, method=method, exc_type=str(error.get("exc_type") or "Exception"),
                   exc_path=error.get("exc_path"), detail=detail,
                   errors=[e for e in errors if isinstance(e, dict)])


class RpcClient:
    def __init__(self, amqp_uri: str, timeout_s: float):
        self._amqp_uri = amqp_uri
        self.timeout_s = timeout_s
        self.reply_queue_name = f"rpc.reply-{CLIENT_NAME}-{uuid.uuid4()}"
        # correlation id -> (service, future of the reply body)
        self._pending: dict[str, tuple[str, asyncio.Future]] = {}
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._reconnect_task: asyncio.Task | None = None

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Connect; if the broker is down, keep trying in the background so the gateway
        still starts (calls answer 503 until the bus is back)."""
        try:
            await self._connect()
        except (*CONNECTION_EXCEPTIONS, asyncio.TimeoutError) as exc:
            log.warning("message bus unreachable at startup (%s); retrying every %.0fs",
                        exc, RECONNECT_INTERVAL_S)
            self._reconnect_task = asyncio.create_task(self._connect_until_up())

    @property
    def connected(self) -> bool:
        return self._exchange is not None and self._connection is not None \
            and not self._connection.is_closed

    async def _connect(self) -> None:
        connection = await asyncio.wait_for(aio_pika.connect_robust(self._amqp_uri),
                                            CONNECT_TIMEOUT_S)
        try:
            # Publisher confirms + on_return_raises turn a mandatory message that no queue
            # accepts (service never deployed) into a PublishError instead of silence.
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.declare_exchange(RPC_EXCHANGE, aio_pika.ExchangeType.TOPIC,
                                                      durable=True)
            queue = await channel.declare_queue(self.reply_queue_name, exclusive=True,
                                                auto_delete=True)
            # nameko publishes replies to the RPC exchange with routing key = reply_to.
            await queue.bind(exchange, routing_key=self.reply_queue_name)
            # A lost reply only costs its caller a timeout, so no acks are needed.
            await queue.consume(self._on_reply, no_ack=True)
        except BaseException:
            await connection.close()
            raise
        self._connection, self._exchange = connection, exchange

    async def _connect_until_up(self) -> None:
        while True:
            await asyncio.sleep(RECONNECT_INTERVAL_S)
            try:
                await self._connect()
                log.info("connected to the message bus")
                return
            except (*CONNECTION_EXCEPTIONS, asyncio.TimeoutError) as exc:
                log.debug("message bus still unreachable: %s", exc)

    async def close(self) -> None:
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
        for service, future in self._pending.values():
            if not future.done():
                future.set_exception(ServiceUnavailable(service, "gateway shutting down"))
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._exchange = None

    # --- calls ------------------------------------------------------------------------

    async def call(self, service: str, method: str, /, *, timeout_s: float | None = None,
                   **kwargs: Any) -> Any:
        """Call `service.method(**kwargs)` and return its result. (Positional-only
        `service` and `method` leave those names free for the remote method's kwargs.)

        Raises ServiceUnavailable (no answer within the timeout, no such service, bus
        down) or RemoteError (the service raised)."""
        timeout = timeout_s if timeout_s is not None else self.timeout_s
        started = time.perf_counter()
        outcome = "unavailable"
        try:
            reply = await asyncio.wait_for(self._request(service, method, kwargs, timeout), timeout)
            error = reply.get("error")
            if error:
                remote = RemoteError.from_reply(service, method, error)
                outcome = remote.exc_type
                raise remote
            outcome = "ok"
            return reply.get("result")
        except asyncio.TimeoutError:
            outcome = "timeout"
            raise ServiceUnavailable(service, f"no reply to {method} within {timeout:g}s") from None
        finally:
            metrics.observe_rpc(f"{service}.{method}", outcome, time.perf_counter() - started)

    async def _request(self, service: str, method: str, kwargs: dict, timeout: float) -> dict:
        if not self.connected:
            raise ServiceUnavailable(service, "not connected to the message bus")
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = (service, future)
        try:
            message = aio_pika.Message(
                body=json.dumps({"args": [], "kwargs": kwargs}).encode(),
                content_type="application/json",
                correlation_id=correlation_id,
                reply_to=self.reply_queue_name,
                headers={
                    "nameko.correlation_id": requestid.request_id(),
                    "nameko.call_id_stack": [f"{CLIENT_NAME}.{uuid.uuid4()}"],
                    # Who acts: the services write it into their audit trail (crmkit.audit).
                    **({"nameko.user_id": actor} if (actor := requestid.actor.get()) else {}),
                    # The request's trace continues in the service (crmkit.tracing).
                    **({"nameko.traceparent": parent} if (parent := tracing.current_traceparent()) else {}),
                },
                # The caller gives up after `timeout`; a service that starts later must not
                # act on a request nobody waits for any more.
                expiration=timeout,
            )
            try:
                await self._exchange.publish(message, routing_key=f"{service}.{method}",
                                             mandatory=True)
            except PublishError:
                raise ServiceUnavailable(service, "no queue takes its requests (not deployed?)") from None
            except CONNECTION_EXCEPTIONS as exc:
                raise ServiceUnavailable(service, f"message bus error: {exc!r}") from None
            return await future
        finally:
            self._pending.pop(correlation_id, None)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        service, future = self._pending.get(message.correlation_id or "", (None, None))
        if future is None or future.done():
            # The caller timed out already (or the reply is someone else's leftover).
            log.debug("dropping late reply %s", message.correlation_id)
            return
        try:
            body = json.loads(message.body)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            # The service answered, but with garbage: that is a bad gateway, not an outage.
            body = {"result": None, "error": {"exc_type": "UnreadableReply",
                                              "exc_args": [f"unreadable reply from {service}: {exc}", []]}}
        future.set_result(body)
