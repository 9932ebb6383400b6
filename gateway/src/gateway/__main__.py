"""`python -m gateway migrate` and `python -m gateway run`."""
from __future__ import annotations

import typer

cli = typer.Typer(help="The CRM gateway (public HTTP API).", add_completion=False)


@cli.command()
def migrate() -> None:
    """Create the gateway database if missing and migrate it to head; declare the webhook
    queue (bound to every producer's events) unless webhooks are off."""
    import asyncio

    from crmkit.config import database_url
    from crmkit.migrations import upgrade
    from gateway.config import Settings
    from gateway.webhooks_consumer import declare_topology

    upgrade("gateway", database_url("gateway"))
    typer.echo("gateway: database at head")
    settings = Settings.from_env()
    if settings.webhooks_enabled:
        asyncio.run(declare_topology(settings.amqp_uri))
        typer.echo("gateway: webhook queue declared")


@cli.command()
def run(host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
        port: int = typer.Option(8000, help="TCP port")) -> None:
    """Serve the API with uvicorn until SIGTERM / Ctrl-C."""
    import uvicorn
    from crmkit import logs, tracing
    from crmkit.config import env

    # JSON lines with the request's id (CRM_LOG_FORMAT=text for a terminal); uvicorn's access
    # log goes through the same handler, inside the request's context.
    logs.configure("gateway", env("CRM_LOG_FORMAT", "json"))
    tracing.setup("gateway")
    # One worker per process: Prometheus counters live in the process, so scale out with
    # more processes (replicas), each scraped on its own.
    uvicorn.run("gateway.app:create_app", factory=True, host=host, port=port,
                proxy_headers=True, log_config=None)


def main() -> None:
    cli(prog_name="python -m gateway")


if __name__ == "__main__":
    main()
