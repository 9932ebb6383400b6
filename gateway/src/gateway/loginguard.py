"""Brute-force protection for password checks: per-username lockout and a per-address limit
on failed attempts, both answered with 429 and Retry-After.

Only failures count, so busy clients that sign in correctly (scripts, the suite, the UI's
many users behind one address) are never slowed down. State lives in this gateway process:
with N replicas an attacker gets at most N times the budget, still far from a useful
guessing rate; a shared store would be needed to make it exact."""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable

from fastapi import Request

from gateway import deps
from gateway.config import Settings
from gateway.problems import Problem


class _Window:
    """Failure times inside a sliding window, and the end of a lockout once too many."""

    __slots__ = ("failures", "locked_until")

    def __init__(self) -> None:
        self.failures: deque[float] = deque()
        self.locked_until = 0.0


class LoginGuard:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    def _limits(self, kind: str) -> int:
        s = self._settings
        return s.login_max_failures_per_user if kind == "user" else s.login_max_failures_per_address

    @staticmethod
    def _keys(username: str, address: str) -> list[tuple[str, str]]:
        # Usernames compare case-insensitively here so "Admin" and "admin" share a budget.
        return [("user", username.strip().lower()), ("address", address)]

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until this username and address may try again; None if they may now."""
        now = self._clock()
        with self._lock:
            waits = [w.locked_until - now for key in self._keys(username, address)
                     if (w := self._windows.get(key)) is not None and w.locked_until > now]
        return math.ceil(max(waits)) if waits else None

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        window_s, lockout_s = self._settings.login_window_s, self._settings.login_lockout_s
        with self._lock:
            for key in self._keys(username, address):
                window = self._windows.setdefault(key, _Window())
                window.failures.append(now)
                while window.failures and window.failures[0] <= now - window_s:
                    window.failures.popleft()
                if len(window.failures) >= self._limits(key[0]):
                    window.locked_until = now + lockout_s
                    window.failures.clear()
            self._forget_stale(now)

    def succeeded(self, username: str) -> None:
        """A correct password clears the username's failures (not the address's: one good
        account must not reset a spraying budget)."""
        with self._lock:
            self._windows.pop(self._keys(username, "")[0], None)

    def _forget_stale(self, now: float) -> None:
        # Bounded memory under a flood of random usernames.
        if len(self._windows) > 10_000:
            for key in [k for k, w in self._windows.items()
                        if w.locked_until <= now and (not w.failures
                                                      or w.failures[-1] <= now - self._settings.login_window_s)]:
                del self._windows[key]


def guard(request: Request) -> LoginGuard:
    """The app's guard, made on first use (one per gateway process)."""
    state = request.app.state
    if getattr(state, "login_guard", None) is None:
        state.login_guard = LoginGuard(deps.settings_of(request))
    return state.login_guard


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(retry_after_s: int) -> Problem:
    return Problem(429, "Too many failed sign-in attempts; try again later.",
                   headers={"Retry-After": str(retry_after_s)})


def check(request: Request, username: str) -> None:
    """Raise 429 if this username or the caller's address is locked out."""
    wait = guard(request).retry_after(username, client_address(request))
    if wait is not None:
        raise too_many(wait)
