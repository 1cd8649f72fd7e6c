"""The small named world most tests stand on, signed-in protocol phones, and the logistics around it.

Test folders take these fixtures by importing them into their conftest.py.
"""

from dataclasses import dataclass
from datetime import time

import pytest

import factories as make
from common.enums import FacilityKind, Role
from phones import Phone
from server.models import Vehicle


@dataclass
class World:
    amy: object
    ben: object
    dana: object
    admin: object
    depot: object
    recycler: object
    fuser: object
    rollers: object
    north: object
    south: object
    amy_job: object
    ben_job: object
    north_fuser: object
    south_fuser: object


@pytest.fixture
def world(session) -> World:
    """Amy and Ben with a job each at their own site, dispatcher Dana, an admin, two facilities, two parts."""
    amy = make.user(session, "amy", display_name="Amy Clarke")
    ben = make.user(session, "ben")
    dana = make.user(session, "dana", Role.DISPATCHER)
    admin = make.user(session, "root", Role.ADMIN)
    depot = make.facility(session, "TPK", name="Trafford Park depot")
    recycler = make.facility(session, "OCR", FacilityKind.RECYCLER, ("recycle", "scrap", "hazardous"), 53.527, -2.146)
    fuser = make.part(session, "PRN-FUS-220", description="Fuser unit 220V")
    rollers = make.part(session, "PRN-RLR-KIT", serialised=False, description="Roller kit")
    north = make.site(session, "North Office", customer="Northwind Legal", contact_phone="0161 555 0101")
    south = make.site(session, "South Office", latitude=53.40, longitude=-2.15)
    north_fuser = make.installed_item(session, fuser, north, "AR00000001")
    south_fuser = make.installed_item(session, fuser, south, "AR00000002")
    amy_job = make.job(session, north, amy, dana, summary="Replace fuser on the 3rd floor printer",
                       expected_parts=[{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}])
    ben_job = make.job(session, south, ben, dana)
    return World(amy, ben, dana, admin, depot, recycler, fuser, rollers, north, south, amy_job, ben_job,
                 north_fuser, south_fuser)


@pytest.fixture
def phone_of(client, world):
    """A signed-in phone for a user of the world: ``phone_of("amy")``."""

    def make_phone(username: str, device_id: str | None = None) -> Phone:
        phone = Phone(client=client, device_id=device_id)
        r = phone.sign_in(username)
        assert r.status == 200, r.json
        return phone

    return make_phone


@pytest.fixture
def amy(phone_of) -> Phone:
    return phone_of("amy")


@pytest.fixture
def ben(phone_of) -> Phone:
    return phone_of("ben")


@pytest.fixture
def dana(phone_of) -> Phone:
    return phone_of("dana")


@dataclass
class Logistics:
    world: World
    refurb: object
    van: object
    printer: object
    battery: object


@pytest.fixture
def logistics(session, world) -> Logistics:
    """The world plus a refurbishment centre, a courier van, a heavy printer and a hazardous battery;
    engineers end their day at the depot."""
    refurb = make.facility(session, "SQR", FacilityKind.REFURBISHMENT_CENTRE, ("refurbish", "stock", "hazardous"),
                           53.470, -2.294)
    world.depot.fed_by_id = None
    for engineer in (world.amy, world.ben):
        engineer.home_facility_id = world.depot.id
    van = Vehicle(name="Van 1", depot_id=world.depot.id, capacity_weight_kg=800, capacity_volume_l=6000,
                  shift_start=time(8, 0), shift_end=time(17, 0))
    session.add(van)
    session.commit()
    printer = make.part(session, "PRN-MFP-C550", new_price=4200, refurbishment_cost=380, residual_value=650,
                        weight_kg=95.0, volume_l=450.0, vendor_warranty_days=730)
    battery = make.part(session, "MED-BAT-V12", serial_pattern="MD[0-9]{8}", category="battery", new_price=260,
                        refurbishment_cost=0, refurbishment_yield=0.0, residual_value=20, weight_kg=0.7,
                        volume_l=0.6, hazardous=True)
    make.installed_item(session, printer, world.north, "AR55555555", days_ago=900)
    make.installed_item(session, battery, world.north, "MD00000001", days_ago=400)
    return Logistics(world, refurb, van, printer, battery)
