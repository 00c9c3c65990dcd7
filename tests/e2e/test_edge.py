"""The HTTP edge under each server: slow clients, a master killed, a graceful stop.

Every test runs a real zaqar-server (2 workers, SQLite) on loopback, drives it with raw
sockets, and is bounded: each socket has a timeout and each wait a deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import SERVERS, ZaqarServer, child_pids, is_alive, server_env, write_config

pytestmark = pytest.mark.e2e

HEADERS = {"X-Project-ID": "edge", "Client-ID": "3381af92-2b9e-11e3-b191-71861300734c"}
#: The request slow-header clients send, one byte at a time.
SLOW_HEAD = b"GET /v1/queues/edge/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Project-ID: edge\r\n"
#: The head of a slow upload: the body (100 bytes announced) comes a byte at a time.
SLOW_BODY_HEAD = (
    b"POST /v1/queues/edge/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Project-ID: edge\r\n"
    b"Client-ID: 3381af92-2b9e-11e3-b191-71861300734c\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n"
)


def start(workdir: Path, server: str, *config_lines: str, port: int | None = None) -> ZaqarServer:
    config = write_config(workdir, workdir / "zaqar.sqlite")
    if config_lines:
        config.write_text(config.read_text() + "\n" + "\n".join(config_lines) + "\n")
    args = ["--config-file", str(config), "--bind", "127.0.0.1", "--workers", "2"]
    return ZaqarServer(workdir, args, env=server_env(workdir), server=server, port=port).start()


@contextlib.contextmanager
def running(workdir: Path, server: str, *config_lines: str) -> Iterator[ZaqarServer]:
    started = start(workdir, server, *config_lines)
    try:
        yield started
    finally:
        started.stop()


def request(server: ZaqarServer, method: str, path: str, body: str | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        headers = dict(HEADERS, **({"Content-Type": "application/json"} if body else {}))
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def connect(server: ZaqarServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("server_name", SERVERS)
def test_slow_clients_do_not_hold_up_anyone_else(tmp_path: Path, server_name: str) -> None:
    """100 clients sending their headers a byte every half second and 100 sending their
    bodies so: 50 ordinary requests meanwhile are all answered, p99 under 250 ms."""
    with running(tmp_path, server_name) as server:
        assert request(server, "PUT", "/v1/queues/edge") == 201
        slow: list[tuple[socket.socket, bytes]] = []
        try:
            for _ in range(100):
                sock = connect(server)
                slow.append((sock, SLOW_HEAD))
            for _ in range(100):
                sock = connect(server)
                sock.sendall(SLOW_BODY_HEAD)
                slow.append((sock, b"x" * 100))
            stop = threading.Event()

            def trickle() -> None:
                sent = 0
                while not stop.wait(0.5) and sent < 40:
                    for sock, data in slow:
                        with contextlib.suppress(OSError):
                            sock.send(data[sent : sent + 1])
                    sent += 1

            trickler = threading.Thread(target=trickle)
            trickler.start()
            time.sleep(1.0)  # every slow client is connected and under way
            latencies, statuses = [], []
            try:
                for _ in range(50):
                    began = time.monotonic()
                    statuses.append(request(server, "GET", "/v1/queues/edge/stats"))
                    latencies.append(time.monotonic() - began)
                    time.sleep(0.02)
            finally:
                stop.set()
                trickler.join(10)
        finally:
            for sock, _ in slow:
                sock.close()
        assert statuses == [200] * 50, server.log()[-3000:]
        p99 = statistics.quantiles(latencies, n=100)[98]
        assert p99 < 0.25, f"p99 {p99 * 1000:.0f} ms; slowest {max(latencies) * 1000:.0f} ms"


@pytest.mark.parametrize("server_name", SERVERS)
def test_headers_that_do_not_arrive_in_time_end_the_connection(
    tmp_path: Path, server_name: str
) -> None:
    """gunicorn answers 408 and logs it; granian closes the connection."""
    with running(tmp_path, server_name, "[http]", "header_timeout = 1") as server:
        with connect(server) as sock:
            sock.sendall(SLOW_HEAD[:10])
            began = time.monotonic()
            answer = read_all(sock)
            waited = time.monotonic() - began
        assert waited < 3.5, f"the connection stayed open {waited:.1f} s"
        if server_name == "gunicorn":
            assert answer.startswith(b"HTTP/1.1 408 "), answer
            assert b'"title": "Request timeout"' in answer
            deadline = time.monotonic() + 3
            while "408 to 127.0.0.1:" not in server.log() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "the request headers did not arrive within 1 s" in server.log()
        else:
            assert answer == b""
        # The server is still there for everyone else.
        assert request(server, "GET", "/v1/health") == 204


def test_a_body_that_does_not_arrive_in_time_is_answered_408_under_gunicorn(
    tmp_path: Path,
) -> None:
    """Only gunicorn: granian calls the app once the headers are in and has no body timeout
    (docs/security.rst, "The HTTP edge"), which is why it is not the default server."""
    with running(tmp_path, "gunicorn", "[http]", "body_timeout = 1") as server:
        assert request(server, "PUT", "/v1/queues/edge") == 201
        with connect(server) as sock:
            sock.sendall(SLOW_BODY_HEAD + b'[{"ttl": ')
            began = time.monotonic()
            answer = read_all(sock)
            waited = time.monotonic() - began
        assert waited < 3.5
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert b"The request body did not arrive within 1 seconds." in answer
        assert "the request body did not arrive within 1 s" in server.log()
        assert request(server, "GET", "/v1/queues/edge/stats") == 200


@pytest.mark.parametrize("server_name", SERVERS)
def test_a_master_killed_takes_its_workers_along_and_frees_the_port(
    tmp_path: Path, server_name: str
) -> None:
    (tmp_path / "first").mkdir()
    first = start(tmp_path / "first", server_name)
    try:
        booted = time.monotonic() + 10
        while len(workers := child_pids(first.pid)) < 2 and time.monotonic() < booted:
            time.sleep(0.05)  # the first worker up answers the health check
        assert len(workers) == 2, workers
        # A client in the middle of a request keeps a worker busy.
        busy = connect(first)
        busy.sendall(SLOW_BODY_HEAD)
        os.kill(first.pid, signal.SIGKILL)
        killed = time.monotonic()
        while any(is_alive(pid) for pid in workers) and time.monotonic() - killed < 5:
            time.sleep(0.02)
        gone_after = time.monotonic() - killed
        assert not any(is_alive(pid) for pid in workers), f"workers alive after {gone_after:.1f} s"
        assert gone_after < 1.0, f"workers took {gone_after:.2f} s to go"
        busy.close()
        (tmp_path / "second").mkdir()
        second = start(tmp_path / "second", server_name, port=first.port)
        try:
            assert request(second, "GET", "/v1/health") == 204
        finally:
            second.stop()
    finally:
        first.stop()


@pytest.mark.parametrize("server_name", SERVERS)
def test_sigterm_refuses_new_connections_closes_idle_ones_and_finishes_in_flight(
    tmp_path: Path, server_name: str
) -> None:
    with running(
        tmp_path, server_name, "[drivers:transport:wsgi]", "graceful_timeout = 10"
    ) as server:
        assert request(server, "PUT", "/v1/queues/edge") == 201
        idle = connect(server)
        idle.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 204")
        body = b'[{"ttl": 300, "body": "sent slowly, stored whole"}]'
        upload = connect(server)
        head = SLOW_BODY_HEAD.replace(b"Content-Length: 100", b"Content-Length: %d" % len(body))
        upload.sendall(head + body[:10])
        time.sleep(0.3)

        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        time.sleep(0.3)
        # A new connection is refused at once; it never waits in a queue nobody serves.
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        # The in-flight upload still completes.
        upload.sendall(body[10:])
        answer = read_all(upload)
        assert answer.startswith(b"HTTP/1.1 201 "), answer
        upload.close()
        # The idle keep-alive connection was closed, well before the graceful timeout.
        assert read_all(idle) == b""
        assert time.monotonic() - stopped < 5
        idle.close()
        server.process.wait(10)
        assert time.monotonic() - stopped < 10
