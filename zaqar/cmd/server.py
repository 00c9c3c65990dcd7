"""zaqar-server: serve the API under gunicorn.

    zaqar-server [--config-file F] [--bind ADDR] [--port N] [--workers N] [--admin_mode]

With no configuration at all it serves on 127.0.0.1:8888 with messages kept in
``zaqar.sqlite`` in the working directory.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence
from typing import Any

from gunicorn.app.base import BaseApplication
from oslo_config import cfg

from zaqar import bootstrap
from zaqar import conf as zaqar_conf
from zaqar.conf import default, drivers_transport_wsgi, http_limits
from zaqar.storage import errors
from zaqar.transport.wsgi import logs
from zaqar.transport.wsgi.app import create_app

LOG = logging.getLogger("zaqar.server")
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s] %(message)s"

#: gunicorn's worker class, and the threads of each worker. Threaded workers keep client
#: connections open between requests, where sync workers close every one: on the producer
#: workload (wrk, 4 workers, Redis, two shared cores) that was worth 1.4x to 1.8x in
#: requests per second. Four threads measured better than two or eight.
WORKER_CLASS = "gthread"
WORKER_THREADS = 4


def worker_count(flag: int | None, configured: int | None) -> int:
    """Flag, then config, then gunicorn's usual WEB_CONCURRENCY, then 2 x CPUs + 1."""
    if flag is not None:
        return flag
    if configured is not None:
        return configured
    from_env = os.environ.get("WEB_CONCURRENCY")
    if from_env:
        return int(from_env)
    return multiprocessing.cpu_count() * 2 + 1


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, conf: cfg.ConfigOpts, options: dict[str, Any]) -> None:
        self._conf = conf
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Runs in each worker after the fork: every worker opens its own connections.
        return create_app(self._conf)


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="zaqar-server",
        description="Serve the Zaqar API. Other options (--config-file, --config-dir) are "
        "read as oslo.config options.",
    )
    parser.add_argument("--bind", help="address to listen on ([drivers:transport:wsgi] bind)")
    parser.add_argument(
        "--port", type=int, help="port to listen on ([drivers:transport:wsgi] port)"
    )
    parser.add_argument("--workers", type=int, help="gunicorn worker processes")
    parser.add_argument("--admin_mode", action="store_true", help="serve admin endpoints")
    return parser.parse_known_args(list(argv))


def protection_options(conf: cfg.ConfigOpts) -> dict[str, Any]:
    """gunicorn settings from [http]: header limits and the worker timeout."""
    group = conf[http_limits.GROUP]
    return {
        "timeout": group.request_timeout,
        "limit_request_line": group.limit_request_line,
        "limit_request_fields": group.limit_request_fields,
        "limit_request_field_size": group.limit_request_field_size,
    }


def configure_logging() -> None:
    """Log lines to stderr, each with the id of the request it belongs to (or ``-``)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        logs.install(handler)


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    # Schema checks run alembic at start-up; its plugin chatter is not news to an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args, rest = parse_args(sys.argv[1:] if argv is None else argv)
    conf = zaqar_conf.load(rest)
    if args.admin_mode:
        conf.set_override("admin_mode", True, group=default.GROUP)
    wsgi = conf[drivers_transport_wsgi.GROUP]
    bind = args.bind or wsgi.bind
    port = args.port if args.port is not None else wsgi.port
    try:
        # Fail fast on a bad configuration, and create the schema once, before forking.
        bootstrap.Bootstrap(conf).close()
    except (bootstrap.ConfigurationError, errors.BadConfiguration) as error:
        LOG.error("cannot start: %s", error)
        return 2
    except errors.ServiceUnavailable as error:
        LOG.error("cannot start: the storage backend is unavailable: %s", error)
        return 3
    host = f"[{bind}]" if ":" in bind else bind
    options = {
        "bind": f"{host}:{port}",
        "workers": worker_count(args.workers, wsgi.workers),
        "worker_class": WORKER_CLASS,
        "threads": WORKER_THREADS,
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "zaqar-server",
        "control_socket_disable": True,
        **protection_options(conf),
    }
    LOG.info("serving on http://%s:%s with %d workers", host, port, options["workers"])
    Server(conf, options).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
