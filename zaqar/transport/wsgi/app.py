"""WSGI entry point: ``gunicorn zaqar.transport.wsgi.app:app``.

The service is built on the first request in each worker process, from the configuration
files in the standard places (or the ``ZAQAR_CONFIG_FILE`` environment variable), so that
no database connection is shared across a fork.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

from oslo_config import cfg

from zaqar import bootstrap
from zaqar import conf as zaqar_conf
from zaqar.transport.wsgi.stack import WSGIApp


def create_app(conf: cfg.ConfigOpts) -> WSGIApp:
    """The service a server runs: the Falcon app inside its WSGI layers (``stack.py``)."""
    app: WSGIApp = bootstrap.Bootstrap(conf).transport.wsgi
    return app


def _config_files() -> list[str] | None:
    named = os.environ.get("ZAQAR_CONFIG_FILE")
    return [named] if named else None


class LazyApp:
    """A WSGI callable that builds the real app once, on first use."""

    def __init__(self) -> None:
        self._app: WSGIApp | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    conf = zaqar_conf.load([], default_config_files=_config_files())
                    self._app = create_app(conf)
        result: Iterable[bytes] = self._app(environ, start_response)
        return result


app = application = LazyApp()
