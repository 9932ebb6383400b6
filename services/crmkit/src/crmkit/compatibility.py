"""Consumer-driven contract checks: can every consumer still read what its producers publish?

Each producer declares its payload schemas (`<producer>.schemas.EVENT_PAYLOADS`) and keeps an
example of each event (`<producer>/contracts/events/`). Each consumer keeps its own copy of
the examples it relies on, `<consumer>/contracts/consumes/<producer>/<EventType>.v<N>.json`,
recorded when it started consuming. A producer release that drops or retypes a field a
consumer's copy carries fails this check, so a service can be released alone without
breaking the others.
"""
from __future__ import annotations

import importlib
import importlib.resources
import json
from dataclasses import dataclass

from marshmallow import Schema

from crmkit.topology import subscriptions_of


@dataclass(frozen=True)
class Expectation:
    consumer: str
    producer: str
    event_type: str
    version: int
    example: dict | None  # None: the consumer recorded none


def consumer_fixture_path(consumer: str, producer: str, event_type: str, version: int = 1):
    return (importlib.resources.files(consumer) / "contracts" / "consumes" / producer
            / f"{event_type}.v{version}.json")


def service_class(package: str):
    """The nameko service class of a service package (`<package>.service`)."""
    from crmkit.service_base import CrmService

    module = importlib.import_module(f"{package}.service")
    [found] = {value for value in vars(module).values()
               if isinstance(value, type) and issubclass(value, CrmService) and value is not CrmService
               and value.__module__ == module.__name__}
    return found


def expectations_of(package: str) -> list[Expectation]:
    found = []
    for subscription in subscriptions_of(service_class(package)):
        path = consumer_fixture_path(package, subscription.source_service, subscription.event_type)
        example = json.loads(path.read_text()) if path.is_file() else None
        found.append(Expectation(package, subscription.source_service, subscription.event_type, 1, example))
    return found


def producer_schema(producer: str, event_type: str) -> type[Schema] | None:
    return getattr(importlib.import_module(f"{producer}.schemas"), "EVENT_PAYLOADS", {}).get(event_type)


def problems(expectation: Expectation, schema_class: type[Schema] | None) -> list[str]:
    """What keeps the consumer from reading the producer's events, as sentences; [] if none."""
    where = f"{expectation.consumer} consumes {expectation.producer}.{expectation.event_type}"
    if expectation.example is None:
        return [f"{where} but keeps no fixture at contracts/consumes/{expectation.producer}/"
                f"{expectation.event_type}.v{expectation.version}.json"]
    if schema_class is None:
        return [f"{where} but {expectation.producer} no longer declares that event"]
    if expectation.example.get("version", 1) != expectation.version:
        return [f"{where}: the fixture is version {expectation.example.get('version')}"]
    schema = schema_class()
    declared = {field.data_key or name for name, field in schema.fields.items()}
    payload = expectation.example.get("payload", {})
    found = [f"{where}: the producer no longer has the field '{name}'"
             for name in sorted(set(payload) - declared)]
    # Fields it still has must still accept the values the consumer relies on.
    for field, messages in schema.validate({k: v for k, v in payload.items() if k in declared},
                                           partial=True).items():
        found.append(f"{where}: field '{field}' changed: {messages}")
    return found


def record_missing(package: str, source_root) -> list[str]:
    """Write, for each event the service consumes without a fixture, a copy of the producer's
    current example: what the consumer was built against. `source_root` is the package's
    source folder (fixtures live in the repository, not in site-packages). Returns the paths."""
    from pathlib import Path

    written = []
    for expectation in expectations_of(package):
        if expectation.example is not None:
            continue
        producer_example = (importlib.resources.files(expectation.producer) / "contracts" / "events"
                            / f"{expectation.event_type}.v{expectation.version}.json")
        target = (Path(source_root) / "contracts" / "consumes" / expectation.producer
                  / f"{expectation.event_type}.v{expectation.version}.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(producer_example.read_text())
        written.append(str(target))
    return written
