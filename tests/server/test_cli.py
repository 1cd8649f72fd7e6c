"""Operator commands: demo data, users, sync epoch."""

import sqlalchemy as sa

from server.models import Customer, Facility, Job, PartNumber, SerialisedItem, ServerState, Site, User


NO_HISTORY = ["--history-days", "0"]  # the history has tests of its own (tests/console/test_console_demo_history.py)


def test_seed_demo_builds_a_realistic_data_set_and_prints_the_log_ins(app, session):
    result = app.test_cli_runner().invoke(args=["seed-demo", *NO_HISTORY])
    assert result.exit_code == 0, result.output
    assert "Demo log-ins with the password fieldloop-demo" in result.output
    assert "disp.dana" in result.output and "eng.amy" in result.output
    counts = {m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in (Site, Facility, PartNumber, SerialisedItem, Job, Customer)}
    assert counts["Site"] == 40 and counts["Facility"] == 3 and 55 <= counts["PartNumber"] <= 65
    assert counts["SerialisedItem"] > 200 and counts["Job"] >= 16
    roles = dict(session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    assert roles == {"engineer": 8, "dispatcher": 1, "admin": 1, "integration": 1}  # the company ERP
    kinds = set(session.scalars(sa.select(Facility.kind)))
    assert kinds == {"depot", "refurbishment_centre", "recycler"}
    assert session.scalar(sa.select(sa.func.count()).select_from(PartNumber).where(PartNumber.hazardous)) > 0
    assert all(s.access_hours and s.contact_email for s in session.scalars(sa.select(Site)))


def test_the_demo_refurbishment_centre_alone_has_a_bench_of_14_hours_per_weekday(app, session):
    app.test_cli_runner().invoke(args=["seed-demo", *NO_HISTORY])
    benches = dict(session.execute(sa.select(Facility.code, Facility.bench_hours_per_weekday)).all())
    assert benches == {"TPK": 0.0, "SQR": 16.0, "OCR": 0.0}


def test_seed_demo_is_deterministic(app, database_url, tmp_path):
    import shutil

    from server import create_app
    from app_settings import TEST_CONFIG

    def snapshot(url):
        other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        other.test_cli_runner().invoke(args=["seed-demo", *NO_HISTORY])
        with other.app_context():
            from server.extensions import db

            rows = db.session.execute(sa.select(Site.name, Site.address, Site.latitude)).all()
            serials = db.session.scalars(sa.select(SerialisedItem.serial).order_by(SerialisedItem.id)).all()
            db.engine.dispose()
        return rows, serials

    if not database_url.startswith("sqlite"):
        import pytest

        pytest.skip("compares two fresh SQLite copies")
    copy = tmp_path / "second.db"
    shutil.copy(sa.make_url(database_url).database, copy)
    assert snapshot(database_url) == snapshot(f"sqlite:///{copy}")


def test_seed_demo_refuses_a_database_with_users_unless_asked_to_leave_it(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", *NO_HISTORY])
    again = runner.invoke(args=["seed-demo", *NO_HISTORY])
    assert again.exit_code != 0 and "already has users" in again.output
    kept = runner.invoke(args=["seed-demo", "--if-empty"])
    assert kept.exit_code == 0 and "leaving it as it is" in kept.output and "eng.amy" in kept.output


def test_on_a_restart_only_users_who_still_have_the_demo_password_are_printed_with_it(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", *NO_HISTORY])
    runner.invoke(args=["create-user", "ops.olga", "--role", "dispatcher", "--password", "olgas own password"])
    ben = session.scalar(sa.select(User).where(User.username == "eng.ben"))
    ben.password_hash = app.extensions["fieldloop.passwords"].hash("bens new password")
    session.commit()
    restart = runner.invoke(args=["seed-demo", "--if-empty"])
    assert restart.exit_code == 0, restart.output
    listed = restart.output.split("fieldloop-demo", 1)[1]
    assert "eng.amy" in listed and "disp.dana" in listed
    assert "ops.olga" not in restart.output and "eng.ben" not in restart.output


def test_create_user_makes_a_user_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(args=["create-user", "ops.olga", "--role", "dispatcher",
                                                "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    from phones import Phone

    assert Phone(client=client).sign_in("ops.olga", "a long enough password").status == 200


def test_create_user_refuses_a_short_password_or_a_taken_name(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "x", "--role", "engineer", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    runner.invoke(args=["create-user", "y", "--role", "engineer", "--password", "long enough pw"])
    taken = runner.invoke(args=["create-user", "y", "--role", "engineer", "--password", "long enough pw"])
    assert taken.exit_code != 0 and "taken" in taken.output


def test_rotate_epoch_changes_the_epoch(app, session):
    before = session.get(ServerState, 1).epoch
    result = app.test_cli_runner().invoke(args=["sync", "rotate-epoch"])
    assert result.exit_code == 0
    session.rollback()
    assert session.get(ServerState, 1).epoch != before


def test_planning_a_past_day_on_the_command_line_says_why_without_a_traceback(app):
    result = app.test_cli_runner().invoke(args=["plan", "2020-01-15"])
    assert result.exit_code == 1 and "Wednesday 15 January 2020 is past" in result.output


def test_seed_demo_opens_the_stock_ledger_in_the_past_with_targets_policies_and_bench_hours(app, session):
    from common.enums import GradePolicy, StockLocationKind
    from server.models import StockLocation, StockMovement, StockTarget
    from server.models.types import utcnow

    assert app.test_cli_runner().invoke(args=["seed-demo", *NO_HISTORY]).exit_code == 0

    assert session.scalar(sa.select(sa.func.max(StockMovement.occurred_at))) <= utcnow()
    kinds = set(session.scalars(sa.select(StockLocation.kind).join(
        StockMovement, StockMovement.to_location_id == StockLocation.id)))
    assert kinds == {StockLocationKind.FACILITY, StockLocationKind.VAN}
    vans = session.scalar(sa.select(sa.func.count()).select_from(StockLocation).where(
        StockLocation.kind == StockLocationKind.VAN))
    assert vans == 8
    assert session.scalar(sa.select(sa.func.count()).select_from(StockTarget)) > 20
    policies = dict(session.execute(sa.select(PartNumber.part_number, PartNumber.grade_policy)).all())
    assert policies["MED-BAT-V12"] == GradePolicy.NEW_ONLY and policies["PRN-FUS-220"] == GradePolicy.REFURBISHED_FIRST
    centre = session.scalar(sa.select(Facility).where(Facility.kind == "refurbishment_centre"))
    assert centre.bench_hours_per_weekday > 0
    assert session.scalar(sa.select(PartNumber.refurbishment_hours).where(PartNumber.part_number == "PRN-FUS-220")) > 0
