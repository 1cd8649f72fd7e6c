"""Operator commands: ``flask --app server <command>``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from common.enums import Role
from server.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(sync_group)
    app.cli.add_command(tasks_group)


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing (but print the log-ins) when the database has users.")
def seed_demo(if_empty: bool):
    """Load the demo data set: sites, facilities, engineers, catalogue, installed base, jobs."""
    from server.demo.seed import DEMO_PASSWORD, demo_logins, seed

    has_users = db.session.execute(db.text("SELECT 1 FROM users LIMIT 1")).first() is not None
    if has_users and if_empty:
        click.echo("The database already has data; leaving it as it is.")
    elif has_users:
        raise click.ClickException("The database already has users. Use a fresh database, or --if-empty.")
    else:
        summary = seed(db.session, current_app.extensions["fieldloop.passwords"], progress=click.echo)
        click.echo(summary)
    click.echo(f"\nDemo log-ins (password for all: {DEMO_PASSWORD}):")
    for username, role, name in demo_logins(db.session):
        click.echo(f"  {role:<10} {username:<14} {name}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Asked for when not given.")
@click.option("--display-name")
@click.option("--email")
def create_user(username, role, password, display_name, email):
    """Create an engineer, dispatcher or admin."""
    from server.services.auth import create_user as create
    from server.services.errors import Invalid
    from server.services.passwords import validate_new_password

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_new_password(password)
        user = create(
            db.session, current_app.extensions["fieldloop.passwords"], username=username, role=Role(role),
            password=password, display_name=display_name, email=email,
        )
    except (ValueError, Invalid) as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Created {user.role} {user.username} (id {user.id}).")


@click.group("sync", cls=AppGroup)
def sync_group():
    """Sync administration."""


@sync_group.command("rotate-epoch")
def rotate_epoch():
    """Make every phone re-sync from scratch (run after restoring a database backup)."""
    from server.services.sync_state import rotate_epoch as rotate

    click.echo(f"New sync epoch {rotate(db.session)}: every phone will re-sync and keep its unsent entries.")


@click.group("tasks", cls=AppGroup)
def tasks_group():
    """Background tasks."""


@tasks_group.command("run-due")
def run_due_command():
    """Run every background task that is due now, then stop."""
    from server.runner import run_due

    click.echo(f"Ran {run_due(current_app)} task(s).")
