"""The iCalendar (RFC 5545) feed of calendar activities, as Outlook and Google Calendar
subscribe to it: one VEVENT per appointment; a recurring series is one VEVENT with its
RRULE in its own time zone (with VTIMEZONE), cancelled occurrences as EXDATE and moved ones
as overriding VEVENTs with the same UID and a RECURRENCE-ID."""
from __future__ import annotations

from datetime import timedelta, timezone

from icalendar import Calendar, Event, vRecur

from activities.domain.recurrence import Series, parse_moment

PRODID = "-//CRM suite//activities//EN"


def _event(activity: dict, uid: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", activity["subject"])
    if activity.get("description"):
        event.add("description", activity["description"])
    event.add("dtstamp", parse_moment(activity["updated_at"]))
    event.add("last-modified", parse_moment(activity["updated_at"]))
    event.add("sequence", activity["version"])
    event.add("status", "CANCELLED" if activity["status"] == "cancelled" else "CONFIRMED")
    event.add("categories", [activity["type"]])
    regarding = activity.get("regarding")
    if regarding and regarding.get("label"):
        event.add("x-crm-regarding", f"{regarding['type']}: {regarding['label']}")
    return event


def _series_event(activity: dict, uid: str) -> list[Event]:
    series = Series.of(activity)
    tz = series.tz
    main = _event(activity, uid)
    main.add("dtstart", series.start.astimezone(tz))
    main.add("dtend", series.end.astimezone(tz))
    rule = vRecur.from_ical(series.rule)
    if series.count is not None:
        rule["COUNT"] = series.count
    elif series.until is not None:
        # With a TZID'd DTSTART, RFC 5545 wants UNTIL in UTC.
        rule["UNTIL"] = series.until_moment().astimezone(timezone.utc)
    main.add("rrule", rule)
    overrides = []
    for exception in series.exceptions:
        original = parse_moment(exception["original_start"]).astimezone(tz)
        if not series.is_occurrence(original):
            continue
        if exception.get("cancelled"):
            main.add("exdate", original)
            continue
        moved = _event(activity, uid)
        moved.add("recurrence-id", original)
        moved.add("dtstart", parse_moment(exception["scheduled_start"]).astimezone(tz))
        moved.add("dtend", parse_moment(exception["scheduled_end"]).astimezone(tz))
        overrides.append(moved)
    return [main, *overrides]


def _single_event(activity: dict, uid: str) -> Event:
    event = _event(activity, uid)
    start = parse_moment(activity["scheduled_start"])
    event.add("dtstart", start.astimezone(timezone.utc))
    event.add("dtend", parse_moment(activity.get("scheduled_end") or activity["scheduled_start"]).astimezone(timezone.utc))
    return event


def feed(activities: list[dict], name: str, domain: str = "crm.local") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    # Subscribers poll; ask for an hourly refresh (Outlook and Google honour one of these).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for activity in activities:
        uid = f"{activity['id']}@{domain}"
        if activity.get("recurrence"):
            for event in _series_event(activity, uid):
                calendar.add_component(event)
        elif activity.get("scheduled_start"):
            calendar.add_component(_single_event(activity, uid))
    calendar.add_missing_timezones()
    return calendar.to_ical()


