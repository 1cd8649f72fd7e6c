"""Command line: ``python -m server.logistics.routing solve INSTANCE.vrp --seconds N --out FILE.sol``."""

from __future__ import annotations

import argparse
import os
import sys
import time

from server.logistics.routing.cvrplib import read_cvrp, route_cost, solution_routes, to_problem_data, write_solution
from server.logistics.routing.search import Progress, default_workers, solve


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m server.logistics.routing",
        description="Route planning tools of the Fieldloop logistics engine.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    solve_cmd = commands.add_parser("solve", help="solve a CVRPLIB CVRP instance and write a .sol file")
    solve_cmd.add_argument("instance", help="instance file in VRPLIB format (.vrp)")
    solve_cmd.add_argument("--seconds", type=float, required=True, help="wall-time budget of the search")
    solve_cmd.add_argument("--out", required=True, help="where to write the CVRPLIB .sol solution")
    solve_cmd.add_argument("--seed", type=int, default=0, help="seed of the first search (default 0)")
    solve_cmd.add_argument("--workers", type=int, default=None, help="parallel searches (default: one per core)")
    solve_cmd.set_defaults(command=_solve)
    return parser


def _solve(args: argparse.Namespace) -> int:
    if not args.seconds > 0:
        print("--seconds must be positive", file=sys.stderr)
        return 2

    started = time.monotonic() - _seconds_since_process_start()
    instance = read_cvrp(args.instance)
    data = to_problem_data(instance)
    workers = default_workers() if args.workers is None else args.workers
    print(
        f"{instance.name}: {instance.num_customers} customers, capacity {instance.capacity}; "
        f"searching {args.seconds:g} s with {workers} parallel search(es), seed {args.seed}",
        flush=True,
    )

    # Start-up and reading count against the budget: the command takes --seconds.
    budget = max(args.seconds - (time.monotonic() - started), 0.1)
    solution = solve(data, budget, seed=args.seed, workers=workers, on_progress=_print_progress)
    if not solution.is_feasible():
        print("no feasible solution found", file=sys.stderr)
        return 1

    routes = solution_routes(solution)
    cost = route_cost(instance, routes)
    write_solution(args.out, routes, cost)
    print(f"Cost {cost}  ({len(routes)} routes, written to {args.out})", flush=True)
    return 0


def _print_progress(progress: Progress) -> None:
    best = "-" if progress.best_cost is None else str(progress.best_cost)
    print(f"[{progress.elapsed_s:6.1f}s] best {best}", flush=True)


def _seconds_since_process_start() -> float:
    """Age of this process (interpreter start-up included) where Linux tells it, else 0."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            # Field 22 is the start time in clock ticks after boot; the command
            # name before it is in parentheses and may contain spaces.
            fields = stat.read().rsplit(")", 1)[1].split()
            started_ticks = int(fields[19])
            up_s = float(uptime.read().split()[0])
        return max(0.0, up_s - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0
