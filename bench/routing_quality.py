"""Solution quality of the route planner on CVRPLIB X instances, against two references.

For every instance in bench/data/cvrplib/bks.csv and the same wall-time limit:

* ``planner``: our command, ``python -m server.logistics.routing solve``, run
  as a subprocess exactly as a user runs it (both cores);
* ``pyvrp``: PyVRP's plain ``pyvrp.solve(data, stop=MaxRuntime(N))`` with
  default settings (one core);
* ``ortools``: OR-Tools routing with guided local search (one core).

Gaps are to the best-known solution (BKS). Results go to bench/results/
(JSON and a Markdown snippet for docs/BENCHMARKS.md).

Usage::

    python bench/routing_quality.py [--seconds 10] [--seed 0] [--instances X-n101-k25,...]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from server.logistics.routing.cvrplib import read_cvrp, read_solution, route_cost  # noqa: E402

DATA_DIR = REPO / "bench" / "data" / "cvrplib"
RESULTS_DIR = REPO / "bench" / "results"
SOLVERS = ("planner", "pyvrp", "ortools")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    instances = _instances(args.instances)
    print(f"{len(instances)} instances x {len(SOLVERS)} solvers at {args.seconds:g} s each", flush=True)

    rows = []
    runs = len(instances) * len(SOLVERS)
    for number, (name, bks) in enumerate(instances.items()):
        path = DATA_DIR / f"{name}.vrp"
        row = {"instance": name, "bks": bks}
        for offset, solver in enumerate(SOLVERS):
            run = number * len(SOLVERS) + offset + 1
            print(f"[{run}/{runs}] {name} {solver} ...", flush=True)
            cost, wall_s = RUNNERS[solver](path, args.seconds, args.seed)
            gap = None if cost is None else 100.0 * (cost - bks) / bks
            row[solver] = {"cost": cost, "gap_pct": gap, "wall_s": wall_s}
            shown = "no solution" if cost is None else f"cost {cost}, gap {gap:.2f}%"
            print(f"[{run}/{runs}] {name} {solver}: {shown} in {wall_s:.1f} s", flush=True)
        rows.append(row)

    command = "python bench/routing_quality.py " + " ".join(sys.argv[1:] if argv is None else argv)
    table = _markdown(rows, args.seconds, command.strip())
    print()
    print(table)
    _write_results(rows, args, table)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per solver and instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", default=None, help="comma-separated names (default: all in bks.csv)")
    return parser


def _instances(selection: str | None) -> dict[str, int]:
    with open(DATA_DIR / "bks.csv", newline="") as handle:
        known = {row["instance"]: int(row["bks"]) for row in csv.DictReader(handle)}
    if selection is None:
        return known
    names = [name.strip() for name in selection.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"not in bks.csv: {', '.join(unknown)}")
    return {name: known[name] for name in names}


def run_planner(path: Path, seconds: float, seed: int) -> tuple[int | None, float]:
    """Our command line, in a subprocess; the cost is recomputed from the .sol routes."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "solution.sol"
        command = [
            sys.executable, "-m", "server.logistics.routing", "solve", str(path),
            "--seconds", str(seconds), "--out", str(out), "--seed", str(seed),
        ]
        started = time.monotonic()
        finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        wall_s = time.monotonic() - started
        if finished.returncode != 0 or not out.exists():
            print(finished.stdout + finished.stderr, file=sys.stderr)
            return None, wall_s
        routes, stated = read_solution(out)

    instance = read_cvrp(path)
    served = sorted(customer for route in routes for customer in route)
    if served != list(range(1, instance.num_customers + 1)):
        raise AssertionError(f"{path.name}: the planner's solution does not visit every customer once")
    if any(sum(instance.demands[c] for c in route) > instance.capacity for route in routes):
        raise AssertionError(f"{path.name}: the planner's solution overloads a vehicle")
    cost = route_cost(instance, routes)
    if stated != cost:
        raise AssertionError(f"{path.name}: .sol states cost {stated}, routes cost {cost}")
    return cost, wall_s


def run_pyvrp(path: Path, seconds: float, seed: int) -> tuple[int | None, float]:
    """PyVRP as shipped: read with rounded distances, solve with default settings."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    started = time.monotonic()
    data = pyvrp.read(path, round_func="round")
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, collect_stats=False)
    wall_s = time.monotonic() - started
    return (int(result.cost()) if result.is_feasible() else None), wall_s


def run_ortools(path: Path, seconds: float, seed: int) -> tuple[int | None, float]:
    """OR-Tools routing: cheapest-arc start, guided local search, same time limit."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.monotonic()
    instance = read_cvrp(path)
    # OR-Tools needs a fixed fleet: the instance's minimum (the k in its name)
    # plus 10 % slack, at least two vans.
    match = re.search(r"-k(\d+)", path.stem)
    minimum = int(match.group(1)) if match else math.ceil(instance.demands.sum() / instance.capacity)
    vehicles = minimum + max(2, math.ceil(0.1 * minimum))

    distances = instance.distances.tolist()
    demands = instance.demands.tolist()
    manager = pywrapcp.RoutingIndexManager(len(demands), vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    # Matrix and vector registration keep the evaluations in C++; Python
    # callbacks would slow OR-Tools several-fold.
    transit = routing.RegisterTransitMatrix(distances)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    load = routing.RegisterUnaryTransitVector(demands)
    routing.AddDimensionWithVehicleCapacity(load, 0, [instance.capacity] * vehicles, True, "load")

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    # Model building counts against the limit, as it does for the others.
    remaining = max(seconds - (time.monotonic() - started), 0.1)
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    wall_s = time.monotonic() - started
    if solution is None:
        return None, wall_s

    routes = []
    for vehicle in range(vehicles):
        index = routing.Start(vehicle)
        route = []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node != 0:
                route.append(node)
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return route_cost(instance, routes), wall_s


RUNNERS = {"planner": run_planner, "pyvrp": run_pyvrp, "ortools": run_ortools}


def _markdown(rows: list[dict], seconds: float, command: str) -> str:
    lines = [
        f"### Route planner quality on CVRPLIB X instances ({seconds:g} s per run)",
        "",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: {_machine()}",
        f"- Command: `{command}`",
        f"- Versions: {_versions()}",
        "",
        "| Instance | BKS | Planner (2 cores) | gap | PyVRP plain (1 core) | gap | OR-Tools GLS (1 core) | gap |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [row["instance"], str(row["bks"])]
        for solver in SOLVERS:
            result = row[solver]
            cells += ["-", "-"] if result["cost"] is None else [str(result["cost"]), f"{result['gap_pct']:.2f}%"]
        lines.append("| " + " | ".join(cells) + " |")

    averages = ["**Average gap**", ""]
    for solver in SOLVERS:
        gaps = [row[solver]["gap_pct"] for row in rows if row[solver]["gap_pct"] is not None]
        mean = f"**{sum(gaps) / len(gaps):.2f}%**" if len(gaps) == len(rows) else "n/a"
        averages += ["", mean]
    lines.append("| " + " | ".join(averages) + " |")
    return "\n".join(lines)


def _machine() -> str:
    memory = "unknown memory"
    try:
        with open("/proc/meminfo") as handle:
            kib = int(handle.readline().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {memory}, Python {platform.python_version()}"


def _versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("pyvrp", "vrplib", "ortools"))


def _write_results(rows: list[dict], args: argparse.Namespace, table: str) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    record = {"seconds": args.seconds, "seed": args.seed, "machine": _machine(), "results": rows}
    (RESULTS_DIR / f"routing_quality-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS_DIR / f"routing_quality-{stamp}.md").write_text(table + "\n")
    print(f"\nwritten: bench/results/routing_quality-{stamp}.json and .md", flush=True)


if __name__ == "__main__":
    sys.exit(main())
