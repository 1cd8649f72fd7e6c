"""Great-circle distances between coordinates."""

import math

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def road_km(lat1: float, lon1: float, lat2: float, lon2: float, detour_factor: float) -> float:
    """Estimated road distance: great-circle distance times a road-detour factor."""
    return great_circle_km(lat1, lon1, lat2, lon2) * detour_factor
