"""Pure rules of the service desk: state machines, allotment arithmetic, routing, customers."""
from datetime import date

import pytest

from crmkit.errors import Conflict
from service_desk.domain.cases import customer_errors, total_time_spent
from service_desk.domain.contracts import (charge_for_case, contract_rule_errors, effective_status, exhausts,
                                           still_to_deduct)
from service_desk.domain.routing import choose_queue, matches
from service_desk.domain.states import ARTICLE_ACTIONS, CASE_ACTIONS, CONTRACT_ACTIONS, transition


@pytest.mark.parametrize("machine, action, status, target", [
    (CASE_ACTIONS, "resolve", "active", "resolved"), (CASE_ACTIONS, "cancel", "active", "cancelled"),
    (CASE_ACTIONS, "reopen", "resolved", "active"), (CASE_ACTIONS, "reopen", "cancelled", "active"),
    (CONTRACT_ACTIONS, "activate", "draft", "active"), (CONTRACT_ACTIONS, "cancel", "active", "cancelled"),
    (ARTICLE_ACTIONS, "publish", "draft", "published"), (ARTICLE_ACTIONS, "revise", "archived", "draft"),
])
def test_allowed_transitions(machine, action, status, target):
    assert transition(machine, "record", action, status) == target


@pytest.mark.parametrize("machine, action, status", [
    (CASE_ACTIONS, "resolve", "resolved"), (CASE_ACTIONS, "cancel", "resolved"), (CASE_ACTIONS, "reopen", "active"),
    (CONTRACT_ACTIONS, "activate", "expired"), (CONTRACT_ACTIONS, "cancel", "expired"),
    (ARTICLE_ACTIONS, "archive", "draft"), (ARTICLE_ACTIONS, "publish", "published"),
])
def test_wrong_states_are_conflicts_that_say_what_is_allowed(machine, action, status):
    with pytest.raises(Conflict) as raised:
        transition(machine, "record", action, status)
    assert status in str(raised.value)


def test_charges_by_allotment_type():
    assert charge_for_case("hours", 120) == 120
    assert charge_for_case("cases", 120) == 1
    assert charge_for_case("none", 120) == 0


def test_a_case_is_charged_only_what_it_was_not_charged_before():
    assert still_to_deduct(120, 0) == 120
    assert still_to_deduct(120, 120) == 0  # a repeat changes nothing
    assert still_to_deduct(150, 120) == 30  # time added after the first charge
    assert still_to_deduct(90, 120) == 0  # never a refund


def test_exhaustion_is_the_crossing_to_zero_only():
    assert exhausts(60, 0) and exhausts(30, -10)
    assert not exhausts(60, 1) and not exhausts(0, -5)


def test_contract_rules():
    base = {"start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31)}
    assert contract_rule_errors(base | {"allotment_type": "hours", "total_allotment": 600}) == []
    assert [e["field"] for e in contract_rule_errors(base | {"allotment_type": "cases"})] == ["total_allotment"]
    assert [e["field"] for e in contract_rule_errors(base | {"allotment_type": "none", "total_allotment": 5})] == [
        "total_allotment"]
    assert [e["field"] for e in contract_rule_errors({"start_date": date(2026, 2, 1), "end_date": date(2026, 1, 1)})
            ] == ["end_date"]
    active = {"status": "active", "end_date": date(2026, 6, 30)}
    assert effective_status(active, date(2026, 6, 30)) == "active"
    assert effective_status(active, date(2026, 7, 1)) == "expired"


def test_one_customer_per_case_and_time_spent():
    assert customer_errors({"customer_account_id": "a"}) == []
    assert len(customer_errors({})) == 2
    assert "not both" in customer_errors({"customer_account_id": "a", "customer_contact_id": "c"})[0]["message"]
    assert total_time_spent(90, 30) == 120 and total_time_spent(90, None) == 90


def test_routing_takes_the_first_enabled_matching_rule_else_the_default():
    case = {"priority": "urgent", "origin": "phone", "customer_account_id": "acc", "product_id": "p1"}
    rules = [{"name": "off", "enabled": False, "conditions": {}, "queue_id": "q0"},
             {"name": "email", "conditions": {"origin": ["email"]}, "queue_id": "q1"},
             {"name": "urgent accounts", "conditions": {"priority": ["urgent"], "customer_type": ["account"]},
              "queue_id": "q2"},
             {"name": "everything", "conditions": {}, "queue_id": "q3"}]
    assert choose_queue(rules, case, "default") == ("q2", rules[2])
    assert choose_queue(rules[:2], case, "default") == ("default", None)
    assert not matches({"customer_type": ["contact"]}, case)
    assert matches({"product_id": ["p1", "p2"], "origin": ["phone"]}, case)
