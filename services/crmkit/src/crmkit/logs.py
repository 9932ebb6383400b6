"""Logs as one JSON object per line, each carrying the correlation id of the request or event
being handled, so one id finds a request in the gateway's log, every service's log and the
logs of the event handlers it caused.

The id travels as nameko context data (`correlation_id`) on RPC calls, and as the envelope's
`correlation_id` on events. `CRM_LOG_FORMAT=text` gives plain lines for a terminal.
"""
from __future__ import annotations

import contextvars
import json
import logging
from datetime import datetime, timezone

# Per green thread: every nameko worker runs in its own, which starts with an empty context.
correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id",
                                                                             default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        cid = correlation_id.get()
        return f"{line} [correlation_id={cid}]" if cid else line


def configure(service: str, log_format: str = "json", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter((TextFormatter if log_format == "text" else JsonFormatter)(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
