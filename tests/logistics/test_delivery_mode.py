"""Depot collection or courier to the site: the cheaper mode that arrives before the job."""

from datetime import datetime, timedelta, timezone

from common.enums import DeliveryMode
from server.logistics.delivery_mode import DeliveryRules, plan_delivery

RULES = DeliveryRules(courier_cost_per_delivery=18.0, depot_handling_cost=4.0, cost_per_km=0.05,
                      courier_lead_hours=24, depot_lead_hours=48, engineer_day_start_hour=8)
SOURCE, SITE, DEPOT = (51.60, -0.30), (51.50, -0.12), (51.52, -0.10)
WINDOW = datetime(2026, 12, 10, 10, 0, tzinfo=timezone.utc)


def plan(now, depot=DEPOT, rules=RULES, **kwargs):
    return plan_delivery(rules, source=SOURCE, site=SITE, depot=depot, window_start=WINDOW, now=now,
                         timezone="Europe/London", **kwargs)


def test_a_delivery_is_planned_to_arrive_before_its_job_window():
    delivery = plan(WINDOW - timedelta(days=5))
    assert not delivery.late
    assert delivery.deadline <= WINDOW
    assert delivery.planned_at < delivery.deadline


def test_the_depot_is_chosen_when_it_is_cheaper_and_in_time():
    delivery = plan(WINDOW - timedelta(days=5))
    assert delivery.mode == DeliveryMode.DEPOT_COLLECTION
    assert delivery.deadline == datetime(2026, 12, 10, 8, 0, tzinfo=timezone.utc)
    assert delivery.planned_at == delivery.deadline - timedelta(hours=48)
    assert delivery.reason.startswith("To the engineer's depot (")


def test_the_courier_is_chosen_when_the_depot_shuttle_is_too_late():
    delivery = plan(WINDOW - timedelta(hours=30))
    assert delivery.mode == DeliveryMode.COURIER_TO_SITE
    assert delivery.deadline == WINDOW
    assert delivery.reason.endswith("for collection: too late")


def test_the_courier_is_chosen_when_it_is_cheaper():
    delivery = plan(WINDOW - timedelta(days=5), rules=DeliveryRules(**{**RULES.__dict__, "depot_handling_cost": 40.0}))
    assert delivery.mode == DeliveryMode.COURIER_TO_SITE


def test_an_engineer_without_a_depot_gets_a_courier():
    assert plan(WINDOW - timedelta(days=5), depot=None).mode == DeliveryMode.COURIER_TO_SITE


def test_a_unit_already_at_the_depot_waits_there_for_collection():
    delivery = plan(WINDOW - timedelta(hours=3), source_is_depot=True)
    assert delivery.mode == DeliveryMode.DEPOT_COLLECTION
    assert delivery.cost == 4.0
    assert delivery.reason.startswith("Waits at the engineer's depot")


def test_when_no_mode_arrives_in_time_the_delivery_leaves_at_once_and_says_it_is_late():
    now = WINDOW - timedelta(hours=2)
    delivery = plan(now)
    assert delivery.late and delivery.planned_at == now
    assert delivery.mode == DeliveryMode.COURIER_TO_SITE
    assert "dispatched at once" in delivery.reason
