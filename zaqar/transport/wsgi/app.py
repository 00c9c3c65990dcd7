"""WSGI entry point: ``gunicorn zaqar.transport.wsgi.app:app``.

The service is built on the first request in each worker process, from the configuration
files in the standard places (or the ``ZAQAR_CONFIG_FILE`` environment variable), so that
no database connection is shared across a fork.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from oslo_config import cfg

from zaqar import bootstrap
from zaqar import conf as zaqar_conf
from zaqar.storage import errors
from zaqar.transport.wsgi.stack import WSGIApp

LOG = logging.getLogger(__name__)

_UNAVAILABLE = json.dumps(
    {
        "title": "Service temporarily unavailable",
        "description": "The storage backend cannot be reached. Please try again in a few seconds.",
    }
).encode("ascii")


def create_app(conf: cfg.ConfigOpts) -> WSGIApp:
    """The service a server runs: the Falcon app inside its WSGI layers (``stack.py``)."""
    app: WSGIApp = bootstrap.Bootstrap(conf).transport.wsgi
    return app


def _config_files() -> list[str] | None:
    named = os.environ.get("ZAQAR_CONFIG_FILE")
    return [named] if named else None


def _from_environment() -> WSGIApp:
    conf = zaqar_conf.load([], default_config_files=_config_files())
    return create_app(conf)


class LazyApp:
    """A WSGI callable that builds the real app once, on first use (or on ``prime``).

    Building connects to the stores. A worker that starts while a store is down (a worker
    restarted during an outage) must not fail: it answers 503 and builds the app again on
    the next request, instead of failing to boot, which would stop the whole server.
    """

    def __init__(self, build: Callable[[], WSGIApp] = _from_environment) -> None:
        self._build = build
        self._app: WSGIApp | None = None
        self._lock = threading.Lock()

    def prime(self) -> LazyApp:
        """Build now if the stores answer; otherwise on a later request."""
        self._built()
        return self

    def _built(self) -> WSGIApp | None:
        with self._lock:
            if self._app is None:
                try:
                    self._app = self._build()
                except errors.ServiceUnavailable as error:
                    LOG.warning("the app is not built yet, its storage is unavailable: %s", error)
            return self._app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        app = self._app or self._built()
        if app is None:
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(_UNAVAILABLE)))],
            )
            return [_UNAVAILABLE]
        result: Iterable[bytes] = app(environ, start_response)
        return result


app = application = LazyApp()
