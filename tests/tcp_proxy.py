"""TCP proxies on loopback that a test can cut, slow down or make misbehave; asyncio, in a thread of their own.

* ``TcpRelay`` passes bytes both ways without reading them. ``down()`` drops
  every connection at once, and then every new one as it comes or, with
  ``refuse=True``, does not even accept it (a database server that goes away);
  ``up()`` brings it back on the same port.
* ``FlakyLink`` sits between a phone and the server and reads HTTP/1.1, so it
  can fail one request at a time: cut a request half-sent or an answer
  half-received, hold an answer past the client's timeout, lose an answer
  after the server has acted on it, or deliver a push twice (the copy is the
  captured request replayed on a connection of its own). ``down()`` is the
  phone losing signal.

Faults come from a script (``script(...)``, one per request, in order) and
then, if ``randomly(...)`` was called, from a seeded random draw; every fault
applied is counted in ``faults``.
"""

import asyncio
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"
CONNECT_TIMEOUT_S = 5
#: Fault kinds a FlakyLink knows.
CUT_REQUEST = "cut_request"  # part of the request reaches the server, then both sides are cut
CUT_ANSWER = "cut_answer"  # the server acted; part of its answer reaches the client, then the cut
LOSE_ANSWER = "lose_answer"  # the server acted; none of its answer reaches the client
DELAY_ANSWER = "delay_answer"  # the answer is held for `delay_s`, past the client's read timeout
DUPLICATE = "duplicate"  # a push is also replayed on another connection, at the same time
FAULT_KINDS = (CUT_REQUEST, CUT_ANSWER, LOSE_ANSWER, DELAY_ANSWER, DUPLICATE)
PUSH_PATH = "/api/v1/sync/push"
SYNC_PATHS = ("/api/v1/sync/",)


class _Proxy:
    """A listening socket on loopback and the connections it relays, served by an event loop in a thread."""

    def __init__(self, target_port: int, target_host: str = LOOPBACK, listen_port: int = 0):
        self.target = (target_host, target_port)
        self.port = listen_port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=type(self).__name__, daemon=True)
        self._thread.start()
        self._server: asyncio.AbstractServer | None = None
        self._open: set[asyncio.Transport] = set()
        self._up = True
        self._closed = False
        self._call(self._listen())

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def down(self, refuse: bool = False) -> None:
        """Drop every open connection; new ones are accepted and dropped, or with `refuse` not even accepted."""
        self._up = False
        self._call(self._drop_all(stop_listening=refuse))

    def up(self) -> None:
        self._up = True
        if self._server is None:
            self._call(self._listen())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._up = False
        self._call(self._drop_all(stop_listening=True))
        self._call(self._cancel_the_rest())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- on the loop ------------------------------------------------------------

    def _call(self, coroutine, timeout_s: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, LOOPBACK, self.port, reuse_address=True,
                                                  limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _drop_all(self, stop_listening: bool) -> None:
        if stop_listening and self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._open):
            transport.abort()
        self._open.clear()

    async def _cancel_the_rest(self) -> None:
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if not self._up:
            client_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.wait_for(asyncio.open_connection(*self.target, limit=1 << 20),
                                                        CONNECT_TIMEOUT_S)
        except (OSError, asyncio.TimeoutError):
            client_w.transport.abort()
            return
        if not self._up:  # went down while this connection was being made
            client_w.transport.abort()
            server_w.transport.abort()
            return
        self._open.update((client_w.transport, server_w.transport))
        try:
            await self._relay(client_r, client_w, server_r, server_w)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # the proxy is closing: end quietly rather than as a cancelled task
        finally:
            for writer in (client_w, server_w):
                writer.transport.abort()
                self._open.discard(writer.transport)

    async def _relay(self, client_r, client_w, server_r, server_w) -> None:
        raise NotImplementedError


class TcpRelay(_Proxy):
    """Bytes both ways, unread: for a database connection."""

    async def _relay(self, client_r, client_w, server_r, server_w) -> None:
        await asyncio.gather(_pump(client_r, server_w), _pump(server_r, client_w))


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    while data := await source.read(65536):
        sink.write(data)
        await sink.drain()
    sink.transport.abort()


@dataclass(frozen=True)
class HttpMessage:
    head: bytes
    body: bytes
    start_line: str
    headers: dict[str, str]

    @property
    def raw(self) -> bytes:
        return self.head + self.body

    @property
    def method(self) -> str:
        return self.start_line.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.start_line.split(" ")[1].split("?", 1)[0]

    @property
    def status(self) -> int:
        return int(self.start_line.split(" ")[1])


async def read_http_message(reader: asyncio.StreamReader, request_method: str | None = None) -> HttpMessage | None:
    """One request (request_method None) or one answer to a request of `request_method`; None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    message = HttpMessage(head, b"", lines[0], headers)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif request_method is None or request_method == "HEAD" or message.status in (204, 304) \
            or 100 <= message.status < 200:
        body = b""
    else:
        body = await reader.read(-1)  # an answer without a length ends with the connection
    return HttpMessage(head, body, lines[0], headers)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    raw = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        raw += size_line
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while True:
                trailer = await reader.readuntil(b"\r\n")
                raw += trailer
                if trailer == b"\r\n":
                    return raw
        raw += await reader.readexactly(size + 2)


def _ignore_outcome(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True)
class Fault:
    kind: str
    #: For a cut: the share of the message that gets through; for a delay: seconds.
    amount: float = 0.5


class FlakyLink(_Proxy):
    """An HTTP link between phone and server that fails the requests it is told to (see the module docstring)."""

    def __init__(self, target_port: int, target_host: str = LOOPBACK, listen_port: int = 0,
                 fault_paths: tuple[str, ...] = SYNC_PATHS):
        self.fault_paths = fault_paths
        self._script: deque[Fault] = deque()
        self._rng: random.Random | None = None
        self._odds: dict[str, float] = {}
        self._delay_s = 0.0
        self._lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self._answers_lost = 0
        self.requests = 0
        #: Raw bytes of every push that reached the server, for replaying later.
        self.captured_pushes: list[bytes] = []
        #: Set while a push is at the server and its answer has not come back.
        self.push_at_server = threading.Event()
        self._pushes_at_server = 0
        #: How long the server took over each push it answered, in seconds.
        self.push_seconds: list[float] = []
        super().__init__(target_port, target_host, listen_port)

    @property
    def answers_lost(self) -> int:
        """Answers the server gave that the client never got."""
        return self._answers_lost

    def lose_answers(self, count: int) -> None:
        """The next `count` requests (to the fault paths) reach the server; their answers are lost on the way back."""
        self.script(*[Fault(LOSE_ANSWER)] * count)

    def script(self, *faults: Fault) -> None:
        """Apply these faults, one per request (to the fault paths), before any random one."""
        with self._lock:
            self._script.extend(faults)

    def randomly(self, seed: int, odds: dict[str, float], delay_s: float = 0.0) -> None:
        """From now on, fail each request with kind k with probability odds[k] (seeded)."""
        unknown = set(odds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"Unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}.")
        with self._lock:
            self._rng, self._odds, self._delay_s = random.Random(seed), dict(odds), delay_s

    def behave(self) -> None:
        """No more faults, scripted or random."""
        with self._lock:
            self._script.clear()
            self._rng, self._odds = None, {}

    def replay(self, raw: bytes, timeout_s: float = 60) -> tuple[int, bytes]:
        """Send captured request bytes to the server on a new connection; its status and body."""
        return self._call(self._send_raw(raw), timeout_s + 5)

    # --- on the loop ------------------------------------------------------------

    def _next_fault(self, request: HttpMessage) -> Fault | None:
        if not request.path.startswith(self.fault_paths):
            return None
        with self._lock:
            if self._script:
                fault = self._script.popleft()
            elif self._rng is not None:
                fault = None
                draw = self._rng.random()
                for kind, odds in self._odds.items():
                    if draw < odds:
                        amount = self._delay_s if kind == DELAY_ANSWER else self._rng.uniform(0.05, 0.95)
                        fault = Fault(kind, amount)
                        break
                    draw -= odds
            else:
                return None
            if fault is not None and fault.kind == DUPLICATE and request.path != PUSH_PATH:
                fault = None
            if fault is not None:
                self.faults[fault.kind] += 1
            return fault

    async def _relay(self, client_r, client_w, server_r, server_w) -> None:
        while True:
            request = await read_http_message(client_r)
            if request is None:
                return
            self.requests += 1
            fault = self._next_fault(request)
            kind = fault.kind if fault else None
            if kind == CUT_REQUEST:
                server_w.write(request.raw[: max(1, int(len(request.raw) * fault.amount))])
                await server_w.drain()
                await asyncio.sleep(0.05)
                return
            is_push = request.method == "POST" and request.path == PUSH_PATH
            if is_push:
                self.captured_pushes.append(request.raw)
                self._pushes_at_server += 1
                self.push_at_server.set()
            server_w.write(request.raw)
            await server_w.drain()
            sent_at = time.monotonic()
            copy = None
            if kind == DUPLICATE:
                copy = asyncio.ensure_future(self._send_raw(request.raw))
                copy.add_done_callback(_ignore_outcome)  # the copy may fail with the server: nobody waits for it
            try:
                answer = await read_http_message(server_r, request.method)
            finally:
                if is_push:
                    self._pushes_at_server -= 1
                    if not self._pushes_at_server:
                        self.push_at_server.clear()
            if is_push and answer is not None:
                self.push_seconds.append(time.monotonic() - sent_at)
            if copy is not None:
                await asyncio.gather(copy, return_exceptions=True)
            if answer is None:
                return
            if kind == LOSE_ANSWER:
                self._answers_lost += 1
                return
            if kind == CUT_ANSWER:
                client_w.write(answer.raw[: max(1, int(len(answer.raw) * fault.amount))])
                await client_w.drain()
                return
            if kind == DELAY_ANSWER:
                await asyncio.sleep(fault.amount)
            client_w.write(answer.raw)
            await client_w.drain()
            if kind == DELAY_ANSWER or "close" in answer.headers.get("connection", "").lower():
                return

    async def _send_raw(self, raw: bytes) -> tuple[int, bytes]:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*self.target), CONNECT_TIMEOUT_S)
        self._open.add(writer.transport)
        try:
            method = raw.split(b" ", 1)[0].decode()
            writer.write(raw)
            await writer.drain()
            answer = await read_http_message(reader, method)
            if answer is None:
                raise ConnectionError("The server closed the connection without answering.")
            return answer.status, answer.body
        finally:
            writer.transport.abort()
            self._open.discard(writer.transport)
