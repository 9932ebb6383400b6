"""Operator commands on the bus, mounted by the `crm` tool as `crm dead-letters ...`."""
from __future__ import annotations

import typer

from crmkit import config

dead_letters = typer.Typer(help="Inspect and replay events parked in a service's dead-letter queue.",
                           no_args_is_help=True)

SERVICE = typer.Option(..., "--service", "-s", help="the consuming service, e.g. marketing")


@dead_letters.command("list")
def list_command(service: str = SERVICE) -> None:
    """List the events parked in SERVICE's dead-letter queue."""
    from crmkit.deadletter import list_parked

    parked = list_parked(config.amqp_uri(), service)
    if not parked:
        typer.echo(f"{service}: no parked events")
        return
    for event in parked:
        typer.echo(f"{event.event_id}  {event.producer}/{event.event_type}  handler={event.handler}  "
                   f"attempts={event.attempts}  parked_at={event.parked_at}\n    error: {event.error}")
    typer.echo(f"{len(parked)} parked event(s)")


@dead_letters.command("replay")
def replay_command(service: str = SERVICE,
                   event_id: list[str] = typer.Option(None, "--event-id", "-e",
                                                      help="replay only these (default: all)")) -> None:
    """Send parked events back to the queue they failed in, with their attempts reset."""
    from crmkit.deadletter import replay

    replayed = replay(config.amqp_uri(), service, set(event_id) if event_id else None)
    for event in replayed:
        typer.echo(f"replayed {event.event_id} {event.event_type} -> {event.queue}")
    typer.echo(f"{len(replayed)} event(s) replayed")
