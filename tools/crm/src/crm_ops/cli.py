"""`crm`: operator tasks for the CRM suite."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import typer

from crmkit.cli import dead_letters
from crm_ops import demo_data, suite

app = typer.Typer(help="Operate the CRM suite.", add_completion=False, no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")
users = typer.Typer(help="Gateway users.", no_args_is_help=True)
app.add_typer(users, name="users")

PROCFILE = Path(__file__).with_name("Procfile")


def _admin() -> tuple[str, str]:
    return os.environ.get("CRM_ADMIN_USERNAME", "admin"), os.environ.get("CRM_ADMIN_PASSWORD", "admin")


@app.command()
def migrate() -> None:
    """Create missing databases, migrate each service and the gateway, declare the queues."""
    suite.migrate_all(dict(os.environ))
    typer.echo("all databases at head; consumer queues declared")


@app.command()
def seed(url: str = typer.Option("http://127.0.0.1:8000", help="gateway base URL"),
         force: bool = typer.Option(False, help="seed even if accounts exist"),
         scale: int = typer.Option(0, min=0, help="instead of the demo dataset: N accounts with related "
                                                  "contacts, leads, products, activities, cases, campaigns "
                                                  "and scheduling resources (see crm_ops.scale_seed)")) -> None:
    """Load the demo dataset through the API (skipped when accounts already exist)."""
    client = demo_data.login(url, *_admin())
    if scale:
        from crm_ops import scale_seed

        with typer.progressbar(length=sum(scale_seed.plan(scale).values()),
                               label=f"seeding at scale {scale:,}") as bar:
            counts = scale_seed.run(client, scale, bar.update)
        typer.echo("seeded: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        return
    if demo_data.already_seeded(client) and not force:
        typer.echo("demo data: accounts exist already; nothing loaded")
        return
    with typer.progressbar(length=demo_data.steps(), label="loading demo accounts and contacts") as bar:
        demo_data.run_with_progress(client, bar.update)


@users.command("create")
def create_user(username: str, password: str = typer.Option(..., prompt=True, hide_input=True),
                admin: bool = typer.Option(False, "--admin", help="give administrator rights")) -> None:
    """Create a gateway user."""
    from crmkit.config import database_url
    from gateway.users import create_user as create

    create(database_url("gateway"), username, password, is_admin=admin)
    typer.echo(f"user {username} created")


@app.command()
def up(port: int = typer.Option(8000, help="gateway port"),
       demo: bool = typer.Option(True, help="load demo data on first start")) -> None:
    """Migrate everything, start the five services and the gateway under honcho, load the demo
    data on first start and print the URL. Ctrl-C stops everything."""
    env = dict(os.environ)
    env.setdefault("CRM_ADMIN_USERNAME", _admin()[0])
    env.setdefault("CRM_ADMIN_PASSWORD", _admin()[1])
    env["CRM_GATEWAY_PORT"] = str(port)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # this venv's python
    typer.echo("migrating databases and declaring queues ...")
    suite.migrate_all(env)
    honcho = subprocess.Popen([sys.executable, "-m", "honcho", "-f", str(PROCFILE), "-d", os.getcwd(), "start"],
                              env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        status = suite.wait_ready(base_url, timeout_s=60)
        typer.echo(f"all services ready: {', '.join(sorted(status['services']))}")
        if demo:
            seed(url=base_url, force=False, scale=0)
        typer.secho(f"\nCRM suite running at {base_url}  (API docs: {base_url}/docs; "
                    f"sign in as {env['CRM_ADMIN_USERNAME']}). Ctrl-C stops it.\n", fg="green", bold=True)
        honcho.wait()
    except KeyboardInterrupt:
        pass  # the terminal sent SIGINT to honcho too; it stops its processes
    finally:
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGINT)
            honcho.wait()
    raise typer.Exit(honcho.returncode or 0)


def main() -> None:
    app(prog_name="crm")


contracts = typer.Typer(help="Consumer-driven event contracts.", no_args_is_help=True)
app.add_typer(contracts, name="contracts")


@contracts.command("record")
def record_contracts(service: list[str] = typer.Option(None, "--service", "-s",
                                                       help="only these services (default: all)")) -> None:
    """Give each consumed event without a consumer fixture a copy of the producer's current
    example (then trim it to the fields the consumer uses)."""
    import importlib

    from crmkit.compatibility import record_missing
    from crmkit.config import SERVICES

    for package in service or SERVICES:
        source_root = Path(importlib.import_module(package).__file__).parent
        for path in record_missing(package, source_root):
            typer.echo(f"recorded {path}")


@contracts.command("check")
def check_contracts() -> None:
    """Check every consumer's fixtures against its producers' current schemas."""
    from crmkit.compatibility import expectations_of, problems, producer_schema
    from crmkit.config import SERVICES

    found = [problem for package in SERVICES for expectation in expectations_of(package)
             for problem in problems(expectation, producer_schema(expectation.producer, expectation.event_type))]
    for problem in found:
        typer.echo(problem)
    if found:
        raise typer.Exit(1)
    typer.echo("every consumer can read what its producers publish")
