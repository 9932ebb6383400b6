"""The thin command line of every service: `python -m <service> run|migrate|dead-letters ...`."""
from __future__ import annotations

import sys

import typer

from crmkit.config import ServiceConfig


def service_cli(package: str, service_cls) -> typer.Typer:
    app = typer.Typer(help=f"The {service_cls.name} service.", add_completion=False)
    name = service_cls.name

    @app.command()
    def migrate() -> None:
        """Create the database if missing, migrate it to head, declare the bus topology."""
        from crmkit.migrations import upgrade
        from crmkit.topology import declare_service_topology

        config = ServiceConfig.from_env(name)
        upgrade(package, config.database_url)
        queues = declare_service_topology(config.amqp_uri, name, service_cls, config.consumer)
        typer.echo(f"{name}: database at head; {len(queues)} consumer queues declared")

    @app.command()
    def run() -> None:
        """Run the service until SIGTERM / Ctrl-C."""
        from nameko.cli.run import run as nameko_run

        from crmkit import green, logs, tracing
        from crmkit.config import env
        from crmkit.topology import declare_service_topology

        green.patch()
        logs.configure(name, env("CRM_LOG_FORMAT", "json"))
        tracing.setup(name)
        config = ServiceConfig.from_env(name)
        declare_service_topology(config.amqp_uri, name, service_cls, config.consumer)
        nameko_run([service_cls], config.nameko_config())

    return app


def main(package: str, service_cls) -> None:
    # eventlet must patch before kombu/psycopg open sockets; `run` patches first thing, and
    # the services' __main__ imports nothing socket-using before calling this.
    service_cli(package, service_cls)(args=sys.argv[1:], prog_name=f"python -m {package}")
