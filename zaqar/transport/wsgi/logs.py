"""The request id in every log line, and the access log.

The outermost WSGI layer (``stack.Edge``) gives each request an id (``req-<uuid>``), stores
it in the WSGI environ, returns it as ``x-openstack-request-id`` and makes it current in a
context variable for the duration of the request; ``RequestIdFilter`` stamps every log record
with it (``%(request_id)s``; ``-`` outside a request). ``access`` writes the one line per
request of the ``zaqar.access`` logger.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable
from typing import Any

#: The environ key the id is stored under (the one oslo.middleware's RequestId uses).
ENVIRON_KEY = "openstack.request_id"
#: The response header that carries it.
HEADER = "x-openstack-request-id"
#: What a record outside any request says.
NO_REQUEST = "-"

CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar(
    "zaqar_request_id", default=NO_REQUEST
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The format of the server's log lines (standard error).
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that passes (attach it to a handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = CURRENT.get()
        return True


def install(handler: logging.Handler) -> None:
    if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
        handler.addFilter(RequestIdFilter())


def configure() -> None:
    """Log lines to stderr, each with the id of the request it belongs to (or ``-``)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        install(handler)


def printable(text: str) -> str:
    """``text`` with control characters escaped, so a client cannot forge log lines."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


ACCESS_LOG = logging.getLogger("zaqar.access")


def access(environ: dict[str, Any], status: str, seconds: float) -> None:
    """One line for a request: method, path and query, status and duration."""
    if not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if not path.isascii():
        # WSGI hands the path over as latin-1; clients send UTF-8.
        path = path.encode("latin-1", "replace").decode("utf-8", "replace")
    query = environ.get("QUERY_STRING")
    if query:
        path = f"{path}?{query}"
    method = environ.get("REQUEST_METHOD", "")
    line = f"{printable(method)} {printable(path)} {status} {seconds * 1000:.1f}ms"
    # PERF: a record made directly skips Logger.findCaller's walk up the stack; the
    # caller's file and line say nothing about a request anyway.
    ACCESS_LOG.handle(
        ACCESS_LOG.makeRecord(ACCESS_LOG.name, logging.INFO, __file__, 0, line, (), None)
    )
