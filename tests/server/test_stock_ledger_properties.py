"""For every sequence of facts the ledger equals the sum of its movements, hides no deficit and moves nothing twice."""

import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import factories as make
from common.enums import MovementKind, StockGrade, StockLocationKind
from server.logistics.stock import Move, Slot, replay
from server.models import StockMovement
from server.services.errors import Invalid
from server.services.stock import adjustments
from server.services.stock.installs import record_install
from server.services.stock.ledger import balances, location_for, record_movement

PLACES = ["FAC:TPK", "FAC:OCR", "VAN:amy", "VAN:ben"]
GRADES = [StockGrade.NEW, StockGrade.REFURBISHED]
PARTS = ["PRN-FUS-220", "PRN-RLR-KIT"]

facts = st.lists(st.one_of(
    st.tuples(st.just("receipt"), st.sampled_from(PLACES[:2]), st.sampled_from(PARTS), st.integers(1, 3)),
    st.tuples(st.just("install"), st.sampled_from(["amy", "ben"]), st.sampled_from(PARTS), st.sampled_from(GRADES)),
    st.tuples(st.just("transfer"), st.sampled_from(PLACES), st.sampled_from(PLACES), st.sampled_from(PARTS),
              st.sampled_from(GRADES), st.integers(1, 3)),
    st.tuples(st.just("stocktake"), st.sampled_from(PLACES), st.sampled_from(PARTS), st.sampled_from(GRADES),
              st.integers(0, 4)),
    st.tuples(st.just("supply"), st.sampled_from(PLACES[:2]), st.sampled_from(PARTS), st.integers(1, 3)),
    st.tuples(st.just("replay"), st.integers(0, 50)),
), max_size=12)


def apply_fact(session, world, fact, done: list) -> None:
    kind, *args = fact
    dana = world.dana
    if kind == "receipt":
        code, pn, quantity = args
        facility = world.depot if code == "FAC:TPK" else world.recycler
        part = world.fuser if pn == "PRN-FUS-220" else world.rollers
        record_movement(session, MovementKind.RECEIPT, str(uuid.uuid4()), part_number_id=part.id, quantity=quantity,
                        target=(location_for(session, StockLocationKind.FACILITY, facility.id), StockGrade.FAULTY))
        session.commit()
    elif kind == "install":
        engineer, pn, grade = args
        installed = ({"id": uuid.uuid4(), "occurred_at": make.now()}, pn, grade, getattr(world, engineer))
        done.append(installed)
        _install(session, world, *installed)
    elif kind == "replay":
        if done:
            _install(session, world, *done[args[0] % len(done)])
    else:
        try:
            if kind == "transfer":
                source, target, pn, grade, quantity = args
                adjustments.transfer(session, adjustments.Transfer(pn, quantity, grade, source, target, "Move"), dana)
            elif kind == "stocktake":
                code, pn, grade, counted = args
                adjustments.stocktake(session, adjustments.Stocktake(pn, grade, code, counted, "Count"), dana)
            else:
                code, pn, quantity = args
                adjustments.supply(session, adjustments.Supply(pn, quantity, code), dana)
        except Invalid:
            session.rollback()  # a transfer to its own location: refused whole


def _install(session, world, event, pn, grade, engineer) -> None:
    part = world.fuser if pn == "PRN-FUS-220" else world.rollers
    record_install(session, event, world.amy_job, part, {"grade": grade.value}, engineer_id=engineer.id)
    session.commit()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=facts)
def test_every_balance_is_the_sum_of_its_movements_and_no_deficit_is_silent(session, world, sequence):
    done: list = []
    for fact in sequence:
        before = session.scalar(sa.select(sa.func.count()).select_from(StockMovement))
        apply_fact(session, world, fact, done)
        if fact[0] == "replay":
            assert session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == before

    movements = session.scalars(sa.select(StockMovement).order_by(StockMovement.seq)).all()
    summed = {slot: q for slot, q in replay(_move(m) for m in movements).items() if q}
    ledger = {Slot(b.location_id, b.part_number_id, b.grade): b.quantity for b in balances(session)}
    assert ledger == summed
    flagged = {Slot(m.from_location_id, m.part_number_id, m.from_grade) for m in movements if m.left_negative}
    assert {slot for slot, quantity in ledger.items() if quantity < 0} <= flagged


def _move(m: StockMovement) -> Move:
    source = Slot(m.from_location_id, m.part_number_id, m.from_grade) if m.from_location_id else None
    target = Slot(m.to_location_id, m.part_number_id, m.to_grade) if m.to_location_id else None
    return Move(m.quantity, source, target)
