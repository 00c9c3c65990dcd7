"""granian under the app: a Rust HTTP server calling the same WSGI app from its threads.

granian parses requests in Rust on an event loop, so a client that sends its headers slowly
holds no thread; ``[http] header_timeout`` closes its connection. It calls the app once the
headers are in, and the app's thread then waits (without the GIL) for the body as it arrives:
granian has no body timeout, which ``docs/security.rst`` weighs. ``RequestLimits`` applies the
``[http]`` line and field limits, which granian does not know.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import urllib.parse
from collections.abc import Callable
from typing import Any

from zaqar.transport.wsgi import logs
from zaqar.transport.wsgi.servers import Settings, lifecycle
from zaqar.transport.wsgi.stack import WSGIApp

#: granian (hyper) refuses a request with more header fields than this, whatever it is told.
NATIVE_MAX_FIELDS = 100
LOG = logging.getLogger("zaqar.server")

#: Where granian's own log lines go: up to the root logger, in the service's format.
LOG_CONFIG: dict[str, Any] = {
    "loggers": {
        "_granian": {"handlers": [], "level": "INFO", "propagate": True},
        "granian.access": {"handlers": [], "level": "WARNING", "propagate": True},
    }
}


class RequestLimits:
    """414 for a request line over ``limit_request_line``, 431 for a header field over
    ``limit_request_field_size`` or more fields than ``limit_request_fields``: what gunicorn
    refuses itself, refused the same way here."""

    def __init__(self, app: WSGIApp, settings: Settings) -> None:
        self.app = app
        self.max_line = settings.limit_request_line
        self.max_field = settings.limit_request_field_size
        self.max_fields = settings.limit_request_fields
        # granian puts the process environment into every request's environ.
        self.not_headers = frozenset(key for key in os.environ if key.startswith("HTTP_"))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        refused = self._refusal(environ)
        if refused is None:
            return self.app(environ, start_response)
        status, title, description = refused
        LOG.warning("%s to %s: %s", status[:3], environ.get("REMOTE_ADDR", "?"), title)
        body = json.dumps({"title": title, "description": description}).encode("ascii")
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _refusal(self, environ: dict[str, Any]) -> tuple[str, str, str] | None:
        """(status, title, description) of a request over the limits, else None."""
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        # "METHOD /path?query HTTP/1.1": the path arrives decoded; at most 3 bytes a character
        # were sent for it, so only a long one is re-encoded to be measured.
        fixed = len(method) + len(query) + 11
        if fixed + 3 * len(path) > self.max_line:
            sent = len(urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~"))
            if fixed + sent > self.max_line:
                return (
                    "414 URI Too Long",
                    "Request line too long",
                    f"The request line is longer than {self.max_line} bytes.",
                )
        fields = 0
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                if key in self.not_headers:
                    continue
                name_length = len(key) - 5
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name_length = len(key)
            else:
                continue
            fields += 1
            if name_length + 2 + len(value) > self.max_field:
                return (
                    "431 Request Header Fields Too Large",
                    "Header field too large",
                    f"A header field is longer than {self.max_field} bytes.",
                )
        if fields > self.max_fields:
            return (
                "431 Request Header Fields Too Large",
                "Too many header fields",
                f"The request has more than {self.max_fields} header fields.",
            )
        return None


class _QuietThreadAdvice(logging.Filter):
    """granian warns at every start that its many threads exceed the cores. They are meant
    to: each waits, without the GIL, on a client's body or on storage, and a slow client must
    find one free."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Configuration allows spawning up to")


def worker_callable(
    load_app: functools.partial[WSGIApp], settings: Settings, master_pid: int
) -> WSGIApp:
    """What each granian worker serves; runs in the worker before it serves anything."""
    lifecycle.die_with_parent(master_pid)
    logs.configure()
    return RequestLimits(load_app(), settings)


def serve(settings: Settings, load_app: functools.partial[WSGIApp]) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    server = Server(
        "zaqar",  # granian's name for the app; worker_callable builds it
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.header_timeout * 1000),
            keep_alive=True,
            max_buffer_size=max(8192 + 4096 * 100, settings.max_head),
        ),
        websockets=False,
        log_dictconfig=LOG_CONFIG,
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=max(1, math.ceil(settings.graceful_timeout)),
    )
    logging.getLogger("_granian").addFilter(_QuietThreadAdvice())
    loader = functools.partial(worker_callable, load_app, settings, os.getpid())
    server.serve(target_loader=loader, wrap_loader=False)
