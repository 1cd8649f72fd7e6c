"""The outbound feed: every fact once with its refs, a cursor that never skips a late commit, replay, retention."""

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

import factories as make
from common import feed_schemas as feed
from common.enums import MovementKind, StockGrade, StockLocationKind
from server import clock
from integration_fixtures import integration_with_key
from server.extensions import db
from server.logistics.escalation import ChasingRules
from server.models import DispositionRecord, FeedEvent, Pickup, ProcessingRecord, ReturnLine, StockMovement
from server.runner import run_due
from server.runner.queue import enqueue
from server.services.sync.sync_state import rotate_epoch
from server.tasks import SCHEDULE, Periodic
from server.services.integration.feed import prune_feed
from server.services.planning.pickup_days import move_pickup
from server.services.planning.planning import plan_day
from server.services.returns.chasing import escalate
from server.services.stock import ledger
from stock_fixtures import supply

FUSER = [{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}]
FEED = "/api/v1/integration/feed"


def read_all(reader, cursor=None, limit=100) -> tuple[list[dict], str]:
    """Every event after `cursor`, page by page; and the last cursor."""
    events = []
    while True:
        r = reader.request("GET", FEED, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert r.status == 200, r.json
        events += r.json["events"]
        cursor = r.json["cursor"]
        if not r.json["has_more"]:
            return events, cursor


def removal(app, phone, job_id, part_number, serial, condition="faulty"):
    ev = phone.new_event("part_removed", job_id, part_number=part_number, serial=serial, condition=condition,
                         failure_code="electrical")
    assert phone.push([ev]).json["results"][0]["status"] == "accepted"
    run_due(app)
    return uuid.UUID(ev["id"])


def a_week_in_the_loop(app, amy, dana, logistics, session):
    """One of every fact: removals, the engine and an override, a receipt, a vendor credit, a pickup scheduled and
    collected, a delivery dispatched, a write-off."""
    world = logistics.world
    fuser_line = removal(app, amy, world.amy_job.id, "PRN-FUS-220", "AR00000001")
    r = dana.request("PUT", f"/api/v1/returns/{fuser_line}/disposition",
                     json={"disposition": "return_to_vendor", "comment": "Under warranty", "facility_id": None})
    assert r.status == 200, r.json
    assert dana.request("POST", "/api/v1/facility/receive",
                        json={"facility_id": logistics.refurb.id, "return_line_id": str(fuser_line)}).status == 200
    r = dana.request("POST", f"/api/v1/returns/{fuser_line}/outcome",
                     json={"outcome": "credited", "credit": "120.00", "rma_number": "RMA-88121"})
    assert r.status == 200, r.json

    removal(app, amy, world.amy_job.id, "PRN-MFP-C550", "AR55555555")
    session.rollback()
    pickup = session.scalar(sa.select(Pickup))
    plan_day(session, make.next_weekday(date.today()), world.dana)
    assert dana.request("POST", f"/api/v1/pickups/{pickup.id}/collected").status == 200

    centre = make.facility(session, "LDS", latitude=53.80, longitude=-1.55)
    supply(session, StockLocationKind.FACILITY, centre.id, world.fuser, StockGrade.REFURBISHED)
    job = make.job(session, world.north, world.amy, world.dana, expected_parts=FUSER,
                   start=make.now().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=5))
    delivery_id = session.scalar(sa.text("SELECT max(id) FROM deliveries"))
    assert dana.request("POST", f"/api/v1/deliveries/{delivery_id}/dispatched").status == 200

    amy.push([amy.new_event("job_completed", job.id)])
    session.rollback()
    unconfirmed = session.scalars(sa.select(ReturnLine).where(ReturnLine.job_id == job.id)).one()
    rules = ChasingRules(engineer_reminder_days=1, dispatcher_days=3, customer_days=7, write_off_days=30)
    escalate(session, rules, now=unconfirmed.removed_at + timedelta(days=31))
    session.commit()
    return fuser_line


@pytest.fixture
def root(phone_of):
    return phone_of("root")


def test_every_fact_appears_once_with_its_refs(app, amy, dana, root, logistics, session):
    fuser_line = a_week_in_the_loop(app, amy, dana, logistics, session)
    events, _ = read_all(root, limit=7)
    session.rollback()

    assert {e["type"] for e in events} == set(feed.EVENT_TYPES)
    assert len({e["id"] for e in events}) == len(events)
    for e in events:
        assert e["schema_version"] == feed.CURRENT_VERSION[e["type"]]
        assert feed.validate_event(e["type"], e["schema_version"], e["data"], e["refs"]) == {}, e

    def of(kind):
        return [e for e in events if e["type"] == kind]

    movements = session.scalars(sa.select(StockMovement)).all()
    assert sorted(e["refs"]["movement_id"] for e in of(feed.STOCK_MOVEMENT)) == sorted(str(m.id) for m in movements)
    assert len(of(feed.PROCESSING_OUTCOME)) == session.scalar(sa.select(sa.func.count(ProcessingRecord.id)))
    decisions = session.scalars(sa.select(DispositionRecord).where(DispositionRecord.return_line_id == fuser_line)
                                .order_by(DispositionRecord.id)).all()
    fuser_decisions = [e for e in of(feed.RETURN_LINE_DISPOSITION_SET)
                       if e["refs"]["return_line_id"] == str(fuser_line)]
    assert [(e["refs"]["disposition_record_id"], e["data"]["decided_by"]) for e in fuser_decisions] == [
        (d.id, "engine" if d.decided_by_id is None else "override") for d in decisions]
    assert fuser_decisions[-1]["data"] == {**fuser_decisions[-1]["data"], "disposition": "return_to_vendor",
                                           "by": "dana", "comment": "Under warranty"}

    [received] = [e for e in of(feed.RETURN_LINE_RECEIVED) if e["refs"]["return_line_id"] == str(fuser_line)]
    assert received["refs"]["part_number"] == "PRN-FUS-220" and received["refs"]["serial"] == "AR00000001"
    assert received["data"]["facility"] == "SQR" and received["refs"]["location"] == "FAC:SQR"
    [credit] = of(feed.VENDOR_CREDIT)
    assert credit["data"] == {"vendor": logistics.world.fuser.vendor, "credit": "120.00", "rma_number": "RMA-88121"}
    [outcome] = [e for e in of(feed.PROCESSING_OUTCOME) if e["refs"]["return_line_id"] == str(fuser_line)]
    assert (outcome["data"]["outcome"], outcome["data"]["recovered_value"]) == ("credited", "120.00")
    changes = [e["data"] for e in of(feed.RETURN_LINE_STATUS_CHANGED) if e["refs"]["return_line_id"] == str(fuser_line)]
    assert changes[0]["from_status"] is None  # the line was created
    assert [c["to_status"] for c in changes[-2:]] == ["received", "processed"]
    [collected] = of(feed.PICKUP_COLLECTED)
    assert collected["refs"]["pickup_reference"].startswith("P-")
    [written_off] = of(feed.RETURN_LINE_WRITTEN_OFF)
    assert written_off["data"]["written_off_value"] == str(logistics.world.fuser.residual_value)
    [dispatched] = [e for e in of(feed.DELIVERY_STATUS_CHANGED) if e["data"]["to_status"] == "dispatched"]
    assert dispatched["refs"]["part_number"] == "PRN-FUS-220" and dispatched["refs"]["from_location"] == "FAC:LDS"


def test_reading_again_from_an_old_cursor_returns_the_same_events(app, amy, dana, root, logistics, session):
    supply(session, StockLocationKind.FACILITY, logistics.world.depot.id, logistics.world.rollers, quantity=4)
    first, middle = read_all(root)
    a_week_in_the_loop(app, amy, dana, logistics, session)
    later, _ = read_all(root, middle, limit=5)
    again, _ = read_all(root, middle, limit=50)
    assert [e["id"] for e in later] == [e["id"] for e in again]
    everything, _ = read_all(root)
    assert [e["id"] for e in everything] == [e["id"] for e in first + later]


def test_a_read_with_nothing_new_keeps_its_cursor_usable(amy, root, logistics, app):
    removal(app, amy, logistics.world.amy_job.id, "PRN-FUS-220", "AR00000001")
    _, cursor = read_all(root)
    nothing, same = read_all(root, cursor)
    assert nothing == [] and read_all(root, same)[0] == []


def test_facts_rolled_back_leave_no_event(session, world):
    location = ledger.location_for(session, StockLocationKind.FACILITY, world.depot.id)
    session.commit()
    ledger.record_movement(session, MovementKind.SUPPLY, "never-kept", part_number_id=world.fuser.id, quantity=3,
                           target=(location, StockGrade.NEW))
    session.flush()
    assert session.scalar(sa.select(sa.func.count(FeedEvent.seq))) == 1
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(FeedEvent.seq))) == 0


def test_a_cursor_older_than_the_retention_gets_409_and_no_cursor_starts_at_the_oldest_kept(app, amy, root,
                                                                                            logistics, session):
    removal(app, amy, logistics.world.amy_job.id, "PRN-FUS-220", "AR00000001")
    old, _ = read_all(root)
    cursor = root.request("GET", FEED, params={"limit": 1}).json["cursor"]  # behind the last event pruned
    clock.shift_to(clock.now() + timedelta(days=31))
    try:
        supply(session, StockLocationKind.FACILITY, logistics.world.depot.id, logistics.world.fuser)
        assert prune_feed(session, retention_days=30) == len(old)
        session.commit()
    finally:
        clock.reset()
    r = root.request("GET", FEED, params={"cursor": cursor})
    assert r.status == 409
    assert "30 days" in r.json["errors"]["query"]["cursor"][0]
    kept, fresh = read_all(root)
    assert [e["type"] for e in kept] == [feed.STOCK_MOVEMENT]
    assert read_all(root, fresh)[0] == []


def test_the_prune_task_keeps_the_configured_days(app, session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.rollers)
    assert Periodic("prune_feed", every=timedelta(hours=6)) in SCHEDULE
    assert app.config["FEED_RETENTION_DAYS"] == 30
    app.config["FEED_RETENTION_DAYS"] = 0
    enqueue(session, "prune_feed")
    session.commit()
    run_due(app)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(FeedEvent.seq))) == 1  # the newest is always kept


def test_a_cursor_from_before_a_restore_gets_409(root, session, world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser)
    _, cursor = read_all(root)
    rotate_epoch(session)
    r = root.request("GET", FEED, params={"cursor": cursor})
    assert r.status == 409 and "restored" in r.json["errors"]["query"]["cursor"][0]


def test_a_page_is_at_most_a_thousand_events(root, world):
    assert root.request("GET", FEED, params={"limit": 1000}).status == 200
    r = root.request("GET", FEED, params={"limit": 1001})
    assert r.status == 422 and "limit" in r.json["errors"]["query"]


def test_a_cursor_the_server_did_not_issue_is_400(root, world):
    r = root.request("GET", FEED, params={"cursor": "not-a-cursor"})
    assert r.status == 400 and "cursor" in r.json["errors"]["query"]


def test_an_integration_reads_the_feed_with_its_key_and_people_other_than_admins_may_not(client, dana, session,
                                                                                         world):
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser)
    _, key = integration_with_key(session)
    r = client.get(FEED, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and [e["type"] for e in r.json["events"]] == [feed.STOCK_MOVEMENT]
    assert dana.request("GET", FEED).status == 403


@pytest.mark.postgres
def test_an_event_committed_late_by_an_earlier_transaction_is_not_skipped(app, root, world, is_postgres, session):
    if not is_postgres:
        pytest.skip("SQLite serialises writers, so a late commit cannot be overtaken there")
    location = ledger.location_for(session, StockLocationKind.FACILITY, world.depot.id)
    session.commit()
    _, cursor = read_all(root)
    with app.app_context():
        engine = db.engine

    def supplied(writer, key):
        ledger.record_movement(writer, MovementKind.SUPPLY, key, part_number_id=world.fuser.id, quantity=1,
                               target=(writer.get(type(location), location.id), StockGrade.NEW))
        writer.flush()

    with so.Session(engine) as writer_a, so.Session(engine) as writer_b:
        supplied(writer_a, "late")  # A now holds the older transaction id, uncommitted
        supplied(writer_b, "early")
        writer_b.commit()
        first, cursor = read_all(root, cursor)
        writer_a.commit()
        second, _ = read_all(root, cursor)
    assert [e["refs"]["movement_id"] for e in first] == [str(ledger.movement_id(MovementKind.SUPPLY, "early"))]
    assert [e["refs"]["movement_id"] for e in second] == [str(ledger.movement_id(MovementKind.SUPPLY, "late"))]


def test_the_event_schemas_are_in_the_openapi_document(client):
    components = client.get("/api/openapi.json").json["components"]["schemas"]
    for event_type, versions in feed.EVENT_SCHEMAS.items():
        for version in versions:
            data_name, refs_name = feed.component_names(event_type, version)
            assert data_name in components and refs_name in components
    assert "FeedStockMovementDataV1" in components
    assert "recovered_value" in components["FeedProcessingOutcomeDataV1"]["properties"]


def test_a_pickup_moved_to_another_day_is_scheduled_again_with_its_new_day(app, amy, root, logistics, session):
    removal(app, amy, logistics.world.amy_job.id, "PRN-MFP-C550", "AR55555555")
    session.rollback()
    pickup = session.scalar(sa.select(Pickup))
    day = make.next_weekday(date.today())
    later = make.next_weekday(day)
    plan_day(session, day)
    move_pickup(session, pickup.id, later)
    plan_day(session, later)
    events, _ = read_all(root)
    scheduled = [e for e in events if e["type"] == feed.PICKUP_SCHEDULED]
    assert [e["data"]["planned_date"] for e in scheduled] == [day.isoformat(), later.isoformat()]
    assert {e["refs"]["pickup_id"] for e in scheduled} == {pickup.id}
