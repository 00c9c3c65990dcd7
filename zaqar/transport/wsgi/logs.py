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
import time
from collections.abc import Callable, Iterable
from typing import Any

from zaqar.core import forks

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
    global _SERVER_HANDLER
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        install(handler)
    handlers = logging.getLogger().handlers
    if len(handlers) == 1 and type(handlers[0]) is logging.StreamHandler:
        formatter = handlers[0].formatter
        if (
            type(formatter) is logging.Formatter
            and formatter._fmt == LOG_FORMAT
            and formatter.datefmt is None
        ):
            _SERVER_HANDLER = handlers[0]


#: The stream handler ``configure`` set up, while it is the one place log lines go to.
_SERVER_HANDLER: logging.StreamHandler[Any] | None = None


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
    line = _access_line(environ, status, seconds)
    handler = _SERVER_HANDLER
    if handler is not None and _only_server_handler(handler):
        try:
            _write_preformatted(handler, line)
            return
        except (OSError, ValueError):
            pass  # logging's own path reports it as it reports any line it cannot write
    # PERF: a record made directly skips Logger.findCaller's walk up the stack; the
    # caller's file and line say nothing about a request anyway.
    ACCESS_LOG.handle(
        ACCESS_LOG.makeRecord(ACCESS_LOG.name, logging.INFO, __file__, 0, line, (), None)
    )


def _access_line(environ: dict[str, Any], status: str, seconds: float) -> str:
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if not path.isascii():
        # WSGI hands the path over as latin-1; clients send UTF-8.
        path = path.encode("latin-1", "replace").decode("utf-8", "replace")
    query = environ.get("QUERY_STRING")
    if query:
        path = f"{path}?{query}"
    method = environ.get("REQUEST_METHOD", "")
    return f"{printable(method)} {printable(path)} {status} {seconds * 1000:.1f}ms"


def _only_server_handler(handler: logging.StreamHandler[Any]) -> bool:
    """Whether an access record would reach ``handler`` alone, unfiltered but for the
    request id: what nobody reconfigured since ``configure``."""
    root = logging.root
    return (
        not ACCESS_LOG.handlers
        and not ACCESS_LOG.filters
        and ACCESS_LOG.propagate
        and len(root.handlers) == 1
        and root.handlers[0] is handler
        and not root.filters
        and handler.level <= logging.INFO
        and len(handler.filters) == 1
    )


class _Stamp:
    """``asctime`` as logging's default formatter writes it, its seconds made once a second."""

    second = -1
    text = ""


def _write_preformatted(handler: logging.StreamHandler[Any], line: str) -> None:
    # PERF: ``LOG_FORMAT`` filled in and written straight to the handler's stream: a
    # LogRecord, its formatting and the handler chain cost as much as the rest of a
    # request's logging work twice over. Same format, same lock, same flush.
    now = time.time()
    second = int(now)
    if second != _Stamp.second:
        _Stamp.text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        _Stamp.second = second
    fields = {
        "asctime": f"{_Stamp.text},{int((now - second) * 1000):03d}",
        "process": forks.pid(),
        "levelname": "INFO",
        "name": ACCESS_LOG.name,
        "request_id": CURRENT.get(),
        "message": line,
    }
    text = LOG_FORMAT % fields + handler.terminator
    with handler.lock:  # type: ignore[union-attr]  # made by the handler's __init__
        handler.stream.write(text)
        handler.stream.flush()
