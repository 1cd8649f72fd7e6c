"""Units of the solver: PyVRP works in integers, the domain in kilometres, minutes and kilograms.

Every quantity is scaled once, here, so that rounding never makes an
infeasible plan look feasible: demands and service times round up,
capacities and time limits round down.
"""

from __future__ import annotations

import math

METRES_PER_KM = 1000
SECONDS_PER_MIN = 60
WEIGHT_UNITS_PER_KG = 10  # hectograms: parts are weighed to 0.1 kg
VOLUME_UNITS_PER_L = 10  # decilitres
OBJECTIVE_UNITS_PER_MONEY = 100_000
"""
Objective units per money unit. With distances in metres, a running cost of
``cost_per_km`` is ``cost_per_km * 100`` objective units per metre, so costs
per kilometre resolve to the cent.
"""


def metres(km: float) -> int:
    return round(km * METRES_PER_KM)


def seconds(minutes: float) -> int:
    return round(minutes * SECONDS_PER_MIN)


def seconds_up(minutes: float) -> int:
    return math.ceil(minutes * SECONDS_PER_MIN - 1e-9)


def seconds_down(minutes: float) -> int:
    return math.floor(minutes * SECONDS_PER_MIN + 1e-9)


def minutes(seconds_: int) -> float:
    return seconds_ / SECONDS_PER_MIN


def weight_units_up(kg: float) -> int:
    return math.ceil(kg * WEIGHT_UNITS_PER_KG - 1e-9)


def weight_units_down(kg: float) -> int:
    return math.floor(kg * WEIGHT_UNITS_PER_KG + 1e-9)


def volume_units_up(litres: float) -> int:
    return math.ceil(litres * VOLUME_UNITS_PER_L - 1e-9)


def volume_units_down(litres: float) -> int:
    return math.floor(litres * VOLUME_UNITS_PER_L + 1e-9)


def money_units(amount: float) -> int:
    return round(amount * OBJECTIVE_UNITS_PER_MONEY)


def distance_cost_per_metre(cost_per_km: float) -> int:
    return round(cost_per_km * OBJECTIVE_UNITS_PER_MONEY / METRES_PER_KM)
