"""Webhook signatures, and delivery to a real HTTP receiver on loopback."""

import json
import re
import ssl
import subprocess
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.notify.transports import TransportError
from server.notify.webhook_targets import Target
from server.notify.webhooks import _PinnedTls, post_webhook, sign, verify

SECRET = "whsec_test_0123456789"
T = 1_775_000_000
BODY = b'{"id":"evt-1","type":"pickup.scheduled"}'


# -- sign / verify -----------------------------------------------------------------


def test_signature_header_has_timestamp_and_hex_digest():
    header = sign(BODY, SECRET, T)

    timestamp, digest = header.split(",")
    assert timestamp == f"t={T}"
    assert digest.startswith("v1=") and len(digest) == 3 + 64


def test_a_genuine_signature_verifies():
    assert verify(BODY, sign(BODY, SECRET, T), SECRET, now=T + 10)


@given(body=st.binary(max_size=2048), secret=st.text(min_size=1, max_size=64), timestamp=st.integers(0, 2**40))
def test_every_signed_body_verifies_with_its_secret(body, secret, timestamp):
    assert verify(body, sign(body, secret, timestamp), secret, now=timestamp)


@given(body=st.binary(max_size=512), other=st.binary(max_size=512))
def test_no_other_body_verifies_under_the_same_signature(body, other):
    if other != body:
        assert not verify(other, sign(body, SECRET, T), SECRET, now=T)


def test_a_tampered_body_does_not_verify():
    assert not verify(BODY.replace(b"evt-1", b"evt-2"), sign(BODY, SECRET, T), SECRET, now=T)


def test_another_secret_does_not_verify():
    assert not verify(BODY, sign(BODY, SECRET, T), "someone-elses-secret", now=T)


def test_a_moved_timestamp_does_not_verify():
    header = sign(BODY, SECRET, T).replace(f"t={T}", f"t={T + 60}")

    assert not verify(BODY, header, SECRET, now=T + 60)


def test_a_stale_signature_is_refused():
    assert verify(BODY, sign(BODY, SECRET, T), SECRET, tolerance_s=300, now=T + 300)
    assert not verify(BODY, sign(BODY, SECRET, T), SECRET, tolerance_s=300, now=T + 301)


def test_a_signature_from_the_future_is_refused():
    assert not verify(BODY, sign(BODY, SECRET, T + 3600), SECRET, now=T)


@pytest.mark.parametrize("header", ["", "garbage", f"t={T}", "v1=abc", f"t=soon,v1={'0' * 64}"])
def test_a_malformed_header_does_not_verify(header):
    assert not verify(BODY, header, SECRET, now=T)


def test_the_receiver_snippet_in_the_docs_accepts_exactly_what_fieldloop_signs():
    docs = (Path(__file__).parents[2] / "docs" / "notifications.md").read_text()
    snippet = re.search(r"```python\n(import hashlib\n.*?)```", docs, re.S).group(1)
    namespace = {}
    exec(snippet, namespace)
    signature_ok = namespace["fieldloop_signature_ok"]
    header = sign(BODY, SECRET, int(time.time()))

    assert signature_ok(BODY, header, SECRET)
    assert not signature_ok(BODY + b" ", header, SECRET)
    assert not signature_ok(BODY, header, "someone-elses-secret")
    assert not signature_ok(BODY, sign(BODY, SECRET, int(time.time()) - 301), SECRET)


def test_any_of_several_signatures_may_match_during_secret_rotation():
    old = sign(BODY, "old-secret", T)
    new = sign(BODY, SECRET, T)
    header = f"{new},{old.split(',')[1]}"

    assert verify(BODY, header, SECRET, now=T)
    assert verify(BODY, header, "old-secret", now=T)


# -- post_webhook -------------------------------------------------------------------


def post(receiver, **overrides):
    arguments = {
        "url": receiver.url,
        "event_type": "pickup.scheduled",
        "payload": {"pickup_ref": "PU-2026-0042", "window_start": "2026-03-31T08:00:00+00:00"},
        "secret": SECRET,
        "idempotency_key": "evt_pickup_42_scheduled",
        "timeout": 2,
        "allow_loopback": True,
    }
    post_webhook(**(arguments | overrides))


def test_receiver_gets_a_signed_json_event_it_can_verify(webhook_receiver):
    created = datetime(2026, 3, 24, 16, 0, tzinfo=timezone.utc)

    post(webhook_receiver, created=created)

    (request,) = webhook_receiver.requests
    assert verify(request.body, request.headers["X-Fieldloop-Signature"], SECRET)
    assert request.path == "/hooks/fieldloop"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Fieldloop-Event"] == "pickup.scheduled"
    assert request.headers["Idempotency-Key"] == "evt_pickup_42_scheduled"
    assert json.loads(request.body) == {
        "id": "evt_pickup_42_scheduled",
        "type": "pickup.scheduled",
        "created": "2026-03-24T16:00:00+00:00",
        "data": {"pickup_ref": "PU-2026-0042", "window_start": "2026-03-31T08:00:00+00:00"},
    }


def test_signature_is_fresh_even_when_the_event_is_old(webhook_receiver):
    post(webhook_receiver, created=datetime(2026, 1, 1, tzinfo=timezone.utc))

    (request,) = webhook_receiver.requests
    timestamp = int(request.headers["X-Fieldloop-Signature"].split(",")[0][2:])
    assert abs(timestamp - time.time()) < 60


def test_a_retry_carries_the_same_document(webhook_receiver):
    created = datetime(2026, 3, 24, 16, 0, tzinfo=timezone.utc)

    post(webhook_receiver, created=created)
    post(webhook_receiver, created=created)

    first, retry = webhook_receiver.requests
    assert first.body == retry.body
    assert first.headers["Idempotency-Key"] == retry.headers["Idempotency-Key"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_client_error_is_permanent(webhook_receiver, status):
    webhook_receiver.answers.append((status, {}, 0.0))

    with pytest.raises(TransportError) as failure:
        post(webhook_receiver)

    assert failure.value.permanent is True
    assert failure.value.code == status


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_busy_or_failing_receivers_are_temporary(webhook_receiver, status):
    webhook_receiver.answers.append((status, {}, 0.0))

    with pytest.raises(TransportError) as failure:
        post(webhook_receiver)

    assert failure.value.permanent is False
    assert failure.value.code == status


def test_retry_after_is_passed_on_to_the_outbox(webhook_receiver):
    webhook_receiver.answers.append((429, {"Retry-After": "120"}, 0.0))

    with pytest.raises(TransportError) as failure:
        post(webhook_receiver)

    assert failure.value.retry_after_s == 120


def test_a_redirect_is_not_followed_and_is_permanent(webhook_receiver):
    webhook_receiver.answers.append((301, {"Location": "https://elsewhere.example/hook"}, 0.0))

    with pytest.raises(TransportError) as failure:
        post(webhook_receiver)

    assert failure.value.permanent is True
    assert str(failure.value) == "The webhook receiver answered HTTP 301. Redirects are not followed: update the endpoint URL."
    assert len(webhook_receiver.requests) == 1


def test_a_slow_receiver_is_a_temporary_failure(webhook_receiver):
    webhook_receiver.answers.append((204, {}, 1.0))

    with pytest.raises(TransportError) as failure:
        post(webhook_receiver, timeout=0.2)

    assert failure.value.permanent is False


def test_a_closed_port_is_a_temporary_failure(closed_port):
    with pytest.raises(TransportError) as failure:
        post_webhook(f"http://127.0.0.1:{closed_port}/hook", "pickup.scheduled", {}, SECRET, "evt-1", timeout=2,
                     allow_loopback=True)

    assert failure.value.permanent is False


def test_a_malformed_url_is_permanent():
    with pytest.raises(TransportError) as failure:
        post_webhook("not a url", "pickup.scheduled", {}, SECRET, "evt-1")

    assert failure.value.permanent is True


# -- where a webhook may go -----------------------------------------------------------


@pytest.mark.parametrize("status", [404, 503])
def test_a_failure_says_what_happened_in_fieldloops_words_not_the_receivers(webhook_receiver, status):
    webhook_receiver.answers.append((status, {}, 0.0))

    with pytest.raises(TransportError) as failure:
        post(webhook_receiver)

    assert str(failure.value) == f"The webhook receiver answered HTTP {status}."


def test_a_closed_port_and_a_timeout_read_the_same(webhook_receiver, closed_port):
    webhook_receiver.answers.append((204, {}, 1.0))
    with pytest.raises(TransportError) as slow:
        post(webhook_receiver, timeout=0.2)
    with pytest.raises(TransportError) as closed:
        post(webhook_receiver, url=f"http://127.0.0.1:{closed_port}/hook")

    assert str(slow.value) == str(closed.value) == "The webhook receiver did not answer."


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_without_the_loopback_allowance_nothing_is_sent_to_this_machine(webhook_receiver, host):
    port = webhook_receiver.url.split(":")[2].split("/")[0]

    for scheme in ("http", "https"):
        with pytest.raises(TransportError) as failure:
            post(webhook_receiver, url=f"{scheme}://{host}:{port}/hooks/fieldloop", allow_loopback=False)
        assert failure.value.permanent is True and "public address" in str(failure.value)
    assert webhook_receiver.requests == []


def test_the_delivery_connects_to_the_address_it_checked_and_names_the_host(webhook_receiver):
    port = webhook_receiver.url.split(":")[2].split("/")[0]

    post(webhook_receiver, url=f"http://localhost:{port}/hooks/fieldloop?customer=7")

    (request,) = webhook_receiver.requests
    assert request.headers["Host"] == f"localhost:{port}"
    assert request.path == "/hooks/fieldloop?customer=7"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "https://", "https://user:pw@localhost/hook",
                                 "https://localhost:99999/hook"])
def test_a_url_that_is_not_an_https_endpoint_is_refused_for_good(url):
    with pytest.raises(TransportError) as failure:
        post_webhook(url, "pickup.scheduled", {}, SECRET, "evt-1", allow_loopback=True)

    assert failure.value.permanent is True


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on loopback whose certificate (self-signed, made by openssl) names "localhost"."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    hosts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            hosts.append(self.headers["Host"])
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1], cert, hosts
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("name, verified", [("localhost", True), ("elsewhere.example", False)])
def test_tls_to_the_checked_address_verifies_the_certificate_for_the_urls_host_name(tls_receiver, name, verified):
    import requests

    port, cert, hosts = tls_receiver
    target = Target("https", "localhost", port, "127.0.0.1", "/hook")  # as check_target answers for localhost
    with requests.Session() as http:
        http.mount("https://", _PinnedTls(name))
        if verified:
            assert http.post(target.pinned_url, data=b"{}", headers={"Host": target.host_header}, verify=str(cert),
                             timeout=5).status_code == 204
            assert hosts == [f"localhost:{port}"]
        else:
            with pytest.raises(requests.exceptions.SSLError):
                http.post(target.pinned_url, data=b"{}", verify=str(cert), timeout=5)
