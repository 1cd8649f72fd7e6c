"""Real servers on loopback for tests: an SMTP server (aiosmtpd) and a webhook receiver (http.server)."""

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback port nothing listens on (the OS just handed it out and took it back)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    return free_port()


@dataclass
class ScriptedSmtpHandler:
    """Accepts mail, unless told to answer the next DATA commands or some RCPTs otherwise."""

    data_replies: list[str] = field(default_factory=list)
    refused_recipients: dict[str, str] = field(default_factory=dict)
    received: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def _login_checker(username: bytes, password: bytes):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == username and auth_data.password == password
        return AuthResult(success=ok, handled=False)

    return authenticate


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: ScriptedSmtpHandler


def _start_smtp(handler, **smtp_options) -> Controller:
    # aiosmtpd 1.4 cannot bind port 0 (aio-libs/aiosmtpd#276), so take a free port
    # and try again in the unlikely case another process grabs it first.
    for _ in range(5):
        controller = Controller(handler, hostname=LOOPBACK, port=free_port(), ready_timeout=5, **smtp_options)
        try:
            controller.start()
            return controller
        except OSError:
            continue
    raise RuntimeError("Could not start the test SMTP server on a loopback port.")


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that records what it accepts."""
    handler = ScriptedSmtpHandler()
    controller = _start_smtp(handler)
    yield SmtpServer(LOOPBACK, controller.port, handler)
    controller.stop()


@pytest.fixture
def smtp_server_with_login():
    """A real SMTP server that requires AUTH as pickups / s3cret (plain text, loopback only)."""
    handler = ScriptedSmtpHandler()
    controller = _start_smtp(
        handler,
        auth_required=True,
        auth_require_tls=False,
        authenticator=_login_checker(b"pickups", b"s3cret"),
    )
    yield SmtpServer(LOOPBACK, controller.port, handler)
    controller.stop()


@dataclass
class ReceivedRequest:
    path: str
    headers: dict
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    # Each answer is (status, headers, delay_s); when none are left, 204.
    answers: list[tuple[int, dict, float]] = field(default_factory=list)


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up waiting (the timeout test) is expected here.
        pass


@pytest.fixture
def webhook_receiver():
    """A real HTTP server on loopback that records each POST and answers as scripted."""
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(ReceivedRequest(self.path, dict(self.headers), body))
            status, headers, delay_s = receiver.answers.pop(0) if receiver.answers else (204, {}, 0.0)
            time.sleep(delay_s)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = _QuietHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://{LOOPBACK}:{server.server_address[1]}/hooks/fieldloop"
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join()
