"""The real app in a real window (Xvfb), driven by touches and typed text against the real server.

The scenario lives in mobile_ui_driver.py and runs in its own process. Set
FIELDLOOP_SCREENSHOT_DIR (e.g. to docs/screenshots) to keep the screenshots
it takes of the main screens.
"""

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import factories as make
from common.enums import Disposition, HolderKind, MovementKind, ReturnStatus, StockGrade, StockLocationKind, TravelMode
from factories import next_weekday
from phones import Phone as ProtocolPhone
from server.models import ApiToken, Device, FieldEvent, ReturnLine
from server.runner import run_due
from server.services.returns.overrides import override_disposition
from server.services.planning.planning import plan_day
from server.services.stock.ledger import balance, location_for, record_movement
from server.services.work.jobs import update_job
from stock_fixtures import supply

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("mobile_ui_driver.py")
SCENARIO_TIMEOUT_S = 150


@pytest.fixture
def display():
    """A private X display (Xvfb picks a free number and tells us through a pipe)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package: xvfb); the UI test needs an X display")
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], 20)
    number = os.read(read_end, 32).decode().strip() if ready else ""
    os.close(read_end)
    if not number:
        xvfb.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_app(scenario: str, display: str, server_url: str, link_port: int, data: Path, kivy_home: Path,
            password: str = make.PASSWORD, **env_extra: str) -> str:
    """Run one scenario of mobile_ui_driver.py against the app; fail with its report if it fails; return its output."""
    shots = os.environ.get("FIELDLOOP_SCREENSHOT_DIR")
    command = [sys.executable, str(DRIVER), "--scenario", scenario, "--server", server_url, "--data", str(data),
               "--link-port", str(link_port), "--password", password]
    command += ["--shots", str(Path(shots).resolve())] if shots else []
    env = {**os.environ, "DISPLAY": display, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
           "KIVY_HOME": str(kivy_home), "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1", **env_extra}
    run = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_S)
    assert run.returncode == 0, f"{scenario}:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
    return run.stdout


@pytest.mark.slow
def test_an_engineer_works_a_day_offline_and_online_in_the_real_app(display, live_server, world, session, tmp_path):
    link_port = free_port()
    output = run_app("first-day", display, live_server.url, link_port, tmp_path / "app", tmp_path / "kivy")
    [effort] = re.findall(r"EFFORT standard swap: (\d+) taps, (\d+) typed characters", output)
    taps, typed = map(int, effort)
    assert taps <= 6 and typed == 0
    # docs/mobile.md gives the figure this run demonstrates.
    assert f"| now | {taps} | {typed} |" in (ROOT / "docs" / "mobile.md").read_text()
    session.rollback()
    session.execute(sa.update(ApiToken).values(expires_at=make.now() - timedelta(minutes=1)))
    session.commit()
    run_app("after-restart", display, live_server.url, link_port, tmp_path / "app", tmp_path / "kivy")

    session.rollback()
    stored = (session.query(FieldEvent).join(Device, FieldEvent.device_id == Device.id)
              .filter(Device.label.startswith("Fieldloop app")).order_by(FieldEvent.seq).all())
    assert [(e.seq, e.type, e.body["payload"].get("serial"), e.status) for e in stored] == [
        (1, "part_removed", "AR00000001", "accepted"),
        (2, "part_installed", "AR55500001", "accepted"),
        (3, "equipment_collected", "AR00000077", "rejected"),
        (4, "equipment_collected", "AR00000100", "accepted"),
        (5, "return_handed_over", None, "accepted"),
        (6, "job_completed", None, "accepted"),
    ]
    # The swap was saved whole: its install names its removal (protocol v2).
    assert stored[1].body["payload"]["replaces"] == str(stored[0].id)


@pytest.mark.slow
def test_at_a_large_font_scale_the_phone_says_what_to_carry_back_and_what_to_leave_for_the_courier(
        display, app, live_server, logistics, session, tmp_path):
    # Amy removed, from another phone, a fuser (light, on her way: carry back), a hazardous battery and a 95 kg
    # printer (left at the site for a courier, whose visit is planned), and a roller kit that goes to the
    # recycler, off her way: a courier collects it too, once she has left it at the site.
    earlier_phone = ProtocolPhone(base_url=live_server.url)
    earlier_phone.sign_in("amy")
    job = logistics.world.amy_job.id
    removals = [earlier_phone.new_event("part_removed", job, part_number=part, serial=serial, condition="faulty")
                for part, serial in (("PRN-FUS-220", "AR00000001"), ("MED-BAT-V12", "MD00000001"),
                                     ("PRN-MFP-C550", "AR55555555"), ("PRN-RLR-KIT", None))]
    assert {r["status"] for r in earlier_phone.push(removals).json["results"]} == {"accepted"}
    run_due(app)
    plan_day(session, next_weekday(date.today()), logistics.world.dana)
    rollers = override_disposition(session, uuid.UUID(removals[3]["id"]), Disposition.RECYCLE, "worn out",
                                   logistics.world.dana)
    assert (rollers.travel_mode, rollers.holder_kind) == (TravelMode.COURIER_PICKUP, HolderKind.ENGINEER)
    run_app("courier-day", display, live_server.url, free_port(), tmp_path / "app", tmp_path / "kivy",
            KIVY_METRICS_FONTSCALE="1.5")


@pytest.mark.slow
def test_the_van_stock_screen_shows_an_offline_install_at_once_and_the_servers_count_after_sync(
        display, live_server, world, session, tmp_path):
    van = location_for(session, StockLocationKind.VAN, world.amy.id)
    record_movement(session, MovementKind.TRANSFER, "van-load", part_number_id=world.fuser.id, quantity=2,
                    target=(van, StockGrade.NEW), reason="Loaded at the depot")
    session.commit()

    run_app("van-stock", display, live_server.url, free_port(), tmp_path / "app", tmp_path / "kivy")

    session.rollback()
    assert balance(session, van.id, world.fuser.id, StockGrade.NEW) == 1


def test_at_completion_the_phone_asks_about_an_expected_part_and_sends_why_it_was_not_removed(
        display, live_server, world, session, tmp_path):
    run_app("leak-question", display, live_server.url, free_port(), tmp_path / "app", tmp_path / "kivy")

    session.rollback()
    line = session.scalar(sa.select(ReturnLine).where(ReturnLine.job_id == world.amy_job.id))
    assert (line.status, line.part.part_number) == (ReturnStatus.UNCONFIRMED, "PRN-FUS-220")
    assert line.not_returned_reason == "The customer keeps the old fuser as a spare"


@pytest.mark.slow
def test_a_revoked_phone_explains_itself_refuses_sign_out_and_syncs_once_reenabled(
        display, live_server, world, session, tmp_path):
    run_app("revoked", display, live_server.url, free_port(), tmp_path / "app", tmp_path / "kivy")

    session.rollback()
    device = session.scalar(sa.select(Device).where(Device.user_id == world.amy.id))
    stored = session.scalars(sa.select(FieldEvent).where(FieldEvent.device_id == device.id)).all()
    assert [(e.seq, e.type, e.status) for e in stored] == [(1, "job_completed", "accepted")]
    assert device.revoked_at is None and device.reported_seq == 1


@pytest.mark.slow
def test_after_a_reset_the_app_asks_for_a_new_password_before_the_day_opens(display, live_server, app, world, session,
                                                                            tmp_path):
    from mobile_ui_driver import NEW_PASSWORD
    from server.services.accounts import password_changes

    password_changes.reset_password(session, app.extensions["fieldloop.passwords"], user_id=world.amy.id,
                                    new_password="temporary password 1", reset_by=world.dana)
    run_app("password-reset", display, live_server.url, free_port(), tmp_path / "app", tmp_path / "kivy",
            password="temporary password 1")
    assert ProtocolPhone(base_url=live_server.url).sign_in("amy", NEW_PASSWORD).status == 200


@pytest.mark.slow
def test_the_phone_shows_what_waits_at_the_depot_and_what_is_coming_to_the_site(
        display, live_server, world, session, tmp_path):
    # The fuser is on the shelf at Amy's depot; the roller kit is far away, too far for the depot shuttle in time
    # for a job tomorrow: a courier brings it to the site.
    world.amy.home_facility_id = world.depot.id
    centre = make.facility(session, "LDS", latitude=53.80, longitude=-1.55)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED)
    supply(session, StockLocationKind.FACILITY, centre.id, world.rollers, StockGrade.NEW)
    start = make.now() + timedelta(hours=30)
    update_job(session, world.amy_job.id, {
        "window_start": start, "window_end": start + timedelta(hours=2),
        "expected_parts": [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"},
                           {"part_number": "PRN-RLR-KIT", "quantity": 1, "action": "replace"}]}, world.dana)
    run_app("replacements", display, live_server.url, free_port(), tmp_path / "app", tmp_path / "kivy")
