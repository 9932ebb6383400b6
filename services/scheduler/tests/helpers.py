"""Records the scheduler tests build again and again: a small training company."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

WEEKDAYS_9_TO_17 = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


def next_monday(weeks_ahead: int = 1) -> datetime:
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=weeks_ahead - 1)


def teacher(name: str, subjects: dict, tz: str = "UTC", **extra) -> dict:
    return {"name": name, "kind": "user", "timezone": tz, "working_hours": WEEKDAYS_9_TO_17,
            "characteristics": [{"name": s, "rating": r} for s, r in subjects.items()], **extra}


def room(name: str, seats: int, features=("projector",), tz: str = "UTC", **extra) -> dict:
    return {"name": name, "kind": "facility", "capacity": seats, "features": list(features), "timezone": tz,
            "working_hours": WEEKDAYS_9_TO_17, **extra}


def course(name: str = "CRM administration", minutes: int = 180, subject: str = "crm", rating: int = 3) -> dict:
    return {"name": name, "duration_minutes": minutes, "slot_minutes": 60, "default_attendees": 12,
            "requirements": [
                {"count": 1, "kind": "user", "characteristics": [{"name": subject, "min_rating": rating}]},
                {"count": 1, "kind": "facility", "features": ["projector"], "min_capacity": "attendees"}]}


def iso(moment: datetime) -> str:
    return moment.isoformat()
