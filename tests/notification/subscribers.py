"""Webhook subscribers on loopback that behave well or badly, for the delivery tests and
the delivery benchmark."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Subscriber:
    """What one endpoint received: every request's decoded JSON body, in arrival order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        #: The bodies as they came, byte for byte.
        self.raw: list[bytes] = []
        self.tries: Counter[str] = Counter()
        self.last_at = 0.0

    def ids(self) -> list[str]:
        with self.lock:
            return [body["message_id"] for body in self.received]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        body = json.loads(raw or b"{}")
        behaviour = self.path.strip("/")
        subscriber = self.server.subscribers[behaviour]
        key = body.get("message_id", "")
        with subscriber.lock:
            subscriber.tries[key] += 1
            tries = subscriber.tries[key]
        if behaviour == "slow":
            time.sleep(self.server.slow_seconds)
        if behaviour == "flaky" and tries <= 2:
            self._answer(500)
            return
        with subscriber.lock:
            subscriber.received.append(body)
            subscriber.raw.append(raw)
            subscriber.headers.append(dict(self.headers))
            subscriber.last_at = time.monotonic()
        self._answer(204 if behaviour != "slow" else 200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    subscribers: dict[str, Subscriber]
    slow_seconds: float


@contextmanager
def endpoints(slow_seconds: float = 1.0) -> Iterator[tuple[str, dict[str, Subscriber]]]:
    """A server on loopback with paths ``/fast``, ``/flaky`` (500 on the first two tries of
    each message) and ``/slow`` (answers after ``slow_seconds``); yields its base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.subscribers = {name: Subscriber() for name in ("fast", "flaky", "slow")}
    server.slow_seconds = slow_seconds
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.subscribers
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
