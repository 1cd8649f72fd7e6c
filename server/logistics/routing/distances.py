"""Travel distances and times between places: a pluggable source, two implementations."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol, Sequence

from server.logistics.geo import road_km

Point = tuple[float, float]
"""A place as ``(lat, lon)`` in degrees."""

Matrix = list[list[float]]


class DistanceProvider(Protocol):
    """Gives road distances and driving times between every pair of places."""

    def matrix(self, points: Sequence[Point]) -> tuple[Matrix, Matrix]:
        """
        Distance and travel-time matrices between ``points``.

        Parameters
        ----------
        points
            Places as ``(lat, lon)`` pairs in degrees.

        Returns
        -------
        tuple[Matrix, Matrix]
            ``(distance_km, duration_min)``, each ``len(points)`` square,
            with row ``i``, column ``j`` the trip from ``points[i]`` to
            ``points[j]``.
        """
        ...


class DistanceLookupError(RuntimeError):
    """A distance service could not answer, or answered something unusable."""


class GreatCircleProvider:
    """
    Road distance estimated from straight-line distance, at a constant speed.

    Parameters
    ----------
    detour_factor
        Ratio of road distance to great-circle distance. 1.3 is a common
        figure for mixed urban and regional road networks.
    speed_kmh
        Average driving speed door to door, parking excluded.
    """

    def __init__(self, detour_factor: float = 1.3, speed_kmh: float = 40.0):
        if detour_factor < 1:
            raise ValueError("detour_factor must be at least 1.")
        if not speed_kmh > 0:
            raise ValueError("speed_kmh must be positive.")
        self.detour_factor = detour_factor
        self.speed_kmh = speed_kmh

    def matrix(self, points: Sequence[Point]) -> tuple[Matrix, Matrix]:
        distance_km = [
            [road_km(lat1, lon1, lat2, lon2, self.detour_factor) for lat2, lon2 in points]
            for lat1, lon1 in points
        ]
        minutes_per_km = 60.0 / self.speed_kmh
        duration_min = [[km * minutes_per_km for km in row] for row in distance_km]
        return distance_km, duration_min


class OsrmTableProvider:
    """
    Road distances and driving times from an OSRM server's table service.

    Parameters
    ----------
    base_url
        Root of the OSRM HTTP API, for example ``http://osrm:5000``.
    timeout
        Seconds to wait for the answer.
    profile
        OSRM routing profile in the URL; OSRM's car profile is ``driving``.
    """

    def __init__(self, base_url: str, timeout: float = 10.0, profile: str = "driving"):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http:// or https:// URL.")
        if not timeout > 0:
            raise ValueError("timeout must be positive.")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.profile = profile

    def table_url(self, points: Sequence[Point]) -> str:
        """The table request for ``points``; OSRM takes ``lon,lat`` pairs."""
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        query = urllib.parse.urlencode({"annotations": "distance,duration"})
        return f"{self.base_url}/table/v1/{self.profile}/{coordinates}?{query}"

    def matrix(self, points: Sequence[Point]) -> tuple[Matrix, Matrix]:
        if len(points) < 2:
            return [[0.0] * len(points) for _ in points], [[0.0] * len(points) for _ in points]

        try:
            with urllib.request.urlopen(self.table_url(points), timeout=self.timeout) as response:
                answer = json.load(response)
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
            raise DistanceLookupError(f"OSRM table request failed: {error}") from error

        if answer.get("code") != "Ok":
            raise DistanceLookupError(f"OSRM answered {answer.get('code')}: {answer.get('message', '')}")

        metres = _square(answer.get("distances"), len(points), "distances")
        seconds = _square(answer.get("durations"), len(points), "durations")
        distance_km = [[value / 1000.0 for value in row] for row in metres]
        duration_min = [[value / 60.0 for value in row] for row in seconds]
        return distance_km, duration_min


def _square(rows: object, size: int, name: str) -> Matrix:
    # OSRM reports unroutable pairs as null; a plan through them is meaningless.
    if not isinstance(rows, list) or len(rows) != size:
        raise DistanceLookupError(f"OSRM {name} must be a {size}x{size} matrix.")

    matrix = []
    for row in rows:
        if not isinstance(row, list) or len(row) != size:
            raise DistanceLookupError(f"OSRM {name} must be a {size}x{size} matrix.")
        if any(value is None or not math.isfinite(value) or value < 0 for value in row):
            raise DistanceLookupError(f"OSRM {name} has unroutable or invalid entries.")
        matrix.append([float(value) for value in row])
    return matrix
