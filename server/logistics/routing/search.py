"""The search behind every plan: PyVRP's iterated local search, one per core.

One search runs in the calling process and one more in a child process per
extra core, each with its own seed and its own settings from a small
portfolio. The searches are independent; the best feasible solution wins.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from pyvrp import (
    CostEvaluator,
    IteratedLocalSearch,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
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

from server.logistics.routing.greedy_start import nearest_neighbour_solution

# How the extra searches' processes start. A spawned child starts a fresh
# interpreter and imports PyVRP (0.4-0.5 s of its budget on the benchmark
# machine) but is safe from a threaded web or job worker; a forked child
# starts at once but may inherit a lock held by another thread, so only
# single-threaded callers such as the command line should fork.
PROCESS_STARTS = ("spawn", "fork")

# A child stops this much before the deadline, so that its answer is in by then.
_SHUTDOWN_MARGIN_S = 0.05
_REPORT_INTERVAL_S = 0.25
# Searches for a caller with no search of its own run in the background: they yield the CPU to its server.
_BACKGROUND_NICENESS = 10
# How long past the deadline a caller with no search of its own waits for its children's answers.
_CHILDREN_ONLY_GRACE_S = 30.0


@dataclass(frozen=True)
class SearchSettings:
    """
    Tuning of one search. Where a default differs from PyVRP's, the benchmark
    in ``bench/routing_quality.py`` showed a gain at 10 s (docs/routing.md,
    "Tuning").

    Parameters
    ----------
    num_neighbours
        Size of each client's granular neighbourhood (PyVRP: 50).
    history_length
        Length of the late-acceptance history (PyVRP: 300). A shorter history
        accepts fewer worse solutions, which pays within a short budget.
    max_perturbations
        Most clients perturbed per iteration (PyVRP: 25).
    greedy_start
        Start from nearest-neighbour rounds cut at the vans' capacity rather
        than from PyVRP's random solution.
    """

    num_neighbours: int = 50
    history_length: int = 100
    max_perturbations: int = 25
    greedy_start: bool = True

    def __post_init__(self):
        if self.num_neighbours < 1:
            raise ValueError("num_neighbours must be at least 1.")
        if self.history_length < 1:
            raise ValueError("history_length must be at least 1.")
        if self.max_perturbations < 1:
            raise ValueError("max_perturbations must be at least 1.")


# Search i runs with PORTFOLIO[i % len(PORTFOLIO)]. Small perturbations get
# out of local optima that the usual ones keep falling back into (X-n200-k36),
# and are worse elsewhere; beside a usual search they cost little.
PORTFOLIO = (SearchSettings(), SearchSettings(max_perturbations=10))


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
    portfolio: Sequence[SearchSettings] = PORTFOLIO,
    on_progress: ProgressCallback | None = None,
    progress_interval_s: float = 1.0,
    process_start: str = "spawn",
    own_search: bool = True,
) -> Solution:
    """
    Searches for ``seconds`` of wall time and returns the best solution.

    The budget starts when this function is called, as PyVRP's
    ``MaxRuntime`` starts with its search: computing the neighbourhoods,
    starting the extra processes and the first local search all count
    against it.

    Parameters
    ----------
    data
        The instance.
    seconds
        Wall-time budget of the search.
    seed
        Seed of the first search; search ``i`` uses ``seed + i``.
    workers
        Number of parallel searches; defaults to the usable cores.
    portfolio
        Settings of the searches: search ``i`` uses
        ``portfolio[i % len(portfolio)]``.
    on_progress
        Called about every ``progress_interval_s`` seconds with the best
        objective so far, and once at the end.
    progress_interval_s
        Seconds between progress calls.
    process_start
        How the extra searches' processes start: ``"spawn"`` (the default,
        safe from any caller) or ``"fork"`` (at once; for single-threaded
        callers only).
    own_search
        Whether one search runs in this process. ``False`` runs every search
        in a child process, so that a caller serving other threads (a web
        server, a job runner) keeps its interpreter free while it waits.

    Returns
    -------
    Solution
        The best feasible solution found, or the least infeasible one when
        no search found a feasible solution.
    """
    started = time.monotonic()
    if not seconds > 0:
        raise ValueError("seconds must be positive.")
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError("workers must be at least 1.")
    if not portfolio:
        raise ValueError("portfolio must not be empty.")
    if process_start not in PROCESS_STARTS:
        raise ValueError(f"process_start must be one of {', '.join(PROCESS_STARTS)}.")

    # time.monotonic() is one system-wide clock, so children share the deadline.
    deadline = started + seconds
    context = multiprocessing.get_context(process_start)
    answers = context.Queue()
    children = [
        context.Process(
            target=_child_search,
            args=(data, seed + index, deadline - _SHUTDOWN_MARGIN_S, portfolio[index % len(portfolio)], answers, index,
                  0 if own_search else _BACKGROUND_NICENESS),
            daemon=True,
        )
        for index in range(1 if own_search else 0, workers)
    ]
    for child in children:
        child.start()

    board = _Scoreboard(started, answers, on_progress, progress_interval_s)
    try:
        if own_search:
            board.offer(_search(data, seed, deadline, portfolio[0], board.report, board.tick))
        # Without a search of its own there is nothing to fall back on: wait for a child that started slowly.
        board.collect_finals(len(children), deadline + (2.0 if own_search else _CHILDREN_ONLY_GRACE_S))
    finally:
        for child in children:
            child.join(timeout=1.0)
            if child.is_alive():
                child.terminate()
        answers.close()

    board.announce(force=True)
    if board.best is None:
        raise RuntimeError("no search process answered before the deadline")
    return board.best


def _search(
    data: ProblemData,
    seed: int,
    deadline: float,
    settings: SearchSettings,
    report: Callable[[int], None],
    tick: Callable[[], None] | None = None,
) -> Solution:
    """One iterated local search until ``deadline``; its set-up counts against the budget."""
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, NeighbourhoodParams(num_neighbours=settings.num_neighbours))
    perturbation = PerturbationManager(PerturbationParams(1, settings.max_perturbations))
    local_search = LocalSearch(data, rng, neighbours, perturbation)
    for operator in OPERATORS:
        if operator.supports(data):
            local_search.add_operator(operator(data))

    penalty_params = PenaltyParams()
    penalties = PenaltyManager(penalty_params.midpoint_penalties(data), penalty_params)
    start = nearest_neighbour_solution(data) if settings.greedy_start else Solution.make_random(data, rng)
    initial = local_search(start, penalties.max_cost_evaluator(), exhaustive=True)

    params = IteratedLocalSearchParams(history_length=settings.history_length, callbacks=_ReportBest(report, tick))
    algorithm = IteratedLocalSearch(data, penalties, local_search, initial, params)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return initial
    return algorithm.run(MaxRuntime(remaining), collect_stats=False).best


def _child_search(data, seed, deadline, settings, answers, index, niceness):
    if niceness:
        os.nice(niceness)

    def report(cost: int) -> None:
        answers.put(("best", index, cost))

    best = _search(data, seed, deadline, settings, report)
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
