"""Fixtures for the console tests: a small yard of data, a console client that speaks HTML forms,
a SQL statement counter, rows made in bulk, and a real browser (Debian's Chromium via Playwright)."""

import os
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

import factories as make
from loopback_servers import closed_port  # noqa: F401  (fixture)
from common.enums import (
    Disposition, FacilityKind, HolderKind, PickupStatus, ReturnStatus, Role, TravelMode,
)
from server.extensions import db
from server.models import (
    CourierPlan, CourierRoute, CourierStop, CustodyEntry, Pickup, ReturnLine, Site, Vehicle,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}



@dataclass
class Yard:
    dana: object
    root: object
    amy: object
    ben: object
    depot: object
    refurb: object
    recycler: object
    van: object
    fuser: object
    printer: object
    north: object
    south: object
    amy_job: object
    ben_job: object


@pytest.fixture
def yard(session) -> Yard:
    """Two engineers with a job each, a dispatcher, an admin, a depot with a van, a refurbishment
    centre, a recycler, a fuser and a heavy printer installed at two sites."""
    amy = make.user(session, "amy")
    ben = make.user(session, "ben")
    dana = make.user(session, "dana", Role.DISPATCHER, display_name="Dana Dispatcher")
    root = make.user(session, "root", Role.ADMIN)
    depot = make.facility(session, "TPK")
    refurb = make.facility(session, "SQR", FacilityKind.REFURBISHMENT_CENTRE, ("refurbish", "stock", "hazardous"),
                           53.470, -2.294)
    recycler = make.facility(session, "OCR", FacilityKind.RECYCLER, ("recycle", "scrap", "hazardous"), 53.527, -2.146)
    for engineer in (amy, ben):
        engineer.home_facility_id = depot.id
    van = Vehicle(name="Van 1", depot_id=depot.id, capacity_weight_kg=800, capacity_volume_l=6000,
                  shift_start=time(8, 0), shift_end=time(17, 0))
    session.add(van)
    session.commit()
    fuser = make.part(session, "PRN-FUS-220")
    printer = make.part(session, "PRN-MFP-C550", description="Colour MFP C550", new_price=4200, refurbishment_cost=380,
                        residual_value=650, weight_kg=95.0, volume_l=450.0, vendor_warranty_days=730)
    north = make.site(session, "North Office", customer="Northfield Dental", contact_email="sam@northfield.example")
    south = make.site(session, "South Office", customer="Southgate Print", latitude=53.40, longitude=-2.15)
    make.installed_item(session, fuser, north, "AR00000001")
    make.installed_item(session, fuser, south, "AR00000002")
    make.installed_item(session, printer, north, "AR55555555", days_ago=900)
    amy_job = make.job(session, north, amy, dana)
    ben_job = make.job(session, south, ben, dana)
    return Yard(dana, root, amy, ben, depot, refurb, recycler, van, fuser, printer, north, south, amy_job, ben_job)


class Console:
    """The Flask test client, used like a browser without JavaScript: pages, forms, CSRF tokens."""

    def __init__(self, client):
        self.client = client

    def _request(self, method, url: str, **kwargs):
        # Each request in an app context of its own, as in a server: a fresh `g` and an empty
        # identity map (the test's own context would otherwise hide queries and leak `g`).
        with self.client.application.app_context():
            response = method(url, **kwargs)
            response.get_data()
            return response

    def get(self, url: str, **kwargs):
        return self._request(self.client.get, url, **kwargs)

    def post_raw(self, url: str, data: dict | None = None, **kwargs):
        """A POST without the CSRF token."""
        return self._request(self.client.post, url, data=data or {}, **kwargs)

    def csrf(self) -> str:
        page = self.get("/console/sign-in").get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.post_raw(url, {"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def sign_in(self, username: str, password: str = make.PASSWORD):
        return self.post("/console/sign-in", {"username": username, "password": password})


@pytest.fixture
def console(client) -> Console:
    return Console(client)


@pytest.fixture
def other_browser(app) -> Console:
    """A second console client with cookies of its own, as another browser would be."""
    return Console(app.test_client())


@pytest.fixture
def dispatcher(console, yard) -> Console:
    """A console client signed in as Dana, a dispatcher."""
    assert console.sign_in("dana").status_code == 302
    return console


@pytest.fixture
def admin(console, yard) -> Console:
    assert console.sign_in("root").status_code == 302
    return console


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements:`` lists every SQL statement run inside the block."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


# --- rows in bulk, straight into the tables (the lists only read them) --------------------------

def return_lines(session, yard: Yard, count: int, **fields) -> list[ReturnLine]:
    """`count` decided return lines at the north site, each with a custody entry; overdue when asked."""
    now = datetime.now(timezone.utc)
    lines = []
    for i in range(count):
        line = ReturnLine(
            id=uuid.uuid4(), part_number_id=yard.fuser.id, serial=f"AR{9_000_000 + i:08d}", quantity=1,
            origin="part_removed", condition="faulty", failure_code="no_power", origin_site_id=yard.north.id,
            job_id=yard.amy_job.id, removed_by_id=yard.amy.id, removed_at=now - timedelta(days=i % 40),
            status=ReturnStatus.WITH_ENGINEER, holder_kind=HolderKind.ENGINEER, holder_id=yard.amy.id,
            disposition=Disposition.REFURBISH, disposition_reason="Refurbishing pays.", expected_value=Decimal("120.50"),
            destination_facility_id=yard.refurb.id, travel_mode=TravelMode.CARRY_BACK,
        )
        for name, value in fields.items():
            setattr(line, name, value)
        session.add(line)
        session.add(CustodyEntry(return_line=line, holder_kind=HolderKind.ENGINEER, holder_id=yard.amy.id,
                                 place="Amy's van", at=now))
        lines.append(line)
    session.commit()
    return lines


def planned_day(session, yard: Yard, stops: int, day: date) -> CourierPlan:
    """A stored plan of `day`: `stops` pickups at their own sites, spread over two vans."""
    second_van = session.scalar(sa.select(Vehicle).where(Vehicle.name == "Van 2"))
    if second_van is None:
        second_van = Vehicle(name="Van 2", depot_id=yard.depot.id, capacity_weight_kg=800, capacity_volume_l=6000)
        session.add(second_van)
    plan = CourierPlan(plan_date=day, total_distance_km=42.0, naive_distance_km=97.0, pickups_due=stops)
    start = datetime.combine(day, time(8), tzinfo=timezone.utc)
    routes = [CourierRoute(plan=plan, vehicle=van, start_at=start, end_at=start + timedelta(hours=8), distance_km=21,
                           duration_min=300, load_weight_kg=20, load_volume_l=60, cost=30)
              for van in (yard.van, second_van)]
    for i in range(stops):
        site = Site(customer=yard.north.customer, name=f"Stop site {i}", address=f"{i} High Street",
                    latitude=53.40 + i * 0.003, longitude=-2.30 + (i % 7) * 0.02,
                    access_hours={d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        pickup = Pickup(site=site, status=PickupStatus.SCHEDULED, planned_date=day,
                        window_start=start + timedelta(minutes=20 * i), window_end=start + timedelta(minutes=20 * i + 120))
        session.add(pickup)
        session.add(CourierStop(route=routes[i % 2], sequence=i // 2 + 1, pickup=pickup,
                                arrival_at=start + timedelta(minutes=20 * i), service_start_at=start + timedelta(minutes=20 * i),
                                departure_at=start + timedelta(minutes=20 * i + 10), load_weight_kg_after=2.8 * (i // 2 + 1),
                                load_volume_l_after=9.0 * (i // 2 + 1)))
    session.add(plan)
    session.commit()
    return plan


# --- a real browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-test-deps (it installs the Debian package chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, live_server, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB",
                                  timezone_id="Europe/London", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page


@pytest.fixture
def laptop(browser, live_server):
    """A browser tab at laptop width on the live server."""
    context, page = _page(browser, live_server, LAPTOP)
    yield page
    context.close()


@pytest.fixture
def phone_screen(browser, live_server):
    """A browser tab at phone width (touch, 390 × 844) on the live server."""
    context, page = _page(browser, live_server, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


def sign_in_browser(page, username: str, password: str = make.PASSWORD) -> None:
    page.goto("/console/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/$"))


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Save docs/screenshots/console-<name>.png when CONSOLE_SCREENSHOTS=1 (kept out of ordinary runs)."""
    if os.environ.get("CONSOLE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=full_page)


@pytest.fixture
def make_lines(session, yard):
    """``make_lines(count, **fields)``: decided return lines stored directly."""
    return lambda count, **fields: return_lines(session, yard, count, **fields)


@pytest.fixture
def make_plan(session, yard):
    """``make_plan(stops, day)``: a stored courier plan with that many stops."""
    return lambda stops, day: planned_day(session, yard, stops, day)


@pytest.fixture
def sign_in_as():
    """``sign_in_as(page, "dana")``: sign a browser tab in to the console."""
    return sign_in_browser


@pytest.fixture
def shoot():
    """``shoot(page, "overview")``: a screenshot for docs/, when CONSOLE_SCREENSHOTS=1."""
    return screenshot
