"""The stock ledger: installs take units out, dispatchers correct it, the API exports it, the engine reads its need."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import MovementKind, ReservationStatus, StockGrade, StockLocationKind
from server.models import Reservation, StockMovement, StockTarget
from server.services.stock.installs import record_install
from server.services.stock.ledger import balance, location_for, record_movement
from server.services.stock.need import stock_needs


def van_of(session, user):
    return location_for(session, StockLocationKind.VAN, user.id)


def put(session, location, part, grade, quantity, key):
    record_movement(session, MovementKind.STOCKTAKE, key, part_number_id=part.id, quantity=quantity,
                    target=(location, grade), reason="Count")
    session.commit()


def test_an_install_logged_on_the_phone_takes_a_new_unit_out_of_the_engineers_van(amy, world, session):
    put(session, van_of(session, world.amy), world.fuser, StockGrade.NEW, 2, "van")
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000099")

    assert amy.push([ev]).json["results"][0]["status"] == "accepted"

    session.rollback()
    assert balance(session, van_of(session, world.amy).id, world.fuser.id, StockGrade.NEW) == 1
    movement = session.scalars(sa.select(StockMovement).where(StockMovement.kind == MovementKind.INSTALL)).one()
    assert (movement.serial, str(movement.event_id), movement.left_negative) == ("AR00000099", ev["id"], False)


def test_a_replayed_install_moves_nothing_twice(amy, world, session):
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-RLR-KIT")
    amy.push([ev])

    assert amy.push([ev]).json["results"][0]["status"] == "duplicate"

    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == 1


def test_an_install_from_an_empty_van_is_stored_negative_and_flagged(amy, world, session):
    amy.push([amy.new_event("part_installed", world.amy_job.id, part_number="PRN-RLR-KIT")])

    session.rollback()
    assert balance(session, van_of(session, world.amy).id, world.rollers.id, StockGrade.NEW) == -1
    assert session.scalar(sa.select(StockMovement.left_negative)) is True


def test_an_install_naming_a_grade_takes_that_grade_from_the_van(world, session):
    van = van_of(session, world.amy)
    put(session, van, world.fuser, StockGrade.REFURBISHED, 1, "van")
    event = {"id": "7b0e2a56-8f37-4e0c-9d0c-2f1b1b7a0001", "occurred_at": make.now()}

    record_install(session, event, world.amy_job, world.fuser, {"grade": "refurbished"}, engineer_id=world.amy.id)

    assert balance(session, van.id, world.fuser.id, StockGrade.REFURBISHED) == 0


def test_an_install_naming_its_reservation_consumes_it_at_the_reservations_location(world, session):
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    put(session, depot, world.fuser, StockGrade.REFURBISHED, 1, "depot")
    reservation = Reservation(job_id=world.amy_job.id, expected_index=0, part_number_id=world.fuser.id,
                              status=ReservationStatus.HELD, location_id=depot.id, grade=StockGrade.REFURBISHED,
                              reason="Refurbished before new", needed_by=make.now())
    session.add(reservation)
    session.commit()
    event = {"id": "7b0e2a56-8f37-4e0c-9d0c-2f1b1b7a0002", "occurred_at": make.now()}

    movement = record_install(session, event, world.amy_job, world.fuser, {"reservation_id": reservation.id},
                              engineer_id=world.amy.id)

    assert movement.reservation_id == reservation.id and reservation.status == ReservationStatus.CONSUMED
    assert balance(session, depot.id, world.fuser.id, StockGrade.REFURBISHED) == 0
    assert balance(session, van_of(session, world.amy).id, world.fuser.id, StockGrade.NEW) == 0


def test_an_install_naming_no_reservation_consumes_the_unit_set_aside_for_its_job(world, session):
    site = location_for(session, StockLocationKind.SITE, world.north.id)
    put(session, site, world.fuser, StockGrade.REFURBISHED, 1, "delivered to the site")
    reservation = Reservation(job_id=world.amy_job.id, expected_index=0, part_number_id=world.fuser.id,
                              status=ReservationStatus.HELD, location_id=site.id, grade=StockGrade.REFURBISHED,
                              reason="Refurbished before new", needed_by=make.now())
    session.add(reservation)
    session.commit()
    event = {"id": "7b0e2a56-8f37-4e0c-9d0c-2f1b1b7a0003", "occurred_at": make.now()}

    movement = record_install(session, event, world.amy_job, world.fuser, {}, engineer_id=world.amy.id)

    assert movement.reservation_id == reservation.id and reservation.status == ReservationStatus.CONSUMED
    assert balance(session, site.id, world.fuser.id, StockGrade.REFURBISHED) == 0
    assert balance(session, van_of(session, world.amy).id, world.fuser.id, StockGrade.NEW) == 0


def test_a_transfer_moves_units_between_locations_with_its_reason(dana, world, session):
    put(session, location_for(session, StockLocationKind.FACILITY, world.depot.id), world.fuser, StockGrade.NEW, 3, "d")

    r = dana.request("POST", "/api/v1/stock/transfers", json={
        "part_number": "PRN-FUS-220", "quantity": 2, "grade": "new", "from_location": "FAC:TPK",
        "to_location": "VAN:amy", "reason": "Van top-up"})

    assert r.status == 201, r.json
    assert (r.json["from_location"], r.json["to_location"], r.json["reason"]) == ("FAC:TPK", "VAN:amy", "Van top-up")
    session.rollback()
    assert balance(session, van_of(session, world.amy).id, world.fuser.id, StockGrade.NEW) == 2


def test_a_transfer_with_bad_fields_is_refused_field_by_field_and_records_nothing(dana, world, session):
    r = dana.request("POST", "/api/v1/stock/transfers", json={
        "part_number": "NOPE-1", "quantity": 1, "grade": "new", "from_location": "FAC:XXX",
        "to_location": "VAN:amy", "reason": " "})

    assert r.status == 422
    assert set(r.json["errors"]) == {"part_number", "from_location", "reason"}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == 0


def test_a_stocktake_records_the_difference_between_the_count_and_the_ledger(dana, world, session):
    put(session, location_for(session, StockLocationKind.FACILITY, world.depot.id), world.fuser, StockGrade.NEW, 5, "d")

    r = dana.request("POST", "/api/v1/stock/stocktakes", json={
        "part_number": "PRN-FUS-220", "grade": "new", "location": "FAC:TPK", "counted": 3, "reason": "Shelf count"})

    assert r.status == 201 and r.json["movement"]["quantity"] == 2 and r.json["movement"]["to_location"] is None
    again = dana.request("POST", "/api/v1/stock/stocktakes", json={
        "part_number": "PRN-FUS-220", "grade": "new", "location": "FAC:TPK", "counted": 3, "reason": "Recount"})
    assert again.status == 201 and again.json["movement"] is None


def test_a_supply_brings_new_units_to_a_facility_only(dana, world, session):
    ok = dana.request("POST", "/api/v1/stock/supplies", json={"part_number": "PRN-FUS-220", "quantity": 4,
                                                              "facility": "FAC:TPK", "reason": "PO 1234"})
    to_van = dana.request("POST", "/api/v1/stock/supplies", json={"part_number": "PRN-FUS-220", "quantity": 4,
                                                                  "facility": "VAN:amy"})

    assert ok.status == 201 and (ok.json["to_location"], ok.json["to_grade"]) == ("FAC:TPK", "new")
    assert to_van.status == 422 and "facility" in to_van.json["errors"]


def test_balances_filter_by_location_part_and_grade(dana, world, session):
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    put(session, depot, world.fuser, StockGrade.NEW, 2, "a")
    put(session, depot, world.fuser, StockGrade.REFURBISHED, 1, "b")
    put(session, van_of(session, world.amy), world.fuser, StockGrade.NEW, 1, "c")

    r = dana.request("GET", "/api/v1/stock/balances", params={"location": "FAC:TPK", "grade": "refurbished"})

    assert [(b["location"], b["part_number"], b["grade"], b["quantity"]) for b in r.json["items"]] == [
        ("FAC:TPK", "PRN-FUS-220", "refurbished", 1)]


def test_the_movement_export_pages_by_seq_and_filters_by_location_and_period(dana, world, session):
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    for i in range(3):
        put(session, depot, world.fuser, StockGrade.NEW, 1, f"m{i}")
    put(session, van_of(session, world.amy), world.fuser, StockGrade.NEW, 1, "van")

    first = dana.request("GET", "/api/v1/stock/movements", params={"location": "FAC:TPK", "limit": 2}).json
    rest = dana.request("GET", "/api/v1/stock/movements", params={
        "location": "FAC:TPK", "limit": 2, "after_seq": first["next_after_seq"]}).json
    future = dana.request("GET", "/api/v1/stock/movements", params={
        "occurred_from": (make.now() + timedelta(hours=1)).isoformat()}).json

    assert first["more"] and not rest["more"]
    assert len({m["id"] for m in first["items"] + rest["items"]}) == 3
    assert future["items"] == []


def test_a_periods_opening_balance_plus_its_movements_is_its_closing_balance(dana, world, session):
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    start, end = make.now() - timedelta(days=10), make.now() - timedelta(days=3)
    for key, days_ago, quantity in (("before", 12, 5), ("inside-1", 8, 2), ("inside-2", 4, 1), ("after", 1, 7)):
        record_movement(session, MovementKind.SUPPLY, key, part_number_id=world.fuser.id, quantity=quantity,
                        target=(depot, StockGrade.NEW), occurred_at=make.now() - timedelta(days=days_ago))
    record_movement(session, MovementKind.INSTALL, "inside-3", part_number_id=world.fuser.id, quantity=1,
                    source=(depot, StockGrade.NEW), occurred_at=make.now() - timedelta(days=5))
    session.commit()

    def held(moment):
        [row] = dana.request("GET", "/api/v1/stock/balances", params={
            "location": "FAC:TPK", "as_of": moment.isoformat()}).json["items"]
        return row["quantity"]

    moved = dana.request("GET", "/api/v1/stock/movements", params={
        "location": "FAC:TPK", "occurred_from": start.isoformat(), "occurred_before": end.isoformat()}).json["items"]
    net = sum(m["quantity"] if m["to_location"] == "FAC:TPK" else -m["quantity"] for m in moved)
    assert (held(start), net, held(end)) == (5, 2, 7)


def test_the_need_counts_on_hand_and_in_refurbishment_less_reserved_against_the_target(logistics, session):
    world = logistics.world
    centre = location_for(session, StockLocationKind.FACILITY, logistics.refurb.id)
    session.add(StockTarget(facility_id=logistics.refurb.id, part_number_id=world.fuser.id, quantity=4))
    put(session, centre, world.fuser, StockGrade.NEW, 1, "n")
    put(session, centre, world.fuser, StockGrade.REFURBISHED, 1, "r")
    put(session, centre, world.fuser, StockGrade.FAULTY, 2, "f")
    session.add(Reservation(job_id=world.amy_job.id, expected_index=0, part_number_id=world.fuser.id,
                            status=ReservationStatus.HELD, location_id=centre.id, grade=StockGrade.NEW,
                            reason="Nearest", needed_by=make.now()))
    session.commit()

    (need,) = stock_needs(session, [world.fuser.id])[world.fuser.id]

    assert (need.on_hand, need.in_refurbishment, need.reserved, need.target, need.shortfall) == (2, 2, 1, 4, 1)


def test_the_movement_export_of_a_location_stock_never_reached_is_empty(dana, world, session):
    put(session, location_for(session, StockLocationKind.FACILITY, world.depot.id), world.fuser, StockGrade.NEW, 1, "d")

    r = dana.request("GET", "/api/v1/stock/movements", params={"location": "VAN:ben"})

    assert r.status == 200 and r.json["items"] == [] and not r.json["more"]
