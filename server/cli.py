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
    app.cli.add_command(simulate_command)
    app.cli.add_command(figures_command)
    app.cli.add_command(plan_command)
    app.cli.add_command(integration_group)


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing (but print the log-ins) when the database has users.")
@click.option("--history-days", type=click.IntRange(0, 60), default=None,
              help="Weekdays of simulated past activity, ending today (default: three weeks; 0: none).")
def seed_demo(if_empty: bool, history_days: int | None):
    """Load the demo data set: sites, facilities, engineers, catalogue, installed base, weeks of history, jobs."""
    from server.demo.integration import seed_integration
    from server.demo.seed import DEMO_PASSWORD, HISTORY_PLANNER_SECONDS, HISTORY_WEEKDAYS, demo_logins, seed

    passwords = current_app.extensions["fieldloop.passwords"]
    has_users = db.session.execute(db.text("SELECT 1 FROM users LIMIT 1")).first() is not None
    if has_users and if_empty:
        click.echo("The database already has data; leaving it as it is.")
    elif has_users:
        raise click.ClickException("The database already has users. Use a fresh database, or --if-empty.")
    else:
        summary = seed(db.session, passwords, progress=click.echo)
        click.echo(summary)
        days = HISTORY_WEEKDAYS if history_days is None else history_days
        if days:
            result = _simulate_with_progress(days, seed=7, start=None, planner_seconds=HISTORY_PLANNER_SECONDS)
            click.echo(f"History: {len(result.days)} weekdays, {result.days[0]:%a %d %b} to {result.days[-1]:%a %d %b}, "
                       f"{result.jobs_done} jobs done, {result.pickups_collected} pickups collected.")
        click.echo(seed_integration(db.session, current_app.config["SITE_TIMEZONE"]))
    logins = demo_logins(db.session, passwords)
    if not logins:
        click.echo("\nNo user signs in with the demo password any more.")
        return
    click.echo(f"\nDemo log-ins with the password {DEMO_PASSWORD} (other users have passwords of their own):")
    for username, role, name in logins:
        click.echo(f"  {role:<10} {username:<14} {name}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role if r != Role.INTEGRATION]), required=True)
@click.option("--password", help="Asked for when not given.")
@click.option("--display-name")
@click.option("--email")
def create_user(username, role, password, display_name, email):
    """Create an engineer, dispatcher or admin."""
    from server.services.accounts.auth import create_user as create
    from server.services.errors import Invalid
    from server.services.accounts.passwords import validate_new_password

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


@click.group("integration", cls=AppGroup)
def integration_group():
    """Integration accounts: other systems that use the API with keys (docs/integration.md)."""


def _integration_named(name: str):
    import sqlalchemy as sa

    from server.models import Integration

    integration = db.session.scalar(sa.select(Integration).where(
        sa.or_(sa.func.lower(Integration.name) == name.strip().lower(), Integration.source == name.strip())))
    if integration is None:
        raise click.ClickException(f"No integration named {name!r} (give its name or its source).")
    return integration


@integration_group.command("create")
@click.argument("name")
@click.argument("source")
def create_integration_command(name, source):
    """Create an integration NAME whose records are marked SOURCE."""
    from server.services.errors import Invalid
    from server.services.integration import accounts

    try:
        integration = accounts.create_integration(db.session, name, source, by=None)
    except Invalid as err:
        problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in (err.errors or {}).items())
        raise click.ClickException(problems or err.message) from err
    click.echo(f"Created the integration {integration.name} (source {integration.source}, "
               f"account {integration.user.username}). Issue it a key: flask integration key {integration.source}")


@integration_group.command("key")
@click.argument("name")
@click.option("--label", default="issued on the command line", show_default=True, help="Where the key is used.")
def issue_key_command(name, label):
    """Issue a key to the integration NAME (its name or source) and print it: it is shown this once."""
    from server.services.integration import accounts

    key, plain = accounts.issue_key(db.session, _integration_named(name).id, label, by=None)
    click.echo(plain)
    click.echo(f"Key {key.label} (flk_{key.prefix}_...) issued. Copy it now: it is not stored and is not shown "
               "again.", err=True)


@integration_group.command("revoke")
@click.argument("prefix")
def revoke_key_command(prefix):
    """Revoke the key whose prefix (flk_<prefix>_...) is PREFIX."""
    import sqlalchemy as sa

    from server.models import IntegrationKey
    from server.services.integration import accounts

    prefix = prefix.removeprefix("flk_").split("_", 1)[0]
    key_id = db.session.scalar(sa.select(IntegrationKey.id).where(IntegrationKey.prefix == prefix))
    if key_id is None:
        raise click.ClickException(f"No integration key with the prefix {prefix!r}.")
    key = accounts.revoke_key(db.session, key_id, by=None)
    click.echo(f"Key {key.label} (flk_{key.prefix}_...) revoked.")


@click.group("sync", cls=AppGroup)
def sync_group():
    """Sync administration."""


@sync_group.command("rotate-epoch")
def rotate_epoch():
    """Make every phone re-sync from scratch (run after restoring a database backup)."""
    from server.services.sync.sync_state import rotate_epoch as rotate

    click.echo(f"New sync epoch {rotate(db.session)}: every phone will re-sync and keep its unsent entries.")


@click.group("tasks", cls=AppGroup)
def tasks_group():
    """Background tasks."""


@tasks_group.command("run-due")
def run_due_command():
    """Run every background task that is due now, then stop."""
    from server.runner import run_due

    click.echo(f"Ran {run_due(current_app, keep_schedule=True)} task(s).")


def _print_figures(values: dict) -> None:
    rate = values["recovery_rate"]
    click.echo(f"  lines removed           {values['lines_removed']}")
    click.echo(f"  lines received          {values['lines_received']}")
    click.echo(f"  recovery rate           {'–' if rate is None else f'{rate:.1%}'}")
    click.echo(f"  value recovered         {values['value_recovered']:.2f} (expected {values['value_expected']:.2f})")
    click.echo(f"  value still in transit  {values['value_expected_open']:.2f} expected")
    click.echo(f"  cycle time removal→received: median {values['cycle_time_median_days']} days, "
               f"p90 {values['cycle_time_p90_days']} days")
    click.echo("  open lines by age        " + ", ".join(f"{k}: {v}" for k, v in values["open_by_age"].items()))
    click.echo(f"  courier km planned      {values['courier_km_planned']} (one trip per line: "
               f"{values['courier_km_naive']})")
    click.echo(f"  CO2                     {values['co2_kg_planned']} kg (one trip per line: {values['co2_kg_naive']} kg)")


@click.command("figures")
@with_appcontext
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Lines removed from this day on.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Lines removed up to this day.")
def figures_command(since, until):
    """Recovery rate, value, cycle time, open lines, courier km and CO2."""
    from server.services.returns.figures import compute_figures

    _print_figures(compute_figures(db.session, since and since.date(), until and until.date()))


@click.command("plan")
@with_appcontext
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--seconds", type=float, help="Time for the route search.")
def plan_command(day, seconds):
    """Plan (or re-plan) the courier rounds of DAY."""
    from server.services.errors import ServiceError
    from server.services.planning.planning import plan_day

    try:
        plan = plan_day(db.session, day.date(), seconds=seconds)
    except ServiceError as err:  # a past day, one beyond the horizon, one being planned already
        raise click.ClickException(err.message) from err
    click.echo(f"{len(plan.routes)} round(s), {plan.pickups_due} pickup(s) due, {plan.pickups_skipped} left for "
               f"later; {plan.total_distance_km} km (one trip per line: {plan.naive_distance_km} km).")


def _simulate_with_progress(days: int, seed: int, start, planner_seconds: float | None):
    from tqdm import tqdm

    from server.demo.simulation import days_to_simulate, simulate

    app = current_app._get_current_object()
    with app.app_context():
        has_users = db.session.execute(db.text("SELECT 1 FROM users LIMIT 1")).first() is not None
    if not has_users:
        raise click.ClickException("Load the demo data first: flask --app server seed-demo")
    try:
        days_to_simulate(app, days, start)
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    with tqdm(total=days, unit="day", desc="Simulating") as bar:
        return simulate(app, days, seed, start, progress=bar.set_postfix_str, step=lambda: bar.update(1),
                        planner_seconds=planner_seconds)


@click.command("simulate")
@click.option("--days", type=click.IntRange(1, 60), default=5, show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: DAYS weekdays ending today).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--planner-seconds", type=float, help="Route search time per day (default PLANNER_SECONDS).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False),
              help="Write a PNG of stock by grade over the simulated days (needs matplotlib).")
@with_appcontext
def simulate_command(days, start, seed, planner_seconds, plot_path):
    """Replay DAYS weekdays of field activity over the demo data, through the sync API, up to now."""
    if plot_path:
        from server.demo.stock_plot import check_plotting

        check_plotting()
    result = _simulate_with_progress(days, seed, start and start.date(), planner_seconds)
    click.echo(f"\n{len(result.days)} days from {result.days[0]:%a %d %b %Y}: {result.jobs_done} jobs, "
               f"{result.events_accepted}/{result.events_pushed} events accepted, "
               f"{result.pickups_collected} pickups collected.")
    click.echo(f"Mail delivered to {current_app.config['SMTP_HOST'] or current_app.config['MAIL_FOLDER']}.")
    click.echo("Figures for the lines removed during the simulation:")
    _print_figures(result.figures)
    _print_loop(result)
    if plot_path:
        from server.demo.stock_plot import plot_stock

        plot_stock(result.stock_by_day, result.queue_by_day, plot_path)
        click.echo(f"Stock by grade plotted in {plot_path}.")


def _print_loop(result) -> None:
    values = result.figures
    received, removed = result.settled_lines
    circular = values.get("circularity_rate")
    click.echo("The closed loop:")
    click.echo(f"  recovery rate, lines removed 7+ days before the end: "
               f"{received / removed:.1%} ({received} of {removed})" if removed else
               "  recovery rate, lines removed 7+ days before the end: – (none)")
    click.echo(f"  circularity rate        {'–' if circular is None else f'{circular:.1%}'} "
               f"({values['installs_circular']} of {values['installs']} installs from refurbished or reused units)")
    click.echo(f"  replacements            {result.deliveries_arrived} deliveries arrived; {result.jobs_put_off} "
               f"jobs put off for a shortage; {result.units_bought} new units bought in for shortages; "
               f"units short at the end: {result.shortages_open}")
    click.echo(f"  refurbishment           {result.refurbished} refurbished, {result.refurbishments_failed} failed; "
               f"queue at the end {result.queue_by_day[-1][1] if result.queue_by_day else 0}")
    click.echo(f"  value at risk           {values['value_at_risk']:.2f}; written off {values['value_written_off']:.2f}")
    per_line = values["co2e_avoided_kg_per_line"]
    click.echo(f"  CO2e avoided            {values['co2e_avoided_kg']} kg"
               f" ({'–' if per_line is None else per_line} kg per line decided)")
