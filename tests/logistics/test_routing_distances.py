"""Distance providers: the great-circle estimate and an OSRM table service."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from server.logistics.geo import great_circle_km
from server.logistics.routing import DistanceLookupError, GreatCircleProvider, OsrmTableProvider

UTRECHT = (52.0907, 5.1214)
AMERSFOORT = (52.1561, 5.3878)


def test_great_circle_provider_applies_the_detour_factor_and_speed():
    provider = GreatCircleProvider(detour_factor=1.3, speed_kmh=60.0)

    distance_km, duration_min = provider.matrix([UTRECHT, AMERSFOORT])

    expected_km = great_circle_km(*UTRECHT, *AMERSFOORT) * 1.3
    assert distance_km[0][0] == 0 and distance_km[0][1] == pytest.approx(expected_km)
    assert duration_min[1][0] == pytest.approx(expected_km)  # 60 km/h: a minute per km


@pytest.mark.parametrize("detour_factor, speed_kmh", [(0.9, 40.0), (1.3, 0.0)])
def test_great_circle_provider_rejects_impossible_settings(detour_factor, speed_kmh):
    with pytest.raises(ValueError, match="must be"):
        GreatCircleProvider(detour_factor=detour_factor, speed_kmh=speed_kmh)


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/... like OSRM, and remembers the requests."""

    requests: list[str] = []
    answer: dict = {}

    def do_GET(self):
        FakeOsrm.requests.append(self.path)
        body = json.dumps(FakeOsrm.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm_url():
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOsrm.requests = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_osrm_table_provider_asks_for_both_annotations_in_lon_lat_order(osrm_url):
    FakeOsrm.answer = {
        "code": "Ok",
        "distances": [[0, 25300.0], [24800.0, 0]],
        "durations": [[0, 1500.0], [1440.0, 0]],
    }

    distance_km, duration_min = OsrmTableProvider(osrm_url, timeout=5).matrix([UTRECHT, AMERSFOORT])

    request = urlsplit(FakeOsrm.requests[0])
    assert request.path == "/table/v1/driving/5.121400,52.090700;5.387800,52.156100"
    assert parse_qs(request.query) == {"annotations": ["distance,duration"]}
    assert distance_km == [[0, 25.3], [24.8, 0]]
    assert duration_min == [[0, 25.0], [24.0, 0]]


def test_osrm_table_provider_refuses_unroutable_pairs(osrm_url):
    FakeOsrm.answer = {"code": "Ok", "distances": [[0, None], [1.0, 0]], "durations": [[0, None], [1.0, 0]]}

    with pytest.raises(DistanceLookupError, match="unroutable"):
        OsrmTableProvider(osrm_url, timeout=5).matrix([UTRECHT, AMERSFOORT])
