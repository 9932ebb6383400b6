"""Waiting for an asynchronous outcome in a test: poll a condition with a deadline."""
from __future__ import annotations

import time


def wait_until(condition, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Return the first truthy value of condition(); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}")
        time.sleep(interval)  # polling: under eventlet this yields to the service's green threads
