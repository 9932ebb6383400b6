"""The UI's pure parts: form fields from the API's models, reading a submitted form into a
JSON body, the API's errors put next to fields, saved views, chart geometry, dashboard sums."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.models.accounts import AccountCreate
from gateway.models.leads import QualifyRequest
from gateway.ui import charts, dashboards, saved_views
from gateway.ui.forms import Field, errors_by_field, model_fields, read


def by_name(fields):
    return {f.name: f for f in fields}


def test_fields_follow_the_api_model_nested_objects_references_and_money():
    fields = by_name(model_fields(AccountCreate))
    assert fields["name"].required and fields["name"].kind == "text"
    assert fields["address.city"].kind == "text"  # an object of plain values: one field each
    assert (fields["parent_account_id"].kind, fields["parent_account_id"].ref) == ("ref", "accounts")
    assert fields["credit_limit"].kind == "decimal"
    assert fields["allow_duplicate"].kind == "checkbox"
    assert not fields["email"].required


def test_model_defaults_are_what_a_new_form_shows():
    fields = by_name(model_fields(QualifyRequest))
    assert fields["create_account"].default is True and fields["allow_duplicate"].default is False


CONTACT_FIELDS = [Field("name", "Name", required=True), Field("capacity", "Capacity", "int"),
                  Field("address.city", "City"), Field("features", "Features", "list"),
                  Field("hours", "Hours", "json"), Field("active", "Active", "checkbox"),
                  Field("price", "Price", "decimal"), Field("start", "Start", "datetime")]


def test_a_new_record_leaves_out_empty_fields_and_converts_what_html_cannot_type():
    form = {"name": [" Ada "], "capacity": ["12"], "address.city": ["Paris"], "features": ["a, b,,c"],
            "hours": ['[{"weekday": 0}]'], "active": ["", "true"], "price": [""], "start": ["2026-11-23T10:15"]}
    sub = read(CONTACT_FIELDS, form)
    assert sub.errors == []
    assert sub.body == {"name": "Ada", "capacity": 12, "address": {"city": "Paris"}, "features": ["a", "b", "c"],
                        "hours": [{"weekday": 0}], "active": True, "start": "2026-11-23T10:15:00Z"}


def test_values_the_api_must_judge_are_passed_on_as_typed():
    sub = read(CONTACT_FIELDS, {"name": ["x"], "capacity": ["twelve"], "price": ["1,5"]})
    assert sub.body["capacity"] == "twelve" and sub.body["price"] == "1,5"  # the API names the mistake


def test_unreadable_json_is_reported_on_its_field_without_a_body_value():
    sub = read(CONTACT_FIELDS, {"name": ["x"], "hours": ["[{"]})
    assert [e["field"] for e in sub.errors] == ["hours"] and "hours" not in sub.body


def test_an_edit_sends_only_what_changed_and_an_emptied_field_as_null():
    original = {"name": "Ada", "capacity": 12, "address": {"city": "Paris"}, "features": ["a"], "hours": None,
                "active": True, "price": "10.00", "start": "2026-11-23T10:15:00Z"}
    form = {"name": ["Ada"], "capacity": ["12"], "address.city": [""], "features": ["a"], "hours": [""],
            "active": ["", "true"], "price": ["10"], "start": ["2026-11-23T10:15"]}
    assert read(CONTACT_FIELDS, form, original=original).body == {"address": {"city": None}}
    form["capacity"] = ["13"]
    assert read(CONTACT_FIELDS, form, original=original).body == {"capacity": 13, "address": {"city": None}}


def test_api_errors_go_to_the_deepest_field_on_the_form_and_the_rest_above_it():
    fields = [Field("name", "Name"), Field("address.city", "City"), Field("requirements", "Req", "json")]
    errors = [{"field": "name", "message": "required"}, {"field": "address.city", "message": "too long"},
              {"field": "requirements.0.kind", "message": "give a kind"}, {"field": "If-Match", "message": "stale"}]
    by_field, rest = errors_by_field(errors, fields)
    assert by_field == {"name": ["required"], "address.city": ["too long"], "requirements": ["0.kind: give a kind"]}
    assert rest == [{"field": "If-Match", "message": "stale"}]


def test_saved_views_round_trip_through_the_cookie_and_keep_ten_per_list():
    views = {}
    for n in range(12):
        views = saved_views.save(views, "leads", f"view {n}", f"status=new&n={n}")
    cookie = saved_views.dump(views)
    assert all(c.isalnum() or c in "-_=" for c in cookie)  # safe as a cookie value
    loaded = saved_views.load(cookie)
    assert len(loaded["leads"]) == 10 and loaded["leads"][0] == ["view 11", "status=new&n=11"]
    assert saved_views.remove(loaded, "leads", "view 11")["leads"][0][0] == "view 10"
    assert saved_views.load("not base64 json!") == {}
    assert saved_views.remembered_query({"status": "new", "cursor": "abc", "q": ""}) == "status=new"


def test_bars_scale_to_the_largest_and_negative_values_draw_left_of_zero():
    chart = charts.bars("ROI", [("a", Decimal(200)), ("b", Decimal(-100))])
    a, b = chart.rows
    assert a.segments[0].width == charts.PLOT_W / 2  # half the plot each side of zero
    assert b.segments[0].x + b.segments[0].width == chart.zero_x
    assert b.segments[0].width == charts.PLOT_W / 4
    assert charts.bars("empty", []).empty


def test_pipeline_sums_open_amounts_by_stage_in_the_main_currency_only():
    opportunities = [{"stage": "develop", "estimated_value": "1000.10", "currency": "EUR"},
                     {"stage": "develop", "estimated_value": "0.20", "currency": "EUR"},
                     {"stage": "close", "estimated_value": "5.00", "currency": "EUR"},
                     {"stage": "close", "estimated_value": "900.00", "currency": "USD"}]
    chart, currency = dashboards.pipeline_by_stage(opportunities)
    assert currency == "EUR"
    assert {r.label: r.total for r in chart.rows} == {"qualify": 0, "develop": Decimal("1000.30"), "propose": 0,
                                                      "close": Decimal("5.00")}


def test_won_revenue_falls_in_the_month_it_closed_over_the_last_twelve_months():
    won = [{"actual_revenue": "100.00", "currency": "EUR", "actual_close_date": "2026-11-02"},
           {"actual_revenue": "50.00", "currency": "EUR", "actual_close_date": "2026-01-31"},
           {"actual_revenue": "70.00", "currency": "EUR", "actual_close_date": "2025-11-30"}]  # 13 months ago
    chart, _ = dashboards.won_revenue_by_month(won, date(2026, 11, 23))
    totals = {r.label: r.total for r in chart.rows}
    assert len(totals) == 12 and totals["2026-11"] == 100 and totals["2026-01"] == 50 and "2025-11" not in totals


def test_open_cases_count_by_priority_and_their_resolve_sla_standing():
    cases = [{"priority": "high", "sla": {"resolve": "at_risk"}}, {"priority": "high", "sla": {"resolve": "missed"}},
             {"priority": "low", "sla": None}]
    chart = dashboards.open_cases_by_priority(cases)
    rows = {r.label: [s.value for s in r.segments] for r in chart.rows}
    states = list(dashboards.SLA_STATES)
    assert rows["high"][states.index("at_risk")] == 1 and rows["high"][states.index("missed")] == 1
    assert rows["low"][states.index("on_track")] == 1 and sum(rows["urgent"]) == 0
