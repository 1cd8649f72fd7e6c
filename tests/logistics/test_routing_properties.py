"""Whatever the day looks like, a plan the planner returns keeps every rule."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.logistics.routing import (
    Depot,
    GreatCircleProvider,
    NoFeasiblePlanError,
    PickupStop,
    VehicleType,
    plan_routes,
    plan_violations,
)

DEPOTS = [Depot("west", 52.09, 5.12), Depot("east", 52.16, 5.39)]
PROVIDER = GreatCircleProvider()


@st.composite
def pickups(draw, index):
    start = draw(st.integers(7 * 60, 14 * 60))
    length = draw(st.integers(30, 6 * 60))
    return PickupStop(
        id=f"p{index}",
        lat=draw(st.floats(52.0, 52.25)),
        lon=draw(st.floats(5.0, 5.5)),
        weight_kg=draw(st.floats(0.0, 150.0)),
        volume_l=draw(st.floats(0.0, 400.0)),
        service_min=draw(st.sampled_from([5.0, 10.0, 20.0])),
        window_start=start,
        window_end=min(start + length, 24 * 60),
        prize=draw(st.floats(0.0, 200.0)),
        mandatory=draw(st.booleans()),
    )


@st.composite
def days(draw):
    vans = [
        VehicleType(
            depot_id=draw(st.sampled_from(DEPOTS)).id,
            count=draw(st.integers(1, 2)),
            capacity_weight_kg=draw(st.sampled_from([150.0, 300.0, 800.0])),
            capacity_volume_l=draw(st.sampled_from([400.0, 1000.0, 3000.0])),
            shift_start=draw(st.sampled_from([7 * 60, 8 * 60])),
            shift_end=draw(st.sampled_from([12 * 60, 17 * 60])),
            max_duration_min=draw(st.sampled_from([None, 180.0, 300.0])),
            cost_per_km=draw(st.sampled_from([0.3, 0.8])),
            fixed_cost=draw(st.sampled_from([0.0, 30.0])),
        )
        for _ in range(draw(st.integers(1, 2)))
    ]
    stops = [draw(pickups(index)) for index in range(draw(st.integers(1, 7)))]
    # Keep mandatory pickups small enough for some van: anything else is
    # rejected before planning, which another test covers.
    roomiest = max(vans, key=lambda van: min(van.capacity_weight_kg, van.capacity_volume_l))
    stops = [
        stop
        if not stop.mandatory
        or (stop.weight_kg <= roomiest.capacity_weight_kg and stop.volume_l <= roomiest.capacity_volume_l)
        else PickupStop(**{**stop.__dict__, "mandatory": False})
        for stop in stops
    ]
    return vans, stops


@pytest.mark.filterwarnings("ignore::pyvrp.exceptions.PenaltyBoundWarning")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_every_plan_returned_is_feasible(day):
    vans, stops = day
    try:
        plan = plan_routes(DEPOTS, vans, stops, PROVIDER, seconds=0.2, workers=1, seed=1)
    except NoFeasiblePlanError:
        return

    points = [(d.lat, d.lon) for d in DEPOTS] + [(s.lat, s.lon) for s in stops]
    _, duration_min = PROVIDER.matrix(points)
    assert plan_violations(plan, DEPOTS, vans, stops, duration_min) == []
