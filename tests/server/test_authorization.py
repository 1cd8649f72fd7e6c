"""Every API endpoint against every kind of caller: only the allowed ones get through."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

import factories as make
from common.enums import StockGrade, StockLocationKind
from server.models import Delivery, Reservation
from integration_fixtures import integration_with_key
from stock_fixtures import supply

ENGINEER, DISPATCHER, ADMIN, ANONYMOUS = "engineer", "dispatcher", "admin", "anonymous"
INTEGRATION = "integration"  # another system, with an integration key
STAFF = {DISPATCHER, ADMIN}


def endpoints(world, other_device_pk: int, review_pk: int, plan_run_id: int, return_line_id: uuid.UUID,
              delivery_id: int, integration_id: int = 1, integration_key_id: int = 1):
    """(method, path, json body, who may call it)."""
    job_body = {"site_id": world.north.id, "engineer_id": world.amy.id, "summary": "Visit",
                "window_start": make.now().isoformat(), "window_end": (make.now() + timedelta(hours=1)).isoformat()}
    return [
        ("GET", "/api/v1/me", None, {ENGINEER, DISPATCHER, ADMIN}),
        ("GET", "/api/v1/sync/pull", None, {ENGINEER}),
        ("POST", "/api/v1/sync/push", "push", {ENGINEER}),
        ("GET", "/api/v1/returns", None, STAFF),
        ("GET", "/api/v1/jobs", None, STAFF),
        ("POST", "/api/v1/jobs", job_body, STAFF),
        ("GET", f"/api/v1/jobs/{world.amy_job.id}", None, STAFF),
        ("PATCH", f"/api/v1/jobs/{world.amy_job.id}", {"summary": "Changed"}, STAFF),
        ("GET", "/api/v1/sites", None, STAFF),
        ("GET", "/api/v1/parts", None, STAFF),
        ("GET", "/api/v1/facilities", None, STAFF),
        ("GET", "/api/v1/events", None, STAFF),
        ("GET", "/api/v1/devices", None, STAFF),
        ("POST", f"/api/v1/devices/{other_device_pk}/revoke", None, STAFF),
        ("POST", f"/api/v1/devices/{other_device_pk}/enable", None, {ADMIN}),
        ("GET", "/api/v1/reviews", None, STAFF),
        ("POST", f"/api/v1/reviews/{review_pk}/resolution", {"action": "dismiss", "comment": "Seen."}, STAFF),
        ("POST", "/api/v1/plans", {"date": (make.now() + timedelta(days=1)).date().isoformat()}, STAFF),
        ("GET", f"/api/v1/plans/runs/{plan_run_id}", None, STAFF),
        ("GET", f"/api/v1/returns/{return_line_id}/processing", None, STAFF),
        ("GET", f"/api/v1/facilities/{world.depot.id}/queue", None, STAFF),
        ("GET", "/api/v1/stock/balances", None, STAFF),
        ("GET", "/api/v1/stock/movements", None, STAFF),
        ("POST", "/api/v1/stock/supplies", {"part_number": "PRN-FUS-220", "quantity": 1, "facility": "FAC:TPK"}, STAFF),
        ("POST", "/api/v1/stock/transfers", {"part_number": "PRN-FUS-220", "quantity": 1, "grade": "new",
                                             "from_location": "FAC:TPK", "to_location": "VAN:amy", "reason": "Top-up"},
         STAFF),
        ("POST", "/api/v1/stock/stocktakes", {"part_number": "PRN-FUS-220", "grade": "new", "location": "FAC:TPK",
                                              "counted": 2, "reason": "Count"}, STAFF),
        ("GET", "/api/v1/reservations", None, STAFF),
        ("GET", "/api/v1/shortages", None, STAFF),
        ("POST", "/api/v1/shortages/retry", None, STAFF),
        ("GET", "/api/v1/deliveries", None, STAFF),
        ("GET", f"/api/v1/deliveries/{delivery_id}", None, STAFF),
        ("POST", f"/api/v1/deliveries/{delivery_id}/dispatched", None, STAFF),
        ("POST", f"/api/v1/deliveries/{delivery_id}/at-depot", None, STAFF),
        ("POST", f"/api/v1/deliveries/{delivery_id}/delivered", None, STAFF),
        ("GET", "/api/v1/integration/whoami", None, {INTEGRATION}),
        ("GET", "/api/v1/integrations", None, {ADMIN}),
        ("POST", "/api/v1/integrations", {"name": "CRM", "source": "crm"}, {ADMIN}),
        ("POST", f"/api/v1/integrations/{integration_id}/keys", {"label": "Second"}, {ADMIN}),
        ("PUT", f"/api/v1/integrations/{integration_id}/webhook", {"url": None}, {ADMIN}),
        ("POST", f"/api/v1/integrations/{integration_id}/keys/{integration_key_id}/revoke", None, {ADMIN}),
        ("POST", f"/api/v1/integrations/{integration_id}/disable", None, {ADMIN}),
        ("POST", f"/api/v1/integrations/{integration_id}/enable", None, {ADMIN}),
        ("POST", "/api/v1/integration/records", {"records": []}, {INTEGRATION}),
        # The reconciliation a permitted caller posts first is number 1 on the fresh database.
        ("POST", "/api/v1/integration/reconciliations",
         {"as_of": (make.now() - timedelta(days=1)).date().isoformat(), "balances": []}, STAFF | {INTEGRATION}),
        ("GET", "/api/v1/integration/reconciliations/1", None, STAFF | {INTEGRATION}),
        ("POST", "/api/v1/integration/reconciliations/1/agree", None, STAFF | {INTEGRATION}),
        ("GET", "/api/v1/stock/export/balances.csv", None, STAFF | {INTEGRATION}),
        ("GET", "/api/v1/stock/export/movements.csv", None, STAFF | {INTEGRATION}),
        ("GET", "/api/v1/integration/feed", None, {INTEGRATION, ADMIN}),
    ]


def held_completion(session, world) -> int:
    """An open review item: Ben's completion of Amy's job."""
    from common.enums import ReviewKind
    from server.models import ReviewItem

    review = ReviewItem(kind=ReviewKind.COMPLETION_AFTER_REASSIGNMENT, event_id=uuid.uuid4(), engineer_id=world.ben.id,
                        job_id=world.amy_job.id, reason="Reassigned.")
    session.add(review)
    session.commit()
    return review.id


def removed_fuser(session, world) -> uuid.UUID:
    """A return line: the fuser Amy took out at North Office, with her."""
    from common.enums import HolderKind, PartCondition, ReturnStatus
    from server.models import ReturnLine

    line = ReturnLine(id=uuid.uuid4(), part_number_id=world.fuser.id, serial="AR00000001", origin="part_removed",
                      condition=PartCondition.FAULTY, origin_site_id=world.north.id, job_id=world.amy_job.id,
                      removed_by_id=world.amy.id, removed_at=make.now(), status=ReturnStatus.WITH_ENGINEER,
                      holder_kind=HolderKind.ENGINEER, holder_id=world.amy.id)
    session.add(line)
    session.commit()
    return line.id
def planned_delivery(session, world) -> int:
    """A refurbished fuser on its way to Amy's depot for a job of hers."""
    world.amy.home_facility_id = world.depot.id
    centre = make.facility(session, "LDS", latitude=53.80, longitude=-1.55)
    supply(session, StockLocationKind.FACILITY, centre.id, world.fuser, StockGrade.REFURBISHED)
    job = make.job(session, world.north, world.amy, world.dana, start=make.now() + timedelta(days=5),
                   expected_parts=[{"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"}])
    return session.scalar(sa.select(Delivery.id).join(Reservation).where(Reservation.job_id == job.id))


@pytest.mark.parametrize("caller", [ENGINEER, DISPATCHER, ADMIN, ANONYMOUS, INTEGRATION])
def test_each_endpoint_admits_exactly_its_roles(phone_of, client, session, world, caller):
    from phones import Phone
    from server.models import Device, PlanRun, Vehicle

    integration, key = integration_with_key(session)
    integration_key_id = integration.keys[0].id

    other = phone_of("ben")
    other_device_pk = session.scalar(sa.select(Device.id).where(Device.device_uid == other.device_id))
    run = PlanRun(plan_date=make.now().date())
    session.add_all([run, Vehicle(name="Van", depot_id=world.depot.id, capacity_weight_kg=500, capacity_volume_l=900)])
    session.commit()
    phone = {ENGINEER: lambda: phone_of("amy"), DISPATCHER: lambda: phone_of("dana"),
             ADMIN: lambda: phone_of("root"), ANONYMOUS: lambda: Phone(client=client),
             INTEGRATION: lambda: Phone(client=client)}[caller]()
    if caller == INTEGRATION:
        phone.token = key
    for method, path, body, allowed in endpoints(world, other_device_pk, held_completion(session, world), run.id,
                                                 removed_fuser(session, world), planned_delivery(session, world),
                                                 integration.id, integration_key_id):
        if body == "push":
            body = {"protocol_version": 1, "device_id": phone.device_id, "events": []}
        r = phone.request(method, path, json=body)
        if caller in allowed:
            assert r.status in (200, 201, 202), (method, path, caller, r.status, r.json)
        else:
            assert r.status == (401 if caller == ANONYMOUS else 403), (method, path, caller, r.status)
            assert r.json["message"]


def test_an_engineer_cannot_read_another_engineers_return_line_through_pull(amy, ben, world):
    ev = amy.new_event("part_removed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001",
                       condition="faulty")
    amy.push([ev])
    ben.sync_down()
    assert ev["id"] not in ben.cached("return_line")
    assert str(world.amy_job.id) not in ben.cached("job")


def test_an_engineer_cannot_write_to_another_engineers_job(ben, world):
    ev = ben.new_event("job_completed", world.amy_job.id)
    assert ben.push([ev]).json["results"][0]["status"] == "rejected"


def test_a_customer_link_opens_its_own_pickup_and_nothing_else(client, session, world):
    from common.enums import PickupStatus
    from server.models import Pickup
    from server.services.notifications.notices import pickup_link

    mine, other = Pickup(site_id=world.north.id, status=PickupStatus.OPEN), Pickup(site_id=world.south.id)
    session.add_all([mine, other])
    session.commit()
    token = pickup_link(mine).rsplit("/", 1)[1]
    assert client.get(f"/api/v1/customer/pickups/{token}").json["id"] == mine.id
    as_bearer = {"Authorization": f"Bearer {token}"}
    for method, path, body, _ in endpoints(world, other_device_pk=1, review_pk=1, plan_run_id=1,
                                           return_line_id=uuid.uuid4(), delivery_id=1):
        r = client.open(path, method=method, json=body if isinstance(body, dict) else None, headers=as_bearer)
        assert r.status_code == 401, (method, path)
    assert client.get(f"/pickup/{token}").status_code == 200
    assert client.get("/console/").status_code in (302, 401, 403)
