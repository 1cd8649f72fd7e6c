"""Van stock in the pull scope: an engineer's phone gets the balances of their own van, and follows them."""

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.services.stock.ledger import location_for, record_movement


def load_van(session, world, user, quantity=2, grade=StockGrade.NEW, key="load"):
    van = location_for(session, StockLocationKind.VAN, user.id)
    record_movement(session, MovementKind.TRANSFER, key, part_number_id=world.fuser.id, quantity=quantity,
                    target=(van, grade), reason="Loaded")
    session.commit()


def test_the_first_pull_brings_the_engineers_own_van_stock_and_no_one_elses(amy, world, session):
    load_van(session, world, world.amy)
    load_van(session, world, world.ben, grade=StockGrade.REFURBISHED, key="ben")

    amy.sync_down()

    assert amy.cached("van_stock") == {f"{world.fuser.id}:new": {
        "id": f"{world.fuser.id}:new", "part_number": "PRN-FUS-220", "description": "Fuser unit 220V",
        "grade": "new", "quantity": 2}}


def test_an_install_synced_by_the_engineer_lowers_the_van_stock_record_on_the_next_pull(amy, world, session):
    load_van(session, world, world.amy)
    amy.sync_down()

    amy.push([amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000055")])
    amy.sync_down()

    assert amy.cached("van_stock")[f"{world.fuser.id}:new"]["quantity"] == 1


def test_a_van_emptied_to_zero_is_removed_from_the_phone(amy, world, session):
    load_van(session, world, world.amy, quantity=1)
    amy.sync_down()

    amy.push([amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000056")])
    amy.sync_down()

    assert amy.cached("van_stock") == {}


def test_a_snapshot_pages_through_van_stock_in_key_order(amy, world, session):
    for grade in (StockGrade.NEW, StockGrade.REFURBISHED, StockGrade.FAULTY):
        load_van(session, world, world.amy, grade=grade, key=f"load-{grade}")

    amy.sync_down(limit=1)

    assert set(amy.cached("van_stock")) == {f"{world.fuser.id}:{g}" for g in ("new", "refurbished", "faulty")}
