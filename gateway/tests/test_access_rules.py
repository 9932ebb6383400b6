"""The security model's pure parts: how roles combine, what reach covers, and that every API
route the app serves is classified (a route the catalogue misses would be refused to all)."""
from gateway.access import catalog
from gateway.access.caller import EVERYTHING, NOTHING, Reach
from gateway.access.default_roles import DEFAULT_ROLES
from gateway.access.levels import combine, errors_in
from gateway.app import create_app


def api_routes():
    """(method, path template) of every route the app documents under /api/v1."""
    paths = create_app().openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() if path.startswith("/api/v1/")
            for method in operations]


def test_every_api_route_is_classified():
    routes = api_routes()
    assert len(routes) > 150
    unclassified = [(method, path) for method, path in routes
                    if method != "HEAD" and catalog.classify(method, path) is None
                    and path != "/api/v1/auth/token"]  # signing in needs no token
    assert unclassified == []


def test_routes_on_a_record_name_the_privilege_they_need():
    assert catalog.classify("GET", "/api/v1/accounts") == catalog.Rule("accounts", "read")
    assert catalog.classify("POST", "/api/v1/accounts") == catalog.Rule("accounts", "create")
    assert catalog.classify("PATCH", "/api/v1/quotes/{quote_id}") == catalog.Rule("quotes", "write", "quote_id")
    assert catalog.classify("DELETE", "/api/v1/quotes/{quote_id}") == catalog.Rule("quotes", "delete", "quote_id")
    assert catalog.classify("DELETE", "/api/v1/quotes/{quote_id}/lines/{line_id}").privilege == "write"
    assert catalog.classify("POST", "/api/v1/leads/{lead_id}/qualify").privilege == "write"
    assert catalog.classify("POST", "/api/v1/cases/{case_id}/assign").privilege == "assign"
    assert catalog.classify("POST", "/api/v1/cases/{case_id}/shares").privilege == "share"
    assert catalog.classify("GET", "/api/v1/cases/{case_id}/shares").privilege == "read"
    # Organisation-owned records have no per-record check.
    assert catalog.classify("PATCH", "/api/v1/products/{product_id}") == catalog.Rule("products", "write")
    assert catalog.classify("GET", "/api/v1/kb/articles/{article_id}").resource == "kb-articles"
    assert catalog.classify("PUT", "/api/v1/accounts") is None  # unknown: refused
    assert catalog.classify("GET", "/api/v1/nowhere") is None


def test_roles_combine_to_the_widest_level():
    combined = combine([{"accounts": {"read": "own", "write": "own"}},
                        {"accounts": {"read": "business_unit"}, "leads": {"create": "own"}},
                        {"accounts": {"read": "none"}}])
    assert combined == {"accounts": {"read": "business_unit", "write": "own"}, "leads": {"create": "own"}}


def test_a_role_document_is_checked_field_by_field():
    errors = errors_in({"accounts": {"read": "galaxy", "fly": "own"}, "spaceships": {}}, catalog.RESOURCES)
    assert {error["field"] for error in errors} == {"privileges.accounts.read", "privileges.accounts.fly",
                                                    "privileges.spaceships"}
    assert all(errors_in(privileges, catalog.RESOURCES) == [] for _, privileges in DEFAULT_ROLES.values())


def test_reach_covers_owners_and_shared_records():
    reach = Reach(frozenset({"u1", "t1"}), frozenset({"r9"}))
    assert reach.covers({"id": "r1", "owner_id": "t1"}) and reach.covers({"id": "r9", "owner_id": "u2"})
    assert not reach.covers({"id": "r2", "owner_id": "u2"}) and not reach.covers({"id": "r3", "owner_id": None})
    assert reach.to_rpc() == {"owner_ids": ["t1", "u1"], "record_ids": ["r9"]}
    assert EVERYTHING.covers({"id": "x", "owner_id": None}) and EVERYTHING.to_rpc() is None
    assert not NOTHING.covers({"id": "x", "owner_id": "u1"})


def test_the_default_roles_are_the_seven_the_issue_names():
    assert set(DEFAULT_ROLES) == {"administrator", "sales manager", "salesperson", "marketing professional",
                                  "customer service representative", "service manager", "scheduler"}
    salesperson = DEFAULT_ROLES["salesperson"][1]
    assert salesperson["accounts"] == {"create": "own", "read": "business_unit", "write": "own", "delete": "own",
                                       "assign": "own", "share": "own"}
    assert DEFAULT_ROLES["sales manager"][1]["accounts"]["read"] == "business_unit_and_children"
