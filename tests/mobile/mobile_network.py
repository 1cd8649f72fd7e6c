"""A TCP relay between a phone and the server on loopback, which a test can cut or make lose answers.

``link.down()`` is the phone losing signal: connections are dropped at once.
``link.lose_answers(n)`` lets the next n requests reach the server but drops
the server's answer on the way back, as a dying connection would after the
server has committed.
"""

import socket
import threading


class FlakyLink:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1", listen_port: int = 0):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", listen_port))
        self.port = self._listener.getsockname()[1]
        self._up = True
        self._answers_to_lose = 0
        self.answers_lost = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closing = False
        threading.Thread(target=self._accept, daemon=True, name="flaky-link").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def down(self) -> None:
        with self._lock:
            self._up = False
            for sock in list(self._open):
                _close(sock)
            self._open.clear()

    def up(self) -> None:
        with self._lock:
            self._up = True

    def lose_answers(self, count: int) -> None:
        with self._lock:
            self._answers_to_lose = count

    def close(self) -> None:
        self._closing = True
        self.down()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if not self._up:
                    _close(client)
                    continue
                try:
                    server = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _close(client)
                    continue
                server.settimeout(None)
                self._open.update((client, server))
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if answers and self._take_answer_to_lose():
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            _close(source)
            _close(sink)

    def _take_answer_to_lose(self) -> bool:
        with self._lock:
            if self._answers_to_lose > 0:
                self._answers_to_lose -= 1
                self.answers_lost += 1
                return True
            return False


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
