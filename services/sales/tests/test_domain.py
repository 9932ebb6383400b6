"""Pure sales rules (no I/O)."""
import pytest

from crmkit.errors import PreconditionFailed
from sales.domain.customers import account_rule_errors, creates_cycle, normalise
from crmkit.records import changed_fields, check_version


def test_normalise_trims_text_and_lowercases_email():
    assert normalise({"name": "  Contoso ", "email": " Info@Contoso.COM ", "credit_limit": 5}) == \
        {"name": "Contoso", "email": "info@contoso.com", "credit_limit": 5}


def test_credit_limit_needs_a_currency():
    assert account_rule_errors({"credit_limit": "10.00", "currency": None}) == \
        [{"field": "currency", "message": "required when credit_limit is given"}]
    assert account_rule_errors({"credit_limit": "10.00", "currency": "EUR"}) == []


def test_an_account_cannot_be_its_own_parent():
    errors = account_rule_errors({"id": "a", "parent_account_id": "a"})
    assert [e["field"] for e in errors] == ["parent_account_id"]


def test_cycle_detection_walks_up_the_hierarchy():
    parents = {"child": "parent", "parent": "root", "root": None}
    assert creates_cycle("root", "child", parents.get)  # root under its own grandchild
    assert not creates_cycle("child", "root", parents.get)
    assert not creates_cycle("other", None, parents.get)


def test_stale_version_is_refused_and_current_or_absent_passes():
    check_version(3, 3)
    check_version(3, None)
    with pytest.raises(PreconditionFailed) as raised:
        check_version(3, 2)
    assert raised.value.errors[0]["field"] == "If-Match"


def test_changed_fields_keeps_only_real_changes():
    assert changed_fields({"name": "A", "industry": "X"}, {"name": "A", "industry": "Y"}) == {"industry": "Y"}
