"""The search on every core: independent searches, one deadline, the best solution wins."""

import time

import pytest
from pyvrp import Model

from server.logistics.routing.greedy_start import nearest_neighbour_solution
from server.logistics.routing.search import SearchSettings, solve

# Twelve clients on a 4 x 3 grid around a depot, demand 3 each, vans of capacity 10:
# at least four rounds.
CAPACITY = 10


def grid_instance(num_vans=12):
    model = Model()
    depot = model.add_depot(model.add_location(x=0, y=0))
    model.add_vehicle_type(num_available=num_vans, capacity=CAPACITY, start_depot=depot, end_depot=depot)
    for i in range(12):
        location = model.add_location(x=10 * (i % 4 - 1.5), y=10 * (i // 4 - 1))
        model.add_client(location, delivery=3)
    for frm in model.locations:
        for to in model.locations:
            distance = round(((frm.x - to.x) ** 2 + (frm.y - to.y) ** 2) ** 0.5)
            model.add_edge(frm, to, distance=distance, duration=distance)
    return model.data()


def visits(solution):
    return sorted(visit.idx for route in solution.routes() for visit in route.schedule() if visit.is_client())


@pytest.mark.parametrize("process_start", ["spawn", "fork"])
def test_two_searches_return_a_feasible_solution_serving_every_client(process_start):
    data = grid_instance()

    solution = solve(data, seconds=0.8, seed=1, workers=2, process_start=process_start)

    assert solution.is_feasible()
    assert visits(solution) == list(range(12))


def test_every_search_can_run_in_a_child_process_leaving_the_caller_free():
    data = grid_instance()

    solution = solve(data, seconds=0.8, seed=1, workers=1, own_search=False)

    assert solution.is_feasible()
    assert visits(solution) == list(range(12))


@pytest.mark.serial  # asserts a bound on wall time
def test_the_search_stops_at_its_budget():
    """Forked children start at once, so the whole call takes the budget and little more
    (the upper bound leaves room for a loaded machine)."""
    data = grid_instance()

    started = time.monotonic()
    solve(data, seconds=1.0, workers=2, process_start="fork")
    elapsed = time.monotonic() - started

    assert 1.0 <= elapsed < 2.0


def test_progress_reports_the_best_objective_and_end_with_a_final_call():
    data = grid_instance()
    reports = []

    solution = solve(data, seconds=0.6, workers=1, on_progress=reports.append, progress_interval_s=0.1)

    assert reports and reports[-1].best_cost == solution.distance()
    assert [r.elapsed_s for r in reports] == sorted(r.elapsed_s for r in reports)


def test_the_greedy_start_fills_each_van_before_taking_the_next():
    data = grid_instance()

    start = nearest_neighbour_solution(data)

    assert visits(start) == list(range(12))
    assert all(route.delivery()[0] <= CAPACITY for route in start.routes())
    assert len(start.routes()) == 4  # three clients of 3 per van of 10


def test_the_greedy_start_overloads_the_last_van_when_the_fleet_is_too_small():
    data = grid_instance(num_vans=2)

    start = nearest_neighbour_solution(data)

    assert visits(start) == list(range(12))
    assert len(start.routes()) == 2 and not start.is_feasible()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(seconds=0), "seconds must be positive"),
        (dict(seconds=1, workers=0), "workers must be at least 1"),
        (dict(seconds=1, portfolio=()), "portfolio must not be empty"),
        (dict(seconds=1, process_start="forkserver"), "process_start must be one of"),
    ],
)
def test_invalid_search_arguments_are_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        solve(grid_instance(), **arguments)


@pytest.mark.parametrize("field", ["num_neighbours", "history_length", "max_perturbations"])
def test_search_settings_must_be_positive(field):
    with pytest.raises(ValueError, match=f"{field} must be at least 1"):
        SearchSettings(**{field: 0})
