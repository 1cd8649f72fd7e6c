"""The command line solves a CVRPLIB instance and writes a valid .sol file."""

import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Depot on node 1, eight customers, capacity 10: at least three routes.
COORDINATES = [(50, 50), (10, 10), (20, 85), (90, 90), (85, 15), (55, 5), (5, 60), (60, 95), (95, 50)]
DEMANDS = [0, 4, 3, 5, 2, 6, 3, 4, 2]
CAPACITY = 10


def write_instance(path: Path) -> None:
    lines = [
        "NAME : tiny-n9-k3",
        "TYPE : CVRP",
        f"DIMENSION : {len(COORDINATES)}",
        "EDGE_WEIGHT_TYPE : EUC_2D",
        f"CAPACITY : {CAPACITY}",
        "NODE_COORD_SECTION",
        *(f"{node} {x} {y}" for node, (x, y) in enumerate(COORDINATES, 1)),
        "DEMAND_SECTION",
        *(f"{node} {demand}" for node, demand in enumerate(DEMANDS, 1)),
        "DEPOT_SECTION",
        "1",
        "-1",
        "EOF",
    ]
    path.write_text("\n".join(lines) + "\n")


def rounded_distance(a: int, b: int) -> int:
    (x1, y1), (x2, y2) = COORDINATES[a], COORDINATES[b]
    return round(math.hypot(x1 - x2, y1 - y2))


def test_solve_writes_a_valid_solution_whose_cost_matches_its_routes(tmp_path):
    instance, solution = tmp_path / "tiny.vrp", tmp_path / "tiny.sol"
    write_instance(instance)

    finished = subprocess.run(
        [sys.executable, "-m", "server.logistics.routing", "solve", str(instance),
         "--seconds", "1.5", "--out", str(solution), "--seed", "3"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )

    assert finished.returncode == 0, finished.stderr
    assert "] best " in finished.stdout  # progress lines while searching
    lines = solution.read_text().splitlines()
    routes = [[int(c) for c in line.split(":")[1].split()] for line in lines if line.startswith("Route #")]
    assert [line.split(":")[0] for line in lines[:-1]] == [f"Route #{n}" for n in range(1, len(routes) + 1)]
    assert sorted(c for route in routes for c in route) == list(range(1, len(COORDINATES)))
    assert all(sum(DEMANDS[c] for c in route) <= CAPACITY for route in routes)

    cost = sum(rounded_distance(a, b) for route in routes for a, b in zip([0, *route], [*route, 0]))
    assert lines[-1] == f"Cost {cost}"
    assert f"Cost {cost}" in finished.stdout


def test_solve_refuses_a_missing_time_limit(tmp_path):
    instance = tmp_path / "tiny.vrp"
    write_instance(instance)

    finished = subprocess.run(
        [sys.executable, "-m", "server.logistics.routing", "solve", str(instance), "--out", str(tmp_path / "x.sol")],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )

    assert finished.returncode == 2 and "--seconds" in finished.stderr
