"""Solution quality of the route planner on CVRPLIB X instances, against two references.

For every instance in bench/data/cvrplib/bks.csv, every seed and the same
search budget of N seconds:

* ``planner``: our command, ``python -m server.logistics.routing solve
  --seconds N``, run as a subprocess exactly as a user runs it (both cores);
* ``pyvrp``: PyVRP's plain ``pyvrp.solve(data, stop=MaxRuntime(N), seed=s)``
  with default settings (one core);
* ``ortools``: OR-Tools routing with guided local search and a time limit of
  N seconds (one core).

N is the search budget for all three: reading the instance and building the
model come before it (PyVRP's ``MaxRuntime`` starts when its search starts).
The solvers take turns within each instance and seed, in an order rotated
from seed to seed, so that load from other work on the machine hits all of
them alike. Before each planner run the 1-minute load average is checked; when
it is above ``--max-load`` the run waits (at most ``--max-wait`` seconds) for
it to drop, and the load is recorded either way.

Gaps are to the best-known solution (BKS). Results go to bench/results/
(JSON with every run, and a Markdown section for docs/BENCHMARKS.md).

Usage::

    python bench/routing_quality.py [--seconds 10] [--seeds 1,2,3] [--instances X-n101-k25,...]
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
import statistics
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
LABELS = {"planner": "Planner (2 cores)", "pyvrp": "PyVRP plain (1 core)", "ortools": "OR-Tools GLS (1 core)"}
POLL_S = 5.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    instances = _instances(args.instances)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    solvers = [name.strip() for name in args.solvers.split(",")]
    unknown = [name for name in solvers if name not in SOLVERS]
    if unknown:
        raise SystemExit(f"unknown solver(s): {', '.join(unknown)}; choose from {', '.join(SOLVERS)}")

    load_at_start = os.getloadavg()
    total = len(instances) * len(seeds) * len(solvers)
    print(
        f"{len(instances)} instances x {len(seeds)} seeds x {len(solvers)} solvers at {args.seconds:g} s "
        f"of search each; load average at start {_load_text(load_at_start)}",
        flush=True,
    )

    runs = []
    for name, bks in instances.items():
        path = DATA_DIR / f"{name}.vrp"
        for turn, seed in enumerate(seeds):
            # Rotate the order so that no solver always runs first or last.
            for solver in solvers[turn % len(solvers):] + solvers[: turn % len(solvers)]:
                waited_s = _wait_for_quiet(args.max_load, args.max_wait) if solver == "planner" else 0.0
                load = os.getloadavg()[0]
                print(f"[{len(runs) + 1}/{total}] {name} seed {seed} {solver} (load {load:.2f}) ...", flush=True)
                cost, wall_s = RUNNERS[solver](path, args.seconds, seed)
                gap = None if cost is None else 100.0 * (cost - bks) / bks
                runs.append({
                    "instance": name, "bks": bks, "seed": seed, "solver": solver, "cost": cost,
                    "gap_pct": gap, "wall_s": wall_s, "load_1min": load, "waited_s": waited_s,
                })
                shown = "no solution" if cost is None else f"cost {cost}, gap {gap:.2f}%"
                print(f"    {shown} in {wall_s:.1f} s", flush=True)

    load_at_end = os.getloadavg()
    print(f"load average at end {_load_text(load_at_end)}", flush=True)
    command = "python bench/routing_quality.py " + " ".join(sys.argv[1:] if argv is None else argv)
    summary = summarise(runs, list(instances), solvers, args.max_load)
    section = markdown(summary, args.seconds, seeds, command.strip(), (load_at_start, load_at_end))
    print()
    print(section)
    _write_results(runs, summary, args, seeds, section, (load_at_start, load_at_end))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="search budget per run, in seconds (default 10)")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds, each run by every solver (default 1,2,3)")
    parser.add_argument("--instances", default=None, help="comma-separated names (default: all in bks.csv)")
    parser.add_argument("--solvers", default=",".join(SOLVERS), help=f"comma-separated subset of {','.join(SOLVERS)}")
    parser.add_argument("--max-load", type=float, default=1.5,
                        help="1-minute load average above which a planner run waits first (default 1.5)")
    parser.add_argument("--max-wait", type=float, default=30.0,
                        help="longest wait, in seconds, for the load to drop before a planner run (default 30)")
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


def _wait_for_quiet(max_load: float, max_wait_s: float) -> float:
    """Waits, at most ``max_wait_s``, for the 1-minute load to drop to ``max_load``; returns the wait."""
    load = os.getloadavg()[0]
    if load <= max_load:
        return 0.0
    print(f"    warning: 1-min load {load:.2f} > {max_load:g} before a 2-core run; waiting up to {max_wait_s:g} s",
          flush=True)
    started = time.monotonic()
    while load > max_load and time.monotonic() - started < max_wait_s:
        time.sleep(min(POLL_S, max(0.0, max_wait_s - (time.monotonic() - started))))
        load = os.getloadavg()[0]
    if load > max_load:
        print(f"    warning: load still {load:.2f}; running anyway", flush=True)
    return time.monotonic() - started


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
    """OR-Tools routing: cheapest-arc start, guided local search, ``seconds`` of search.

    OR-Tools' search is deterministic and takes no seed; its runs differ only
    by how far the search gets in the time limit.
    """
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
    params.time_limit.FromMilliseconds(int(seconds * 1000))
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


def summarise(runs: list[dict], instances: list[str], solvers: list[str], max_load: float) -> dict:
    """Per instance and solver the mean, min and max gap; overall averages; the planner-minus-plain noise;
    how many planner runs started on a loaded machine."""
    per_instance = {}
    for name in instances:
        mine = [run for run in runs if run["instance"] == name]
        cells = {"bks": mine[0]["bks"]}
        for solver in solvers:
            gaps = [run["gap_pct"] for run in mine if run["solver"] == solver]
            found = [gap for gap in gaps if gap is not None]
            cells[solver] = None if len(found) < len(gaps) else {
                "mean": statistics.fmean(found), "min": min(found), "max": max(found)
            }
        per_instance[name] = cells

    average = {}
    for solver in solvers:
        means = [per_instance[name][solver] for name in instances]
        average[solver] = None if None in means else statistics.fmean(cell["mean"] for cell in means)

    planner_runs = [run for run in runs if run["solver"] == "planner"]
    summary = {
        "instances": per_instance,
        "average": average,
        "max_load": max_load,
        "planner_runs": len(planner_runs),
        "planner_runs_loaded": sum(run["load_1min"] > max_load for run in planner_runs),
        "longest_wait_s": max((run["waited_s"] for run in runs), default=0.0),
    }
    if {"planner", "pyvrp"} <= set(solvers):
        summary["planner_minus_pyvrp"] = _paired_difference(runs, "planner", "pyvrp")
    return summary


def _paired_difference(runs: list[dict], ours: str, theirs: str) -> dict | None:
    """Mean of (our gap - their gap) over the (instance, seed) cells, with its standard error."""
    gaps = {(run["instance"], run["seed"], run["solver"]): run["gap_pct"] for run in runs}
    cells = sorted({(name, seed) for name, seed, _ in gaps})
    differences = [gaps[(*cell, ours)] - gaps[(*cell, theirs)] for cell in cells]
    if any(value is None for value in differences) or len(differences) < 2:
        return None
    return {
        "mean": statistics.fmean(differences),
        "standard_error": statistics.stdev(differences) / math.sqrt(len(differences)),
        "cells": len(differences),
        "cells_won": sum(value < 0 for value in differences),
        "cells_lost": sum(value > 0 for value in differences),
    }


def markdown(summary: dict, seconds: float, seeds: list[int], command: str, loads) -> str:
    solvers = [solver for solver in SOLVERS if solver in summary["average"]]
    lines = [
        "## Routing quality",
        "",
        f"CVRPLIB X instances, {seconds:g} s of search per run, seeds {', '.join(map(str, seeds))} for every "
        "solver; gap to the best-known solution (BKS), mean over the seeds with the range in brackets.",
        "",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: {_machine()}",
        f"- Command: `{command}`",
        f"- Versions: {_versions()}",
        f"- Load average (1 / 5 / 15 min): {_load_numbers(loads[0])} at start, {_load_numbers(loads[1])} at end; "
        f"{summary['planner_runs_loaded']} of {summary['planner_runs']} planner runs started with the 1-min load "
        f"above {summary['max_load']:g} (longest wait for it to drop: {summary['longest_wait_s']:.0f} s)",
        "",
        "| Instance | BKS | " + " | ".join(LABELS[solver] for solver in solvers) + " |",
        "|---|---:|" + "---:|" * len(solvers),
    ]
    for name, cells in summary["instances"].items():
        row = [name, str(cells["bks"])]
        for solver in solvers:
            cell = cells[solver]
            row.append("-" if cell is None else f"{cell['mean']:.2f}% ({cell['min']:.2f}–{cell['max']:.2f})")
        lines.append("| " + " | ".join(row) + " |")
    averages = ["-" if value is None else f"**{value:.2f}%**" for value in summary["average"].values()]
    lines.append("| **Average** | | " + " | ".join(averages) + " |")

    difference = summary.get("planner_minus_pyvrp")
    if difference is not None:
        lines += [
            "",
            f"Planner minus PyVRP plain, paired by instance and seed: {difference['mean']:+.2f} percentage points "
            f"(standard error {difference['standard_error']:.2f} over {difference['cells']} pairs; planner better "
            f"in {difference['cells_won']}, worse in {difference['cells_lost']}).",
        ]
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


def _load_numbers(load) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


def _load_text(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in load) + " (1 / 5 / 15 min)"


def _write_results(runs, summary, args, seeds, section, loads) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    record = {
        "seconds": args.seconds, "seeds": seeds, "load_at_start": loads[0], "load_at_end": loads[1],
        "summary": summary, "runs": runs,
    }
    (RESULTS_DIR / f"routing_quality-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS_DIR / f"routing_quality-{stamp}.md").write_text(section + "\n")
    print(f"\nwritten: bench/results/routing_quality-{stamp}.json and .md", flush=True)


if __name__ == "__main__":
    sys.exit(main())
