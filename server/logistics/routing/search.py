"""The search behind every plan: PyVRP's iterated local search, run on every core.

One search runs in the calling process and one more in a child process per
extra core, each from its own seed. A few times during the budget the
searches meet: all continue from the best solution any of them has found.
The best feasible solution wins.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from pyvrp import (
    CostEvaluator,
    IteratedLocalSearch,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Route,
    Solution,
)
from pyvrp.search import (
    OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)
from pyvrp.stop import MaxRuntime

# Spawned children start in about 0.2 s and are safe to start from a threaded
# web or job worker, unlike forked ones.
_PROCESS_CONTEXT = multiprocessing.get_context("spawn")

# Time kept back from the budget for collecting the children's answers.
_SHUTDOWN_MARGIN_S = 0.15
_REPORT_INTERVAL_S = 0.25
# Longest a search waits for the others at a meeting.
_EXCHANGE_WAIT_S = 0.5


@dataclass(frozen=True)
class SearchSettings:
    """
    Tuning of one search. The defaults are PyVRP's, except where the
    benchmark in ``bench/routing_quality.py`` showed a gain at short limits.

    Parameters
    ----------
    num_neighbours
        Size of each client's granular neighbourhood.
    history_length
        Length of the late-acceptance history.
    max_perturbations
        Most clients perturbed per iteration.
    greedy_start
        Start from nearest-neighbour rounds cut at the vans' capacity rather
        than from PyVRP's random solution.
    exchanges
        How many times, evenly spread over the budget, the parallel searches
        pool their best solutions and all continue from the overall best.
        0 keeps them independent.
    """

    num_neighbours: int = 50
    history_length: int = 300
    max_perturbations: int = 25
    exchanges: int = 3
    greedy_start: bool = True

    def __post_init__(self):
        if self.num_neighbours < 1:
            raise ValueError("num_neighbours must be at least 1.")
        if self.history_length < 1:
            raise ValueError("history_length must be at least 1.")
        if self.max_perturbations < 1:
            raise ValueError("max_perturbations must be at least 1.")
        if self.exchanges < 0:
            raise ValueError("exchanges must be non-negative.")


@dataclass(frozen=True)
class Progress:
    """The best objective found so far, ``elapsed_s`` seconds into the search."""

    elapsed_s: float
    best_cost: int | None


ProgressCallback = Callable[[Progress], None]


def default_workers() -> int:
    """One search per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def objective(solution: Solution) -> int | None:
    """PyVRP's objective of a feasible solution; ``None`` when infeasible."""
    if not solution.is_feasible():
        return None
    return _UNPENALISED.cost(solution)


_UNPENALISED = CostEvaluator([], 0, 0)


def solve(
    data: ProblemData,
    seconds: float,
    seed: int = 0,
    workers: int | None = None,
    settings: SearchSettings = SearchSettings(),
    on_progress: ProgressCallback | None = None,
    progress_interval_s: float = 1.0,
) -> Solution:
    """
    Searches for ``seconds`` of wall time and returns the best solution.

    Parameters
    ----------
    data
        The instance.
    seconds
        Wall-time budget, start-up of the extra processes included.
    seed
        Seed of the first search; search ``i`` uses ``seed + i``.
    workers
        Number of parallel searches; defaults to the usable cores.
    settings
        Search tuning.
    on_progress
        Called about every ``progress_interval_s`` seconds with the best
        objective so far, and once at the end.
    progress_interval_s
        Seconds between progress calls.

    Returns
    -------
    Solution
        The best feasible solution found, or the least infeasible one when
        no search found a feasible solution.
    """
    if not seconds > 0:
        raise ValueError("seconds must be positive.")
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError("workers must be at least 1.")

    # time.monotonic() is one system-wide clock, so children share the deadline
    # and the moments of exchange.
    started = time.monotonic()
    deadline = started + seconds
    exchanges = settings.exchanges if workers > 1 else 0
    meetings = [started + seconds * (k + 1) / (exchanges + 1) for k in range(exchanges)]
    answers = _PROCESS_CONTEXT.Queue()
    inboxes = [_PROCESS_CONTEXT.Queue() for _ in range(1, workers)]
    children = [
        _PROCESS_CONTEXT.Process(
            target=_child_search,
            args=(data, seed + index, meetings, deadline - _SHUTDOWN_MARGIN_S, settings, answers, inbox, index),
            daemon=True,
        )
        for index, inbox in enumerate(inboxes, 1)
    ]
    for child in children:
        child.start()

    board = _Scoreboard(started, answers, on_progress, progress_interval_s)

    def exchange(meeting: int, own: Solution) -> Solution:
        best = board.pool(meeting, own, len(children), give_up_at=meetings[meeting] + _EXCHANGE_WAIT_S)
        for inbox in inboxes:
            inbox.put(best)
        return best

    try:
        own = _search(data, seed, meetings, deadline, settings, exchange, board.report, board.tick)
        board.offer(own)
        board.collect_finals(len(children), deadline + 2.0)
    finally:
        for child in children:
            child.join(timeout=1.0)
            if child.is_alive():
                child.terminate()
        for channel in [answers, *inboxes]:
            channel.close()

    board.announce(force=True)
    return board.best


def _search(
    data: ProblemData,
    seed: int,
    meetings: list[float],
    deadline: float,
    settings: SearchSettings,
    exchange: Callable[[int, Solution], Solution],
    report: Callable[[int], None],
    tick: Callable[[], None] | None = None,
) -> Solution:
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, NeighbourhoodParams(num_neighbours=settings.num_neighbours))
    perturbation = PerturbationManager(PerturbationParams(1, settings.max_perturbations))
    local_search = LocalSearch(data, rng, neighbours, perturbation)
    for operator in OPERATORS:
        if operator.supports(data):
            local_search.add_operator(operator(data))

    penalty_params = PenaltyParams()
    penalties = PenaltyManager(penalty_params.midpoint_penalties(data), penalty_params)
    start = _nearest_neighbour_start(data) if settings.greedy_start else Solution.make_random(data, rng)
    current = local_search(start, penalties.max_cost_evaluator(), exhaustive=True)

    params = IteratedLocalSearchParams(
        history_length=settings.history_length,
        callbacks=_ReportBest(report, tick),
    )
    # Between meetings each search runs on its own; at a meeting all continue
    # from the overall best. The penalty manager carries over, so only the
    # late-acceptance history starts afresh. Set-up counts against the budget.
    for meeting, until in enumerate([*meetings, deadline]):
        remaining = until - time.monotonic()
        if remaining > 0:
            algorithm = IteratedLocalSearch(data, penalties, local_search, current, params)
            current = algorithm.run(MaxRuntime(remaining), collect_stats=False).best
        if meeting < len(meetings):
            current = exchange(meeting, current)
    return current


def _nearest_neighbour_start(data: ProblemData) -> Solution:
    """Rounds built by driving to the nearest unvisited client that still fits.

    Time windows are ignored: the local search repairs them. A good start
    matters on large instances, where the first full local search from a
    random solution takes a tenth of a short budget.
    """
    distances = data.distance_matrix(profile=0)
    clients = data.clients()
    locations = np.array([client.location for client in clients])
    dimensions = data.num_load_dimensions
    loads = np.array(
        [[max(d, p) for d, p in zip(client.delivery, client.pickup)] for client in clients], dtype=np.int64
    ).reshape(len(clients), dimensions)

    unvisited = np.ones(len(clients), dtype=bool)
    available = [vehicle_type.num_available for vehicle_type in data.vehicle_types()]
    routes: list[tuple[list[int], int]] = []
    type_index = 0
    while unvisited.any():
        while type_index < len(available) and available[type_index] == 0:
            type_index += 1
        if type_index == len(available):
            # Out of vans: the rest rides along, overloaded, for the search to fix.
            routes[-1][0].extend(np.flatnonzero(unvisited).tolist())
            break

        vehicle_type = data.vehicle_type(type_index)
        capacity = np.array(vehicle_type.capacity, dtype=np.int64).reshape(dimensions)
        here = data.depot(vehicle_type.start_depot).location
        used = np.zeros(dimensions, dtype=np.int64)
        route: list[int] = []
        while True:
            fits = unvisited & np.all(loads + used <= capacity, axis=1)
            if not fits.any():
                break
            nearest = int(np.argmin(np.where(fits, distances[here, locations], np.iinfo(np.int64).max)))
            route.append(nearest)
            used += loads[nearest]
            unvisited[nearest] = False
            here = locations[nearest]
        if not route:
            nearest = int(np.argmin(np.where(unvisited, distances[here, locations], np.iinfo(np.int64).max)))
            route.append(nearest)
            unvisited[nearest] = False
        routes.append((route, type_index))
        available[type_index] -= 1

    return Solution(data, [Route(data, route, type_index) for route, type_index in routes])


def _child_search(data, seed, meetings, deadline, settings, answers, inbox, index):
    def report(cost: int) -> None:
        answers.put(("best", index, cost))

    def exchange(meeting: int, own: Solution) -> Solution:
        answers.put(("meeting", index, (meeting, own)))
        try:
            return inbox.get(timeout=_EXCHANGE_WAIT_S * 2)
        except queue.Empty:
            return own

    best = _search(data, seed, meetings, deadline, settings, exchange, report)
    answers.put(("final", index, best))


class _ReportBest(IteratedLocalSearchCallbacks):
    """Passes new best objectives on, at most every ``_REPORT_INTERVAL_S``,
    and gives the caller a regular ``tick`` between iterations."""

    def __init__(self, report: Callable[[int], None], tick: Callable[[], None] | None = None):
        self._report = report
        self._tick = tick
        self._last_sent = 0.0
        self._pending: int | None = None

    def on_best(self, best: Solution):
        cost = objective(best)
        if cost is not None:
            self._pending = cost

    def on_iteration(self, current, candidate, best, cost_evaluator):
        if self._pending is not None and time.monotonic() - self._last_sent >= _REPORT_INTERVAL_S:
            self._send()
        if self._tick is not None:
            self._tick()

    def on_end(self, result):
        if self._pending is not None:
            self._send()

    def _send(self) -> None:
        self._report(self._pending)
        self._pending = None
        self._last_sent = time.monotonic()


class _Scoreboard:
    """Keeps the best solution over all searches and paces progress reports."""

    def __init__(self, started, answers, on_progress, interval_s):
        self._started = started
        self._answers = answers
        self._on_progress = on_progress
        self._interval_s = interval_s
        self._last_announced = started
        self._last_drained = started
        self._finals_received = 0
        self._met: dict[int, list[Solution]] = {}
        self._reported_cost: int | None = None
        self.best: Solution | None = None
        self.best_cost: int | None = None

    def report(self, cost: int) -> None:
        self._note(cost)

    def tick(self) -> None:
        # Called between iterations of the search in this process: the moment
        # to read what the children sent and to announce progress.
        now = time.monotonic()
        if now - self._last_drained >= _REPORT_INTERVAL_S:
            self._last_drained = now
            self._drain()
            self.announce()

    def offer(self, solution: Solution) -> None:
        cost = objective(solution)
        if self.best is None or _better(cost, solution, self.best_cost, self.best):
            self.best, self.best_cost = solution, cost
            self._note(cost)

    def pool(self, meeting: int, own: Solution, expected: int, give_up_at: float) -> Solution:
        """The best of ``own`` and what the children bring to ``meeting``."""
        self.offer(own)
        self._drain()
        while len(self._met.get(meeting, [])) < expected:
            timeout = give_up_at - time.monotonic()
            if timeout <= 0:
                break
            try:
                self._receive(self._answers.get(timeout=timeout))
            except queue.Empty:
                break

        best = own
        for solution in self._met.pop(meeting, []):
            if _better(objective(solution), solution, objective(best), best):
                best = solution
        return best

    def collect_finals(self, expected: int, give_up_at: float) -> None:
        while self._finals_received < expected:
            timeout = give_up_at - time.monotonic()
            if timeout <= 0:
                return
            try:
                self._receive(self._answers.get(timeout=timeout))
            except queue.Empty:
                return

    def announce(self, force: bool = False) -> None:
        if self._on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last_announced >= self._interval_s:
            self._last_announced = now
            self._on_progress(Progress(now - self._started, self._reported_cost))

    def _note(self, cost: int | None) -> None:
        if cost is not None and (self._reported_cost is None or cost < self._reported_cost):
            self._reported_cost = cost

    def _drain(self) -> None:
        while True:
            try:
                self._receive(self._answers.get_nowait())
            except queue.Empty:
                return

    def _receive(self, answer) -> None:
        kind, _, payload = answer
        if kind == "final":
            self._finals_received += 1
            self.offer(payload)
        elif kind == "meeting":
            meeting, solution = payload
            self._met.setdefault(meeting, []).append(solution)
            self.offer(solution)
        else:
            self._note(payload)


def _better(cost, solution, best_cost, best) -> bool:
    if cost is not None and best_cost is not None:
        return cost < best_cost
    if cost is not None:
        return True
    if best_cost is not None:
        return False
    # Neither is feasible: prefer the one that misses fewer required clients.
    return solution.num_missing_clients() < best.num_missing_clients()
