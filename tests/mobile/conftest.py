"""Fixtures for the field app: the server's small named world, a server that can go down, phones on it.

A phone here is the app without its screens: its store in a temporary
folder, its API client, account and sync engine, pointed at a real server.
"""

from dataclasses import dataclass

import pytest

import factories as make
from common.enums import FacilityKind, Role
from field_phones import Phone, open_phone
from live_servers import RestartableServer


@dataclass
class World:
    amy: object
    ben: object
    dana: object
    depot: object
    recycler: object
    fuser: object
    rollers: object
    north: object
    south: object
    amy_job: object
    ben_job: object
    north_fuser: object


@pytest.fixture
def world(session) -> World:
    """Amy and Ben with a job each at their own site, dispatcher Dana, two facilities, two parts."""
    amy = make.user(session, "amy", display_name="Amy Clarke")
    ben = make.user(session, "ben")
    dana = make.user(session, "dana", Role.DISPATCHER)
    depot = make.facility(session, "TPK", name="Trafford Park depot")
    recycler = make.facility(session, "OCR", FacilityKind.RECYCLER, ("recycle", "scrap", "hazardous"), 53.527, -2.146)
    fuser = make.part(session, "PRN-FUS-220", description="Fuser unit 220V")
    rollers = make.part(session, "PRN-RLR-KIT", serialised=False, description="Roller kit")
    north = make.site(session, "North Office", customer="Northwind Legal", contact_phone="0161 555 0101")
    south = make.site(session, "South Office", latitude=53.40, longitude=-2.15)
    north_fuser = make.installed_item(session, fuser, north, "AR00000001")
    make.installed_item(session, fuser, south, "AR00000002")
    amy_job = make.job(session, north, amy, dana, summary="Replace fuser on the 3rd floor printer",
                       expected_parts=[{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}])
    ben_job = make.job(session, south, ben, dana)
    return World(amy, ben, dana, depot, recycler, fuser, rollers, north, south, amy_job, ben_job, north_fuser)


@pytest.fixture
def server(app):
    running = RestartableServer(app).start()
    yield running
    running.stop()


@pytest.fixture
def phone_at(server, tmp_path):
    """Open a phone (the app without screens) on the live server: ``phone_at("a.db", username="amy")``."""
    opened = []

    def open_(name: str = "phone.db", username: str | None = "amy", url: str | None = None, **engine_options) -> Phone:
        phone = open_phone(tmp_path / name, url or server.url, **engine_options)
        if username is not None and not phone.account.known:
            phone.account.sign_in(url or server.url, username, make.PASSWORD)
        opened.append(phone)
        return phone

    yield open_
    for phone in opened:
        phone.close()


@pytest.fixture
def amy(phone_at, world) -> Phone:
    """Amy's phone, signed in and synced once."""
    phone = phone_at()
    assert phone.engine.sync_once().state == "idle", phone.engine.status
    return phone
