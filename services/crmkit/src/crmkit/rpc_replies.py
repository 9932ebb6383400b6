"""How RPC replies are published: without publisher confirms, and never at the cost of the
service.

- nameko publishes every RPC reply with a publisher confirm: one more round trip to the
  broker per call, in the service, before the next request is served. A confirm buys nothing
  for a reply: if the broker loses it, the caller times out and answers 503 whether or not
  the reply was confirmed, and the work the call did is committed either way (its events sit
  in the outbox, published with confirms). Events and everything else keep confirms.
- When a reply cannot be published (the broker is restarting), nameko lets the error kill
  the whole service process. The caller has timed out or will: the reply is logged and
  dropped instead, and the service goes on serving once the broker is back."""
from __future__ import annotations

import logging

from nameko import rpc
from nameko.amqp.publish import Publisher

log = logging.getLogger(__name__)


class ReplyPublisher(Publisher):
    use_confirms = False

    def publish(self, payload, **kwargs):
        try:
            super().publish(payload, **kwargs)
        except Exception:  # noqa: BLE001 - see the module's docstring
            log.warning("an RPC reply could not be published (correlation %s); the caller will time out",
                        kwargs.get("correlation_id"), exc_info=True)


def use_for_rpc_replies() -> None:
    rpc.Responder.publisher_cls = ReplyPublisher
