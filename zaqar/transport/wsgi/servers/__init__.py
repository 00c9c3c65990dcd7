"""The HTTP servers that run the WSGI app: granian (native, Rust) and gunicorn (Python).

``zaqar-server --server NAME`` (``[drivers:transport:wsgi] server``) picks one; both get the
same ``Settings``, taken from ``[drivers:transport:wsgi]`` and ``[http]``, and both give the
same guarantees where the server allows (``docs/security.rst``, "The HTTP edge"):

* each worker dies with its master (``lifecycle.die_with_parent``), so a master killed with
  SIGKILL leaves no orphan holding the port;
* on SIGTERM each process closes its listening socket at once, so new connections are
  refused rather than left waiting, and in-flight requests get ``graceful_timeout`` to finish;
* the request limits of ``[http]`` apply.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import multiprocessing
import os
from collections.abc import Sequence

from oslo_config import cfg

from zaqar import conf as zaqar_conf
from zaqar.conf import default, drivers_transport_wsgi, http_limits
from zaqar.transport.wsgi.stack import WSGIApp

LOG = logging.getLogger("zaqar.server")

NAMES = drivers_transport_wsgi.SERVERS


@dataclasses.dataclass(frozen=True)
class Settings:
    """What every server is told: where to listen, how many workers, and the limits."""

    host: str
    port: int
    workers: int
    graceful_timeout: float
    header_timeout: float
    body_timeout: float
    request_timeout: int
    limit_request_line: int
    limit_request_fields: int
    limit_request_field_size: int

    @property
    def bind(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def max_head(self) -> int:
        """The largest request head (request line and headers) the limits allow."""
        fields = self.limit_request_fields * (self.limit_request_field_size + 2)
        return self.limit_request_line + 2 + fields + 2


def worker_count(flag: int | None, configured: int | None) -> int:
    """Flag, then config, then the usual WEB_CONCURRENCY, then 2 x CPUs + 1."""
    if flag is not None:
        return flag
    if configured is not None:
        return configured
    from_env = os.environ.get("WEB_CONCURRENCY")
    if from_env:
        return int(from_env)
    return multiprocessing.cpu_count() * 2 + 1


def settings(
    conf: cfg.ConfigOpts,
    bind: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> Settings:
    """The settings of ``conf``, with what the command line gave taking precedence."""
    wsgi = conf[drivers_transport_wsgi.GROUP]
    http = conf[http_limits.GROUP]
    return Settings(
        host=bind or wsgi.bind,
        port=port if port is not None else wsgi.port,
        workers=worker_count(workers, wsgi.workers),
        graceful_timeout=wsgi.graceful_timeout,
        header_timeout=http.header_timeout,
        body_timeout=http.body_timeout,
        request_timeout=http.request_timeout,
        limit_request_line=http.limit_request_line,
        limit_request_fields=http.limit_request_fields,
        limit_request_field_size=http.limit_request_field_size,
    )


def worker_app(config_args: Sequence[str], admin_mode: bool) -> WSGIApp:
    """The app of one worker, built after the fork (or spawn) from the same arguments the
    master read, so that no connection is shared between processes. A store that is down
    when the worker starts makes it answer 503 until the store is back, never fail to boot
    (gunicorn stops the whole server when a worker fails to boot)."""
    from zaqar.transport.wsgi.app import LazyApp, create_app

    conf = zaqar_conf.load(list(config_args))
    if admin_mode:
        conf.set_override("admin_mode", True, group=default.GROUP)
    return LazyApp(functools.partial(create_app, conf)).prime()


def app_loader(config_args: Sequence[str], admin_mode: bool) -> functools.partial[WSGIApp]:
    """A picklable ``worker_app`` call (granian spawns its workers on some platforms)."""
    return functools.partial(worker_app, tuple(config_args), admin_mode)


def serve(name: str, server_settings: Settings, load_app: functools.partial[WSGIApp]) -> None:
    """Run server ``name`` until it is told to stop."""
    if name == "granian":
        from zaqar.transport.wsgi.servers import granian_server

        granian_server.serve(server_settings, load_app)
    elif name == "gunicorn":
        from zaqar.transport.wsgi.servers import gunicorn_server

        gunicorn_server.serve(server_settings, load_app)
    else:
        raise ValueError(f"unknown server {name!r}; choose one of {', '.join(NAMES)}")
