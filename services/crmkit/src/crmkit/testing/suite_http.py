"""Small helpers for tests that drive the suite over HTTP."""
from __future__ import annotations


def ok(response, status: int = 200):
    """The JSON body of a response that must have this status (the body explains a failure)."""
    assert response.status_code == status, f"{response.status_code} != {status}: {response.text}"
    return response.json()
