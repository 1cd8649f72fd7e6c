"""A swap is one fact: the install names the removal it replaces, and the return line knows its replacement."""

import uuid

import pytest
import sqlalchemy as sa

from server.models import FieldEvent, Replacement, ReturnLine, SerialisedItem


def removal(phone, world, serial="AR00000001"):
    return phone.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220", serial=serial,
                           condition="faulty", failure_code="no_power")


def install(phone, world, replaces, serial="AR00000077", **extra):
    return phone.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial=serial,
                           replaces=replaces, **extra)


def replacement_of(session, line_id) -> Replacement | None:
    session.rollback()
    return session.get(ReturnLine, uuid.UUID(line_id)).replaced_by


def test_a_swap_links_the_return_line_to_the_serial_installed_in_its_place(amy, world, session):
    removed = removal(amy, world)
    installed = install(amy, world, removed["id"], grade="refurbished")
    assert [r["status"] for r in amy.push([removed, installed]).json["results"]] == ["accepted", "accepted"]
    link = replacement_of(session, removed["id"])
    assert (link.serial, link.grade, link.installed_by_id) == ("AR00000077", "refurbished", world.amy.id)
    assert link.installed_at.isoformat() == installed["occurred_at"]
    item = session.get(SerialisedItem, link.serialised_item_id)
    assert (item.serial, item.site_id) == ("AR00000077", world.north.id)


def test_an_install_arriving_before_its_removal_is_linked_when_the_removal_comes(amy, world, session):
    removed = removal(amy, world)
    installed = install(amy, world, removed["id"])
    assert amy.push([installed]).json["results"][0]["status"] == "accepted"
    assert amy.push([removed]).json["results"][0]["status"] == "accepted"
    assert replacement_of(session, removed["id"]).serial == "AR00000077"


def test_replaying_both_halves_of_a_swap_keeps_one_link(amy, world, session):
    removed = removal(amy, world)
    installed = install(amy, world, removed["id"])
    amy.push([removed, installed])
    for _ in range(2):
        assert {r["status"] for r in amy.push([installed, removed]).json["results"]} == {"duplicate"}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Replacement)) == 1
    assert replacement_of(session, removed["id"]).serial == "AR00000077"


def test_a_removal_cannot_be_replaced_twice(amy, world, session):
    removed = removal(amy, world)
    amy.push([removed, install(amy, world, removed["id"])])
    second = amy.push([install(amy, world, removed["id"], serial="AR00000078")]).json["results"][0]
    assert second["status"] == "rejected"
    assert second["errors"] == {"payload": {"replaces": ["That removal was already replaced by AR00000077."]}}


def test_an_install_may_not_replace_a_removal_of_another_job(amy, ben, world, session):
    theirs = ben.new_event("part_removed", world.ben_job.id, part_number="PRN-FUS-220", serial="AR00000002",
                           condition="faulty")
    ben.push([theirs])
    r = amy.push([install(amy, world, theirs["id"])]).json["results"][0]
    assert r["status"] == "rejected" and list(r["errors"]["payload"]) == ["replaces"]


def test_a_version_1_app_still_swaps_without_a_link(amy, world, session):
    removed = removal(amy, world)
    installed = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000077")
    r = amy.push([removed, installed], protocol_version=1)
    assert [x["status"] for x in r.json["results"]] == ["accepted", "accepted"]
    assert replacement_of(session, removed["id"]) is None
    assert session.scalar(sa.select(SerialisedItem.site_id).where(SerialisedItem.serial == "AR00000077")) == world.north.id


@pytest.mark.parametrize("field, value", [("replaces", "6a3e0d2c-1111-4c3e-8f00-000000000001"),
                                          ("grade", "new"), ("reservation_id", 3)])
def test_a_version_1_batch_may_not_carry_version_2_fields(amy, world, session, field, value):
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000077",
                       **{field: value})
    r = amy.push([ev], protocol_version=1).json["results"][0]
    assert r == {"id": ev["id"], "seq": ev["seq"], "status": "rejected",
                 "errors": {"payload": {field: [f"{field} needs sync protocol version 2."]}}}
    session.rollback()
    assert session.get(FieldEvent, uuid.UUID(ev["id"])).status == "rejected"


def test_an_install_grade_is_new_or_refurbished(amy, world):
    r = amy.push([install(amy, world, str(uuid.uuid4()), grade="faulty")]).json["results"][0]
    assert r["status"] == "rejected" and list(r["errors"]["payload"]) == ["grade"]


def test_the_return_line_api_says_what_replaced_the_line_and_who_installed_it(amy, dana, world):
    removed = removal(amy, world)
    installed = install(amy, world, removed["id"], grade="new")
    amy.push([removed, installed])
    r = dana.request("GET", f"/api/v1/returns/{removed['id']}")
    assert r.status == 200
    assert r.json["replaced_by"] == {"part_number": "PRN-FUS-220", "serial": "AR00000077", "grade": "new",
                                     "installed_at": installed["occurred_at"], "installed_by_id": world.amy.id,
                                     "installed_by": "Amy Clarke", "install_event_id": installed["id"]}
    listed = dana.request("GET", "/api/v1/returns").json["items"]
    assert [line["replaced_by"]["serial"] for line in listed] == ["AR00000077"]
