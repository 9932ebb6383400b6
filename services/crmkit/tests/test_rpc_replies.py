"""RPC replies: published without confirms, and a reply the broker cannot take is dropped
(logged) instead of killing the service."""
import logging

from nameko import rpc

from crmkit import service_base  # noqa: F401 - installs the reply publisher, as every service does
from crmkit.rpc_replies import ReplyPublisher
from crmkit.testing.infra import free_port


def test_every_service_publishes_replies_with_the_reply_publisher():
    assert rpc.Responder.publisher_cls is ReplyPublisher
    assert ReplyPublisher.use_confirms is False


def test_a_reply_to_an_unreachable_broker_is_logged_and_dropped(caplog):
    publisher = ReplyPublisher(f"amqp://guest:guest@127.0.0.1:{free_port()}//", retry=False)
    with caplog.at_level(logging.WARNING, logger="crmkit.rpc_replies"):
        publisher.publish({"result": 1, "error": None}, routing_key="rpc.reply-nobody", correlation_id="c-1")
    assert "could not be published (correlation c-1)" in caplog.text
