"""Planning pickup rounds: small named scenarios, each checked for feasibility."""

import pytest

from server.logistics.routing import (
    Depot,
    GreatCircleProvider,
    NoFeasiblePlanError,
    PickupStop,
    VehicleType,
    plan_routes,
    plan_violations,
)

# Around Utrecht: 0.01 degree of latitude is about 1.1 km.
UTRECHT = Depot("utrecht", 52.0907, 5.1214)
AMERSFOORT = Depot("amersfoort", 52.1561, 5.3878)
PROVIDER = GreatCircleProvider(detour_factor=1.3, speed_kmh=40.0)
SECONDS = 0.4


def van(depot_id="utrecht", count=1, weight_kg=800.0, volume_l=3000.0, **overrides):
    fields = dict(shift_start=8 * 60, shift_end=17 * 60, cost_per_km=0.5, fixed_cost=25.0)
    fields.update(overrides)
    return VehicleType(depot_id, count, weight_kg, volume_l, **fields)


def pickup(pickup_id, near=UTRECHT, north_km=0.0, east_km=0.0, **overrides):
    fields = dict(weight_kg=20.0, volume_l=60.0, service_min=10.0, window_start=8 * 60, window_end=17 * 60, prize=100.0)
    fields.update(overrides)
    lat = near.lat + north_km / 111.2
    lon = near.lon + east_km / 68.4
    return PickupStop(pickup_id, lat, lon, **fields)


def plan_and_check(depots, vehicle_types, pickups, **kwargs):
    kwargs.setdefault("seconds", SECONDS)
    kwargs.setdefault("workers", 1)
    plan = plan_routes(depots, vehicle_types, pickups, PROVIDER, **kwargs)
    points = [(d.lat, d.lon) for d in depots] + [(p.lat, p.lon) for p in pickups]
    _, duration_min = PROVIDER.matrix(points)
    assert plan_violations(plan, depots, vehicle_types, pickups, duration_min) == []
    return plan


def test_a_4_stop_morning_route_is_one_round_within_the_morning():
    """Four sites open 09:00-12:00 a few km apart: one van collects all, in the morning."""
    pickups = [
        pickup("p1", north_km=3, window_start=9 * 60, window_end=12 * 60),
        pickup("p2", north_km=5, east_km=2, window_start=9 * 60, window_end=12 * 60),
        pickup("p3", east_km=4, window_start=9 * 60, window_end=12 * 60),
        pickup("p4", north_km=-3, east_km=1, window_start=9 * 60, window_end=12 * 60),
    ]

    plan = plan_and_check([UTRECHT], [van()], pickups)

    assert len(plan.routes) == 1
    assert sorted(plan.served) == ["p1", "p2", "p3", "p4"]
    assert plan.skipped == []
    route = plan.routes[0]
    assert all(9 * 60 <= stop.service_start and stop.departure <= 12 * 60 for stop in route.stops)
    assert route.load_weight_kg == pytest.approx(80.0)
    assert route.distance_km == pytest.approx(plan.total_distance_km)
    assert plan.total_cost == pytest.approx(route.distance_km * 0.5 + 25.0)


def test_two_depots_each_serve_the_sites_around_them():
    """Two clusters of sites, one next to each depot 20 km apart: with no fixed cost per van,
    each depot's van takes its own cluster rather than one van driving between them."""
    pickups = [pickup(f"u{i}", near=UTRECHT, north_km=i, east_km=-1) for i in range(1, 4)]
    pickups += [pickup(f"a{i}", near=AMERSFOORT, north_km=-i, east_km=1) for i in range(1, 4)]
    vans = [van("utrecht", fixed_cost=0.0), van("amersfoort", fixed_cost=0.0)]

    plan = plan_and_check([UTRECHT, AMERSFOORT], vans, pickups)

    by_depot = {route.depot_id: sorted(stop.pickup_id for stop in route.stops) for route in plan.routes}
    assert by_depot == {"utrecht": ["u1", "u2", "u3"], "amersfoort": ["a1", "a2", "a3"]}


@pytest.mark.parametrize("dimension", ["weight_kg", "volume_l"])
def test_capacity_forces_a_second_vehicle(dimension):
    """Four sites whose parts fill more than one van, in weight or in volume."""
    heavy = {"weight_kg": 300.0} if dimension == "weight_kg" else {"volume_l": 1000.0}
    pickups = [pickup(f"p{i}", north_km=2 * i, **heavy) for i in range(1, 5)]

    plan = plan_and_check([UTRECHT], [van(count=3)], pickups)

    assert len(plan.routes) == 2
    assert sorted(plan.served) == ["p1", "p2", "p3", "p4"]
    assert all(route.load_weight_kg <= 800.0 and route.load_volume_l <= 3000.0 for route in plan.routes)


def test_an_optional_pickup_with_a_tiny_prize_is_skipped_when_its_window_is_unreachable():
    """The site closes at 08:30 but lies an hour's drive away from a van leaving at 08:00."""
    nearby = pickup("nearby", north_km=2)
    unreachable = pickup("far", north_km=40, window_start=8 * 60, window_end=8 * 60 + 30, prize=1.0)

    plan = plan_and_check([UTRECHT], [van()], [nearby, unreachable])

    assert plan.served == ["nearby"]
    assert plan.skipped == ["far"]
    assert plan.skipped_prize == pytest.approx(1.0)
    assert plan.objective == pytest.approx(plan.total_cost + 1.0)


def test_an_optional_pickup_is_collected_only_when_its_prize_pays_for_the_detour():
    """A 60 km detour costs about 30 in running cost: a prize of 5 is not worth it, 500 is."""
    base = pickup("base", north_km=1)
    cheap = pickup("cheap", north_km=30, prize=5.0)
    valuable = pickup("valuable", north_km=-30, prize=500.0)

    plan = plan_and_check([UTRECHT], [van()], [base, cheap, valuable])

    assert sorted(plan.served) == ["base", "valuable"]
    assert plan.skipped == ["cheap"]


def test_a_mandatory_pickup_past_its_deadline_is_always_served():
    """An overdue part is marked mandatory: collected even though its prize is tiny and the detour long."""
    overdue = pickup("overdue", north_km=45, prize=0.01, mandatory=True)
    optional = pickup("optional", north_km=-45, prize=0.01)

    plan = plan_and_check([UTRECHT], [van()], [overdue, optional])

    assert plan.served == ["overdue"]
    assert plan.skipped == ["optional"]


@pytest.mark.filterwarnings("ignore::pyvrp.exceptions.PenaltyBoundWarning")
def test_a_mandatory_pickup_nobody_can_reach_in_time_makes_planning_fail():
    """No van reaches a site 40 km away before it closes at 08:30, and skipping it is not allowed."""
    unreachable = pickup("far", north_km=40, window_start=8 * 60, window_end=8 * 60 + 30, mandatory=True)

    with pytest.raises(NoFeasiblePlanError):
        plan_routes([UTRECHT], [van()], [unreachable], PROVIDER, seconds=SECONDS, workers=1)


def test_a_round_never_exceeds_the_maximum_duration():
    """Sites 20 km out in four directions, with rounds capped at 2 hours: the van count decides."""
    pickups = [
        pickup("n", north_km=20),
        pickup("s", north_km=-20),
        pickup("e", east_km=20),
        pickup("w", east_km=-20),
    ]

    plan = plan_and_check([UTRECHT], [van(count=4, max_duration_min=120)], pickups)

    assert sorted(plan.served) == ["e", "n", "s", "w"]
    assert all(route.end - route.start <= 120 for route in plan.routes)
    assert len(plan.routes) >= 2


def test_planning_with_two_parallel_searches_gives_a_feasible_plan():
    pickups = [pickup(f"p{i}", north_km=i % 5, east_km=i // 5) for i in range(12)]

    plan = plan_and_check([UTRECHT], [van(count=2, weight_kg=150)], pickups, workers=2, seconds=1.0)

    assert sorted(plan.served) == sorted(p.id for p in pickups)


def test_no_pickups_gives_an_empty_plan():
    plan = plan_routes([UTRECHT], [van()], [], PROVIDER, seconds=SECONDS)

    assert plan.routes == [] and plan.skipped == [] and plan.objective == 0


def test_a_mandatory_pickup_too_big_for_every_van_is_rejected():
    too_big = pickup("crate", weight_kg=900.0, mandatory=True)

    with pytest.raises(ValueError, match="must fit in at least one vehicle type"):
        plan_routes([UTRECHT], [van()], [too_big], PROVIDER, seconds=SECONDS)


def test_a_van_at_an_unknown_depot_is_rejected():
    with pytest.raises(ValueError, match="must be a known depot"):
        plan_routes([UTRECHT], [van("rotterdam")], [pickup("p")], PROVIDER, seconds=SECONDS)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Depot("", 52.0, 5.0), "id must be"),
        (lambda: Depot("d", 95.0, 5.0), "lat must be"),
        (lambda: van(count=0), "count must be"),
        (lambda: van(weight_kg=0), "capacity_weight_kg must be"),
        (lambda: van(shift_start=17 * 60, shift_end=8 * 60), "shift_end must be"),
        (lambda: van(max_duration_min=-5), "max_duration_min must be"),
        (lambda: pickup("p", weight_kg=-1), "weight_kg must be"),
        (lambda: pickup("p", window_start=600, window_end=605, service_min=10), "window_end must"),
        (lambda: pickup("p", window_end=1500), "window_end must be"),
        (lambda: pickup("p", prize=-1), "prize must be"),
    ],
)
def test_invalid_input_is_rejected_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()
