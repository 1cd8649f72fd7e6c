"""Routes drawn on their coordinates, for a map without tiles: plain Python, SVG-ready numbers.

Latitude and longitude are projected equirectangularly (longitude shrunk by the
cosine of the mean latitude, which is accurate enough over a region) and fitted,
aspect kept, into the drawing box.
"""

import math
from dataclasses import dataclass

#: One colour per van, in order; distinguishable for the common colour blindnesses.
ROUTE_COLOURS = ("#0b6bcb", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a5195", "#4d4d4d")


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    label: str


@dataclass(frozen=True)
class RouteToDraw:
    name: str
    depot: Place
    stops: list[Place]


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    label: str
    number: int | None = None


@dataclass(frozen=True)
class DrawnRoute:
    name: str
    colour: str
    depot: Mark
    stops: list[Mark]

    @property
    def points(self) -> str:
        """The SVG polyline: depot, each stop in order, back to the depot."""
        marks = [self.depot, *self.stops, self.depot]
        return " ".join(f"{m.x:.1f},{m.y:.1f}" for m in marks)


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    routes: list[DrawnRoute]


def colour_of(index: int) -> str:
    return ROUTE_COLOURS[index % len(ROUTE_COLOURS)]


def draw(routes: list[RouteToDraw], width: int = 640, height: int = 420, margin: int = 28) -> Drawing:
    """Fit every depot and stop of `routes` into a `width` × `height` box."""
    places = [p for r in routes for p in (r.depot, *r.stops)]
    if not places:
        return Drawing(width, height, [])
    mean_lat = sum(p.lat for p in places) / len(places)
    shrink = math.cos(math.radians(mean_lat))
    xs = [p.lon * shrink for p in places]
    ys = [p.lat for p in places]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min(width - 2 * margin, height - 2 * margin) / span
    # Centre the drawing in the box along both axes.
    x_offset = (width - (max(xs) - min(xs)) * scale) / 2
    y_offset = (height - (max(ys) - min(ys)) * scale) / 2

    def mark(place: Place, number: int | None = None) -> Mark:
        x = x_offset + (place.lon * shrink - min(xs)) * scale
        y = height - (y_offset + (place.lat - min(ys)) * scale)
        return Mark(round(x, 1), round(y, 1), place.label, number)

    return Drawing(width, height, [
        DrawnRoute(r.name, colour_of(i), mark(r.depot), [mark(s, n) for n, s in enumerate(r.stops, start=1)])
        for i, r in enumerate(routes)
    ])
