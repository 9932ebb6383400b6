"""Example messages are owned by the producer (FTGO style): each producing service keeps one
JSON file per event under <package>/contracts/events/<EventType>.v<version>.json, and both its
own tests and every consumer's tests load them from here."""
from __future__ import annotations

import importlib.resources
import json


def example_event(producer: str, event_type: str, version: int = 1) -> dict:
    path = importlib.resources.files(producer) / "contracts" / "events" / f"{event_type}.v{version}.json"
    return json.loads(path.read_text())


def example_event_types(producer: str) -> list[str]:
    folder = importlib.resources.files(producer) / "contracts" / "events"
    return sorted(entry.name.split(".")[0] for entry in folder.iterdir() if entry.name.endswith(".json"))
