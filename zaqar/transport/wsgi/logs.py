"""The request id in every log line.

oslo.middleware's ``RequestId`` gives each request an id (``req-<uuid>``), stores it in the
WSGI environ and returns it as ``x-openstack-request-id``. ``RequestLogContext`` copies it
into a context variable for the duration of the request, and ``RequestIdFilter`` stamps every
log record with it (``%(request_id)s``; ``-`` outside a request).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable
from typing import Any

from oslo_middleware import request_id

#: The environ key oslo.middleware's RequestId stores the id under.
ENVIRON_KEY = request_id.ENV_REQUEST_ID
#: The response header that carries it.
HEADER = request_id.HTTP_RESP_HEADER_REQUEST_ID
#: What a record outside any request says.
NO_REQUEST = "-"

CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar(
    "zaqar_request_id", default=NO_REQUEST
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that passes (attach it to a handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = CURRENT.get()
        return True


def install(handler: logging.Handler) -> None:
    if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
        handler.addFilter(RequestIdFilter())


def printable(text: str) -> str:
    """``text`` with control characters escaped, so a client cannot forge log lines."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class RequestLogContext:
    """WSGI layer inside ``RequestId``: the id is current while the layers inside run.

    Falcon and the oslo.middleware layers do all their work (and logging) inside the call;
    the body they return is already built, so the id is cleared as soon as the call returns.
    """

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        token = CURRENT.set(str(environ.get(ENVIRON_KEY) or NO_REQUEST))
        try:
            return self._app(environ, start_response)
        finally:
            CURRENT.reset(token)
