"""gunicorn under the app, with a worker that reads requests without tying up threads.

gunicorn's threaded worker hands a connection to a thread as soon as its first byte arrives,
and the thread then blocks reading the rest: twenty clients sending one header byte a second
held every thread, and no one else was served. ``EdgeWorker`` reads each request in its event
loop instead (``framing.RequestBuffer``) and gives the connection to a thread only once the
whole request is there, so slow clients cost a buffer, not a thread. A request whose headers
do not arrive within ``[http] header_timeout``, or whose body does not within
``body_timeout``, is answered 408, its connection closed and the fact logged.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import json
import logging
import math
import selectors
import time
from typing import Any, ClassVar

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from zaqar.conf import http_limits
from zaqar.transport.wsgi.servers import Settings, framing, lifecycle
from zaqar.transport.wsgi.stack import WSGIApp

LOG = logging.getLogger("zaqar.server")

#: Threads of each worker. They run requests that have fully arrived, so they are never
#: held by a slow client; four measured better than two or eight on the producer workload.
WORKER_THREADS = 4
#: Bytes read from a socket at a time.
READ_SIZE = 65536
#: The most body buffered before the connection is handed over anyway: more than any route
#: accepts (256 KiB message posts), so such a body is refused by its Content-Length.
MAX_BODY_BUFFER = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class EdgeSettings:
    """What EdgeWorker needs of ``Settings``; the defaults are the options' (for a gunicorn
    started without zaqar-server, as bench/compare starts its ceiling app)."""

    header_timeout: float = http_limits.header_timeout.default
    body_timeout: float = http_limits.body_timeout.default
    max_line: int = http_limits.limit_request_line.default
    max_head: int = (
        http_limits.limit_request_line.default
        + http_limits.limit_request_fields.default
        * (http_limits.limit_request_field_size.default + 2)
        + 4
    )

    @classmethod
    def of(cls, settings: Settings) -> EdgeSettings:
        return cls(
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            max_line=settings.limit_request_line,
            max_head=settings.max_head,
        )


@dataclasses.dataclass
class _Reading:
    """A connection whose request is still arriving."""

    buffer: framing.RequestBuffer
    deadline: float
    registered: bool = False


def timeout_response(stage: framing.Stage, seconds: float) -> bytes:
    body = json.dumps(
        {
            "title": "Request timeout",
            "description": f"The {stage.value} did not arrive within {seconds:g} seconds.",
        }
    ).encode("ascii")
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class EdgeWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, reading requests in its event loop (see the module)."""

    edge: ClassVar[EdgeSettings] = EdgeSettings()

    def init_process(self) -> None:
        lifecycle.die_with_parent(self.ppid)
        self._reading: dict[TConn, _Reading] = {}
        self._arrived: dict[TConn, bytes] = {}
        super().init_process()

    # -- the event loop -------------------------------------------------------------------

    def enqueue_req(self, conn: TConn) -> None:
        """Called for a new connection and whenever a kept-alive one is readable again."""
        if self.cfg.is_ssl:
            # TLS bytes cannot be framed before the handshake; zaqar-server never sets it up.
            super().enqueue_req(conn)
            return
        reading = _Reading(
            framing.RequestBuffer(self.edge.max_line, self.edge.max_head, MAX_BODY_BUFFER),
            time.monotonic() + self.edge.header_timeout,
        )
        self._reading[conn] = reading
        if conn.parser is not None:
            # What the previous request's parser read ahead belongs to this one.
            ahead = conn.parser.unreader.take_buffered()
            if ahead and reading.buffer.feed(ahead):
                self._hand_over(conn, reading)
                return
        conn.sock.setblocking(False)
        # The bytes are often there already (a kept-alive connection woke the poller).
        self._on_readable(conn, None)

    def _on_readable(self, conn: TConn, _fileobj: Any) -> None:
        reading = self._reading.get(conn)
        if reading is None:
            return
        try:
            chunk = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            self._wait_for_more(conn, reading)
            return
        except OSError:
            chunk = b""
        if not chunk:
            if reading.buffer.data:
                # Half-closed after a partial request: the parser answers it (400).
                self._hand_over(conn, reading)
            else:
                self._drop(conn, reading)  # the client went away
            return
        in_head = reading.buffer.stage is framing.Stage.HEAD
        if reading.buffer.feed(chunk):
            self._hand_over(conn, reading)
            return
        if in_head and reading.buffer.stage is framing.Stage.BODY:
            reading.deadline = time.monotonic() + self.edge.body_timeout
            if reading.buffer.expects_continue:
                self._send_quietly(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        self._wait_for_more(conn, reading)

    def _wait_for_more(self, conn: TConn, reading: _Reading) -> None:
        if not reading.registered:
            self.poller.register(
                conn.sock, selectors.EVENT_READ, functools.partial(self._on_readable, conn)
            )
            reading.registered = True

    def _hand_over(self, conn: TConn, reading: _Reading) -> None:
        self._forget(conn, reading)
        self._arrived[conn] = bytes(reading.buffer.data)
        conn.data_ready = True
        super().enqueue_req(conn)

    def _forget(self, conn: TConn, reading: _Reading) -> None:
        del self._reading[conn]
        if reading.registered:
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass

    def _drop(self, conn: TConn, reading: _Reading) -> None:
        self._forget(conn, reading)
        self.nr_conns -= 1
        conn.close()

    @staticmethod
    def _send_quietly(conn: TConn, data: bytes) -> None:
        try:
            conn.sock.send(data)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EPIPE, errno.ECONNRESET):
                LOG.debug("could not write to %s: %s", conn.client, error)

    def murder_pending(self) -> None:
        """Runs every loop turn (at least once a second): also time out slow requests."""
        super().murder_pending()
        now = time.monotonic()
        late = [(conn, r) for conn, r in self._reading.items() if r.deadline <= now]
        for conn, reading in late:
            self._time_out(conn, reading)

    def _time_out(self, conn: TConn, reading: _Reading) -> None:
        stage = reading.buffer.stage
        seconds = (
            self.edge.header_timeout if stage is framing.Stage.HEAD else self.edge.body_timeout
        )
        peer = _peer(conn.client)
        received = len(reading.buffer.data)
        if received or stage is framing.Stage.BODY:
            self._send_quietly(conn, timeout_response(stage, seconds))
            LOG.warning(
                "408 to %s: the %s did not arrive within %g s (%d bytes received)",
                peer,
                stage.value,
                seconds,
                received,
            )
        else:
            LOG.info("closed connection from %s: no request within %g s", peer, seconds)
        self._drop(conn, reading)

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            # Stopping: close the listening sockets now, not when the last request is done,
            # so that new connections are refused (and a load balancer moves on) instead of
            # waiting in the kernel's queue for a worker that will never accept them.
            for listener in self.sockets:
                listener.close()

    # -- the threads ----------------------------------------------------------------------

    def handle(self, conn: TConn) -> Any:
        arrived = self._arrived.pop(conn, None)
        if arrived is not None:
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(arrived)
        return super().handle(conn)


def _peer(client: Any) -> str:
    if isinstance(client, tuple) and len(client) >= 2:
        return f"{client[0]}:{client[1]}"
    return str(client)


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], load_app: functools.partial[WSGIApp]) -> None:
        self._options = options
        self._load_app = load_app
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Runs in each worker after the fork: every worker opens its own connections.
        return self._load_app()


def options(settings: Settings) -> dict[str, Any]:
    """gunicorn's settings for ``settings``."""
    return {
        "bind": settings.bind,
        "workers": settings.workers,
        "worker_class": f"{__name__}.EdgeWorker",
        "threads": WORKER_THREADS,
        "timeout": settings.request_timeout,
        "graceful_timeout": math.ceil(settings.graceful_timeout),
        "limit_request_line": settings.limit_request_line,
        "limit_request_fields": settings.limit_request_fields,
        "limit_request_field_size": settings.limit_request_field_size,
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "zaqar-server",
        "control_socket_disable": True,
    }


def serve(settings: Settings, load_app: functools.partial[WSGIApp]) -> None:
    EdgeWorker.edge = EdgeSettings.of(settings)
    Server(options(settings), load_app).run()
