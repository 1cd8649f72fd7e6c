"""End to end in a real browser (Debian's Chromium through Playwright) against a live server.

Each scenario is what a person does: a dispatcher working a line a phone just pushed, planning a
day and reading the map, importing a CSV with a bad row; a customer answering the email they
received through a real SMTP server. Run with CONSOLE_SCREENSHOTS=1 to refresh docs/screenshots/.
"""

import email
import re
import struct
import threading
import uuid
import zlib
from datetime import date, timedelta
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from common.enums import Disposition, PickupStatus
from factories import next_weekday
from phones import Phone
from server.models import PartNumber, Pickup, ReturnLine
from server.runner import run_due

DAY = next_weekday(date.today())


def remove_part(live_server, part_number: str, serial: str, job_id: int) -> uuid.UUID:
    """Amy's phone pushes a removal over real HTTP, as the field app does."""
    phone = Phone(base_url=live_server.url)
    assert phone.sign_in("amy").status == 200
    ev = phone.new_event("part_removed", job_id, part_number=part_number, serial=serial, condition="faulty",
                         failure_code="electrical")
    r = phone.push([ev])
    assert r.status == 200 and r.json["results"][0]["status"] == "accepted"
    return uuid.UUID(ev["id"])


def test_a_dispatcher_overrides_the_disposition_of_a_line_a_phone_just_pushed(
        app, live_server, laptop, yard, session, sign_in_as, shoot):
    line_id = remove_part(live_server, "PRN-FUS-220", "AR00000001", yard.amy_job.id)
    run_due(app)  # the logistics engine decides the new line

    sign_in_as(laptop, "dana")
    expect(laptop.locator("body")).to_have_attribute("data-charts-ready", "10")
    laptop.get_by_role("link", name="Returns").click()
    row = laptop.locator("#returns tbody tr", has_text="AR00000001")
    expect(row).to_contain_text("North Office")
    expect(row).to_contain_text("Amy")

    row.get_by_role("link").click()
    expect(laptop.locator("#custody")).to_contain_text("North Office")
    expect(laptop.locator("#reason")).not_to_be_empty()
    laptop.get_by_label("New disposition").select_option("recycle")
    laptop.get_by_role("button", name="Override").click()
    expect(laptop.locator("#comment-error")).to_have_text("A comment is required: say why you override the engine.")

    laptop.get_by_label("Why (required)").fill("The customer says it was dropped in water.")
    laptop.get_by_role("button", name="Override").click()
    expect(laptop.get_by_role("status")).to_contain_text("Disposition overridden")
    expect(laptop.locator("#current-disposition")).to_have_text("Recycle")
    expect(laptop.locator("#decisions")).to_contain_text("dropped in water")
    session.rollback()
    assert session.get(ReturnLine, line_id).disposition == Disposition.RECYCLE


def png_tile() -> bytes:
    """A 256 × 256 pale-green PNG, made here: the tile server needs no file."""
    width = height = 256
    raw = b"".join(b"\x00" + bytes((222, 235, 222)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def tile_server():
    """Map tiles on loopback: every /z/x/y.png is the same plain tile."""
    tile = png_tile()

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()
    server.server_close()


@pytest.fixture
def planned_printer_pickup(app, live_server, laptop, yard, sign_in_as):
    """Amy leaves a 95 kg printer at the site; Dana plans the day in the console."""
    remove_part(live_server, "PRN-MFP-C550", "AR55555555", yard.amy_job.id)
    run_due(app)
    sign_in_as(laptop, "dana")
    laptop.goto(f"/console/routes?day={DAY}")
    expect(laptop.locator("#plan-summary")).to_have_text("No plan for this day yet.")
    laptop.get_by_role("button", name="Plan this day").click()
    expect(laptop.locator("#plan-run")).to_contain_text("Planning…")
    run_due(app)
    # The page reloads itself while the plan is being made.
    expect(laptop.locator("#plan-run")).to_contain_text("1 route(s)", timeout=15_000)
    return laptop


def test_a_dispatcher_plans_a_day_and_reads_the_routes_without_map_tiles(planned_printer_pickup, shoot):
    page = planned_printer_pickup
    expect(page.locator("#route-1 table")).to_contain_text("North Office")
    expect(page.locator("#route-1 h2")).to_contain_text("Van 1")
    expect(page.locator("#map-note")).to_contain_text("No map tiles are configured")
    expect(page.locator("#route-drawing svg polyline")).to_have_count(1)
    expect(page.locator("#map")).to_be_hidden()


def test_with_a_tile_server_the_routes_are_on_a_leaflet_map(app, planned_printer_pickup, tile_server, shoot):
    app.config["MAP_TILE_URL"] = tile_server
    page = planned_printer_pickup
    page.reload()
    expect(page.locator("#map-note")).to_have_attribute("data-reason", "tiles-loaded")
    expect(page.locator("#map .leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator("#map path.leaflet-interactive").first).to_be_attached()
    expect(page.locator("#route-drawing")).to_be_hidden()
    shoot(page, "routes-map")


def test_when_the_tiles_cannot_load_the_map_falls_back_to_the_drawing(app, planned_printer_pickup, closed_port):
    app.config["MAP_TILE_URL"] = f"http://127.0.0.1:{closed_port}/{{z}}/{{x}}/{{y}}.png"
    page = planned_printer_pickup
    page.reload()
    expect(page.locator("#map-note")).to_have_attribute("data-reason", "tiles-failed")
    expect(page.locator("#map-note")).to_contain_text("could not be loaded")
    expect(page.locator("#route-drawing svg")).to_be_visible()
    expect(page.locator("#route-1 table")).to_contain_text("North Office")


def test_a_move_to_a_sunday_is_refused_under_the_pickup_with_the_sites_opening_days(planned_printer_pickup):
    page = planned_printer_pickup
    sunday = DAY + timedelta(days=6 - DAY.weekday())
    row = page.locator("#route-1 tbody tr").first
    row.locator("input[type=date]").fill(sunday.isoformat())
    row.get_by_role("button", name="Move").click()
    expect(page.locator("#route-1 .field-error")).to_contain_text("is closed on Sunday")
    expect(page.locator("#route-1 .field-error")).to_contain_text("it is open Monday to Friday")


CATALOGUE_WITH_A_BAD_ROW = """part_number,description,category,vendor,new_price,refurbishment_cost,weight_kg,volume_l
NET-SW-24,24-port switch,network,Netvale,480.00,60,3.1,12
NET-PSU-1,Switch power supply,network,Netvale,85,10,0.9,2
NET-AP-5,Access point,network,Netvale,lots,20,0.5,1
NET-RTR-8,Branch router,network,Netvale,620,75,1.8,6
"""


def test_a_csv_with_one_bad_row_shows_the_row_error_and_imports_nothing(laptop, yard, session, sign_in_as, shoot):
    sign_in_as(laptop, "dana")
    laptop.get_by_role("link", name="Data").click()
    laptop.get_by_label("What").select_option("catalogue")
    laptop.get_by_label("CSV file").set_input_files(
        files=[{"name": "network-parts.csv", "mimeType": "text/csv", "buffer": CATALOGUE_WITH_A_BAD_ROW.encode()}])
    laptop.get_by_role("button", name="Preview").click()
    expect(laptop.locator("#import-summary")).to_contain_text("1 of 4 rows have errors. Nothing will be imported")
    expect(laptop.locator("#line-4")).to_contain_text("'lots' is not a number.")
    expect(laptop.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).where(PartNumber.part_number.like("NET-%"))) == 0


def test_a_customer_asks_for_another_day_from_the_emailed_link_and_the_dispatcher_sees_it(
        app, live_server, smtp_server, phone_screen, laptop, yard, session, sign_in_as, shoot):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, PUBLIC_BASE_URL=live_server.url)
    remove_part(live_server, "PRN-MFP-C550", "AR55555555", yard.amy_job.id)
    run_due(app)
    from server.services.planning.planning import plan_day

    plan_day(session, DAY, yard.dana)
    run_due(app)  # the outbox hands the pickup email to the SMTP server

    (envelope,) = [e for e in smtp_server.handler.received if "sam@northfield.example" in e.rcpt_tos]
    message = email.message_from_bytes(envelope.content, policy=email_policy.default)
    text = message.get_body(("plain",)).get_content()
    link = re.search(re.escape(live_server.url) + r"/pickup/[A-Za-z0-9_.\-]+", text).group(0)

    phone_screen.goto(link)
    expect(phone_screen.locator("#window")).to_contain_text(f"{DAY:%A %d %B %Y}")
    expect(phone_screen.locator("#items")).to_contain_text("AR55555555")
    expect(phone_screen.locator("#items")).to_contain_text("Waiting for collection")

    saturday = DAY + timedelta(days=(5 - DAY.weekday()) % 7 or 7)
    phone_screen.get_by_label("Or ask for another day").fill(saturday.isoformat())
    phone_screen.get_by_role("button", name="Ask for this day").click()
    expect(phone_screen.locator("#another_day-error")).to_contain_text("closed on Saturdays")

    later = next_weekday(DAY)
    phone_screen.get_by_label("Or ask for another day").fill(later.isoformat())
    phone_screen.get_by_role("button", name="Ask for this day").click()
    expect(phone_screen.get_by_role("status")).to_contain_text("we will plan the pickup for the day you chose")
    expect(phone_screen.locator("#your-answer")).to_contain_text("Asked for another day")
    shoot(phone_screen, "customer-answered-phone")

    sign_in_as(laptop, "dana")
    laptop.goto(f"/console/routes?day={later}")
    waiting = laptop.locator("#waiting")
    expect(waiting).to_contain_text("North Office")
    expect(waiting).to_contain_text("Asked for another day")
    expect(waiting).to_contain_text(f"{later:%a %d %b %Y}")
    session.rollback()
    assert session.scalar(sa.select(Pickup)).status == PickupStatus.OPEN


def test_every_console_page_fits_a_phone_screen(phone_screen, yard, make_lines, sign_in_as, shoot):
    make_lines(3)
    sign_in_as(phone_screen, "dana")
    for path in ("/console/", "/console/returns", "/console/routes", "/console/bench", "/console/jobs",
                 "/console/overdue", "/console/reviews", "/console/data", "/console/users", "/console/shortages",
                 f"/console/sites/{yard.north.id}"):
        phone_screen.goto(path)
        overflow = phone_screen.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a phone screen"
    phone_screen.goto("/console/returns")
