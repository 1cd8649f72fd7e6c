"""A customer link's token never reaches an access log: the route is logged instead."""

from datetime import datetime, timedelta, timezone

import pytest
import requests

from live_servers import ServerProcess, server_environment
from server.access_log import redact_tokens
from server.notify.links import make_pickup_token

TEST_SECRET_KEY = "test-secret-key"  # as in server_environment


def test_the_token_of_a_customer_path_is_replaced_by_its_route_name():
    assert redact_tokens('"GET /pickup/eyJwIjo0Mn0.a-b_c HTTP/1.1" 200') == '"GET /pickup/<token> HTTP/1.1" 200'
    assert redact_tokens("POST /api/v1/customer/pickups/abc.def/answer") == "POST /api/v1/customer/pickups/<token>/answer"
    assert redact_tokens("GET /api/v1/returns/42") == "GET /api/v1/returns/42"


@pytest.mark.parametrize("kind", ["werkzeug", "gunicorn"])
def test_a_real_request_by_customer_link_is_logged_by_its_route_not_its_token(database_url, tmp_path, kind):
    token = make_pickup_token(TEST_SECRET_KEY, 4242, "sam@customer.example",
                              datetime.now(timezone.utc) + timedelta(days=3))
    log = tmp_path / "server.log"
    env = server_environment(database_url, tmp_path / "instance", GUNICORN_CMD_ARGS="--access-logfile -")
    server = ServerProcess(env, log, kind=kind, workers=1).start()
    try:
        page = requests.get(f"{server.url}/pickup/{token}", timeout=10,
                            headers={"Referer": f"{server.url}/pickup/{token}"})
        api = requests.post(f"{server.url}/api/v1/customer/pickups/{token}/answer", json={"answer": "confirmed"},
                            timeout=10)
    finally:
        server.stop()
    assert page.status_code == api.status_code == 404  # a genuine link to a pickup that is gone
    written = log.read_text()
    assert "/pickup/<token>" in written and "/api/v1/customer/pickups/<token>/answer" in written
    assert token not in written and token.split(".")[0] not in written

