"""Command line: ``python -m server.logistics.routing solve INSTANCE.vrp --seconds N --out FILE.sol``."""

from __future__ import annotations

import argparse
import sys

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
    solve_cmd.add_argument(
        "--seconds",
        type=float,
        required=True,
        help="search budget in seconds of wall time, counted like PyVRP's MaxRuntime from the start of the "
        "search: interpreter start-up, reading the file and building the model come before it and do not count",
    )
    solve_cmd.add_argument("--out", required=True, help="where to write the CVRPLIB .sol solution")
    solve_cmd.add_argument("--seed", type=int, default=0, help="seed of the first search (default 0)")
    solve_cmd.add_argument("--workers", type=int, default=None, help="parallel searches (default: one per core)")
    solve_cmd.set_defaults(command=_solve)
    return parser


def _solve(args: argparse.Namespace) -> int:
    if not args.seconds > 0:
        print("--seconds must be positive", file=sys.stderr)
        return 2

    instance = read_cvrp(args.instance)
    data = to_problem_data(instance)
    workers = default_workers() if args.workers is None else args.workers
    print(
        f"{instance.name}: {instance.num_customers} customers, capacity {instance.capacity}; "
        f"searching {args.seconds:g} s with {workers} parallel search(es), seed {args.seed}",
        flush=True,
    )

    # The budget starts here, with the data built, as PyVRP's MaxRuntime starts
    # with its search. The command is single-threaded, so the extra searches
    # may be forked: they start at once and share the data without copying.
    solution = solve(
        data, args.seconds, seed=args.seed, workers=workers, on_progress=_print_progress, process_start="fork"
    )
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

