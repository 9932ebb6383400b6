"""Schemathesis over every operation of the served OpenAPI document, authenticated, on the
suite fixtures: no 5xx, and every response's status, content type and body as documented.

A bounded number of examples per operation keeps it within a few minutes on a 2-core machine;
the counts are printed at the end (docs/RELIABILITY.md records them). The caller is a user
of its own: the token and password endpoints get wrong passwords, and their lockout must
not fall on the administrator other suite tests sign in as."""
from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from gateway import users

EXAMPLES_PER_OPERATION = 6
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def suite(start_isolated_suite):
    """Fuzzing leaves odd records everywhere (default queues, routing rules, ...): it runs on a
    suite of its own so that the other suite tests never meet them."""
    with start_isolated_suite() as own:
        yield own


@pytest.fixture(scope="module")
def fuzz_user(suite):
    import httpx

    name, password = f"fuzz-{uuid.uuid4().hex[:6]}", f"fuzz-password-{uuid.uuid4().hex}"
    users.create_user(suite.database_url("gateway"), name, password, roles=["administrator"])
    with httpx.Client(base_url=suite.url, timeout=30) as client:
        token = client.post("/api/v1/auth/token", json={"username": name, "password": password})
        assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture(scope="module")
def api_schema(suite):
    return schemathesis.openapi.from_url(f"{suite.url}/openapi.json")


def fuzz(operation, base_url: str, headers: dict) -> int:
    """Run one operation's examples; returns how many cases were sent. Raises the first
    failing check (after Hypothesis has looked for a simpler example)."""
    sent = 0

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    def run(case):
        nonlocal sent
        sent += 1
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    run()
    return sent


def test_every_operation_answers_as_documented(suite, api_schema, fuzz_user):
    operations, failures, cases = 0, {}, 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            cases += fuzz(operation, suite.url, fuzz_user)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all reported
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    print(f"\nschemathesis: {cases} cases over {operations} operations, {len(failures)} failing")
    assert operations > 100, "the served document lost its operations"
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
